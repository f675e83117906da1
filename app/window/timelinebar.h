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

private:
    void update();

    QPointer<RecordingPlayer> m_player;
    QToolButton *m_back, *m_play, *m_forward;
    QSlider *m_slider;
    QLabel *m_label;
    bool m_updating = false;
};

} // namespace nsviz
