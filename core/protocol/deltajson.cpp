// SPDX-License-Identifier: GPL-2.0-or-later
#include "core/protocol/deltajson.h"

#include <nlohmann/json.hpp>

using nlohmann::json;

namespace nsviz
{

namespace
{

std::uint64_t u64(const json &j, const char *key, const char *what)
{
    if (!j.is_object())
        throw SchemaError(std::string(what) + ": expected an object");
    auto it = j.find(key);
    if (it == j.end())
        throw SchemaError(std::string(what) + ": missing \"" + key + "\"");
    if (!it->is_number_unsigned())
        throw SchemaError(std::string(what) + ": \"" + key + "\" must be a non-negative integer");
    return it->get<std::uint64_t>();
}

const json &array(const json &j, const char *key)
{
    static const json empty = json::array();
    auto it = j.find(key);
    if (it == j.end() || it->is_null())
        return empty;
    if (!it->is_array())
        throw SchemaError(std::string("delta: \"") + key + "\" must be an array");
    return *it;
}

json nsObject(const std::array<NsId, kNsTypeCount> &ns)
{
    json o = json::object();
    for (NsType t : kAllNsTypes)
        o[std::string(nsTypeName(t))] = ns[index(t)].valid() ? json(ns[index(t)].ino) : json(nullptr);
    return o;
}

} // namespace

void takeSandboxChanges(const json &j, SnapshotDelta &d)
{
    if (auto it = j.find("sandboxes_changed"); it != j.end() && !it->is_null())
        d.changedSandboxes = sandboxesFromJson(*it);
    for (const auto &e : array(j, "sandboxes_removed")) {
        if (!e.is_string())
            throw SchemaError("delta: \"sandboxes_removed\" must hold sandbox ids");
        d.removedSandboxes.push_back(e.get<std::string>());
    }
    if (d.sandboxes && (!d.changedSandboxes.empty() || !d.removedSandboxes.empty()))
        throw SchemaError("delta: \"sandboxes\" and \"sandboxes_changed\"/\"sandboxes_removed\" at once");
}

json toJson(const ProcKey &k)
{
    return json{{"pid", k.pid}, {"start_time", k.startTime}};
}

json toJson(const NsId &id)
{
    return json{{"dev", id.dev}, {"inode", id.ino}};
}

ProcKey procKeyFromJson(const json &j)
{
    ProcKey k;
    auto pid = u64(j, "pid", "removed process");
    if (pid == 0 || pid > 0x7fffffff)
        throw SchemaError("removed process: \"pid\" out of range");
    k.pid = static_cast<int>(pid);
    k.startTime = u64(j, "start_time", "removed process");
    return k;
}

NsId nsIdFromJson(const json &j)
{
    NsId id{u64(j, "dev", "removed namespace"), u64(j, "inode", "removed namespace")};
    if (!id.valid())
        throw SchemaError("removed namespace: \"inode\" must not be 0");
    return id;
}

json toJson(const NsMembers &m)
{
    return json{{"dev", m.id.dev}, {"inode", m.id.ino}, {"added", m.added}, {"removed", m.removed}};
}

NsMembers nsMembersFromJson(const json &j)
{
    NsMembers m;
    m.id = NsId{u64(j, "dev", "namespace members"), u64(j, "inode", "namespace members")};
    if (!m.id.valid())
        throw SchemaError("namespace members: \"inode\" must not be 0");
    auto pids = [&](const char *key, std::vector<int> &out) {
        auto it = j.find(key);
        if (it == j.end() || !it->is_array())
            throw SchemaError(std::string("namespace members: \"") + key + "\" must be an array");
        out.reserve(it->size());
        for (const auto &e : *it) {
            if (!e.is_number_unsigned() || e.get<std::uint64_t>() == 0 || e.get<std::uint64_t>() > 0x7fffffff)
                throw SchemaError(std::string("namespace members: \"") + key + "\" must hold pids");
            const int pid = static_cast<int>(e.get<std::uint64_t>());
            if (!out.empty() && pid <= out.back())
                throw SchemaError(std::string("namespace members: \"") + key + "\" must be ascending");
            out.push_back(pid);
        }
    };
    pids("added", m.added);
    pids("removed", m.removed);
    return m;
}

void putHostFields(json &j, const HostInfo &host, const std::array<NsId, kNsTypeCount> &hostNs)
{
    j["host"] = toJson(host);
    j["host_ns"] = nsObject(hostNs);
    std::uint64_t dev = 0;
    for (const auto &id : hostNs)
        if (id.valid())
            dev = id.dev;
    j["host_ns_dev"] = dev;
}

void takeHostFields(const json &j, HostInfo &host, std::array<NsId, kNsTypeCount> &hostNs)
{
    // Reuse the snapshot parser for exactly the same fields, so both stay in step.
    json doc = json::object();
    doc["schema"] = kSnapshotSchema;
    auto h = j.find("host");
    if (h == j.end())
        throw SchemaError("missing \"host\"");
    doc["host"] = *h;
    if (auto it = j.find("host_ns"); it != j.end())
        doc["host_ns"] = *it;
    if (auto it = j.find("host_ns_dev"); it != j.end())
        doc["host_ns_dev"] = *it;
    doc["namespaces"] = json::array();
    doc["processes"] = json::array();
    Snapshot s = snapshotFromJson(doc);
    host = std::move(s.host);
    hostNs = s.hostNs;
}

json toJson(const SnapshotDelta &d)
{
    json j = json::object();
    j["seq"] = d.seq;
    putHostFields(j, d.host, d.hostNs);
    auto list = [](const auto &v) {
        json a = json::array();
        for (const auto &e : v)
            a.push_back(toJson(e));
        return a;
    };
    j["added_processes"] = list(d.addedProcesses);
    j["removed_processes"] = list(d.removedProcesses);
    j["changed_processes"] = list(d.changedProcesses);
    j["added_namespaces"] = list(d.addedNamespaces);
    j["removed_namespaces"] = list(d.removedNamespaces);
    j["changed_namespaces"] = list(d.changedNamespaces);
    j["loose_threads"] = list(d.looseThreads);
    j["warnings"] = d.warnings;
    if (d.sandboxes) { // only when some sandbox changed: the whole list
        json a = json::array();
        for (const auto &b : *d.sandboxes)
            a.push_back(toJson(b));
        j["sandboxes"] = std::move(a);
    }
    if (!d.namespaceMembers.empty())
        j["namespace_members"] = list(d.namespaceMembers);
    if (!d.changedSandboxes.empty())
        j["sandboxes_changed"] = list(d.changedSandboxes);
    if (!d.removedSandboxes.empty())
        j["sandboxes_removed"] = d.removedSandboxes;
    return j;
}

SnapshotDelta deltaFromJson(const json &j)
{
    if (!j.is_object())
        throw SchemaError("delta: expected an object");
    SnapshotDelta d;
    d.seq = u64(j, "seq", "delta");
    takeHostFields(j, d.host, d.hostNs);
    for (const auto &e : array(j, "added_processes"))
        d.addedProcesses.push_back(processFromJson(e));
    for (const auto &e : array(j, "removed_processes"))
        d.removedProcesses.push_back(procKeyFromJson(e));
    for (const auto &e : array(j, "changed_processes"))
        d.changedProcesses.push_back(processFromJson(e));
    for (const auto &e : array(j, "added_namespaces"))
        d.addedNamespaces.push_back(namespaceFromJson(e));
    for (const auto &e : array(j, "removed_namespaces"))
        d.removedNamespaces.push_back(nsIdFromJson(e));
    for (const auto &e : array(j, "changed_namespaces"))
        d.changedNamespaces.push_back(namespaceFromJson(e));
    for (const auto &e : array(j, "loose_threads"))
        d.looseThreads.push_back(looseThreadFromJson(e));
    for (const auto &e : array(j, "warnings")) {
        if (!e.is_string())
            throw SchemaError("delta: \"warnings\" must hold strings");
        d.warnings.push_back(e.get<std::string>());
    }
    if (auto it = j.find("sandboxes"); it != j.end() && !it->is_null())
        d.sandboxes = sandboxesFromJson(*it);
    for (const auto &e : array(j, "namespace_members"))
        d.namespaceMembers.push_back(nsMembersFromJson(e));
    takeSandboxChanges(j, d);
    return d;
}

} // namespace nsviz
