// SPDX-License-Identifier: GPL-2.0-or-later
// findHostSharing() takes the host reference from the snapshot, i.e. discovery's choice, on each
// fixture tree: PID 1 readable, PID 1 unreadable (kthreadd), neither (no reference, a clear note).
#include "core/discovery/discovery.h"
#include "core/discovery/hostreference.h"
#include "core/inspect/findings.h"
#include "tests/common/fakensquery.h"

#include <gtest/gtest.h>

using namespace nsviz;
using nlohmann::json;
using nsviz::test::FakeNsQuery;

namespace
{
const std::string kData = NSVIZ_TEST_DATA;

Snapshot scan(const std::string &tree)
{
    FakeNsQuery q;
    q.setDefaultOwner(4026531837);
    DiscoveryOptions o;
    o.procRoot = kData + "/" + tree;
    return discover(o, q);
}
} // namespace

TEST(FindingsReference, IsDiscoverysOnEveryFixture)
{
    for (const char *tree : {"proc-basic", "proc-kthreadd", "proc-noref"}) {
        const Snapshot s = scan(tree);
        const json f = findHostSharing(s, kData + "/" + tree);
        const json &ref = f["reference"];
        EXPECT_EQ(ref["pid"], s.host.referencePid) << tree;
        EXPECT_EQ(ref["startTime"], s.host.referenceStartTime) << tree;
        EXPECT_EQ(ref["comm"], s.host.referenceComm) << tree;
        EXPECT_EQ(ref["note"], s.host.referenceNote) << tree;
    }
}

TEST(FindingsReference, KthreaddFallback)
{
    const Snapshot s = scan("proc-kthreadd");
    const json f = findHostSharing(s, kData + "/proc-kthreadd");
    EXPECT_EQ(f["reference"]["pid"], 2);
    EXPECT_EQ(f["reference"]["startTime"], s.findProcess(2)->startTime);
    const std::string text = findingsToText(f);
    EXPECT_NE(text.find("host reference: pid 2 (kthreadd)"), std::string::npos) << text;
    EXPECT_NE(text.find("kthreadd (pid 2), which always lives in the initial namespaces"), std::string::npos)
        << text;
}

TEST(FindingsReference, NoReferenceSaysSoAndFindsNothing)
{
    const Snapshot s = scan("proc-noref");
    const json f = findHostSharing(s, kData + "/proc-noref");
    EXPECT_EQ(f["reference"]["pid"], 0);
    EXPECT_TRUE(f["containers"].empty());
    const std::string text = findingsToText(f);
    EXPECT_NE(text.find("host reference: none"), std::string::npos) << text;
    EXPECT_NE(text.find("note: neither PID 1 nor kthreadd (pid 2) could be read"), std::string::npos) << text;
    EXPECT_NE(text.find("the host reference's namespaces are unknown"), std::string::npos) << text;
}
