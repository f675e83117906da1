// SPDX-License-Identifier: GPL-2.0-or-later
#include "core/inspect/inspector.h"

#include "core/inspect/inspectjson.h"
#include "core/model/containerid.h"
#include "core/model/nstype.h"
#include "core/proc/fdio.h"
#include "core/proc/procfiles.h"
#include "core/proc/procreader.h"

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdexcept>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

using nlohmann::json;

namespace nsviz
{

using nsinspect::errText;

namespace
{

/// The key under which the namespace-entering child reports the files it cut at their caps.
constexpr const char *kCutFilesKey = "truncatedFiles";

/// The start time of the target, read for the identity check before and after inspecting.
std::optional<std::uint64_t> readStartTime(const nsinspect::Target &t, int &err)
{
    std::string text;
    err = ProcReader::readFile(t.path("stat"), text, 4096);
    return err ? std::nullopt : procparse::parseStatStartTime(text);
}

/// pidfd_open(2) and pidfd_send_signal(2) by number: bookworm's <sys/pidfd.h> (glibc 2.36) lacks
/// extern "C".
int pidfdOpen(int pid)
{
    return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
}

bool pidfdAlive(int pidfd)
{
    return ::syscall(SYS_pidfd_send_signal, pidfd, 0, nullptr, 0) == 0 || errno != ESRCH;
}

/// Closes the pidfd of an inspection however it ends.
struct PidfdGuard {
    int &fd;
    ~PidfdGuard()
    {
        if (fd >= 0)
            ::close(fd);
        fd = -1;
    }
};

/// {engine, id, pod, label} of the container the cgroup path names, and its init.
json containerOf(const json &sections)
{
    json c = json::object();
    const json &cg = sections["cgroup"];
    if (cg.contains("path")) {
        ContainerIdentity id = containerFromCgroup(cg["path"].get<std::string>());
        if (id.valid())
            c = {{"engine", id.engine}, {"id", id.id}, {"pod", id.pod}, {"label", id.label()}};
    }
    if (sections["pid"].contains("init"))
        c["init"] = sections["pid"]["init"];
    return c;
}

/// argv into doc["cmdline"], capped as discovery caps it; "cmdlineTruncated" says when cut.
void readCmdline(const nsinspect::Target &t, json &doc)
{
    std::string text;
    int e = ProcReader::readFile(t.path("cmdline"), text, procparse::kMaxCmdlineBytes + 1);
    if (e != 0 && e != EFBIG)
        return;
    bool cut = false;
    doc["cmdline"] = procparse::parseCmdline(text, &cut);
    if (cut)
        doc["cmdlineTruncated"] = true;
}

} // namespace

Inspector::Inspector(std::string procRoot) : m_procRoot(std::move(procRoot))
{
    m_live = m_procRoot == "/proc";
}

json Inspector::enterAndGather(const nsinspect::Target &t,
                               const std::vector<const nsinspect::NsInspector *> &entries)
{
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0)
        return {{"error", std::string("pipe: ") + std::strerror(errno)}};
    pid_t child = ::fork();
    if (child < 0) {
        int e = errno;
        ::close(fds[0]);
        ::close(fds[1]);
        return {{"error", std::string("fork: ") + std::strerror(e)}};
    }
    if (child == 0) {
        // Short-lived child: setns() changes only this process, never the caller's threads.
        ::close(fds[0]);
        json r = json::object();
        for (const nsinspect::NsInspector *in : entries) {
            const std::string type(nsTypeName(in->type));
            // Through the pidfd, never /proc/PID/ns/TYPE by path: a pid reused since the start of
            // the inspection cannot lead us into somebody else's namespace.
            int rc = ::setns(t.pidfd, nsCloneFlag(in->type));
            int e = errno;
            if (rc != 0) {
                r[type] = {{"error", e == ESRCH
                                         ? std::string("process exited")
                                         : std::string("cannot enter the namespace (setns: ") +
                                               std::strerror(e) + (e == EPERM ? "; run as root)" : ")")}};
                continue;
            }
            r[type] = in->gatherInside(t);
        }
        if (auto cut = nsinspect::takeCutFiles(); !cut.empty())
            r[kCutFilesKey] = cut; // the parent notes them again
        // A write that fails leaves the parent a cut JSON text, which it reports as unreadable.
        (void)writeAll(fds[1], r.dump());
        ::_exit(0);
    }
    ::close(fds[1]);
    std::string text;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(m_childTimeout);
    bool timedOut = false;
    for (;;) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline -
                                                                          std::chrono::steady_clock::now());
        if (left.count() <= 0) {
            timedOut = true;
            break;
        }
        pollfd pfd{fds[0], POLLIN, 0};
        int pr = ::poll(&pfd, 1, static_cast<int>(left.count()));
        if (pr < 0 && errno == EINTR)
            continue;
        if (pr <= 0) {
            timedOut = pr == 0;
            break;
        }
        char buf[8192];
        ssize_t n = ::read(fds[0], buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        text.append(buf, static_cast<std::size_t>(n));
    }
    ::close(fds[0]);
    if (timedOut)
        ::kill(child, SIGKILL);
    int status = 0;
    while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
    }
    if (timedOut)
        return {{"error", "namespace-entering child timed out"}};
    try {
        return json::parse(text);
    } catch (const json::exception &) {
        return {{"error", "namespace-entering child failed"}};
    }
}

void Inspector::gatherInside(nsinspect::Target &t)
{
    if (!m_live || t.pidfd < 0)
        return;
    std::vector<const nsinspect::NsInspector *> toEnter;
    for (const nsinspect::NsInspector &in : nsinspect::nsInspectors()) {
        const std::uint64_t ino = t.nsIno(in.type);
        if (!in.gatherInside || !ino)
            continue;
        if (in.perNamespace && m_cache.gathered.count({in.type, ino}))
            continue;
        if (t.ours[index(in.type)] && in.whenOurs == nsinspect::WhenOurs::Skip)
            continue;
        if (t.ours[index(in.type)] && in.whenOurs == nsinspect::WhenOurs::GatherHere)
            t.entered[std::string(nsTypeName(in.type))] = in.gatherInside(t);
        else
            toEnter.push_back(&in);
    }
    if (!toEnter.empty()) {
        json child = enterAndGather(t, toEnter);
        if (auto cut = child.find(kCutFilesKey); cut != child.end()) {
            for (const auto &path : *cut)
                if (path.is_string())
                    nsinspect::noteCutFile(path.get<std::string>());
            child.erase(cut);
        }
        for (auto &[k, v] : child.items())
            t.entered[k] = v;
    }
    for (const nsinspect::NsInspector &in : nsinspect::nsInspectors()) {
        const std::string type(nsTypeName(in.type));
        // Cache only what succeeded: a failure may be the process exiting mid-way.
        if (in.perNamespace && t.entered.contains(type) && !t.entered[type].contains("error"))
            m_cache.gathered[{in.type, t.nsIno(in.type)}] = t.entered[type];
    }
}

json Inspector::inspect(int pid, std::uint64_t expectedStartTime)
{
    if (pid <= 0)
        throw std::invalid_argument("pid must be positive");
    json doc = {{"schema", kInspectSchema}, {"pid", pid}, {"procRoot", m_procRoot}};
    nsinspect::takeCutFiles(); // forget what an earlier, interrupted inspection left
    doc["inspector"] = {{"euid", ::geteuid()}, {"privileged", ::geteuid() == 0}};

    nsinspect::Target t;
    t.pid = pid;
    t.procRoot = m_procRoot;
    t.live = m_live;
    PidfdGuard guard{t.pidfd};

    // Every section carries why there is nothing to show.
    auto failed = [&](const std::string &state, const std::string &why) {
        doc["state"] = state;
        doc["error"] = why;
        for (const nsinspect::NsInspector &in : nsinspect::nsInspectors())
            doc["sections"][std::string(nsTypeName(in.type))] = {{"error", why}};
        doc["security"] = {{"error", why}};
        doc["container"] = {{"error", why}};
        return doc;
    };
    const std::string gone = "process " + std::to_string(pid) + " does not exist (exited)";

    // Hold the process first, then look at who it is: a start time read after the pidfd was opened
    // names the process the pidfd holds (unless it exits in between, which the recheck sees).
    int e = 0;
    if (m_live) {
        t.pidfd = pidfdOpen(pid);
        if (t.pidfd < 0 && errno == ESRCH)
            return failed("exited", gone);
        if (t.pidfd < 0 && errno == EINVAL)
            return failed("unreadable", "pid " + std::to_string(pid) + " is not a process (a thread id?)");
        if (t.pidfd < 0)
            return failed("unreadable", "pidfd_open: " + errText(errno));
    }
    std::string statText;
    e = ProcReader::readFile(t.path("stat"), statText, 4096);
    std::optional<std::uint64_t> startTime;
    procparse::Stat stat;
    if (!e && procparse::parseStat(statText, stat))
        startTime = stat.startTime;
    if (e || !startTime) {
        if (e == ENOENT || e == ESRCH)
            return failed("exited", gone);
        return failed("unreadable", e ? errText(e) : "unreadable /proc/PID/stat");
    }
    if (expectedStartTime && *startTime != expectedStartTime) {
        doc["pidReused"] = true;
        return failed("exited", "process " + std::to_string(pid) + " (start time " +
                                    std::to_string(expectedStartTime) +
                                    ") exited; the pid now belongs to another process (start time " +
                                    std::to_string(*startTime) + ")");
    }
    doc["startTime"] = *startTime;
    doc["processState"] = std::string(1, stat.state);
    if (stat.state == 'Z' || stat.state == 'X') {
        // Exited, not yet reaped: the kernel has dropped its namespaces, nothing is left to inspect.
        return failed("zombie",
                      "process " + std::to_string(pid) +
                          " is a zombie (exited, not yet reaped by its parent): its namespaces are gone");
    }
    doc["state"] = "running";

    std::string text;
    std::string statusError;
    if ((e = nsinspect::readText(t.path("status"), text)) == 0) {
        procparse::parseStatus(text, t.status);
        t.haveStatus = true;
    } else {
        statusError = errText(e);
        doc["errors"]["status"] = statusError;
    }
    if (t.status.name)
        doc["comm"] = *t.status.name;
    readCmdline(t, doc);

    // Namespace identities, and which we share with ourselves (no need to enter those).
    for (NsType type : kAllNsTypes) {
        const std::string name(nsTypeName(type));
        nsinspect::NsStat s = nsinspect::statPath(t.path(("ns/" + name).c_str()));
        t.ns[index(type)] = s;
        if (s.err) {
            doc["ns"][name] = {{"error", s.err == ENOENT
                                             ? std::string("not supported by this kernel or process exited")
                                             : errText(s.err)}};
            continue;
        }
        doc["ns"][name] = {{"dev", s.dev}, {"ino", s.ino}};
        if (m_live) {
            nsinspect::NsStat self = nsinspect::statPath(m_procRoot + "/self/ns/" + name);
            t.ours[index(type)] = !self.err && self.ino == s.ino && self.dev == s.dev;
        }
    }

    // What needs entering a namespace: from the cache when we have it, else one forked child.
    gatherInside(t);
    for (const nsinspect::NsInspector &in : nsinspect::nsInspectors())
        doc["sections"][std::string(nsTypeName(in.type))] = in.section(t, m_cache);
    doc["container"] = containerOf(doc["sections"]);
    doc["security"] = nsinspect::securitySection(t, statusError);

    if (m_beforeRecheck)
        m_beforeRecheck();
    // Did it exit (or was the pid reused) while we read? Then what we read is not to be trusted.
    const auto again = readStartTime(t, e);
    if (!again || *again != *startTime || (t.pidfd >= 0 && !pidfdAlive(t.pidfd))) {
        doc["state"] = "exited";
        doc["error"] = "process " + std::to_string(pid) + " exited during inspection";
    }
    if (auto cut = nsinspect::takeCutFiles(); !cut.empty())
        doc["truncatedFiles"] = cut; // each read only up to its cap (nsinspect::kMaxFileBytes)
    return doc;
}

} // namespace nsviz
