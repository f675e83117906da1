// SPDX-License-Identifier: GPL-2.0-or-later
// compareSnapshots on hand-made snapshots: what appeared, disappeared and moved; sandboxes when
// both sides list them, a note when not; the text form shows no raw control characters.
#include "core/inspect/compare.h"
#include "core/model/textsafe.h"
#include "tests/common/syntheticsnapshot.h"

#include <gtest/gtest.h>

using namespace nsviz;
using nlohmann::json;

namespace
{
const json *findPid(const json &list, int pid)
{
    for (const auto &p : list)
        if (p["pid"] == pid)
            return &p;
    return nullptr;
}

struct Pair {
    Snapshot a, b;
    int gonePid = 0, newPid = 0, movedPid = 0;
    NsId movedTo;
};

Pair makePair()
{
    testkit::SyntheticHost host(3);
    std::vector<int> pids;
    for (int i = 0; i < 8; ++i)
        pids.push_back(host.start(false));
    Pair p;
    p.a = host.snapshot();
    p.gonePid = pids[3];
    host.stop(p.gonePid);
    p.newPid = host.start(true); // fresh net and uts
    p.b = host.snapshot();
    // pids[5] enters a fresh net namespace (setns/unshare keep the pid and start time).
    p.movedPid = pids[5];
    p.movedTo = NsId{4, 4026560001u};
    for (auto &proc : p.b.processes)
        if (proc.pid == p.movedPid)
            proc.ns[index(NsType::Net)] = p.movedTo;
    Namespace n;
    n.type = NsType::Net;
    n.id = p.movedTo;
    n.pids = {p.movedPid};
    n.foundBy = FoundByProcess;
    p.b.namespaces.push_back(n);
    return p;
}
} // namespace

TEST(Compare, AppearedDisappearedMoved)
{
    Pair p = makePair();
    json c = compareSnapshots(p.a, p.b, "before.json", "rec@end");
    EXPECT_EQ(c["schema"], kCompareSchema);
    EXPECT_EQ(c["a"]["label"], "before.json");
    EXPECT_EQ(c["b"]["label"], "rec@end");
    ASSERT_EQ(c["processes"]["appeared"].size(), 1u);
    const json &fresh = c["processes"]["appeared"][0];
    EXPECT_EQ(fresh["pid"], p.newPid);
    EXPECT_EQ(fresh["new_namespaces"], json({"net", "uts"}));
    ASSERT_EQ(c["processes"]["disappeared"].size(), 1u);
    EXPECT_EQ(c["processes"]["disappeared"][0]["pid"], p.gonePid);
    ASSERT_EQ(c["processes"]["moved"].size(), 1u);
    const json &moved = c["processes"]["moved"][0];
    EXPECT_EQ(moved["pid"], p.movedPid);
    ASSERT_EQ(moved["changes"].size(), 1u);
    EXPECT_EQ(moved["changes"][0]["type"], "net");
    EXPECT_EQ(moved["changes"][0]["to"]["inode"], p.movedTo.ino);
    EXPECT_EQ(moved["changes"][0]["to_new"], true);
    // New namespaces: the new process's net and uts, and the moved one's net.
    EXPECT_EQ(c["namespaces"]["appeared"].size(), 3u);
    EXPECT_EQ(c["namespaces"]["disappeared"].size(), 0u);
    EXPECT_EQ(c["summary"]["processes_moved"], 1);
    EXPECT_TRUE(c["sandboxes"].is_null());
    EXPECT_NE(c["notes"].dump().find("neither snapshot lists them"), std::string::npos);

    // Compared with itself: nothing.
    json same = compareSnapshots(p.a, p.a, "a", "a");
    for (const char *k : {"appeared", "disappeared", "moved"})
        EXPECT_TRUE(same["processes"][k].empty()) << k;
    EXPECT_TRUE(same["namespaces"]["appeared"].empty());
}

TEST(Compare, ReusedPidIsOneGoneAndOneNew)
{
    Pair p = makePair();
    Snapshot b = p.a;
    b.processes[2].startTime += 1000; // same pid, another process
    json c = compareSnapshots(p.a, b, "a", "b");
    ASSERT_EQ(c["processes"]["appeared"].size(), 1u);
    ASSERT_EQ(c["processes"]["disappeared"].size(), 1u);
    EXPECT_EQ(c["processes"]["appeared"][0]["pid"], c["processes"]["disappeared"][0]["pid"]);
    EXPECT_TRUE(c["processes"]["moved"].empty());
}

TEST(Compare, UnreadableLinkIsNotAMove)
{
    Pair p = makePair();
    Snapshot b = p.a;
    b.processes[1].ns[index(NsType::Mnt)] = NsId{};
    json c = compareSnapshots(p.a, b, "a", "b");
    EXPECT_TRUE(c["processes"]["moved"].empty());
}

TEST(Compare, SandboxesWhenBothSidesListThem)
{
    Pair p = makePair();
    json sa = json::array({
        {{"id", "docker:aaa"},
         {"engine", "docker"},
         {"name", "web"},
         {"processes", {{{"pid", 10}, {"start_time", 5}}}}},
        {{"id", "unshare:net:4:99"}, {"engine", "unshare"}, {"processes", json::array()}},
        {{"no_id", true}},
    });
    json sb = json::array({
        {{"id", "docker:aaa"},
         {"engine", "docker"},
         {"name", "web"},
         {"processes", {{{"pid", 10}, {"start_time", 5}}, {{"pid", 11}, {"start_time", 6}}}}},
        {{"id", "podman:bbb"}, {"engine", "podman"}, {"processes", {{{"pid", 20}, {"start_time", 9}}}}},
    });
    json c = compareSnapshots(p.a, p.b, "a", "b", &sa, &sb);
    ASSERT_TRUE(c["sandboxes"].is_object());
    ASSERT_EQ(c["sandboxes"]["appeared"].size(), 1u);
    EXPECT_EQ(c["sandboxes"]["appeared"][0]["id"], "podman:bbb");
    ASSERT_EQ(c["sandboxes"]["disappeared"].size(), 1u);
    EXPECT_EQ(c["sandboxes"]["disappeared"][0]["id"], "unshare:net:4:99");
    ASSERT_EQ(c["sandboxes"]["changed"].size(), 1u);
    EXPECT_EQ(c["sandboxes"]["changed"][0]["joined"], json::parse(R"([{"pid":11,"start_time":6}])"));
    EXPECT_TRUE(c["sandboxes"]["changed"][0]["left"].empty());
    EXPECT_NE(c["notes"].dump().find("without an id"), std::string::npos);
    EXPECT_EQ(c["summary"]["sandboxes_appeared"], 1);

    json one = compareSnapshots(p.a, p.b, "a", "b", &sa, nullptr);
    EXPECT_TRUE(one["sandboxes"].is_null());
    EXPECT_NE(one["notes"].dump().find("B does not list them"), std::string::npos);
    EXPECT_NE(compareToText(c).find("+ podman:bbb"), std::string::npos) << compareToText(c);
}

TEST(Compare, TextIsTerminalSafeAndDifferentBootsAreNoted)
{
    Pair p = makePair();
    for (auto &proc : p.b.processes)
        if (proc.pid == p.newPid) {
            proc.comm = "evil\x1b]0;owned\x07";
            proc.cmdline = {"x\x1b[2J", "\xe2\x80\xae"
                                        "gnp.exe"};
        }
    p.b.host.hostname = "h\x1b[31m";
    p.a.host.bootId = "one";
    p.b.host.bootId = "two";
    json c = compareSnapshots(p.a, p.b, "a\x1b", "b", nullptr, nullptr);
    std::string text = compareToText(c);
    EXPECT_TRUE(isTerminalSafe(text.substr(0, 0)));
    for (char ch : text)
        EXPECT_TRUE(ch == '\n' || static_cast<unsigned char>(ch) >= 0x20) << "raw control in: " << text;
    EXPECT_EQ(text.find("\xe2\x80\xae"), std::string::npos) << "bidi override kept raw";
    EXPECT_NE(text.find("evil\\x1b]0;owned\\x07"), std::string::npos) << text;
    EXPECT_NE(text.find("different boots"), std::string::npos) << text;
    // JSON keeps the exact names.
    EXPECT_EQ((*findPid(c["processes"]["appeared"], p.newPid))["comm"], "evil\x1b]0;owned\x07");
}

TEST(Compare, ReusedInodeIsOneNamespaceGoneAndAnotherNew)
{
    // The kernel hands the inode of an ended namespace to the next one: same key, nothing in common.
    Pair p = makePair();
    Snapshot b = p.a;
    // Process 4 leaves for good; a new process lives in a namespace with process 4's old uts inode.
    Snapshot a = p.a;
    const NsId isolated{4, 4026570000u};
    a.processes[4].ns[index(NsType::Uts)] = isolated;
    Namespace old;
    old.type = NsType::Uts;
    old.id = isolated;
    old.pids = {a.processes[4].pid};
    old.foundBy = FoundByProcess;
    a.namespaces.push_back(old);
    std::sort(a.namespaces.begin(), a.namespaces.end(), [](const Namespace &x, const Namespace &y) {
        return std::pair(index(x.type), x.id) < std::pair(index(y.type), y.id);
    });
    b = a;
    const int oldPid = b.processes[4].pid;
    b.processes.erase(b.processes.begin() + 4);
    Process fresh = a.processes[4];
    fresh.pid = 9999;
    fresh.startTime = 123456;
    b.processes.push_back(fresh); // pid 9999 now in uts `isolated`
    for (auto &n : b.namespaces)
        if (n.id == isolated && n.type == NsType::Uts)
            n.pids = {9999};
        else
            n.pids.erase(std::remove(n.pids.begin(), n.pids.end(), oldPid), n.pids.end());
    json c = compareSnapshots(a, b, "a", "b");
    auto hasUts = [&](const json &list) {
        for (const auto &n : list)
            if (n["type"] == "uts" && n["inode"] == isolated.ino)
                return n["reused_inode"] == true;
        return false;
    };
    EXPECT_TRUE(hasUts(c["namespaces"]["appeared"])) << c["namespaces"].dump(1);
    EXPECT_TRUE(hasUts(c["namespaces"]["disappeared"])) << c["namespaces"].dump(1);
    const json *n = findPid(c["processes"]["appeared"], 9999);
    ASSERT_NE(n, nullptr);
    EXPECT_NE((*n)["new_namespaces"].dump().find("uts"), std::string::npos);

    // A namespace whose processes stay is the same one, whatever else joins or leaves.
    json same = compareSnapshots(a, a, "a", "a");
    EXPECT_TRUE(same["namespaces"]["appeared"].empty());
}
