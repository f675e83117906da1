// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
// What a cluster picture must get right, checked on the painter's own record of what it drew
// (PaintedItem, or the `--layout-json` file): no two texts overlap, everything stays in the frame,
// every circle holding processes other than the host's is named (a label, or a numbered badge on
// it plus a row in the key list), and every flagged group is named.

#include "app/cluster/clusterlayout.h"
#include "app/cluster/clusterpainter.h"
#include "app/models/hostsharing.h"

#include <QLineF>
#include <QRectF>
#include <QString>
#include <QStringList>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <vector>

namespace nsviz::layoutcheck
{

struct Item {
    QString kind;
    QRectF rect;
    QString text;
    quint64 ns = 0;
    bool flagged = false;
    QLineF line; ///< leader line (callouts, moved numbers), null for none
};

inline std::vector<Item> fromRecord(const std::vector<PaintedItem> &record)
{
    std::vector<Item> out;
    for (const auto &r : record)
        out.push_back(
            {QString::fromLatin1(PaintedItem::kindName(r.kind)), r.rect, r.text, r.ns, r.flagged, r.line});
    return out;
}

/// Items of a `--layout-json` document; problems with its shape go to @p problems.
inline std::vector<Item> fromJson(const nlohmann::json &j, QStringList &problems)
{
    std::vector<Item> out;
    if (!j.contains("items") || !j["items"].is_array()) {
        problems << QStringLiteral("no items array");
        return out;
    }
    static const std::set<std::string> kinds{"title",   "subtitle", "label", "badge",
                                             "callout", "legend",   "list"};
    for (const auto &e : j["items"]) {
        Item it;
        const std::string kind = e.value("kind", "");
        if (!kinds.count(kind))
            problems << QStringLiteral("unknown kind \"%1\"").arg(QString::fromStdString(kind));
        it.kind = QString::fromStdString(kind);
        const auto &r = e.at("rect");
        it.rect = QRectF(r.at(0).get<double>(), r.at(1).get<double>(), r.at(2).get<double>(),
                         r.at(3).get<double>());
        it.text = QString::fromStdString(e.at("text").get<std::string>());
        it.ns = e.at("ns").is_null() ? 0 : e.at("ns").get<quint64>();
        it.flagged = e.at("flagged").get<bool>();
        if (e.contains("line")) {
            const auto &l = e.at("line");
            if (!l.is_array() || l.size() != 4)
                problems << QStringLiteral("a line is not [x1,y1,x2,y2]");
            else
                it.line = QLineF(l.at(0).get<double>(), l.at(1).get<double>(), l.at(2).get<double>(),
                                 l.at(3).get<double>());
        }
        out.push_back(std::move(it));
    }
    return out;
}

inline QString describe(const Item &it)
{
    return QStringLiteral("%1 \"%2\" [%3,%4 %5x%6]")
        .arg(it.kind, it.text.section(QLatin1Char('\n'), 0, 0))
        .arg(it.rect.x(), 0, 'f', 1)
        .arg(it.rect.y(), 0, 'f', 1)
        .arg(it.rect.width(), 0, 'f', 1)
        .arg(it.rect.height(), 0, 'f', 1);
}

/// Everything wrong with @p items as a picture of @p s grouped by @p type in a @p size frame.
inline QStringList problems(const std::vector<Item> &items, const Snapshot &s, NsType type, QSizeF size)
{
    QStringList out;
    const QRectF frame(QPointF(0, 0), size);
    for (std::size_t a = 0; a < items.size(); ++a) {
        if (!frame.adjusted(-0.5, -0.5, 0.5, 0.5).contains(items[a].rect))
            out << QStringLiteral("outside the frame: ") + describe(items[a]);
        for (std::size_t b = a + 1; b < items.size(); ++b) {
            const QRectF i = items[a].rect.intersected(items[b].rect);
            if (i.width() > 0.5 && i.height() > 0.5)
                out << QStringLiteral("overlap: %1 and %2").arg(describe(items[a]), describe(items[b]));
        }
    }
    // Leader lines never cross each other (a slide with crossed leaders reads as the wrong name).
    for (std::size_t a = 0; a < items.size(); ++a) {
        if (items[a].line.isNull())
            continue;
        for (std::size_t b = a + 1; b < items.size(); ++b)
            if (!items[b].line.isNull() &&
                items[a].line.intersects(items[b].line, nullptr) == QLineF::BoundedIntersection)
                out << QStringLiteral("leader lines cross: %1 and %2")
                           .arg(describe(items[a]), describe(items[b]));
    }
    auto has = [&](std::initializer_list<const char *> kinds, auto pred) {
        for (const auto &it : items)
            for (const char *k : kinds)
                if (it.kind == QLatin1String(k) && pred(it))
                    return true;
        return false;
    };
    // Every list row that names a namespace has its number on the picture.
    for (const auto &it : items) {
        if (it.kind != QLatin1String("list") || it.ns == 0)
            continue;
        const QString n = it.text.section(QLatin1Char(' '), 0, 0);
        if (!has({"badge"}, [&](const Item &b) { return b.ns == it.ns && b.text == n; }))
            out << QStringLiteral("list row without its number on the picture: ") + describe(it);
    }
    ClusterLayout layout;
    layout.setType(type);
    layout.update(s);
    for (const auto &c : layout.clusters()) {
        if (c.isHost || c.members.empty() || !c.id.valid())
            continue;
        if (!has({"label", "list"}, [&](const Item &it) { return it.ns == c.id.ino; }))
            out << QStringLiteral("circle %1:[%2] (%3 processes) is not named")
                       .arg(QString::fromLatin1(nsTypeName(type)))
                       .arg(c.id.ino)
                       .arg(c.members.size());
        else if (c.warnings > 0 &&
                 !has({"label", "list"}, [&](const Item &it) { return it.ns == c.id.ino && it.flagged; }))
            out << QStringLiteral("flagged circle %1 is not named as flagged").arg(c.id.ino);
    }
    for (const auto &g : hostNetGroups(s)) {
        const QString label = QString::fromStdString(g.label);
        // A group that is a whole circle is named by that circle's label; otherwise by its own.
        std::map<int, std::size_t> perCluster;
        for (int pi : g.procs)
            if (const int d = layout.dotOfPid(s.processes[pi].pid); d >= 0)
                ++perCluster[layout.dots()[d].cluster];
        for (const auto &[ci, n] : perCluster) {
            const auto &c = layout.clusters()[ci];
            const bool whole = n == c.members.size();
            const bool named =
                whole
                    ? has({"label", "list"}, [&](const Item &it) { return it.ns == c.id.ino && it.flagged; })
                    : has({"label", "callout", "list"},
                          [&](const Item &it) { return it.flagged && it.text.contains(label); });
            if (!named)
                out << QStringLiteral("flagged group \"%1\" is not named").arg(label);
        }
    }
    return out;
}

} // namespace nsviz::layoutcheck
