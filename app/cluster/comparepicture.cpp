// SPDX-License-Identifier: GPL-2.0-or-later
#include "app/cluster/comparepicture.h"

#include "app/models/comparemodel.h"

#include <algorithm>
#include <map>
#include <set>

using nlohmann::json;

namespace nsviz
{

Snapshot ComparePicture::merge(const Snapshot &a, const Snapshot &b)
{
    Snapshot m = b;
    std::set<ProcKey> inB;
    for (const auto &p : b.processes)
        inB.insert(p.key());
    for (const auto &p : a.processes)
        if (!inB.count(p.key()))
            m.processes.push_back(p);
    std::stable_sort(m.processes.begin(), m.processes.end(),
                     [](const Process &x, const Process &y) { return x.key() < y.key(); });
    std::set<std::pair<NsType, NsId>> nsInB;
    for (const auto &n : b.namespaces)
        nsInB.insert({n.type, n.id});
    for (const auto &n : a.namespaces)
        if (!nsInB.count({n.type, n.id}))
            m.namespaces.push_back(n);
    std::stable_sort(m.namespaces.begin(), m.namespaces.end(), [](const Namespace &x, const Namespace &y) {
        return std::pair(x.type, x.id) < std::pair(y.type, y.id);
    });
    return m;
}

void ComparePicture::setComparison(const Snapshot &merged, const json &cmp, NsType groupBy, bool localUsers)
{
    m_scene = merged;
    m_cmp = cmp;
    // The marks come from the core's comparison, not from a second reading of the two moments.
    const auto rows = CompareModel::rowsOf(cmp);
    std::map<ProcKey, ClusterMarks::Mark> procMarks;
    m_marks = ClusterMarks{};
    for (const auto &r : rows) {
        const auto mark = r.change == CompareRow::Change::Appeared      ? ClusterMarks::Mark::New
                          : r.change == CompareRow::Change::Disappeared ? ClusterMarks::Mark::Gone
                                                                        : ClusterMarks::Mark::Moved;
        if (r.kind == CompareRow::Kind::Process)
            procMarks[{r.pid, r.startTime}] = mark;
        else if (r.kind == CompareRow::Kind::Namespace) {
            // A reused inode is one namespace gone and another new under the same key: the picture
            // has one circle there, and it is the new one.
            auto &m = m_marks.ns[NsId{r.dev, r.inode}];
            if (m != ClusterMarks::Mark::New)
                m = mark;
        }
    }
    // The picture's list: one line per change, but the namespaces a container (or any process)
    // made together on one line ("+ namespaces mnt, pid, net, uts, ipc, cgroup · nginx"): a slide
    // has room for a dozen lines, and that is how a class reads a container start. The table and
    // the exports keep one row per namespace.
    std::vector<std::pair<std::pair<int, QString>, std::vector<const CompareRow *>>> nsGroups;
    for (const auto &r : rows) {
        if (r.kind != CompareRow::Kind::Namespace)
            continue;
        QStringList comms; // "nginx, nginx, nginx" says "nginx"
        for (const QString &c :
             r.detail.section(QStringLiteral(" · "), 1).split(QStringLiteral(", "), Qt::SkipEmptyParts))
            if (!comms.contains(c))
                comms << c;
        const std::pair<int, QString> key{static_cast<int>(r.change), comms.join(QStringLiteral(", "))};
        auto it =
            std::find_if(nsGroups.begin(), nsGroups.end(), [&](const auto &g) { return g.first == key; });
        if (it == nsGroups.end())
            nsGroups.push_back({key, {&r}});
        else
            it->second.push_back(&r);
    }
    bool nsListed = false;
    for (const auto &r : rows) {
        if (r.kind != CompareRow::Kind::Namespace) {
            m_marks.changes << r.line();
            m_marks.changeMarks << r.mark();
            continue;
        }
        if (nsListed)
            continue;
        nsListed = true; // all groups where the first namespace row was
        for (const auto &[key, members] : nsGroups) {
            if (members.size() == 1) {
                m_marks.changes << members.front()->line();
            } else {
                QStringList types;
                for (const CompareRow *m : members)
                    types << m->nsType;
                QString line = members.front()->sign() + QStringLiteral(" namespaces ") +
                               types.join(QStringLiteral(", "));
                if (!key.second.isEmpty())
                    line += QStringLiteral(" · ") + key.second;
                m_marks.changes << line;
            }
            m_marks.changeMarks << members.front()->mark();
        }
    }
    m_marks.process.assign(m_scene.processes.size(), ClusterMarks::Mark::None);
    for (std::size_t i = 0; i < m_scene.processes.size(); ++i)
        if (auto it = procMarks.find(m_scene.processes[i].key()); it != procMarks.end())
            m_marks.process[i] = it->second;
    m_marks.title = CompareModel::title(cmp);
    m_marks.subtitle = CompareModel::summary(cmp);

    m_layout.setType(groupBy);
    m_layout.update(m_scene);
    m_labels = ClusterLabeler::labels(m_scene, m_layout, localUsers);
    // "+" and "−" on the labels of circles that are new or gone, so the marks read in a list too.
    for (std::size_t i = 0; i < m_labels.size(); ++i) {
        const auto it = m_marks.ns.find(m_layout.clusters()[i].id);
        if (it == m_marks.ns.end())
            continue;
        const bool isNew = it->second == ClusterMarks::Mark::New;
        m_labels[i].title = (isNew ? QStringLiteral("+ ") : QStringLiteral("\u2212 ")) + m_labels[i].title;
        m_labels[i].detail += isNew ? QStringLiteral(" · new") : QStringLiteral(" · gone");
    }
    m_painter.setMarks(&m_marks);
    m_painter.resetHues();
    m_painter.setScene(m_scene, m_layout, m_labels);
}

void ComparePicture::paint(QPainter &p, const QSizeF &size, ClusterPaintOptions o) const
{
    const auto fit = ClusterPainter::fitTransform(m_layout, size, o.textScale);
    o.scale = fit.scale;
    o.offset = fit.offset;
    m_painter.paint(p, size, o);
}

} // namespace nsviz
