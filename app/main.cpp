// SPDX-License-Identifier: GPL-2.0-or-later
// nsviz: the GUI, or with --screenshot a headless renderer for documentation and CI.
#include "app/window/comparewindow.h"
#include "app/window/headless.h"
#include "app/window/mainwindow.h"
#include "app/window/session.h"
#include "app/window/theme.h"
#include "core/proc/heap.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QCoreApplication>
#include <QIcon>
#include <QTextStream>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <unistd.h>

using namespace nsviz;

namespace
{
bool wantsHeadless(int argc, char **argv)
{
    for (int i = 1; i < argc; ++i)
        if (std::strcmp(argv[i], "--screenshot") == 0 || std::strncmp(argv[i], "--screenshot=", 13) == 0)
            return true;
    return false;
}

/// Every option, so that --help can be answered before (and without) a display.
struct Options {
    QCommandLineOption screenshot{QStringLiteral("screenshot"),
                                  QStringLiteral("Render offscreen into FILE (.png or .svg) and exit."),
                                  QStringLiteral("FILE")};
    QCommandLineOption view{QStringLiteral("view"),
                            QStringLiteral("View to render: cluster, tree, table or charts."),
                            QStringLiteral("VIEW"), QStringLiteral("cluster")};
    QCommandLineOption groupBy{QStringLiteral("group-by"),
                               QStringLiteral("Namespace type to cluster by (default net)."),
                               QStringLiteral("TYPE"), QStringLiteral("net")};
    QCommandLineOption snapshot{
        QStringLiteral("snapshot"),
        QStringLiteral("Open a saved nsviz.snapshot/1 file, or a recording's moment FILE@SECONDS or "
                       "FILE@end, instead of scanning (in the window also a whole nsviz.recording/1, "
                       "played on a timeline from that moment or the start)."),
        QStringLiteral("FILE")};
    QCommandLineOption size{QStringLiteral("size"),
                            QStringLiteral("Screenshot size in logical pixels (default 1600x1000)."),
                            QStringLiteral("WxH"), QStringLiteral("1600x1000")};
    QCommandLineOption scale{QStringLiteral("scale"), QStringLiteral("Screenshot pixel scale: 1, 2 or 4."),
                             QStringLiteral("N"), QStringLiteral("1")};
    QCommandLineOption redact{
        QStringLiteral("redact"),
        QStringLiteral("Replace hostnames, user names, command arguments and addresses.")};
    QCommandLineOption theme{QStringLiteral("theme"),
                             QStringLiteral("Colours: light, dark or auto (the system's)."),
                             QStringLiteral("THEME"), QStringLiteral("auto")};
    QCommandLineOption unprivileged{
        QStringLiteral("unprivileged"),
        QStringLiteral("Do not ask for authentication at start (show what is visible).")};
    QCommandLineOption kauth{
        QStringLiteral("kauth"),
        QStringLiteral("With --screenshot: scan as root through the KAuth helper (polkit).")};
    QCommandLineOption saveSnapshot{
        QStringLiteral("save-snapshot"),
        QStringLiteral("With --screenshot: also save the snapshot drawn (nsviz.snapshot/1) to FILE."),
        QStringLiteral("FILE")};
    QCommandLineOption layoutJson{
        QStringLiteral("layout-json"),
        QStringLiteral("With --screenshot of the cluster view: also write every text item drawn "
                       "(kind, rect, text, namespace, flagged) as JSON to FILE."),
        QStringLiteral("FILE")};
    QCommandLineOption host{
        QStringLiteral("host"),
        QStringLiteral("Show a remote host: runs `ssh [-p PORT] [USER@]HOST nsviz-helper serve` with your "
                       "ssh config, agent and known hosts (never a password prompt)."),
        QStringLiteral("[USER@]HOST[:PORT]")};
    QCommandLineOption remoteSudo{QStringLiteral("remote-sudo"),
                                  QStringLiteral("With --host: run the remote helper with sudo -n.")};
    QCommandLineOption remoteHelper{QStringLiteral("remote-helper"),
                                    QStringLiteral("With --host: the helper's name or path on the remote "
                                                   "(default nsviz-helper, found on the remote PATH)."),
                                    QStringLiteral("PATH")};
    QCommandLineOption sshConfig{QStringLiteral("ssh-config"),
                                 QStringLiteral("With --host: ssh -F FILE instead of your ~/.ssh/config."),
                                 QStringLiteral("FILE")};
    QCommandLineOption compare{
        QStringLiteral("compare"),
        QStringLiteral("Compare moment A with moment B (the B after the options): `--compare A B`, each a "
                       "snapshot file or a recording's FILE@SECONDS or FILE@end. With --screenshot: the "
                       "picture of B with what is new, gone and moved marked."),
        QStringLiteral("A")};
    QCommandLineOption sshOption{QStringLiteral("ssh-option"),
                                 QStringLiteral("With --host: one more ssh -o KEY=VALUE (repeatable)."),
                                 QStringLiteral("KEY=VALUE")};

    void addTo(QCommandLineParser &parser) const
    {
        parser.setApplicationDescription(
            QStringLiteral("Linux namespaces, live: processes clustered by namespace."));
        parser.addHelpOption();
        parser.addVersionOption();
        parser.addOptions({screenshot, view, groupBy, snapshot, size, scale, redact, theme, unprivileged,
                           kauth, saveSnapshot, layoutJson, host, remoteSudo, remoteHelper, sshConfig,
                           compare, sshOption});
        parser.addPositionalArgument(QStringLiteral("B"), QStringLiteral("With --compare: moment B."),
                                     QStringLiteral("[B]"));
    }
};

/// --help and --version print and exit: they need no window system.
bool wantsTextOnly(int argc, char **argv)
{
    for (int i = 1; i < argc; ++i) {
        const char *a = argv[i];
        for (const char *opt : {"-h", "--help", "-?", "--help-all", "-v", "--version"})
            if (std::strcmp(a, opt) == 0)
                return true;
    }
    return false;
}

void describeApp()
{
    QCoreApplication::setApplicationName(QStringLiteral("nsviz"));
    QCoreApplication::setOrganizationName(QStringLiteral("nsviz"));
    QCoreApplication::setOrganizationDomain(QStringLiteral("nsviz.org"));
    QCoreApplication::setApplicationVersion(QStringLiteral(NSVIZ_VERSION));
}

} // namespace

int main(int argc, char **argv)
{
    nsviz::tuneHeap(); // before the first thread (core/proc/heap.h)
    if (wantsTextOnly(argc, argv)) {
        // A QCoreApplication needs no platform plugin: `nsviz --help` works over ssh, in CI, anywhere.
        QCoreApplication core(argc, argv);
        describeApp();
        QCommandLineParser parser;
        Options opts;
        opts.addTo(parser);
        parser.process(core); // prints and exits for --help/--version; an unknown option fails here too
        return 0;
    }
    // Screenshots need no display: pick the offscreen platform before QApplication looks for one.
    if (wantsHeadless(argc, argv) && qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    describeApp();
    QApplication::setDesktopFileName(QStringLiteral("org.nsviz.nsviz"));
    QApplication::setWindowIcon(
        QIcon::fromTheme(QStringLiteral("org.nsviz.nsviz"), QIcon(QStringLiteral(":/icons/nsviz.svg"))));

    QCommandLineParser parser;
    Options opts;
    opts.addTo(parser);
    parser.process(app);
    const auto &[screenshot, view, groupBy, snapshot, size, scale, redact, theme, unprivileged, kauth,
                 saveSnapshot, layoutJson, host, remoteSudo, remoteHelper, sshConfig, compare, sshOption] =
        opts;

    QTextStream out(stdout);
    QTextStream err(stderr);
    auto fail = [&](const QString &msg) {
        err << "nsviz: " << msg << "\n";
        err.flush();
        return 2;
    };

    // --compare A B: B is the one positional argument, and only --compare takes one.
    const QStringList positional = parser.positionalArguments();
    QString compareA, compareB;
    if (parser.isSet(compare)) {
        if (positional.size() != 1)
            return fail(QStringLiteral("--compare wants two moments: --compare A B"));
        compareA = parser.value(compare);
        compareB = positional.front();
        if (parser.isSet(host) || parser.isSet(snapshot) || parser.isSet(kauth))
            return fail(QStringLiteral(
                "--compare reads two files; it does not go with --host, --snapshot or --kauth"));
        if (parser.isSet(screenshot) && parser.value(view) != QLatin1String("cluster"))
            return fail(QStringLiteral("--compare draws the cluster view only"));
    } else if (!positional.isEmpty()) {
        return fail(QStringLiteral("unexpected argument \"%1\" (open a file with --snapshot FILE)")
                        .arg(positional.front()));
    }

    std::optional<SshTarget> target;
    if (parser.isSet(host)) {
        QString why;
        target = SshTarget::parse(parser.value(host), &why);
        if (!target)
            return fail(QStringLiteral("--host: ") + why);
        target->remoteSudo = parser.isSet(remoteSudo);
        if (parser.isSet(remoteHelper))
            target->remoteHelper = parser.value(remoteHelper);
        target->configFile = parser.value(sshConfig);
        target->sshOptions = parser.values(sshOption);
        for (const QString &o : target->sshOptions)
            if (!o.contains(QLatin1Char('=')) || o.startsWith(QLatin1Char('-')))
                return fail(QStringLiteral("--ssh-option wants KEY=VALUE, not \"%1\"").arg(o));
        if (parser.isSet(snapshot) || parser.isSet(kauth))
            return fail(
                QStringLiteral("--host scans a remote host; it does not go with --snapshot or --kauth"));
    } else if (parser.isSet(remoteSudo) || parser.isSet(remoteHelper) || parser.isSet(sshConfig) ||
               parser.isSet(sshOption)) {
        return fail(
            QStringLiteral("--remote-sudo, --remote-helper, --ssh-config and --ssh-option go with --host"));
    }

    const auto type = nsTypeFromName(parser.value(groupBy).toStdString());
    if (!type)
        return fail(QStringLiteral(
                        "unknown namespace type \"%1\" (use mnt, pid, net, uts, ipc, user, cgroup or time)")
                        .arg(parser.value(groupBy)));

    if (parser.isSet(layoutJson) && !parser.isSet(screenshot))
        return fail(QStringLiteral("--layout-json goes with --screenshot"));
    if (parser.isSet(screenshot)) {
        HeadlessOptions o;
        o.output = parser.value(screenshot);
        o.view = parser.value(view);
        o.groupBy = *type;
        o.snapshotFile = parser.value(snapshot);
        o.kauth = parser.isSet(kauth);
        o.host = target;
        o.saveSnapshot = parser.value(saveSnapshot);
        o.layoutJson = parser.value(layoutJson);
        o.compareA = compareA;
        o.compareB = compareB;
        if (o.kauth && !o.snapshotFile.isEmpty())
            return fail(QStringLiteral("--kauth scans this host; it does not go with --snapshot"));
        o.redact = parser.isSet(redact);
        const QStringList wh = parser.value(size).split(QLatin1Char('x'));
        bool okW = false, okH = false;
        if (wh.size() == 2)
            o.size = QSize(wh[0].toInt(&okW), wh[1].toInt(&okH));
        if (!okW || !okH || o.size.width() < 200 || o.size.height() < 150 || o.size.width() > 8000 ||
            o.size.height() > 8000)
            return fail(QStringLiteral("--size wants WxH between 200x150 and 8000x8000, not \"%1\"")
                            .arg(parser.value(size)));
        bool okS = false;
        o.scale = parser.value(scale).toDouble(&okS);
        if (!okS || (o.scale != 1 && o.scale != 2 && o.scale != 4))
            return fail(QStringLiteral("--scale wants 1, 2 or 4"));
        const QString th = parser.value(theme);
        if (th == QLatin1String("dark"))
            o.dark = true;
        else if (th == QLatin1String("light"))
            o.dark = false;
        else if (th != QLatin1String("auto"))
            return fail(QStringLiteral("--theme wants light, dark or auto"));
        const int rc = Headless::run(o, out, err);
        out.flush();
        err.flush();
        return rc;
    }
    MainWindow win;
    if (!compareA.isEmpty()) {
        // The comparison gets its own window; the main one shows this host (or nothing) behind it.
        win.session()->connectLive(/*escalated=*/false);
        CompareWindow::open(compareA, compareB, parser.isSet(redact), &win);
    } else if (target)
        win.session()->connectHost(*target);
    else if (parser.isSet(snapshot))
        win.session()->openFile(parser.value(snapshot));
    else
        win.session()->connectLive(/*escalated=*/geteuid() != 0 && !parser.isSet(unprivileged));
    if (parser.isSet(groupBy))
        win.setGroupBy(*type);
    if (parser.isSet(theme)) {
        const auto mode = Theme::fromName(parser.value(theme));
        if (!mode)
            return fail(QStringLiteral("--theme wants light, dark or auto"));
        win.setTheme(*mode);
    }
    win.show();
    return app.exec();
}
