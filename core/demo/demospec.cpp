// SPDX-License-Identifier: GPL-2.0-or-later
#include "core/demo/demospec.h"

#include <nlohmann/json.hpp>

namespace nsviz
{

int DemoSpec::cloneFlags() const
{
    int flags = 0;
    for (NsType t : kAllNsTypes)
        if (isFresh(t))
            flags |= nsCloneFlag(t);
    return flags;
}

std::vector<std::string> DemoSpec::sharedNames() const
{
    std::vector<std::string> out;
    for (NsType t : kAllNsTypes)
        if (!isFresh(t))
            out.emplace_back(nsTypeName(t));
    return out;
}

namespace
{

bool isAlnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/// Shows a user-supplied string in an error message without letting it break the one-line
/// format: control bytes and non-ASCII become escapes, and it is cut after 40 bytes.
std::string shown(std::string_view s)
{
    static const char hex[] = "0123456789abcdef";
    std::string out = "'";
    std::size_t n = 0;
    for (unsigned char c : s) {
        if (++n > 40) {
            out += "...";
            break;
        }
        if (c >= 0x20 && c < 0x7f && c != '\'') {
            out += char(c);
        } else {
            out += "\\x";
            out += hex[c >> 4];
            out += hex[c & 15];
        }
    }
    return out + "'";
}

std::string knownTypes()
{
    std::string s;
    for (NsType t : kAllNsTypes) {
        if (!s.empty())
            s += ", ";
        s += nsTypeName(t);
    }
    return s;
}

/// Applies one share entry (possibly "a,b,c") to @p spec; returns an error or "".
std::string applyShare(DemoSpec &spec, std::string_view list)
{
    if (list.empty())
        return "empty namespace type name (known: " + knownTypes() + ")";
    std::size_t start = 0;
    while (start <= list.size()) {
        std::size_t comma = list.find(',', start);
        std::string_view name =
            list.substr(start, comma == std::string_view::npos ? list.npos : comma - start);
        if (name.empty())
            return "empty namespace type name in " + shown(list) + " (known: " + knownTypes() + ")";
        auto t = nsTypeFromName(name);
        if (!t)
            return "unknown namespace type " + shown(name) + " (known: " + knownTypes() + ")";
        spec.fresh[index(*t)] = false;
        if (comma == std::string_view::npos)
            break;
        start = comma + 1;
    }
    return {};
}

std::string lifetimeError(long long sec)
{
    if (sec <= 0)
        return "lifetime must be at least 1 second (got " + std::to_string(sec) + ")";
    if (sec > DemoSpec::kMaxLifetimeSec)
        return "lifetime must be at most " + std::to_string(DemoSpec::kMaxLifetimeSec) + " seconds (got " +
               std::to_string(sec) + ")";
    return {};
}

/// Rules about combinations, checked once all parts are in.
std::string checkCombination(const DemoSpec &spec, bool hostnameGiven)
{
    bool anyFresh = false;
    for (bool f : spec.fresh)
        anyFresh = anyFresh || f;
    if (!anyFresh)
        return "at least one namespace type must be fresh (all eight were shared with the host)";
    // Setting a hostname in the host's uts namespace would rename the host.
    if (hostnameGiven && !spec.isFresh(NsType::Uts))
        return "a hostname needs a fresh uts namespace, but uts is shared with the host";
    return {};
}

} // namespace

std::string hostnameError(std::string_view name)
{
    if (name.empty())
        return "hostname is empty";
    if (name.size() > DemoSpec::kMaxHostnameBytes)
        return "hostname is " + std::to_string(name.size()) + " bytes long, at most " +
               std::to_string(DemoSpec::kMaxHostnameBytes) + " allowed";
    std::size_t labelStart = 0;
    for (std::size_t i = 0; i <= name.size(); ++i) {
        if (i == name.size() || name[i] == '.') {
            std::size_t len = i - labelStart;
            if (len == 0)
                return "hostname " + shown(name) + " has an empty label (leading, trailing or double '.')";
            if (len > 63)
                return "hostname " + shown(name) + " has a label longer than 63 bytes";
            if (name[labelStart] == '-' || name[i - 1] == '-')
                return "hostname " + shown(name) + " has a label starting or ending with '-'";
            labelStart = i + 1;
            continue;
        }
        char c = name[i];
        if (!isAlnum(c) && c != '-')
            return "hostname " + shown(name) + " contains " + shown(std::string_view(&name[i], 1)) +
                   " (only letters, digits, '-' and '.' are allowed)";
    }
    return {};
}

std::string defaultDemoHostname(int n)
{
    return "nsviz-demo-" + std::to_string(n);
}

DemoSpecResult demoSpecFromArgs(const std::vector<std::string> &shared,
                                const std::optional<std::string> &hostname,
                                const std::optional<long long> &lifetimeSec)
{
    DemoSpec spec;
    for (const auto &s : shared)
        if (std::string e = applyShare(spec, s); !e.empty())
            return {std::nullopt, std::move(e)};
    if (hostname) {
        if (std::string e = hostnameError(*hostname); !e.empty())
            return {std::nullopt, std::move(e)};
        spec.hostname = *hostname;
    }
    if (lifetimeSec) {
        if (std::string e = lifetimeError(*lifetimeSec); !e.empty())
            return {std::nullopt, std::move(e)};
        spec.lifetimeSec = std::uint32_t(*lifetimeSec);
    }
    if (std::string e = checkCombination(spec, hostname.has_value()); !e.empty())
        return {std::nullopt, std::move(e)};
    return {spec, {}};
}

DemoSpecResult demoSpecFromJson(const nlohmann::json &args)
{
    auto fail = [](std::string e) { return DemoSpecResult{std::nullopt, std::move(e)}; };
    if (!args.is_object())
        return fail("demo request arguments must be a JSON object");
    for (const auto &[key, value] : args.items()) {
        (void)value;
        if (key != "share" && key != "hostname" && key != "lifetime")
            return fail("unknown key " + shown(key) + " in demo request (known: share, hostname, lifetime)");
    }
    std::vector<std::string> shared;
    if (auto it = args.find("share"); it != args.end()) {
        if (!it->is_array())
            return fail("\"share\" must be an array of namespace type names");
        if (it->size() > 2 * kNsTypeCount)
            return fail("\"share\" has too many entries");
        for (const auto &v : *it) {
            if (!v.is_string())
                return fail("\"share\" must be an array of namespace type names");
            const auto &s = v.get_ref<const std::string &>();
            // One name per element here: a comma inside would be a different grammar.
            if (s.find(',') != std::string::npos)
                return fail("unknown namespace type " + shown(s) + " (known: " + knownTypes() + ")");
            shared.push_back(s);
        }
    }
    std::optional<std::string> hostname;
    if (auto it = args.find("hostname"); it != args.end()) {
        if (!it->is_string())
            return fail("\"hostname\" must be a string");
        hostname = it->get<std::string>();
    }
    std::optional<long long> lifetime;
    if (auto it = args.find("lifetime"); it != args.end()) {
        if (it->is_number_unsigned()) {
            auto v = it->get<std::uint64_t>();
            if (v > std::uint64_t(DemoSpec::kMaxLifetimeSec))
                return fail("lifetime must be at most " + std::to_string(DemoSpec::kMaxLifetimeSec) +
                            " seconds (got " + std::to_string(v) + ")");
            lifetime = (long long)v;
        } else if (it->is_number_integer()) {
            lifetime = it->get<long long>();
        } else {
            return fail("\"lifetime\" must be an integer number of seconds");
        }
    }
    return demoSpecFromArgs(shared, hostname, lifetime);
}

nlohmann::json demoSpecToJson(const DemoSpec &spec)
{
    nlohmann::json j = nlohmann::json::object();
    j["share"] = spec.sharedNames();
    if (!spec.hostname.empty())
        j["hostname"] = spec.hostname;
    j["lifetime"] = spec.lifetimeSec;
    return j;
}

} // namespace nsviz
