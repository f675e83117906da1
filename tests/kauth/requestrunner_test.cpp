// SPDX-License-Identifier: GPL-2.0-or-later
// Frame production of the KAuth helper, without a bus: order, ids, chunking, stop and expiry.
#include "requestrunner.h"

#include "snapshotjson.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <thread>
#include <unistd.h>

using namespace nsviz::kauth;
using nlohmann::json;

namespace {

struct Collected {
    std::vector<json> frames;
    std::vector<std::size_t> sizes;
};

RequestRunner::Outcome runCollect(const KAuthRequest &req, Collected &c, const RequestRunner::StopCheck &stop,
                                  const RequestRunner::FrameSink &extra = {})
{
    RequestRunner runner;
    return runner.run(
        req,
        [&](const std::string &f) {
            c.sizes.push_back(f.size());
            c.frames.push_back(json::parse(f));
            return extra ? extra(f) : true;
        },
        stop, [](int ms) { std::this_thread::sleep_for(std::chrono::milliseconds(ms)); });
}

std::string joinChunks(const std::vector<json> &frames, const std::string &type, std::uint64_t seq)
{
    std::string text;
    std::uint64_t next = 0;
    for (const json &f : frames) {
        if (f["type"] != type || f["seq"] != seq)
            continue;
        EXPECT_EQ(f["chunk"].get<std::uint64_t>(), next);
        ++next;
        text += f["data"].get<std::string>();
    }
    if (!frames.empty() && next > 0) {
        EXPECT_EQ(next, frames.front()["chunks"].get<std::uint64_t>());
    }
    return text;
}

} // namespace

TEST(SplitUtf8, NeverCutsACodePointAndKeepsEverything)
{
    std::string text;
    for (int i = 0; i < 500; ++i)
        text += "a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80"; // a, é, €, 😀
    for (std::size_t max : {4u, 5u, 7u, 64u, 1000u}) {
        const auto parts = splitUtf8(text, max);
        std::string joined;
        for (const auto &p : parts) {
            EXPECT_LE(p.size(), max);
            EXPECT_FALSE(p.empty());
            // a part never starts with a continuation byte
            EXPECT_NE(static_cast<unsigned char>(p[0]) & 0xC0, 0x80);
            joined += p;
        }
        EXPECT_EQ(joined, text);
    }
    EXPECT_EQ(splitUtf8("", 10).size(), 1u);
}

TEST(RequestRunner, SnapshotIsChunkedWithIdAndReassembles)
{
    KAuthRequest req;
    req.id = 123456789;
    req.chunkBytes = kMinChunkBytes;
    Collected c;
    auto out = runCollect(req, c, [] { return false; });
    EXPECT_EQ(out.status, RequestRunner::Status::Done);
    ASSERT_FALSE(c.frames.empty());
    EXPECT_EQ(out.frames, c.frames.size());
    for (std::size_t i = 0; i < c.frames.size(); ++i) {
        const json &f = c.frames[i];
        EXPECT_EQ(f["v"], 1);
        EXPECT_EQ(f["type"], "snapshot");
        EXPECT_EQ(f["id"], 123456789u);
        EXPECT_EQ(f["seq"], 0u);
        EXPECT_EQ(f["chunk"], i);
        EXPECT_EQ(f["chunks"], c.frames.size());
        EXPECT_LE(f["data"].get<std::string>().size(), static_cast<std::size_t>(kMinChunkBytes));
        EXPECT_LT(c.sizes[i], static_cast<std::size_t>(kMinChunkBytes) * 7); // JSON escaping at worst \u00XX
    }
    const nsviz::Snapshot s = nsviz::snapshotFromJsonText(joinChunks(c.frames, "snapshot", 0));
    EXPECT_EQ(s.host.procRoot, "/proc");
}

TEST(RequestRunner, SubscribeStreamsDeltasInOrderUntilStopped)
{
    KAuthRequest req;
    req.id = 5;
    req.subscribe = true;
    req.intervalMs = kMinIntervalMs;
    Collected c;
    int deltas = 0;
    auto out = runCollect(req, c, [&] { return deltas >= 3; },
                          [&](const std::string &f) {
                              if (json::parse(f)["type"] == "delta")
                                  ++deltas;
                              return true;
                          });
    EXPECT_EQ(out.status, RequestRunner::Status::Cancelled);
    EXPECT_EQ(deltas, 3);
    std::uint64_t lastSeq = 0;
    bool sawSnapshot = false;
    for (const json &f : c.frames) {
        EXPECT_EQ(f["id"], 5u);
        if (f["type"] == "snapshot") {
            EXPECT_EQ(f["seq"], 0u);
            sawSnapshot = true;
        } else {
            ASSERT_EQ(f["type"], "delta");
            EXPECT_TRUE(sawSnapshot) << "a delta before the snapshot";
            const auto seq = f["seq"].get<std::uint64_t>();
            EXPECT_EQ(seq, lastSeq + 1);
            lastSeq = seq;
            const json d = json::parse(joinChunks({f}, "delta", seq));
            EXPECT_EQ(d["seq"], seq);
            EXPECT_TRUE(d.contains("added_processes"));
        }
    }
    EXPECT_EQ(lastSeq, 3u);
}

TEST(RequestRunner, SubscriptionExpires)
{
    KAuthRequest req;
    req.id = 6;
    req.subscribe = true;
    req.intervalMs = kMinIntervalMs;
    req.maxDurationMs = kMinDurationMs;
    Collected c;
    auto out = runCollect(req, c, [] { return false; });
    EXPECT_EQ(out.status, RequestRunner::Status::Expired);
    EXPECT_GE(c.frames.size(), 2u); // snapshot and at least one delta
}

TEST(RequestRunner, SinkRefusalEndsTheStream)
{
    KAuthRequest req;
    req.id = 8;
    req.subscribe = true;
    req.intervalMs = kMinIntervalMs;
    Collected c;
    auto out = runCollect(req, c, [] { return false; }, [](const std::string &) { return false; });
    EXPECT_EQ(out.status, RequestRunner::Status::Cancelled);
    EXPECT_EQ(c.frames.size(), 1u);
    EXPECT_EQ(out.frames, 0u); // the refused frame is not counted as delivered
}

TEST(RequestRunner, DemoIsUnsupportedWithAnErrorFrame)
{
    for (Verb v : {Verb::DemoStart, Verb::DemoStop}) {
        KAuthRequest req;
        req.verb = v;
        req.id = 99;
        Collected c;
        auto out = runCollect(req, c, [] { return false; });
        EXPECT_EQ(out.status, RequestRunner::Status::Failed);
        EXPECT_EQ(out.errorCode, "unsupported");
        ASSERT_EQ(c.frames.size(), 1u);
        EXPECT_EQ(c.frames[0]["type"], "error");
        EXPECT_EQ(c.frames[0]["id"], 99u);
        EXPECT_EQ(c.frames[0]["code"], "unsupported");
    }
}

TEST(RequestRunner, InspectAnswersWithItsIdEitherWay)
{
    // Whatever inspect can read of our own process, the answer is one frame carrying the id:
    // an "inspect" frame, or an "error" frame when the inspector cannot serve it.
    KAuthRequest req;
    req.verb = Verb::Inspect;
    req.id = 31;
    req.pid = static_cast<int>(::getpid());
    Collected c;
    auto out = runCollect(req, c, [] { return false; });
    ASSERT_EQ(c.frames.size(), 1u);
    EXPECT_EQ(c.frames[0]["id"], 31u);
    if (out.status == RequestRunner::Status::Done) {
        EXPECT_EQ(c.frames[0]["type"], "inspect");
        EXPECT_EQ(c.frames[0]["pid"], req.pid);
    } else {
        EXPECT_EQ(c.frames[0]["type"], "error");
        EXPECT_FALSE(out.message.empty());
    }
}
