// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
// Plays a recording (nsviz.recording/1) into the snapshot store: every view shows the host as it
// was at the chosen moment. Play, pause, step, seek.

#include "core/protocol/recording.h"

#include <QObject>
#include <QTimer>
#include <memory>

namespace nsviz
{

class SnapshotStore;

class RecordingPlayer : public QObject
{
    Q_OBJECT
public:
    RecordingPlayer(std::shared_ptr<const Recording> recording, SnapshotStore *store,
                    QObject *parent = nullptr);

    const Recording &recording() const { return *m_recording; }
    std::size_t frame() const { return m_frame; }
    std::size_t frameCount() const { return m_recording->frames().size(); }
    qint64 positionMs() const { return m_recording->frames()[m_frame].tMs; }
    qint64 durationMs() const { return m_recording->durationMs(); }
    bool playing() const { return m_timer.isActive(); }
    /// Longest wait between two frames while playing: a quiet hour plays in seconds.
    static constexpr int kMaxGapMs = 1500;

public Q_SLOTS:
    void seekFrame(int index);
    /// The host as it was at @p ms from the start (the last frame at or before it).
    void seekMs(qint64 ms);
    void stepForward();
    void stepBack();
    void play();
    void pause();
    void togglePlay();

Q_SIGNALS:
    void positionChanged();
    void playingChanged(bool playing);

private:
    void show(std::size_t index);
    void scheduleNext();

    std::shared_ptr<const Recording> m_recording;
    SnapshotStore *m_store;
    std::size_t m_frame = 0;
    QTimer m_timer;
};

} // namespace nsviz
