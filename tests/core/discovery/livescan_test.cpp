// SPDX-License-Identifier: GPL-2.0-or-later
// LiveScan over a copy of a fixture tree that the test changes the way processes do (exec into
// another namespace, exit, setns without any event, a new pid nobody told about): after each
// update or sweep, the kept state equals discover() of the same tree, and an update reads only
// what it was told (plus the children of an exited process).
#include "core/discovery/discovery.h"
#include "core/discovery/hierarchycache.h"
#include "core/discovery/livescan.h"
#include "core/model/delta.h"
#include "tests/common/fakensquery.h"

#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <unistd.h>

using namespace nsviz;
using nsviz::test::FakeNsQuery;
namespace fs = std::filesystem;

namespace
{
constexpr std::uint64_t kHostUser = 4026531837, kBoxUser = 4026532405, kBoxNet = 4026532402,
                        kOtherUts = 4026532990;

class LiveScanFixture : public ::testing::Test
{
protected:
    void SetUp() override
    {
        m_root = fs::path(NSVIZ_TEST_OUTPUT) / ("livescan-" + std::to_string(::getpid()));
        fs::remove_all(m_root);
        fs::copy(fs::path(NSVIZ_TEST_DATA) / "proc-basic", m_root,
                 fs::copy_options::recursive | fs::copy_options::copy_symlinks);
        m_query = std::make_shared<FakeNsQuery>();
        m_query->setDefaultOwner(kHostUser);
        m_query->add(kBoxUser, {NsType::User, kHostUser, 0, kHostUser, 0, 100000});
        m_query->add(kBoxNet, {NsType::Net, kBoxUser, 0, 0, EPERM, 0});
        m_opts.procRoot = m_root.string();
    }
    void TearDown() override { fs::remove_all(m_root); }

    /// discover() of the tree as it is now, with nothing kept from earlier scans.
    Snapshot fresh()
    {
        FakeNsQuery q = *m_query;
        DiscoveryOptions o = m_opts;
        o.hierarchyCache.reset();
        o.bindMountCache.reset();
        return discover(o, q);
    }
    void relink(int pid, const std::string &type, const std::string &target)
    {
        fs::path link = m_root / std::to_string(pid) / "ns" / type;
        fs::remove(link);
        fs::create_symlink(target, link);
    }
    static void expectSame(const Snapshot &got, const Snapshot &want, const char *when)
    {
        EXPECT_TRUE(sameContent(got, want)) << when;
        EXPECT_EQ(got.processes.size(), want.processes.size()) << when;
        EXPECT_EQ(got.namespaces.size(), want.namespaces.size()) << when;
        EXPECT_EQ(got.warnings, want.warnings) << when;
    }

    fs::path m_root;
    std::shared_ptr<FakeNsQuery> m_query;
    DiscoveryOptions m_opts;
};
} // namespace

TEST_F(LiveScanFixture, UpdatesAndSweepsEqualAFreshScan)
{
    auto cache = std::make_shared<HierarchyCache>();
    m_opts.hierarchyCache = cache;
    LiveScan live(m_opts, m_query);
    Snapshot first = live.full();
    expectSame(first, fresh(), "first scan");
    const std::uint64_t afterFull = live.processReads();

    // "exec" into the box's net namespace: the event names pid 100, only it is read again.
    relink(100, "net", "net:[" + std::to_string(kBoxNet) + "]");
    Snapshot s = live.update({100});
    EXPECT_EQ(live.processReads(), afterFull + 1);
    expectSame(s, fresh(), "after pid 100 exec'd into another net namespace");
    EXPECT_EQ(s.findProcess(100)->ns[index(NsType::Net)].ino, kBoxNet);

    // The box's init exits: it is dropped, and its child (reparented) is read again with it.
    fs::remove_all(m_root / "200");
    const std::uint64_t before = live.processReads();
    s = live.update({200});
    EXPECT_EQ(live.processReads(), before + 2) << "pid 200 and its child 201";
    expectSame(s, fresh(), "after pid 200 exited");
    EXPECT_EQ(s.findProcess(200), nullptr);

    // setns without exec: no event; an update of other pids does not see it, a sweep does.
    relink(101, "uts", "uts:[" + std::to_string(kOtherUts) + "]");
    s = live.update({});
    EXPECT_FALSE(sameContent(s, fresh())) << "nothing told LiveScan about pid 101";
    LiveScan::SweepStats st;
    s = live.sweep(&st);
    expectSame(s, fresh(), "after a sweep found pid 101 in another uts namespace");
    // Pid 101, and the fixture's 105, which has no stat (no process to keep: read each sweep).
    EXPECT_EQ(st.reread, 2u);
    EXPECT_EQ(st.removed, 0u);

    // A fork whose event was lost, and an exit whose event was lost: the sweep finds both.
    fs::copy(m_root / "104", m_root / "106", fs::copy_options::recursive | fs::copy_options::copy_symlinks);
    {
        std::ifstream in(m_root / "104" / "stat");
        std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        text.replace(0, 3, "106");
        std::ofstream(m_root / "106" / "stat") << text;
    }
    fs::remove_all(m_root / "102");
    s = live.sweep(&st);
    expectSame(s, fresh(), "after a sweep found a new pid 106 and pid 102 gone");
    EXPECT_NE(s.findProcess(106), nullptr);
    EXPECT_EQ(s.findProcess(102), nullptr);
    EXPECT_EQ(st.removed, 1u);
    EXPECT_EQ(m_query->openHandles(), 0);
    // The namespaces that lived on were not asked about again (hidden ancestors included).
    EXPECT_GT(cache->hits, 0u);
}

TEST_F(LiveScanFixture, ANamespaceWhoseProcessesAllChangedIsAskedAgain)
{
    // Same inode, but none of the processes that were in it is in it now: it may be a new
    // namespace that reuses the inode, so its owner is asked again, not taken from the cache.
    auto cache = std::make_shared<HierarchyCache>();
    m_opts.hierarchyCache = cache;
    LiveScan live(m_opts, m_query);
    live.full();
    constexpr std::uint64_t kReusedOwner = 4026532999;
    m_query->add(kReusedOwner, {NsType::User, kHostUser, 0, kHostUser, 0, 2000});
    m_query->add(kBoxNet, {NsType::Net, kReusedOwner, 0, 0, EPERM, 0});
    fs::remove_all(m_root / "200");
    fs::remove_all(m_root / "201");
    relink(101, "net", "net:[" + std::to_string(kBoxNet) + "]");
    Snapshot s = live.update({200, 201, 101});
    expectSame(s, fresh(), "after the box net namespace's inode came back with another owner");
    ASSERT_NE(s.findNamespace(NsId{FakeNsQuery::kDev, kBoxNet}), nullptr);
    EXPECT_EQ(s.findNamespace(NsId{FakeNsQuery::kDev, kBoxNet})->owner->ino, kReusedOwner);
}

TEST_F(LiveScanFixture, UpdateOfAVanishedUnknownPidChangesNothing)
{
    LiveScan live(m_opts, m_query);
    Snapshot first = live.full();
    Snapshot s = live.update({99999, -4, 0});
    expectSame(s, first, "an event about a pid that is already gone");
}
