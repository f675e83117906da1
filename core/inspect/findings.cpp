// SPDX-License-Identifier: GPL-2.0-or-later
#include "core/inspect/findings.h"

#include "core/discovery/hostreference.h"
#include "core/inspect/inspectjson.h"
#include "core/inspect/nsinspectors.h"
#include "core/model/nstype.h"
#include "core/model/textsafe.h"
#include "core/sandbox/classifier.h"
#include "core/sandbox/sandbox.h"

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

namespace
{

json typeNames(std::uint8_t bits)
{
    json a = json::array();
    for (NsType t : kAllNsTypes)
        if (bits & (1u << index(t)))
            a.push_back(std::string(nsTypeName(t)));
    return a;
}

const Process *findMember(const Snapshot &snap, const SandboxMember &m)
{
    const Process *p = snap.findProcess(m.pid);
    return p && (m.startTime == 0 || p->startTime == m.startTime) ? p : nullptr;
}

/// The fields that name a sandbox the same way everywhere (its label is sandboxLabel()).
json describe(const Sandbox &sb, const Process *rep)
{
    json c = {{"sandbox", sb.id},
              {"label", sandboxLabel(sb)},
              {"kind", std::string(sandboxKindName(sb.kind))},
              {"engine", sb.engine},
              {"id", sb.engineId.empty() ? json(nullptr) : json(sb.engineId)},
              {"name", sb.name.empty() ? json(nullptr) : json(sb.name)},
              {"processes", sb.processes.size()},
              {"isolates", typeNames(sb.isolates)},
              {"sharesWithHost", typeNames(sb.sharesWithHost)}};
    if (!sb.pod.empty())
        c["pod"] = sb.pod;
    if (!sb.attachedTo.empty())
        c["attachedTo"] = sb.attachedTo;
    c["pid"] = rep ? rep->pid : (sb.init ? sb.init->pid : 0);
    c["comm"] = rep ? rep->comm : sb.initComm;
    json pids = json::array();
    for (const auto &m : sb.processes)
        pids.push_back(m.pid);
    c["pids"] = pids;
    return c;
}

/// The sandbox with id @p id in @p all (the snapshot's, or those classified here for an old file).
const Sandbox *findSandboxIn(const std::vector<Sandbox> &all, const std::string &id)
{
    for (const Sandbox &s : all)
        if (s.id == id)
            return &s;
    return nullptr;
}

/// Capability names beyond the container default set in @p names.
std::vector<std::string> beyondDefault(const json &names)
{
    std::set<std::string> dflt(defaultContainerCapabilities().begin(), defaultContainerCapabilities().end());
    std::vector<std::string> extra;
    if (names.is_array())
        for (const auto &c : names)
            if (c.is_string() && !dflt.count(c.get<std::string>()))
                extra.push_back(c.get<std::string>());
    return extra;
}

} // namespace

Snapshot findingsInput(const Snapshot &snap)
{
    if (snap.sandboxes.empty())
        return snap;
    Snapshot in;
    in.host = snap.host;
    in.hostNs = snap.hostNs;
    in.sandboxes = snap.sandboxes;
    in.processes.reserve(snap.processes.size());
    for (const Process &p : snap.processes) {
        // Every member but cmdline, nspid and cgroup (the strings and lists that make a copy cost).
        Process q;
        q.pid = p.pid;
        q.ppid = p.ppid;
        q.uid = p.uid;
        q.euid = p.euid;
        q.gid = p.gid;
        q.startTime = p.startTime;
        q.state = p.state;
        q.comm = p.comm;
        q.cmdlineTruncated = p.cmdlineTruncated;
        q.ns = p.ns;
        q.visible = p.visible;
        q.exited = p.exited;
        q.kernelThread = p.kernelThread;
        q.differsFromHost = p.differsFromHost;
        in.processes.push_back(std::move(q));
    }
    return in;
}

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
        out["informational"] = json::array();
        out["clean"] = 0;
        out["notes"] = notes;
        return out;
    }

    // The sandboxes discovery made; a snapshot saved before they existed gets them here, from the
    // same classifier.
    std::vector<Sandbox> computed;
    const std::vector<Sandbox> *sandboxes = &snap.sandboxes;
    if (snap.sandboxes.empty() && !snap.processes.empty()) {
        ClassifyOptions o;
        o.procRoot = procRoot;
        computed = classifySandboxes(snap, o);
        sandboxes = &computed;
    }
    std::map<std::string, std::vector<std::string>> podMembers;
    for (const Sandbox &sb : *sandboxes)
        if (!sb.pod.empty())
            podMembers[sb.pod].push_back(sandboxLabel(sb));

    json containers = json::array();
    json informational = json::array();
    int clean = 0;
    for (const Sandbox &sb : *sandboxes) {
        const Process *rep = sb.init ? findMember(snap, *sb.init) : nullptr;
        if (isInformational(sb)) {
            // Service sandboxes and engine helpers: listed apart, never alarmed (issue 10).
            informational.push_back(describe(sb, rep));
            continue;
        }
        // Containers and pods, and a sandbox made by hand that isolates its pid or user namespace
        // (what a container is, whoever made it), are judged as containers; a sandbox that only
        // has a network or mount namespace of its own shares the rest with the host by design.
        const bool engineKind = sb.kind == SandboxKind::Container || sb.kind == SandboxKind::Pod ||
                                sb.isolatesType(NsType::Pid) || sb.isolatesType(NsType::User);
        // A container in a pod shares the pod's namespaces (net, uts, ipc, often user, sometimes
        // pid): what follows from those is the pod's finding, reported once by the pod with its
        // containers listed, not again by each container.
        const Sandbox *pod = sb.pod.empty() ? nullptr : findSandboxIn(*sandboxes, sb.pod);
        const Process *podInit = pod && pod->init ? findMember(snap, *pod->init) : nullptr;
        const bool inPod = pod != nullptr;
        auto podHas = [&](NsType t) {
            return podInit && rep && rep->ns[index(t)].valid() && rep->ns[index(t)] == podInit->ns[index(t)];
        };
        std::vector<const Process *> procs;
        for (const auto &m : sb.processes)
            if (const Process *p = findMember(snap, m))
                procs.push_back(p);
        json fs = json::array();
        auto howMany = [&](NsType t) {
            int count = 0;
            for (const Process *p : procs)
                if (p->ns[index(t)].valid() && p->ns[index(t)] == host[index(t)])
                    ++count;
            return count == 0 || count == static_cast<int>(procs.size())
                       ? std::string()
                       : " (" + std::to_string(count) + " of " + std::to_string(procs.size()) + " processes)";
        };
        if (hostNetworkAlarm(sb) && !inPod)
            fs.push_back(finding("host-net", "same network namespace as the host: host interfaces, ports and "
                                             "firewall are its own" +
                                                 howMany(NsType::Net)));
        if (engineKind && !podHas(NsType::Pid) && sb.sharesType(NsType::Pid))
            fs.push_back(
                finding("host-pid", "sees and can signal every host process" + howMany(NsType::Pid)));
        if (engineKind && !inPod && sb.sharesType(NsType::Ipc))
            fs.push_back(finding("host-ipc", "host System V IPC and POSIX message queues are reachable" +
                                                 howMany(NsType::Ipc)));
        if (engineKind && !inPod && sb.sharesType(NsType::Uts))
            fs.push_back(finding("host-uts", "can change the host's hostname (with CAP_SYS_ADMIN)" +
                                                 howMany(NsType::Uts)));

        // The security context of the init.
        std::string text;
        json status;
        if (rep && readText(procRoot + "/" + std::to_string(rep->pid) + "/status", text))
            status = inspectjson::statusFromText(text);
        const bool ownUserNs = sb.isolatesType(NsType::User);
        if (engineKind && !podHas(NsType::User) && sb.sharesType(NsType::User)) {
            const bool root = status.contains("uid") ? status["uid"][1] == 0 : (rep && rep->euid == 0);
            fs.push_back(finding("no-userns", root ? "runs as uid 0 in the host user namespace: root in the "
                                                     "container is root on the host"
                                                   : "runs in the host user namespace (uid " +
                                                         std::to_string(rep ? rep->euid : 0) +
                                                         " on the host)"));
        }
        json sec = json::object();
        if (status.contains("caps")) {
            // What a process can do now is its effective set, and what it can raise without exec its
            // permitted set; the bounding set only limits what an exec could gain, so a full bounding
            // set with an empty effective set is not "privileged". Capabilities held in a user
            // namespace of its own act on what that namespace owns, not on the host.
            sec["bounding"] = status["caps"]["bounding"];
            sec["effective"] = status["caps"]["effective"];
            sec["permitted"] = status["caps"]["permitted"];
            std::vector<std::string> extra = beyondDefault(status["caps"]["effective"]);
            for (const auto &c : beyondDefault(status["caps"]["permitted"]))
                if (std::find(extra.begin(), extra.end(), c) == extra.end())
                    extra.push_back(c);
            if (ownUserNs) {
                sec["capabilitiesRelativeTo"] = "its own user namespace";
            } else if (engineKind && !extra.empty()) {
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
                    finding("extra-caps", std::string(full ? "nearly every capability in the effective "
                                                             "or permitted set (privileged?): "
                                                           : "effective or permitted: ") +
                                              list));
                fs.back()["capabilities"] = extra;
            }
        }
        if (status.contains("seccomp")) {
            sec["seccomp"] = status["seccomp"];
            if (engineKind && status["seccomp"].value("mode", "") == "disabled")
                fs.push_back(finding("seccomp-off", "no system call filter"));
        }
        if (status.is_null())
            sec["error"] = "status not readable: capabilities and seccomp unknown";

        if (fs.empty()) {
            ++clean;
            continue;
        }
        std::sort(fs.begin(), fs.end(), [](const json &x, const json &y) { return x["rank"] < y["rank"]; });
        json c = describe(sb, rep);
        c["findings"] = fs;
        c["security"] = sec;
        c["worstRank"] = fs.front()["rank"];
        if (sb.kind == SandboxKind::Pod && podMembers.count(sb.id))
            c["containers"] = podMembers[sb.id];
        json ns = json::object();
        if (rep)
            for (NsType t : kAllNsTypes)
                if (rep->ns[index(t)].valid())
                    ns[std::string(nsTypeName(t))] = rep->ns[index(t)].ino;
        c["ns"] = ns;
        containers.push_back(c);
    }
    // Worst first: the worst finding, then containers and pods before other sandboxes, then how
    // many findings.
    auto kindRank = [](const json &c) {
        const std::string k = c["kind"];
        return k == "container" || k == "pod" ? 0 : k == "app-sandbox" ? 1 : 2;
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
    out["informational"] = informational;
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
    o << cs.size() << " sandbox(es) share something with the host; " << f.value("clean", 0)
      << " isolated one(s) have no findings\n";
    // Each sandbox by its label, its engine and the engine's id (or ours, when the engine has none).
    auto who = [](const json &c) {
        std::string t = c.value("label", std::string("?")) + "  [" + c.value("kind", std::string("?")) +
                        ", " + c.value("engine", std::string("unknown"));
        if (c.contains("id") && c["id"].is_string())
            t += " " + c["id"].get<std::string>();
        else
            t += ", " + c.value("sandbox", std::string());
        return t + "]";
    };
    for (const auto &c : cs) {
        o << "\n"
          << who(c) << "  pid " << c.value("pid", 0) << " (" << c.value("comm", std::string()) << "), "
          << c.value("processes", 0) << " process(es)";
        if (c.contains("containers")) {
            o << "; containers:";
            for (const auto &m : c["containers"])
                o << " " << m.get<std::string>();
        }
        o << "\n";
        for (const auto &x : c["findings"]) {
            std::string sev = findingSeverity(x["rank"].get<int>());
            sev.resize(8, ' ');
            o << "  " << sev << " " << x["title"].get<std::string>() << ": " << x["detail"].get<std::string>()
              << "\n";
        }
    }
    const json info = f.value("informational", json::array());
    if (!info.empty()) {
        o << "\n"
          << info.size() << " service sandbox(es) and engine helper(s), for information (not containers):\n";
        for (const auto &c : info) {
            o << "  INFO     " << who(c) << "  pid " << c.value("pid", 0) << ", " << c.value("processes", 0)
              << " process(es), own:";
            for (const auto &t : c.value("isolates", json::array()))
                o << " " << t.get<std::string>();
            if (c.contains("attachedTo"))
                o << "; serves " << c["attachedTo"].get<std::string>();
            o << "\n";
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
    auto esc = [](const std::string &s) { return markdownCell(s); };
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
    // As the text does: service sandboxes and engine helpers apart, for information (a document
    // without the list, as the GUI copies it while the list is hidden, has no such section).
    const json info = f.value("informational", json::array());
    if (!info.empty()) {
        o << "\n#### For information: service sandboxes and engine helpers (not containers)\n\n"
          << "| Sandbox | Kind | Engine | pid | Processes | Own |\n|---|---|---|---|---|---|\n";
        for (const auto &c : info) {
            std::string own;
            for (const auto &t : c.value("isolates", json::array()))
                own += (own.empty() ? "" : ", ") + t.get<std::string>();
            o << "| " << esc(c.value("label", std::string("?"))) << " | "
              << esc(c.value("kind", std::string())) << " | " << esc(c.value("engine", std::string()))
              << " | " << c.value("pid", 0) << " | " << c.value("processes", 0) << " | " << esc(own)
              << " |\n";
        }
    }
    return o.str();
}

} // namespace nsviz
