// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
/// @file procparsers.h Parsers for the /proc files the diff reads. Each takes the file's text
/// (or path, for mountinfo, which libmount parses) and returns the "nsviz.inspect/1" JSON fragment.
/// None throws on malformed input: bad lines are skipped and counted in "skippedLines" where it matters.

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace nsviz::procparse
{

/// Fields of /proc/PID/status the diff uses: Name, Uid/Gid (real, effective, saved, fs),
/// CapInh/Prm/Eff/Bnd/Amb (as hex and as names), NoNewPrivs, Seccomp, Seccomp_filters, NSpid.
nlohmann::json parseStatus(std::string_view text);

/// Capability names (libcap's cap_to_name, e.g. "cap_net_admin") of the bits set in a 64-bit mask
/// given in hex as in /proc/PID/status. Empty for malformed input.
std::vector<std::string> capNames(std::string_view hexMask);
/// The mask of a hex string as in /proc/PID/status; nullopt when malformed.
std::optional<std::uint64_t> parseCapMask(std::string_view hexMask);

/// Start time (clock ticks after boot, field 22) from /proc/PID/stat, parsed after the last ')'.
std::optional<std::uint64_t> parseStatStartTime(std::string_view text);

/// uid_map / gid_map: [{inside, outside, count}].
nlohmann::json parseIdMap(std::string_view text);

/// /proc/PID/cgroup: the cgroup v2 ("0::") path, else the first hierarchy's path. Empty when none.
std::string parseCgroupPath(std::string_view text);

/// /proc/PID/timens_offsets: [{clock, seconds, nanoseconds}].
nlohmann::json parseTimensOffsets(std::string_view text);

/// /proc/PID/net/dev: [{name, rxBytes, rxPackets, txBytes, txPackets}].
nlohmann::json parseNetDev(std::string_view text);
/// /proc/PID/net/if_inet6: [{name, address, prefix, scope}].
nlohmann::json parseIfInet6(std::string_view text);
/// /proc/PID/net/route: [{family:"inet", destination:"10.0.0.0/8", gateway, dev, metric}].
nlohmann::json parseRoute(std::string_view text);
/// /proc/PID/net/ipv6_route: [{family:"inet6", destination, gateway, dev, metric}]. Routes of the
/// local and multicast tables that the kernel adds by itself are kept: the diff compares what is there.
nlohmann::json parseIpv6Route(std::string_view text);
/// /proc/PID/net/{tcp,tcp6,udp,udp6}: listening TCP sockets and bound, unconnected UDP sockets:
/// [{proto, address, port, inode, uid}]. @p proto is "tcp", "tcp6", "udp" or "udp6".
nlohmann::json parseListeningSockets(std::string_view text, std::string_view proto);

/// /proc/sysvipc/{shm,sem,msg}: [{key, id, perms, uid}] (+ size for shm, nsems for sem, qnum for msg).
nlohmann::json parseSysvipc(std::string_view text, std::string_view kind);

/// A mountinfo file parsed with libmount: [{id, parent, target, root, source, fstype, options,
/// superOptions, propagation}]. Throws std::runtime_error when the file cannot be read at all.
nlohmann::json parseMountinfoFile(const std::string &path);

/// "4026531840" from "net:[4026531840]" (readlink of /proc/PID/ns/TYPE); 0 when malformed.
std::uint64_t parseNsLink(std::string_view link);

} // namespace nsviz::procparse
