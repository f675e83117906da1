// SPDX-License-Identifier: GPL-2.0-or-later
#include "core/proc/procfiles.h"

#include "core/proc/textsplit.h"

#include <sys/capability.h>

namespace nsviz::procparse
{

namespace
{

/// Fields 3..22 of stat, from the text after the last ')'. Returns true when the start time was
/// reached and every field on the way parsed.
bool parseStatTail(std::string_view tail, Stat &out)
{
    std::size_t pos = 0;
    // Fields are counted from 1; 1 (pid) and 2 (comm) lie before ')'. Only 3, 4, 9 and 22 are
    // wanted: the others are skipped without being looked at.
    auto skip = [&](int n) {
        for (int i = 0; i < n; ++i) {
            while (pos < tail.size() && text::isBlank(tail[pos]))
                ++pos;
            if (pos == tail.size())
                return false;
            while (pos < tail.size() && !text::isBlank(tail[pos]))
                ++pos;
        }
        return true;
    };
    std::string_view tok = text::nextField(tail, pos); // 3: state
    if (tok.empty())
        return false;
    out.state = tok.size() == 1 ? tok[0] : '?';
    if (!text::parseNumber(text::nextField(tail, pos), out.ppid)) // 4
        return false;
    if (!skip(4)) // 5..8
        return false;
    if (!text::parseNumber(text::nextField(tail, pos), out.flags)) // 9
        return false;
    if (!skip(12)) // 10..21
        return false;
    return text::parseNumber(text::nextField(tail, pos), out.startTime); // 22
}

/// Positions of the name's parentheses; false when the text has no "(...)".
bool findComm(std::string_view text, std::size_t &open, std::size_t &close)
{
    open = text.find('(');
    close = text.rfind(')');
    return open != std::string_view::npos && close != std::string_view::npos && close > open;
}

/// Parses a whole Uid:/Gid: value: exactly four numbers.
std::optional<IdSet> parseIdSet(std::string_view value)
{
    std::array<std::string_view, 4> f;
    if (text::splitFields(value, f) != 4)
        return std::nullopt;
    IdSet ids;
    if (!text::parseNumber(f[0], ids.real) || !text::parseNumber(f[1], ids.effective) ||
        !text::parseNumber(f[2], ids.saved) || !text::parseNumber(f[3], ids.fs))
        return std::nullopt;
    return ids;
}

/// NSpid: all positive, else nothing.
void parseNspid(std::string_view value, std::vector<int> &out)
{
    out.clear();
    for (std::string_view f : text::fields(value)) {
        int v = 0;
        if (!text::parseNumber(f, v) || v <= 0) {
            out.clear();
            return;
        }
        out.push_back(v);
    }
}

constexpr std::array<std::string_view, kCapSetCount> kCapKeys = {"CapInh", "CapPrm", "CapEff", "CapBnd",
                                                                 "CapAmb"};

} // namespace

bool parseStat(std::string_view text, Stat &out)
{
    out.comm.clear(); // keeps the capacity: discovery reuses one Stat per thread
    out.state = '?';
    out.ppid = 0;
    out.flags = 0;
    out.startTime = 0;
    std::size_t open = 0, close = 0;
    if (!findComm(text, open, close))
        return false;
    out.comm.assign(text.substr(open + 1, close - open - 1));
    return parseStatTail(text.substr(close + 1), out);
}

std::optional<std::uint64_t> parseStatStartTime(std::string_view text)
{
    std::size_t open = 0, close = 0;
    Stat st;
    if (!findComm(text, open, close) || !parseStatTail(text.substr(close + 1), st))
        return std::nullopt;
    return st.startTime;
}

void parseStatus(std::string_view text, Status &out, StatusScope scope)
{
    out.name.reset();
    out.uid.reset();
    out.gid.reset();
    out.nspid.clear();
    out.caps.fill(std::nullopt);
    out.noNewPrivs.reset();
    out.seccomp.reset();
    out.seccompFilters.reset();
    const bool all = scope == StatusScope::All;
    bool haveUid = false, haveGid = false, haveNspid = false;
    for (std::string_view line : text::lines(text)) {
        std::string_view key, value;
        if (!text::splitKeyValue(line, key, value))
            continue;
        // The three discovery needs first, so StatusScope::Ids compares little else.
        if (key == "Uid") {
            out.uid = parseIdSet(value);
            haveUid = true;
        } else if (key == "Gid") {
            out.gid = parseIdSet(value);
            haveGid = true;
        } else if (key == "NSpid") {
            parseNspid(value, out.nspid);
            haveNspid = true;
        } else if (!all) {
            continue;
        } else if (key == "Name") {
            out.name.emplace(value);
        } else if (key.size() == 6 && key.substr(0, 3) == "Cap") {
            for (std::size_t i = 0; i < kCapSetCount; ++i)
                if (key == kCapKeys[i])
                    out.caps[i] = parseCapMask(value);
        } else if (key == "NoNewPrivs") {
            if (auto v = text::number<int>(value))
                out.noNewPrivs = *v != 0;
        } else if (key == "Seccomp") {
            out.seccomp = text::number<int>(value);
        } else if (key == "Seccomp_filters") {
            out.seccompFilters = text::number<int>(value);
        }
        // Uid, Gid and NSpid come early in status (before the memory and signal lines).
        if (!all && haveUid && haveGid && haveNspid)
            break;
    }
}

std::optional<std::uint64_t> parseCapMask(std::string_view hex)
{
    hex = text::trim(hex);
    if (hex.empty() || hex.size() > 16)
        return std::nullopt;
    return text::number<std::uint64_t>(hex, 16);
}

std::vector<std::string> capNames(std::uint64_t mask)
{
    std::vector<std::string> out;
    for (int bit = 0; bit < 64; ++bit) {
        if (!(mask & (std::uint64_t(1) << bit)))
            continue;
        // cap_to_name gives the number as text for bits this libcap does not know: keep them visible.
        char *name = cap_to_name(static_cast<cap_value_t>(bit));
        out.emplace_back(name ? name : std::to_string(bit));
        cap_free(name);
    }
    return out;
}

std::vector<std::string> parseCmdline(std::string_view text, bool *truncated)
{
    bool cut = false;
    if (text.size() > kMaxCmdlineBytes) {
        text = text.substr(0, kMaxCmdlineBytes);
        // The last argument kept is cut in the middle unless the cap fell just after a NUL.
        cut = true;
    }
    std::vector<std::string> args;
    for (std::string_view arg : text::nulSeparated(text)) {
        if (args.size() == kMaxCmdlineArgs) {
            cut = true;
            break;
        }
        args.emplace_back(arg);
    }
    if (truncated)
        *truncated = cut;
    return args;
}

std::string_view parseCgroupPath(std::string_view text)
{
    std::string_view first;
    bool haveFirst = false;
    for (std::string_view line : text::lines(text)) {
        // hierarchy-ID:controller-list:cgroup-path; the path may itself contain ':'.
        std::size_t c1 = line.find(':');
        if (c1 == std::string_view::npos)
            continue;
        std::size_t c2 = line.find(':', c1 + 1);
        if (c2 == std::string_view::npos)
            continue;
        std::string_view path = line.substr(c2 + 1);
        if (line.substr(0, c1) == "0" && c2 == c1 + 1)
            return path;
        if (!haveFirst) {
            first = path;
            haveFirst = true;
        }
    }
    return first;
}

std::vector<IdMapEntry> parseIdMap(std::string_view text)
{
    std::vector<IdMapEntry> out;
    for (std::string_view line : text::lines(text)) {
        std::array<std::string_view, 3> f;
        IdMapEntry e;
        if (text::splitFields(line, f) == 3 && text::parseNumber(f[0], e.inside) &&
            text::parseNumber(f[1], e.outside) && text::parseNumber(f[2], e.count))
            out.push_back(e);
    }
    return out;
}

std::vector<TimeOffset> parseTimensOffsets(std::string_view text)
{
    std::vector<TimeOffset> out;
    for (std::string_view line : text::lines(text)) {
        std::array<std::string_view, 3> f;
        TimeOffset o;
        if (text::splitFields(line, f) != 3 || !text::parseNumber(f[1], o.seconds) ||
            !text::parseNumber(f[2], o.nanoseconds))
            continue;
        // Kernels print the clock as a name ("monotonic") or, before 5.8's fix, as its id (1, 7).
        o.clock = f[0] == "1" ? "monotonic" : f[0] == "7" ? "boottime" : std::string(f[0]);
        out.push_back(std::move(o));
    }
    return out;
}

bool parseNsLink(std::string_view text, NsType &type, std::uint64_t &ino)
{
    std::size_t colon = text.find(":[");
    if (colon == std::string_view::npos || text.size() < colon + 4 || text.back() != ']')
        return false;
    auto t = nsTypeFromName(text.substr(0, colon));
    if (!t)
        return false;
    std::uint64_t v = 0;
    if (!text::parseNumber(text.substr(colon + 2, text.size() - colon - 3), v) || v == 0)
        return false;
    type = *t;
    ino = v;
    return true;
}

bool parsePid(std::string_view text, int &pid)
{
    if (text.empty() || text[0] < '1' || text[0] > '9')
        return false;
    return text::parseNumber(text, pid) && pid > 0;
}

} // namespace nsviz::procparse
