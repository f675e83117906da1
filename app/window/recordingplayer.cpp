// SPDX-License-Identifier: GPL-2.0-or-later
#include "app/window/recordingplayer.h"

#include "app/models/snapshotstore.h"

#include <algorithm>

namespace nsviz
{

RecordingPlayer::RecordingPlayer(std::shared_ptr<const Recording> recording, SnapshotStore *store,
                                 QObject *parent)
    : QObject(parent), m_recording(std::move(recording)), m_store(store)
{
    m_timer.setSingleShot(true);
    connect(&m_timer, &QTimer::timeout, this, [this]() {
        if (m_frame + 1 < frameCount()) {
            show(m_frame + 1);
            scheduleNext();
        }
        if (!m_timer.isActive())
            Q_EMIT playingChanged(false);
    });
    m_store->setSnapshot(m_recording->atFrame(0));
}

void RecordingPlayer::show(std::size_t index)
{
    index = std::min(index, frameCount() - 1);
    const Snapshot target = m_recording->atFrame(index);
    // As a delta against what is shown: the models update rows and the picture stays put.
    if (m_store->isEmpty() || !m_store->applyDelta(computeDelta(m_store->snapshot(), target)))
        m_store->setSnapshot(target);
    m_frame = index;
    Q_EMIT positionChanged();
}

void RecordingPlayer::scheduleNext()
{
    if (m_frame + 1 >= frameCount())
        return;
    const auto &f = m_recording->frames();
    const qint64 gap = f[m_frame + 1].tMs - f[m_frame].tMs;
    m_timer.start(static_cast<int>(std::clamp<qint64>(gap, 0, kMaxGapMs)));
}

void RecordingPlayer::seekFrame(int index)
{
    show(static_cast<std::size_t>(std::max(index, 0)));
    if (playing())
        scheduleNext();
}

void RecordingPlayer::seekMs(qint64 ms)
{
    seekFrame(static_cast<int>(m_recording->frameAt(std::max<qint64>(ms, 0))));
}

void RecordingPlayer::stepForward()
{
    pause();
    if (m_frame + 1 < frameCount())
        show(m_frame + 1);
}

void RecordingPlayer::stepBack()
{
    pause();
    if (m_frame > 0)
        show(m_frame - 1);
}

void RecordingPlayer::play()
{
    if (playing() || frameCount() < 2)
        return;
    if (m_frame + 1 >= frameCount())
        show(0); // from the start again
    scheduleNext();
    Q_EMIT playingChanged(true);
}

void RecordingPlayer::pause()
{
    if (!playing())
        return;
    m_timer.stop();
    Q_EMIT playingChanged(false);
}

void RecordingPlayer::togglePlay()
{
    playing() ? pause() : play();
}

} // namespace nsviz
