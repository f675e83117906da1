// SPDX-License-Identifier: GPL-2.0-or-later
#include "helper/demo/demomanager.h"

#include "helper/demo/demoproc.h"

#include "core/proc/procreader.h"

#include <algorithm>
#include <cerrno>
#include <climits>
#include <csignal>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace nsviz::helper
{

namespace dp = demoproc;
using nlohmann::json;

namespace
{

constexpr int kMaxPid = 4 * 1024 * 1024; // PID_MAX_LIMIT
constexpr std::size_t kMaxRecordBytes = 64 * 1024;
constexpr int kStartTimeoutMs = 20000;

/// Closes an fd when it goes out of scope.
struct Fd {
    int fd = -1;
    Fd() = default;
    explicit Fd(int f) : fd(f) {}
    Fd(const Fd &) = delete;
    Fd &operator=(const Fd &) = delete;
    Fd(Fd &&o) noexcept : fd(o.fd) { o.fd = -1; }
    void reset()
    {
        if (fd >= 0)
            ::close(fd);
        fd = -1;
    }
    ~Fd()
    {
        if (fd >= 0)
            ::close(fd);
    }
    int release()
    {
        int f = fd;
        fd = -1;
        return f;
    }
};

[[noreturn]] void fail(const std::string &code, const std::string &message)
{
    throw DemoError(code, message);
}

template <typename T> T field(const json &j, const char *key)
{
    auto it = j.find(key);
    if (it == j.end())
        fail("failed", std::string("demo record lacks \"") + key + "\"");
    try {
        return it->get<T>();
    } catch (const json::exception &) {
        fail("failed", std::string("demo record has a malformed \"") + key + "\"");
    }
}

/// Waits until @p pidfd is readable (the process exited) or @p timeoutMs passes.
bool waitExit(int pidfd, int timeoutMs)
{
    pollfd p{pidfd, POLLIN, 0};
    for (;;) {
        int r = ::poll(&p, 1, timeoutMs);
        if (r < 0 && errno == EINTR)
            continue;
        return r > 0;
    }
}

/// Opens a pidfd for @p pid and checks, after opening, that it is still the process that
/// started at @p start and runs @p mode: from then on the fd cannot refer to a reused pid.
Fd openVerified(int pid, std::uint64_t start, const char *mode)
{
    if (pid <= 0)
        return Fd();
    Fd fd(dp::pidfdOpen(pid));
    if (fd.fd < 0)
        return Fd();
    if (!dp::isOurs(pid, start, mode))
        return Fd();
    return fd;
}

/// Lowest 1..max not in @p used.
int freeSlot(const std::vector<DemoRecord> &used, int max)
{
    for (int s = 1; s <= max; ++s)
        if (std::none_of(used.begin(), used.end(), [s](const DemoRecord &r) { return r.slot == s; }))
            return s;
    return 0;
}

void removeCgroup(const std::string &dir)
{
    if (dir.empty())
        return;
    // The kernel refuses rmdir while processes (even zombies being reaped) remain: retry briefly.
    for (int i = 0; i < 50; ++i) {
        if (::rmdir(dir.c_str()) == 0 || errno == ENOENT)
            return;
        if (errno != EBUSY)
            return;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
}

} // namespace

// ---------------------------------------------------------------------------------------------
// DemoRecord

json DemoRecord::toJson() const
{
    json ns = json::object();
    for (NsType t : kAllNsTypes)
        ns[std::string(nsTypeName(t))] = nsInode[index(t)];
    json freshList = json::array(), sharedList = json::array();
    for (NsType t : kAllNsTypes)
        (fresh[index(t)] ? freshList : sharedList).push_back(std::string(nsTypeName(t)));
    json j = {
        {"schema", kDemoSchema},
        {"pid", pid},
        {"startTime", startTime},
        {"hostname", hostname},
        {"ns", ns},
        {"nsDev", nsDev},
        {"fresh", freshList},
        {"shared", sharedList},
        {"slot", slot},
        {"lifetime", lifetimeSec},
        {"startedAt", startedAtMs},
        {"expiresAt", expiresAtMs},
        {"owner", ownerPid > 0 ? json(ownerPid) : json(nullptr)},
        {"ownerStartTime", ownerStartTime},
        {"supervisor", supervisorPid},
        {"supervisorStartTime", supervisorStartTime},
        {"cgroup", cgroup.empty() ? json(nullptr) : json(cgroup)},
        {"cgroupDir", cgroupDir},
        {"uidBase", uidBase},
        {"callerUid", callerUid},
        {"bootId", bootId},
        {"notes", notes},
    };
    return j;
}

DemoRecord DemoRecord::fromJson(const json &j)
{
    if (!j.is_object())
        fail("failed", "demo record is not a JSON object");
    if (field<std::string>(j, "schema") != kDemoSchema)
        fail("failed", "demo record has an unknown schema");
    DemoRecord r;
    r.pid = field<int>(j, "pid");
    r.startTime = field<std::uint64_t>(j, "startTime");
    r.hostname = field<std::string>(j, "hostname");
    r.slot = field<int>(j, "slot");
    r.lifetimeSec = field<std::uint32_t>(j, "lifetime");
    r.startedAtMs = field<std::uint64_t>(j, "startedAt");
    r.expiresAtMs = field<std::uint64_t>(j, "expiresAt");
    r.supervisorPid = field<int>(j, "supervisor");
    r.supervisorStartTime = field<std::uint64_t>(j, "supervisorStartTime");
    r.ownerStartTime = field<std::uint64_t>(j, "ownerStartTime");
    r.nsDev = field<std::uint64_t>(j, "nsDev");
    r.cgroupDir = field<std::string>(j, "cgroupDir");
    r.uidBase = field<std::uint32_t>(j, "uidBase");
    // Records written before demos had callers are root's.
    if (j.contains("callerUid"))
        r.callerUid = field<std::uint32_t>(j, "callerUid");
    r.bootId = field<std::string>(j, "bootId");
    r.notes = field<std::vector<std::string>>(j, "notes");
    if (auto o = j.find("owner"); o != j.end() && !o->is_null())
        r.ownerPid = field<int>(j, "owner");
    if (auto c = j.find("cgroup"); c != j.end() && !c->is_null())
        r.cgroup = field<std::string>(j, "cgroup");
    const json &ns = j.contains("ns") && j["ns"].is_object() ? j["ns"] : json::object();
    for (NsType t : kAllNsTypes) {
        auto it = ns.find(std::string(nsTypeName(t)));
        if (it == ns.end() || !it->is_number_unsigned())
            fail("failed", "demo record lacks the " + std::string(nsTypeName(t)) + " namespace");
        r.nsInode[index(t)] = it->get<std::uint64_t>();
    }
    auto fresh = field<std::vector<std::string>>(j, "fresh");
    for (const auto &name : fresh) {
        auto t = nsTypeFromName(name);
        if (!t)
            fail("failed", "demo record names an unknown namespace type");
        r.fresh[index(*t)] = true;
    }
    if (r.pid <= 1 || r.pid > kMaxPid || r.supervisorPid <= 1 || r.supervisorPid > kMaxPid)
        fail("failed", "demo record has an impossible pid");
    if (r.slot < 1 || r.slot > 64)
        fail("failed", "demo record has an impossible slot");
    if (r.hostname.size() > 64)
        fail("failed", "demo record has an impossible hostname");
    // A cgroup directory is removed by us: it must be one we create.
    if (!r.cgroupDir.empty() &&
        (r.cgroupDir.find("/nsviz-demo/") == std::string::npos ||
         r.cgroupDir.find("..") != std::string::npos || r.cgroupDir.rfind("/sys/fs/cgroup/", 0) != 0))
        fail("failed", "demo record has an unexpected cgroup directory");
    return r;
}

// ---------------------------------------------------------------------------------------------
// State directory

namespace
{

/// The state directory, opened safely and locked for the lifetime of this object.
class StateDir
{
public:
    StateDir(const std::string &path, bool create)
    {
        if (create) {
            // Parents (/run/nsviz) may be world-readable; the directory itself is root's only.
            auto slash = path.rfind('/');
            if (slash != std::string::npos && slash > 0)
                ::mkdir(path.substr(0, slash).c_str(), 0755);
            if (::mkdir(path.c_str(), 0700) != 0 && errno != EEXIST)
                fail(errno == EACCES || errno == EPERM ? "permission" : "failed",
                     "cannot create the demo state directory " + path + ": " + dp::errnoText(errno));
        }
        m_fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (m_fd < 0) {
            if (errno == ENOENT)
                return; // nothing was ever started
            fail(errno == EACCES ? "permission" : "failed",
                 "cannot open the demo state directory " + path + ": " + dp::errnoText(errno) +
                     (errno == EACCES ? " (demo containers need root)" : ""));
        }
        struct stat st {
        };
        if (::fstat(m_fd, &st) != 0 || st.st_uid != ::geteuid() || (st.st_mode & 022))
            fail("failed", "refusing the demo state directory " + path +
                               ": not owned by this user or writable by others");
        // Serialises starts (count, slot) with list/stop pruning. Released by close().
        while (::flock(m_fd, LOCK_EX) != 0 && errno == EINTR) {
        }
    }
    ~StateDir()
    {
        if (m_fd >= 0)
            ::close(m_fd);
    }
    bool exists() const { return m_fd >= 0; }
    int fd() const { return m_fd; }

    /// Reads and validates one record file; nullopt (and the file removed) when it is corrupt.
    std::optional<DemoRecord> read(const std::string &name)
    {
        int fd = ::openat(m_fd, name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
        if (fd < 0)
            return std::nullopt;
        Fd guard(fd);
        struct stat st {
        };
        if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_uid != ::geteuid() || (st.st_mode & 022) ||
            st.st_size > off_t(kMaxRecordBytes)) {
            ::unlinkat(m_fd, name.c_str(), 0);
            return std::nullopt;
        }
        std::string text(std::size_t(st.st_size), '\0');
        if (::read(fd, text.data(), text.size()) != ssize_t(text.size()))
            return std::nullopt;
        try {
            DemoRecord r = DemoRecord::fromJson(json::parse(text));
            if (name != std::to_string(r.pid) + ".json")
                throw DemoError("failed", "name mismatch");
            return r;
        } catch (const std::exception &) {
            ::unlinkat(m_fd, name.c_str(), 0);
            return std::nullopt;
        }
    }

    void remove(int pid) { ::unlinkat(m_fd, (std::to_string(pid) + ".json").c_str(), 0); }

    /// All records whose init still runs (same start time, same marker). Others are cleaned up.
    std::vector<DemoRecord> live()
    {
        std::vector<DemoRecord> out;
        if (m_fd < 0)
            return out;
        int dfd = ::dup(m_fd);
        if (dfd < 0)
            return out;
        DIR *d = ::fdopendir(dfd);
        if (!d) {
            ::close(dfd);
            return out;
        }
        ::rewinddir(d);
        std::vector<std::string> names;
        while (dirent *e = ::readdir(d)) {
            std::string n = e->d_name;
            if (n.size() > 5 && n.compare(n.size() - 5, 5, ".json") == 0)
                names.push_back(n);
        }
        ::closedir(d);
        std::string boot = ProcReader::bootId();
        for (const auto &n : names) {
            auto r = read(n);
            if (!r)
                continue;
            if (r->bootId == boot && dp::isOurs(r->pid, r->startTime, kDemoInitMode)) {
                out.push_back(std::move(*r));
            } else {
                // Its supervisor died without cleaning up (SIGKILL, reboot): tidy after it.
                remove(r->pid);
                if (r->bootId == boot)
                    removeCgroup(r->cgroupDir);
            }
        }
        std::sort(out.begin(), out.end(),
                  [](const DemoRecord &a, const DemoRecord &b) { return a.pid < b.pid; });
        return out;
    }

private:
    int m_fd = -1;
};

void requireRoot()
{
    if (::geteuid() != 0)
        fail("permission", "demo containers need root (try: sudo nsviz-helper demo ..., or use the GUI)");
}

bool mayTouch(const DemoRecord &r, std::uint32_t callerUid)
{
    return callerUid == 0 || r.callerUid == callerUid;
}

/// The ids no demo may map: every subuid and subgid range (one base serves as uid and gid), and
/// the blocks of the running demos.
std::vector<SubIdRange> takenIds(const DemoManager::Options &o, const std::vector<DemoRecord> &running)
{
    std::vector<SubIdRange> taken;
    for (const std::string *path : {&o.subuidPath, &o.subgidPath}) {
        std::string error;
        auto ranges = readSubIds(*path, error);
        if (!error.empty())
            fail("failed", "cannot tell which ids are free for the demo's user namespace: " + error);
        taken.insert(taken.end(), ranges.begin(), ranges.end());
    }
    for (const auto &r : running)
        if (r.uidBase != 0)
            taken.push_back({"demo", r.uidBase, kDemoIdRange});
    return taken;
}

} // namespace

// ---------------------------------------------------------------------------------------------
// DemoManager

DemoManager::DemoManager() : DemoManager(Options{}) {}

DemoManager::DemoManager(Options options) : m_opt(std::move(options))
{
    if (m_opt.maxDemos < 1 || m_opt.maxDemos > 64)
        m_opt.maxDemos = 8;
}

std::uint32_t chooseDemoIdBase(const std::vector<SubIdRange> &taken)
{
    constexpr std::uint64_t kEnd = 1ull << 32; // uid (2^32 - 1) is "no uid": keep below it
    for (std::uint64_t base = kDemoIdSearchStart; base + kDemoIdRange < kEnd;) {
        // Jump past the highest range in the way rather than stepping block by block.
        std::uint64_t next = 0;
        for (const auto &r : taken)
            if (r.overlaps(base, kDemoIdRange))
                next = std::max(next, r.start + r.count);
        if (next == 0)
            return std::uint32_t(base);
        base = next;
    }
    fail("limit", "no free range of " + std::to_string(kDemoIdRange) +
                      " ids for the demo's user namespace: /etc/subuid, /etc/subgid and the running "
                      "demos use them all (share the user namespace with --share user, or free a range)");
}

DemoRecord DemoManager::start(const DemoSpec &spec, std::optional<DemoOwner> owner, std::uint32_t callerUid)
{
    // Re-check what the parsers promise: this is the last line before root acts.
    if (spec.lifetimeSec < 1 || spec.lifetimeSec > DemoSpec::kMaxLifetimeSec)
        fail("bad_request", "lifetime out of range");
    if (!spec.hostname.empty() && !hostnameError(spec.hostname).empty())
        fail("bad_request", hostnameError(spec.hostname));
    if (!spec.hostname.empty() && !spec.isFresh(NsType::Uts))
        fail("bad_request", "a hostname needs a fresh uts namespace, but uts is shared with the host");
    if (spec.cloneFlags() == 0)
        fail("bad_request", "at least one namespace type must be fresh");
    requireRoot();

    StateDir state(m_opt.stateDir, true);
    auto running = state.live();
    if (int(running.size()) >= m_opt.maxDemos)
        fail("limit", "at most " + std::to_string(m_opt.maxDemos) +
                          " demo containers may run at a time; stop one first (nsviz-helper demo list)");
    int mine = int(std::count_if(running.begin(), running.end(),
                                 [callerUid](const DemoRecord &r) { return r.callerUid == callerUid; }));
    if (mine >= m_opt.maxDemosPerUser)
        fail("limit", "at most " + std::to_string(m_opt.maxDemosPerUser) +
                          " demo containers per user may run at a time; stop one of yours first");
    int slot = freeSlot(running, m_opt.maxDemos);
    std::uint32_t idBase = spec.isFresh(NsType::User) ? chooseDemoIdBase(takenIds(m_opt, running)) : 0;

    Fd ownerFd;
    json ownerJson = nullptr;
    if (owner) {
        if (owner->pid <= 0 || owner->pid > kMaxPid)
            fail("bad_request", "invalid owner pid " + std::to_string(owner->pid));
        ownerFd.fd = dp::pidfdOpen(owner->pid);
        if (ownerFd.fd < 0)
            fail("bad_request", "owner process " + std::to_string(owner->pid) + " does not exist");
        auto st = ProcReader::startTime(owner->pid);
        if (!st || (owner->startTime != 0 && *st != owner->startTime))
            fail("bad_request", "owner process " + std::to_string(owner->pid) + " has exited");
        ownerJson = {{"pid", owner->pid}, {"startTime", *st}};
        // Above fd 10 so the dup2() onto fd 4 in the child cannot collide with it.
        int high = ::fcntl(ownerFd.fd, F_DUPFD_CLOEXEC, 10);
        if (high < 0)
            fail("failed", "fcntl: " + dp::errnoText(errno));
        ::close(ownerFd.fd);
        ownerFd.fd = high;
    }

    json config = {
        {"spec", demoSpecToJson(spec)},
        {"slot", slot},
        {"hostname", spec.hostname.empty() ? defaultDemoHostname(slot) : spec.hostname},
        {"stateDir", m_opt.stateDir},
        {"cgroupRoot", m_opt.cgroupRoot},
        {"owner", ownerJson},
        {"uidBase", idBase},
        {"callerUid", callerUid},
    };

    int pipefd[2];
    if (::pipe2(pipefd, O_CLOEXEC) != 0)
        fail("failed", "pipe: " + dp::errnoText(errno));
    Fd reportR(pipefd[0]);
    Fd reportW(::fcntl(pipefd[1], F_DUPFD_CLOEXEC, 10));
    ::close(pipefd[1]);
    if (reportW.fd < 0)
        fail("failed", "fcntl: " + dp::errnoText(errno));

    // Everything the child needs is prepared here: between fork and exec it may only make
    // async-signal-safe calls (the caller, e.g. serve, may have other threads).
    std::string configText = config.dump();
    std::string exe = m_opt.helperPath;
    const char *argv[] = {"nsviz-helper", kDemoSuperviseMode, configText.c_str(), nullptr};
    const char *envp[] = {"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C", nullptr};
    int ownerHigh = ownerFd.fd;
    int reportHigh = reportW.fd;

    pid_t mid = ::fork();
    if (mid < 0)
        fail("failed", "fork: " + dp::errnoText(errno));
    if (mid == 0) {
        // The middle process: detach, fork the supervisor and exit, so the supervisor is not our
        // child (the caller reaps only this short-lived process).
        ::setsid();
        pid_t sup = ::fork();
        if (sup != 0)
            ::_exit(sup < 0 ? 1 : 0);
        ::dup2(reportHigh, 3);
        if (ownerHigh >= 0)
            ::dup2(ownerHigh, 4);
        int null = ::open("/dev/null", O_RDWR);
        if (null >= 0) {
            ::dup2(null, 0);
            ::dup2(null, 1);
            ::dup2(null, 2);
        }
        ::close_range(ownerHigh >= 0 ? 5 : 4, ~0U, 0);
        sigset_t none;
        sigemptyset(&none);
        ::sigprocmask(SIG_SETMASK, &none, nullptr);
        ::execve(exe.c_str(), const_cast<char **>(argv), const_cast<char **>(envp));
        ::_exit(127);
    }
    reportW.reset();
    ownerFd.reset();
    int status = 0;
    while (::waitpid(mid, &status, 0) < 0 && errno == EINTR) {
    }

    // Read the report: one JSON object, then EOF.
    std::string report;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kStartTimeoutMs);
    for (;;) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline -
                                                                          std::chrono::steady_clock::now());
        if (left.count() <= 0)
            fail("failed", "the demo did not finish setting up within " +
                               std::to_string(kStartTimeoutMs / 1000) + " s");
        pollfd p{reportR.fd, POLLIN, 0};
        int r = ::poll(&p, 1, int(left.count()));
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            continue;
        char buf[4096];
        ssize_t n = ::read(reportR.fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        report.append(buf, std::size_t(n));
        if (report.size() > kMaxRecordBytes)
            fail("failed", "the demo supervisor sent an oversized report");
    }
    if (report.empty())
        fail("failed", "the demo supervisor exited without a report (could not run " + exe + ")");
    json j;
    try {
        j = json::parse(report);
    } catch (const json::exception &) {
        fail("failed", "the demo supervisor sent a malformed report");
    }
    if (!j.value("ok", false))
        fail("failed", j.value("error", std::string("the demo could not be started")));
    return DemoRecord::fromJson(j.at("demo"));
}

void DemoManager::stop(int pid, std::uint32_t callerUid)
{
    if (pid <= 0 || pid > kMaxPid)
        fail("bad_request", "invalid pid " + std::to_string(pid));
    if (pid == 1)
        fail("bad_request", "pid 1 is not a demo container (it is the host's init)");
    requireRoot();
    StateDir state(m_opt.stateDir, false);
    const std::string notDemo = "pid " + std::to_string(pid) + " is not a running nsviz demo container";
    if (!state.exists())
        fail("not_found", notDemo);
    auto rec = state.read(std::to_string(pid) + ".json");
    if (!rec)
        fail("not_found", notDemo);
    if (!mayTouch(*rec, callerUid))
        fail("not_authorised", "demo container " + std::to_string(pid) +
                                   " belongs to another user; only they or root may stop it");
    Fd init = openVerified(rec->pid, rec->startTime, kDemoInitMode);
    if (init.fd < 0 || rec->bootId != ProcReader::bootId()) {
        state.remove(pid);
        removeCgroup(rec->cgroupDir);
        fail("not_found", notDemo + " (it has already ended)");
    }
    // Ask the supervisor: it tears down in order and removes its record and cgroup.
    Fd sup = openVerified(rec->supervisorPid, rec->supervisorStartTime, kDemoSuperviseMode);
    if (sup.fd >= 0)
        dp::pidfdSignal(sup.fd, SIGTERM);
    if (!waitExit(init.fd, 3000)) {
        // The supervisor is gone or stuck: do it ourselves.
        if (!rec->cgroupDir.empty())
            dp::writeFile(rec->cgroupDir + "/cgroup.kill", "1");
        dp::pidfdSignal(init.fd, SIGKILL);
        waitExit(init.fd, 3000);
    }
    if (sup.fd >= 0 && !waitExit(sup.fd, 3000))
        dp::pidfdSignal(sup.fd, SIGKILL);
    state.remove(pid);
    removeCgroup(rec->cgroupDir);
}

int DemoManager::stopAll(std::uint32_t callerUid)
{
    int n = 0;
    for (const auto &r : list(callerUid)) {
        try {
            stop(r.pid, callerUid);
            ++n;
        } catch (const DemoError &e) {
            if (e.code() != "not_found")
                throw;
        }
    }
    return n;
}

int DemoManager::stopAllOwnedBy(int ownerPid)
{
    if (ownerPid <= 0)
        return 0;
    int n = 0;
    for (const auto &r : list()) {
        if (r.ownerPid != ownerPid)
            continue;
        try {
            stop(r.pid);
            ++n;
        } catch (const DemoError &e) {
            if (e.code() != "not_found")
                throw;
        }
    }
    return n;
}

std::vector<DemoRecord> DemoManager::list(std::uint32_t callerUid)
{
    requireRoot();
    StateDir state(m_opt.stateDir, false);
    auto all = state.live();
    std::erase_if(all, [callerUid](const DemoRecord &r) { return !mayTouch(r, callerUid); });
    return all;
}

json DemoManager::startJson(const json &args, std::optional<DemoOwner> owner, std::uint32_t callerUid)
{
    auto parsed = demoSpecFromJson(args);
    if (!parsed)
        fail("bad_request", parsed.error);
    return start(*parsed.spec, owner, callerUid).toJson();
}

json DemoManager::stopJson(const json &args, std::uint32_t callerUid)
{
    if (!args.is_object())
        fail("bad_request", "demo_stop arguments must be a JSON object");
    for (const auto &[key, value] : args.items()) {
        (void)value;
        if (key != "pid" && key != "all")
            fail("bad_request", "unknown key '" + key.substr(0, 40) + "' in demo_stop (known: pid, all)");
    }
    bool all = false;
    if (auto it = args.find("all"); it != args.end()) {
        if (!it->is_boolean())
            fail("bad_request", "\"all\" must be true or false");
        all = it->get<bool>();
    }
    auto it = args.find("pid");
    if (all == (it != args.end()))
        fail("bad_request", "demo_stop needs either \"pid\" or \"all\": true");
    json stopped = json::array();
    if (all) {
        for (const auto &r : list(callerUid)) {
            try {
                stop(r.pid, callerUid);
                stopped.push_back(r.pid);
            } catch (const DemoError &e) {
                if (e.code() != "not_found")
                    throw;
            }
        }
    } else {
        if (!it->is_number_integer())
            fail("bad_request", "\"pid\" must be an integer");
        auto pid = it->get<long long>();
        if (pid <= 0 || pid > kMaxPid)
            fail("bad_request", "invalid pid " + std::to_string(pid));
        stop(int(pid), callerUid);
        stopped.push_back(pid);
    }
    return {{"stopped", stopped}};
}

json DemoManager::listJson(const json &args, std::uint32_t callerUid)
{
    if (!args.is_null() && !(args.is_object() && args.empty()))
        fail("bad_request", "demo_list takes no arguments");
    json demos = json::array();
    for (const auto &r : list(callerUid))
        demos.push_back(r.toJson());
    return {{"schema", "nsviz.demolist/1"}, {"demos", demos}};
}

} // namespace nsviz::helper
