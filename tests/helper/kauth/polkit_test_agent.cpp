// SPDX-License-Identifier: GPL-2.0-or-later
// A polkit authentication agent for the KAuth end-to-end test: it does what a person does who
// closes the password dialog. pkttyagent cannot be used for that: fed EOF it aborts
// (polkitagenttextlistener.c: g_error on EOF), so polkitd sees an agent vanish, not a dismissal.
//
//   nsviz_polkit_test_agent --dismiss -- CMD [ARGS...]
//
// Forks CMD held on a pipe, registers with polkitd as the agent of that process (a "unix-process"
// subject: pid and start time, as `pkttyagent --process PID` does), then lets CMD exec, so the
// agent is in place before CMD asks for anything. Every BeginAuthentication is answered with
// org.freedesktop.PolicyKit1.Error.Cancelled, which polkitd reports as "polkit.dismissed" (the
// GUI agents answer a Cancel button the same way). Each one is logged on stderr as
// "nsviz-test-agent: dismissed ACTION". Exits with CMD's exit status when CMD ends.
// Speaks the agent D-Bus interface with QtDBus directly (no libpolkit-agent-1 in the root).

#include <QCoreApplication>
#include <QDBusArgument>
#include <QDBusConnection>
#include <QDBusMessage>
#include <QDBusMetaType>
#include <QDBusVirtualObject>
#include <QFile>
#include <QSocketNotifier>

#include <csignal>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

namespace
{

constexpr const char *kAgentPath = "/org/nsviz/TestAuthenticationAgent";
constexpr const char *kAgentInterface = "org.freedesktop.PolicyKit1.AuthenticationAgent";

class DismissingAgent : public QDBusVirtualObject
{
public:
    int dismissed = 0;

    QString introspect(const QString &) const override
    {
        return QStringLiteral("<interface name=\"org.freedesktop.PolicyKit1.AuthenticationAgent\">"
                              "<method name=\"BeginAuthentication\"><arg type=\"s\" direction=\"in\"/>"
                              "<arg type=\"s\" direction=\"in\"/><arg type=\"s\" direction=\"in\"/>"
                              "<arg type=\"a{ss}\" direction=\"in\"/><arg type=\"s\" direction=\"in\"/>"
                              "<arg type=\"a(sa{sv})\" direction=\"in\"/></method>"
                              "<method name=\"CancelAuthentication\"><arg type=\"s\" direction=\"in\"/>"
                              "</method></interface>");
    }

    bool handleMessage(const QDBusMessage &message, const QDBusConnection &connection) override
    {
        if (message.interface() != QLatin1String(kAgentInterface))
            return false;
        if (message.member() == QLatin1String("BeginAuthentication")) {
            const QString action = message.arguments().value(0).toString();
            ++dismissed;
            std::fprintf(stderr, "nsviz-test-agent: dismissed %s\n", action.toUtf8().constData());
            connection.send(
                message.createErrorReply(QStringLiteral("org.freedesktop.PolicyKit1.Error.Cancelled"),
                                         QStringLiteral("dismissed by the nsviz test agent")));
            return true;
        }
        if (message.member() == QLatin1String("CancelAuthentication")) {
            connection.send(message.createReply());
            return true;
        }
        return false;
    }
};

/// Field 22 of /proc/PID/stat (start time in clock ticks), read after the last ')'.
quint64 startTime(pid_t pid)
{
    QFile f(QStringLiteral("/proc/%1/stat").arg(pid));
    if (!f.open(QIODevice::ReadOnly))
        return 0;
    const QByteArray s = f.readAll();
    const qsizetype close = s.lastIndexOf(')');
    if (close < 0)
        return 0;
    const QList<QByteArray> fields = s.mid(close + 2).split(' ');
    // fields[0] is field 3 (state), so field 22 is fields[19].
    return fields.size() > 19 ? fields[19].toULongLong() : 0;
}

} // namespace

int main(int argc, char **argv)
{
    int first = 1;
    bool dismiss = false;
    for (; first < argc; ++first) {
        if (std::strcmp(argv[first], "--dismiss") == 0)
            dismiss = true;
        else if (std::strcmp(argv[first], "--") == 0) {
            ++first;
            break;
        } else {
            break;
        }
    }
    if (!dismiss || first >= argc) {
        std::fprintf(stderr, "usage: %s --dismiss -- CMD [ARGS...]\n", argv[0]);
        return 2;
    }

    // The command waits on this pipe until the agent is registered for it.
    int gate[2];
    if (::pipe2(gate, O_CLOEXEC) != 0) {
        std::perror("pipe2");
        return 1;
    }
    const pid_t child = ::fork();
    if (child < 0) {
        std::perror("fork");
        return 1;
    }
    if (child == 0) {
        ::close(gate[1]);
        char c = 0;
        if (::read(gate[0], &c, 1) != 1)
            _exit(127); // the agent failed to register
        ::execvp(argv[first], argv + first);
        std::perror("execvp");
        _exit(127);
    }
    ::close(gate[0]);

    QCoreApplication app(argc, argv);
    QDBusConnection bus = QDBusConnection::systemBus();
    DismissingAgent agent;
    auto fail = [&](const QString &why) {
        std::fprintf(stderr, "nsviz-test-agent: %s\n", why.toUtf8().constData());
        ::kill(child, SIGKILL);
        ::waitpid(child, nullptr, 0);
        return 1;
    };
    if (!bus.isConnected())
        return fail(QStringLiteral("no system bus"));
    if (!bus.registerVirtualObject(QLatin1String(kAgentPath), &agent))
        return fail(QStringLiteral("cannot export the agent object"));

    // RegisterAuthenticationAgent(subject (sa{sv}), locale s, object_path s).
    QDBusArgument subject;
    subject.beginStructure();
    subject << QStringLiteral("unix-process");
    subject << QVariantMap{{QStringLiteral("pid"), QVariant::fromValue(quint32(child))},
                           {QStringLiteral("start-time"), QVariant::fromValue(startTime(child))}};
    subject.endStructure();
    QDBusMessage call = QDBusMessage::createMethodCall(
        QStringLiteral("org.freedesktop.PolicyKit1"), QStringLiteral("/org/freedesktop/PolicyKit1/Authority"),
        QStringLiteral("org.freedesktop.PolicyKit1.Authority"),
        QStringLiteral("RegisterAuthenticationAgent"));
    call << QVariant::fromValue(subject) << QStringLiteral("C") << QString::fromLatin1(kAgentPath);
    const QDBusMessage reply = bus.call(call, QDBus::Block, 10000);
    if (reply.type() != QDBusMessage::ReplyMessage)
        return fail(QStringLiteral("RegisterAuthenticationAgent: ") + reply.errorMessage());
    std::fprintf(stderr, "nsviz-test-agent: registered for pid %d\n", int(child));

    // Release the command; end with it (a pidfd is readable once the process has exited).
    if (::write(gate[1], "g", 1) != 1)
        return fail(QStringLiteral("cannot release the command"));
    ::close(gate[1]);
    const int pidfd = int(::syscall(SYS_pidfd_open, child, 0));
    if (pidfd < 0)
        return fail(QStringLiteral("pidfd_open failed"));
    int status = 0;
    QSocketNotifier exited(pidfd, QSocketNotifier::Read);
    QObject::connect(&exited, &QSocketNotifier::activated, &app, [&] {
        exited.setEnabled(false);
        ::waitpid(child, &status, 0);
        app.quit();
    });
    app.exec();
    ::close(pidfd);
    std::fprintf(stderr, "nsviz-test-agent: %d authentication(s) dismissed\n", agent.dismissed);
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    return 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}
