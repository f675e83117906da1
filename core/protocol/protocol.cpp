// SPDX-License-Identifier: GPL-2.0-or-later
#include "core/protocol/protocol.h"

#include <array>
#include <utility>

namespace nsviz::protocol
{

namespace
{
constexpr std::array<std::pair<RequestType, std::string_view>, 10> kNames = {{
    {RequestType::Hello, "hello"},
    {RequestType::Scan, "scan"},
    {RequestType::Subscribe, "subscribe"},
    {RequestType::Unsubscribe, "unsubscribe"},
    {RequestType::Inspect, "inspect"},
    {RequestType::DemoStart, "demo_start"},
    {RequestType::DemoStop, "demo_stop"},
    {RequestType::DemoList, "demo_list"},
    {RequestType::Ping, "ping"},
    {RequestType::Bye, "bye"},
}};
} // namespace

std::string_view requestTypeName(RequestType t)
{
    for (const auto &[type, name] : kNames)
        if (type == t)
            return name;
    return "?";
}

std::optional<RequestType> requestTypeFromName(std::string_view name)
{
    for (const auto &[type, n] : kNames)
        if (n == name)
            return type;
    return std::nullopt;
}

std::string dumpFrame(const nlohmann::json &j)
{
    return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

nlohmann::json frame(std::string_view type, std::uint64_t id)
{
    return nlohmann::json{{"v", kVersion}, {"type", std::string(type)}, {"id", id}};
}

nlohmann::json errorFrame(std::uint64_t id, std::string_view code, std::string_view message)
{
    auto j = frame("error", id);
    j["code"] = std::string(code);
    j["message"] = std::string(message);
    return j;
}

std::string requestLine(RequestType type, std::uint64_t id, const nlohmann::json &extra)
{
    auto j = frame(requestTypeName(type), id);
    if (extra.is_object())
        for (auto it = extra.begin(); it != extra.end(); ++it)
            j[it.key()] = it.value();
    return dumpFrame(j) + '\n';
}

bool isValidUtf8(std::string_view s)
{
    std::size_t i = 0;
    const std::size_t n = s.size();
    while (i < n) {
        auto c = static_cast<unsigned char>(s[i]);
        if (c < 0x80) {
            ++i;
            continue;
        }
        std::size_t len;
        std::uint32_t cp;
        if ((c & 0xE0) == 0xC0) {
            len = 2;
            cp = c & 0x1F;
        } else if ((c & 0xF0) == 0xE0) {
            len = 3;
            cp = c & 0x0F;
        } else if ((c & 0xF8) == 0xF0) {
            len = 4;
            cp = c & 0x07;
        } else {
            return false;
        }
        if (i + len > n)
            return false;
        for (std::size_t k = 1; k < len; ++k) {
            auto cc = static_cast<unsigned char>(s[i + k]);
            if ((cc & 0xC0) != 0x80)
                return false;
            cp = (cp << 6) | (cc & 0x3F);
        }
        // Reject overlong forms, UTF-16 surrogates and code points past Unicode.
        if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
            cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        i += len;
    }
    return true;
}

} // namespace nsviz::protocol
