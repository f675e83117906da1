// SPDX-License-Identifier: GPL-2.0-or-later
// File → Record: the recording holds exactly what the window showed after each change (deltas
// from the transport and a resync snapshot turned into a delta), in sequence, with an end line.
#include "app/models/redactiongate.h"
#include "app/models/snapshotstore.h"
#include "app/window/session.h"
#include "core/protocol/recording.h"
#include "tests/app/faketransport.h"
#include "tests/common/syntheticsnapshot.h"

#include <QFile>
#include <QTest>
#include <gtest/gtest.h>
#include <unistd.h>

using namespace nsviz;

TEST(SessionRecording, RecordsWhatTheWindowShows)
{
    const QString path = QStringLiteral(NSVIZ_TEST_OUTPUT "/session_recording_%1.ndjson").arg(::getpid());
    SnapshotStore store;
    Session session(&store);
    testutil::FakeTransport *fake = nullptr;
    session.setTransportFactory([&](bool, QObject *parent) {
        fake = new testutil::FakeTransport(parent);
        return fake;
    });
    QString error;
    EXPECT_FALSE(session.startRecording(path, &error)) << "nothing live yet";
    EXPECT_TRUE(error.contains(QStringLiteral("nothing live")));

    session.connectLive(false);
    ASSERT_NE(fake, nullptr);
    testkit::SyntheticHost host(5);
    for (int i = 0; i < 10; ++i)
        host.start(i % 2);
    Snapshot cur = host.snapshot();
    Q_EMIT fake->snapshotReceived(cur);
    ASSERT_FALSE(store.isEmpty());
    ASSERT_TRUE(session.startRecording(path, &error)) << error.toStdString();
    EXPECT_TRUE(session.isRecording());
    std::vector<Snapshot> shown{store.snapshot()};
    std::uint64_t seq = 0;
    for (int i = 0; i < 12; ++i) {
        host.churn();
        Snapshot next = host.snapshot();
        if (i == 6) {
            // A resync: a full snapshot of the same host, applied as a delta.
            Q_EMIT fake->snapshotReceived(next);
        } else {
            SnapshotDelta d = computeDelta(cur, next);
            d.seq = ++seq;
            Q_EMIT fake->deltaReceived(d);
        }
        cur = next;
        if (!sameContent(store.snapshot(), shown.back()))
            shown.push_back(store.snapshot());
    }
    session.stopRecording();
    EXPECT_FALSE(session.isRecording());

    Recording r = Recording::load(path.toStdString());
    EXPECT_EQ(r.header().source, "nsviz");
    EXPECT_EQ(r.header().host, "synthetic");
    EXPECT_EQ(r.endReason(), RecordingEnd::Stopped);
    ASSERT_EQ(r.frames().size(), shown.size());
    for (std::size_t i = 0; i < shown.size(); ++i)
        EXPECT_TRUE(sameContent(r.atFrame(i), shown[i])) << "frame " << i;

    // Going elsewhere ends a recording: the new one stops when the live connection does.
    ASSERT_TRUE(session.startRecording(path, &error)) << error.toStdString();
    session.disconnectLive();
    EXPECT_FALSE(session.isRecording());
    EXPECT_EQ(Recording::load(path.toStdString()).endReason(), RecordingEnd::SourceEnded);
    ::unlink(path.toLocal8Bit().constData());
}

TEST(SessionRecording, RedactNamesCoversTheRecording)
{
    const QString path = QStringLiteral(NSVIZ_TEST_OUTPUT "/session_recording_red_%1.ndjson").arg(::getpid());
    SnapshotStore store;
    Session session(&store);
    testutil::FakeTransport *fake = nullptr;
    session.setTransportFactory([&](bool, QObject *parent) {
        fake = new testutil::FakeTransport(parent);
        return fake;
    });
    session.connectLive(false);
    ASSERT_NE(fake, nullptr);
    testkit::SyntheticHost host(5);
    for (int i = 0; i < 8; ++i)
        host.start(i % 2);
    // Every frame names the host and carries a secret argument on a process.
    const auto named = [](Snapshot s) {
        s.host.hostname = "zebra-host-4711.example.net";
        s.processes.front().cmdline = {"/usr/bin/secretd", "--token=ULTRASECRETTOKEN",
                                       "--listen=203.0.113.77"};
        return s;
    };
    Snapshot cur = named(host.snapshot());
    Q_EMIT fake->snapshotReceived(cur);
    ASSERT_FALSE(store.isEmpty());
    ASSERT_TRUE(store.redaction());
    store.redaction()->setEnabled(true);
    QString error;
    ASSERT_TRUE(session.startRecording(path, &error)) << error.toStdString();
    for (int i = 0; i < 6; ++i) {
        host.churn();
        Snapshot next = named(host.snapshot());
        SnapshotDelta d = computeDelta(cur, next);
        d.seq = static_cast<std::uint64_t>(i + 1);
        Q_EMIT fake->deltaReceived(d);
        cur = next;
        if (i == 3)
            store.redaction()->setEnabled(false); // a file begun redacted stays redacted
    }
    session.stopRecording();

    QFile f(path);
    ASSERT_TRUE(f.open(QIODevice::ReadOnly));
    const QString text = QString::fromUtf8(f.readAll());
    for (const char *secret : {"zebra-host-4711", "ULTRASECRETTOKEN", "203.0.113.77"})
        EXPECT_FALSE(text.contains(QLatin1String(secret))) << secret;
    // Still a recording that replays: every frame, and the churn is in it.
    Recording r = Recording::load(path.toStdString());
    EXPECT_EQ(r.endReason(), RecordingEnd::Stopped);
    ASSERT_GT(r.frames().size(), 1u);
    EXPECT_EQ(r.atFrame(0).host.hostname, "host");
    EXPECT_FALSE(sameContent(r.atFrame(0), r.atFrame(r.frames().size() - 1)));
    ::unlink(path.toLocal8Bit().constData());
}
