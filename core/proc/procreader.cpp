// SPDX-License-Identifier: GPL-2.0-or-later
#include "core/proc/procreader.h"

#include <cerrno>
#include <charconv>
#include <fcntl.h>
#include <unistd.h>

namespace nsviz
{

namespace
{

// Next space-separated token of @p s starting at @p pos; empty at the end.
std::string_view nextToken(std::string_view s, std::size_t &pos)
{
    while (pos < s.size() && (s[pos] == ' ' || s[pos] == '\n'))
        ++pos;
    std::size_t start = pos;
    while (pos < s.size() && s[pos] != ' ' && s[pos] != '\n')
        ++pos;
    return s.substr(start, pos - start);
}

template <typename T> bool toNum(std::string_view s, T &out)
{
    if (s.empty())
        return false;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc() && p == s.data() + s.size();
}

// The value part of the status line "Key:\t..." (without the newline); empty when absent.
std::string_view statusLine(std::string_view text, std::string_view key)
{
    std::size_t pos = 0;
    while (pos < text.size()) {
        std::size_t eol = text.find('\n', pos);
        if (eol == std::string_view::npos)
            eol = text.size();
        std::string_view line = text.substr(pos, eol - pos);
        if (line.size() > key.size() && line.substr(0, key.size()) == key && line[key.size()] == ':')
            return line.substr(key.size() + 1);
        pos = eol + 1;
    }
    return {};
}

// Whitespace (tab/space) separated numbers; false if any token is not a number.
template <typename T> bool numbers(std::string_view s, std::vector<T> &out)
{
    out.clear();
    std::size_t pos = 0;
    while (pos < s.size()) {
        while (pos < s.size() && (s[pos] == ' ' || s[pos] == '\t'))
            ++pos;
        std::size_t start = pos;
        while (pos < s.size() && s[pos] != ' ' && s[pos] != '\t')
            ++pos;
        if (pos == start)
            break;
        T v{};
        if (!toNum(s.substr(start, pos - start), v))
            return false;
        out.push_back(v);
    }
    return true;
}

} // namespace

bool ProcReader::parseStat(std::string_view text, StatFields &out)
{
    out = StatFields{};
    std::size_t open = text.find('(');
    std::size_t close = text.rfind(')');
    if (open == std::string_view::npos || close == std::string_view::npos || close < open)
        return false;
    out.comm.assign(text.substr(open + 1, close - open - 1));
    std::size_t pos = close + 1;
    // Field 3 is the state; fields are counted from 1 and 1 (pid) and 2 (comm) lie before ')'.
    for (int field = 3; field <= 22; ++field) {
        std::string_view tok = nextToken(text, pos);
        if (tok.empty())
            return false;
        switch (field) {
        case 3:
            out.state = tok.size() == 1 ? tok[0] : '?';
            break;
        case 4:
            if (!toNum(tok, out.ppid))
                return false;
            break;
        case 9:
            if (!toNum(tok, out.flags))
                return false;
            break;
        case 22:
            return toNum(tok, out.startTime);
        default:
            break;
        }
    }
    return false;
}

void ProcReader::parseStatus(std::string_view text, StatusFields &out)
{
    out = StatusFields{};
    std::vector<std::uint32_t> ids;
    bool uidOk = numbers(statusLine(text, "Uid"), ids) && ids.size() >= 2;
    if (uidOk) {
        out.uid = ids[0];
        out.euid = ids[1];
    }
    bool gidOk = numbers(statusLine(text, "Gid"), ids) && !ids.empty();
    if (gidOk)
        out.gid = ids[0];
    out.haveIds = uidOk && gidOk;
    if (!numbers(statusLine(text, "NSpid"), out.nspid))
        out.nspid.clear();
    for (int p : out.nspid)
        if (p <= 0) {
            out.nspid.clear();
            break;
        }
}

std::vector<std::string> ProcReader::parseCmdline(std::string_view text)
{
    std::vector<std::string> args;
    std::size_t pos = 0;
    while (pos < text.size()) {
        std::size_t end = text.find('\0', pos);
        if (end == std::string_view::npos)
            end = text.size();
        args.emplace_back(text.substr(pos, end - pos));
        pos = end + 1;
    }
    return args;
}

std::string ProcReader::parseCgroup(std::string_view text)
{
    std::string_view first;
    bool haveFirst = false;
    std::size_t pos = 0;
    while (pos < text.size()) {
        std::size_t eol = text.find('\n', pos);
        if (eol == std::string_view::npos)
            eol = text.size();
        std::string_view line = text.substr(pos, eol - pos);
        pos = eol + 1;
        // hierarchy-ID:controller-list:cgroup-path; the path may itself contain ':'.
        std::size_t c1 = line.find(':');
        if (c1 == std::string_view::npos)
            continue;
        std::size_t c2 = line.find(':', c1 + 1);
        if (c2 == std::string_view::npos)
            continue;
        std::string_view path = line.substr(c2 + 1);
        if (line.substr(0, c1) == "0" && c2 == c1 + 1)
            return std::string(path);
        if (!haveFirst) {
            first = path;
            haveFirst = true;
        }
    }
    return std::string(first);
}

bool ProcReader::parseNsLink(std::string_view text, NsType &type, std::uint64_t &ino)
{
    std::size_t colon = text.find(":[");
    if (colon == std::string_view::npos || text.size() < colon + 4 || text.back() != ']')
        return false;
    auto t = nsTypeFromName(text.substr(0, colon));
    if (!t)
        return false;
    std::uint64_t v = 0;
    if (!toNum(text.substr(colon + 2, text.size() - colon - 3), v) || v == 0)
        return false;
    type = *t;
    ino = v;
    return true;
}

bool ProcReader::parsePid(std::string_view text, int &pid)
{
    if (text.empty() || text[0] < '1' || text[0] > '9')
        return false;
    return toNum(text, pid) && pid > 0;
}

int ProcReader::readNsLinks(int nsDirFd, std::array<std::uint64_t, kNsTypeCount> &inodes, bool &denied)
{
    int found = 0;
    char buf[64];
    for (NsType t : kAllNsTypes) {
        inodes[index(t)] = 0;
        // nsTypeName() views string literals, so data() is NUL-terminated.
        ssize_t n = ::readlinkat(nsDirFd, nsTypeName(t).data(), buf, sizeof buf);
        if (n < 0) {
            // ENOENT: the kernel lacks this type (time before 5.6) or the task is a zombie.
            if (errno == EACCES || errno == EPERM)
                denied = true;
            continue;
        }
        NsType got;
        std::uint64_t ino = 0;
        if (parseNsLink(std::string_view(buf, static_cast<std::size_t>(n)), got, ino) && got == t) {
            inodes[index(t)] = ino;
            ++found;
        }
    }
    return found;
}

int ProcReader::read(int dirfd, const char *name, std::string_view &out, std::size_t maxBytes)
{
    out = {};
    int fd = ::openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
    if (fd < 0)
        return errno;
    if (m_buf.size() < 4096)
        m_buf.resize(4096);
    std::size_t len = 0;
    int err = 0;
    for (;;) {
        if (len == m_buf.size()) {
            if (m_buf.size() >= maxBytes)
                break;
            m_buf.resize(std::min(maxBytes, m_buf.size() * 2));
        }
        ssize_t n = ::read(fd, m_buf.data() + len, m_buf.size() - len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            err = errno;
            break;
        }
        if (n == 0)
            break;
        len += static_cast<std::size_t>(n);
        // A short read is the end: proc's seq_file and cmdline files hand out everything that
        // fits in one read, as do regular files. Saves a read() per file, 40k per 10k processes.
        if (len < m_buf.size())
            break;
    }
    ::close(fd);
    if (err)
        return err;
    out = std::string_view(m_buf.data(), len);
    return 0;
}

} // namespace nsviz
