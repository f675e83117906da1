// SPDX-License-Identifier: GPL-2.0-or-later
#include "app/models/viewhelpers.h"

#include "core/sandbox/sandbox.h"

#include <QHash>
#include <QPainter>
#include <QPainterPath>
#include <QPixmap>
#include <QStringList>

namespace nsviz::views
{

QString typeName(NsType type)
{
    const std::string_view n = nsviz::nsTypeName(type);
    return QString::fromLatin1(n.data(), static_cast<qsizetype>(n.size()));
}

QString nsLabel(NsType type, const NsId &id)
{
    return typeName(type) % QStringLiteral(":[") % QString::number(id.ino) % QLatin1Char(']');
}

QString nspidString(const Process &p)
{
    if (p.nspid.empty())
        return QString::number(p.pid);
    QString out;
    for (std::size_t i = 0; i < p.nspid.size(); ++i) {
        if (i)
            out += QLatin1Char('/');
        out += QString::number(p.nspid[i]);
    }
    return out;
}

QString commandLine(const Process &p)
{
    if (p.cmdline.empty())
        return QLatin1Char('[') % QString::fromStdString(p.comm) % QLatin1Char(']');
    QStringList parts;
    parts.reserve(static_cast<qsizetype>(p.cmdline.size()));
    for (const auto &a : p.cmdline)
        parts << QString::fromStdString(a);
    return parts.join(QLatin1Char(' '));
}

bool isHidden(const Namespace &n)
{
    return !(n.foundBy & FoundByProcess);
}

QString foundByText(const Namespace &n)
{
    QStringList how;
    if (n.foundBy & FoundByProcess)
        how << QStringLiteral("%1 process(es) are in it").arg(n.pids.size());
    if (n.foundBy & FoundByBindMount) {
        QStringList where;
        for (const auto &m : n.bindMounts) {
            // "mntns-inode:path": show the path, the mount namespace only when it is not obvious.
            const QString s = QString::fromStdString(m);
            const auto colon = s.indexOf(QLatin1Char(':'));
            where << (colon >= 0 ? s.mid(colon + 1) % QStringLiteral(" (in mnt:[") % s.left(colon) %
                                       QStringLiteral("])")
                                 : s);
        }
        how << QStringLiteral("held by a bind mount at ") %
                   (where.isEmpty() ? QStringLiteral("an unknown path") : where.join(QStringLiteral(", ")));
    }
    if (n.foundBy & FoundByFd) {
        QStringList who;
        for (const auto &f : n.fdHolders)
            who << QString::fromStdString(f);
        how << QStringLiteral("held by an open file descriptor (pid/fd ") %
                   (who.isEmpty() ? QStringLiteral("unknown") : who.join(QStringLiteral(", "))) %
                   QLatin1Char(')');
    }
    if (n.foundBy & FoundByHidden)
        how << QStringLiteral("seen only as the parent or owner of another namespace");
    if (how.isEmpty())
        return QStringLiteral("found by an unknown route");
    QString text = how.join(QStringLiteral("; "));
    if (isHidden(n))
        text = QStringLiteral("Hidden namespace (no process is in it): ") % text;
    return text;
}

bool isDark(const QPalette &palette)
{
    return palette.color(QPalette::Window).lightnessF() < palette.color(QPalette::WindowText).lightnessF();
}

QColor nsTypeColor(NsType type, const QPalette &palette)
{
    // Tableau 10: distinguishable, colour-blind tolerant, and calm enough for slides.
    static const QColor base[kNsTypeCount] = {
        QColor(0x4E, 0x79, 0xA7), // mnt
        QColor(0xF2, 0x8E, 0x2B), // pid
        QColor(0x59, 0xA1, 0x4F), // net
        QColor(0x76, 0xB7, 0xB2), // uts
        QColor(0xED, 0xC9, 0x48), // ipc
        QColor(0xE1, 0x57, 0x59), // user
        QColor(0xB0, 0x7A, 0xA1), // cgroup
        QColor(0x9C, 0x75, 0x5F), // time
    };
    const QColor c = base[index(type)];
    return isDark(palette) ? c.lighter(125) : c;
}

namespace
{
QColor blend(const QColor &a, const QColor &b, qreal t)
{
    return QColor::fromRgbF(a.redF() * (1 - t) + b.redF() * t, a.greenF() * (1 - t) + b.greenF() * t,
                            a.blueF() * (1 - t) + b.blueF() * t);
}
} // namespace

QColor mutedTextColor(const QPalette &palette)
{
    // Halfway between text and background: clearly secondary, still readable on a projector.
    return blend(palette.color(QPalette::Text), palette.color(QPalette::Base), 0.55);
}

QColor hiddenTextColor(const QPalette &palette)
{
    return isDark(palette) ? QColor(0xC3, 0xA6, 0xE8) : QColor(0x6A, 0x3D, 0x9A);
}

QColor warningTextColor(const QPalette &palette)
{
    return isDark(palette) ? QColor(0xFF, 0xB7, 0x4D) : QColor(0xB5, 0x43, 0x00);
}

QColor differsTint(const QPalette &palette)
{
    const QColor accent = isDark(palette) ? QColor(0xF2, 0x8E, 0x2B) : QColor(0xF2, 0x8E, 0x2B);
    return blend(palette.color(QPalette::Base), accent, isDark(palette) ? 0.28 : 0.18);
}

QIcon nodeIcon(NodeIcon kind, NsType type, const QPalette &palette)
{
    static QHash<QString, QIcon> cache;
    const bool dark = isDark(palette);
    const QString key = QString::number(int(kind)) % QLatin1Char('/') % QString::number(int(index(type))) %
                        QLatin1Char('/') % palette.color(QPalette::Text).name() % QString::number(dark);
    if (auto it = cache.constFind(key); it != cache.constEnd())
        return *it;

    // Draw at 2x so the icons stay crisp on HiDPI screens and in 2x exports.
    const int logical = 16;
    QPixmap pm(logical * 2, logical * 2);
    pm.setDevicePixelRatio(2.0);
    pm.fill(Qt::transparent);
    QPainter p(&pm);
    p.setRenderHint(QPainter::Antialiasing);
    const QColor c = nsTypeColor(type, palette);
    const QColor text = palette.color(QPalette::Text);
    const QRectF r(2.5, 2.5, 11, 11);
    switch (kind) {
    case NodeIcon::Namespace:
        p.setPen(QPen(c.darker(130), 1));
        p.setBrush(c);
        p.drawEllipse(r);
        break;
    case NodeIcon::HostNamespace: {
        p.setPen(QPen(text, 1.4));
        p.setBrush(Qt::NoBrush);
        p.drawEllipse(QRectF(1, 1, 14, 14));
        p.setPen(Qt::NoPen);
        p.setBrush(c);
        p.drawEllipse(QRectF(4, 4, 8, 8));
        break;
    }
    case NodeIcon::HiddenNamespace: {
        QPen pen(c, 1.6, Qt::DashLine);
        pen.setDashPattern({2.0, 1.6});
        p.setPen(pen);
        p.setBrush(Qt::NoBrush);
        p.drawEllipse(r);
        break;
    }
    case NodeIcon::UnknownParent: {
        p.setPen(QPen(c.darker(130), 1));
        p.setBrush(c);
        p.drawEllipse(r);
        QFont f = p.font();
        f.setPixelSize(10);
        f.setBold(true);
        p.setFont(f);
        p.setPen(dark ? QColor(Qt::black) : QColor(Qt::white));
        p.drawText(r, Qt::AlignCenter, QStringLiteral("?"));
        break;
    }
    case NodeIcon::Process:
        p.setPen(Qt::NoPen);
        p.setBrush(mutedTextColor(palette));
        p.drawRoundedRect(QRectF(5, 5, 6, 6), 1.5, 1.5);
        break;
    case NodeIcon::Warning: {
        QPainterPath tri;
        tri.moveTo(8, 1.5);
        tri.lineTo(15, 14);
        tri.lineTo(1, 14);
        tri.closeSubpath();
        p.setPen(QPen(QColor(0x8a, 0x4b, 0x00), 1));
        p.setBrush(QColor(0xF5, 0xB0, 0x1A));
        p.drawPath(tri);
        QFont f = p.font();
        f.setPixelSize(10);
        f.setBold(true);
        p.setFont(f);
        p.setPen(Qt::black);
        p.drawText(QRectF(1, 4, 14, 10), Qt::AlignCenter, QStringLiteral("!"));
        break;
    }
    case NodeIcon::Group:
        p.setPen(QPen(mutedTextColor(palette), 1.2));
        p.setBrush(Qt::NoBrush);
        p.drawRoundedRect(QRectF(2.5, 3.5, 11, 9), 2, 2);
        p.drawLine(QPointF(2.5, 6.5), QPointF(13.5, 6.5));
        break;
    }
    p.end();
    QIcon icon(pm);
    cache.insert(key, icon);
    return icon;
}

QString sandboxName(const Snapshot &s, const Process &p)
{
    const Sandbox *sb = sandboxOf(s, p);
    return sb ? QString::fromStdString(sandboxLabel(*sb)) : QString();
}

QString sandboxName(const SandboxIndex &sandboxes, const Process &p)
{
    const Sandbox *sb = sandboxes.of(p);
    return sb ? QString::fromStdString(sandboxLabel(*sb)) : QString();
}

} // namespace nsviz::views
