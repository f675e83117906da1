// SPDX-License-Identifier: GPL-2.0-or-later
#include "core/inspect/findings.h"

#include "core/discovery/hostreference.h"
#include "core/inspect/inspectjson.h"
#include "core/inspect/nsinspectors.h"
#include "core/model/containerid.h"
#include "core/model/nstype.h"

#include <algorithm>
#include <cerrno>
#include <map>
#include <set>
#include <sstream>

using nlohmann::json;

namespace nsviz
{

const std::vector<std::string> &defaultContainerCapabilities()
{
    // Source: moby's oci/caps/defaults.go, DefaultCapabilities()
    // (https://github.com/moby/moby/blob/master/oci/caps/defaults.go), the set Docker, containerd's
    // default spec and podman start a container with; unchanged since 2014 apart from some engines
    // dropping NET_RAW. The diff marks what goes beyond it; the demo (helper/demo/demorun.cpp) and
    // the privileged helper (helper/serve/privileges.cpp) keep the same 14.
    static const std::vector<std::string> caps = {
        "cap_chown",   "cap_dac_override", "cap_fsetid",           "cap_fowner",
        "cap_mknod",   "cap_net_raw",      "cap_setgid",           "cap_setuid",
        "cap_setfcap", "cap_setpcap",      "cap_net_bind_service", "cap_sys_chroot",
        "cap_kill",    "cap_audit_write"};
    return caps;
}

namespace
{

struct Rule {
    const char *code;
    int rank;
    const char *title;
};
constexpr Rule kRules[] = {
    {"host-net", 1, "shares the host network namespace"},
    {"host-pid", 2, "shares the host pid namespace"},
    {"host-ipc", 3, "shares the host IPC namespace"},
    {"host-uts", 4, "shares the host UTS namespace (hostname)"},
    {"no-userns", 5, "no user namespace"},
    {"extra-caps", 6, "capabilities beyond the container default set"},
    {"seccomp-off", 7, "seccomp off"},
};

json finding(const char *code, const std::string &detail)
{
    for (const auto &r : kRules)
        if (std::string_view(r.code) == code)
            return {{"code", r.code}, {"rank", r.rank}, {"title", r.title}, {"detail", detail}};
    return {};
}

bool readText(const std::string &path, std::string &out)
{
    // Bounded, never following a symlink or blocking on a FIFO (nsinspect::readText()).
    return nsinspect::readText(path, out) == 0;
}

} // namespace

json findHostSharing(const Snapshot &snap, const std::string &procRoot)
{
    json out = {{"schema", kFindingsSchema}};
    // The reference is discovery's (HostStep), carried in the snapshot: never decided again here.
    const HostReference ref = hostReference(snap);
    out["reference"] = {
        {"pid", ref.pid}, {"startTime", ref.startTime}, {"comm", ref.comm}, {"note", ref.note}};
    json notes = json::array();
    if (!snap.host.privileged)
        notes.push_back(
            std::to_string(snap.host.invisibleProcesses) +
            " process(es) could not be read (not root, or protected like PID 1 in some sandboxes): "
            "containers among them are not listed");
    const auto &host = snap.hostNs;
    auto hostHas = [&](NsType t) { return host[index(t)].valid(); };
    if (!hostHas(NsType::Mnt) || !hostHas(NsType::Pid)) {
        notes.push_back("the host reference's namespaces are unknown: no findings can be derived");
        out["containers"] = json::array();
        out["clean"] = 0;
        out["notes"] = notes;
        return out;
    }

    // Group the processes isolated in mnt or pid by (pid ns, mnt ns).
    std::map<std::pair<NsId, NsId>, std::vector<const Process *>> groups;
    for (const auto &p : snap.processes) {
        if (p.kernelThread)
            continue;
        const NsId &pidNs = p.ns[index(NsType::Pid)], &mntNs = p.ns[index(NsType::Mnt)];
        if (!pidNs.valid() || !mntNs.valid())
            continue;
        if (pidNs == host[index(NsType::Pid)] && mntNs == host[index(NsType::Mnt)])
            continue;
        groups[{pidNs, mntNs}].push_back(&p);
    }

    json containers = json::array();
    int clean = 0;
    for (auto &group : groups) {
        // Named references, not structured bindings: clang 14 (the fuzz build) cannot capture those.
        const auto &key = group.first;
        const auto &procs = group.second;
        // The representative: the group's init (PID 1 in its pid namespace), else its lowest pid.
        const Process *rep = procs.front();
        for (const Process *p : procs)
            if (!p->nspid.empty() && p->nspid.back() == 1) {
                rep = p;
                break;
            }
        const bool pidIsolated = key.first != host[index(NsType::Pid)];
        ContainerIdentity id = containerFromCgroup(rep->cgroup);

        json fs = json::array();
        auto sharesHost = [&](NsType t, int &count) {
            count = 0;
            for (const Process *p : procs)
                if (p->ns[index(t)].valid() && hostHas(t) && p->ns[index(t)] == host[index(t)])
                    ++count;
            return count > 0;
        };
        auto howMany = [&](int count) {
            return count == static_cast<int>(procs.size())
                       ? std::string()
                       : " (" + std::to_string(count) + " of " + std::to_string(procs.size()) + " processes)";
        };
        int n = 0;
        if (sharesHost(NsType::Net, n))
            fs.push_back(finding("host-net", "same network namespace as the host: host interfaces, ports and "
                                             "firewall are its own" +
                                                 howMany(n)));
        if (pidIsolated == false && sharesHost(NsType::Pid, n))
            fs.push_back(finding("host-pid", "sees and can signal every host process" + howMany(n)));
        if (sharesHost(NsType::Ipc, n))
            fs.push_back(
                finding("host-ipc", "host System V IPC and POSIX message queues are reachable" + howMany(n)));
        if (sharesHost(NsType::Uts, n))
            fs.push_back(
                finding("host-uts", "can change the host's hostname (with CAP_SYS_ADMIN)" + howMany(n)));

        // The security context of the representative.
        std::string text;
        json status;
        const std::string statusPath = procRoot + "/" + std::to_string(rep->pid) + "/status";
        if (readText(statusPath, text))
            status = inspectjson::statusFromText(text);
        if (sharesHost(NsType::User, n)) {
            const bool root = status.contains("uid") ? status["uid"][1] == 0 : rep->euid == 0;
            fs.push_back(finding("no-userns", root ? "runs as uid 0 in the host user namespace: root in the "
                                                     "container is root on the host"
                                                   : "runs in the host user namespace (uid " +
                                                         std::to_string(rep->euid) + " on the host)"));
        }
        json sec = json::object();
        if (status.contains("caps")) {
            // The bounding set is what the container can ever gain; that is what an engine's
            // --cap-add widens.
            std::set<std::string> dflt(defaultContainerCapabilities().begin(),
                                       defaultContainerCapabilities().end());
            std::vector<std::string> extra;
            for (const auto &c : status["caps"]["bounding"])
                if (!dflt.count(c.get<std::string>()))
                    extra.push_back(c);
            sec["bounding"] = status["caps"]["bounding"];
            sec["effective"] = status["caps"]["effective"];
            if (!extra.empty()) {
                std::string list;
                for (std::size_t i = 0; i < extra.size(); ++i) {
                    if (i == 6) {
                        list += ", … (" + std::to_string(extra.size()) + " in all)";
                        break;
                    }
                    list += (i ? ", " : "") + extra[i];
                }
                const bool full = extra.size() >= 20;
                fs.push_back(
                    finding("extra-caps", (full ? "nearly every capability (privileged?): " : "") + list));
                fs.back()["capabilities"] = extra;
            }
        }
        if (status.contains("seccomp")) {
            sec["seccomp"] = status["seccomp"];
            if (status["seccomp"].value("mode", "") == "disabled")
                fs.push_back(finding("seccomp-off", "no system call filter"));
        }
        if (status.is_null())
            sec["error"] = "status not readable: capabilities and seccomp unknown";

        if (fs.empty()) {
            ++clean;
            continue;
        }
        std::sort(fs.begin(), fs.end(), [](const json &x, const json &y) { return x["rank"] < y["rank"]; });
        json c = {{"pid", rep->pid}, {"comm", rep->comm}, {"processes", procs.size()},
                  {"findings", fs},  {"security", sec},   {"worstRank", fs.front()["rank"]}};
        json pids = json::array();
        for (const Process *p : procs)
            pids.push_back(p->pid);
        c["pids"] = pids;
        if (id.valid()) {
            c["engine"] = id.engine;
            c["id"] = id.id;
            c["label"] = id.label();
        } else {
            c["label"] = rep->comm + " (pid " + std::to_string(rep->pid) + ")";
        }
        // A private mount namespace alone is how systemd sandboxes services (PrivateTmp=...): say so,
        // so that a reviewer tells those from containers.
        c["kind"] = id.valid() ? "container" : pidIsolated ? "pid-namespace" : "mount-namespace-only";
        json ns = json::object();
        for (NsType t : kAllNsTypes)
            if (rep->ns[index(t)].valid())
                ns[std::string(nsTypeName(t))] = rep->ns[index(t)].ino;
        c["ns"] = ns;
        containers.push_back(c);
    }
    // Worst first: the worst finding, then real containers before mount-only sandboxes, then how many
    // findings.
    auto kindRank = [](const json &c) {
        const std::string k = c["kind"];
        return k == "container" ? 0 : k == "pid-namespace" ? 1 : 2;
    };
    std::stable_sort(containers.begin(), containers.end(), [&](const json &x, const json &y) {
        if (x["worstRank"] != y["worstRank"])
            return x["worstRank"] < y["worstRank"];
        if (kindRank(x) != kindRank(y))
            return kindRank(x) < kindRank(y);
        if (x["findings"].size() != y["findings"].size())
            return x["findings"].size() > y["findings"].size();
        return x["pid"] < y["pid"];
    });
    out["containers"] = containers;
    out["clean"] = clean;
    out["notes"] = notes;
    return out;
}

std::string findingsToText(const json &document)
{
    // Labels, comms and notes come from the scanned processes: nothing of them reaches a terminal raw.
    const json f = inspectjson::terminalSafeStrings(document);
    std::ostringstream o;
    const json &ref = f["reference"];
    if (ref.value("pid", 0) > 0)
        o << "host reference: pid " << ref.value("pid", 0);
    else
        o << "host reference: none";
    if (!ref.value("comm", std::string()).empty())
        o << " (" << ref["comm"].get<std::string>() << ")";
    o << "\n";
    if (!ref.value("note", std::string()).empty())
        o << "note: " << ref["note"].get<std::string>() << "\n";
    for (const auto &n : f["notes"])
        o << "note: " << n.get<std::string>() << "\n";
    const auto &cs = f["containers"];
    o << cs.size() << " container(s) share something with the host; " << f.value("clean", 0)
      << " isolated one(s) have no findings\n";
    for (const auto &c : cs) {
        o << "\n"
          << c["label"].get<std::string>() << "  pid " << c["pid"].get<int>() << " ("
          << c["comm"].get<std::string>() << "), " << c["processes"].get<int>() << " process(es), "
          << c["kind"].get<std::string>() << "\n";
        for (const auto &x : c["findings"]) {
            std::string sev = findingSeverity(x["rank"].get<int>());
            sev.resize(8, ' ');
            o << "  " << sev << " " << x["title"].get<std::string>() << ": " << x["detail"].get<std::string>()
              << "\n";
        }
    }
    return o.str();
}

const char *findingSeverity(int rank)
{
    return rank <= 1 ? "CRITICAL" : rank <= 3 ? "HIGH" : rank <= 5 ? "MEDIUM" : "LOW";
}

std::string findingsToMarkdown(const json &document)
{
    const json f = inspectjson::terminalSafeStrings(document);
    auto esc = [](const std::string &s) {
        std::string out;
        for (char c : s) {
            if (c == '|')
                out += "\\|";
            else if (c == '\n')
                out += "<br>";
            else
                out += c;
        }
        return out;
    };
    std::ostringstream o;
    o << "### Host sharing findings\n\n";
    const json ref = f.value("reference", json::object());
    if (ref.value("pid", 0) > 0)
        o << "- **Host reference:** pid " << ref.value("pid", 0);
    else
        o << "- **Host reference:** none";
    if (!ref.value("comm", std::string()).empty())
        o << " (" << esc(ref["comm"].get<std::string>()) << ")";
    o << "\n";
    if (!ref.value("note", std::string()).empty())
        o << "- _note:_ " << esc(ref["note"].get<std::string>()) << "\n";
    for (const auto &n : f.value("notes", json::array()))
        o << "- _note:_ " << esc(n.get<std::string>()) << "\n";
    const json cs = f.value("containers", json::array());
    o << "- " << cs.size() << " container(s) share something with the host; " << f.value("clean", 0)
      << " isolated one(s) have no findings\n";
    for (const auto &c : cs) {
        o << "\n#### " << esc(c.value("label", std::string("?"))) << "\n\n"
          << "pid " << c.value("pid", 0) << " (" << esc(c.value("comm", std::string())) << "), "
          << c.value("processes", 0) << " process(es), " << esc(c.value("kind", std::string())) << "\n\n"
          << "| Severity | Finding | Detail |\n|---|---|---|\n";
        for (const auto &x : c.value("findings", json::array()))
            o << "| " << findingSeverity(x.value("rank", 9)) << " | " << esc(x.value("title", std::string()))
              << " | " << esc(x.value("detail", std::string())) << " |\n";
    }
    return o.str();
}

} // namespace nsviz
