// SPDX-License-Identifier: GPL-2.0-or-later
#include "core/protocol/snapshotjson.h"

#include <algorithm>
#include <limits>
#include <nlohmann/json.hpp>

using nlohmann::json;

namespace nsviz
{

namespace
{

const json &need(const json &j, const char *key, const char *what)
{
    if (!j.is_object())
        throw SchemaError(std::string(what) + ": expected an object");
    auto it = j.find(key);
    if (it == j.end())
        throw SchemaError(std::string(what) + ": missing \"" + key + "\"");
    return *it;
}

template <typename T> T num(const json &v, const char *key, const char *what)
{
    if (!v.is_number_integer())
        throw SchemaError(std::string(what) + ": \"" + key + "\" must be an integer");
    if constexpr (std::is_signed_v<T>) {
        if (v.is_number_unsigned()) {
            auto u = v.get<std::uint64_t>();
            if (u > static_cast<std::uint64_t>(std::numeric_limits<T>::max()))
                throw SchemaError(std::string(what) + ": \"" + key + "\" out of range");
            return static_cast<T>(u);
        }
        auto s = v.get<std::int64_t>();
        if (s < std::numeric_limits<T>::min() || s > std::numeric_limits<T>::max())
            throw SchemaError(std::string(what) + ": \"" + key + "\" out of range");
        return static_cast<T>(s);
    } else {
        if (!v.is_number_unsigned())
            throw SchemaError(std::string(what) + ": \"" + key + "\" must not be negative");
        auto u = v.get<std::uint64_t>();
        if (u > std::numeric_limits<T>::max())
            throw SchemaError(std::string(what) + ": \"" + key + "\" out of range");
        return static_cast<T>(u);
    }
}

template <typename T> T getNum(const json &j, const char *key, const char *what)
{
    return num<T>(need(j, key, what), key, what);
}

template <typename T> T optNum(const json &j, const char *key, const char *what, T dflt)
{
    auto it = j.find(key);
    if (it == j.end() || it->is_null())
        return dflt;
    return num<T>(*it, key, what);
}

std::string getStr(const json &j, const char *key, const char *what)
{
    const json &v = need(j, key, what);
    if (!v.is_string())
        throw SchemaError(std::string(what) + ": \"" + key + "\" must be a string");
    return v.get<std::string>();
}

std::string optStr(const json &j, const char *key, const char *what)
{
    auto it = j.find(key);
    if (it == j.end() || it->is_null())
        return {};
    if (!it->is_string())
        throw SchemaError(std::string(what) + ": \"" + key + "\" must be a string");
    return it->get<std::string>();
}

bool optBool(const json &j, const char *key, const char *what, bool dflt)
{
    auto it = j.find(key);
    if (it == j.end() || it->is_null())
        return dflt;
    if (!it->is_boolean())
        throw SchemaError(std::string(what) + ": \"" + key + "\" must be true or false");
    return it->get<bool>();
}

const json &getArray(const json &j, const char *key, const char *what)
{
    const json &v = need(j, key, what);
    if (!v.is_array())
        throw SchemaError(std::string(what) + ": \"" + key + "\" must be an array");
    return v;
}

std::vector<std::string> strArray(const json &j, const char *key, const char *what, bool optional)
{
    std::vector<std::string> out;
    if (optional && (!j.contains(key) || j.at(key).is_null()))
        return out;
    for (const auto &e : getArray(j, key, what)) {
        if (!e.is_string())
            throw SchemaError(std::string(what) + ": \"" + key + "\" must hold strings");
        out.push_back(e.get<std::string>());
    }
    return out;
}

std::vector<int> intArray(const json &j, const char *key, const char *what, bool optional)
{
    std::vector<int> out;
    if (optional && (!j.contains(key) || j.at(key).is_null()))
        return out;
    for (const auto &e : getArray(j, key, what))
        out.push_back(num<int>(e, key, what));
    return out;
}

json nsObject(const std::array<NsId, kNsTypeCount> &ns)
{
    json o = json::object();
    for (NsType t : kAllNsTypes)
        o[std::string(nsTypeName(t))] = ns[index(t)].valid() ? json(ns[index(t)].ino) : json(nullptr);
    return o;
}

// The schema carries inodes only for process ns links (all nsfs inodes share one device);
// "ns_dev" carries that device once.
std::array<NsId, kNsTypeCount> nsFromObject(const json &o, std::uint64_t dev, const char *what)
{
    std::array<NsId, kNsTypeCount> ns{};
    if (!o.is_object())
        throw SchemaError(std::string(what) + ": \"ns\" must be an object");
    for (auto it = o.begin(); it != o.end(); ++it) {
        auto t = nsTypeFromName(it.key());
        if (!t)
            throw SchemaError(std::string(what) + ": unknown namespace type \"" + it.key() + "\"");
        if (it->is_null())
            continue;
        ns[index(*t)] = NsId{dev, num<std::uint64_t>(*it, "ns", what)};
    }
    return ns;
}

json optId(const std::optional<NsId> &id)
{
    return id ? json(id->ino) : json(nullptr);
}

} // namespace

json toJson(const Process &p)
{
    json differs = json::array();
    for (NsType t : kAllNsTypes)
        if (p.differs(t))
            differs.push_back(std::string(nsTypeName(t)));
    std::uint64_t dev = 0;
    for (const auto &id : p.ns)
        if (id.valid())
            dev = id.dev;
    json j{{"pid", p.pid},
           {"ppid", p.ppid},
           {"uid", p.uid},
           {"euid", p.euid},
           {"gid", p.gid},
           {"comm", p.comm},
           {"cmdline", p.cmdline},
           {"start_time", p.startTime},
           {"state", std::string(1, p.state)},
           {"nspid", p.nspid},
           {"cgroup", p.cgroup},
           {"ns", nsObject(p.ns)},
           {"ns_dev", dev},
           {"visible", p.visible},
           {"kernel_thread", p.kernelThread},
           {"differs_from_host", differs}};
    // Additive and only when true: the common case stays as small as before.
    if (p.cmdlineTruncated)
        j["cmdline_truncated"] = true;
    if (p.exited)
        j["exited"] = true;
    return j;
}

Process processFromJson(const json &j)
{
    const char *w = "process";
    Process p;
    p.pid = getNum<int>(j, "pid", w);
    if (p.pid <= 0)
        throw SchemaError("process: \"pid\" must be positive");
    p.ppid = optNum<int>(j, "ppid", w, 0);
    p.uid = optNum<std::uint32_t>(j, "uid", w, 0);
    p.euid = optNum<std::uint32_t>(j, "euid", w, p.uid);
    p.gid = optNum<std::uint32_t>(j, "gid", w, 0);
    p.comm = getStr(j, "comm", w);
    p.cmdline = strArray(j, "cmdline", w, true);
    p.cmdlineTruncated = optBool(j, "cmdline_truncated", w, false);
    p.startTime = optNum<std::uint64_t>(j, "start_time", w, 0);
    auto st = optStr(j, "state", w);
    p.state = st.size() == 1 ? st[0] : '?';
    p.nspid = intArray(j, "nspid", w, true);
    p.cgroup = optStr(j, "cgroup", w);
    auto dev = optNum<std::uint64_t>(j, "ns_dev", w, 0);
    p.ns = nsFromObject(need(j, "ns", w), dev, w);
    p.visible = optBool(j, "visible", w, true);
    p.exited = optBool(j, "exited", w, false);
    p.kernelThread = optBool(j, "kernel_thread", w, false);
    for (const auto &name : strArray(j, "differs_from_host", w, true)) {
        auto t = nsTypeFromName(name);
        if (!t)
            throw SchemaError("process: unknown namespace type \"" + name + "\" in differs_from_host");
        p.differsFromHost |= 1u << index(*t);
    }
    return p;
}

json toJson(const Namespace &n)
{
    json found = json::array();
    if (n.foundBy & FoundByProcess)
        found.push_back("process");
    if (n.foundBy & FoundByBindMount)
        found.push_back("bindmount");
    if (n.foundBy & FoundByFd)
        found.push_back("fd");
    if (n.foundBy & FoundByHidden)
        found.push_back("hidden");
    json j{{"type", std::string(nsTypeName(n.type))},
           {"inode", n.id.ino},
           {"dev", n.id.dev},
           {"nprocs", n.pids.size()},
           {"pids", n.pids},
           {"found_by", found},
           {"owner", optId(n.owner)},
           {"owner_known", n.ownerKnown},
           {"parent", optId(n.parent)},
           {"parent_known", n.parentKnown},
           {"is_host", n.isHost},
           {"bind_mounts", n.bindMounts},
           {"fd_holders", n.fdHolders}};
    j["owner_uid"] = n.ownerUid ? json(*n.ownerUid) : json(nullptr);
    return j;
}

Namespace namespaceFromJson(const json &j)
{
    const char *w = "namespace";
    Namespace n;
    auto t = nsTypeFromName(getStr(j, "type", w));
    if (!t)
        throw SchemaError("namespace: unknown \"type\" \"" + getStr(j, "type", w) + "\"");
    n.type = *t;
    n.id = NsId{optNum<std::uint64_t>(j, "dev", w, 0), getNum<std::uint64_t>(j, "inode", w)};
    if (!n.id.valid())
        throw SchemaError("namespace: \"inode\" must not be 0");
    n.pids = intArray(j, "pids", w, true);
    for (const auto &f : strArray(j, "found_by", w, true)) {
        if (f == "process")
            n.foundBy |= FoundByProcess;
        else if (f == "bindmount")
            n.foundBy |= FoundByBindMount;
        else if (f == "fd")
            n.foundBy |= FoundByFd;
        else if (f == "hidden")
            n.foundBy |= FoundByHidden;
        else
            throw SchemaError("namespace: unknown \"found_by\" value \"" + f + "\"");
    }
    if (j.contains("owner") && !j.at("owner").is_null())
        n.owner = NsId{n.id.dev, getNum<std::uint64_t>(j, "owner", w)};
    n.ownerKnown = optBool(j, "owner_known", w, true);
    if (j.contains("parent") && !j.at("parent").is_null())
        n.parent = NsId{n.id.dev, getNum<std::uint64_t>(j, "parent", w)};
    n.parentKnown = optBool(j, "parent_known", w, true);
    if (j.contains("owner_uid") && !j.at("owner_uid").is_null())
        n.ownerUid = getNum<std::uint32_t>(j, "owner_uid", w);
    n.isHost = optBool(j, "is_host", w, false);
    n.bindMounts = strArray(j, "bind_mounts", w, true);
    n.fdHolders = strArray(j, "fd_holders", w, true);
    return n;
}

json toJson(const HostInfo &h)
{
    return json{{"hostname", h.hostname},
                {"kernel", h.kernel},
                {"boot_id", h.bootId},
                {"proc_root", h.procRoot},
                {"scan_ms", h.scanMs},
                {"privileged", h.privileged},
                {"reference_pid", h.referencePid},
                {"reference_comm", h.referenceComm},
                {"reference_note", h.referenceNote},
                {"reference_start_time", h.referenceStartTime},
                {"invisible_processes", h.invisibleProcesses},
                {"scanned_at_ms", h.scannedAtMs}};
}

HostInfo hostInfoFromJson(const json &j)
{
    const char *w = "host";
    HostInfo h;
    need(j, "hostname", w);
    h.hostname = getStr(j, "hostname", w);
    h.kernel = optStr(j, "kernel", w);
    h.bootId = optStr(j, "boot_id", w);
    h.procRoot = optStr(j, "proc_root", w);
    if (auto it = j.find("scan_ms"); it != j.end() && !it->is_null()) {
        if (!it->is_number())
            throw SchemaError("host: \"scan_ms\" must be a number");
        h.scanMs = it->get<double>();
    }
    h.privileged = optBool(j, "privileged", w, false);
    h.referencePid = optNum<int>(j, "reference_pid", w, 1);
    h.referenceComm = optStr(j, "reference_comm", w);
    h.referenceNote = optStr(j, "reference_note", w);
    h.referenceStartTime = optNum<std::uint64_t>(j, "reference_start_time", w, 0);
    h.invisibleProcesses = optNum<int>(j, "invisible_processes", w, 0);
    h.scannedAtMs = optNum<std::uint64_t>(j, "scanned_at_ms", w, 0);
    return h;
}

json toJson(const LooseThread &t)
{
    std::uint64_t dev = 0;
    for (const auto &id : t.ns)
        if (id.valid())
            dev = id.dev;
    return json{{"pid", t.pid}, {"tid", t.tid}, {"comm", t.comm}, {"ns", nsObject(t.ns)}, {"ns_dev", dev}};
}

LooseThread looseThreadFromJson(const json &j)
{
    const char *w = "thread";
    LooseThread t;
    t.pid = getNum<int>(j, "pid", w);
    t.tid = getNum<int>(j, "tid", w);
    t.comm = optStr(j, "comm", w);
    t.ns = nsFromObject(need(j, "ns", w), optNum<std::uint64_t>(j, "ns_dev", w, 0), w);
    return t;
}

namespace
{
json typeList(std::uint8_t bits)
{
    json a = json::array();
    for (NsType t : kAllNsTypes)
        if (bits & (1u << index(t)))
            a.push_back(std::string(nsTypeName(t)));
    return a;
}

std::uint8_t typeBits(const json &j, const char *key, const char *what)
{
    std::uint8_t bits = 0;
    for (const auto &name : strArray(j, key, what, true)) {
        auto t = nsTypeFromName(name);
        if (!t)
            throw SchemaError(std::string(what) + ": unknown namespace type \"" + name + "\" in " + key);
        bits |= static_cast<std::uint8_t>(1u << index(*t));
    }
    return bits;
}

json optText(const std::string &s)
{
    return s.empty() ? json(nullptr) : json(s);
}

json memberJson(const SandboxMember &m)
{
    return json{{"pid", m.pid}, {"start_time", m.startTime}};
}

SandboxMember memberFromJson(const json &j, const char *what)
{
    SandboxMember m;
    m.pid = getNum<int>(j, "pid", what);
    if (m.pid <= 0)
        throw SchemaError(std::string(what) + ": \"pid\" must be positive");
    m.startTime = optNum<std::uint64_t>(j, "start_time", what, 0);
    return m;
}
} // namespace

json toJson(const Sandbox &s)
{
    json procs = json::array();
    for (const auto &m : s.processes)
        procs.push_back(memberJson(m));
    json init = nullptr;
    if (s.init) {
        init = memberJson(*s.init);
        init["comm"] = s.initComm;
    }
    return json{{"id", s.id},
                {"kind", std::string(sandboxKindName(s.kind))},
                {"engine", s.engine},
                {"engine_id", optText(s.engineId)},
                {"name", optText(s.name)},
                {"pod", optText(s.pod)},
                {"attached_to", optText(s.attachedTo)},
                {"init", init},
                {"processes", procs},
                {"isolates", typeList(s.isolates)},
                {"shares_with_host", typeList(s.sharesWithHost)},
                {"unknown", typeList(s.unknown)}};
}

Sandbox sandboxFromJson(const json &j)
{
    const char *w = "sandbox";
    Sandbox s;
    s.id = getStr(j, "id", w);
    if (s.id.empty())
        throw SchemaError("sandbox: \"id\" must not be empty");
    const std::string kind = getStr(j, "kind", w);
    auto k = sandboxKindFromName(kind);
    if (!k)
        throw SchemaError("sandbox: unknown kind \"" + kind + "\"");
    s.kind = *k;
    s.engine = optStr(j, "engine", w);
    if (s.engine.empty())
        s.engine = "unknown";
    s.engineId = optStr(j, "engine_id", w);
    s.name = optStr(j, "name", w);
    s.pod = optStr(j, "pod", w);
    s.attachedTo = optStr(j, "attached_to", w);
    if (auto it = j.find("init"); it != j.end() && !it->is_null()) {
        s.init = memberFromJson(*it, "sandbox init");
        s.initComm = optStr(*it, "comm", "sandbox init");
    }
    if (j.contains("processes"))
        for (const auto &e : getArray(j, "processes", w))
            s.processes.push_back(memberFromJson(e, "sandbox process"));
    std::sort(s.processes.begin(), s.processes.end());
    s.isolates = typeBits(j, "isolates", w);
    s.sharesWithHost = typeBits(j, "shares_with_host", w);
    s.unknown = typeBits(j, "unknown", w);
    return s;
}

std::vector<Sandbox> sandboxesFromJson(const json &a)
{
    if (!a.is_array())
        throw SchemaError("\"sandboxes\" must be an array");
    std::vector<Sandbox> out;
    for (const auto &e : a)
        out.push_back(sandboxFromJson(e));
    std::sort(out.begin(), out.end(), [](const Sandbox &x, const Sandbox &y) { return x.id < y.id; });
    for (std::size_t i = 1; i < out.size(); ++i)
        if (out[i].id == out[i - 1].id)
            throw SchemaError("sandbox \"" + out[i].id + "\" appears twice");
    return out;
}

json toJson(const Snapshot &s)
{
    json j;
    j["schema"] = kSnapshotSchema;
    j["host"] = toJson(s.host);
    j["host_ns"] = nsObject(s.hostNs);
    std::uint64_t dev = 0;
    for (const auto &id : s.hostNs)
        if (id.valid())
            dev = id.dev;
    j["host_ns_dev"] = dev;
    json ns = json::array();
    for (const auto &n : s.namespaces)
        ns.push_back(toJson(n));
    j["namespaces"] = std::move(ns);
    json procs = json::array();
    for (const auto &p : s.processes)
        procs.push_back(toJson(p));
    j["processes"] = std::move(procs);
    json threads = json::array();
    for (const auto &t : s.looseThreads)
        threads.push_back(toJson(t));
    j["loose_threads"] = std::move(threads);
    j["warnings"] = s.warnings;
    json sandboxes = json::array();
    for (const auto &b : s.sandboxes)
        sandboxes.push_back(toJson(b));
    j["sandboxes"] = std::move(sandboxes);
    return j;
}

Snapshot snapshotFromJson(const json &j)
{
    if (!j.is_object())
        throw SchemaError("not an nsviz snapshot: the document is not a JSON object");
    auto it = j.find("schema");
    if (it == j.end() || !it->is_string())
        throw SchemaError("not an nsviz snapshot: no \"schema\" field");
    if (it->get<std::string>() != kSnapshotSchema)
        throw SchemaError("unsupported schema \"" + it->get<std::string>() + "\" (expected " +
                          kSnapshotSchema + ")");
    Snapshot s;
    s.host = hostInfoFromJson(need(j, "host", "snapshot"));
    if (j.contains("host_ns"))
        s.hostNs =
            nsFromObject(j.at("host_ns"), optNum<std::uint64_t>(j, "host_ns_dev", "snapshot", 0), "host_ns");
    for (const auto &e : getArray(j, "namespaces", "snapshot"))
        s.namespaces.push_back(namespaceFromJson(e));
    for (const auto &e : getArray(j, "processes", "snapshot"))
        s.processes.push_back(processFromJson(e));
    if (j.contains("loose_threads"))
        for (const auto &e : getArray(j, "loose_threads", "snapshot"))
            s.looseThreads.push_back(looseThreadFromJson(e));
    s.warnings = strArray(j, "warnings", "snapshot", true);
    // Additive: a file saved before sandboxes existed has none.
    if (auto it = j.find("sandboxes"); it != j.end() && !it->is_null())
        s.sandboxes = sandboxesFromJson(*it);
    std::sort(s.processes.begin(), s.processes.end(), [](auto &a, auto &b) { return a.pid < b.pid; });
    for (std::size_t i = 1; i < s.processes.size(); ++i)
        if (s.processes[i].pid == s.processes[i - 1].pid)
            throw SchemaError("snapshot: pid " + std::to_string(s.processes[i].pid) + " appears twice");
    return s;
}

Snapshot snapshotFromJsonText(const std::string &text)
{
    json j;
    try {
        j = json::parse(text);
    } catch (const json::parse_error &e) {
        throw SchemaError(std::string("not valid JSON: ") + e.what());
    }
    return snapshotFromJson(j);
}

} // namespace nsviz
