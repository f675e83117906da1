// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
// The KAuth responder: one slot per action (org.nsviz.helper.<slot>), run as root by D-Bus
// activation after polkit said yes. Each slot validates its arguments, opens a private channel for
// the caller (privatechannel.h), announces its path as KAuth progress, and streams the protocol
// frames over it; no process data goes into a D-Bus signal.

#include "helper/kauth/contract/kauthrequest.h"

#include <KAuth/ActionReply>

#include <QObject>

namespace nsviz::kauth
{

class KAuthHelper : public QObject
{
    Q_OBJECT
public:
    KAuthHelper();

public Q_SLOTS:
    KAuth::ActionReply scan(const QVariantMap &args);
    KAuth::ActionReply inspect(const QVariantMap &args);
    KAuth::ActionReply demostart(const QVariantMap &args);
    KAuth::ActionReply demostop(const QVariantMap &args);
    KAuth::ActionReply demolist(const QVariantMap &args);

private:
    KAuth::ActionReply run(Verb verb, const QVariantMap &args);

    bool m_busy = false; ///< KAuth serialises actions already; this guards against re-entry
};

} // namespace nsviz::kauth
