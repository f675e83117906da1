// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
/// @file demospec.h What a demo container should look like: a typed, validated request.
///
/// Every way of asking for a demo (the CLI, a protocol "demo_start" request, a KAuth action)
/// is parsed into a DemoSpec here before anything is started, so the rules live in one place:
/// known namespace type names only, a hostname per RFC 1123 of at most 64 bytes, a bounded
/// lifetime, and no combination that would change the host (e.g. a hostname without a fresh
/// uts namespace).

#include "core/model/nstype.h"

#include <nlohmann/json_fwd.hpp>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace nsviz
{

/// A demo container request. Default: all eight types fresh, default hostname, one hour.
struct DemoSpec {
    /// Longest hostname the kernel accepts (HOST_NAME_MAX) and the most we accept.
    static constexpr std::size_t kMaxHostnameBytes = 64;
    static constexpr std::uint32_t kDefaultLifetimeSec = 3600;
    static constexpr std::uint32_t kMaxLifetimeSec = 24 * 3600;

    /// fresh[index(t)]: the demo gets a new namespace of type t; false: it shares the host's.
    std::array<bool, kNsTypeCount> fresh{true, true, true, true, true, true, true, true};
    /// Hostname inside the demo; empty means "nsviz-demo-N" (N chosen when it starts).
    /// Only meaningful with a fresh uts namespace.
    std::string hostname;
    /// Seconds after which the demo ends by itself, 1..kMaxLifetimeSec.
    std::uint32_t lifetimeSec = kDefaultLifetimeSec;

    bool isFresh(NsType t) const { return fresh[index(t)]; }
    /// CLONE_NEW* flags of the fresh types.
    int cloneFlags() const;
    /// Names of the shared types, in nsviz order.
    std::vector<std::string> sharedNames() const;
};

/// Outcome of parsing: either a spec or a one-line, human-readable error.
struct DemoSpecResult {
    std::optional<DemoSpec> spec;
    std::string error;
    explicit operator bool() const { return spec.has_value(); }
};

/// Empty when @p name is a valid RFC 1123 hostname (dot-separated labels of letters, digits and
/// '-', no label starting or ending with '-', labels of 1..63 bytes, at most 64 bytes in all);
/// otherwise why it is not.
std::string hostnameError(std::string_view name);

/// The default hostname of demo number @p n: "nsviz-demo-N".
std::string defaultDemoHostname(int n);

/// Validate the parts of a request as the CLI has them.
/// @param shared  type names to share with the host (each may itself be a comma-separated list)
/// @param hostname  nullopt: default
/// @param lifetimeSec  nullopt: default; taken as signed so "-5" is reported, not wrapped
DemoSpecResult demoSpecFromArgs(const std::vector<std::string> &shared,
                                const std::optional<std::string> &hostname,
                                const std::optional<long long> &lifetimeSec);

/// Validate the "args" object of a protocol demo_start request:
/// {"share": ["net", ...], "hostname": "name", "lifetime": seconds}, every key optional,
/// unknown keys refused (a typo must not silently start a different demo).
DemoSpecResult demoSpecFromJson(const nlohmann::json &args);

/// The inverse of demoSpecFromJson(): a request args object that parses back to @p spec.
nlohmann::json demoSpecToJson(const DemoSpec &spec);

} // namespace nsviz
