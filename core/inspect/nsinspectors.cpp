// SPDX-License-Identifier: GPL-2.0-or-later
#include "core/inspect/nsinspectors.h"

#include "core/inspect/inspectjson.h"
#include "core/proc/procreader.h"

#include <algorithm>
#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <linux/if_packet.h>
#include <linux/nsfs.h>
#include <net/if.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#ifndef IFF_LOWER_UP
#define IFF_LOWER_UP 0x10000
#endif

using nlohmann::json;

namespace nsviz::nsinspect
{

namespace
{

std::string trimmed(std::string s)
{
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ' || s.back() == '\0'))
        s.pop_back();
    return s;
}

/// The parent chain of a pid or user namespace via NS_GET_PARENT, nearest first. complete is false
/// when the walk stopped for another reason than reaching the top of what we may see.
json ancestorChain(const std::string &nsPath)
{
    json chain = json::array();
    // O_NONBLOCK: a FIFO planted where a namespace file should be must not block the inspection.
    int fd = ::open(nsPath.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
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

// ---------------------------------------------------------------------------------------------
// uts

json gatherUts(const Target &)
{
    struct utsname u {
    };
    ::uname(&u);
    return {{"hostname", u.nodename}, {"domainname", u.domainname}};
}

// ---------------------------------------------------------------------------------------------
// net

/// Link state, MAC and addresses of every interface of the current network namespace.
json gatherLinks(const Target &)
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

/// One interface: counters from net/dev, state and addresses from inside (or IPv6 from if_inet6).
json interfaceJson(const procparse::NetDevice &dev, const json &links,
                   const std::vector<procparse::Inet6Address> &v6)
{
    json i = {{"name", dev.name}, {"rxBytes", dev.rxBytes}, {"txBytes", dev.txBytes}};
    if (links.contains("links") && links["links"].contains(dev.name)) {
        const json &l = links["links"][dev.name];
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
            if (a.name == dev.name)
                addrs.push_back(a.address + "/" + std::to_string(a.prefix));
        i["addresses"] = addrs;
    }
    return i;
}

/// The /proc/PID/net files give this netns' view without entering it; link state and IPv4
/// addresses need entering it.
json netSection(const Target &t, Cache &cache);

// ---------------------------------------------------------------------------------------------
// ipc

json listSysvipc(const Target &t)
{
    json j = json::object();
    for (auto kind :
         {procparse::SysvIpcKind::Shm, procparse::SysvIpcKind::Sem, procparse::SysvIpcKind::Msg}) {
        const char *name = procparse::sysvIpcKindName(kind);
        std::string text;
        int e = readText(t.procRoot + "/sysvipc/" + name, text);
        if (e)
            j["errors"][name] = std::strerror(e);
        else
            j[name] = inspectjson::sysvipc(procparse::parseSysvipc(text, kind), kind);
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

json gatherIpc(const Target &t)
{
    json j = listSysvipc(t);
    j["mqueues"] = listMqueues();
    return j;
}

// ---------------------------------------------------------------------------------------------
// cgroup

/// /proc/PID/cgroup read from inside the target's cgroup namespace: the path relative to its root.
json gatherCgroupView(const Target &t)
{
    std::string text;
    int e = readText(t.path("cgroup"), text);
    return e ? json{{"error", errText(e)}} : json{{"view", std::string(procparse::parseCgroupPath(text))}};
}

json cgroupSection(const Target &t, Cache &)
{
    json cg = json::object();
    std::string text;
    if (int e = readText(t.path("cgroup"), text); e != 0) {
        cg["error"] = errText(e);
        return cg;
    }
    const std::string path(procparse::parseCgroupPath(text));
    cg["path"] = path;
    const bool ours = t.ours[index(NsType::Cgroup)];
    const json &entered = t.entered;
    std::string view;
    if (ours) {
        view = path;
    } else if (entered.contains("cgroup") && entered["cgroup"].contains("view")) {
        view = entered["cgroup"]["view"];
    } else {
        if (entered.contains("cgroup"))
            cg["errors"]["view"] = entered["cgroup"].value("error", "");
        else if (t.ns[index(NsType::Cgroup)].err)
            cg["errors"]["view"] = errText(t.ns[index(NsType::Cgroup)].err);
        else if (entered.contains("error"))
            cg["errors"]["view"] = entered["error"];
        else
            cg["errors"]["view"] = t.live
                                       ? std::string("not gathered")
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
        if (ours)
            rootPath = "/"; // our own namespace: paths we read are relative to its root
        if (rootPath.empty())
            rootPath = "/";
        cg["nsRoot"] = rootPath;
    }
    return cg;
}

// ---------------------------------------------------------------------------------------------
// mnt

json mntSection(const Target &t, Cache &)
{
    json mnt = json::object();
    NsStat root = statPath(t.path("root"));
    if (root.err)
        mnt["errors"]["root"] = errText(root.err);
    else
        mnt["root"] = {{"dev", root.dev}, {"ino", root.ino}};
    std::vector<procparse::MountEntry> mounts;
    const std::string path = t.path("mountinfo");
    bool cut = false;
    if (int e = procparse::readMountinfo(path, mounts, &cut); e != 0) {
        mnt["errors"]["mounts"] =
            e == ENOENT ? std::string("process exited") : "cannot read " + path + ": " + errText(e);
    } else {
        mnt["count"] = mounts.size();
        mnt["mounts"] = inspectjson::mounts(mounts);
        if (cut) {
            mnt["truncated"] = true; // the table holds the first procparse::kMaxMountinfoBytes
            noteCutFile(path);
        }
    }
    return mnt;
}

// ---------------------------------------------------------------------------------------------
// user

json userSection(const Target &t, Cache &)
{
    json user = json::object();
    std::string text;
    for (const char *f : {"uid_map", "gid_map"}) {
        if (int e = readText(t.path(f), text); e == 0)
            user[f] = inspectjson::idMap(procparse::parseIdMap(text));
        else
            user["errors"][f] = errText(e);
    }
    if (int e = readText(t.path("setgroups"), text); e == 0)
        user["setgroups"] = trimmed(text);
    else
        user["errors"]["setgroups"] = errText(e);
    if (t.live && t.nsIno(NsType::User)) {
        int fd = ::open(t.path("ns/user").c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
        if (fd >= 0) {
            uid_t owner = 0;
            if (::ioctl(fd, NS_GET_OWNER_UID, &owner) == 0)
                user["ownerUid"] = owner;
            ::close(fd);
        }
        json chain = ancestorChain(t.path("ns/user"));
        user["ancestors"] = chain["ancestors"];
        user["ancestorsComplete"] = chain["complete"];
    }
    return user;
}

// ---------------------------------------------------------------------------------------------
// pid

/// Whether the pid namespace @p nsIno (of process @p pid) lies below @p ancestor, walking up with
/// NS_GET_PARENT and remembering each step.
bool pidNsBelow(const Target &t, int pid, std::uint64_t nsIno, std::uint64_t ancestor, Cache &cache)
{
    bool inside = false;
    std::uint64_t cur = nsIno;
    int fd = -1;
    for (int depth = 0; depth < 40 && cur != 0 && !inside; ++depth) {
        auto it = cache.pidNsParent.find(cur);
        std::uint64_t parent = 0;
        if (it != cache.pidNsParent.end()) {
            parent = it->second;
        } else {
            if (fd < 0)
                fd = ::open((t.procRoot + "/" + std::to_string(pid) + "/ns/pid").c_str(),
                            O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
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
            cache.pidNsParent[cur] = parent;
        }
        inside = parent == ancestor;
        cur = parent;
    }
    if (fd >= 0)
        ::close(fd);
    return inside;
}

/// How many processes the namespace can see (those in it or below it) and its init, the process
/// that is PID 1 in it.
json pidNsView(const Target &t, std::uint64_t pidNsIno, bool rootNs, Cache &cache)
{
    json view = json::object();
    DIR *d = ::opendir(t.procRoot.c_str());
    if (!d)
        return view;
    int visible = 0, unreadable = 0, initPid = 0;
    std::string text;
    procparse::Status st;
    while (auto *e = ::readdir(d)) {
        int x = 0;
        if (!procparse::parsePid(e->d_name, x))
            continue;
        NsStat s = statPath(t.procRoot + "/" + std::to_string(x) + "/ns/pid");
        if (s.err) {
            if (s.err == EACCES || s.err == EPERM)
                ++unreadable;
            continue;
        }
        bool inside = s.ino == pidNsIno;
        if (inside) {
            if (readText(t.procRoot + "/" + std::to_string(x) + "/status", text) == 0) {
                procparse::parseStatus(text, st, procparse::StatusScope::Ids);
                if (!st.nspid.empty() && st.nspid.back() == 1)
                    initPid = x;
            }
        } else if (rootNs) {
            inside = true; // every pid namespace descends from the initial one
        } else if (t.live) {
            inside = pidNsBelow(t, x, s.ino, pidNsIno, cache);
        }
        if (inside)
            ++visible;
    }
    ::closedir(d);
    view["visibleProcesses"] = visible;
    if (unreadable)
        view["visibleProcessesNote"] =
            "at least; " + std::to_string(unreadable) + " processes were not readable";
    if (!initPid && rootNs)
        initPid = 1; // the initial namespace's init always exists, even where we may not read it
    if (initPid)
        view["init"] = initPid;
    return view;
}

json pidSection(const Target &t, Cache &cache)
{
    json j = json::object();
    if (!t.status.nspid.empty()) {
        j["nspid"] = t.status.nspid;
        j["level"] = t.status.nspid.size() - 1;
    }
    const std::uint64_t pidNsIno = t.nsIno(NsType::Pid);
    if (pidNsIno == 0)
        return j;
    if (t.live) {
        json chain = ancestorChain(t.path("ns/pid"));
        j["ancestors"] = chain["ancestors"];
        j["ancestorsComplete"] = chain["complete"];
    }
    auto it = cache.pidNsView.find(pidNsIno);
    if (it == cache.pidNsView.end()) {
        const bool rootNs =
            j.contains("ancestors") && j["ancestors"].empty() && j["ancestorsComplete"] == true;
        json view = pidNsView(t, pidNsIno, rootNs, cache);
        if (view.empty())
            return j; // the proc root could not be listed: try again next time
        it = cache.pidNsView.emplace(pidNsIno, std::move(view)).first;
    }
    for (auto &[k, v] : it->second.items())
        j[k] = v;
    return j;
}

// ---------------------------------------------------------------------------------------------
// time

json timeSection(const Target &t, Cache &)
{
    std::string text;
    int e = readText(t.path("timens_offsets"), text);
    if (e == 0)
        return {{"offsets", inspectjson::timeOffsets(procparse::parseTimensOffsets(text))}};
    if (e == ENOENT && t.ns[index(NsType::Time)].err == ENOENT)
        return {{"error", "time namespaces not supported by this kernel"}};
    return {{"error", errText(e)}};
}

// ---------------------------------------------------------------------------------------------
// The sections that are only what was gathered inside.

json utsSection(const Target &t, Cache &cache);
json ipcSection(const Target &t, Cache &cache);

// ipc stays last: its gatherer unshares the mount namespace of the child.
const std::array<NsInspector, kNsTypeCount> kInspectors = {{
    {NsType::Mnt, nullptr, false, WhenOurs::Skip, mntSection},
    {NsType::Pid, nullptr, false, WhenOurs::Skip, pidSection},
    {NsType::User, nullptr, false, WhenOurs::Skip, userSection},
    {NsType::Time, nullptr, false, WhenOurs::Skip, timeSection},
    {NsType::Cgroup, gatherCgroupView, false, WhenOurs::Skip, cgroupSection},
    {NsType::Uts, gatherUts, true, WhenOurs::GatherHere, utsSection},
    {NsType::Net, gatherLinks, true, WhenOurs::GatherHere, netSection},
    {NsType::Ipc, gatherIpc, true, WhenOurs::Enter, ipcSection},
}};

const NsInspector &inspectorFor(NsType type)
{
    for (const NsInspector &in : kInspectors)
        if (in.type == type)
            return in;
    return kInspectors.front(); // unreachable: the table has every type
}

json utsSection(const Target &t, Cache &cache)
{
    return gathered(inspectorFor(NsType::Uts), t, cache);
}

json ipcSection(const Target &t, Cache &cache)
{
    return gathered(inspectorFor(NsType::Ipc), t, cache);
}

json netSection(const Target &t, Cache &cache)
{
    json net = json::object();
    json links = gathered(inspectorFor(NsType::Net), t, cache);
    std::string text;
    if (int e = readText(t.path("net/dev"), text); e != 0) {
        net["errors"]["interfaces"] = errText(e);
    } else {
        auto devices = procparse::parseNetDev(text);
        std::vector<procparse::Inet6Address> v6;
        if (readText(t.path("net/if_inet6"), text) == 0)
            v6 = procparse::parseIfInet6(text);
        json ifs = json::array();
        for (const auto &dev : devices)
            ifs.push_back(interfaceJson(dev, links, v6));
        net["interfaces"] = ifs;
        if (links.contains("error"))
            net["errors"]["addresses"] =
                "IPv4 addresses and link state: " + links["error"].get<std::string>();
    }
    json routes = json::array();
    if (int e = readText(t.path("net/route"), text); e == 0)
        for (const auto &r : procparse::parseRoute(text))
            routes.push_back(inspectjson::route(r));
    else
        net["errors"]["routes"] = errText(e);
    if (readText(t.path("net/ipv6_route"), text) == 0)
        for (const auto &r : procparse::parseIpv6Route(text))
            routes.push_back(inspectjson::route(r));
    net["routes"] = routes;
    json listening = json::array();
    using procparse::SocketProto;
    for (SocketProto proto : {SocketProto::Tcp, SocketProto::Tcp6, SocketProto::Udp, SocketProto::Udp6}) {
        const std::string file = std::string("net/") + procparse::socketProtoName(proto);
        if (int e = readText(t.path(file.c_str()), text); e == 0) {
            for (const auto &s : procparse::parseListeningSockets(text, proto))
                listening.push_back(inspectjson::listeningSocket(s));
        } else if (e != ENOENT) { // no IPv6 in the kernel is not an error
            net["errors"]["listening"] = errText(e);
        }
    }
    net["listening"] = listening;
    return net;
}

} // namespace

NsStat statPath(const std::string &path)
{
    struct stat st {
    };
    if (::stat(path.c_str(), &st) != 0)
        return {0, 0, errno};
    return {static_cast<std::uint64_t>(st.st_dev), static_cast<std::uint64_t>(st.st_ino), 0};
}

namespace
{
/// Per thread: an inspection runs on one thread (its namespace-entering child is a process).
thread_local std::vector<std::string> t_cutFiles;
} // namespace

int readText(const std::string &path, std::string &out)
{
    int e = ProcReader::readFile(path, out, kMaxFileBytes);
    if (e == EFBIG) {
        noteCutFile(path);
        return 0;
    }
    return e;
}

void noteCutFile(std::string path)
{
    t_cutFiles.push_back(std::move(path));
}

std::vector<std::string> takeCutFiles()
{
    std::vector<std::string> out = std::move(t_cutFiles);
    t_cutFiles.clear();
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
}

std::string errText(int e)
{
    switch (e) {
    case ENOENT:
    case ESRCH:
        return "process exited";
    case EACCES:
    case EPERM:
        return "not visible: permission denied (run as root)";
    case ELOOP:
        return "refused: a symbolic link where a file was expected (not followed)";
    case ProcReader::kNotRegularFile:
        return "refused: not a regular file (a FIFO, socket or device is never read)";
    default:
        return std::strerror(e);
    }
}

std::string Target::path(const char *rel) const
{
    return procRoot + "/" + std::to_string(pid) + "/" + rel;
}

const std::array<NsInspector, kNsTypeCount> &nsInspectors()
{
    return kInspectors;
}

json gathered(const NsInspector &in, const Target &t, const Cache &cache)
{
    const std::string name(nsTypeName(in.type));
    if (in.perNamespace)
        if (auto it = cache.gathered.find({in.type, t.nsIno(in.type)}); it != cache.gathered.end())
            return it->second;
    if (t.entered.contains(name))
        return t.entered[name];
    if (t.entered.contains("error"))
        return {{"error", t.entered["error"]}};
    if (!t.live)
        return {{"error", "needs entering the namespace: only on the live /proc"}};
    return {{"error", "not gathered"}};
}

json securitySection(const Target &t, const std::string &statusError)
{
    json sec = json::object();
    json status = t.haveStatus ? inspectjson::status(t.status) : json::object();
    for (const char *k : {"uid", "gid", "caps", "noNewPrivs", "seccomp"})
        if (status.contains(k))
            sec[k] = status[k];
    if (status.empty())
        sec["error"] = statusError.empty() ? std::string("status not readable") : statusError;
    // AppArmor and SELinux both answer here; newer kernels also have attr/<lsm>/current.
    std::string text;
    int e = readText(t.path("attr/current"), text);
    if (e == 0)
        sec["lsmLabel"] = trimmed(text);
    else if (e == EINVAL || e == ENOENT)
        sec["lsmLabel"] = nullptr; // no LSM that labels processes
    else
        sec["errors"]["lsmLabel"] = errText(e);
    return sec;
}

} // namespace nsviz::nsinspect
