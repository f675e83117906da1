// SPDX-License-Identifier: GPL-2.0-or-later
#include "app/window/timelinebar.h"

#include "app/window/recordingplayer.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QSlider>
#include <QStyle>
#include <QToolButton>

namespace nsviz
{

TimelineBar::TimelineBar(QWidget *parent) : QWidget(parent)
{
    setObjectName(QStringLiteral("timelineBar"));
    auto *lay = new QHBoxLayout(this);
    lay->setContentsMargins(8, 4, 8, 4);
    auto button = [this](QStyle::StandardPixmap icon, const QString &tip) {
        auto *b = new QToolButton(this);
        b->setIcon(style()->standardIcon(icon));
        b->setToolTip(tip);
        b->setAccessibleName(tip); // an icon alone says nothing to a screen reader
        return b;
    };
    m_back = button(QStyle::SP_MediaSkipBackward, QStringLiteral("Previous change"));
    m_play = button(QStyle::SP_MediaPlay, QStringLiteral("Play / pause"));
    m_forward = button(QStyle::SP_MediaSkipForward, QStringLiteral("Next change"));
    m_slider = new QSlider(Qt::Horizontal, this);
    m_slider->setObjectName(QStringLiteral("timelineSlider"));
    m_slider->setAccessibleName(QStringLiteral("Recording position"));
    m_label = new QLabel(this);
    m_label->setObjectName(QStringLiteral("timelineLabel"));
    lay->addWidget(m_back);
    lay->addWidget(m_play);
    lay->addWidget(m_forward);
    lay->addWidget(m_slider, 1);
    lay->addWidget(m_label);
    // Compare two moments: mark A here, move to B, compare (the compare view marks what changed).
    m_mark = new QToolButton(this);
    m_mark->setObjectName(QStringLiteral("timelineMarkA"));
    m_mark->setText(QStringLiteral("Mark A"));
    m_mark->setToolTip(QStringLiteral("Mark this moment as A, the \"before\" of a comparison"));
    m_compare = new QToolButton(this);
    m_compare->setObjectName(QStringLiteral("timelineCompare"));
    m_compare->setText(QStringLiteral("Compare A → here"));
    m_compare->setToolTip(
        QStringLiteral("Compare moment A with the moment shown: what is new, gone and moved"));
    lay->addWidget(m_mark);
    lay->addWidget(m_compare);
    connect(m_mark, &QToolButton::clicked, this, [this]() {
        if (!m_player)
            return;
        m_markedMs = m_player->positionMs();
        update();
    });
    connect(m_compare, &QToolButton::clicked, this, [this]() {
        if (m_player && m_markedMs >= 0)
            Q_EMIT compareRequested(m_markedMs, m_player->positionMs());
    });
    connect(m_back, &QToolButton::clicked, this, [this]() {
        if (m_player)
            m_player->stepBack();
    });
    connect(m_forward, &QToolButton::clicked, this, [this]() {
        if (m_player)
            m_player->stepForward();
    });
    connect(m_play, &QToolButton::clicked, this, [this]() {
        if (m_player)
            m_player->togglePlay();
    });
    // Dragging (or clicking, or the keyboard) picks a moment; our own updates do not seek.
    connect(m_slider, &QSlider::valueChanged, this, [this](int ms) {
        if (m_player && !m_updating)
            m_player->seekMs(ms);
    });
    setVisible(false);
}

void TimelineBar::setPlayer(RecordingPlayer *player)
{
    if (m_player)
        m_player->disconnect(this);
    m_player = player;
    m_markedMs = -1; // a mark belongs to the recording it was made on
    setVisible(player != nullptr);
    if (!player)
        return;
    connect(player, &RecordingPlayer::positionChanged, this, &TimelineBar::update);
    connect(player, &RecordingPlayer::playingChanged, this, &TimelineBar::update);
    connect(player, &QObject::destroyed, this, [this]() { setVisible(false); });
    update();
}

void TimelineBar::update()
{
    if (!m_player)
        return;
    m_updating = true;
    m_slider->setRange(0, static_cast<int>(std::min<qint64>(m_player->durationMs(), INT_MAX)));
    m_slider->setValue(static_cast<int>(m_player->positionMs()));
    m_updating = false;
    m_play->setIcon(
        style()->standardIcon(m_player->playing() ? QStyle::SP_MediaPause : QStyle::SP_MediaPlay));
    m_back->setEnabled(m_player->frame() > 0);
    m_forward->setEnabled(m_player->frame() + 1 < m_player->frameCount());
    m_compare->setEnabled(m_markedMs >= 0);
    m_mark->setText(m_markedMs >= 0 ? QStringLiteral("A = %1 s").arg(m_markedMs / 1000.0, 0, 'f', 1)
                                    : QStringLiteral("Mark A"));
    m_label->setText(QStringLiteral("%1 s / %2 s · change %3 of %4")
                         .arg(m_player->positionMs() / 1000.0, 0, 'f', 1)
                         .arg(m_player->durationMs() / 1000.0, 0, 'f', 1)
                         .arg(m_player->frame())
                         .arg(m_player->frameCount() - 1));
}

} // namespace nsviz
