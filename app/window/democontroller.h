// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
// The GUI side of demo containers: sends demo_start/demo_stop/demo_list through a Transport,
// keeps the list of running demos, and tells the views when one appeared (to highlight, select
// and diff its cluster) or ended. Never blocks: everything is request/reply.

#include "core/model/model.h"
#include "core/model/nstype.h"

#include <QHash>
#include <QJsonObject>
#include <QList>
#include <QObject>
#include <QString>
#include <QStringList>

#include <array>
#include <optional>

namespace nsviz
{

class Transport;

/// One running demo, from an "nsviz.demo/1" document.
struct DemoInfo {
    int pid = 0;
    quint64 startTime = 0;
    QString hostname;
    std::array<quint64, kNsTypeCount> ns{}; ///< inode per type (index(NsType))
    quint64 nsDev = 0;
    QStringList shared;
    qint64 expiresAtMs = 0;
    int ownerPid = 0;
    QString cgroup;
    QStringList notes;

    bool sharesHost(NsType t) const;
    /// nullopt when @p o is not a valid nsviz.demo/1 document.
    static std::optional<DemoInfo> fromJson(const QJsonObject &o);
};

class DemoController : public QObject
{
    Q_OBJECT
public:
    explicit DemoController(Transport *transport, QObject *parent = nullptr);

    /// Sends a demo_start frame (e.g. DemoDialog::requestJson()). Returns the request id.
    quint64 start(const QByteArray &requestJson);
    quint64 stop(int pid);
    /// Stops every demo (e.g. when the window closes, after asking).
    quint64 stopAll();
    /// Asks for the list of running demos (e.g. after connecting).
    quint64 refresh();

    QList<DemoInfo> demos() const { return m_demos.values(); }
    bool hasRunningDemos() const { return !m_demos.isEmpty(); }
    /// True when @p pid is the init of a running demo.
    bool isDemo(int pid) const { return m_demos.contains(pid); }
    /// The demo whose namespace of type @p t is @p inode (fresh types only), or nullptr.
    const DemoInfo *demoForNamespace(NsType t, quint64 inode) const;

    /// Drops demos whose init is gone from @p snapshot (lifetime over, killed): emits demoEnded.
    void noteSnapshot(const Snapshot &snapshot);

Q_SIGNALS:
    /// A demo is up; its namespaces are in place, so the next snapshot shows it.
    void demoStarted(const nsviz::DemoInfo &demo);
    void demoEnded(int pid);
    void demosChanged();
    /// A demo request was refused or failed; @p message is the helper's, for the user.
    void requestFailed(const QString &message);

private:
    void onReply(quint64 id, const QByteArray &frameJson);
    void setDemos(const QList<DemoInfo> &list);

    enum class Kind { Start, Stop, List };
    Transport *m_transport;
    QHash<quint64, Kind> m_pending;
    QHash<int, DemoInfo> m_demos;
};

} // namespace nsviz

Q_DECLARE_METATYPE(nsviz::DemoInfo)
