// SPDX-License-Identifier: GPL-2.0-or-later
// `nsviz-helper diff` and `findings` compare with exactly the host reference `scan` reports, on each
// fixture tree (PID 1 readable; PID 1 unreadable -> kthreadd; neither -> none) and on the live host.
#include "tests/common/commandrunner.h"

#include <algorithm>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <unistd.h>

using nlohmann::json;
using nsviz::test::CommandRunner;
using nsviz::test::helper;

namespace
{
const std::string kData = NSVIZ_TEST_DATA;

json jsonOf(const CommandRunner::Result &r)
{
    json j = json::parse(r.out, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << r.out << r.err;
    return j;
}

/// The host object of `scan --json` over @p procRoot (empty for the live /proc).
json scannedHost(const std::string &procRoot)
{
    std::vector<std::string> args = {"scan", "--json"};
    if (!procRoot.empty())
        args.insert(args.end(), {"--proc", procRoot});
    auto r = helper(args);
    EXPECT_EQ(r.exitCode, 0) << r.err;
    return jsonOf(r)["host"];
}

void expectReference(const json &reference, const json &host, const std::string &where)
{
    EXPECT_EQ(reference["pid"], host["reference_pid"]) << where;
    EXPECT_EQ(reference["startTime"], host["reference_start_time"]) << where;
    EXPECT_EQ(reference["comm"], host["reference_comm"]) << where;
    EXPECT_EQ(reference["note"], host["reference_note"]) << where;
}
} // namespace

TEST(DiffCli, ReferenceIsScansOnFixtures)
{
    struct Case {
        const char *tree;
        const char *pid; // A
        int reference;
    };
    for (const Case &c : {Case{"proc-basic", "200", 1}, Case{"proc-kthreadd", "50", 2}}) {
        const std::string root = kData + "/" + c.tree;
        const json host = scannedHost(root);
        ASSERT_EQ(host["reference_pid"], c.reference) << c.tree;
        ASSERT_NE(host["reference_start_time"], 0u) << c.tree;

        auto r = helper({"diff", c.pid, "--proc", root, "--json"});
        json d = jsonOf(r);
        ASSERT_TRUE(d.contains("reference")) << r.out << r.err;
        expectReference(d["reference"], host, c.tree);
        EXPECT_EQ(d["b"]["pid"], c.reference) << c.tree;
        EXPECT_EQ(d["b"]["hostReference"], true) << c.tree << ": " << d["b"].dump();
        const bool noted =
            std::find(d["notes"].begin(), d["notes"].end(), host["reference_note"]) != d["notes"].end();
        EXPECT_EQ(noted, c.reference != 1) << c.tree << ": " << d["notes"].dump(); // why not PID 1

        auto f = helper({"findings", "--proc", root, "--json"});
        EXPECT_EQ(f.exitCode, 0) << f.err;
        expectReference(jsonOf(f)["reference"], host, std::string(c.tree) + " findings");
    }
}

TEST(DiffCli, NoReferenceIsAClearError)
{
    const std::string root = kData + "/proc-noref";
    const json host = scannedHost(root);
    ASSERT_EQ(host["reference_pid"], 0);
    auto r = helper({"diff", "60", "--proc", root});
    EXPECT_EQ(r.exitCode, 1);
    EXPECT_TRUE(r.out.empty()) << r.out;
    EXPECT_NE(r.err.find("no host reference to compare with"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find(host["reference_note"].get<std::string>()), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("--against"), std::string::npos) << r.err;

    // Naming B needs no reference.
    auto against = helper({"diff", "61", "--against", "60", "--proc", root, "--json"});
    json d = jsonOf(against);
    EXPECT_EQ(d["b"]["pid"], 60);
    EXPECT_EQ(d["b"]["hostReference"], false);
    EXPECT_FALSE(d.contains("reference"));

    auto f = helper({"findings", "--proc", root, "--json"});
    EXPECT_EQ(f.exitCode, 0) << f.err;
    json fj = jsonOf(f);
    expectReference(fj["reference"], host, "findings");
    EXPECT_TRUE(fj["containers"].empty());
}

TEST(DiffCli, LiveReferenceIsScans)
{
    // On the development VM PID 1 cannot be inspected even by root: kthreadd is the reference there.
    const json host = scannedHost("");
    if (host["reference_pid"] == 0)
        GTEST_SKIP() << "no host reference readable here: " << host["reference_note"];
    auto r = helper({"diff", std::to_string(::getpid()), "--json"});
    EXPECT_EQ(r.exitCode, 0) << r.err;
    json d = jsonOf(r);
    expectReference(d["reference"], host, "live");
    EXPECT_EQ(d["b"]["pid"], host["reference_pid"]);
    EXPECT_EQ(d["b"]["hostReference"], true);
}
