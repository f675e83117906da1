// SPDX-License-Identifier: GPL-2.0-or-later
#include "core/inspect/inspector.h"

#include "core/model/containerid.h"
#include "core/model/nstype.h"
#include "core/proc/procparsers.h"

#include <arpa/inet.h>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <linux/if_packet.h>
#include <linux/nsfs.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdexcept>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef IFF_LOWER_UP
#define IFF_LOWER_UP 0x10000
#endif
#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

using nlohmann::json;

namespace nsviz
{

namespace
{

/// Reads a whole (proc) file. Returns 0 or the errno.
int readFile(const std::string &path, std::string &out)
{
    out.clear();
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return errno;
    char buf[8192];
    for (;;) {
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            int e = errno;
            ::close(fd);
            return e;
        }
        if (n == 0)
            break;
        out.append(buf, static_cast<std::size_t>(n));
        if (out.size() > (64u << 20)) // a runaway file (a mount storm): stop, say what we have
            break;
    }
    ::close(fd);
    return 0;
}

/// One message per errno, in the words the user should read.
std::string errText(int e)
{
    switch (e) {
    case ENOENT:
    case ESRCH:
        return "process exited";
    case EACCES:
    case EPERM:
        return "not visible: permission denied (run as root)";
    default:
        return std::strerror(e);
    }
}

std::string trimmed(std::string s)
{
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ' || s.back() == '\0'))
        s.pop_back();
    return s;
}

struct NsStat {
    std::uint64_t dev = 0, ino = 0;
    int err = 0;
};

NsStat statNs(const std::string &path)
{
    struct stat st {
    };
    if (::stat(path.c_str(), &st) != 0)
        return {0, 0, errno};
    return {static_cast<std::uint64_t>(st.st_dev), static_cast<std::uint64_t>(st.st_ino), 0};
}

/// The parent chain of a pid or user namespace via NS_GET_PARENT, nearest first. complete is false
/// when the walk stopped for another reason than reaching the top of what we may see.
json ancestorChain(const std::string &nsPath)
{
    json chain = json::array();
    int fd = ::open(nsPath.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return {{"ancestors", chain}, {"complete", false}, {"error", errText(errno)}};
    bool complete = false;
    std::string error;
    for (int depth = 0; depth < 40; ++depth) { // the kernel nests at most 32 levels
        int parent = ::ioctl(fd, NS_GET_PARENT);
        if (parent < 0) {
            // EPERM: the parent is outside our own namespace: we reached the top we can see.
            complete = errno == EPERM;
            if (!complete)
                error = std::strerror(errno);
            break;
        }
        ::close(fd);
        fd = parent;
        struct stat st {
        };
        if (::fstat(fd, &st) != 0)
            break;
        chain.push_back(static_cast<std::uint64_t>(st.st_ino));
    }
    ::close(fd);
    json j = {{"ancestors", chain}, {"complete", complete}};
    if (!error.empty())
        j["error"] = error;
    return j;
}

json listIfaddrs()
{
    json links = json::object();
    struct ifaddrs *list = nullptr;
    if (::getifaddrs(&list) != 0)
        return {{"error", std::string("getifaddrs: ") + std::strerror(errno)}};
    for (auto *ifa = list; ifa; ifa = ifa->ifa_next) {
        if (!ifa->ifa_name)
            continue;
        json &l = links[ifa->ifa_name];
        unsigned flags = ifa->ifa_flags;
        l["flags"] = flags;
        if (!ifa->ifa_addr)
            continue;
        int fam = ifa->ifa_addr->sa_family;
        if (fam == AF_PACKET) {
            auto *sll = reinterpret_cast<sockaddr_ll *>(ifa->ifa_addr);
            std::string mac;
            char b[4];
            for (int i = 0; i < sll->sll_halen && i < 8; ++i) {
                std::snprintf(b, sizeof b, i ? ":%02x" : "%02x", sll->sll_addr[i]);
                mac += b;
            }
            if (!mac.empty())
                l["mac"] = mac;
        } else if (fam == AF_INET || fam == AF_INET6) {
            char buf[INET6_ADDRSTRLEN] = {};
            int prefix = 0;
            if (fam == AF_INET) {
                ::inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in *>(ifa->ifa_addr)->sin_addr, buf,
                            sizeof buf);
                if (ifa->ifa_netmask)
                    prefix = __builtin_popcount(
                        reinterpret_cast<sockaddr_in *>(ifa->ifa_netmask)->sin_addr.s_addr);
            } else {
                ::inet_ntop(AF_INET6, &reinterpret_cast<sockaddr_in6 *>(ifa->ifa_addr)->sin6_addr, buf,
                            sizeof buf);
                if (ifa->ifa_netmask) {
                    auto *m = reinterpret_cast<sockaddr_in6 *>(ifa->ifa_netmask)->sin6_addr.s6_addr;
                    for (int i = 0; i < 16; ++i)
                        prefix += __builtin_popcount(m[i]);
                }
            }
            l["addresses"].push_back(std::string(buf) + "/" + std::to_string(prefix));
        }
    }
    ::freeifaddrs(list);
    for (auto &[name, l] : links.items())
        l["index"] = ::if_nametoindex(name.c_str());
    return {{"links", links}};
}

json listSysvipc()
{
    json j = json::object();
    for (const char *kind : {"shm", "sem", "msg"}) {
        std::string text;
        int e = readFile(std::string("/proc/sysvipc/") + kind, text);
        if (e)
            j["errors"][kind] = std::strerror(e);
        else
            j[kind] = procparse::parseSysvipc(text, kind);
    }
    return j;
}

/// POSIX message queues of the current IPC namespace: an mqueue file system mounted now belongs to
/// the mounter's IPC namespace, so mount a fresh one in a private mount namespace (this process is a
/// short-lived child: the mount dies with it). Entering the container's mount namespace instead would
/// depend on it having /dev/mqueue mounted.
json listMqueues()
{
    if (::unshare(CLONE_NEWNS) != 0)
        return {{"error", std::string("unshare(mnt): ") + std::strerror(errno)}};
    if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0)
        return {{"error", std::string("make-private: ") + std::strerror(errno)}};
    const char *dir = ::access("/dev/mqueue", F_OK) == 0 ? "/dev/mqueue" : "/tmp";
    if (::mount("mqueue", dir, "mqueue", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr) != 0)
        return {{"error", std::string("mount mqueue: ") + std::strerror(errno)}};
    json names = json::array();
    if (DIR *d = ::opendir(dir)) {
        while (auto *e = ::readdir(d))
            if (e->d_name[0] != '.')
                names.push_back(std::string("/") + e->d_name);
        ::closedir(d);
    }
    return names;
}

std::string pidPath(const std::string &root, int pid, const char *rel)
{
    return root + "/" + std::to_string(pid) + "/" + rel;
}

} // namespace

Inspector::Inspector(std::string procRoot) : m_procRoot(std::move(procRoot))
{
    m_live = m_procRoot == "/proc";
}

json Inspector::enterAndGather(int pid, bool uts, bool net, bool ipc, bool cgroup)
{
    json out = json::object();
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
        auto enter = [&](const char *type, int flag) -> bool {
            int fd = ::open(pidPath(m_procRoot, pid, (std::string("ns/") + type).c_str()).c_str(),
                            O_RDONLY | O_CLOEXEC);
            if (fd < 0) {
                r[type] = {{"error", errText(errno)}};
                return false;
            }
            int rc = ::setns(fd, flag);
            int e = errno;
            ::close(fd);
            if (rc != 0) {
                r[type] = {{"error", std::string("cannot enter the namespace (setns: ") + std::strerror(e) +
                                         (e == EPERM ? "; run as root)" : ")")}};
                return false;
            }
            return true;
        };
        if (cgroup && enter("cgroup", CLONE_NEWCGROUP)) {
            // /proc/PID/cgroup is shown relative to the reader's cgroup namespace: now the target's.
            std::string text;
            int e = readFile(pidPath(m_procRoot, pid, "cgroup"), text);
            r["cgroup"] = e ? json{{"error", errText(e)}} : json{{"view", procparse::parseCgroupPath(text)}};
        }
        if (uts && enter("uts", CLONE_NEWUTS)) {
            struct utsname u {
            };
            ::uname(&u);
            r["uts"] = {{"hostname", u.nodename}, {"domainname", u.domainname}};
        }
        if (net && enter("net", CLONE_NEWNET))
            r["net"] = listIfaddrs();
        // IPC last: listing message queues unshares the mount namespace.
        if (ipc && enter("ipc", CLONE_NEWIPC)) {
            json j = listSysvipc();
            j["mqueues"] = listMqueues();
            r["ipc"] = j;
        }
        std::string text = r.dump();
        const char *p = text.data();
        std::size_t left = text.size();
        while (left > 0) {
            ssize_t n = ::write(fds[1], p, left);
            if (n <= 0)
                break;
            p += n;
            left -= static_cast<std::size_t>(n);
        }
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

json Inspector::pidSection(int pid, const json &status, std::uint64_t pidNsIno)
{
    json j = json::object();
    if (status.contains("nspid")) {
        j["nspid"] = status["nspid"];
        j["level"] = status["nspid"].size() - 1;
    }
    if (pidNsIno == 0)
        return j;
    if (m_live) {
        json chain = ancestorChain(pidPath(m_procRoot, pid, "ns/pid"));
        j["ancestors"] = chain["ancestors"];
        j["ancestorsComplete"] = chain["complete"];
    }
    // How many processes A can see: those in A's pid namespace or below it; and A's init, the
    // process that is PID 1 in A's namespace.
    // Per pid namespace, once per Inspector: two processes of one namespace (or one process diffed
    // against itself) must not differ just because the host forked in between.
    if (auto it = m_pidNsView.find(pidNsIno); it != m_pidNsView.end()) {
        for (auto &[k, v] : it->second.items())
            j[k] = v;
        return j;
    }
    DIR *d = ::opendir(m_procRoot.c_str());
    if (!d)
        return j;
    const bool rootNs = j.contains("ancestors") && j["ancestors"].empty() && j["ancestorsComplete"] == true;
    int visible = 0, unreadable = 0, initPid = 0;
    while (auto *e = ::readdir(d)) {
        char *end = nullptr;
        long x = std::strtol(e->d_name, &end, 10);
        if (!end || *end || x <= 0)
            continue;
        NsStat s = statNs(pidPath(m_procRoot, static_cast<int>(x), "ns/pid"));
        if (s.err) {
            if (s.err == EACCES || s.err == EPERM)
                ++unreadable;
            continue;
        }
        bool inside = s.ino == pidNsIno;
        if (inside) {
            std::string text;
            if (readFile(pidPath(m_procRoot, static_cast<int>(x), "status"), text) == 0) {
                json st = procparse::parseStatus(text);
                if (st.contains("nspid") && !st["nspid"].empty() && st["nspid"].back() == 1)
                    initPid = static_cast<int>(x);
            }
        } else if (rootNs) {
            inside = true; // every pid namespace descends from the initial one
        } else if (m_live) {
            // Walk X's pid namespace up with NS_GET_PARENT, caching each step.
            std::uint64_t cur = s.ino;
            int fd = -1;
            for (int depth = 0; depth < 40 && cur != 0 && !inside; ++depth) {
                auto it = m_pidNsParent.find(cur);
                std::uint64_t parent = 0;
                if (it != m_pidNsParent.end()) {
                    parent = it->second;
                } else {
                    if (fd < 0)
                        fd = ::open(pidPath(m_procRoot, static_cast<int>(x), "ns/pid").c_str(),
                                    O_RDONLY | O_CLOEXEC);
                    if (fd < 0)
                        break;
                    struct stat st {
                    };
                    if (::fstat(fd, &st) != 0 || st.st_ino != cur)
                        break;
                    int p = ::ioctl(fd, NS_GET_PARENT);
                    if (p >= 0 && ::fstat(p, &st) == 0)
                        parent = st.st_ino;
                    ::close(fd);
                    fd = p;
                    m_pidNsParent[cur] = parent;
                }
                inside = parent == pidNsIno;
                cur = parent;
            }
            if (fd >= 0)
                ::close(fd);
        }
        if (inside)
            ++visible;
    }
    ::closedir(d);
    j["visibleProcesses"] = visible;
    if (unreadable)
        j["visibleProcessesNote"] =
            "at least; " + std::to_string(unreadable) + " processes were not readable";
    if (!initPid && rootNs)
        initPid = 1; // the initial namespace's init always exists, even where we may not read it
    if (initPid)
        j["init"] = initPid;
    json view = json::object();
    for (const char *k : {"visibleProcesses", "visibleProcessesNote", "init"})
        if (j.contains(k))
            view[k] = j[k];
    m_pidNsView[pidNsIno] = view;
    return j;
}

json Inspector::inspect(int pid)
{
    if (pid <= 0)
        throw std::invalid_argument("pid must be positive");
    json doc = {{"schema", kInspectSchema}, {"pid", pid}, {"procRoot", m_procRoot}};
    doc["inspector"] = {{"euid", ::geteuid()}, {"privileged", ::geteuid() == 0}};
    static const char *kSections[] = {"mnt", "pid", "net", "uts", "ipc", "user", "cgroup", "time"};

    std::string statText;
    int e = readFile(pidPath(m_procRoot, pid, "stat"), statText);
    auto startTime = e ? std::nullopt : procparse::parseStatStartTime(statText);
    if (e || !startTime) {
        std::string why = e ? errText(e) : "unreadable /proc/PID/stat";
        if (e == ENOENT || e == ESRCH)
            why = "process " + std::to_string(pid) + " does not exist (exited)";
        doc["state"] = (e == ENOENT || e == ESRCH) ? "exited" : "unreadable";
        doc["error"] = why;
        for (const char *s : kSections)
            doc["sections"][s] = {{"error", why}};
        doc["security"] = {{"error", why}};
        doc["container"] = {{"error", why}};
        return doc;
    }
    doc["startTime"] = *startTime;
    doc["state"] = "running";

    std::string text;
    json status = json::object();
    if ((e = readFile(pidPath(m_procRoot, pid, "status"), text)) == 0)
        status = procparse::parseStatus(text);
    else
        doc["errors"]["status"] = errText(e);
    if (status.contains("name"))
        doc["comm"] = status["name"];
    if (readFile(pidPath(m_procRoot, pid, "cmdline"), text) == 0) {
        json argv = json::array();
        std::size_t i = 0;
        while (i < text.size()) {
            std::size_t z = text.find('\0', i);
            if (z == std::string::npos)
                z = text.size();
            argv.push_back(text.substr(i, z - i));
            i = z + 1;
        }
        doc["cmdline"] = argv;
    }

    // Namespace identities, and which we share with ourselves (no need to enter those).
    std::array<NsStat, kNsTypeCount> nsOf{};
    std::array<bool, kNsTypeCount> ours{};
    for (NsType t : kAllNsTypes) {
        std::string name(nsTypeName(t));
        NsStat s = statNs(pidPath(m_procRoot, pid, ("ns/" + name).c_str()));
        nsOf[index(t)] = s;
        if (s.err) {
            doc["ns"][name] = {{"error", s.err == ENOENT
                                             ? std::string("not supported by this kernel or process exited")
                                             : errText(s.err)}};
            continue;
        }
        doc["ns"][name] = {{"dev", s.dev}, {"ino", s.ino}};
        NsStat self = statNs("/proc/self/ns/" + name);
        ours[index(t)] = m_live && !self.err && self.ino == s.ino && self.dev == s.dev;
    }
    auto nsIno = [&](NsType t) { return nsOf[index(t)].err ? 0 : nsOf[index(t)].ino; };

    // What needs entering a namespace: from the cache when we have it, else one forked child.
    auto cached = [&](const char *type, NsType t) -> json * {
        auto it = m_cache.find({type, nsIno(t)});
        return it == m_cache.end() ? nullptr : &it->second;
    };
    json entered = json::object();
    if (m_live) {
        bool needUts = !ours[index(NsType::Uts)] && nsIno(NsType::Uts) && !cached("uts", NsType::Uts);
        bool needNet = !ours[index(NsType::Net)] && nsIno(NsType::Net) && !cached("net", NsType::Net);
        bool needIpc = nsIno(NsType::Ipc) && !cached("ipc", NsType::Ipc);
        bool needCg = !ours[index(NsType::Cgroup)] && nsIno(NsType::Cgroup);
        if (needUts || needNet || needIpc || needCg)
            entered = enterAndGather(pid, needUts, needNet, needIpc, needCg);
        if (ours[index(NsType::Uts)] && !cached("uts", NsType::Uts)) {
            struct utsname u {
            };
            ::uname(&u);
            m_cache[{"uts", nsIno(NsType::Uts)}] = {{"hostname", u.nodename}, {"domainname", u.domainname}};
        }
        if (ours[index(NsType::Net)] && !cached("net", NsType::Net))
            m_cache[{"net", nsIno(NsType::Net)}] = listIfaddrs();
        for (auto [type, t] : {std::pair{"uts", NsType::Uts}, {"net", NsType::Net}, {"ipc", NsType::Ipc}}) {
            // Cache only what succeeded: a failure may be the process exiting mid-way.
            if (entered.contains(type) && !entered[type].contains("error"))
                m_cache[{type, nsIno(t)}] = entered[type];
        }
    }
    auto fromEntered = [&](const char *type, NsType t) -> json {
        if (json *c = cached(type, t))
            return *c;
        if (entered.contains(type))
            return entered[type];
        if (entered.contains("error"))
            return {{"error", entered["error"]}};
        if (!m_live)
            return {{"error", "needs entering the namespace: only on the live /proc"}};
        return {{"error", "not gathered"}};
    };

    // uts
    doc["sections"]["uts"] = fromEntered("uts", NsType::Uts);

    // net: the /proc/PID/net files give this netns' view without entering it; link state and IPv4
    // addresses need entering it.
    {
        json net = json::object();
        json links = fromEntered("net", NsType::Net);
        if ((e = readFile(pidPath(m_procRoot, pid, "net/dev"), text)) != 0) {
            net["errors"]["interfaces"] = errText(e);
        } else {
            json ifs = json::array();
            json v6 = json::array();
            if (readFile(pidPath(m_procRoot, pid, "net/if_inet6"), text) == 0)
                v6 = procparse::parseIfInet6(text);
            std::string devText;
            readFile(pidPath(m_procRoot, pid, "net/dev"), devText);
            for (json dev : procparse::parseNetDev(devText)) {
                const std::string name = dev["name"];
                json i = {{"name", name}, {"rxBytes", dev["rxBytes"]}, {"txBytes", dev["txBytes"]}};
                if (links.contains("links") && links["links"].contains(name)) {
                    const json &l = links["links"][name];
                    unsigned flags = l.value("flags", 0u);
                    i["state"] = !(flags & IFF_UP) ? "down" : (flags & IFF_RUNNING) ? "up" : "no-carrier";
                    i["loopback"] = (flags & IFF_LOOPBACK) != 0;
                    i["index"] = l.value("index", 0);
                    if (l.contains("mac"))
                        i["mac"] = l["mac"];
                    i["addresses"] = l.value("addresses", json::array());
                } else {
                    i["state"] = "unknown";
                    json addrs = json::array();
                    for (const auto &a : v6)
                        if (a["name"] == name)
                            addrs.push_back(a["address"].get<std::string>() + "/" +
                                            std::to_string(a["prefix"].get<int>()));
                    i["addresses"] = addrs;
                }
                ifs.push_back(i);
            }
            net["interfaces"] = ifs;
            if (links.contains("error"))
                net["errors"]["addresses"] =
                    "IPv4 addresses and link state: " + links["error"].get<std::string>();
        }
        json routes = json::array();
        if ((e = readFile(pidPath(m_procRoot, pid, "net/route"), text)) == 0)
            for (auto &r : procparse::parseRoute(text))
                routes.push_back(r);
        else
            net["errors"]["routes"] = errText(e);
        if (readFile(pidPath(m_procRoot, pid, "net/ipv6_route"), text) == 0)
            for (auto &r : procparse::parseIpv6Route(text))
                routes.push_back(r);
        net["routes"] = routes;
        json listening = json::array();
        for (const char *proto : {"tcp", "tcp6", "udp", "udp6"}) {
            if ((e = readFile(pidPath(m_procRoot, pid, (std::string("net/") + proto).c_str()), text)) == 0) {
                for (auto &s : procparse::parseListeningSockets(text, proto))
                    listening.push_back(s);
            } else if (e != ENOENT) { // no IPv6 in the kernel is not an error
                net["errors"]["listening"] = errText(e);
            }
        }
        net["listening"] = listening;
        doc["sections"]["net"] = net;
    }

    // mnt
    {
        json mnt = json::object();
        NsStat root = statNs(pidPath(m_procRoot, pid, "root"));
        if (root.err)
            mnt["errors"]["root"] = errText(root.err);
        else
            mnt["root"] = {{"dev", root.dev}, {"ino", root.ino}};
        try {
            json mounts = procparse::parseMountinfoFile(pidPath(m_procRoot, pid, "mountinfo"));
            mnt["count"] = mounts.size();
            mnt["mounts"] = mounts;
        } catch (const std::exception &ex) {
            mnt["errors"]["mounts"] =
                errno == ENOENT ? std::string("process exited") : std::string(ex.what());
        }
        doc["sections"]["mnt"] = mnt;
    }

    // user
    {
        json user = json::object();
        for (const char *f : {"uid_map", "gid_map"}) {
            if ((e = readFile(pidPath(m_procRoot, pid, f), text)) == 0)
                user[f] = procparse::parseIdMap(text);
            else
                user["errors"][f] = errText(e);
        }
        if ((e = readFile(pidPath(m_procRoot, pid, "setgroups"), text)) == 0)
            user["setgroups"] = trimmed(text);
        else
            user["errors"]["setgroups"] = errText(e);
        if (m_live && nsIno(NsType::User)) {
            int fd = ::open(pidPath(m_procRoot, pid, "ns/user").c_str(), O_RDONLY | O_CLOEXEC);
            if (fd >= 0) {
                uid_t owner = 0;
                if (::ioctl(fd, NS_GET_OWNER_UID, &owner) == 0)
                    user["ownerUid"] = owner;
                ::close(fd);
            }
            json chain = ancestorChain(pidPath(m_procRoot, pid, "ns/user"));
            user["ancestors"] = chain["ancestors"];
            user["ancestorsComplete"] = chain["complete"];
        }
        doc["sections"]["user"] = user;
    }

    // pid
    doc["sections"]["pid"] = pidSection(pid, status, nsIno(NsType::Pid));

    // cgroup
    {
        json cg = json::object();
        if ((e = readFile(pidPath(m_procRoot, pid, "cgroup"), text)) == 0) {
            std::string path = procparse::parseCgroupPath(text);
            cg["path"] = path;
            std::string view;
            if (ours[index(NsType::Cgroup)]) {
                view = path;
            } else if (entered.contains("cgroup") && entered["cgroup"].contains("view")) {
                view = entered["cgroup"]["view"];
            } else {
                if (entered.contains("cgroup"))
                    cg["errors"]["view"] = entered["cgroup"].value("error", "");
                else if (nsOf[index(NsType::Cgroup)].err)
                    cg["errors"]["view"] = errText(nsOf[index(NsType::Cgroup)].err);
                else if (entered.contains("error"))
                    cg["errors"]["view"] = entered["error"];
                else
                    cg["errors"]["view"] =
                        m_live ? std::string("not gathered")
                               : std::string("needs entering the namespace: only on the live /proc");
            }
            if (!view.empty()) {
                cg["view"] = view;
                // The namespace root is the host path with the process's own view cut off its end.
                std::string rootPath = "/";
                if (view != "/" && path.size() >= view.size() &&
                    path.compare(path.size() - view.size(), view.size(), view) == 0)
                    rootPath = path.substr(0, path.size() - view.size());
                else if (view == "/")
                    rootPath = path;
                if (ours[index(NsType::Cgroup)])
                    rootPath = "/"; // our own namespace: paths we read are relative to its root
                if (rootPath.empty())
                    rootPath = "/";
                cg["nsRoot"] = rootPath;
            }
        } else {
            cg["error"] = errText(e);
        }
        doc["sections"]["cgroup"] = cg;
        doc["container"] = json::object();
        if (cg.contains("path")) {
            ContainerIdentity id = containerFromCgroup(cg["path"].get<std::string>());
            if (id.valid())
                doc["container"] = {
                    {"engine", id.engine}, {"id", id.id}, {"pod", id.pod}, {"label", id.label()}};
        }
        if (doc["sections"]["pid"].contains("init"))
            doc["container"]["init"] = doc["sections"]["pid"]["init"];
    }

    // time
    {
        e = readFile(pidPath(m_procRoot, pid, "timens_offsets"), text);
        if (e == 0)
            doc["sections"]["time"] = {{"offsets", procparse::parseTimensOffsets(text)}};
        else if (e == ENOENT && nsOf[index(NsType::Time)].err == ENOENT)
            doc["sections"]["time"] = {{"error", "time namespaces not supported by this kernel"}};
        else
            doc["sections"]["time"] = {{"error", errText(e)}};
    }

    // ipc
    doc["sections"]["ipc"] = fromEntered("ipc", NsType::Ipc);

    // security
    {
        json sec = json::object();
        for (const char *k : {"uid", "gid", "caps", "noNewPrivs", "seccomp"})
            if (status.contains(k))
                sec[k] = status[k];
        if (status.empty())
            sec["error"] = doc["errors"].value("status", "status not readable");
        // AppArmor and SELinux both answer here; newer kernels also have attr/<lsm>/current.
        e = readFile(pidPath(m_procRoot, pid, "attr/current"), text);
        if (e == 0)
            sec["lsmLabel"] = trimmed(text);
        else if (e == EINVAL || e == ENOENT)
            sec["lsmLabel"] = nullptr; // no LSM that labels processes
        else
            sec["errors"]["lsmLabel"] = errText(e);
        doc["security"] = sec;
    }

    if (m_beforeRecheck)
        m_beforeRecheck();
    // Did it exit (or was the pid reused) while we read? Then what we read is not to be trusted.
    std::string again;
    auto st2 = readFile(pidPath(m_procRoot, pid, "stat"), again) == 0 ? procparse::parseStatStartTime(again)
                                                                      : std::nullopt;
    if (!st2 || *st2 != *startTime) {
        doc["state"] = "exited";
        doc["error"] = "process " + std::to_string(pid) + " exited during inspection";
    }
    return doc;
}

} // namespace nsviz
