// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
// A remote host reached through OpenSSH: `ssh [-p port] [user@]host nsviz-helper serve`.

#include <QString>
#include <QStringList>
#include <optional>

namespace nsviz
{

/// Where and how to reach a remote nsviz-helper. The user's ssh does the rest: ~/.ssh/config,
/// the agent, known_hosts. nsviz adds only BatchMode (never a password prompt the GUI cannot show).
struct SshTarget {
    QString user;            ///< empty: ssh's default (config, then the local user name)
    QString host;            ///< a name ssh resolves (possibly a Host alias of ~/.ssh/config) or an address
    int port = 0;            ///< 0: ssh's default (config, then 22)
    bool remoteSudo = false; ///< run `sudo -n nsviz-helper serve` on the far side (remote user not root)
    QString remoteHelper = QStringLiteral("nsviz-helper"); ///< the helper's name or path on the remote
    QString sshPath = QStringLiteral("ssh");
    QString configFile;       ///< ssh -F FILE; empty: the user's own
    QStringList sshOptions;   ///< more "-o Key=Value" for ssh (e.g. StrictHostKeyChecking=yes)
    int connectTimeoutS = 15; ///< ssh -o ConnectTimeout

    /// Parses "[user@]host[:port]" (an IPv6 address in brackets: "[::1]:2222"). Refuses what ssh
    /// would read as an option (a leading '-'), spaces and control characters, and ports outside
    /// 1–65535; @p error says why.
    static std::optional<SshTarget> parse(const QString &spec, QString *error = nullptr);
    /// "user@host:port" as given (the name shown in titles, summaries and exports).
    QString displayName() const;
    /// ssh's destination argument: "user@host" or "host".
    QString destination() const;
    /// The arguments of the ssh program: options, "--", destination, the remote command.
    QStringList sshArguments(const QString &serveCommand) const;
};

} // namespace nsviz
