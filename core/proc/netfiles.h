// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
/// @file netfiles.h Typed parsers of /proc/PID/net/*: what a network namespace shows without being
/// entered. Addresses are given as text (inet_ntop). Malformed lines are skipped.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace nsviz::procparse
{

/// One interface of /proc/PID/net/dev.
struct NetDevice {
    std::string name;
    std::uint64_t rxBytes = 0, rxPackets = 0, txBytes = 0, txPackets = 0;
};
std::vector<NetDevice> parseNetDev(std::string_view text);

/// One address of /proc/PID/net/if_inet6.
struct Inet6Address {
    std::string name;    ///< interface
    std::string address; ///< "fd00::2"
    int prefix = 0;
    int scope = 0; ///< IPV6_ADDR_* scope bits: 0x00 global, 0x10 host, 0x20 link, 0x40 site
};
std::vector<Inet6Address> parseIfInet6(std::string_view text);
/// "global", "host", "link" or "site" for an if_inet6 scope.
const char *inet6ScopeName(int scope);

/// One route of /proc/PID/net/route or ipv6_route.
struct Route {
    bool inet6 = false;
    std::string destination;            ///< address
    int prefix = 0;                     ///< destination prefix length
    std::optional<std::string> gateway; ///< none for a directly connected route
    std::string dev;
    std::int64_t metric = 0;
};
/// /proc/PID/net/route (IPv4; the first line is the header).
std::vector<Route> parseRoute(std::string_view text);
/// /proc/PID/net/ipv6_route. Routes of the local and multicast tables that the kernel adds by
/// itself are kept: the diff compares what is there.
std::vector<Route> parseIpv6Route(std::string_view text);

/// The socket tables of /proc/PID/net.
enum class SocketProto { Tcp, Tcp6, Udp, Udp6 };
/// "tcp", "tcp6", "udp", "udp6": the file name and the protocol's name in nsviz.inspect/1.
const char *socketProtoName(SocketProto proto);

/// A listening TCP socket or a bound, unconnected UDP socket.
struct ListeningSocket {
    SocketProto proto = SocketProto::Tcp;
    std::string address;
    int port = 0;
    std::uint32_t uid = 0;
    std::uint64_t inode = 0;
};
/// /proc/PID/net/{tcp,tcp6,udp,udp6}: only the listening (TCP) and unconnected (UDP) sockets.
std::vector<ListeningSocket> parseListeningSockets(std::string_view text, SocketProto proto);

} // namespace nsviz::procparse
