// SPDX-License-Identifier: GPL-2.0-or-later
// The unprivileged experience, honestly: fake pkexec programs on PATH (no agent, not authorized,
// dismissed, absent) drive the real ProcessTransport and Session; the banner says exactly what is
// missing and "Try Again" really tries again; a snapshot without a host reference says so in words.
#include "app/models/snapshotstore.h"
#include "app/transport/processtransport.h"
#include "app/window/headless.h"
#include "app/window/mainwindow.h"
#include "app/window/session.h"
#include "core/protocol/snapshotjson.h"
#include "tests/app/faketransport.h"
#include "tests/app/gui_testutil.h"

#include <QCoreApplication>
#include <QFile>
#include <QFileInfo>
#include <QFrame>
#include <QLabel>
#include <QProcess>
#include <QPushButton>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <gtest/gtest.h>
#include <unistd.h>

using namespace nsviz;
using Error = Transport::Error;
using AuthState = Session::AuthOutcome::State;
using testutil::FakeTransport;

namespace
{

/// A temp dir put first on PATH (and NSVIZ_HELPER pointed at the built helper) for one test;
/// the old values come back afterwards.
class FakePath
{
public:
    FakePath()
        : m_oldPath(qgetenv("PATH")), m_oldHelper(qgetenv("NSVIZ_HELPER")),
          m_hadHelper(qEnvironmentVariableIsSet("NSVIZ_HELPER"))
    {
        // Only our dir: a real pkexec on the test machine must not be found.
        qputenv("PATH", m_dir.path().toLocal8Bit());
        qputenv("NSVIZ_HELPER", NSVIZ_HELPER_BIN);
    }
    ~FakePath()
    {
        qputenv("PATH", m_oldPath);
        if (m_hadHelper)
            qputenv("NSVIZ_HELPER", m_oldHelper);
        else
            qunsetenv("NSVIZ_HELPER");
    }
    /// (Re)writes the fake pkexec with @p body; an empty body removes it.
    void pkexec(const char *body)
    {
        const QString path = m_dir.filePath(QStringLiteral("pkexec"));
        QFile::remove(path);
        if (!*body)
            return;
        QFile f(path);
        ASSERT_TRUE(f.open(QIODevice::WriteOnly));
        f.write("#!/bin/sh\n");
        f.write(body);
        f.close();
        f.setPermissions(QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
    }

private:
    QTemporaryDir m_dir;
    QByteArray m_oldPath, m_oldHelper;
    bool m_hadHelper;
};

constexpr const char *kNoAgent =
    "echo 'Error executing command as another user: No authentication agent found.' >&2\nexit 127\n";
constexpr const char *kNotAuthorized = "echo 'Error executing command as another user: Not authorized' >&2\n"
                                       "echo '' >&2\necho 'This incident has been reported.' >&2\nexit 127\n";
constexpr const char *kDismissed = "echo 'Error executing command as another user: Request dismissed' >&2\n"
                                   "exit 126\n";
constexpr const char *kRunsIt = "exec \"$@\"\n"; // an agent that says yes at once

/// The real transports as an unprivileged user gets them, whoever runs the test.
Transport *asUser(bool escalated, QObject *parent)
{
    return Session::makeTransport(escalated, /*root=*/false, parent);
}

bool waitUntil(const std::function<bool()> &done, int timeoutMs = 30000)
{
    for (int waited = 0; !done() && waited < timeoutMs; waited += 20)
        QTest::qWait(20);
    return done();
}

QString bannerText(const MainWindow &win)
{
    auto *l = win.findChild<QLabel *>(QStringLiteral("privilegeBannerText"));
    return l ? l->text() : QString();
}

/// A KAuth-enabled build whose KAuth helper is not installed (the Debian 13 stage runs ctest before
/// installing it) rightly adds "(The KAuth helper is not installed either: …)"; the checks here are
/// about the pkexec path, so they look at the text without that note.
QString withoutKAuthNote(QString s)
{
    const int i = s.indexOf(QStringLiteral(" (The KAuth helper is not installed either"));
    if (i >= 0) {
        const int j = s.indexOf(QLatin1Char(')'), i);
        s.remove(i, j < 0 ? s.size() - i : j - i + 1);
    }
    return s;
}

} // namespace

TEST(Unprivileged, PkexecVerdictsOnPathBecomeTypedErrors)
{
    struct Case {
        const char *pkexec; ///< "" = not installed
        const char *helper; ///< nullptr = the built helper
        Error expected;
        const char *says;
    } cases[] = {
        {kNoAgent, nullptr, Error::NoAuthAgent, "no polkit authentication agent"},
        {kNotAuthorized, nullptr, Error::Denied, "did not authorize"},
        {kDismissed, nullptr, Error::Cancelled, "cancelled"},
        {"", nullptr, Error::AuthToolMissing, "pkexec is not installed"},
        {kRunsIt, "/nonexistent/nsviz-helper", Error::HelperMissing, "/nonexistent/nsviz-helper"},
        {"echo 'pkexec must be setuid root' >&2\nexit 127\n", nullptr, Error::AuthToolMissing, "setuid"},
        {"echo 'Cannot run program /x: No such file or directory' >&2\nexit 127\n", nullptr,
         Error::HelperMissing, "could not run the helper"},
    };
    for (const auto &c : cases) {
        FakePath path;
        path.pkexec(c.pkexec);
        ProcessTransport::Options o;
        o.mode = ProcessTransport::Mode::Pkexec;
        if (c.helper)
            o.helperPath = QString::fromLatin1(c.helper);
        ProcessTransport t(o);
        QSignalSpy failSpy(&t, &Transport::failed);
        t.start();
        ASSERT_TRUE(waitUntil([&] { return failSpy.count() > 0; })) << c.pkexec;
        EXPECT_EQ(failSpy.at(0).at(0).value<Error>(), c.expected) << c.pkexec;
        const QString msg = failSpy.at(0).at(1).toString();
        EXPECT_TRUE(msg.contains(QString::fromLatin1(c.says), Qt::CaseInsensitive)) << msg.toStdString();
        if (c.expected != Error::HelperMissing) {
            EXPECT_FALSE(msg.contains(QStringLiteral("helper is not installed"))) << msg.toStdString();
        }
    }
}

TEST(Unprivileged, SessionSaysWhatIsMissingAndFallsBack)
{
    struct Case {
        const char *pkexec;
        Error expected;
        const char *headline;
        const char *hint;
    } cases[] = {
        {kNoAgent, Error::NoAuthAgent, "No polkit authentication agent is running", "pkttyagent"},
        {"", Error::AuthToolMissing, "pkexec is not installed", "apt install pkexec"},
        {kNotAuthorized, Error::Denied, "Not authorized", "Ask an administrator"},
        {kDismissed, Error::Cancelled, "Authentication was cancelled", "nsviz --unprivileged"},
    };
    for (const auto &c : cases) {
        FakePath path;
        path.pkexec(c.pkexec);
        SnapshotStore store;
        Session session(&store);
        session.setTransportFactory(asUser);
        session.connectLive(true);
        ASSERT_TRUE(waitUntil([&] { return session.authOutcome().state == AuthState::Failed; })) << c.pkexec;
        const auto &a = session.authOutcome();
        EXPECT_EQ(a.error, c.expected);
        EXPECT_EQ(a.via, QStringLiteral("nsviz-helper (pkexec)"));
        EXPECT_EQ(a.headline, QString::fromLatin1(c.headline));
        EXPECT_TRUE(a.hint.contains(QString::fromLatin1(c.hint))) << a.hint.toStdString();
        // The helper is there: nothing may say it is not.
        EXPECT_FALSE(a.headline.contains(QStringLiteral("helper is not installed")));
        // What is visible without privileges, from the in-process scan.
        ASSERT_TRUE(waitUntil([&] { return !store.isEmpty(); })) << c.pkexec;
        EXPECT_EQ(session.source(), Session::Source::Live);
        EXPECT_EQ(session.transport()->description(), QStringLiteral("in-process"));
        EXPECT_EQ(session.authOutcome().state, AuthState::Failed); // the fallback keeps the verdict
        session.disconnectLive();
    }
}

TEST(Unprivileged, MissingHelperIsSaidOnlyWhenItIsMissing)
{
    FakePath path;
    path.pkexec(kRunsIt);
    qputenv("NSVIZ_HELPER", "/nonexistent/nsviz-helper");
    SnapshotStore store;
    Session session(&store);
    session.setTransportFactory(asUser);
    session.connectLive(true);
    ASSERT_TRUE(waitUntil([&] { return session.authOutcome().state == AuthState::Failed; }));
    EXPECT_EQ(session.authOutcome().error, Error::HelperMissing);
    EXPECT_EQ(session.authOutcome().headline, QStringLiteral("nsviz-helper is not installed"));
    EXPECT_TRUE(session.authOutcome().hint.contains(QStringLiteral("/nonexistent/nsviz-helper")));
    EXPECT_FALSE(
        withoutKAuthNote(session.authOutcome().hint).contains(QStringLiteral("not installed either")));
    session.disconnectLive();

    // Neither is there: both are named.
    path.pkexec("");
    session.connectLive(true);
    ASSERT_TRUE(waitUntil([&] { return session.authOutcome().state == AuthState::Failed; }));
    EXPECT_EQ(session.authOutcome().error, Error::HelperMissing);
    EXPECT_TRUE(session.authOutcome().hint.contains(QStringLiteral("pkexec, which would run it with "
                                                                   "privileges, is not installed either")));
    session.disconnectLive();
}

TEST(Unprivileged, KAuthHelperMissingIsNamed)
{
    const auto o = Session::explainAuthFailure(Error::HelperMissing, QStringLiteral("KAuth"),
                                               QStringLiteral("The nsviz KAuth helper could not be started"));
    EXPECT_EQ(o.state, AuthState::Failed);
    EXPECT_EQ(o.headline, QStringLiteral("The nsviz KAuth helper is not installed"));
    EXPECT_TRUE(o.hint.contains(Session::kauthServiceFile()));
    EXPECT_TRUE(o.hint.contains(QStringLiteral("sudo nsviz")));
}

TEST(Unprivileged, BannerSaysWhyAndTryAgainReallyTriesAgain)
{
    FakePath path;
    path.pkexec(kNoAgent);
    MainWindow win;
    win.setInteractive(false);
    win.show();
    win.session()->setTransportFactory(asUser);
    win.session()->connectLive(true);
    auto *banner = win.findChild<QFrame *>(QStringLiteral("privilegeBanner"));
    auto *button = win.findChild<QPushButton *>(QStringLiteral("privilegeBannerButton"));
    ASSERT_TRUE(banner && button);
    ASSERT_TRUE(waitUntil([&] { return win.session()->authOutcome().state == AuthState::Failed; }));
    ASSERT_TRUE(waitUntil([&] { return !win.store()->isEmpty(); }));
    EXPECT_TRUE(banner->isVisible());
    EXPECT_TRUE(bannerText(win).contains(QStringLiteral("No polkit authentication agent is running")))
        << bannerText(win).toStdString();
    EXPECT_TRUE(bannerText(win).contains(QStringLiteral("Showing what is visible without privileges")));
    EXPECT_FALSE(withoutKAuthNote(bannerText(win)).contains(QStringLiteral("not installed")));
    EXPECT_EQ(button->text(), QStringLiteral("Try Again"));
    EXPECT_TRUE(button->isEnabled());

    // The user dismisses the dialog this time: the banner says that, not the old reason.
    path.pkexec(kDismissed);
    QSignalSpy outcome(win.session(), &Session::authOutcomeChanged);
    button->click();
    ASSERT_GE(outcome.count(), 1);
    ASSERT_TRUE(waitUntil([&] { return win.session()->authOutcome().state == AuthState::Failed; }));
    EXPECT_EQ(win.session()->authOutcome().error, Error::Cancelled);
    ASSERT_TRUE(
        waitUntil([&] { return win.session()->transport() && !win.session()->waitingForFirstSnapshot(); }));
    EXPECT_TRUE(bannerText(win).contains(QStringLiteral("Authentication was cancelled")))
        << bannerText(win).toStdString();
    EXPECT_FALSE(bannerText(win).contains(QStringLiteral("agent")));

    // An agent that says yes: the helper runs (as whoever runs the test) and the banner reports it.
    path.pkexec(kRunsIt);
    button->click();
    ASSERT_TRUE(waitUntil([&] { return win.session()->authOutcome().state == AuthState::Succeeded; }));
    EXPECT_EQ(win.session()->authOutcome().via, QStringLiteral("nsviz-helper (pkexec)"));
    EXPECT_EQ(win.session()->transport()->description(), QStringLiteral("nsviz-helper (pkexec)"));
    if (geteuid() == 0) {
        // The helper really is privileged here: nothing is missing any more.
        ASSERT_TRUE(waitUntil([&] { return win.session()->privileged(); }));
        EXPECT_FALSE(banner->isVisible()) << bannerText(win).toStdString();
    }
    win.session()->disconnectLive();
}

TEST(Unprivileged, AuthenticatedButStillRefusedDoesNotAskAgain)
{
    // The escalated path connected, yet some processes stay unreadable (a hardened process refuses
    // even root): the banner says so and does not offer to authenticate again.
    MainWindow win;
    win.setInteractive(false);
    win.show();
    FakeTransport *fake = nullptr;
    win.session()->setTransportFactory(
        [&](bool, QObject *parent) { return fake = new FakeTransport(parent); });
    win.session()->connectLive(true);
    ASSERT_TRUE(fake);
    EXPECT_EQ(win.session()->authOutcome().state, AuthState::Succeeded); // connected() came at once
    Snapshot s = guitest::hostSmall();
    s.host.privileged = false;
    s.host.invisibleProcesses = 2;
    Q_EMIT fake->snapshotReceived(s);
    auto *button = win.findChild<QPushButton *>(QStringLiteral("privilegeBannerButton"));
    ASSERT_TRUE(button);
    EXPECT_TRUE(bannerText(win).contains(QStringLiteral("2 processes not visible</b> even through fake")))
        << bannerText(win).toStdString();
    EXPECT_FALSE(button->isVisible());
}

TEST(Unprivileged, NoHostReferenceIsSaidInWords)
{
    Snapshot s = guitest::hostSmall();
    s.host.referencePid = 0;
    s.host.referenceComm.clear();
    s.host.referenceStartTime = 0;
    s.host.referenceNote = "neither PID 1 nor kthreadd (pid 2) could be read (run as root to see them)";
    s.hostNs = {};

    const QString summary = Headless::summary(s, NsType::Net);
    EXPECT_TRUE(
        summary.contains(QStringLiteral("host reference unknown: neither PID 1 nor kthreadd readable")))
        << summary.toStdString();
    EXPECT_FALSE(summary.contains(QStringLiteral("PID 0"))) << summary.toStdString();

    // The picture's header, through the real `nsviz --screenshot` on a saved snapshot.
    QTemporaryDir dir;
    const QString json = dir.filePath(QStringLiteral("noref.json"));
    {
        QFile f(json);
        ASSERT_TRUE(f.open(QIODevice::WriteOnly));
        f.write(QByteArray::fromStdString(toJson(s).dump()));
    }
    const QString svg = dir.filePath(QStringLiteral("noref.svg"));
    QProcess p;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
    p.setProcessEnvironment(env);
    p.start(QFileInfo(QCoreApplication::applicationDirPath() + QStringLiteral("/../app/nsviz"))
                .absoluteFilePath(),
            {QStringLiteral("--screenshot"), svg, QStringLiteral("--snapshot"), json,
             QStringLiteral("--size"), QStringLiteral("1400x800")});
    ASSERT_TRUE(p.waitForFinished(120000));
    ASSERT_EQ(p.exitCode(), 0) << p.readAllStandardError().toStdString();
    const QString out = QString::fromUtf8(p.readAllStandardOutput());
    EXPECT_TRUE(out.contains(QStringLiteral("host reference unknown"))) << out.toStdString();
    QFile f(svg);
    ASSERT_TRUE(f.open(QIODevice::ReadOnly));
    const QString text = QString::fromUtf8(f.readAll());
    EXPECT_TRUE(text.contains(QStringLiteral("host reference unknown: neither PID 1 nor kthreadd readable")));
    EXPECT_FALSE(text.contains(QStringLiteral("PID 0")));
}
