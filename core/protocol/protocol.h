// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
/// @file protocol.h The nsviz wire protocol (version 1): constants, request types and frame builders.
///
/// Newline-delimited JSON frames. Every frame carries "v" (the protocol version), "type" and "id"
/// (the id of the request it answers; 0 for frames that answer no request). See docs/protocol.md.

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace nsviz::protocol
{

inline constexpr int kVersion = 1;
/// Longest request line the helper accepts (without the newline). Requests are small.
inline constexpr std::size_t kMaxRequestBytes = 64 * 1024;
/// Longest frame the helper ever writes (without the newline). Larger frames are split.
inline constexpr std::size_t kMaxFrameBytes = 4 * 1024 * 1024;
/// Snapshot/delta parts are flushed once their elements reach this size (well under kMaxFrameBytes).
inline constexpr std::size_t kDefaultChunkBytes = 512 * 1024;
/// Subscription interval bounds.
inline constexpr int kDefaultIntervalMs = 1000;
inline constexpr int kMinIntervalMs = 100;
inline constexpr int kMaxIntervalMs = 600000;
/// Request ids stay exact in a JavaScript double (a GUI in another language may read them).
inline constexpr std::uint64_t kMaxRequestId = (std::uint64_t(1) << 53) - 1;
/// PID_MAX_LIMIT of the kernel (4194304): no valid pid is larger.
inline constexpr int kMaxPid = 4 * 1024 * 1024;

/// Error codes carried in "code" of error frames.
namespace err
{
inline constexpr const char *BadJson = "bad_json";               ///< not JSON, or not an object
inline constexpr const char *BadUtf8 = "bad_utf8";               ///< the line is not valid UTF-8
inline constexpr const char *TooLarge = "too_large";             ///< request line over kMaxRequestBytes
inline constexpr const char *Truncated = "truncated";            ///< input ended in the middle of a line
inline constexpr const char *BadVersion = "unsupported_version"; ///< "v" is not kVersion
inline constexpr const char *UnknownType = "unknown_type";       ///< "type" is no known request
inline constexpr const char *BadRequest = "bad_request";  ///< a field is missing, mistyped or out of range
inline constexpr const char *Unsupported = "unsupported"; ///< known request this helper cannot serve
inline constexpr const char *NotAuthorised = "not_authorised"; ///< the caller may not ask this (see message)
inline constexpr const char *NotFound = "not_found";           ///< e.g. inspect of a pid that does not exist
inline constexpr const char *ScanFailed = "scan_failed";       ///< the proc root could not be read
inline constexpr const char *Failed = "failed";                ///< a handler failed (message says why)
inline constexpr const char *Internal = "internal";            ///< a bug in the helper
} // namespace err

/// Requests a client can send.
enum class RequestType {
    Hello,
    Scan,
    Subscribe,
    Unsubscribe,
    Inspect,
    DemoStart,
    DemoStop,
    DemoList,
    Ping,
    Bye,
};

/// The wire name ("hello", "demo_start", ...).
std::string_view requestTypeName(RequestType t);
/// Inverse of requestTypeName(); nullopt for anything else.
std::optional<RequestType> requestTypeFromName(std::string_view name);

/// A request, validated and typed. Only the fields of its type are meaningful.
struct Request {
    RequestType type = RequestType::Hello;
    std::uint64_t id = 0;
    int intervalMs = kDefaultIntervalMs; ///< subscribe
    /// subscribe: send deltas in the member-deltas form (namespace member and sandbox changes instead
    /// of whole objects; docs/protocol.md). Offered in hello's capabilities as "member-deltas".
    bool memberDeltas = false;
    int pid = 0; ///< inspect
    /// inspect: the start time (/proc/PID/stat field 22) of the process meant; 0 when not given. A
    /// pid that now belongs to another process is refused with not_found instead of inspected.
    std::uint64_t startTime = 0;
    /// demo_*: the "args" object, passed to the registered handler which validates it itself.
    nlohmann::json args = nlohmann::json::object();
};

/// Serialise @p j as one frame line (no newline). Invalid UTF-8 in strings is replaced by U+FFFD
/// rather than throwing: /proc hands out arbitrary bytes (comm, cmdline).
std::string dumpFrame(const nlohmann::json &j);

/// A frame skeleton {"v":1,"type":TYPE,"id":ID}.
nlohmann::json frame(std::string_view type, std::uint64_t id);
/// An error frame.
nlohmann::json errorFrame(std::uint64_t id, std::string_view code, std::string_view message);
/// A request line for a client to send (with the trailing newline). @p extra adds fields.
std::string requestLine(RequestType type, std::uint64_t id,
                        const nlohmann::json &extra = nlohmann::json::object());

/// True when @p s is well-formed UTF-8 (no overlongs, no surrogates, nothing above U+10FFFF).
bool isValidUtf8(std::string_view s);

} // namespace nsviz::protocol
