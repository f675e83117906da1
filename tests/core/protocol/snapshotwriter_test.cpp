// SPDX-License-Identifier: GPL-2.0-or-later
// SnapshotWriter must print exactly the document toJson() defines.
#include "core/discovery/discovery.h"
#include "core/model/delta.h"
#include "core/protocol/snapshotjson.h"
#include "core/protocol/snapshotwriter.h"
#include "tests/common/fakensquery.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

using namespace nsviz;
using nlohmann::json;

namespace
{
std::string reference(const Snapshot &s)
{
    return toJson(s).dump(-1, ' ', false, json::error_handler_t::replace);
}

Snapshot awkward()
{
    Snapshot s;
    s.host.hostname = "h\"ost\\";
    s.host.scanMs = 12.25;
    s.host.referenceNote = "tab\there";
    s.host.referenceStartTime = 18446744073709551615u; // the largest a start time can be
    Process p;
    p.pid = 7;
    p.comm = std::string("ctl\x01\x1f\x7f", 5);
    p.cmdline = {"ok",
                 "latin1 \xe9t\xe9",
                 "cut \xe2\x82",
                 "emoji \xf0\x9f\x98\x80",
                 "surrogate \xed\xa0\x80",
                 "lone \x80\xbf end",
                 "overlong \xc0\xaf",
                 "f4 \xf4\x90\x80\x80",
                 "e0 \xe0\x80",
                 "mid \xe2\x82z",
                 "\xf0\x9f\x98",
                 ""};
    p.cgroup = "/a:b/\n";
    p.state = 'S';
    p.nspid = {7, 1};
    p.ns[index(NsType::Net)] = NsId{4, 4026532000};
    p.differsFromHost = 1u << index(NsType::Net);
    p.visible = false;
    s.processes.push_back(p);
    Namespace n;
    n.type = NsType::User;
    n.id = NsId{4, 4026531837};
    n.foundBy = FoundByProcess | FoundByHidden | FoundByFd;
    n.ownerKnown = false;
    n.ownerUid = 65534;
    n.bindMounts = {"4026531841:/run/netns/a b"};
    n.fdHolders = {"7/3"};
    s.namespaces.push_back(n);
    LooseThread t;
    t.pid = 7;
    t.tid = 8;
    t.comm = "th";
    t.ns[index(NsType::Uts)] = NsId{4, 4026532001};
    s.looseThreads.push_back(t);
    s.warnings = {"w\x02"};
    return s;
}
} // namespace

TEST(SnapshotWriter, SameTextAsNlohmannForAwkwardStrings)
{
    Snapshot s = awkward();
    std::string text = SnapshotWriter::write(s);
    EXPECT_EQ(text, reference(s));
    json parsed;
    EXPECT_NO_THROW(parsed = json::parse(text));
}

TEST(SnapshotWriter, SameDocumentForAFixtureScan)
{
    nsviz::test::FakeNsQuery q;
    q.setDefaultOwner(4026531837);
    DiscoveryOptions o;
    o.procRoot = std::string(NSVIZ_TEST_DATA) + "/proc-basic";
    o.tasks = true;
    Snapshot s = discover(o, q);
    std::string text = SnapshotWriter::write(s);
    EXPECT_EQ(text, reference(s));
    EXPECT_TRUE(sameContent(snapshotFromJsonText(text), s));
}

TEST(SnapshotWriter, SameDocumentForALiveScan)
{
    Snapshot s = discover();
    std::string text = SnapshotWriter::write(s);
    // Via text on both sides: a live cmdline may hold invalid UTF-8, which both replace.
    json a = json::parse(text), b = json::parse(reference(s));
    // scan_ms is a double: compare it as a number, everything else exactly.
    EXPECT_DOUBLE_EQ(a["host"]["scan_ms"].get<double>(), b["host"]["scan_ms"].get<double>());
    a["host"].erase("scan_ms");
    b["host"].erase("scan_ms");
    EXPECT_EQ(a, b);
}
