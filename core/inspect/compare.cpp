// SPDX-License-Identifier: GPL-2.0-or-later
#include "core/inspect/compare.h"

#include "core/model/textsafe.h"

#include <algorithm>
#include <map>
#include <set>
#include <sstream>

using nlohmann::json;

namespace nsviz
{

namespace
{

json side(const Snapshot &s, const std::string &label)
{
    return json{{"label", label},
                {"host", s.host.hostname},
                {"boot_id", s.host.bootId},
                {"scanned_at_ms", s.host.scannedAtMs},
                {"processes", s.processes.size()},
                {"namespaces", s.namespaces.size()}};
}

json nsJson(const Namespace &n, const Snapshot &s)
{
    json comms = json::array();
    for (int pid : n.pids) {
        if (comms.size() >= 5)
            break;
        if (const Process *p = s.findProcess(pid))
            comms.push_back(p->comm);
    }
    return json{{"type", std::string(nsTypeName(n.type))},
                {"dev", n.id.dev},
                {"inode", n.id.ino},
                {"processes", n.pids.size()},
                {"comms", comms},
                {"host", n.isHost}};
}

json procJson(const Process &p)
{
    return json{{"pid", p.pid},   {"start_time", p.startTime},
                {"comm", p.comm}, {"cmdline", p.cmdline},
                {"uid", p.uid},   {"ppid", p.ppid}};
}

/// A sandbox's members as (pid, start_time) pairs; anything malformed is skipped.
std::set<std::pair<long long, long long>> members(const json &sb)
{
    std::set<std::pair<long long, long long>> out;
    auto it = sb.find("processes");
    if (it == sb.end() || !it->is_array())
        return out;
    for (const auto &m : *it)
        if (m.is_object() && m.contains("pid") && m["pid"].is_number_integer())
            out.insert(
                {m["pid"].get<long long>(), m.contains("start_time") && m["start_time"].is_number_integer()
                                                ? m["start_time"].get<long long>()
                                                : 0});
    return out;
}

json sandboxSummary(const json &sb)
{
    json o{{"id", sb["id"]}};
    for (const char *k : {"kind", "engine", "engine_id", "name", "pod"})
        if (auto it = sb.find(k); it != sb.end() && it->is_string())
            o[k] = *it;
    o["processes"] = members(sb).size();
    return o;
}

json pairsToJson(const std::vector<std::pair<long long, long long>> &v)
{
    json out = json::array();
    for (const auto &[pid, st] : v)
        out.push_back(json{{"pid", pid}, {"start_time", st}});
    return out;
}

json compareSandboxes(const json &a, const json &b, json &notes)
{
    std::map<std::string, const json *> ma, mb;
    std::size_t skipped = 0;
    for (auto [arr, map] : {std::pair{&a, &ma}, std::pair{&b, &mb}})
        for (const auto &sb : *arr) {
            if (!sb.is_object() || !sb.contains("id") || !sb["id"].is_string()) {
                ++skipped;
                continue;
            }
            (*map)[sb["id"].get<std::string>()] = &sb;
        }
    if (skipped)
        notes.push_back(std::to_string(skipped) + " sandbox entries without an id were not compared");
    json out{{"appeared", json::array()}, {"disappeared", json::array()}, {"changed", json::array()}};
    for (const auto &[id, sb] : mb)
        if (!ma.count(id))
            out["appeared"].push_back(sandboxSummary(*sb));
    for (const auto &[id, sa] : ma) {
        auto it = mb.find(id);
        if (it == mb.end()) {
            out["disappeared"].push_back(sandboxSummary(*sa));
            continue;
        }
        auto before = members(*sa), after = members(*it->second);
        std::vector<std::pair<long long, long long>> joined, left;
        std::set_difference(after.begin(), after.end(), before.begin(), before.end(),
                            std::back_inserter(joined));
        std::set_difference(before.begin(), before.end(), after.begin(), after.end(),
                            std::back_inserter(left));
        if (!joined.empty() || !left.empty()) {
            json c = sandboxSummary(*it->second);
            c["joined"] = pairsToJson(joined);
            c["left"] = pairsToJson(left);
            out["changed"].push_back(c);
        }
    }
    return out;
}

} // namespace

json compareSnapshots(const Snapshot &a, const Snapshot &b, const std::string &labelA,
                      const std::string &labelB, const json *sandboxesA, const json *sandboxesB)
{
    json notes = json::array();
    json out{{"schema", kCompareSchema}, {"a", side(a, labelA)}, {"b", side(b, labelB)}};
    // Two hosts (or one host rebooted) share no identities: every pid and inode would "differ".
    if (!a.host.bootId.empty() && !b.host.bootId.empty() && a.host.bootId != b.host.bootId)
        notes.push_back("A and B come from different boots or hosts (boot ids differ): pids and namespace "
                        "inodes are not comparable between them");

    // Namespaces by (type, dev, inode). The kernel reuses the inode of a namespace that ended, so
    // the same key on both sides is the same namespace only when something links them: a process
    // that is in it on both sides, or a bind mount or fd both list. Members on both sides and no
    // link between them: an inode reused, one namespace gone and another new.
    using Key = std::tuple<std::size_t, std::uint64_t, std::uint64_t>;
    auto key = [](const Namespace &n) { return Key(index(n.type), n.id.dev, n.id.ino); };
    std::map<Key, const Namespace *> ma, mb;
    for (const auto &n : a.namespaces)
        ma[key(n)] = &n;
    for (const auto &n : b.namespaces)
        mb[key(n)] = &n;
    auto linked = [&](const Namespace &x, const Namespace &y) {
        for (int pid : x.pids) {
            const Process *pA = a.findProcess(pid), *pB = b.findProcess(pid);
            if (pA && pB && pA->startTime == pB->startTime &&
                std::binary_search(y.pids.begin(), y.pids.end(), pid))
                return true;
        }
        for (const auto &m : x.bindMounts)
            if (std::find(y.bindMounts.begin(), y.bindMounts.end(), m) != y.bindMounts.end())
                return true;
        for (const auto &f : x.fdHolders)
            if (std::find(y.fdHolders.begin(), y.fdHolders.end(), f) != y.fdHolders.end())
                return true;
        // Nothing to judge by on one side (no members there): take it as the same.
        const bool xMembers = !x.pids.empty() || !x.bindMounts.empty() || !x.fdHolders.empty();
        const bool yMembers = !y.pids.empty() || !y.bindMounts.empty() || !y.fdHolders.empty();
        return !xMembers || !yMembers;
    };
    std::set<Key> newInB, goneFromA, reused;
    for (const auto &[k, n] : mb) {
        auto it = ma.find(k);
        if (it == ma.end()) {
            newInB.insert(k);
        } else if (!linked(*it->second, *n)) {
            newInB.insert(k);
            goneFromA.insert(k);
            reused.insert(k);
        }
    }
    for (const auto &[k, n] : ma)
        if (!mb.count(k))
            goneFromA.insert(k);
    json nsAppeared = json::array(), nsGone = json::array();
    for (const auto &n : b.namespaces)
        if (newInB.count(key(n))) {
            nsAppeared.push_back(nsJson(n, b));
            nsAppeared.back()["reused_inode"] = reused.count(key(n)) > 0;
        }
    for (const auto &n : a.namespaces)
        if (goneFromA.count(key(n))) {
            nsGone.push_back(nsJson(n, a));
            nsGone.back()["reused_inode"] = reused.count(key(n)) > 0;
        }
    out["namespaces"] = json{{"appeared", nsAppeared}, {"disappeared", nsGone}};

    // Processes by (pid, start time): a reused pid is one gone and one new.
    std::map<ProcKey, const Process *> pa, pb;
    for (const auto &p : a.processes)
        pa[p.key()] = &p;
    for (const auto &p : b.processes)
        pb[p.key()] = &p;
    auto isNew = [&](NsType t, const NsId &id) { return newInB.count(Key(index(t), id.dev, id.ino)) > 0; };
    json appeared = json::array(), gone = json::array(), moved = json::array();
    for (const auto &[k, p] : pb) {
        if (pa.count(k))
            continue;
        json j = procJson(*p);
        json fresh = json::array();
        for (NsType t : kAllNsTypes)
            if (p->ns[index(t)].valid() && isNew(t, p->ns[index(t)]))
                fresh.push_back(std::string(nsTypeName(t)));
        j["new_namespaces"] = fresh;
        appeared.push_back(j);
    }
    for (const auto &[k, p] : pa)
        if (!pb.count(k))
            gone.push_back(procJson(*p));
    for (const auto &[k, pA] : pa) {
        auto it = pb.find(k);
        if (it == pb.end())
            continue;
        const Process *pB = it->second;
        json changes = json::array();
        for (NsType t : kAllNsTypes) {
            const NsId &x = pA->ns[index(t)], &y = pB->ns[index(t)];
            // A link one side could not read is unknown, not a move.
            if (!x.valid() || !y.valid() || x == y)
                continue;
            changes.push_back(json{{"type", std::string(nsTypeName(t))},
                                   {"from", json{{"dev", x.dev}, {"inode", x.ino}}},
                                   {"to", json{{"dev", y.dev}, {"inode", y.ino}}},
                                   {"to_new", isNew(t, y)}});
        }
        if (!changes.empty()) {
            json j = procJson(*pB);
            j["changes"] = changes;
            moved.push_back(j);
        }
    }
    out["processes"] = json{{"appeared", appeared}, {"disappeared", gone}, {"moved", moved}};

    json summary{{"namespaces_appeared", nsAppeared.size()},
                 {"namespaces_disappeared", nsGone.size()},
                 {"processes_appeared", appeared.size()},
                 {"processes_disappeared", gone.size()},
                 {"processes_moved", moved.size()}};
    const bool sbA = sandboxesA && sandboxesA->is_array(), sbB = sandboxesB && sandboxesB->is_array();
    if (sbA && sbB) {
        out["sandboxes"] = compareSandboxes(*sandboxesA, *sandboxesB, notes);
        summary["sandboxes_appeared"] = out["sandboxes"]["appeared"].size();
        summary["sandboxes_disappeared"] = out["sandboxes"]["disappeared"].size();
        summary["sandboxes_changed"] = out["sandboxes"]["changed"].size();
    } else {
        out["sandboxes"] = nullptr;
        notes.push_back(std::string("sandboxes not compared: ") +
                        (!sbA && !sbB ? "neither snapshot lists them"
                         : !sbA       ? "A does not list them"
                                      : "B does not list them") +
                        " (a helper that knows sandboxes writes a \"sandboxes\" array)");
    }
    out["summary"] = summary;
    out["notes"] = notes;
    return out;
}

namespace
{
std::string s(const json &j, const char *key)
{
    auto it = j.find(key);
    if (it == j.end() || it->is_null())
        return {};
    return terminalSafe(it->is_string() ? it->get<std::string>() : it->dump());
}

std::string procLine(const json &p)
{
    std::string line = s(p, "pid") + " " + s(p, "comm");
    if (auto it = p.find("cmdline"); it != p.end() && it->is_array() && !it->empty()) {
        std::string cmd;
        for (const auto &arg : *it)
            cmd += (cmd.empty() ? "" : " ") + (arg.is_string() ? arg.get<std::string>() : std::string());
        if (cmd.size() > 80)
            cmd = cmd.substr(0, 77) + "...";
        line += "  (" + terminalSafe(cmd) + ")";
    }
    return line;
}
} // namespace

std::string compareToText(const json &cmp)
{
    std::ostringstream o;
    const json &a = cmp["a"], &b = cmp["b"];
    o << "A: " << s(a, "label") << "  (host " << s(a, "host") << ", " << s(a, "processes") << " processes, "
      << s(a, "namespaces") << " namespaces)\n";
    o << "B: " << s(b, "label") << "  (host " << s(b, "host") << ", " << s(b, "processes") << " processes, "
      << s(b, "namespaces") << " namespaces)\n";
    const json &ns = cmp["namespaces"];
    o << "\nNamespaces: " << ns["appeared"].size() << " appeared, " << ns["disappeared"].size()
      << " disappeared\n";
    auto nsLine = [](const json &n) {
        std::string comms;
        for (const auto &c : n["comms"])
            comms += (comms.empty() ? "" : ", ") + terminalSafe(c.get<std::string>());
        return s(n, "type") + " " + s(n, "inode") + "  (" + s(n, "processes") + " processes" +
               (comms.empty() ? "" : ": " + comms) + ")";
    };
    for (const auto &n : ns["appeared"])
        o << "  + " << nsLine(n) << "\n";
    for (const auto &n : ns["disappeared"])
        o << "  - " << nsLine(n) << "\n";
    const json &pr = cmp["processes"];
    o << "\nProcesses: " << pr["appeared"].size() << " appeared, " << pr["disappeared"].size()
      << " disappeared, " << pr["moved"].size() << " moved between namespaces\n";
    for (const auto &p : pr["appeared"]) {
        o << "  + " << procLine(p);
        if (!p["new_namespaces"].empty()) {
            std::string t;
            for (const auto &x : p["new_namespaces"])
                t += (t.empty() ? "" : ", ") + x.get<std::string>();
            o << "  in new " << t;
        }
        o << "\n";
    }
    for (const auto &p : pr["disappeared"])
        o << "  - " << procLine(p) << "\n";
    for (const auto &p : pr["moved"]) {
        o << "  ~ " << procLine(p) << "\n";
        for (const auto &c : p["changes"])
            o << "      " << s(c, "type") << ": " << s(c["from"], "inode") << " -> " << s(c["to"], "inode")
              << (c.value("to_new", false) ? " (new)" : "") << "\n";
    }
    o << "\nSandboxes: ";
    if (cmp["sandboxes"].is_null()) {
        o << "not compared\n";
    } else {
        const json &sb = cmp["sandboxes"];
        o << sb["appeared"].size() << " appeared, " << sb["disappeared"].size() << " disappeared, "
          << sb["changed"].size() << " changed\n";
        auto sbLine = [](const json &x) {
            std::string name = s(x, "name");
            return s(x, "id") + (name.empty() ? "" : " \"" + name + "\"") + "  (" + s(x, "engine") + ", " +
                   s(x, "processes") + " processes)";
        };
        for (const auto &x : sb["appeared"])
            o << "  + " << sbLine(x) << "\n";
        for (const auto &x : sb["disappeared"])
            o << "  - " << sbLine(x) << "\n";
        for (const auto &x : sb["changed"])
            o << "  ~ " << sbLine(x) << ": " << x["joined"].size() << " joined, " << x["left"].size()
              << " left\n";
    }
    for (const auto &n : cmp["notes"])
        o << "note: " << terminalSafe(n.get<std::string>()) << "\n";
    return o.str();
}

} // namespace nsviz
