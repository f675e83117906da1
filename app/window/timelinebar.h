// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
// The timeline under the views while a recording is open: play/pause, step, drag to a moment.

#include <QPointer>
#include <QWidget>

class QLabel;
class QSlider;
class QToolButton;

namespace nsviz
{

class RecordingPlayer;

class TimelineBar : public QWidget
{
    Q_OBJECT
public:
    explicit TimelineBar(QWidget *parent = nullptr);
    /// Follows @p player (nullptr: hides).
    void setPlayer(RecordingPlayer *player);
    QSlider *slider() const { return m_slider; }
    QLabel *label() const { return m_label; }
    QToolButton *playButton() const { return m_play; }
    QToolButton *markButton() const { return m_mark; }
    QToolButton *compareButton() const { return m_compare; }
    /// The moment marked as A (ms from the start), or -1.
    qint64 markedMs() const { return m_markedMs; }

Q_SIGNALS:
    /// Compare with…: moment A (marked) against the moment shown now (B).
    void compareRequested(qint64 aMs, qint64 bMs);

private:
    void update();

    QPointer<RecordingPlayer> m_player;
    QToolButton *m_back, *m_play, *m_forward, *m_mark, *m_compare;
    qint64 m_markedMs = -1;
    QSlider *m_slider;
    QLabel *m_label;
    bool m_updating = false;
};

} // namespace nsviz
