// SPDX-License-Identifier: GPL-2.0-or-later
// Chunked snapshots and deltas, fragments, and the client-side reassembly and sequencing.
#include "core/model/delta.h"
#include "core/protocol/clientsession.h"
#include "core/protocol/deltajson.h"
#include "core/protocol/framewriter.h"
#include "core/protocol/snapshotjson.h"
#include "tests/common/enginesfixture.h"
#include "tests/common/syntheticsnapshot.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

using namespace nsviz;
using namespace nsviz::protocol;
using nlohmann::json;

namespace
{

struct Captured {
    std::vector<std::string> lines;
    std::string all() const
    {
        std::string s;
        for (const auto &l : lines)
            s += l;
        return s;
    }
};

FrameWriter writerInto(Captured &c, std::size_t maxFrame, std::size_t chunk)
{
    return FrameWriter([&c](std::string_view l) { c.lines.emplace_back(l); },
                       FrameWriter::Limits{maxFrame, chunk});
}

template <typename T> std::vector<T> eventsOf(const std::vector<ClientEvent> &ev)
{
    std::vector<T> out;
    for (const auto &e : ev)
        if (auto *x = std::get_if<T>(&e))
            out.push_back(*x);
    return out;
}

bool hasViolation(const std::vector<ClientEvent> &ev, event::Violation::Kind kind)
{
    for (const auto &v : eventsOf<event::Violation>(ev))
        if (v.kind == kind)
            return true;
    return false;
}

// What the client must end up with: the snapshot as it survives the wire (strings sanitised).
Snapshot overTheWire(const Snapshot &s)
{
    return snapshotFromJsonText(dumpFrame(toJson(s)));
}

} // namespace

TEST(FrameWriter, SnapshotIsChunkedUnderTheCapAndReassembled)
{
    testkit::SyntheticHost host(7);
    for (int i = 0; i < 400; ++i)
        host.start(i % 3 == 0);
    Snapshot s = host.snapshot();
    s.warnings = {"one warning"};
    Captured c;
    auto w = writerInto(c, 8192, 4096);
    w.writeSnapshot(5, 0, s);
    ASSERT_GT(c.lines.size(), 20u) << "a 400-process snapshot must need many 4 KiB parts";
    for (std::size_t i = 0; i < c.lines.size(); ++i) {
        ASSERT_LE(c.lines[i].size(), 8192u + 1) << "frame " << i;
        ASSERT_EQ(c.lines[i].back(), '\n');
        json j = json::parse(c.lines[i]);
        EXPECT_EQ(j["v"], 1);
        EXPECT_EQ(j["type"], "snapshot");
        EXPECT_EQ(j["id"], 5);
        EXPECT_EQ(j["part"], i);
        EXPECT_EQ(j["final"], i + 1 == c.lines.size());
    }
    // The first part carries the header and the first processes.
    json first = json::parse(c.lines[0]);
    EXPECT_EQ(first["totals"]["processes"], 400);
    EXPECT_FALSE(first["processes"].empty());

    ClientSession session;
    auto ev = session.feed(c.all());
    auto done = eventsOf<event::SnapshotDone>(ev);
    ASSERT_EQ(done.size(), 1u);
    EXPECT_EQ(done[0].id, 5u);
    EXPECT_EQ(done[0].seq, 0u);
    EXPECT_TRUE(sameContent(done[0].snapshot, overTheWire(s)));
    EXPECT_EQ(done[0].snapshot.warnings, s.warnings);
    // Progress is reported per part and only grows.
    auto progress = eventsOf<event::Progress>(ev);
    ASSERT_EQ(progress.size(), c.lines.size());
    std::size_t last = 0;
    for (const auto &p : progress) {
        EXPECT_GE(p.received, last);
        last = p.received;
        EXPECT_EQ(p.total, s.processes.size() + s.namespaces.size());
    }
    EXPECT_EQ(last, progress.back().total);
    EXPECT_FALSE(session.midMessage());
}

TEST(FrameWriter, ByteByByteFeedGivesTheSameResult)
{
    testkit::SyntheticHost host(3);
    for (int i = 0; i < 40; ++i)
        host.start(i % 2);
    Snapshot s = host.snapshot();
    Captured c;
    auto w = writerInto(c, 2048, 1024);
    w.writeSnapshot(1, 0, s);
    ClientSession session;
    std::vector<event::SnapshotDone> done;
    const std::string all = c.all();
    for (char ch : all) {
        auto d = eventsOf<event::SnapshotDone>(session.feed(std::string_view(&ch, 1)));
        done.insert(done.end(), d.begin(), d.end());
    }
    ASSERT_EQ(done.size(), 1u);
    EXPECT_TRUE(sameContent(done[0].snapshot, overTheWire(s)));
}

TEST(FrameWriter, OversizeElementIsFragmentedAndJoined)
{
    Snapshot s;
    Process p;
    p.pid = 42;
    p.comm = "big";
    // 50 KiB of arguments with multi-byte characters and quotes that double under escaping.
    for (int i = 0; i < 1000; ++i)
        p.cmdline.push_back("\"arg\"\xe2\x9c\x93\\" + std::to_string(i) + std::string(30, 'q'));
    s.processes.push_back(p);
    Captured c;
    auto w = writerInto(c, 1024, 512);
    w.writeSnapshot(9, 0, s);
    ASSERT_GT(c.lines.size(), 50u);
    for (const auto &l : c.lines) {
        ASSERT_LE(l.size(), 1025u);
        json j = json::parse(l); // every fragment is valid JSON by itself (no cut UTF-8)
        EXPECT_EQ(j["type"], "fragment");
        EXPECT_EQ(j["id"], 9);
    }
    ClientSession session;
    auto done = eventsOf<event::SnapshotDone>(session.feed(c.all()));
    ASSERT_EQ(done.size(), 1u);
    ASSERT_EQ(done[0].snapshot.processes.size(), 1u);
    EXPECT_EQ(done[0].snapshot.processes[0].cmdline, p.cmdline);
}

TEST(FrameWriter, InvalidUtf8FromProcIsReplacedNotFatal)
{
    Snapshot s;
    Process p;
    p.pid = 3;
    p.comm = "bad\xff\xfename";
    s.processes.push_back(p);
    Captured c;
    auto w = writerInto(c, kMaxFrameBytes, kDefaultChunkBytes);
    ASSERT_NO_THROW(w.writeSnapshot(1, 0, s));
    ClientSession session;
    auto done = eventsOf<event::SnapshotDone>(session.feed(c.all()));
    ASSERT_EQ(done.size(), 1u);
    EXPECT_EQ(done[0].snapshot.processes[0].comm, "bad\xef\xbf\xbd\xef\xbf\xbdname");
}

TEST(FrameWriter, DeltasRoundTripChunkedAndInOrder)
{
    testkit::SyntheticHost host(11);
    for (int i = 0; i < 50; ++i)
        host.start(i % 2);
    Snapshot base = host.snapshot();
    Captured c;
    auto w = writerInto(c, 4096, 1500);
    w.writeSnapshot(2, 0, base);
    std::vector<Snapshot> truth{base};
    for (std::uint64_t seq = 1; seq <= 30; ++seq) {
        for (int k = 0; k < 5; ++k)
            host.churn();
        Snapshot next = host.snapshot();
        auto d = computeDelta(truth.back(), next);
        d.seq = seq;
        w.writeDelta(2, d);
        truth.push_back(next);
    }
    ClientSession session;
    auto ev = session.feed(c.all());
    ASSERT_FALSE(session.failed());
    auto snaps = eventsOf<event::SnapshotDone>(ev);
    auto deltas = eventsOf<event::Delta>(ev);
    ASSERT_EQ(snaps.size(), 1u);
    ASSERT_EQ(deltas.size(), 30u);
    Snapshot state = snaps[0].snapshot;
    for (std::size_t i = 0; i < deltas.size(); ++i) {
        EXPECT_EQ(deltas[i].delta.seq, i + 1);
        applyDelta(state, deltas[i].delta);
        EXPECT_TRUE(sameContent(state, overTheWire(truth[i + 1]))) << "after delta " << i + 1;
    }
}

TEST(FrameWriter, MemberDeltasRoundTripChunkedAndCostWhatChanged)
{
    // The member-deltas form through the writer and the session: replayed, it gives exactly the
    // whole form's states, and its frames are smaller.
    testkit::SyntheticHost host(23);
    for (int i = 0; i < 200; ++i)
        host.start(i % 3 == 0);
    Snapshot base = host.snapshot();
    Captured compact, whole;
    auto wc = writerInto(compact, 4096, 1500);
    auto ww = writerInto(whole, 4096, 1500);
    wc.writeSnapshot(2, 0, base);
    ww.writeSnapshot(2, 0, base);
    const std::size_t snapshotBytes = compact.all().size();
    std::vector<Snapshot> truth{base};
    std::size_t memberEntries = 0;
    for (std::uint64_t seq = 1; seq <= 30; ++seq) {
        for (int k = 0; k < 3; ++k)
            host.churn();
        Snapshot next = host.snapshot();
        auto d = computeDelta(truth.back(), next);
        d.seq = seq;
        ww.writeDelta(2, d);
        compactDelta(truth.back(), d);
        memberEntries += d.namespaceMembers.size();
        wc.writeDelta(2, d);
        truth.push_back(next);
    }
    EXPECT_GT(memberEntries, 0u) << "the churn never changed only a namespace's members";
    EXPECT_LT(compact.all().size() - snapshotBytes, (whole.all().size() - snapshotBytes) / 2)
        << "member deltas should cost what changed, not whole namespaces";
    ClientSession session;
    auto ev = session.feed(compact.all());
    ASSERT_FALSE(session.failed());
    auto snaps = eventsOf<event::SnapshotDone>(ev);
    auto deltas = eventsOf<event::Delta>(ev);
    ASSERT_EQ(snaps.size(), 1u);
    ASSERT_EQ(deltas.size(), 30u);
    Snapshot state = snaps[0].snapshot;
    std::size_t received = 0;
    for (std::size_t i = 0; i < deltas.size(); ++i) {
        received += deltas[i].delta.namespaceMembers.size();
        ASSERT_NO_THROW(applyDelta(state, deltas[i].delta)) << "delta " << i + 1;
        EXPECT_TRUE(sameContent(state, overTheWire(truth[i + 1]))) << "after delta " << i + 1;
    }
    EXPECT_EQ(received, memberEntries);
}

TEST(FrameWriter, TheLastPartCarriesTheSandboxesAndWarningsAsAJsonObjectWouldDumpThem)
{
    // The trailer is written sandbox by sandbox (no JSON tree of them all): the text must be what
    // dumping one object of those members gives, byte for byte, in snapshots and both delta forms.
    const Snapshot host = test::scanProcEngines();
    ASSERT_GE(host.sandboxes.size(), 3u);
    json sandboxes = json::array();
    for (const Sandbox &b : host.sandboxes)
        sandboxes.push_back(toJson(b));
    auto lastLine = [](const Captured &c) { return c.lines.back(); };
    auto members = [](const json &o) {
        const std::string s = dumpFrame(o);
        return s.substr(1, s.size() - 2);
    };

    Snapshot snap = host;
    snap.warnings = {"one", "two \"quoted\""};
    Captured cs;
    auto ws = writerInto(cs, 1 << 20, 4096);
    ws.writeSnapshot(2, 0, snap);
    EXPECT_NE(lastLine(cs).find(members({{"sandboxes", sandboxes}, {"warnings", snap.warnings}})),
              std::string::npos);

    SnapshotDelta whole;
    whole.seq = 1;
    whole.sandboxes = host.sandboxes;
    whole.warnings = {"w"};
    Captured cw;
    auto ww = writerInto(cw, 1 << 20, 4096);
    ww.writeDelta(2, whole);
    EXPECT_NE(lastLine(cw).find(members({{"sandboxes", sandboxes}, {"warnings", whole.warnings}})),
              std::string::npos);

    SnapshotDelta member;
    member.seq = 2;
    member.changedSandboxes = {host.sandboxes[0], host.sandboxes[1]};
    member.removedSandboxes = {"gone"};
    Captured cm;
    auto wm = writerInto(cm, 1 << 20, 4096);
    wm.writeDelta(2, member);
    const json changed = json::array({toJson(host.sandboxes[0]), toJson(host.sandboxes[1])});
    EXPECT_NE(lastLine(cm).find(members({{"sandboxes_changed", changed},
                                         {"sandboxes_removed", member.removedSandboxes},
                                         {"warnings", json::array()}})),
              std::string::npos);
    // And the client reads them back.
    ClientSession session;
    auto ev = session.feed(cs.all());
    ASSERT_FALSE(session.failed());
    auto snaps = eventsOf<event::SnapshotDone>(ev);
    ASSERT_EQ(snaps.size(), 1u);
    EXPECT_EQ(snaps[0].snapshot.sandboxes.size(), host.sandboxes.size());
    EXPECT_EQ(snaps[0].snapshot.warnings, snap.warnings);
}

TEST(ClientSession, MemberChangesBeyondWhatWasAnnouncedAreAViolation)
{
    Captured c;
    auto w = writerInto(c, 1 << 20, 1 << 16);
    Snapshot s;
    w.writeSnapshot(2, 0, s);
    ClientSession session;
    session.feed(c.all());
    ASSERT_FALSE(session.failed());
    // A whole-form delta announces no "namespace_members" (an older helper's frame): fine.
    auto ok = session.feed(R"({"v":1,"type":"delta","id":2,"seq":1,"part":0,"host":{"hostname":"h"},)"
                           R"("totals":{"added_processes":0,"removed_processes":0,"changed_processes":0,)"
                           R"("added_namespaces":0,"removed_namespaces":0,"changed_namespaces":0,)"
                           R"("loose_threads":0},"warnings":[],"final":true})"
                           "\n");
    ASSERT_EQ(eventsOf<event::Delta>(ok).size(), 1u);
    // Member changes it did not announce break the stream.
    auto bad = session.feed(R"({"v":1,"type":"delta","id":2,"seq":2,"part":0,"host":{"hostname":"h"},)"
                            R"("totals":{"added_processes":0,"removed_processes":0,"changed_processes":0,)"
                            R"("added_namespaces":0,"removed_namespaces":0,"changed_namespaces":0,)"
                            R"("loose_threads":0},"namespace_members":[{"dev":4,"inode":5,"added":[1],)"
                            R"("removed":[]}],"warnings":[],"final":true})"
                            "\n");
    EXPECT_TRUE(hasViolation(bad, event::Violation::Kind::Malformed));
}

TEST(DeltaJson, MemberChangesRoundTripAndMalformedOnesAreRefused)
{
    SnapshotDelta d;
    d.seq = 3;
    d.namespaceMembers = {NsMembers{NsId{4, 77}, {3, 9}, {2}}};
    Sandbox b;
    b.id = "container:x";
    d.changedSandboxes = {b};
    d.removedSandboxes = {"container:y"};
    auto back = deltaFromJson(json::parse(dumpFrame(toJson(d))));
    EXPECT_EQ(back.namespaceMembers, d.namespaceMembers);
    EXPECT_EQ(back.changedSandboxes, d.changedSandboxes);
    EXPECT_EQ(back.removedSandboxes, d.removedSandboxes);
    const std::string head = R"({"seq":1,"host":{"hostname":"h"},)";
    for (const char *bad : {R"("namespace_members":[{"dev":4,"inode":5,"added":[3,2],"removed":[]}]})",
                            R"("namespace_members":[{"dev":4,"inode":5,"added":[0],"removed":[]}]})",
                            R"("namespace_members":[{"dev":4,"inode":5,"added":[1]}]})",
                            R"("namespace_members":[{"dev":4,"inode":0,"added":[],"removed":[]}]})",
                            R"("namespace_members":[{"dev":4,"inode":5,"added":["1"],"removed":[]}]})",
                            R"("sandboxes_removed":[1]})", R"("sandboxes":[],"sandboxes_removed":["a"]})"})
        EXPECT_THROW(deltaFromJson(json::parse(head + bad)), SchemaError) << bad;
}

TEST(DeltaJson, WholeDeltaRoundTrips)
{
    testkit::SyntheticHost host(5);
    for (int i = 0; i < 10; ++i)
        host.start(i % 2);
    Snapshot a = host.snapshot();
    for (int i = 0; i < 20; ++i)
        host.churn();
    Snapshot b = host.snapshot();
    auto d = computeDelta(a, b);
    d.seq = 17;
    d.warnings = {"w"};
    auto back = deltaFromJson(json::parse(dumpFrame(toJson(d))));
    EXPECT_EQ(back.seq, 17u);
    Snapshot x = a, y = a;
    applyDelta(x, d);
    applyDelta(y, back);
    EXPECT_TRUE(sameContent(x, y));
    EXPECT_THROW(deltaFromJson(json::parse(R"({"seq":-1})")), SchemaError);
    EXPECT_THROW(deltaFromJson(json::parse(
                     R"({"seq":1,"host":{"hostname":"h"},"removed_processes":[{"pid":0,"start_time":1}]})")),
                 SchemaError);
    EXPECT_THROW(
        deltaFromJson(json::parse(R"({"seq":1,"host":{"hostname":"h"},"removed_namespaces":[{"dev":1}]})")),
        SchemaError);
}

TEST(ClientSession, DeltaOutOfSequenceIsAViolation)
{
    Snapshot base;
    Captured c;
    auto w = writerInto(c, 4096, 1024);
    w.writeSnapshot(1, 0, base);
    SnapshotDelta d;
    d.seq = 2; // 1 is missing
    w.writeDelta(1, d);
    ClientSession session;
    auto ev = session.feed(c.all());
    EXPECT_EQ(eventsOf<event::SnapshotDone>(ev).size(), 1u);
    EXPECT_TRUE(hasViolation(ev, event::Violation::Kind::Malformed));
    EXPECT_TRUE(session.failed());
    // A failed session ignores the rest.
    EXPECT_TRUE(session.feed(c.all()).empty());
}

TEST(ClientSession, DeltaWithoutSnapshotIsAViolation)
{
    Captured c;
    auto w = writerInto(c, 4096, 1024);
    SnapshotDelta d;
    d.seq = 1;
    w.writeDelta(3, d);
    ClientSession session;
    EXPECT_TRUE(hasViolation(session.feed(c.all()), event::Violation::Kind::Malformed));
}

TEST(ClientSession, TruncatedStreamIsReported)
{
    testkit::SyntheticHost host(2);
    for (int i = 0; i < 100; ++i)
        host.start(false);
    Captured c;
    auto w = writerInto(c, 4096, 1024);
    w.writeSnapshot(1, 0, host.snapshot());
    ASSERT_GT(c.lines.size(), 3u);
    {
        // Cut after two whole parts: no snapshot, and finish() says truncated.
        ClientSession session;
        auto ev = session.feed(c.lines[0] + c.lines[1]);
        EXPECT_TRUE(eventsOf<event::SnapshotDone>(ev).empty());
        EXPECT_TRUE(session.midMessage());
        EXPECT_TRUE(hasViolation(session.finish(), event::Violation::Kind::Truncated));
    }
    {
        // Cut inside a line.
        ClientSession session;
        session.feed(c.lines[0].substr(0, 100));
        EXPECT_TRUE(hasViolation(session.finish(), event::Violation::Kind::Truncated));
    }
    {
        ClientSession session;
        session.feed(c.all());
        EXPECT_TRUE(session.finish().empty());
    }
}

TEST(ClientSession, GarbageAndOtherVersionsAreMismatches)
{
    for (std::string bad : {"Password: \n", "{\"v\":2,\"type\":\"hello\",\"id\":1}\n", "[1,2,3]\n",
                            "{\"type\":\"hello\",\"id\":1}\n", "\xff\xfe\n",
                            "{\"v\":1,\"type\":\"hello\",\"id\":1,\"protocol\":2}\n"}) {
        ClientSession session;
        EXPECT_TRUE(hasViolation(session.feed(bad), event::Violation::Kind::Mismatch)) << bad;
    }
}

TEST(ClientSession, MalformedFramesAreViolations)
{
    const char *cases[] = {
        // part 1 without part 0
        R"({"v":1,"type":"snapshot","id":1,"seq":0,"part":1,"final":true})",
        // more elements than announced
        R"({"v":1,"type":"snapshot","id":1,"seq":0,"part":0,"host":{"hostname":"h"},"totals":{"processes":0,"namespaces":0,"loose_threads":0},"processes":[{"pid":1,"comm":"x","ns":{}}],"final":true})",
        // fewer than announced
        R"({"v":1,"type":"snapshot","id":1,"seq":0,"part":0,"host":{"hostname":"h"},"totals":{"processes":2,"namespaces":0,"loose_threads":0},"processes":[{"pid":1,"comm":"x","ns":{}}],"final":true})",
        // a broken element
        R"({"v":1,"type":"snapshot","id":1,"seq":0,"part":0,"host":{"hostname":"h"},"totals":{"processes":1,"namespaces":0,"loose_threads":0},"processes":[{"pid":-1,"comm":"x","ns":{}}],"final":true})",
        // duplicate pid
        R"({"v":1,"type":"snapshot","id":1,"seq":0,"part":0,"host":{"hostname":"h"},"totals":{"processes":2,"namespaces":0,"loose_threads":0},"processes":[{"pid":1,"comm":"x","ns":{}},{"pid":1,"comm":"y","ns":{}}],"final":true})",
        // absurd totals
        R"({"v":1,"type":"snapshot","id":1,"seq":0,"part":0,"host":{"hostname":"h"},"totals":{"processes":18446744073709551615,"namespaces":0,"loose_threads":0},"final":false})",
        // fragment with wrong field types
        R"({"v":1,"type":"fragment","id":1,"more":"yes","text":"x"})",
        // error without code
        R"({"v":1,"type":"error","id":1,"message":"m"})",
        // negative id
        R"({"v":1,"type":"bye","id":-1})",
    };
    for (const char *c : cases) {
        ClientSession session;
        auto ev = session.feed(std::string(c) + "\n");
        EXPECT_EQ(eventsOf<event::Violation>(ev).size(), 1u) << c;
    }
}

TEST(ClientSession, ErrorMidSnapshotAbortsItCleanly)
{
    Captured c;
    auto w = writerInto(c, 4096, 1024);
    testkit::SyntheticHost host(4);
    for (int i = 0; i < 100; ++i)
        host.start(false);
    w.writeSnapshot(1, 0, host.snapshot());
    ClientSession session;
    session.feed(c.lines[0]);
    auto ev = session.feed(dumpFrame(errorFrame(1, err::ScanFailed, "proc went away")) + "\n");
    auto errors = eventsOf<event::Error>(ev);
    ASSERT_EQ(errors.size(), 1u);
    EXPECT_EQ(errors[0].code, "scan_failed");
    EXPECT_FALSE(session.failed());
    EXPECT_FALSE(session.midMessage());
    // The next snapshot is fine.
    auto done = eventsOf<event::SnapshotDone>(session.feed(c.all()));
    EXPECT_EQ(done.size(), 1u);
}

TEST(ClientSession, RepliesAndHelloAreDelivered)
{
    ClientSession session;
    auto ev = session.feed(
        R"({"v":1,"type":"hello","id":1,"protocol":1,"helper_version":"0.1.0","kernel":"6.1","privileged":true,"capabilities":["scan",5]})"
        "\n"
        R"({"v":1,"type":"result","id":2,"request":"inspect","result":{"pid":5}})"
        "\n"
        R"({"v":1,"type":"bye","id":3})"
        "\n");
    auto hello = eventsOf<event::Hello>(ev);
    ASSERT_EQ(hello.size(), 1u);
    EXPECT_TRUE(hello[0].privileged);
    EXPECT_EQ(hello[0].capabilities, std::vector<std::string>{"scan"});
    auto replies = eventsOf<event::Reply>(ev);
    ASSERT_EQ(replies.size(), 1u);
    EXPECT_EQ(replies[0].type, "result");
    EXPECT_EQ(json::parse(replies[0].text)["result"]["pid"], 5);
    EXPECT_EQ(eventsOf<event::Bye>(ev).size(), 1u);
}

TEST(ClientSession, OversizeFrameIsTooLarge)
{
    ClientSession::Limits lim;
    lim.maxLineBytes = 1000;
    ClientSession session(lim);
    EXPECT_TRUE(hasViolation(session.feed(std::string(5000, ' ') + "\n"), event::Violation::Kind::TooLarge));
}
