// SPDX-License-Identifier: GPL-2.0-or-later
// Remote hosts through a real OpenSSH server. The test makes its own "remote host": a process in
// fresh network, UTS and mount namespaces with its own hostname, where /usr/sbin/sshd listens on
// 127.0.0.1 with a host key and an authorized key made for the test. The client side (ssh, started
// by ProcessTransport or by `nsviz --screenshot --host`) runs in that network namespace too, so no
// packet leaves namespaces the test made. Checks a remote scan, a live delta, each error cause and
// that no sshd or ssh is left behind.
#include "app/models/snapshotstore.h"
#include "app/transport/processtransport.h"
#include "app/transport/sshtarget.h"
#include "app/window/mainwindow.h"
#include "app/window/session.h"
#include "tests/common/commandrunner.h"
#include "tests/common/nschild.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTest>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <gtest/gtest.h>
#include <memory>
#include <sched.h>
#include <signal.h>
#include <sstream>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace nsviz;

namespace
{
constexpr int kPort = 2222;

std::string slurp(const std::string &path)
{
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

void writeText(const std::string &path, const std::string &text, mode_t mode = 0600)
{
    std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
    ::chmod(path.c_str(), mode);
}

std::string trim(std::string s)
{
    while (!s.empty() && (s.back() == '\n' || s.back() == ' '))
        s.pop_back();
    return s;
}

std::uint64_t netInode(pid_t pid)
{
    struct stat st {
    };
    const std::string p = "/proc/" + std::to_string(pid) + "/ns/net";
    return ::stat(p.c_str(), &st) == 0 ? st.st_ino : 0;
}

/// Pids (other than @p except) whose network namespace is @p inode.
std::vector<pid_t> pidsInNet(std::uint64_t inode, const std::vector<pid_t> &except)
{
    std::vector<pid_t> out;
    QDir proc(QStringLiteral("/proc"));
    for (const QString &e : proc.entryList(QDir::Dirs | QDir::NoDotAndDotDot)) {
        bool ok = false;
        const pid_t pid = e.toInt(&ok);
        if (!ok || std::find(except.begin(), except.end(), pid) != except.end())
            continue;
        if (netInode(pid) == inode)
            out.push_back(pid);
    }
    return out;
}

/// The test's remote host: namespaces, keys, configs, sshd. One per test suite.
struct RemoteHost {
    std::string dir, hostname, error;
    std::unique_ptr<test::NsChild> holder;
    pid_t sshd = -1;
    int ourNet = -1; ///< the test's own network namespace, to go back to
    std::uint64_t netIno = 0;

    std::string path(const std::string &name) const { return dir + "/" + name; }

    bool run(const std::vector<std::string> &argv)
    {
        auto r = test::CommandRunner::run(argv, 60000);
        if (r.exitCode != 0)
            error = argv[0] + ": " + r.err;
        return r.exitCode == 0;
    }

    /// A client config: the test's key, known_hosts and strict checking; nothing of the user's.
    void clientConfig(const std::string &name, const std::string &key, const std::string &knownHosts)
    {
        writeText(path(name), "Host *\n"
                              "  IdentityFile " +
                                  path(key) +
                                  "\n"
                                  "  IdentitiesOnly yes\n"
                                  "  IdentityAgent none\n"
                                  "  UserKnownHostsFile " +
                                  path(knownHosts) +
                                  "\n"
                                  "  GlobalKnownHostsFile /dev/null\n"
                                  "  StrictHostKeyChecking yes\n"
                                  "  ConnectTimeout 10\n");
    }

    bool start()
    {
        dir = std::string(NSVIZ_TEST_OUTPUT) + "/ssh-" + std::to_string(::getpid());
        hostname = "nsviz-remote-" + std::to_string(::getpid());
        QDir(QString::fromStdString(dir)).removeRecursively();
        QDir().mkpath(QString::fromStdString(dir + "/bin"));
        ::chmod(dir.c_str(), 0700);
        for (const char *k : {"host_key", "other_host_key", "client_key", "stranger_key"})
            if (!run({"ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", k, "-f", path(k)}))
                return false;
        writeText(path("authorized_keys"), slurp(path("client_key.pub")));
        auto entry = [&](const char *pub) {
            std::istringstream in(slurp(path(pub)));
            std::string type, key;
            in >> type >> key;
            return "[127.0.0.1]:" + std::to_string(kPort) + " " + type + " " + key + "\n";
        };
        writeText(path("known_hosts"), entry("host_key.pub"));
        writeText(path("known_hosts_changed"), entry("other_host_key.pub"));
        writeText(path("known_hosts_empty"), "");
        clientConfig("ssh_ok", "client_key", "known_hosts");
        clientConfig("ssh_unknown", "client_key", "known_hosts_empty");
        clientConfig("ssh_changed", "client_key", "known_hosts_changed");
        clientConfig("ssh_stranger", "stranger_key", "known_hosts");
        // A helper of another protocol version: answers the hello with an old one.
        writeText(path("old-helper"),
                  "#!/bin/sh\nread line\n"
                  "echo '{\"v\":0,\"type\":\"hello\",\"id\":1,\"protocol\":0,\"helper_version\":\"0.0.1\"}'\n"
                  "sleep 5\n",
                  0755);
        // The remote PATH holds none of nsviz: the plain name "nsviz-helper" is not found there.
        writeText(path("sshd_config"), "Port " + std::to_string(kPort) +
                                           "\n"
                                           "ListenAddress 127.0.0.1\n"
                                           "HostKey " +
                                           path("host_key") +
                                           "\n"
                                           "PidFile none\n"
                                           "AuthorizedKeysFile " +
                                           path("authorized_keys") +
                                           "\n"
                                           "PubkeyAuthentication yes\n"
                                           "PasswordAuthentication no\n"
                                           "KbdInteractiveAuthentication no\n"
                                           "PermitRootLogin prohibit-password\n"
                                           "UsePAM no\n"
                                           "StrictModes no\n"
                                           "SetEnv PATH=" +
                                           path("bin") +
                                           "\n"
                                           "LogLevel VERBOSE\n");
        // The namespaces: loopback up, a hostname of its own, sshd's privilege-separation dir on a
        // tmpfs of its own /run (nothing is made on the host).
        test::NsLevel level(CLONE_NEWNET | CLONE_NEWUTS | CLONE_NEWNS);
        level.run = "hostname " + hostname +
                    " && ip link set lo up && mount -t tmpfs tmpfs /run && mkdir -p /run/sshd";
        holder = std::make_unique<test::NsChild>(std::vector<test::NsLevel>{level});
        if (!holder->error().empty()) {
            error = holder->error();
            return false;
        }
        netIno = netInode(holder->pid());
        const std::string ns = "/proc/" + std::to_string(holder->pid()) + "/ns/";
        int fds[3] = {::open((ns + "net").c_str(), O_RDONLY | O_CLOEXEC),
                      ::open((ns + "uts").c_str(), O_RDONLY | O_CLOEXEC),
                      ::open((ns + "mnt").c_str(), O_RDONLY | O_CLOEXEC)};
        const std::string log = path("sshd.log");
        sshd = ::fork();
        if (sshd == 0) {
            ::prctl(PR_SET_PDEATHSIG, SIGKILL);
            if (::setns(fds[0], CLONE_NEWNET) != 0 || ::setns(fds[1], CLONE_NEWUTS) != 0 ||
                ::setns(fds[2], CLONE_NEWNS) != 0)
                ::_exit(120);
            int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
            ::dup2(fd, 2);
            ::execl("/usr/sbin/sshd", "/usr/sbin/sshd", "-D", "-e", "-f", path("sshd_config").c_str(),
                    static_cast<char *>(nullptr));
            ::_exit(127);
        }
        for (int fd : fds)
            ::close(fd);
        // Ready when it says it listens.
        for (int i = 0; i < 400; ++i) {
            if (slurp(log).find("Server listening on 127.0.0.1 port") != std::string::npos)
                break;
            int status = 0;
            if (::waitpid(sshd, &status, WNOHANG) == sshd) {
                sshd = -1;
                error = "sshd exited: " + slurp(log);
                return false;
            }
            ::usleep(25000);
        }
        if (slurp(log).find("Server listening") == std::string::npos) {
            error = "sshd did not start listening: " + slurp(log);
            return false;
        }
        // The client side lives in the remote's network namespace: this (GUI) thread enters it, so
        // the ssh that ProcessTransport starts from it does too.
        ourNet = ::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
        const int theirs = ::open((ns + "net").c_str(), O_RDONLY | O_CLOEXEC);
        const bool entered = theirs >= 0 && ::setns(theirs, CLONE_NEWNET) == 0;
        ::close(theirs);
        if (!entered)
            error = "setns into the test's network namespace failed";
        return entered;
    }

    void stop()
    {
        if (ourNet >= 0) {
            ::setns(ourNet, CLONE_NEWNET);
            ::close(ourNet);
            ourNet = -1;
        }
        if (sshd > 0) {
            ::kill(sshd, SIGTERM);
            ::waitpid(sshd, nullptr, 0);
            sshd = -1;
        }
        holder.reset();
        if (!dir.empty())
            QDir(QString::fromStdString(dir)).removeRecursively();
    }

    SshTarget target(const std::string &config, int port = kPort) const
    {
        SshTarget t = *SshTarget::parse(QStringLiteral("root@127.0.0.1:%1").arg(port));
        t.configFile = QString::fromStdString(path(config));
        t.remoteHelper = QStringLiteral(NSVIZ_HELPER_BIN);
        t.connectTimeoutS = 10;
        return t;
    }
};

RemoteHost *g_host = nullptr;

class SshTransport : public ::testing::Test
{
protected:
    static void SetUpTestSuite()
    {
        if (::geteuid() != 0 || !QFileInfo::exists(QStringLiteral("/usr/sbin/sshd")) ||
            QStandardPaths::findExecutable(QStringLiteral("ssh")).isEmpty())
            return;
        g_host = new RemoteHost;
        if (!g_host->start()) {
            s_error = g_host->error;
            g_host->stop();
            delete g_host;
            g_host = nullptr;
        }
    }
    static void TearDownTestSuite()
    {
        if (g_host) {
            g_host->stop();
            delete g_host;
            g_host = nullptr;
        }
    }
    void SetUp() override
    {
        if (::geteuid() != 0)
            GTEST_SKIP() << "needs root: network namespaces and sshd";
        if (!QFileInfo::exists(QStringLiteral("/usr/sbin/sshd")))
            GTEST_SKIP() << "openssh-server is not installed (scripts/deps/test.txt)";
        ASSERT_NE(g_host, nullptr) << s_error;
    }

    /// Connects with @p t and waits for failed(); returns the error and message.
    static std::pair<Transport::Error, QString> failure(const SshTarget &t)
    {
        ProcessTransport::Options o;
        o.mode = ProcessTransport::Mode::Ssh;
        o.ssh = t;
        ProcessTransport tr(o);
        QSignalSpy failed(&tr, &Transport::failed);
        QSignalSpy connected(&tr, &Transport::connected);
        tr.start();
        EXPECT_TRUE(QTest::qWaitFor([&] { return failed.count() > 0 || connected.count() > 0; }, 60000));
        EXPECT_EQ(connected.count(), 0);
        if (failed.isEmpty())
            return {Transport::Error::Other, QString()};
        const auto args = failed.first();
        // Let the killed ssh be reaped before the next case.
        QTest::qWait(100);
        return {args.at(0).value<Transport::Error>(), args.at(1).toString()};
    }

    static inline std::string s_error;
};
} // namespace

TEST_F(SshTransport, RemoteScanAndLiveDelta)
{
    ProcessTransport::Options o;
    o.mode = ProcessTransport::Mode::Ssh;
    o.ssh = g_host->target("ssh_ok");
    ProcessTransport tr(o);
    EXPECT_EQ(tr.description(), QStringLiteral("nsviz-helper on root@127.0.0.1:%1 (ssh)").arg(kPort));
    QSignalSpy failed(&tr, &Transport::failed);
    std::vector<Snapshot> snaps;
    std::vector<SnapshotDelta> deltas;
    QObject::connect(&tr, &Transport::snapshotReceived, [&](const Snapshot &s) { snaps.push_back(s); });
    QObject::connect(&tr, &Transport::deltaReceived, [&](const SnapshotDelta &d) { deltas.push_back(d); });
    tr.subscribe(100);
    tr.start();
    ASSERT_TRUE(QTest::qWaitFor([&] { return !snaps.empty() || !failed.isEmpty(); }, 90000));
    ASSERT_TRUE(failed.isEmpty()) << failed.first().at(1).toString().toStdString()
                                  << slurp(g_host->path("sshd.log"));
    // The helper ran "over there": in the remote's UTS namespace, with its hostname.
    EXPECT_EQ(snaps.front().host.hostname, g_host->hostname);
    EXPECT_TRUE(tr.privileged());
    EXPECT_NE(snaps.front().findProcess(g_host->sshd), nullptr) << "the remote's sshd is in its scan";

    // A live delta: a process that starts on the "remote" shows up as added.
    test::NsChild fresh = test::NsChild::unshared(CLONE_NEWIPC);
    ASSERT_TRUE(fresh.error().empty()) << fresh.error();
    const int pid = fresh.pid();
    auto hasIt = [&] {
        for (const auto &d : deltas)
            for (const auto &p : d.addedProcesses)
                if (p.pid == pid)
                    return true;
        return false;
    };
    EXPECT_TRUE(QTest::qWaitFor(hasIt, 60000));
    EXPECT_TRUE(failed.isEmpty());

    QSignalSpy disconnected(&tr, &Transport::disconnected);
    tr.stop();
    EXPECT_TRUE(QTest::qWaitFor([&] { return !disconnected.isEmpty(); }, 10000));
}

TEST_F(SshTransport, EachErrorNamesItsCause)
{
    const QString host = QStringLiteral("root@127.0.0.1");
    {
        auto [e, msg] = failure(g_host->target("ssh_ok", kPort + 1)); // nobody listens there
        EXPECT_EQ(e, Transport::Error::Unreachable) << msg.toStdString();
        EXPECT_TRUE(msg.contains(host)) << msg.toStdString();
    }
    {
        auto [e, msg] = failure(g_host->target("ssh_unknown"));
        EXPECT_EQ(e, Transport::Error::HostKeyUnknown) << msg.toStdString();
    }
    {
        auto [e, msg] = failure(g_host->target("ssh_changed"));
        EXPECT_EQ(e, Transport::Error::HostKeyChanged) << msg.toStdString();
        EXPECT_TRUE(msg.contains(QLatin1String("CHANGED"))) << msg.toStdString();
    }
    {
        auto [e, msg] = failure(g_host->target("ssh_stranger"));
        EXPECT_EQ(e, Transport::Error::AuthRefused) << msg.toStdString();
    }
    {
        SshTarget t = g_host->target("ssh_ok");
        t.remoteHelper = QStringLiteral("nsviz-helper"); // not on the remote PATH
        auto [e, msg] = failure(t);
        EXPECT_EQ(e, Transport::Error::HelperMissing) << msg.toStdString();
        EXPECT_TRUE(msg.contains(QLatin1String("not installed on"))) << msg.toStdString();
    }
    {
        SshTarget t = g_host->target("ssh_ok");
        t.remoteHelper = QString::fromStdString(g_host->path("old-helper"));
        auto [e, msg] = failure(t);
        EXPECT_EQ(e, Transport::Error::ProtocolMismatch) << msg.toStdString();
        EXPECT_TRUE(msg.contains(QLatin1String("version"))) << msg.toStdString();
    }
}

TEST_F(SshTransport, WindowOnARemoteHostNamesItAndNeverFallsBackToThisOne)
{
    MainWindow win;
    win.setInteractive(false);
    win.session()->connectHost(g_host->target("ssh_ok"));
    ASSERT_TRUE(QTest::qWaitFor([&] { return !win.session()->waitingForFirstSnapshot(); }, 90000));
    EXPECT_EQ(win.session()->source(), Session::Source::Live);
    EXPECT_TRUE(win.session()->sourceText().contains(QStringLiteral("ssh")))
        << win.session()->sourceText().toStdString();
    EXPECT_TRUE(QTest::qWaitFor(
        [&] { return win.windowTitle().contains(QString::fromStdString(g_host->hostname)); }, 5000));
    EXPECT_TRUE(win.windowTitle().contains(QStringLiteral("(ssh root@127.0.0.1:%1)").arg(kPort)))
        << win.windowTitle().toStdString();

    // A key the host refuses: the window says so, and shows nothing of this host instead.
    MainWindow other;
    other.setInteractive(false);
    QSignalSpy failed(other.session(), &Session::liveFailed);
    other.session()->connectHost(g_host->target("ssh_stranger"));
    ASSERT_TRUE(QTest::qWaitFor([&] { return !failed.isEmpty(); }, 60000));
    EXPECT_TRUE(failed.first().at(0).toString().contains(QStringLiteral("refused the login")))
        << failed.first().at(0).toString().toStdString();
    QTest::qWait(300);
    EXPECT_TRUE(other.session()->remoteHost().has_value());
    EXPECT_NE(other.session()->transport(), nullptr);
    // The title names the host asked for, and no hostname: nothing of this host is shown.
    EXPECT_TRUE(other.windowTitle().startsWith(QStringLiteral("(ssh root@127.0.0.1:%1)").arg(kPort)))
        << other.windowTitle().toStdString();
}

namespace
{
/// A non-root user of the test's own (a name unique to this test process) who logs in to the test's
/// sshd with the test's client key, and the sudoers drop-in that lets it (or not) run the helper
/// with `sudo -n`. Both go when the test ends: userdel, and the drop-in removed.
struct SudoUser {
    std::string name, dropIn, dir, sudoLink, error;
    bool created = false;

    bool run(const std::vector<std::string> &argv)
    {
        auto r = test::CommandRunner::run(argv, 60000);
        if (r.exitCode != 0)
            error = argv[0] + ": " + r.err + r.out;
        return r.exitCode == 0;
    }

    bool create(const RemoteHost &host)
    {
        dir = host.dir;
        name = "nsvizsudo" + std::to_string(::getpid() % 1000000);
        dropIn = "/etc/sudoers.d/nsviz-test-" + std::to_string(::getpid());
        // No home, a shell to run the remote command; "*" instead of useradd's "!" so that sshd
        // (UsePAM no) does not take the account for a locked one.
        if (!run({"useradd", "--system", "--no-create-home", "--home-dir", "/nonexistent", "--shell",
                  "/bin/sh", "--comment", "nsviz remote-sudo test", name}))
            return false;
        created = true;
        if (!run({"usermod", "-p", "*", name}))
            return false;
        // sshd reads the authorized keys as the user: let it through the test's directory to that
        // one file (the private keys stay the test's alone).
        ::chmod(dir.c_str(), 0711);
        ::chmod(host.path("authorized_keys").c_str(), 0644);
        // The remote PATH is the test's bin directory (nothing of nsviz there): sudo goes in it.
        sudoLink = host.path("bin/sudo");
        const QString sudo = QStandardPaths::findExecutable(QStringLiteral("sudo"));
        if (::symlink(sudo.toStdString().c_str(), sudoLink.c_str()) != 0) {
            error = "symlink " + sudoLink + ": " + std::strerror(errno);
            return false;
        }
        return true;
    }

    /// Writes the drop-in: the helper with NOPASSWD, or the helper with a password (which `sudo -n`
    /// cannot give). Checked by visudo before it goes live.
    bool allow(const RemoteHost &host, bool noPassword)
    {
        const std::string staged = host.path("sudoers-staged");
        writeText(staged,
                  "# nsviz sshtransport_test (pid " + std::to_string(::getpid()) +
                      "), removed after the test\n" + name + " ALL=(root) " +
                      (noPassword ? "NOPASSWD: " : "") + NSVIZ_HELPER_BIN + "\n",
                  0440);
        if (!run({"visudo", "-cf", staged}))
            return false;
        return run({"install", "-m", "0440", "-o", "root", "-g", "root", staged, dropIn});
    }

    ~SudoUser()
    {
        ::unlink(dropIn.c_str());
        if (!sudoLink.empty())
            ::unlink(sudoLink.c_str());
        if (created)
            test::CommandRunner::run({"userdel", name}, 60000);
        if (!dir.empty())
            ::chmod(dir.c_str(), 0700);
    }

    SshTarget target(const RemoteHost &host) const
    {
        SshTarget t = host.target("ssh_ok");
        t.user = QString::fromStdString(name);
        t.remoteSudo = true;
        return t;
    }
};
} // namespace

TEST_F(SshTransport, RemoteSudoRunsTheHelperAsRootAndAPasswordPromptIsANamedError)
{
    if (QStandardPaths::findExecutable(QStringLiteral("sudo")).isEmpty() ||
        QStandardPaths::findExecutable(QStringLiteral("visudo")).isEmpty())
        GTEST_SKIP() << "sudo is not installed (scripts/deps/test.txt)";
    SudoUser user;
    ASSERT_TRUE(user.create(*g_host)) << user.error;
    ASSERT_TRUE(user.allow(*g_host, /*noPassword=*/true)) << user.error;

    // Logged in as the user, the helper runs as root through sudo -n: a privileged scan of the
    // remote, its hostname and all.
    {
        ProcessTransport::Options o;
        o.mode = ProcessTransport::Mode::Ssh;
        o.ssh = user.target(*g_host);
        EXPECT_TRUE(o.ssh->sshArguments(QStringLiteral("serve"))
                        .join(QLatin1Char(' '))
                        .contains(QStringLiteral("sudo -n ")));
        ProcessTransport tr(o);
        QSignalSpy failed(&tr, &Transport::failed);
        std::vector<Snapshot> snaps;
        QObject::connect(&tr, &Transport::snapshotReceived, [&](const Snapshot &s) { snaps.push_back(s); });
        QObject::connect(&tr, &Transport::connected, &tr, &Transport::requestScan);
        tr.start();
        ASSERT_TRUE(QTest::qWaitFor([&] { return !snaps.empty() || !failed.isEmpty(); }, 90000));
        ASSERT_TRUE(failed.isEmpty())
            << failed.first().at(1).toString().toStdString() << slurp(g_host->path("sshd.log"));
        EXPECT_EQ(snaps.front().host.hostname, g_host->hostname);
        EXPECT_TRUE(tr.privileged()) << "sudo ran the helper as root";
        // Root reads the namespaces of root's sshd; the user alone could not (PID 1 of some
        // machines refuses even root, so host.privileged says nothing here).
        const Process *sshd = snaps.front().findProcess(g_host->sshd);
        ASSERT_NE(sshd, nullptr);
        EXPECT_TRUE(sshd->visible) << "the helper did not run as root";
        QSignalSpy disconnected(&tr, &Transport::disconnected);
        tr.stop();
        EXPECT_TRUE(QTest::qWaitFor([&] { return !disconnected.isEmpty(); }, 10000));
    }

    // sudo wants a password: `sudo -n` says so at once, and the error names sudo and the host.
    ASSERT_TRUE(user.allow(*g_host, /*noPassword=*/false)) << user.error;
    {
        auto [e, msg] = failure(user.target(*g_host));
        EXPECT_EQ(e, Transport::Error::Denied) << msg.toStdString();
        EXPECT_TRUE(msg.contains(QStringLiteral("sudo on"))) << msg.toStdString();
        EXPECT_TRUE(msg.contains(QStringLiteral("without a password"))) << msg.toStdString();
    }
}

TEST_F(SshTransport, ScreenshotOfARemoteHostAndNothingLeftRunning)
{
    const QString app = QCoreApplication::applicationDirPath() + QStringLiteral("/../app/nsviz");
    ASSERT_TRUE(QFileInfo(app).isExecutable()) << app.toStdString();
    const std::string png = g_host->path("remote.png");
    const std::string netns = "--net=/proc/" + std::to_string(g_host->holder->pid()) + "/ns/net";
    // nsviz itself starts in the remote's network namespace (nsenter), like a user on that network.
    auto r = test::CommandRunner::run({"nsenter", netns, "env", "QT_QPA_PLATFORM=offscreen",
                                       app.toStdString(), "--screenshot", png, "--host",
                                       "root@127.0.0.1:" + std::to_string(kPort), "--remote-helper",
                                       NSVIZ_HELPER_BIN, "--ssh-config", g_host->path("ssh_ok")},
                                      120000);
    ASSERT_EQ(r.exitCode, 0) << r.err << r.out;
    EXPECT_NE(r.out.find("nsviz snapshot of " + g_host->hostname +
                         " via ssh root@127.0.0.1:" + std::to_string(kPort)),
              std::string::npos)
        << r.out;
    QFileInfo pic(QString::fromStdString(png));
    EXPECT_TRUE(pic.exists() && pic.size() > 1000);

    auto refused = test::CommandRunner::run({"nsenter", netns, "env", "QT_QPA_PLATFORM=offscreen",
                                             app.toStdString(), "--screenshot", png, "--host",
                                             "root@127.0.0.1:" + std::to_string(kPort), "--remote-helper",
                                             NSVIZ_HELPER_BIN, "--ssh-config", g_host->path("ssh_stranger")},
                                            120000);
    EXPECT_EQ(refused.exitCode, 5) << refused.err;
    EXPECT_NE(refused.err.find("refused the login"), std::string::npos) << refused.err;

    auto bad = test::CommandRunner::run({app.toStdString(), "--screenshot", png, "--host=-oProxyCommand=x"});
    EXPECT_EQ(bad.exitCode, 2) << bad.err;

    // Nothing of the test is left in the remote's network namespace but its holder and sshd
    // (and this test process, which entered it): no ssh, no per-connection sshd, no helper.
    const auto left = [&] {
        return pidsInNet(g_host->netIno, {g_host->holder->pid(), g_host->sshd, ::getpid()});
    };
    EXPECT_TRUE(QTest::qWaitFor([&] { return left().empty(); }, 10000));
    for (pid_t p : left())
        ADD_FAILURE() << "left running: " << p << " "
                      << trim(slurp("/proc/" + std::to_string(p) + "/cmdline"));
    // And sshd itself goes when told.
    const pid_t sshd = g_host->sshd, holder = g_host->holder->pid();
    const std::uint64_t ino = g_host->netIno;
    TearDownTestSuite();
    EXPECT_NE(::kill(sshd, 0), 0);
    EXPECT_NE(::kill(holder, 0), 0);
    EXPECT_TRUE(pidsInNet(ino, {::getpid()}).empty());
}
