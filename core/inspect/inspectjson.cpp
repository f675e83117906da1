// SPDX-License-Identifier: GPL-2.0-or-later
#include "core/inspect/inspectjson.h"

#include "core/model/textsafe.h"

#include <cinttypes>
#include <cstdio>

using nlohmann::json;

namespace nsviz::inspectjson
{

namespace
{
json ids(const procparse::IdSet &s)
{
    return json::array({s.real, s.effective, s.saved, s.fs});
}

/// The mask as the kernel prints it in status ("%016llx").
std::string capHex(std::uint64_t mask)
{
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016" PRIx64, mask);
    return buf;
}
} // namespace

json status(const procparse::Status &s)
{
    json j = json::object();
    if (s.name)
        j["name"] = *s.name;
    if (s.uid)
        j["uid"] = ids(*s.uid);
    if (s.gid)
        j["gid"] = ids(*s.gid);
    if (!s.nspid.empty())
        j["nspid"] = s.nspid;
    static const char *const kCapSetNames[procparse::kCapSetCount] = {"inheritable", "permitted", "effective",
                                                                      "bounding", "ambient"};
    for (std::size_t i = 0; i < procparse::kCapSetCount; ++i) {
        if (!s.caps[i])
            continue;
        j["caps"][kCapSetNames[i]] = procparse::capNames(*s.caps[i]);
        j["capsHex"][kCapSetNames[i]] = capHex(*s.caps[i]);
    }
    if (s.noNewPrivs)
        j["noNewPrivs"] = *s.noNewPrivs;
    if (s.seccomp) {
        static const char *const kModes[] = {"disabled", "strict", "filter"};
        j["seccomp"]["mode"] = (*s.seccomp >= 0 && *s.seccomp <= 2) ? kModes[*s.seccomp] : "unknown";
    }
    if (s.seccompFilters)
        j["seccomp"]["filters"] = *s.seccompFilters;
    return j;
}

json statusFromText(std::string_view text)
{
    procparse::Status s;
    procparse::parseStatus(text, s);
    return status(s);
}

json idMap(const std::vector<procparse::IdMapEntry> &map)
{
    json a = json::array();
    for (const auto &e : map)
        a.push_back({{"inside", e.inside}, {"outside", e.outside}, {"count", e.count}});
    return a;
}

json timeOffsets(const std::vector<procparse::TimeOffset> &offsets)
{
    json a = json::array();
    for (const auto &o : offsets)
        a.push_back({{"clock", o.clock}, {"seconds", o.seconds}, {"nanoseconds", o.nanoseconds}});
    return a;
}

json mounts(const std::vector<procparse::MountEntry> &mounts)
{
    json a = json::array();
    for (const auto &m : mounts)
        a.push_back({{"id", m.id},
                     {"parent", m.parent},
                     {"target", m.target},
                     {"root", m.root},
                     {"source", m.source},
                     {"fstype", m.fstype},
                     {"options", m.options},
                     {"superOptions", m.superOptions},
                     {"propagation", m.propagation}});
    return a;
}

json route(const procparse::Route &r)
{
    json j = {{"family", r.inet6 ? "inet6" : "inet"},
              {"destination", r.destination + "/" + std::to_string(r.prefix)},
              {"dev", r.dev},
              {"metric", r.metric}};
    if (r.gateway)
        j["gateway"] = *r.gateway;
    return j;
}

json listeningSocket(const procparse::ListeningSocket &s)
{
    return {{"proto", procparse::socketProtoName(s.proto)},
            {"address", s.address},
            {"port", s.port},
            {"uid", s.uid},
            {"inode", s.inode}};
}

json sysvipc(const std::vector<procparse::SysvIpcObject> &objects, procparse::SysvIpcKind kind)
{
    json a = json::array();
    for (const auto &o : objects) {
        json j = {{"key", o.key}, {"id", o.id}, {"perms", o.perms}, {"uid", o.uid}};
        if (o.extra)
            j[procparse::sysvIpcExtraName(kind)] = *o.extra;
        a.push_back(j);
    }
    return a;
}

json terminalSafeStrings(const json &j)
{
    if (j.is_string())
        return terminalSafe(j.get_ref<const std::string &>());
    if (j.is_array()) {
        json a = json::array();
        for (const auto &x : j)
            a.push_back(terminalSafeStrings(x));
        return a;
    }
    if (j.is_object()) {
        json o = json::object();
        for (auto it = j.begin(); it != j.end(); ++it)
            o[terminalSafe(it.key())] = terminalSafeStrings(it.value());
        return o;
    }
    return j;
}

} // namespace nsviz::inspectjson
