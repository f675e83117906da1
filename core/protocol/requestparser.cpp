// SPDX-License-Identifier: GPL-2.0-or-later
#include "core/protocol/requestparser.h"

#include <initializer_list>

using nlohmann::json;

namespace nsviz::protocol
{

namespace
{

// Requests are flat; demo args may nest a little. Anything deeper is an attack or a bug.
constexpr int kMaxDepth = 16;

struct Invalid {
    std::string code;
    std::string message;
};

bool allowedKey(const std::string &key, std::initializer_list<const char *> extra)
{
    if (key == "v" || key == "type" || key == "id")
        return true;
    for (const char *k : extra)
        if (key == k)
            return true;
    return false;
}

void checkKeys(const json &j, std::string_view type, std::initializer_list<const char *> extra)
{
    for (auto it = j.begin(); it != j.end(); ++it)
        if (!allowedKey(it.key(), extra))
            throw Invalid{err::BadRequest,
                          "unknown field \"" + it.key() + "\" in " + std::string(type) + " request"};
}

std::int64_t boundedInt(const json &j, const char *key, std::int64_t lo, std::int64_t hi)
{
    const json &v = j.at(key);
    if (!v.is_number_integer())
        throw Invalid{err::BadRequest, std::string("\"") + key + "\" must be an integer"};
    bool inRange;
    std::int64_t value = 0;
    if (v.is_number_unsigned()) {
        auto u = v.get<std::uint64_t>();
        inRange = u <= static_cast<std::uint64_t>(hi);
        value = inRange ? static_cast<std::int64_t>(u) : 0;
        inRange = inRange && value >= lo;
    } else {
        value = v.get<std::int64_t>();
        inRange = value >= lo && value <= hi;
    }
    if (!inRange)
        throw Invalid{err::BadRequest, std::string("\"") + key + "\" must be between " + std::to_string(lo) +
                                           " and " + std::to_string(hi)};
    return value;
}

} // namespace

ParseResult parseRequest(std::string_view line)
{
    if (line.size() > kMaxRequestBytes)
        return ParseError{0, err::TooLarge,
                          "request of " + std::to_string(line.size()) + " bytes exceeds the limit of " +
                              std::to_string(kMaxRequestBytes)};
    if (!isValidUtf8(line))
        return ParseError{0, err::BadUtf8, "request is not valid UTF-8"};

    // nlohmann stops at a NUL byte as if the input ended there: refuse it outright instead.
    if (line.find('\0') != std::string_view::npos)
        return ParseError{0, err::BadJson, "request contains a NUL byte"};

    json j;
    bool tooDeep = false;
    try {
        j = json::parse(
            line.begin(), line.end(),
            [&tooDeep](int depth, json::parse_event_t, json &) {
                if (depth > kMaxDepth)
                    tooDeep = true;
                return !tooDeep;
            },
            true, false);
    } catch (const json::exception &e) {
        return ParseError{0, err::BadJson, std::string("request is not valid JSON: ") + e.what()};
    }
    if (tooDeep)
        return ParseError{0, err::BadJson,
                          "request nests deeper than " + std::to_string(kMaxDepth) + " levels"};
    return parseRequestFromJson(j);
}

ParseResult parseRequestFromJson(const json &j)
{
    if (!j.is_object())
        return ParseError{0, err::BadJson, "request must be a JSON object"};

    // The id first, so that every later error can name the request it refuses.
    std::uint64_t id = 0;
    auto idIt = j.find("id");
    if (idIt == j.end())
        return ParseError{0, err::BadRequest, "request has no \"id\""};
    if (!idIt->is_number_unsigned() || idIt->get<std::uint64_t>() > kMaxRequestId)
        return ParseError{0, err::BadRequest,
                          "\"id\" must be an integer between 0 and " + std::to_string(kMaxRequestId)};
    id = idIt->get<std::uint64_t>();

    auto vIt = j.find("v");
    if (vIt == j.end())
        return ParseError{id, err::BadRequest, "request has no \"v\" (protocol version)"};
    if (!vIt->is_number_integer() || vIt->get<std::int64_t>() != kVersion)
        return ParseError{id, err::BadVersion,
                          "unsupported protocol version " + vIt->dump() + " (this helper speaks " +
                              std::to_string(kVersion) + ")"};

    auto tIt = j.find("type");
    if (tIt == j.end() || !tIt->is_string())
        return ParseError{id, err::BadRequest, "\"type\" must be a string"};
    const std::string typeName = tIt->get<std::string>();
    auto type = requestTypeFromName(typeName);
    if (!type) {
        // Echo at most a short, printable prefix of what we did not understand.
        std::string shown = typeName.substr(0, 40);
        for (char &c : shown)
            if (static_cast<unsigned char>(c) < 0x20)
                c = '?';
        return ParseError{id, err::UnknownType, "unknown request type \"" + shown + "\""};
    }

    Request r;
    r.type = *type;
    r.id = id;
    try {
        switch (*type) {
        case RequestType::Subscribe:
            checkKeys(j, typeName, {"interval_ms", "member_deltas"});
            if (j.contains("interval_ms"))
                r.intervalMs = static_cast<int>(boundedInt(j, "interval_ms", kMinIntervalMs, kMaxIntervalMs));
            if (auto m = j.find("member_deltas"); m != j.end()) {
                if (!m->is_boolean())
                    throw Invalid{err::BadRequest, "\"member_deltas\" must be true or false"};
                r.memberDeltas = m->get<bool>();
            }
            break;
        case RequestType::Inspect:
            checkKeys(j, typeName, {"pid", "start_time"});
            if (!j.contains("pid"))
                throw Invalid{err::BadRequest, "inspect needs \"pid\""};
            r.pid = static_cast<int>(boundedInt(j, "pid", 1, kMaxPid));
            // Optional: (pid, start time) names one process, a pid alone whatever holds it now.
            if (j.contains("start_time"))
                r.startTime = static_cast<std::uint64_t>(
                    boundedInt(j, "start_time", 1, static_cast<std::int64_t>(kMaxRequestId)));
            break;
        case RequestType::DemoStart:
        case RequestType::DemoStop:
        case RequestType::DemoList:
            checkKeys(j, typeName, {"args"});
            if (j.contains("args")) {
                if (!j.at("args").is_object())
                    throw Invalid{err::BadRequest, "\"args\" must be an object"};
                r.args = j.at("args");
            }
            break;
        default:
            checkKeys(j, typeName, {});
            break;
        }
    } catch (const Invalid &e) {
        return ParseError{id, e.code, e.message};
    }
    return r;
}

} // namespace nsviz::protocol
