// SPDX-License-Identifier: GPL-2.0-or-later
// Recordings: written frame by frame, read back to any moment; every prefix of a recording (a
// writer killed anywhere) reads up to its last complete frame; broken files are refused clearly.
#include "core/protocol/recording.h"
#include "tests/common/syntheticsnapshot.h"

#include <fstream>
#include <gtest/gtest.h>
#include <sstream>
#include <sys/stat.h>

using namespace nsviz;

namespace
{
std::string outPath(const std::string &name)
{
    return std::string(NSVIZ_TEST_OUTPUT) + "/recording_" + name + "_" + std::to_string(::getpid()) +
           ".ndjson";
}

std::string slurp(const std::string &path)
{
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

/// Writes a synthetic recording: the snapshots it holds after each frame are returned.
std::vector<Snapshot> writeSynthetic(const std::string &path, int deltas, std::uint64_t maxBytes = 0)
{
    testkit::SyntheticHost host(7);
    for (int i = 0; i < 12; ++i)
        host.start(i % 3 == 0);
    std::vector<Snapshot> states;
    RecordingWriter w(path, maxBytes);
    EXPECT_TRUE(w.writeHeader({"test", "synthetic", 100, 1700000000000u}));
    Snapshot s = host.snapshot();
    EXPECT_TRUE(w.writeSnapshot(0, s));
    states.push_back(s);
    std::uint64_t seq = 0;
    for (int i = 0; i < deltas; ++i) {
        host.churn();
        Snapshot next = host.snapshot();
        if (sameContent(states.back(), next))
            continue;
        SnapshotDelta d = computeDelta(states.back(), next);
        d.seq = ++seq;
        if (!w.writeDelta(100 * static_cast<std::int64_t>(seq), d))
            break;
        Snapshot applied = states.back();
        applyDelta(applied, d);
        states.push_back(applied);
    }
    w.end(100 * static_cast<std::int64_t>(seq), w.full() ? RecordingEnd::MaxBytes : RecordingEnd::Duration);
    return states;
}
} // namespace

TEST(Recording, ReplaysEveryFrameExactly)
{
    const std::string path = outPath("replay");
    auto states = writeSynthetic(path, 140); // more than twice the checkpoint stride (64)
    Recording r = Recording::load(path);
    ASSERT_EQ(r.frames().size(), states.size());
    EXPECT_EQ(r.header().host, "synthetic");
    EXPECT_EQ(r.header().intervalMs, 100);
    EXPECT_EQ(r.endReason(), RecordingEnd::Duration);
    EXPECT_EQ(r.ignoredTailBytes(), 0u);
    for (std::size_t i = 0; i < states.size(); ++i) {
        Snapshot got = r.atFrame(i);
        ASSERT_TRUE(sameContent(got, states[i])) << "frame " << i;
        EXPECT_EQ(got.host.scannedAtMs, states[i].host.scannedAtMs) << "frame " << i;
        // The moment of a frame gives that frame; just before it, the one before.
        EXPECT_EQ(r.frameAt(r.frames()[i].tMs), i);
        if (i > 0) {
            EXPECT_TRUE(sameContent(r.at(r.frames()[i].tMs - 1), states[i - 1])) << "frame " << i;
        }
    }
    EXPECT_TRUE(sameContent(r.at(1'000'000), states.back()));
    EXPECT_THROW(r.atFrame(states.size()), RecordingError);
    struct stat st {
    };
    ASSERT_EQ(::stat(path.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u) << "a recording holds command lines";
    ::unlink(path.c_str());
}

TEST(Recording, EveryPrefixReadsUpToItsLastCompleteFrame)
{
    // A writer killed at any byte leaves a prefix of the file: it must read up to the last whole
    // line, and each frame it has must be the frame the full recording has.
    const std::string path = outPath("prefix");
    auto states = writeSynthetic(path, 30);
    const std::string text = slurp(path);
    ::unlink(path.c_str());
    std::vector<std::size_t> lineEnds;
    for (std::size_t i = 0; i < text.size(); ++i)
        if (text[i] == '\n')
            lineEnds.push_back(i + 1);
    ASSERT_GE(lineEnds.size(), 4u);
    // Cut points: inside the header, inside the snapshot, around every line end, inside each delta.
    std::vector<std::size_t> cuts = {0, 1, lineEnds[0] - 1, lineEnds[0], lineEnds[0] + 3, lineEnds[1] - 1};
    for (std::size_t k = 1; k < lineEnds.size(); ++k) {
        cuts.push_back(lineEnds[k]);
        cuts.push_back(lineEnds[k] - 1);
        cuts.push_back((lineEnds[k - 1] + lineEnds[k]) / 2);
    }
    for (std::size_t cut : cuts) {
        std::string prefix = text.substr(0, cut);
        std::size_t complete = 0;
        for (std::size_t e : lineEnds)
            complete += e <= cut;
        // Line 1 is the header, line 2 the snapshot: without both, there is nothing to show.
        if (complete < 2) {
            EXPECT_THROW(Recording::parse(prefix), RecordingError) << "cut at " << cut;
            continue;
        }
        Recording r = Recording::parse(prefix);
        const std::size_t frames = std::min(complete - 1, states.size());
        ASSERT_EQ(r.frames().size(), frames) << "cut at " << cut;
        EXPECT_EQ(r.ignoredTailBytes(), cut - (complete ? lineEnds[complete - 1] : 0));
        EXPECT_TRUE(sameContent(r.atFrame(frames - 1), states[frames - 1])) << "cut at " << cut;
        EXPECT_EQ(r.endReason(), complete == lineEnds.size() ? RecordingEnd::Duration : RecordingEnd::None);
    }
}

TEST(Recording, LastsUntilItsEndLineNotItsLastFrame)
{
    // A quiet host: a snapshot, one delta at 5 s, and the recorder stopped at 60 s. The host at
    // 30 s is known (the state after 5 s), so the recording lasts 60 s, not 5.
    testkit::SyntheticHost host(3);
    host.start(true);
    const std::string path = outPath("quiet");
    RecordingWriter w(path);
    ASSERT_TRUE(w.writeHeader({"test", "quiet", 1000, 1700000000000u}));
    const Snapshot a = host.snapshot();
    ASSERT_TRUE(w.writeSnapshot(0, a));
    host.start(true);
    const Snapshot b = host.snapshot();
    SnapshotDelta d = computeDelta(a, b);
    d.seq = 1;
    ASSERT_TRUE(w.writeDelta(5000, d));
    w.end(60000, RecordingEnd::Stopped);
    const std::string text = slurp(path);
    ::unlink(path.c_str());

    Recording r = Recording::parse(text);
    EXPECT_EQ(r.durationMs(), 60000);
    EXPECT_TRUE(sameContent(r.at(30000), b));
    // Without its end line (the writer is at work, or was killed) it lasts until its last frame.
    Recording cut = Recording::parse(text.substr(0, text.rfind('\n', text.size() - 2) + 1));
    EXPECT_EQ(cut.endReason(), RecordingEnd::None);
    EXPECT_EQ(cut.durationMs(), 5000);
}

TEST(Recording, MaxBytesStopsBeforeTheLimitAndKeepsRoomForTheEnd)
{
    const std::string path = outPath("max");
    // The header and the snapshot first, then a few deltas' worth.
    auto probe = writeSynthetic(path, 0);
    const auto base = slurp(path).size();
    const std::uint64_t limit = base + 12000;
    auto states = writeSynthetic(path, 500, limit);
    const std::string text = slurp(path);
    EXPECT_LE(text.size(), limit);
    Recording r = Recording::parse(text);
    EXPECT_EQ(r.endReason(), RecordingEnd::MaxBytes);
    EXPECT_EQ(r.frames().size(), states.size());
    EXPECT_LT(states.size(), 500u);
    EXPECT_GT(states.size(), 1u);
    EXPECT_TRUE(sameContent(r.atFrame(r.frames().size() - 1), states.back()));
    // A snapshot that cannot fit is refused, not cut.
    RecordingWriter tiny(path, 300);
    EXPECT_TRUE(tiny.writeHeader({"test", "h", 100, 1}) || tiny.full());
    EXPECT_FALSE(tiny.writeSnapshot(0, probe.front()));
    EXPECT_TRUE(tiny.full());
    EXPECT_THROW(RecordingWriter(path, RecordingWriter::kEndReserve), RecordingError);
    ::unlink(path.c_str());
}

TEST(Recording, BrokenFilesAreRefusedWithTheLine)
{
    const std::string path = outPath("broken");
    writeSynthetic(path, 10);
    const std::string text = slurp(path);
    ::unlink(path.c_str());
    std::vector<std::string> lines;
    std::stringstream ss(text);
    for (std::string l; std::getline(ss, l);)
        lines.push_back(l);
    ASSERT_GE(lines.size(), 5u);
    auto join = [](const std::vector<std::string> &ls) {
        std::string t;
        for (const auto &l : ls)
            t += l + "\n";
        return t;
    };
    auto expectRefused = [](const std::string &t, const std::string &needle) {
        try {
            Recording::parse(t, "rec");
            ADD_FAILURE() << "accepted: " << needle;
        } catch (const RecordingError &e) {
            EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
        }
    };
    expectRefused("", "no complete line");
    expectRefused("{\"v\":1}\n", "not an nsviz recording");
    expectRefused("{\"schema\":\"nsviz.recording/2\"}\n", "is not supported");
    expectRefused("not json\n", "line 1: not JSON");
    // A delta missing (seq gap).
    auto gap = lines;
    gap.erase(gap.begin() + 3);
    expectRefused(join(gap), "line 4: delta seq");
    // Two snapshots; a delta first; garbage in the middle; a frame after the end.
    auto two = lines;
    two.insert(two.begin() + 2, lines[1]);
    expectRefused(join(two), "a second snapshot");
    auto deltaFirst = lines;
    deltaFirst.erase(deltaFirst.begin() + 1);
    expectRefused(join(deltaFirst), "a delta before the snapshot");
    auto garbage = lines;
    garbage[3] = "{\"t_ms\":5,\"delta\":{\"seq\":2,\"added_processes\":[{\"pid\":\"x\"}]}}";
    expectRefused(join(garbage), "line 4");
    auto after = lines;
    after.push_back(lines[3]);
    expectRefused(join(after), "after the end line");
    auto backwards = lines;
    backwards[3] = nlohmann::json::parse(lines[3]).dump();
    auto j = nlohmann::json::parse(lines[3]);
    j["t_ms"] = -1;
    backwards[3] = j.dump();
    expectRefused(join(backwards), "non-negative");
}

TEST(Recording, MomentSpecs)
{
    auto m = parseMomentSpec("rec.ndjson@12.5");
    EXPECT_EQ(m.path, "rec.ndjson");
    EXPECT_TRUE(m.hasMoment);
    EXPECT_FALSE(m.atEnd);
    EXPECT_EQ(m.ms, 12500);
    m = parseMomentSpec("/tmp/a@b/rec@end");
    EXPECT_EQ(m.path, "/tmp/a@b/rec");
    EXPECT_TRUE(m.atEnd);
    m = parseMomentSpec("user@host/snap.json"); // not a moment: a path with an @ in it
    EXPECT_FALSE(m.hasMoment);
    EXPECT_EQ(m.path, "user@host/snap.json");
    m = parseMomentSpec("snap.json");
    EXPECT_FALSE(m.hasMoment);
    m = parseMomentSpec("r@0");
    EXPECT_TRUE(m.hasMoment);
    EXPECT_EQ(m.ms, 0);
    EXPECT_THROW(parseMomentSpec("rec@"), RecordingError);
    EXPECT_THROW(parseMomentSpec("rec@-3"), RecordingError);
    EXPECT_THROW(parseMomentSpec("rec@1e400"), RecordingError);
    EXPECT_THROW(parseMomentSpec("rec@1.2.3"), RecordingError);
    EXPECT_THROW(parseMomentSpec("@5"), RecordingError);
    EXPECT_TRUE(looksLikeRecording("{\"schema\":\"nsviz.recording/1\"}\n{..."));
    EXPECT_FALSE(looksLikeRecording("{\"schema\":\"nsviz.snapshot/1\",\"processes\":[]}"));
    EXPECT_FALSE(looksLikeRecording("garbage"));
}
