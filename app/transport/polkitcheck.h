// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
// Asks polkitd itself whether this process may run an action, for KAuthTransport.
//
// Why the client asks: KAuth 6's polkit backend checks in the helper and reduces polkit's answer
// to yes/no, so a dismissed password dialog, an action polkit never allows and "no authentication
// agent to ask" all reach the client as the same AuthorizationDenied. polkit's own answer tells
// them apart: "is_challenge" (authentication would do), the detail "polkit.dismissed" (the user
// closed the dialog), "polkit.retains_authorization_after_challenge" (a successful authentication
// is kept, so the helper's own check right after it asks nothing).
// The subject is this process's system bus name, the subject KAuth's helper checks.

#include <QMap>
#include <QObject>
#include <QString>

#include <functional>

namespace nsviz
{

struct PolkitVerdict {
    enum class Kind {
        Authorized,    ///< yes, now
        Challenge,     ///< authentication would do; with interaction allowed: no agent to ask
        Dismissed,     ///< an agent asked and the user dismissed the dialog
        NotAuthorized, ///< no: polkit's rules or defaults refuse it (or the password was wrong)
        Error,         ///< polkitd unreachable, unknown action, bad reply: polkit could not say
    };
    Kind kind = Kind::Error;
    bool retains = false; ///< a successful authentication is kept for a while (auth_*_keep)
    QString error;        ///< Error: why
};

/// The verdict for polkit's AuthorizationResult (is_authorized, is_challenge, details).
PolkitVerdict polkitVerdict(bool authorized, bool challenge, const QMap<QString, QString> &details);

/// Sends CheckAuthorization for @p actionId (with AllowUserInteraction when @p interactive: an
/// agent may show a password dialog) and calls @p done from the event loop of @p context with the
/// verdict; never blocks. @p cancellationId (may be empty) lets cancelPolkitCheck() close the
/// dialog. @p timeoutMs bounds the wait (a dialog left open).
void checkPolkitAuthorization(const QString &actionId, bool interactive, const QString &cancellationId,
                              int timeoutMs, QObject *context,
                              std::function<void(const PolkitVerdict &)> done);

/// Asks polkitd to end the interactive check started with @p cancellationId (fire and forget).
void cancelPolkitCheck(const QString &cancellationId);

} // namespace nsviz
