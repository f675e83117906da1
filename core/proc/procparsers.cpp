// SPDX-License-Identifier: GPL-2.0-or-later
#include "core/proc/procparsers.h"

#include <arpa/inet.h>
#include <charconv>
#include <cstring>
#include <libmount/libmount.h>
#include <memory>
#include <netinet/in.h>
#include <stdexcept>
#include <sys/capability.h>

namespace nsviz::procparse
{

namespace
{

std::vector<std::string_view> lines(std::string_view text)
{
    std::vector<std::string_view> out;
    std::size_t i = 0;
    while (i < text.size()) {
        std::size_t j = text.find('\n', i);
        if (j == std::string_view::npos)
            j = text.size();
        out.push_back(text.substr(i, j - i));
        i = j + 1;
    }
    return out;
}

std::vector<std::string_view> words(std::string_view line)
{
    std::vector<std::string_view> out;
    std::size_t i = 0;
    while (i < line.size()) {
        while (i < line.size() && (line[i] == ' ' || line[i] == '\t'))
            ++i;
        std::size_t j = i;
        while (j < line.size() && line[j] != ' ' && line[j] != '\t')
            ++j;
        if (j > i)
            out.push_back(line.substr(i, j - i));
        i = j;
    }
    return out;
}

template <typename T> std::optional<T> num(std::string_view s, int base = 10)
{
    T v{};
    if (s.empty())
        return std::nullopt;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v, base);
    if (ec != std::errc() || p != s.data() + s.size())
        return std::nullopt;
    return v;
}

std::string_view trim(std::string_view s)
{
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
        s.remove_suffix(1);
    return s;
}

/// An IPv4 address printed by the kernel as the raw __be32 in %08X (so byte-swapped on little endian).
std::optional<std::string> ipv4FromProcHex(std::string_view hex)
{
    auto v = num<std::uint32_t>(hex, 16);
    if (!v || hex.size() != 8)
        return std::nullopt;
    in_addr a{};
    a.s_addr = *v; // the printed value is the in-memory word: no byte order conversion
    char buf[INET_ADDRSTRLEN];
    return std::string(inet_ntop(AF_INET, &a, buf, sizeof buf));
}

/// An IPv6 address in tcp6/udp6: four raw 32-bit words, each printed with %08X.
std::optional<std::string> ipv6FromProcWords(std::string_view hex)
{
    if (hex.size() != 32)
        return std::nullopt;
    in6_addr a{};
    for (int w = 0; w < 4; ++w) {
        auto v = num<std::uint32_t>(hex.substr(w * 8, 8), 16);
        if (!v)
            return std::nullopt;
        std::memcpy(&a.s6_addr[w * 4], &*v, 4);
    }
    char buf[INET6_ADDRSTRLEN];
    return std::string(inet_ntop(AF_INET6, &a, buf, sizeof buf));
}

/// An IPv6 address in if_inet6/ipv6_route: 16 bytes in network order, as 32 hex digits.
std::optional<std::string> ipv6FromBytes(std::string_view hex)
{
    if (hex.size() != 32)
        return std::nullopt;
    in6_addr a{};
    for (int i = 0; i < 16; ++i) {
        auto v = num<unsigned>(hex.substr(i * 2, 2), 16);
        if (!v)
            return std::nullopt;
        a.s6_addr[i] = static_cast<std::uint8_t>(*v);
    }
    char buf[INET6_ADDRSTRLEN];
    return std::string(inet_ntop(AF_INET6, &a, buf, sizeof buf));
}

int prefixFromMask(std::uint32_t maskNetworkOrder)
{
    return __builtin_popcount(maskNetworkOrder);
}

} // namespace

std::optional<std::uint64_t> parseCapMask(std::string_view hexMask)
{
    hexMask = trim(hexMask);
    if (hexMask.empty() || hexMask.size() > 16)
        return std::nullopt;
    return num<std::uint64_t>(hexMask, 16);
}

std::vector<std::string> capNames(std::string_view hexMask)
{
    std::vector<std::string> out;
    auto mask = parseCapMask(hexMask);
    if (!mask)
        return out;
    for (int bit = 0; bit < 64; ++bit) {
        if (!(*mask & (std::uint64_t(1) << bit)))
            continue;
        // cap_to_name gives the number as text for bits this libcap does not know: keep them visible.
        char *name = cap_to_name(static_cast<cap_value_t>(bit));
        out.emplace_back(name ? name : std::to_string(bit));
        cap_free(name);
    }
    return out;
}

nlohmann::json parseStatus(std::string_view text)
{
    nlohmann::json j = nlohmann::json::object();
    for (std::string_view line : lines(text)) {
        std::size_t colon = line.find(':');
        if (colon == std::string_view::npos)
            continue;
        std::string_view key = line.substr(0, colon);
        std::string_view value = trim(line.substr(colon + 1));
        auto intList = [&]() {
            nlohmann::json a = nlohmann::json::array();
            for (auto w : words(value))
                if (auto v = num<long long>(w))
                    a.push_back(*v);
            return a;
        };
        if (key == "Name") {
            j["name"] = std::string(value);
        } else if (key == "Uid" || key == "Gid") {
            auto a = intList();
            if (a.size() == 4)
                j[key == "Uid" ? "uid" : "gid"] = a;
        } else if (key == "NSpid") {
            auto a = intList();
            if (!a.empty() && a.size() == words(value).size())
                j["nspid"] = a;
        } else if (key == "CapInh" || key == "CapPrm" || key == "CapEff" || key == "CapBnd" ||
                   key == "CapAmb") {
            static const std::pair<std::string_view, const char *> names[] = {{"CapInh", "inheritable"},
                                                                              {"CapPrm", "permitted"},
                                                                              {"CapEff", "effective"},
                                                                              {"CapBnd", "bounding"},
                                                                              {"CapAmb", "ambient"}};
            for (auto &[k, n] : names) {
                if (k == key && parseCapMask(value)) {
                    j["caps"][n] = capNames(value);
                    j["capsHex"][n] = std::string(value);
                }
            }
        } else if (key == "NoNewPrivs") {
            if (auto v = num<int>(value))
                j["noNewPrivs"] = *v != 0;
        } else if (key == "Seccomp") {
            if (auto v = num<int>(value)) {
                static const char *modes[] = {"disabled", "strict", "filter"};
                j["seccomp"]["mode"] = (*v >= 0 && *v <= 2) ? modes[*v] : "unknown";
            }
        } else if (key == "Seccomp_filters") {
            if (auto v = num<int>(value))
                j["seccomp"]["filters"] = *v;
        }
    }
    return j;
}

std::optional<std::uint64_t> parseStatStartTime(std::string_view text)
{
    // The command name may hold spaces and ')': the fields after it start after the LAST ')'.
    std::size_t close = text.rfind(')');
    if (close == std::string_view::npos)
        return std::nullopt;
    auto w = words(text.substr(close + 1));
    // After ')' come field 3 (state) ... field 22 (starttime): index 19.
    if (w.size() < 20)
        return std::nullopt;
    return num<std::uint64_t>(w[19]);
}

nlohmann::json parseIdMap(std::string_view text)
{
    nlohmann::json a = nlohmann::json::array();
    for (auto line : lines(text)) {
        auto w = words(line);
        if (w.size() != 3)
            continue;
        auto in = num<std::uint32_t>(w[0]), out = num<std::uint32_t>(w[1]), count = num<std::uint32_t>(w[2]);
        if (in && out && count)
            a.push_back({{"inside", *in}, {"outside", *out}, {"count", *count}});
    }
    return a;
}

std::string parseCgroupPath(std::string_view text)
{
    std::string first;
    for (auto line : lines(text)) {
        // hierarchy-ID:controller-list:cgroup-path; the path itself may contain ':'
        std::size_t c1 = line.find(':');
        if (c1 == std::string_view::npos)
            continue;
        std::size_t c2 = line.find(':', c1 + 1);
        if (c2 == std::string_view::npos)
            continue;
        std::string_view path = line.substr(c2 + 1);
        if (line.substr(0, c1) == "0" && c2 == c1 + 1)
            return std::string(path);
        if (first.empty())
            first = std::string(path);
    }
    return first;
}

nlohmann::json parseTimensOffsets(std::string_view text)
{
    nlohmann::json a = nlohmann::json::array();
    for (auto line : lines(text)) {
        auto w = words(line);
        if (w.size() != 3)
            continue;
        auto s = num<long long>(w[1]);
        auto ns = num<long long>(w[2]);
        if (!s || !ns)
            continue;
        // Kernels print the clock as a name ("monotonic") or, before 5.8's fix, as its id (1, 7).
        std::string clock(w[0]);
        if (clock == "1")
            clock = "monotonic";
        else if (clock == "7")
            clock = "boottime";
        a.push_back({{"clock", clock}, {"seconds", *s}, {"nanoseconds", *ns}});
    }
    return a;
}

nlohmann::json parseNetDev(std::string_view text)
{
    nlohmann::json a = nlohmann::json::array();
    for (auto line : lines(text)) {
        std::size_t colon = line.find(':');
        if (colon == std::string_view::npos || line.find('|') != std::string_view::npos)
            continue; // the two header lines
        std::string_view name = trim(line.substr(0, colon));
        auto w = words(line.substr(colon + 1));
        if (name.empty() || w.size() < 16)
            continue;
        auto rxB = num<std::uint64_t>(w[0]), rxP = num<std::uint64_t>(w[1]);
        auto txB = num<std::uint64_t>(w[8]), txP = num<std::uint64_t>(w[9]);
        if (!rxB || !rxP || !txB || !txP)
            continue;
        a.push_back({{"name", std::string(name)},
                     {"rxBytes", *rxB},
                     {"rxPackets", *rxP},
                     {"txBytes", *txB},
                     {"txPackets", *txP}});
    }
    return a;
}

nlohmann::json parseIfInet6(std::string_view text)
{
    nlohmann::json a = nlohmann::json::array();
    for (auto line : lines(text)) {
        auto w = words(line);
        if (w.size() != 6)
            continue;
        auto addr = ipv6FromBytes(w[0]);
        auto prefix = num<int>(w[2], 16);
        auto scope = num<int>(w[3], 16);
        if (!addr || !prefix || !scope)
            continue;
        const char *scopeName = *scope == 0x00   ? "global"
                                : *scope == 0x10 ? "host"
                                : *scope == 0x20 ? "link"
                                                 : "site";
        a.push_back(
            {{"name", std::string(w[5])}, {"address", *addr}, {"prefix", *prefix}, {"scope", scopeName}});
    }
    return a;
}

nlohmann::json parseRoute(std::string_view text)
{
    nlohmann::json a = nlohmann::json::array();
    bool header = true;
    for (auto line : lines(text)) {
        if (header) {
            header = false;
            continue;
        }
        auto w = words(line);
        if (w.size() < 11)
            continue;
        auto dst = ipv4FromProcHex(w[1]);
        auto gw = ipv4FromProcHex(w[2]);
        auto mask = num<std::uint32_t>(w[7], 16);
        auto metric = num<long long>(w[6]);
        if (!dst || !gw || !mask || !metric)
            continue;
        nlohmann::json r = {{"family", "inet"},
                            {"destination", *dst + "/" + std::to_string(prefixFromMask(*mask))},
                            {"dev", std::string(w[0])},
                            {"metric", *metric}};
        if (*gw != "0.0.0.0")
            r["gateway"] = *gw;
        a.push_back(r);
    }
    return a;
}

nlohmann::json parseIpv6Route(std::string_view text)
{
    nlohmann::json a = nlohmann::json::array();
    for (auto line : lines(text)) {
        auto w = words(line);
        if (w.size() != 10)
            continue;
        auto dst = ipv6FromBytes(w[0]);
        auto dstLen = num<int>(w[1], 16);
        auto gw = ipv6FromBytes(w[4]);
        auto metric = num<std::uint32_t>(w[5], 16);
        auto flags = num<std::uint32_t>(w[8], 16);
        if (!dst || !dstLen || !gw || !metric || !flags)
            continue;
        nlohmann::json r = {{"family", "inet6"},
                            {"destination", *dst + "/" + std::to_string(*dstLen)},
                            {"dev", std::string(w[9])},
                            {"metric", *metric}};
        if (*gw != "::")
            r["gateway"] = *gw;
        a.push_back(r);
    }
    return a;
}

nlohmann::json parseListeningSockets(std::string_view text, std::string_view proto)
{
    nlohmann::json a = nlohmann::json::array();
    const bool v6 = proto.size() > 0 && proto.back() == '6';
    const bool tcp = proto.substr(0, 3) == "tcp";
    bool header = true;
    for (auto line : lines(text)) {
        if (header) {
            header = false;
            continue;
        }
        auto w = words(line);
        // sl local rem st tx:rx tr:when retrnsmt uid timeout inode ...
        if (w.size() < 10)
            continue;
        auto state = num<int>(w[3], 16);
        if (!state)
            continue;
        // TCP_LISTEN is 0x0A; an unconnected UDP socket shows TCP_CLOSE (0x07).
        if ((tcp && *state != 0x0A) || (!tcp && *state != 0x07))
            continue;
        std::size_t c = w[1].find(':');
        if (c == std::string_view::npos)
            continue;
        auto addr = v6 ? ipv6FromProcWords(w[1].substr(0, c)) : ipv4FromProcHex(w[1].substr(0, c));
        auto port = num<int>(w[1].substr(c + 1), 16);
        auto uid = num<std::uint32_t>(w[7]);
        auto inode = num<std::uint64_t>(w[9]);
        if (!addr || !port || !uid || !inode)
            continue;
        a.push_back({{"proto", std::string(proto)},
                     {"address", *addr},
                     {"port", *port},
                     {"uid", *uid},
                     {"inode", *inode}});
    }
    return a;
}

nlohmann::json parseSysvipc(std::string_view text, std::string_view kind)
{
    nlohmann::json a = nlohmann::json::array();
    auto ls = lines(text);
    if (ls.empty())
        return a;
    // The header names the columns; their order differs between shm, sem and msg.
    auto head = words(ls[0]);
    auto col = [&](std::string_view name) -> int {
        for (std::size_t i = 0; i < head.size(); ++i)
            if (head[i] == name)
                return static_cast<int>(i);
        return -1;
    };
    const char *idCol = kind == "shm" ? "shmid" : kind == "sem" ? "semid" : "msqid";
    const char *extraCol = kind == "shm" ? "size" : kind == "sem" ? "nsems" : "qnum";
    int ck = col("key"), ci = col(idCol), cp = col("perms"), cu = col("uid"), ce = col(extraCol);
    if (ck < 0 || ci < 0 || cp < 0 || cu < 0)
        return a;
    for (std::size_t li = 1; li < ls.size(); ++li) {
        auto w = words(ls[li]);
        if (static_cast<int>(w.size()) != static_cast<int>(head.size()))
            continue;
        auto key = num<long long>(w[ck]);
        auto id = num<long long>(w[ci]);
        auto perms = num<int>(w[cp], 8);
        auto uid = num<std::uint32_t>(w[cu]);
        if (!key || !id || !perms || !uid)
            continue;
        nlohmann::json o = {{"key", *key}, {"id", *id}, {"perms", std::string(w[cp])}, {"uid", *uid}};
        if (ce >= 0)
            if (auto e = num<std::uint64_t>(w[ce]))
                o[extraCol] = *e;
        a.push_back(o);
    }
    return a;
}

nlohmann::json parseMountinfoFile(const std::string &path)
{
    std::unique_ptr<libmnt_table, decltype(&mnt_unref_table)> tb(mnt_new_table(), &mnt_unref_table);
    if (!tb)
        throw std::runtime_error("libmount: out of memory");
    // Malformed lines are skipped (the callback returns 1 = "ignore") instead of failing the whole file.
    mnt_table_set_parser_errcb(tb.get(), [](libmnt_table *, const char *, int) { return 1; });
    int rc = mnt_table_parse_file(tb.get(), path.c_str());
    if (rc < 0)
        throw std::runtime_error(std::string("cannot read ") + path + ": " + std::strerror(-rc));
    nlohmann::json a = nlohmann::json::array();
    libmnt_iter *it = mnt_new_iter(MNT_ITER_FORWARD);
    libmnt_fs *fs = nullptr;
    auto str = [](const char *s) { return std::string(s ? s : ""); };
    while (mnt_table_next_fs(tb.get(), it, &fs) == 0) {
        std::string opt = str(mnt_fs_get_optional_fields(fs));
        // Optional fields may hold peer group ids ("shared:5 master:1"); none means private.
        std::string propagation = opt.empty() ? std::string("private") : opt;
        a.push_back({{"id", mnt_fs_get_id(fs)},
                     {"parent", mnt_fs_get_parent_id(fs)},
                     {"target", str(mnt_fs_get_target(fs))},
                     {"root", str(mnt_fs_get_root(fs))},
                     {"source", str(mnt_fs_get_source(fs))},
                     {"fstype", str(mnt_fs_get_fstype(fs))},
                     {"options", str(mnt_fs_get_vfs_options(fs))},
                     {"superOptions", str(mnt_fs_get_fs_options(fs))},
                     {"propagation", propagation}});
    }
    mnt_free_iter(it);
    return a;
}

std::uint64_t parseNsLink(std::string_view link)
{
    std::size_t open = link.find(":[");
    if (open == std::string_view::npos || link.empty() || link.back() != ']')
        return 0;
    return num<std::uint64_t>(link.substr(open + 2, link.size() - open - 3)).value_or(0);
}

} // namespace nsviz::procparse
