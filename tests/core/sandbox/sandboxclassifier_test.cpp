// SPDX-License-Identifier: GPL-2.0-or-later
// SandboxClassifier (the kept classifier a live subscription uses) gives exactly what
// classifySandboxes() gives, after every step of a random walk over the engines fixtures and a
// synthetic host: processes appearing (with fresh or shared namespaces, pids reused with a new
// start time), exiting, turning zombie, exec'ing into another program (an engine helper, a
// launcher, something plain), moving namespaces and cgroups, `ip netns` names moving. And what it
// keeps stays bounded by what the last snapshot holds.
#include "core/sandbox/classifier.h"
#include "tests/common/enginesfixture.h"
#include "tests/common/syntheticsnapshot.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <random>
#include <set>
#include <unistd.h>

using namespace nsviz;
namespace fs = std::filesystem;

namespace
{

/// A random walk over a snapshot: each step changes a few processes the way a live host does.
class Walk
{
public:
    Walk(Snapshot start, unsigned seed) : m_s(std::move(start)), m_rng(seed)
    {
        m_templates = m_s.processes; // what an exec or a new process may look like
        for (const Process &p : m_s.processes) {
            m_maxPid = std::max(m_maxPid, p.pid);
            m_clock = std::max(m_clock, p.startTime);
        }
    }

    const Snapshot &snapshot() const { return m_s; }

    void step()
    {
        const unsigned changes = 1 + m_rng() % 4;
        for (unsigned c = 0; c < changes; ++c)
            change();
        std::sort(m_s.processes.begin(), m_s.processes.end(),
                  [](const Process &a, const Process &b) { return a.pid < b.pid; });
    }

private:
    Process &any() { return m_s.processes[m_rng() % m_s.processes.size()]; }
    const Process &anyTemplate() { return m_templates[m_rng() % m_templates.size()]; }
    NsId fresh() { return NsId{m_s.hostNs[0].dev, 4026600000u + m_nextIno++}; }

    void change()
    {
        if (m_s.processes.size() < 4) {
            spawn();
            return;
        }
        switch (m_rng() % 10) {
        case 0:
        case 1:
            spawn();
            break;
        case 2:
            exitOne();
            break;
        case 3: { // exec: another program's comm and argv, same pid and start time
            Process &p = any();
            const Process &t = anyTemplate();
            p.comm = t.comm;
            p.cmdline = t.cmdline;
            break;
        }
        case 4: { // setns/unshare: some namespaces of another process, fresh ones or the host's
            Process &p = any();
            const Process &q = any();
            for (NsType t : kAllNsTypes) {
                if (m_rng() % 3)
                    continue;
                const unsigned how = m_rng() % 3;
                p.ns[index(t)] = how == 0 ? q.ns[index(t)] : how == 1 ? fresh() : m_s.hostNs[index(t)];
            }
            break;
        }
        case 5: // a cgroup migration
            any().cgroup = any().cgroup;
            break;
        case 6: { // zombie, or a pid namespace's init moving (nspid)
            Process &p = any();
            if (m_rng() % 2) {
                p.state = 'Z';
                p.exited = true;
            } else {
                p.nspid = anyTemplate().nspid;
            }
            break;
        }
        case 7: // reparented (its parent exited), or to some other process
            any().ppid = m_rng() % 2 ? 1 : any().pid;
            break;
        case 8: { // an `ip netns` name moves to another net namespace, or goes
            std::vector<Namespace *> nets;
            for (Namespace &n : m_s.namespaces)
                if (n.type == NsType::Net)
                    nets.push_back(&n);
            if (nets.size() >= 2) {
                Namespace *a = nets[m_rng() % nets.size()], *b = nets[m_rng() % nets.size()];
                std::swap(a->bindMounts, b->bindMounts);
                if (m_rng() % 4 == 0)
                    a->bindMounts.clear();
            }
            break;
        }
        default: { // a pid reused at once: the same pid, a new start time, another program
            Process &p = any();
            Process n = anyTemplate();
            n.pid = p.pid;
            n.startTime = ++m_clock;
            n.ppid = any().pid;
            p = n;
            break;
        }
        }
    }

    void spawn()
    {
        Process p = anyTemplate();
        Process &parent = any();
        p.pid = ++m_maxPid;
        p.startTime = ++m_clock;
        p.state = 'S';
        p.exited = false;
        const unsigned how = m_rng() % 3;
        if (how == 0) { // a child in its parent's namespaces (a container's next process)
            p.ppid = parent.pid;
            p.ns = parent.ns;
            p.cgroup = parent.cgroup;
        } else if (how == 1) { // fresh namespaces: a new sandbox, its launcher the parent
            p.ppid = parent.pid;
            for (NsType t : {NsType::Mnt, NsType::Pid, NsType::Net, NsType::Uts})
                p.ns[index(t)] = fresh();
            p.nspid = {p.pid, 1};
        }
        m_s.processes.push_back(std::move(p));
    }

    void exitOne()
    {
        const std::size_t i = m_rng() % m_s.processes.size();
        const int pid = m_s.processes[i].pid;
        m_s.processes.erase(m_s.processes.begin() + static_cast<std::ptrdiff_t>(i));
        if (m_rng() % 2) // the kernel gives the orphans to PID 1 (or leaves them, until read again)
            for (Process &p : m_s.processes)
                if (p.ppid == pid)
                    p.ppid = 1;
    }

    Snapshot m_s;
    std::mt19937 m_rng;
    std::vector<Process> m_templates;
    int m_maxPid = 0;
    std::uint64_t m_clock = 0;
    std::uint64_t m_nextIno = 0;
};

std::size_t distinctCgroups(const Snapshot &s)
{
    std::set<std::string> c;
    for (const Process &p : s.processes)
        c.insert(p.cgroup);
    return c.size();
}

/// Walks @p steps steps from @p start, comparing the kept classifier with a fresh one each time.
void walkAndCompare(const Snapshot &start, const ClassifyOptions &o, unsigned seed, int steps)
{
    SandboxClassifier kept(o);
    Walk walk(start, seed);
    ASSERT_EQ(kept.classify(walk.snapshot()), classifySandboxes(walk.snapshot(), o));
    for (int i = 0; i < steps; ++i) {
        walk.step();
        const Snapshot &s = walk.snapshot();
        ASSERT_EQ(kept.classify(s), classifySandboxes(s, o)) << "seed " << seed << " step " << i;
        EXPECT_LE(kept.cachedCgroups(), distinctCgroups(s));
        EXPECT_LE(kept.cachedFiles(), s.processes.size());
    }
}

} // namespace

TEST(SandboxClassifier, EqualsClassifySandboxesThroughRandomStepsOnTheFakeEnginesHost)
{
    // The fake host's proc tree has a flatpak's /.flatpak-info: files in roots are read (and kept).
    const Snapshot start = test::scanProcEngines();
    ASSERT_FALSE(start.sandboxes.empty());
    ClassifyOptions o;
    o.procRoot = test::procEnginesRoot();
    for (unsigned seed = 1; seed <= 12; ++seed)
        walkAndCompare(start, o, seed, 150);
}

TEST(SandboxClassifier, EqualsClassifySandboxesThroughRandomStepsOnTheRealEnginesSnapshot)
{
    const Snapshot start = test::enginesSnapshot();
    for (unsigned seed = 1; seed <= 12; ++seed)
        walkAndCompare(start, {}, seed, 150);
}

TEST(SandboxClassifier, EqualsClassifySandboxesThroughSyntheticChurn)
{
    testkit::SyntheticHost host(3);
    host.setNested(true);
    for (int i = 0; i < 300; ++i)
        host.start(i % 3 == 0);
    for (int i = 0; i < 100; ++i)
        host.join(host.pids()[host.rng()() % host.size()]);
    SandboxClassifier kept;
    for (int i = 0; i < 200; ++i) {
        host.churn();
        const Snapshot s = host.snapshot();
        ASSERT_EQ(kept.classify(s), classifySandboxes(s)) << "step " << i;
    }
}

TEST(SandboxClassifier, FileReadsFollowTheProcessNotItsPid)
{
    // The flatpak of the fake host is known by its /.flatpak-info. Its init's pid reused by another
    // flatpak (a new start time, another app in that pid's root) must not inherit what was read for
    // the old one; and what the kept classifier holds goes with the processes that are gone.
    const fs::path root = fs::path(NSVIZ_TEST_OUTPUT) / ("sandboxclassifier-" + std::to_string(::getpid()));
    fs::remove_all(root);
    fs::create_directories(root);
    fs::copy(test::procEnginesRoot(), root, fs::copy_options::recursive | fs::copy_options::copy_symlinks);
    Snapshot s = test::scanProcEngines();
    ClassifyOptions o;
    o.procRoot = root.string();
    SandboxClassifier kept(o);
    const std::vector<Sandbox> first = kept.classify(s);
    ASSERT_EQ(first, classifySandboxes(s, o));
    auto flatpak =
        std::find_if(first.begin(), first.end(), [](const Sandbox &b) { return b.engine == "flatpak"; });
    ASSERT_NE(flatpak, first.end());
    EXPECT_EQ(flatpak->name, "org.gnome.Calculator");
    EXPECT_GE(kept.cachedFiles(), 1u);
    ASSERT_TRUE(flatpak->init);
    const int pid = flatpak->init->pid;
    {
        std::ofstream info(root / std::to_string(pid) / "root/.flatpak-info", std::ios::trunc);
        info << "[Application]\nname=org.example.Other\n\n[Instance]\ninstance-id=42\n";
    }
    for (Process &p : s.processes)
        if (p.pid == pid)
            p.startTime += 1000; // a new process with that pid
    const std::vector<Sandbox> second = kept.classify(s);
    EXPECT_EQ(second, classifySandboxes(s, o));
    EXPECT_TRUE(std::any_of(second.begin(), second.end(),
                            [](const Sandbox &b) { return b.name == "org.example.Other"; }));
    // Everything gone: nothing kept.
    s.processes.clear();
    EXPECT_TRUE(kept.classify(s).empty());
    EXPECT_EQ(kept.cachedFiles(), 0u);
    EXPECT_EQ(kept.cachedCgroups(), 0u);
    fs::remove_all(root);
}

TEST(SandboxClassifier, UnsortedAndDuplicatePidsAsClassifySandboxes)
{
    // A hand-made snapshot need not list its processes by pid, nor each pid once.
    Snapshot s = test::enginesSnapshot();
    std::mt19937 rng(5);
    SandboxClassifier kept;
    for (int i = 0; i < 20; ++i) {
        std::shuffle(s.processes.begin(), s.processes.end(), rng);
        if (i % 3 == 0)
            s.processes.push_back(s.processes[rng() % s.processes.size()]);
        ASSERT_EQ(kept.classify(s), classifySandboxes(s)) << "round " << i;
    }
}
