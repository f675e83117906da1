// SPDX-License-Identifier: GPL-2.0-or-later
#include "app/transport/sshtarget.h"

#include <QRegularExpression>

namespace nsviz
{

namespace
{
bool setError(QString *error, const QString &why)
{
    if (error)
        *error = why;
    return false;
}

/// Quotes @p s for the remote POSIX shell ssh hands the command to.
QString shellQuote(const QString &s)
{
    static const QRegularExpression plain(QStringLiteral("^[A-Za-z0-9_./+-]+$"));
    if (plain.match(s).hasMatch())
        return s;
    QString q = s;
    q.replace(QLatin1Char('\''), QStringLiteral("'\\''"));
    return QLatin1Char('\'') + q + QLatin1Char('\'');
}
} // namespace

std::optional<SshTarget> SshTarget::parse(const QString &spec, QString *error)
{
    SshTarget t;
    QString rest = spec.trimmed();
    if (rest.isEmpty()) {
        setError(error, QStringLiteral("no host given"));
        return std::nullopt;
    }
    for (const QChar c : rest)
        if (c.isSpace() || c.category() == QChar::Other_Control) {
            setError(error, QStringLiteral("\"%1\": a host has no spaces or control characters").arg(spec));
            return std::nullopt;
        }
    if (const auto at = rest.lastIndexOf(QLatin1Char('@')); at >= 0) {
        t.user = rest.left(at);
        rest = rest.mid(at + 1);
        static const QRegularExpression userRe(QStringLiteral("^[A-Za-z0-9._][A-Za-z0-9._-]*$"));
        if (!userRe.match(t.user).hasMatch()) {
            setError(error, QStringLiteral("\"%1\" is not a user name").arg(t.user));
            return std::nullopt;
        }
    }
    QString portText;
    if (rest.startsWith(QLatin1Char('['))) {
        const auto close = rest.indexOf(QLatin1Char(']'));
        if (close < 0) {
            setError(error, QStringLiteral("\"%1\": no ] after the IPv6 address").arg(spec));
            return std::nullopt;
        }
        t.host = rest.mid(1, close - 1);
        const QString after = rest.mid(close + 1);
        if (!after.isEmpty()) {
            if (!after.startsWith(QLatin1Char(':'))) {
                setError(error, QStringLiteral("\"%1\": only :PORT may follow ]").arg(spec));
                return std::nullopt;
            }
            portText = after.mid(1);
        }
    } else if (rest.count(QLatin1Char(':')) == 1) {
        const auto colon = rest.indexOf(QLatin1Char(':'));
        t.host = rest.left(colon);
        portText = rest.mid(colon + 1);
    } else {
        t.host = rest; // a name, or an IPv6 address without a port
    }
    static const QRegularExpression hostRe(QStringLiteral("^[A-Za-z0-9_:.%][A-Za-z0-9._:%-]*$"));
    if (t.host.isEmpty() || !hostRe.match(t.host).hasMatch()) {
        // A leading '-' would be an ssh option: never let a host name become one.
        setError(error, QStringLiteral("\"%1\" is not a host name or address").arg(t.host));
        return std::nullopt;
    }
    if (!portText.isNull()) {
        bool ok = false;
        const int port = portText.toInt(&ok);
        if (!ok || port < 1 || port > 65535) {
            setError(error, QStringLiteral("\"%1\": the port must be 1–65535").arg(spec));
            return std::nullopt;
        }
        t.port = port;
    }
    return t;
}

QString SshTarget::destination() const
{
    return user.isEmpty() ? host : user + QLatin1Char('@') + host;
}

QString SshTarget::displayName() const
{
    QString h = host.contains(QLatin1Char(':')) && port ? QLatin1Char('[') + host + QLatin1Char(']') : host;
    QString d = user.isEmpty() ? h : user + QLatin1Char('@') + h;
    if (port)
        d += QLatin1Char(':') + QString::number(port);
    return d;
}

QStringList SshTarget::sshArguments(const QString &serveCommand) const
{
    // BatchMode: ssh fails rather than asks (a password, a passphrase, "continue connecting?") on a
    // terminal the GUI does not have. -T: no pty, the stream stays byte-exact. -e none: no escape
    // character in a binary-safe stream.
    QStringList args{QStringLiteral("-T"),
                     QStringLiteral("-e"),
                     QStringLiteral("none"),
                     QStringLiteral("-o"),
                     QStringLiteral("BatchMode=yes"),
                     QStringLiteral("-o"),
                     QStringLiteral("ConnectTimeout=%1").arg(connectTimeoutS)};
    if (!configFile.isEmpty())
        args << QStringLiteral("-F") << configFile;
    for (const QString &o : sshOptions)
        args << QStringLiteral("-o") << o;
    if (port)
        args << QStringLiteral("-p") << QString::number(port);
    args << QStringLiteral("--") << destination();
    // One remote command line: ssh joins its arguments with spaces for the remote shell.
    QString remote = shellQuote(remoteHelper) + QLatin1Char(' ') + serveCommand;
    if (remoteSudo)
        remote = QStringLiteral("sudo -n ") + remote;
    args << remote;
    return args;
}

} // namespace nsviz
