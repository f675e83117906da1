// SPDX-License-Identifier: GPL-2.0-or-later
#include "core/inspect/diff.h"

#include "core/inspect/findings.h"
#include "core/inspect/inspectjson.h"
#include "core/inspect/inspector.h"
#include "core/model/nstype.h"
#include "core/model/textsafe.h"
#include "core/sandbox/sandbox.h"

#include <algorithm>
#include <map>
#include <set>
#include <sstream>
#include <string_view>

using nlohmann::json;

namespace nsviz
{

namespace
{

std::string str(const json &j)
{
    if (j.is_null())
        return "-";
    if (j.is_string())
        return j.get<std::string>();
    if (j.is_boolean())
        return j.get<bool>() ? "yes" : "no";
    if (j.is_array()) {
        std::string s;
        for (const auto &e : j) {
            if (!s.empty())
                s += ", ";
            s += str(e);
        }
        return s.empty() ? "(none)" : s;
    }
    return j.dump();
}

/// A section of an inspect document, or an object with "error" when it is missing.
json section(const json &doc, const char *name)
{
    // Namespace sections live under "sections" (a top-level "pid" is the process id).
    const json *where = &doc;
    if (std::string_view(name) != "security") {
        if (!doc.contains("sections"))
            return {{"error", doc.value("error", std::string("not gathered"))}};
        where = &doc["sections"];
    }
    if (where->contains(name) && (*where)[name].is_object())
        return (*where)[name];
    return {{"error", doc.value("error", std::string("not gathered"))}};
}

class Details
{
public:
    /// A value that one side does not know (null) is not a difference: it is "unknown", and
    /// the error that made it so is listed under "errors".
    void item(const std::string &field, const json &a, const json &b)
    {
        const bool unknown = m_blind || a.is_null() || b.is_null();
        const bool differs = !unknown && a != b;
        json i = {{"field", field}, {"a", a}, {"b", b}, {"differs", differs}};
        if (unknown && a != b)
            i["unknown"] = true;
        m_j["items"].push_back(std::move(i));
        if (differs)
            ++m_diffs;
    }
    /// A row derived from another one (the capabilities beyond Docker's default, of the set listed
    /// above it): marked when it differs, not counted again among the differences.
    void derived(const std::string &field, const json &a, const json &b)
    {
        const int before = m_diffs;
        item(field, a, b);
        m_diffs = before;
    }
    /// A value that belongs to the process, not to the namespace (its own pid in a shared pid
    /// namespace): shown, never counted as a difference of the namespace.
    void info(const std::string &field, const json &a, const json &b)
    {
        m_j["items"].push_back(
            {{"field", field}, {"a", a}, {"b", b}, {"differs", false}, {"perProcess", true}});
    }
    // Lists of what one side has are only compared when both sides could be read whole.
    void onlyA(const std::string &s)
    {
        if (!m_blind)
            m_j["onlyInA"].push_back(s), ++m_diffs;
    }
    void onlyB(const std::string &s)
    {
        if (!m_blind)
            m_j["onlyInB"].push_back(s), ++m_diffs;
    }
    void changed(const std::string &key, const std::string &a, const std::string &b, const json &fields)
    {
        if (m_blind)
            return;
        m_j["changed"].push_back({{"key", key}, {"a", a}, {"b", b}, {"fields", fields}});
        ++m_diffs;
    }
    /// Notes why a side has nothing to show; a section that could not be read at all makes
    /// every comparison of it unknown (an empty list is not "nothing there").
    void error(const std::string &side, const json &sec)
    {
        if (sec.contains("error")) {
            m_j["errors"].push_back(side + ": " + sec["error"].get<std::string>());
            m_blind = true;
        }
        if (sec.contains("errors"))
            for (auto &[k, v] : sec["errors"].items())
                m_j["errors"].push_back(side + ": " + k + ": " + str(v));
    }
    /// Sets "a"/"b" lists compared as sets of text.
    void sets(const std::vector<std::string> &a, const std::vector<std::string> &b)
    {
        std::set<std::string> sa(a.begin(), a.end()), sb(b.begin(), b.end());
        for (const auto &s : sa)
            if (!sb.count(s))
                onlyA(s);
        for (const auto &s : sb)
            if (!sa.count(s))
                onlyB(s);
    }
    json done()
    {
        for (const char *k : {"items", "onlyInA", "onlyInB", "changed", "errors"})
            if (!m_j.contains(k))
                m_j[k] = json::array();
        m_j["differences"] = m_diffs;
        return m_j;
    }

private:
    json m_j = json::object();
    int m_diffs = 0;
    bool m_blind = false;
};

json get(const json &sec, const char *key)
{
    return sec.contains(key) ? sec[key] : json();
}

std::string idMapText(const json &m)
{
    if (!m.is_array())
        return "-";
    std::string s;
    for (const auto &e : m) {
        if (!s.empty())
            s += "; ";
        s += std::to_string(e.value("inside", 0u)) + " " + std::to_string(e.value("outside", 0u)) + " " +
             std::to_string(e.value("count", 0u));
    }
    return s.empty() ? "(empty: no mapping)" : s;
}

void diffUts(Details &d, const json &a, const json &b)
{
    d.item("hostname", get(a, "hostname"), get(b, "hostname"));
    d.item("domainname", get(a, "domainname"), get(b, "domainname"));
}

void diffNet(Details &d, const json &a, const json &b)
{
    auto ifaces = [](const json &s) {
        std::map<std::string, json> m;
        if (s.contains("interfaces"))
            for (const auto &i : s["interfaces"])
                m[i.value("name", "")] = i;
        return m;
    };
    auto ifText = [](const json &i) {
        std::string t = i.value("state", "unknown");
        std::vector<std::string> addrs;
        if (i.contains("addresses"))
            for (const auto &x : i["addresses"])
                addrs.push_back(x);
        std::sort(addrs.begin(), addrs.end());
        for (const auto &x : addrs)
            t += " " + x;
        return t;
    };
    auto ia = ifaces(a), ib = ifaces(b);
    json namesA = json::array(), namesB = json::array();
    for (auto &[n, i] : ia)
        namesA.push_back(n);
    for (auto &[n, i] : ib)
        namesB.push_back(n);
    d.item("interfaces", namesA, namesB);
    std::set<std::string> all;
    for (auto &[n, i] : ia)
        all.insert(n);
    for (auto &[n, i] : ib)
        all.insert(n);
    for (const auto &n : all) {
        json va = ia.count(n) ? json(ifText(ia[n])) : json();
        json vb = ib.count(n) ? json(ifText(ib[n])) : json();
        d.item("interface " + n, va, vb);
    }
    auto routes = [](const json &s) {
        std::vector<std::string> v;
        if (s.contains("routes"))
            for (const auto &r : s["routes"])
                v.push_back(
                    "route " + r.value("destination", "?") +
                    (r.contains("gateway") ? " via " + r["gateway"].get<std::string>() : std::string()) +
                    " dev " + r.value("dev", "?"));
        return v;
    };
    auto listening = [](const json &s) {
        std::vector<std::string> v;
        if (s.contains("listening"))
            for (const auto &l : s["listening"]) {
                std::string addr = l.value("address", "?");
                if (addr.find(':') != std::string::npos)
                    addr = "[" + addr + "]";
                v.push_back("listening " + l.value("proto", "?") + " " + addr + ":" +
                            std::to_string(l.value("port", 0)));
            }
        return v;
    };
    d.sets(routes(a), routes(b));
    d.sets(listening(a), listening(b));
}

std::string mountText(const json &m)
{
    return m.value("source", "") + " " + m.value("fstype", "") + " " + m.value("options", "") + " " +
           m.value("propagation", "");
}

void diffMnt(Details &d, const json &a, const json &b, bool sameNs)
{
    auto rootText = [](const json &s) -> json {
        if (!s.contains("root"))
            return json();
        return std::to_string(s["root"].value("dev", 0ull)) + ":" +
               std::to_string(s["root"].value("ino", 0ull));
    };
    d.item("root directory (dev:inode)", rootText(a), rootText(b));
    d.item("mount count", get(a, "count"), get(b, "count"));
    if (!a.contains("mounts") || !b.contains("mounts"))
        return;
    // Key mounts by mount point; several mounts stacked on one point get #2, #3 ...
    auto keyed = [](const json &s) {
        std::map<std::string, json> m;
        std::map<std::string, int> seen;
        for (const auto &x : s["mounts"]) {
            std::string t = x.value("target", "?");
            int n = ++seen[t];
            m[n == 1 ? t : t + " #" + std::to_string(n)] = x;
        }
        return m;
    };
    auto ma = keyed(a), mb = keyed(b);
    int common = 0;
    for (auto &[t, x] : ma) {
        auto it = mb.find(t);
        if (it == mb.end()) {
            d.onlyA(t + "  (" + mountText(x) + ")");
            continue;
        }
        ++common;
        json fields = json::array();
        for (const char *f : {"source", "fstype", "options", "propagation"})
            if (x.value(f, "") != it->second.value(f, ""))
                fields.push_back(f);
        // Peer group numbers are the same for the same mount seen from two namespaces only if they
        // share propagation: a different number is a real difference, so keep it.
        if (!fields.empty())
            d.changed(t, mountText(x), mountText(it->second), fields);
    }
    for (auto &[t, x] : mb)
        if (!ma.count(t))
            d.onlyB(t + "  (" + mountText(x) + ")");
    (void)sameNs;
    (void)common;
}

void diffUser(Details &d, const json &a, const json &b)
{
    d.item("uid_map", a.contains("uid_map") ? json(idMapText(a["uid_map"])) : json(),
           b.contains("uid_map") ? json(idMapText(b["uid_map"])) : json());
    d.item("gid_map", a.contains("gid_map") ? json(idMapText(a["gid_map"])) : json(),
           b.contains("gid_map") ? json(idMapText(b["gid_map"])) : json());
    d.item("setgroups", get(a, "setgroups"), get(b, "setgroups"));
    d.item("owner uid", get(a, "ownerUid"), get(b, "ownerUid"));
}

void diffPid(Details &d, const json &a, const json &b, bool sameNs)
{
    auto chain = [](const json &s) -> json {
        if (!s.contains("nspid"))
            return json();
        std::string t;
        for (const auto &p : s["nspid"])
            t += (t.empty() ? "" : " \u2192 ") + std::to_string(p.get<long long>());
        return t;
    };
    // Two processes in one pid namespace have different pids by definition: that is who they are,
    // not something the namespace shows them differently.
    if (sameNs)
        d.info("NSpid chain (outermost first)", chain(a), chain(b));
    else
        d.item("NSpid chain (outermost first)", chain(a), chain(b));
    d.item("nesting level", get(a, "level"), get(b, "level"));
    // In one namespace both see the same processes; counts taken moments apart differ only by churn.
    if (sameNs)
        d.item("processes visible", get(a, "visibleProcesses"), get(a, "visibleProcesses"));
    else
        d.item("processes visible", get(a, "visibleProcesses"), get(b, "visibleProcesses"));
    d.item("init (PID 1 inside)", get(a, "init"), get(b, "init"));
}

void diffCgroup(Details &d, const json &a, const json &b)
{
    d.item("cgroup path (host view)", get(a, "path"), get(b, "path"));
    d.item("cgroup path (own view)", get(a, "view"), get(b, "view"));
    d.item("cgroup namespace root", get(a, "nsRoot"), get(b, "nsRoot"));
}

void diffTime(Details &d, const json &a, const json &b)
{
    auto off = [](const json &s, const char *clock) -> json {
        if (!s.contains("offsets"))
            return json();
        for (const auto &o : s["offsets"])
            if (o.value("clock", "") == clock)
                return std::to_string(o.value("seconds", 0ll)) + " s " +
                       std::to_string(o.value("nanoseconds", 0ll)) + " ns";
        return json();
    };
    d.item("monotonic offset", off(a, "monotonic"), off(b, "monotonic"));
    d.item("boottime offset", off(a, "boottime"), off(b, "boottime"));
}

void diffIpc(Details &d, const json &a, const json &b)
{
    auto objects = [](const json &s) {
        std::vector<std::string> v;
        for (const char *kind : {"shm", "sem", "msg"}) {
            if (!s.contains(kind))
                continue;
            for (const auto &o : s[kind]) {
                char key[32];
                std::snprintf(key, sizeof key, "0x%08llx",
                              static_cast<unsigned long long>(o.value("key", 0ll)) & 0xffffffffull);
                v.push_back(std::string("System V ") + kind + " key " + key + " id " +
                            std::to_string(o.value("id", 0ll)));
            }
        }
        if (s.contains("mqueues") && s["mqueues"].is_array())
            for (const auto &q : s["mqueues"])
                v.push_back("POSIX mqueue " + q.get<std::string>());
        return v;
    };
    auto count = [](const json &s, const char *kind) -> json {
        return s.contains(kind) && s[kind].is_array() ? json(s[kind].size()) : json();
    };
    d.item("System V shared memory", count(a, "shm"), count(b, "shm"));
    d.item("System V semaphores", count(a, "sem"), count(b, "sem"));
    d.item("System V message queues", count(a, "msg"), count(b, "msg"));
    d.item("POSIX message queues", count(a, "mqueues"), count(b, "mqueues"));
    d.sets(objects(a), objects(b));
}

/// Ancestors of a pid/user namespace, nearest first, from the inspect document or the snapshot.
std::vector<std::uint64_t> ancestors(const json &doc, const char *type, std::uint64_t ino,
                                     const Snapshot *snap, bool &complete)
{
    std::vector<std::uint64_t> v;
    complete = false;
    const json sec = section(doc, type);
    if (sec.contains("ancestors")) {
        for (const auto &x : sec["ancestors"])
            v.push_back(x.get<std::uint64_t>());
        complete = sec.value("ancestorsComplete", false);
        if (complete)
            return v;
    }
    if (snap && ino) {
        v.clear();
        std::uint64_t cur = ino;
        for (int depth = 0; depth < 40; ++depth) {
            const Namespace *n = nullptr;
            for (const auto &ns : snap->namespaces)
                if (ns.id.ino == cur && nsTypeName(ns.type) == type)
                    n = &ns;
            if (!n || !n->parentKnown)
                return v;
            if (!n->parent) {
                complete = true;
                return v;
            }
            cur = n->parent->ino;
            v.push_back(cur);
        }
    }
    return v;
}

std::string relation(const json &a, const json &b, const char *type, std::uint64_t ia, std::uint64_t ib,
                     const Snapshot *snap, json &detail)
{
    if (!ia || !ib)
        return "unknown";
    if (ia == ib)
        return "same";
    bool ca = false, cb = false;
    auto aa = ancestors(a, type, ia, snap, ca);
    auto ab = ancestors(b, type, ib, snap, cb);
    if (auto it = std::find(aa.begin(), aa.end(), ib); it != aa.end()) {
        detail = static_cast<int>(it - aa.begin()) + 1;
        return "child";
    }
    if (auto it = std::find(ab.begin(), ab.end(), ia); it != ab.end()) {
        detail = static_cast<int>(it - ab.begin()) + 1;
        return "parent";
    }
    if (!aa.empty() && !ab.empty() && aa.front() == ab.front())
        return "sibling";
    if (!ca || !cb)
        return "unknown";
    return "unrelated";
}

json processSummary(const json &doc)
{
    json s = {{"pid", doc.value("pid", 0)}, {"state", doc.value("state", "unknown")}};
    for (const char *k : {"comm", "startTime", "cmdline", "error"})
        if (doc.contains(k))
            s[k] = doc[k];
    if (doc.contains("container") && doc["container"].is_object())
        s["container"] = doc["container"];
    return s;
}

json securitySide(const json &doc)
{
    json s = section(doc, "security");
    json out = json::object();
    if (s.contains("error"))
        out["error"] = s["error"];
    if (s.contains("uid"))
        out["uid"] = s["uid"];
    if (s.contains("gid"))
        out["gid"] = s["gid"];
    if (s.contains("caps"))
        out["caps"] = s["caps"];
    if (s.contains("seccomp"))
        out["seccomp"] = s["seccomp"];
    if (s.contains("noNewPrivs"))
        out["noNewPrivs"] = s["noNewPrivs"];
    if (s.contains("lsmLabel"))
        out["lsmLabel"] = s["lsmLabel"];
    if (s.contains("errors"))
        out["errors"] = s["errors"];
    return out;
}

} // namespace

void markHostReference(json &diff, const HostReference &ref)
{
    diff["reference"] = {
        {"pid", ref.pid}, {"startTime", ref.startTime}, {"comm", ref.comm}, {"note", ref.note}};
    json &b = diff["b"];
    json &notes = diff["notes"];
    if (!notes.is_array())
        notes = json::array();
    bool isRef = ref.valid() && b.value("pid", 0) == ref.pid;
    if (isRef && ref.startTime != 0 && b.contains("startTime") && b["startTime"].is_number()) {
        const auto now = b["startTime"].get<std::uint64_t>();
        if (now != ref.startTime) {
            isRef = false;
            notes.push_back("pid " + std::to_string(ref.pid) +
                            " is not the host reference any more (start time " + std::to_string(now) +
                            ", the reference's was " + std::to_string(ref.startTime) +
                            "): its pid was reused; rescan");
        }
    }
    b["hostReference"] = isRef;
    if (!ref.valid())
        notes.push_back("no host reference: " + ref.note);
    else if (ref.pid != 1 && !ref.note.empty())
        notes.push_back(ref.note);
}

json diffInspections(const json &a, const json &b, const Snapshot *snapshot)
{
    json out = {{"schema", kDiffSchema}, {"a", processSummary(a)}, {"b", processSummary(b)}};
    json notes = json::array();
    for (const json *d : {&a, &b}) {
        const char *side = d == &a ? "A" : "B";
        if (d->value("state", "") == "exited")
            notes.push_back(std::string(side) + ": " + d->value("error", std::string("process exited")));
        else if (d->value("state", "") == "unreadable")
            notes.push_back(std::string(side) + ": " + d->value("error", std::string("not readable")));
        if (d->contains("inspector") && !(*d)["inspector"].value("privileged", false))
            notes.push_back(
                std::string(side) +
                ": gathered without root: other users' processes and what needs entering a namespace "
                "(hostname, IPv4 addresses, link state, IPC objects) may be missing");
    }

    json nss = json::array();
    for (NsType t : kAllNsTypes) {
        const std::string name(nsTypeName(t));
        json na = a.contains("ns") && a["ns"].contains(name) ? a["ns"][name] : json::object();
        json nb = b.contains("ns") && b["ns"].contains(name) ? b["ns"][name] : json::object();
        std::uint64_t ia = na.value("ino", 0ull), ib = nb.value("ino", 0ull);
        json entry = {{"type", name}, {"a", ia ? json(ia) : json()}, {"b", ib ? json(ib) : json()}};
        json shared;
        if (ia && ib)
            shared = ia == ib && na.value("dev", 0ull) == nb.value("dev", 0ull);
        entry["shared"] = shared;
        json levels;
        if (t == NsType::Pid || t == NsType::User) {
            entry["relation"] = relation(a, b, name.c_str(), ia, ib, snapshot, levels);
            if (!levels.is_null())
                entry["relationLevels"] = levels;
        } else {
            entry["relation"] = shared.is_null() ? "unknown" : shared.get<bool>() ? "same" : "different";
        }
        Details d;
        const json sa = section(a, name.c_str()), sb = section(b, name.c_str());
        if (na.contains("error"))
            d.error("A", {{"error", "namespace: " + na["error"].get<std::string>()}});
        if (nb.contains("error"))
            d.error("B", {{"error", "namespace: " + nb["error"].get<std::string>()}});
        d.error("A", sa);
        d.error("B", sb);
        switch (t) {
        case NsType::Mnt:
            diffMnt(d, sa, sb, shared == true);
            break;
        case NsType::Pid:
            diffPid(d, sa, sb, shared == true);
            break;
        case NsType::Net:
            diffNet(d, sa, sb);
            break;
        case NsType::Uts:
            diffUts(d, sa, sb);
            break;
        case NsType::Ipc:
            diffIpc(d, sa, sb);
            break;
        case NsType::User:
            diffUser(d, sa, sb);
            break;
        case NsType::Cgroup:
            diffCgroup(d, sa, sb);
            break;
        case NsType::Time:
            diffTime(d, sa, sb);
            break;
        }
        entry["details"] = d.done();
        nss.push_back(entry);
    }
    out["namespaces"] = nss;

    // Security context.
    json sec = {{"a", securitySide(a)}, {"b", securitySide(b)}};
    Details sd;
    const json ssa = sec["a"], ssb = sec["b"];
    sd.error("A", ssa);
    sd.error("B", ssb);
    auto idText = [](const json &s, const char *k) -> json {
        if (!s.contains(k) || s[k].size() != 4)
            return json();
        return "real " + std::to_string(s[k][0].get<long long>()) + ", effective " +
               std::to_string(s[k][1].get<long long>());
    };
    sd.item("uid", idText(ssa, "uid"), idText(ssb, "uid"));
    sd.item("gid", idText(ssa, "gid"), idText(ssb, "gid"));
    // Capabilities by name, not by count: "14 capabilities" says nothing to a trainer, and what
    // matters is which ones go beyond what a container engine grants by default.
    const auto &dflt = defaultContainerCapabilities();
    const std::set<std::string> defaultSet(dflt.begin(), dflt.end());
    auto namesText = [](const json &names) -> json {
        if (!names.is_array())
            return json();
        if (names.empty())
            return "(none)";
        std::string t = std::to_string(names.size()) + ": ";
        for (std::size_t i = 0; i < names.size(); ++i)
            t += (i ? ", " : "") + names[i].get<std::string>();
        return t;
    };
    auto beyondDefault = [&](const json &names) -> json {
        if (!names.is_array())
            return json();
        json out = json::array();
        for (const auto &c : names)
            if (c.is_string() && !defaultSet.count(c.get<std::string>()))
                out.push_back(c);
        return out;
    };
    auto listText = [](const json &names) -> json {
        if (!names.is_array())
            return json();
        if (names.empty())
            return "(none)";
        std::string t;
        for (std::size_t i = 0; i < names.size(); ++i)
            t += (i ? ", " : "") + names[i].get<std::string>();
        return t;
    };
    json capDelta = json::object();
    for (const char *set : {"effective", "permitted", "bounding"}) {
        json ca = ssa.contains("caps") && ssa["caps"].contains(set) ? ssa["caps"][set] : json();
        json cb = ssb.contains("caps") && ssb["caps"].contains(set) ? ssb["caps"][set] : json();
        const json extraA = beyondDefault(ca), extraB = beyondDefault(cb);
        json cd = {{"a", ca}, {"b", cb}, {"beyondDefaultA", extraA}, {"beyondDefaultB", extraB}};
        if (ca.is_array() && cb.is_array()) {
            std::set<std::string> A(ca.begin(), ca.end()), B(cb.begin(), cb.end());
            json onlyA = json::array(), onlyB = json::array();
            for (const auto &c : A)
                if (!B.count(c))
                    onlyA.push_back(c);
            for (const auto &c : B)
                if (!A.count(c))
                    onlyB.push_back(c);
            cd["onlyInA"] = onlyA;
            cd["onlyInB"] = onlyB;
        }
        capDelta[set] = cd;
        sd.item(std::string(set) + " capabilities", namesText(ca), namesText(cb));
        sd.derived(std::string(set) + " beyond Docker's default", listText(extraA), listText(extraB));
    }
    auto seccomp = [](const json &s) -> json {
        if (!s.contains("seccomp"))
            return json();
        std::string m = s["seccomp"].value("mode", "?");
        if (s["seccomp"].contains("filters"))
            m += " (" + std::to_string(s["seccomp"]["filters"].get<int>()) + " filters)";
        return m;
    };
    sd.item("seccomp", seccomp(ssa), seccomp(ssb));
    sd.item("no_new_privs", get(ssa, "noNewPrivs"), get(ssb, "noNewPrivs"));
    sd.item(
        "LSM label",
        ssa.contains("lsmLabel") ? (ssa["lsmLabel"].is_null() ? json("(no LSM)") : ssa["lsmLabel"]) : json(),
        ssb.contains("lsmLabel") ? (ssb["lsmLabel"].is_null() ? json("(no LSM)") : ssb["lsmLabel"]) : json());
    // Is A's root directory the same as B's (for B = the host: is A chrooted/pivoted at all)?
    json rootSame;
    const json ma = section(a, "mnt"), mb = section(b, "mnt");
    if (ma.contains("root") && mb.contains("root"))
        rootSame = ma["root"] == mb["root"];
    sd.item("root directory is B's", rootSame, rootSame.is_null() ? json() : json(true));
    // Root inside that is root outside: uid 0 in the initial... in B's user namespace.
    json userShared = nss[index(NsType::User)]["shared"];
    json rootIsRoot;
    if (ssa.contains("uid") && ssa["uid"].size() == 4 && userShared.is_boolean())
        rootIsRoot = ssa["uid"][1] == 0 && userShared.get<bool>();
    sec["rootSameAsB"] = rootSame;
    sec["rootInsideIsRootInB"] = rootIsRoot;
    sec["capabilityDelta"] = capDelta;
    sec["details"] = sd.done();
    out["security"] = sec;
    out["notes"] = notes;
    int total = 0;
    for (const auto &n : nss)
        total += n["details"]["differences"].get<int>();
    out["differences"] = total + sec["details"]["differences"].get<int>();
    if (snapshot)
        markSandbox(out, *snapshot);
    return out;
}

void markSandbox(json &diff, const Snapshot &snapshot)
{
    if (!diff.contains("a") || !diff["a"].is_object())
        return;
    const json &a = diff["a"];
    const Process *p = snapshot.findProcess(a.value("pid", 0));
    if (!p)
        return;
    const std::uint64_t start = a.contains("startTime") && a["startTime"].is_number_unsigned()
                                    ? a["startTime"].get<std::uint64_t>()
                                    : 0;
    if (start != 0 && p->startTime != 0 && start != p->startTime)
        return; // the pid was reused: not this process's sandbox
    const Sandbox *sb = sandboxOf(snapshot, *p);
    if (!sb)
        return;
    json isolates = json::array();
    for (NsType t : kAllNsTypes)
        if (sb->isolatesType(t))
            isolates.push_back(std::string(nsTypeName(t)));
    diff["a"]["sandbox"] = {{"id", sb->id},         {"kind", std::string(sandboxKindName(sb->kind))},
                            {"engine", sb->engine}, {"label", sandboxLabel(*sb)},
                            {"isolates", isolates}, {"hostNetworkAlarm", hostNetworkAlarm(*sb)}};
}

namespace
{

std::string sideLabel(const json &s)
{
    std::string t = "pid " + std::to_string(s.value("pid", 0));
    if (s.contains("comm"))
        t += " (" + s["comm"].get<std::string>() + ")";
    if (s.contains("sandbox") && s["sandbox"].contains("label")) // one name for one thing
        t += " [" + s["sandbox"]["label"].get<std::string>() + ", " +
             s["sandbox"].value("kind", std::string()) + "]";
    else if (s.contains("container") && s["container"].contains("label"))
        t += " [" + s["container"]["label"].get<std::string>() + "]";
    if (s.value("state", "") != "running")
        t += " — " + s.value("error", s.value("state", std::string("?")));
    return t;
}

std::string pad(std::string s, std::size_t w)
{
    // Count UTF-8 code points, not bytes, so arrows and ellipses line up.
    std::size_t n = 0;
    for (unsigned char c : s)
        n += (c & 0xC0) != 0x80;
    if (n < w)
        s.append(w - n, ' ');
    return s;
}

std::string verdict(const json &n)
{
    if (n["shared"].is_null())
        return "unknown";
    std::string v = n["shared"].get<bool>() ? "SHARED" : "isolated";
    std::string rel = n.value("relation", "");
    if (rel == "child" || rel == "parent" || rel == "sibling")
        v += " (" + rel + ")";
    return v;
}

std::string inoText(const json &j)
{
    return j.is_null() ? "?" : std::to_string(j.get<std::uint64_t>());
}

} // namespace

std::vector<std::string> hostSharingWarnings(const json &diff)
{
    std::vector<std::string> w;
    if (!diff.contains("b") || !diff["b"].value("hostReference", false) || !diff.contains("namespaces"))
        return w;
    auto shared = [&](const char *type) -> json {
        for (const auto &n : diff["namespaces"])
            if (n["type"] == type)
                return n["shared"];
        return json();
    };
    // What A is decides what its sharing means (issue 10): the sandbox discovery classified when
    // the diff was marked with one (markSandbox()); else the rule the classifier applies to a
    // sandbox it cannot name: isolating pid or user is container-like, a mount namespace alone
    // (systemd's PrivateTmp=) is a service's, and a host process just is the host.
    std::string kind;
    bool alarm = false, containerLike = false;
    std::string what = "A";
    if (diff["a"].contains("sandbox") && diff["a"]["sandbox"].is_object()) {
        const json &sb = diff["a"]["sandbox"];
        kind = sb.value("kind", std::string());
        alarm = sb.value("hostNetworkAlarm", false);
        what = "A (" + sb.value("label", std::string("?")) + ")";
        bool ownPidOrUser = false;
        for (const auto &t : sb.value("isolates", json::array()))
            ownPidOrUser = ownPidOrUser || t == "pid" || t == "user";
        // As findings judge it: containers, pods and hand-made sandboxes with their own pid or user
        // namespace; never a service sandbox or an engine helper.
        containerLike = kind == "container" || kind == "pod" ||
                        (ownPidOrUser && kind != "service" && kind != "infrastructure");
    } else if (shared("pid") == false || shared("user") == false) {
        kind = "container";
        containerLike = true;
        alarm = shared("net") == true;
    } else {
        return w;
    }
    if (alarm && shared("net") == true)
        w.push_back(what + (kind == "container" || kind == "pod"
                                ? " is a " + kind + " that SHARES THE HOST NETWORK NAMESPACE"
                                : " is a sandbox (" + kind +
                                      ") with its own pid or user namespace that SHARES "
                                      "THE HOST NETWORK NAMESPACE"));
    if (!containerLike)
        return w;
    if (shared("pid") == true)
        w.push_back(what + " shares the host pid namespace");
    if (shared("ipc") == true)
        w.push_back(what + " shares the host IPC namespace");
    if (shared("uts") == true)
        w.push_back(what + " shares the host UTS namespace");
    // null when A's uid is unknown: compare, since value() throws on a null that is not a bool.
    if (diff.contains("security") && diff["security"].contains("rootInsideIsRootInB") &&
        diff["security"]["rootInsideIsRootInB"] == true)
        w.push_back(what + " runs as root without a user namespace: root inside is root on the host");
    return w;
}

std::string diffToText(const json &document)
{
    // Names come from the inspected processes: nothing of them reaches a terminal raw.
    const json diff = inspectjson::terminalSafeStrings(document);
    std::ostringstream o;
    o << "A: " << sideLabel(diff["a"]) << "\n";
    o << "B: " << sideLabel(diff["b"]) << "\n";
    for (const auto &n : diff.value("notes", json::array()))
        o << "note: " << n.get<std::string>() << "\n";
    for (const auto &w : hostSharingWarnings(diff))
        o << "WARNING: " << w << "\n";
    o << "\n" << pad("TYPE", 8) << pad("A", 13) << pad("B", 13) << pad("", 20) << "DIFFERENCES\n";
    for (const auto &n : diff["namespaces"]) {
        const auto &d = n["details"];
        o << pad(n["type"].get<std::string>(), 8) << pad(inoText(n["a"]), 13) << pad(inoText(n["b"]), 13)
          << pad(verdict(n), 20) << d["differences"].get<int>() << "\n";
    }
    auto block = [&](const std::string &title, const json &d) {
        bool any = d["differences"].get<int>() > 0 || !d["errors"].empty();
        if (!any)
            return;
        o << "\n== " << title << "\n";
        for (const auto &i : d["items"])
            if (i["differs"].get<bool>())
                o << "  " << pad(i["field"].get<std::string>(), 30) << pad(str(i["a"]), 36) << " | "
                  << str(i["b"]) << "\n";
        int shown = 0;
        auto list = [&](const char *key, const char *label) {
            for (const auto &x : d[key]) {
                if (++shown > 40) { // keep a mount-heavy host readable; --json has everything
                    if (shown == 41)
                        o << "  … (more; see --json)\n";
                    continue;
                }
                o << "  " << label << " " << x.get<std::string>() << "\n";
            }
        };
        list("onlyInA", "only in A:");
        list("onlyInB", "only in B:");
        for (const auto &c : d["changed"]) {
            if (++shown > 40)
                continue;
            o << "  changed " << c["key"].get<std::string>() << " [" << str(c["fields"])
              << "]\n      A: " << c["a"].get<std::string>() << "\n      B: " << c["b"].get<std::string>()
              << "\n";
        }
        for (const auto &e : d["errors"])
            o << "  not visible: " << e.get<std::string>() << "\n";
    };
    for (const auto &n : diff["namespaces"])
        block(n["type"].get<std::string>() + " (" + verdict(n) + ")", n["details"]);
    o << "\n== security context\n";
    for (const auto &i : diff["security"]["details"]["items"])
        o << (i["differs"].get<bool>()    ? "* "
              : i.value("unknown", false) ? "? "
                                          : "  ")
          << pad(i["field"].get<std::string>(), 28) << pad(str(i["a"]), 36) << " | " << str(i["b"]) << "\n";
    for (const char *set : {"effective", "bounding"}) {
        const json &cd = diff["security"]["capabilityDelta"];
        if (cd.contains(set) && cd[set].contains("onlyInA") && !cd[set]["onlyInA"].empty())
            o << "  " << set << " capabilities only in A: " << str(cd[set]["onlyInA"]) << "\n";
        if (cd.contains(set) && cd[set].contains("onlyInB") && !cd[set]["onlyInB"].empty())
            o << "  " << set << " capabilities only in B: " << str(cd[set]["onlyInB"]) << "\n";
    }
    for (const auto &e : diff["security"]["details"]["errors"])
        o << "  not visible: " << e.get<std::string>() << "\n";
    o << "\n" << diff.value("differences", 0) << " differences\n";
    return o.str();
}

std::string diffToMarkdown(const json &document)
{
    // Markdown is read in terminals and rendered by tools that honour bidi controls alike.
    const json diff = inspectjson::terminalSafeStrings(document);
    auto esc = [](const std::string &s) { return markdownCell(s); };
    std::ostringstream o;
    o << "### Namespace diff\n\n";
    o << "- **A:** " << esc(sideLabel(diff["a"])) << "\n- **B:** " << esc(sideLabel(diff["b"])) << "\n";
    for (const auto &n : diff.value("notes", json::array()))
        o << "- _note:_ " << esc(n.get<std::string>()) << "\n";
    for (const auto &w : hostSharingWarnings(diff))
        o << "- **warning:** " << esc(w) << "\n";
    o << "\n| Type | A | B | Verdict | Differences |\n|---|---|---|---|---|\n";
    for (const auto &n : diff["namespaces"])
        o << "| " << n["type"].get<std::string>() << " | " << inoText(n["a"]) << " | " << inoText(n["b"])
          << " | " << (n["shared"] == true ? "**shared**" : verdict(n)) << " | "
          << n["details"]["differences"].get<int>() << " |\n";
    for (const auto &n : diff["namespaces"]) {
        const auto &d = n["details"];
        if (d["differences"].get<int>() == 0 && d["errors"].empty())
            continue;
        o << "\n#### " << n["type"].get<std::string>() << "\n\n| | A | B |\n|---|---|---|\n";
        for (const auto &i : d["items"])
            if (i["differs"].get<bool>())
                o << "| " << esc(i["field"].get<std::string>()) << " | " << esc(str(i["a"])) << " | "
                  << esc(str(i["b"])) << " |\n";
        int shown = 0;
        for (const auto &x : d["onlyInA"])
            if (++shown <= 25)
                o << "| only in A | " << esc(x.get<std::string>()) << " | |\n";
        for (const auto &x : d["onlyInB"])
            if (++shown <= 25)
                o << "| only in B | | " << esc(x.get<std::string>()) << " |\n";
        for (const auto &c : d["changed"])
            if (++shown <= 25)
                o << "| " << esc(c["key"].get<std::string>()) << " (" << esc(str(c["fields"])) << ") | "
                  << esc(c["a"].get<std::string>()) << " | " << esc(c["b"].get<std::string>()) << " |\n";
        if (shown > 25)
            o << "| … | " << shown - 25 << " more | |\n";
        for (const auto &e : d["errors"])
            o << "| not visible | " << esc(e.get<std::string>()) << " | |\n";
    }
    o << "\n#### Security context\n\n| | A | B |\n|---|---|---|\n";
    for (const auto &i : diff["security"]["details"]["items"]) {
        std::string f = esc(i["field"].get<std::string>());
        if (i["differs"].get<bool>())
            f = "**" + f + "**";
        o << "| " << f << " | " << esc(str(i["a"])) << " | " << esc(str(i["b"])) << " |\n";
    }
    return o.str();
}

} // namespace nsviz
