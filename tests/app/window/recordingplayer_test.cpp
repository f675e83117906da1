// SPDX-License-Identifier: GPL-2.0-or-later
// Opening a recording: the views show the host at the moment chosen (frame 0 first), step and
// seek land on exactly the recorded states, play runs to the end, and the main window's timeline
// follows and drives the player.
#include "app/models/snapshotstore.h"
#include "app/window/mainwindow.h"
#include "app/window/recordingplayer.h"
#include "app/window/session.h"
#include "app/window/timelinebar.h"
#include "core/protocol/recording.h"
#include "tests/common/syntheticsnapshot.h"

#include <QLabel>
#include <QSignalSpy>
#include <QSlider>
#include <QTest>
#include <QToolButton>
#include <gtest/gtest.h>
#include <unistd.h>

using namespace nsviz;

namespace
{
/// A recording of a synthetic host: one delta every 100 ms; returns the state after each frame.
std::vector<Snapshot> writeRecording(const std::string &path, int deltas)
{
    testkit::SyntheticHost host(11);
    for (int i = 0; i < 8; ++i)
        host.start(i % 2);
    RecordingWriter w(path);
    w.writeHeader({"test", "synthetic", 100, 1700000000000u});
    std::vector<Snapshot> states{host.snapshot()};
    w.writeSnapshot(0, states.back());
    std::uint64_t seq = 0;
    while (static_cast<int>(seq) < deltas) {
        host.churn();
        Snapshot next = host.snapshot();
        if (sameContent(next, states.back()))
            continue;
        SnapshotDelta d = computeDelta(states.back(), next);
        d.seq = ++seq;
        w.writeDelta(100 * static_cast<std::int64_t>(seq), d);
        states.push_back(next);
    }
    w.end(100 * deltas, RecordingEnd::Stopped);
    return states;
}
} // namespace

TEST(RecordingPlayer, OpenStepSeekPlayAndTheTimeline)
{
    const std::string path =
        std::string(NSVIZ_TEST_OUTPUT) + "/player_" + std::to_string(::getpid()) + ".ndjson";
    const auto states = writeRecording(path, 8);
    MainWindow win;
    win.setInteractive(false);
    Session *session = win.session();
    QSignalSpy opened(session, &Session::fileOpened);
    session->openFile(QString::fromStdString(path));
    ASSERT_TRUE(QTest::qWaitFor([&] { return !opened.isEmpty(); }, 20000)) << win.lastError().toStdString();
    RecordingPlayer *player = session->player();
    ASSERT_NE(player, nullptr);
    EXPECT_EQ(player->frameCount(), states.size());
    auto shown = [&] { return player->recording().atFrame(player->frame()); };
    EXPECT_EQ(player->frame(), 0u);
    EXPECT_TRUE(sameContent(shown(), states[0]));
    EXPECT_FALSE(win.timeline()->isHidden());

    player->stepForward();
    EXPECT_EQ(player->frame(), 1u);
    player->seekMs(550); // the last change at or before 0.55 s
    EXPECT_EQ(player->frame(), 5u);
    player->stepBack();
    EXPECT_EQ(player->frame(), 4u);
    EXPECT_EQ(win.timeline()->slider()->value(), 400);
    EXPECT_TRUE(win.timeline()->label()->text().contains(QStringLiteral("change 4 of 8")))
        << win.timeline()->label()->text().toStdString();

    // Dragging the slider picks a moment.
    win.timeline()->slider()->setValue(720);
    EXPECT_EQ(player->frame(), 7u);

    // Play runs to the end and stops there.
    player->seekFrame(0);
    QSignalSpy playing(player, &RecordingPlayer::playingChanged);
    win.timeline()->playButton()->click();
    EXPECT_TRUE(player->playing());
    ASSERT_TRUE(QTest::qWaitFor([&] { return !player->playing(); }, 20000));
    EXPECT_EQ(player->frame(), states.size() - 1);
    EXPECT_GE(playing.count(), 2);

    // Every frame the views were given is the recorded one: the store gets exactly atFrame(i).
    for (std::size_t i = 0; i < states.size(); ++i) {
        player->seekFrame(static_cast<int>(i));
        EXPECT_TRUE(sameContent(shown(), states[i])) << "frame " << i;
    }
    // A failed open leaves the recording as it was; a snapshot file opened closes it and hides
    // the timeline.
    QSignalSpy failed(session, &Session::fileFailed);
    session->openFile(QStringLiteral(NSVIZ_TEST_DATA "/does-not-exist.json"));
    ASSERT_TRUE(QTest::qWaitFor([&] { return !failed.isEmpty(); }, 20000));
    EXPECT_NE(session->player(), nullptr);
    session->openFile(QStringLiteral(NSVIZ_TEST_DATA "/snapshots/host-small.json"));
    ASSERT_TRUE(QTest::qWaitFor([&] { return opened.count() == 2; }, 20000));
    EXPECT_EQ(session->player(), nullptr);
    EXPECT_TRUE(win.timeline()->isHidden());
    ::unlink(path.c_str());
}

TEST(RecordingPlayer, StoreFollowsThePlayer)
{
    const std::string path =
        std::string(NSVIZ_TEST_OUTPUT) + "/player_store_" + std::to_string(::getpid()) + ".ndjson";
    const auto states = writeRecording(path, 6);
    auto rec = std::make_shared<const Recording>(Recording::load(path));
    SnapshotStore store;
    RecordingPlayer player(rec, &store);
    EXPECT_TRUE(sameContent(store.snapshot(), states[0]));
    for (std::size_t i : {3u, 1u, 6u, 0u, 5u}) {
        player.seekFrame(static_cast<int>(i));
        EXPECT_TRUE(sameContent(store.snapshot(), states[i])) << "frame " << i;
    }
    player.seekMs(-5);
    EXPECT_EQ(player.frame(), 0u);
    player.seekMs(1'000'000);
    EXPECT_EQ(player.frame(), states.size() - 1);
    ::unlink(path.c_str());
}
