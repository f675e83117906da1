// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
// The GUI side of demo containers: starts, stops and lists them through the HelperClient, keeps
// the list of running demos, and tells the window when one appeared in the picture (to select it
// and open its diff) or ended. Never blocks: everything is request/reply.

#include "app/transport/demoinfo.h"
#include "core/model/model.h"
#include "core/model/nstype.h"

#include <QHash>
#include <QList>
#include <QObject>
#include <QPointer>
#include <QSet>
#include <QString>

namespace nsviz
{

class HelperClient;
struct DemoSpec;

class DemoController : public QObject
{
    Q_OBJECT
public:
    explicit DemoController(HelperClient *client, QObject *parent = nullptr);

    /// Starts a demo (e.g. DemoDialog::spec()). Returns the request id.
    quint64 start(const DemoSpec &spec);
    quint64 stop(int pid);
    /// Stops every demo of the helper.
    quint64 stopAll();
    /// Asks for the list of running demos (e.g. after connecting).
    quint64 refresh();

    QList<DemoInfo> demos() const { return m_demos.values(); }
    bool hasRunningDemos() const { return !m_demos.isEmpty(); }
    /// True when @p pid is the init of a running demo.
    bool isDemo(int pid) const { return m_demos.contains(pid); }
    /// The demo whose namespace of type @p t is @p inode (fresh types only), or nullptr.
    const DemoInfo *demoForNamespace(NsType t, quint64 inode) const;
    /// The running demos this controller started (a window stops them when it closes).
    QList<int> startedPids() const;

    /// Follows the picture: a demo this controller started shows up (demoAppeared), a demo seen
    /// before is gone or its pid now belongs to another process (lifetime over, killed: demoEnded).
    void noteSnapshot(const Snapshot &snapshot);

Q_SIGNALS:
    /// A demo is up; its namespaces are in place, so the next snapshot shows it.
    void demoStarted(const nsviz::DemoInfo &demo);
    /// A demo this controller started is in a snapshot for the first time.
    void demoAppeared(int pid);
    void demoEnded(int pid);
    void demosChanged();
    /// A demo request was refused or failed; @p message is the helper's, for the user.
    void requestFailed(const QString &message);

private:
    void onStarted(quint64 id, const DemoInfo &demo);
    void onStopped(quint64 id, const QList<int> &pids);
    void onListed(quint64 id, const QList<DemoInfo> &demos);
    void setDemos(const QList<DemoInfo> &list);
    void removeDemos(const QList<int> &pids);

    QPointer<HelperClient> m_client;
    QSet<quint64> m_pending; ///< our request ids (the client also answers other components)
    QHash<int, DemoInfo> m_demos;
    QSet<int> m_started; ///< pids of demos this controller started
    QSet<int> m_seen;    ///< pids of demos already seen in a snapshot
};

} // namespace nsviz
