// SPDX-License-Identifier: GPL-2.0-or-later
#include "core/proc/netfiles.h"

#include "core/proc/textsplit.h"

#include <arpa/inet.h>
#include <array>
#include <cstring>
#include <netinet/in.h>

namespace nsviz::procparse
{

namespace
{

/// An IPv4 address printed by the kernel as the raw __be32 in %08X (so byte-swapped on little endian).
std::optional<std::string> ipv4FromProcHex(std::string_view hex)
{
    std::uint32_t v = 0;
    if (hex.size() != 8 || !text::parseNumber(hex, v, 16))
        return std::nullopt;
    in_addr a{};
    a.s_addr = v; // the printed value is the in-memory word: no byte order conversion
    char buf[INET_ADDRSTRLEN];
    return std::string(inet_ntop(AF_INET, &a, buf, sizeof buf));
}

/// An IPv6 address in tcp6/udp6: four raw 32-bit words, each printed with %08X.
std::optional<std::string> ipv6FromProcWords(std::string_view hex)
{
    if (hex.size() != 32)
        return std::nullopt;
    in6_addr a{};
    for (std::size_t w = 0; w < 4; ++w) {
        std::uint32_t v = 0;
        if (!text::parseNumber(hex.substr(w * 8, 8), v, 16))
            return std::nullopt;
        std::memcpy(&a.s6_addr[w * 4], &v, 4);
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
    for (std::size_t i = 0; i < 16; ++i) {
        unsigned v = 0;
        if (!text::parseNumber(hex.substr(i * 2, 2), v, 16))
            return std::nullopt;
        a.s6_addr[i] = static_cast<std::uint8_t>(v);
    }
    char buf[INET6_ADDRSTRLEN];
    return std::string(inet_ntop(AF_INET6, &a, buf, sizeof buf));
}

} // namespace

std::vector<NetDevice> parseNetDev(std::string_view text)
{
    std::vector<NetDevice> out;
    for (std::string_view line : text::lines(text)) {
        std::size_t colon = line.find(':');
        if (colon == std::string_view::npos || line.find('|') != std::string_view::npos)
            continue; // the two header lines
        NetDevice d;
        std::string_view name = text::trim(line.substr(0, colon));
        // Receive: bytes packets errs drop fifo frame compressed multicast; transmit: bytes packets ...
        std::array<std::string_view, 16> f;
        if (name.empty() || text::splitFields(line.substr(colon + 1), f) < 16 ||
            !text::parseNumber(f[0], d.rxBytes) || !text::parseNumber(f[1], d.rxPackets) ||
            !text::parseNumber(f[8], d.txBytes) || !text::parseNumber(f[9], d.txPackets))
            continue;
        d.name.assign(name);
        out.push_back(std::move(d));
    }
    return out;
}

const char *inet6ScopeName(int scope)
{
    return scope == 0x00 ? "global" : scope == 0x10 ? "host" : scope == 0x20 ? "link" : "site";
}

std::vector<Inet6Address> parseIfInet6(std::string_view text)
{
    std::vector<Inet6Address> out;
    for (std::string_view line : text::lines(text)) {
        // address ifindex prefix scope flags name
        std::array<std::string_view, 6> f;
        Inet6Address a;
        if (text::splitFields(line, f) != 6 || !text::parseNumber(f[2], a.prefix, 16) ||
            !text::parseNumber(f[3], a.scope, 16))
            continue;
        auto addr = ipv6FromBytes(f[0]);
        if (!addr)
            continue;
        a.address = std::move(*addr);
        a.name.assign(f[5]);
        out.push_back(std::move(a));
    }
    return out;
}

std::vector<Route> parseRoute(std::string_view text)
{
    std::vector<Route> out;
    bool header = true;
    for (std::string_view line : text::lines(text)) {
        if (header) {
            header = false;
            continue;
        }
        // Iface Destination Gateway Flags RefCnt Use Metric Mask MTU Window IRTT
        std::array<std::string_view, 11> f;
        if (text::splitFields(line, f) < 11)
            continue;
        auto dst = ipv4FromProcHex(f[1]);
        auto gw = ipv4FromProcHex(f[2]);
        std::uint32_t mask = 0;
        Route r;
        if (!dst || !gw || !text::parseNumber(f[7], mask, 16) || !text::parseNumber(f[6], r.metric))
            continue;
        r.destination = std::move(*dst);
        r.prefix = __builtin_popcount(mask); // the mask is in network order: only its bit count matters
        if (*gw != "0.0.0.0")
            r.gateway = std::move(*gw);
        r.dev.assign(f[0]);
        out.push_back(std::move(r));
    }
    return out;
}

std::vector<Route> parseIpv6Route(std::string_view text)
{
    std::vector<Route> out;
    for (std::string_view line : text::lines(text)) {
        // dst dst_len src src_len next_hop metric refcnt use flags dev
        std::array<std::string_view, 10> f;
        if (text::splitFields(line, f) != 10)
            continue;
        auto dst = ipv6FromBytes(f[0]);
        auto gw = ipv6FromBytes(f[4]);
        std::uint32_t metric = 0, flags = 0;
        Route r;
        r.inet6 = true;
        if (!dst || !gw || !text::parseNumber(f[1], r.prefix, 16) || !text::parseNumber(f[5], metric, 16) ||
            !text::parseNumber(f[8], flags, 16))
            continue;
        r.destination = std::move(*dst);
        r.metric = metric;
        if (*gw != "::")
            r.gateway = std::move(*gw);
        r.dev.assign(f[9]);
        out.push_back(std::move(r));
    }
    return out;
}

const char *socketProtoName(SocketProto proto)
{
    switch (proto) {
    case SocketProto::Tcp:
        return "tcp";
    case SocketProto::Tcp6:
        return "tcp6";
    case SocketProto::Udp:
        return "udp";
    case SocketProto::Udp6:
        return "udp6";
    }
    return "?";
}

std::vector<ListeningSocket> parseListeningSockets(std::string_view text, SocketProto proto)
{
    std::vector<ListeningSocket> out;
    const bool v6 = proto == SocketProto::Tcp6 || proto == SocketProto::Udp6;
    const bool tcp = proto == SocketProto::Tcp || proto == SocketProto::Tcp6;
    bool header = true;
    for (std::string_view line : text::lines(text)) {
        if (header) {
            header = false;
            continue;
        }
        // sl local rem st tx:rx tr:when retrnsmt uid timeout inode ...
        std::array<std::string_view, 10> f;
        int state = 0;
        if (text::splitFields(line, f) < 10 || !text::parseNumber(f[3], state, 16))
            continue;
        // TCP_LISTEN is 0x0A; an unconnected UDP socket shows TCP_CLOSE (0x07).
        if ((tcp && state != 0x0A) || (!tcp && state != 0x07))
            continue;
        std::size_t c = f[1].find(':');
        if (c == std::string_view::npos)
            continue;
        ListeningSocket s;
        s.proto = proto;
        auto addr = v6 ? ipv6FromProcWords(f[1].substr(0, c)) : ipv4FromProcHex(f[1].substr(0, c));
        if (!addr || !text::parseNumber(f[1].substr(c + 1), s.port, 16) || !text::parseNumber(f[7], s.uid) ||
            !text::parseNumber(f[9], s.inode))
            continue;
        s.address = std::move(*addr);
        out.push_back(std::move(s));
    }
    return out;
}

} // namespace nsviz::procparse
