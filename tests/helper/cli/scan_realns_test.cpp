// SPDX-License-Identifier: GPL-2.0-or-later
// discover() against namespaces these tests create with unshare(2)/fork(2) and clean up.
#include "core/discovery/discovery.h"
#include "tests/common/nschild.h"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <mutex>
#include <sched.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <thread>
#include <unistd.h>

using namespace nsviz;
using nsviz::test::NsChild;
using nsviz::test::NsLevel;

namespace
{

#define REQUIRE_ROOT()                                                                                       \
    if (::geteuid() != 0)                                                                                    \
    GTEST_SKIP() << "needs root to create namespaces"

// Callers take a copy: GCC 14's -Wdangling-reference (an error with -Werror in the Debian 13 CI
// stage) flags a reference bound to the result when an argument is a temporary.
const Namespace &mustFind(const Snapshot &s, const NsId &id)
{
    const Namespace *n = s.findNamespace(id);
    if (!n)
        throw std::runtime_error("namespace " + std::to_string(id.ino) + " not in the snapshot");
    return *n;
}

bool contains(const std::vector<int> &v, int x)
{
    return std::find(v.begin(), v.end(), x) != v.end();
}

// A temporary directory removed on destruction.
struct TempDir {
    std::filesystem::path path;
    TempDir()
    {
        char tmpl[] = "/tmp/nsviz-test-XXXXXX";
        if (::mkdtemp(tmpl))
            path = tmpl;
    }
    ~TempDir()
    {
        std::error_code ec;
        std::filesystem::remove_all(path, ec);
    }
    std::string file(const std::string &name) const
    {
        std::ofstream(path / name).put('\n');
        return (path / name).string();
    }
};

} // namespace

TEST(ScanRealNamespaces, FreshNetUtsIpcPidMnt)
{
    REQUIRE_ROOT();
    NsChild c({{CLONE_NEWNET | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNS | CLONE_NEWPID}, {0}});
    ASSERT_EQ(c.error(), "");
    Snapshot s = discover();
    const Process *leaf = s.findProcess(c.pid(1));
    const Process *top = s.findProcess(c.pid(0));
    ASSERT_TRUE(leaf && top);
    EXPECT_TRUE(leaf->visible);
    EXPECT_EQ(leaf->ppid, c.pid(0));
    ASSERT_EQ(leaf->nspid.size(), 2u);
    EXPECT_EQ(leaf->nspid[0], c.pid(1));
    EXPECT_EQ(leaf->nspid[1], 1); // the init of the new pid namespace

    for (NsType t : {NsType::Net, NsType::Uts, NsType::Ipc, NsType::Mnt, NsType::Pid}) {
        SCOPED_TRACE(std::string(nsTypeName(t)));
        NsId id = c.ns(1, t);
        ASSERT_TRUE(id.valid());
        EXPECT_NE(id, NsChild::self(t));
        EXPECT_EQ(leaf->ns[index(t)], id);
        const Namespace n = mustFind(s, id);
        EXPECT_EQ(n.type, t);
        EXPECT_EQ(n.foundBy, FoundByProcess);
        EXPECT_FALSE(n.isHost);
        EXPECT_TRUE(contains(n.pids, c.pid(1)));
        EXPECT_EQ(contains(n.pids, c.pid(0)), t != NsType::Pid); // unshare(CLONE_NEWPID) moves children only
        EXPECT_EQ(n.owner, NsChild::self(NsType::User));
        EXPECT_TRUE(n.ownerKnown);
        EXPECT_TRUE(leaf->differs(t) == (s.hostNs[index(t)] != id));
    }
    const Namespace pidNs = mustFind(s, c.ns(1, NsType::Pid));
    EXPECT_EQ(pidNs.pids, std::vector<int>{c.pid(1)});
    EXPECT_EQ(pidNs.parent, NsChild::self(NsType::Pid));
    EXPECT_TRUE(pidNs.parentKnown);
    const Namespace netNs = mustFind(s, c.ns(1, NsType::Net));
    EXPECT_EQ(netNs.pids, (std::vector<int>{c.pid(0), c.pid(1)}));
    EXPECT_FALSE(netNs.parent);
    EXPECT_TRUE(netNs.parentKnown);
    for (NsType t : {NsType::User, NsType::Cgroup, NsType::Time})
        EXPECT_EQ(leaf->ns[index(t)], NsChild::self(t)) << nsTypeName(t);
}

TEST(ScanRealNamespaces, UserNamespaceWithNestedPidNamespaces)
{
    REQUIRE_ROOT();
    NsChild c({{CLONE_NEWUSER | CLONE_NEWPID}, {CLONE_NEWPID}, {0}});
    ASSERT_EQ(c.error(), "");
    const NsId user = c.ns(0, NsType::User), pidA = c.ns(1, NsType::Pid), pidB = c.ns(2, NsType::Pid);
    ASSERT_NE(user, NsChild::self(NsType::User));
    ASSERT_NE(pidA, pidB);
    Snapshot s = discover();

    const Namespace u = mustFind(s, user);
    EXPECT_EQ(u.type, NsType::User);
    EXPECT_EQ(u.parent, NsChild::self(NsType::User));
    EXPECT_EQ(u.owner, NsChild::self(NsType::User));
    EXPECT_EQ(u.ownerUid, 0u);
    EXPECT_EQ(u.pids, (std::vector<int>{c.pid(0), c.pid(1), c.pid(2)}));

    const Namespace a = mustFind(s, pidA);
    EXPECT_EQ(a.parent, NsChild::self(NsType::Pid));
    EXPECT_EQ(a.owner, user);
    EXPECT_EQ(a.pids, std::vector<int>{c.pid(1)});
    const Namespace b = mustFind(s, pidB);
    EXPECT_EQ(b.parent, pidA);
    EXPECT_EQ(b.owner, user);
    EXPECT_EQ(b.pids, std::vector<int>{c.pid(2)});
    EXPECT_EQ(s.findProcess(c.pid(2))->nspid.size(), 3u);

    // The host's user namespace: no owner, no parent, and both are known.
    const Namespace hostUser = mustFind(s, NsChild::self(NsType::User));
    EXPECT_FALSE(hostUser.parent);
    EXPECT_TRUE(hostUser.parentKnown);
}

TEST(ScanRealNamespaces, OwnerUidOfAnUnprivilegedUserNamespace)
{
    REQUIRE_ROOT();
    NsLevel l;
    l.flags = CLONE_NEWUSER;
    l.uid = 65534;
    NsChild c({l});
    if (c.errorCode() == EPERM || c.errorCode() == ENOSPC)
        GTEST_SKIP() << "unprivileged user namespaces are disabled here: " << c.error();
    ASSERT_EQ(c.error(), "");
    Snapshot s = discover();
    const Namespace u = mustFind(s, c.ns(0, NsType::User));
    EXPECT_EQ(u.ownerUid, 65534u);
    EXPECT_EQ(s.findProcess(c.pid(0))->uid, 65534u);
}

TEST(ScanRealNamespaces, HiddenIntermediateUserNamespace)
{
    REQUIRE_ROOT();
    // p0 unshares U1, p1 (its child) unshares U2. Once p0 is gone no process is in U1: it is only
    // reachable as U2's parent. We are p1's subreaper meanwhile, so nothing is left to init.
    ASSERT_EQ(::prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
    {
        NsLevel l0, l1;
        l0.flags = CLONE_NEWUSER;
        l0.mapRoot = true;
        l1.flags = CLONE_NEWUSER;
        l1.dieWithParent = false;
        NsChild c({l0, l1});
        ASSERT_EQ(c.error(), "");
        const NsId u1 = c.ns(0, NsType::User), u2 = c.ns(1, NsType::User);
        c.kill(0);
        Snapshot s = discover();
        const Namespace hidden = mustFind(s, u1);
        EXPECT_EQ(hidden.foundBy, FoundByHidden);
        EXPECT_EQ(hidden.type, NsType::User);
        EXPECT_TRUE(hidden.pids.empty());
        EXPECT_EQ(hidden.parent, NsChild::self(NsType::User));
        EXPECT_EQ(hidden.ownerUid, 0u);
        const Namespace inner = mustFind(s, u2);
        EXPECT_EQ(inner.parent, u1);
        EXPECT_EQ(inner.pids, std::vector<int>{c.pid(1)});
    }
    ::prctl(PR_SET_CHILD_SUBREAPER, 0);
}

TEST(ScanRealNamespaces, NamespaceHeldOnlyByABindMountInAnotherMountNamespace)
{
    REQUIRE_ROOT();
    TempDir dir;
    ASSERT_FALSE(dir.path.empty());
    std::string target = dir.file("netns");
    NsChild owner({NsLevel(CLONE_NEWNET)});
    ASSERT_EQ(owner.error(), "");
    const NsId net = owner.ns(0, NsType::Net);
    // The holder bind-mounts it inside its own private mount namespace: the host never sees it.
    NsLevel h;
    h.flags = CLONE_NEWNS;
    h.bindFrom = "/proc/" + std::to_string(owner.pid(0)) + "/ns/net";
    h.bindTo = target;
    NsChild holder({h});
    ASSERT_EQ(holder.error(), "");
    owner.kill(0);

    Snapshot s = discover();
    const Namespace n = mustFind(s, net);
    EXPECT_EQ(n.type, NsType::Net);
    EXPECT_EQ(n.foundBy, FoundByBindMount);
    EXPECT_TRUE(n.pids.empty());
    const std::string where = std::to_string(holder.ns(0, NsType::Mnt).ino) + ":" + target;
    EXPECT_EQ(n.bindMounts, std::vector<std::string>{where});
    EXPECT_EQ(n.owner, NsChild::self(NsType::User));
    EXPECT_TRUE(n.ownerKnown);
}

TEST(ScanRealNamespaces, NamespaceHeldOnlyByABindMountOnTheHost)
{
    REQUIRE_ROOT();
    TempDir dir;
    ASSERT_FALSE(dir.path.empty());
    std::string target = dir.file("uts");
    NsChild owner({NsLevel(CLONE_NEWUTS)});
    ASSERT_EQ(owner.error(), "");
    const NsId uts = owner.ns(0, NsType::Uts);
    std::string from = "/proc/" + std::to_string(owner.pid(0)) + "/ns/uts";
    ASSERT_EQ(::mount(from.c_str(), target.c_str(), nullptr, MS_BIND, nullptr), 0) << std::strerror(errno);
    struct Unmount {
        std::string path;
        ~Unmount() { ::umount2(path.c_str(), MNT_DETACH); }
    } unmount{target};
    owner.kill(0);

    Snapshot s = discover();
    const Namespace n = mustFind(s, uts);
    EXPECT_EQ(n.foundBy, FoundByBindMount);
    EXPECT_TRUE(n.pids.empty());
    const std::string where = std::to_string(NsChild::self(NsType::Mnt).ino) + ":" + target;
    EXPECT_TRUE(std::find(n.bindMounts.begin(), n.bindMounts.end(), where) != n.bindMounts.end());
    EXPECT_EQ(n.owner, NsChild::self(NsType::User));
}

TEST(ScanRealNamespaces, NamespaceHeldOnlyByAnOpenFd)
{
    REQUIRE_ROOT();
    NsChild owner({NsLevel(CLONE_NEWIPC)});
    ASSERT_EQ(owner.error(), "");
    const NsId ipc = owner.ns(0, NsType::Ipc);
    std::string from = "/proc/" + std::to_string(owner.pid(0)) + "/ns/ipc";
    int fd = ::open(from.c_str(), O_RDONLY | O_CLOEXEC);
    ASSERT_GE(fd, 0);
    owner.kill(0);
    Snapshot s = discover();
    ::close(fd);
    const Namespace n = mustFind(s, ipc);
    EXPECT_EQ(n.type, NsType::Ipc);
    EXPECT_EQ(n.foundBy, FoundByFd);
    EXPECT_TRUE(n.pids.empty());
    EXPECT_EQ(n.fdHolders, std::vector<std::string>{std::to_string(::getpid()) + "/" + std::to_string(fd)});
    EXPECT_EQ(n.owner, NsChild::self(NsType::User));
}

TEST(ScanRealNamespaces, LooseThreadInAnotherUtsNamespace)
{
    REQUIRE_ROOT();
    std::mutex m;
    std::condition_variable cv;
    bool ready = false, done = false;
    int err = 0;
    pid_t tid = 0;
    NsId threadUts;
    std::thread t([&] {
        // unshare(CLONE_NEWUTS) in one thread moves only that thread.
        int rc = ::unshare(CLONE_NEWUTS);
        std::unique_lock lock(m);
        err = rc == 0 ? 0 : errno;
        tid = static_cast<pid_t>(::syscall(SYS_gettid));
        threadUts = NsChild::self(NsType::Uts); // /proc/self is the thread group leader...
        std::string path = "/proc/thread-self/ns/uts";
        struct stat st {
        };
        if (::stat(path.c_str(), &st) == 0)
            threadUts = NsId{static_cast<std::uint64_t>(st.st_dev), static_cast<std::uint64_t>(st.st_ino)};
        ready = true;
        cv.notify_all();
        cv.wait(lock, [&] { return done; });
    });
    {
        std::unique_lock lock(m);
        cv.wait(lock, [&] { return ready; });
    }
    auto finish = [&] {
        {
            std::lock_guard lock(m);
            done = true;
        }
        cv.notify_all();
        t.join();
    };
    if (err) {
        finish();
        FAIL() << "unshare(CLONE_NEWUTS) in a thread: " << std::strerror(err);
    }
    DiscoveryOptions o;
    o.tasks = true;
    Snapshot s = discover(o);
    finish();
    auto it = std::find_if(s.looseThreads.begin(), s.looseThreads.end(),
                           [&](const LooseThread &lt) { return lt.tid == tid; });
    ASSERT_NE(it, s.looseThreads.end());
    EXPECT_EQ(it->pid, ::getpid());
    EXPECT_EQ(it->ns[index(NsType::Uts)], threadUts);
    EXPECT_NE(threadUts, NsChild::self(NsType::Uts));
    EXPECT_EQ(it->ns[index(NsType::Net)], NsChild::self(NsType::Net));
    const Namespace n = mustFind(s, threadUts);
    EXPECT_EQ(n.type, NsType::Uts);
    // Without --tasks nothing about it is reported.
    Snapshot plain = discover();
    EXPECT_TRUE(plain.looseThreads.empty());
}

TEST(ScanRealNamespaces, EveryProcessLinkAgreesWithStat)
{
    // Discovery takes inodes from the link text and the device from one stat: check both against
    // a stat of our own links.
    Snapshot s = discover();
    const Process *me = s.findProcess(::getpid());
    ASSERT_TRUE(me);
    EXPECT_TRUE(me->visible);
    for (NsType t : kAllNsTypes) {
        NsId id = NsChild::self(t);
        if (id.valid()) {
            EXPECT_EQ(me->ns[index(t)], id) << nsTypeName(t);
        }
    }
    for (const Namespace &n : s.namespaces)
        EXPECT_EQ(n.id.dev, NsChild::self(NsType::Net).dev);
}
