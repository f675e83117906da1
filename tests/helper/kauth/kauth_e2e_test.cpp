// SPDX-License-Identifier: GPL-2.0-or-later
// End-to-end test of the KAuth path: KAuthTransport (and the GUI's typed client, HelperClient, over
// it) -> system D-Bus -> polkitd -> nsviz_kauth_helper (root, D-Bus activated). Run by
// scripts/kauth-e2e.sh as an unprivileged user inside the Debian 13 root, which sets
// NSVIZ_KAUTH_E2E to "allowed" (a polkit rule lets this user run the actions), "denied" (no rule:
// polkit's default for a process outside any session is no), "cancel" (a rule asks for an
// administrator's password and nsviz_polkit_test_agent dismisses the dialog) or "noagent" (a rule
// asks for a kept password and no agent runs). Not registered with ctest: it needs that environment.
#include "app/transport/helperclient.h"
#include "app/transport/kauthtransport.h"
#include "helper/kauth/requestprocess.h"
#include "tests/helper/kauth/churn.h"

#include <QCoreApplication>
#include <QDeadlineTimer>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QProcess>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <set>
#include <sys/stat.h>
#include <unistd.h>

using nsviz::KAuthTransport;
using nsviz::Transport;

namespace
{

QString mode()
{
    return qEnvironmentVariable("NSVIZ_KAUTH_E2E");
}

/// Runs the event loop until @p done or @p ms pass; true when done.
template <typename F> bool waitFor(F done, int ms)
{
    QDeadlineTimer deadline(ms);
    while (!done() && !deadline.hasExpired())
        QCoreApplication::processEvents(QEventLoop::AllEvents | QEventLoop::WaitForMoreEvents, 50);
    return done();
}

int countProcDirs()
{
    int n = 0;
    for (const QString &e : QDir(QStringLiteral("/proc")).entryList(QDir::Dirs | QDir::NoDotAndDotDot)) {
        bool ok = false;
        e.toInt(&ok);
        n += ok;
    }
    return n;
}

/// Everything one transport reported, for assertions.
struct Recorder {
    explicit Recorder(KAuthTransport &t)
    {
        QObject::connect(&t, &KAuthTransport::frameReceived,
                         [this](quint64 id, quint64 seq, const QByteArray &f) {
                             frames.push_back({id, seq, f});
                         });
        QObject::connect(&t, &Transport::snapshotReceived,
                         [this](const nsviz::Snapshot &s) { snapshots.push_back(s); });
        QObject::connect(&t, &Transport::deltaReceived,
                         [this](const nsviz::SnapshotDelta &d) { deltas.push_back(d); });
        QObject::connect(&t, &Transport::failed, [this](Transport::Error e, const QString &m) {
            errors.push_back({e, m});
        });
        QObject::connect(&t, &KAuthTransport::requestFinished, [this](quint64 id, const QString &s) {
            finished.push_back({id, s});
        });
        QObject::connect(&t, &Transport::replyReceived, [this](quint64 id, const QByteArray &f) {
            replies.push_back({id, f});
        });
    }
    struct Frame {
        quint64 id, seq;
        QByteArray text;
    };
    std::vector<Frame> frames;
    std::vector<nsviz::Snapshot> snapshots;
    std::vector<nsviz::SnapshotDelta> deltas;
    std::vector<std::pair<Transport::Error, QString>> errors;
    std::vector<std::pair<quint64, QString>> finished;
    std::vector<std::pair<quint64, QByteArray>> replies;

    int framesOfType(const char *type) const
    {
        int n = 0;
        for (const auto &f : frames)
            n += nlohmann::json::parse(f.text.toStdString())["type"] == type;
        return n;
    }
};

std::string describe(const Recorder &r)
{
    std::string s;
    for (const auto &e : r.errors)
        s += "error " + std::to_string(int(e.first)) + ": " + e.second.toStdString() + "\n";
    return s;
}

KAuthTransport::Options testOptions()
{
    KAuthTransport::Options o;
    o.chunkBytes = nsviz::kauth::kMinChunkBytes; // several frames for any real process list
    o.firstFrameTimeoutMs = 30000;
    o.idleTimeoutMs = 20000;
    return o;
}

class KAuthE2E : public ::testing::Test
{
protected:
    void SetUp() override
    {
        if (mode() != QLatin1String("allowed"))
            GTEST_SKIP() << "run by scripts/kauth-e2e.sh (NSVIZ_KAUTH_E2E=allowed)";
        ASSERT_NE(::geteuid(), 0u) << "the client must run unprivileged";
    }
};

class KAuthE2EDenied : public ::testing::Test
{
protected:
    void SetUp() override
    {
        if (mode() != QLatin1String("denied"))
            GTEST_SKIP() << "run by scripts/kauth-e2e.sh (NSVIZ_KAUTH_E2E=denied)";
        ASSERT_NE(::geteuid(), 0u) << "the client must run unprivileged";
    }
};

class KAuthE2ECancel : public ::testing::Test
{
protected:
    void SetUp() override
    {
        if (mode() != QLatin1String("cancel"))
            GTEST_SKIP() << "run by scripts/kauth-e2e.sh (NSVIZ_KAUTH_E2E=cancel)";
        ASSERT_NE(::geteuid(), 0u) << "the client must run unprivileged";
    }
    /// "kept": the rule asks for a kept password (auth_admin_keep), which the client asks for
    /// itself and so knows the dialog was dismissed; otherwise (auth_admin) KAuth's helper asks,
    /// and its refusal can only mean the authentication did not happen.
    static bool kept() { return qEnvironmentVariable("NSVIZ_E2E_CANCEL_KIND") == QLatin1String("kept"); }
};

class KAuthE2ENoAgent : public ::testing::Test
{
protected:
    void SetUp() override
    {
        if (mode() != QLatin1String("noagent"))
            GTEST_SKIP() << "run by scripts/kauth-e2e.sh (NSVIZ_KAUTH_E2E=noagent)";
        ASSERT_NE(::geteuid(), 0u) << "the client must run unprivileged";
    }
};

/// Everything the typed client (HelperClient) reported.
struct ClientRecorder {
    explicit ClientRecorder(nsviz::HelperClient &c)
    {
        QObject::connect(&c, &nsviz::HelperClient::snapshotReceived,
                         [this](const nsviz::Snapshot &s) { snapshots.push_back(s); });
        QObject::connect(&c, &nsviz::HelperClient::failed, [this](Transport::Error e, const QString &m) {
            errors.push_back({e, m});
        });
        QObject::connect(&c, &nsviz::HelperClient::inspected,
                         [this](quint64 id, int pid, const nlohmann::json &doc) {
                             inspected.push_back({id, pid, doc});
                         });
        QObject::connect(&c, &nsviz::HelperClient::demosListed,
                         [this](quint64 id, const QList<nsviz::DemoInfo> &d) {
                             listed.push_back({id, d});
                         });
        QObject::connect(
            &c, &nsviz::HelperClient::requestFailed,
            [this](quint64 id, nsviz::HelperClient::Call, const QString &code, const QString &m) {
                refused.push_back({id, code, m});
            });
    }
    struct Inspected {
        quint64 id;
        int pid;
        nlohmann::json doc;
    };
    struct Refused {
        quint64 id;
        QString code, message;
    };
    std::vector<nsviz::Snapshot> snapshots;
    std::vector<std::pair<Transport::Error, QString>> errors;
    std::vector<Inspected> inspected;
    std::vector<std::pair<quint64, QList<nsviz::DemoInfo>>> listed;
    std::vector<Refused> refused;

    std::string describe() const
    {
        std::string s;
        for (const auto &e : errors)
            s += "error " + std::to_string(int(e.first)) + ": " + e.second.toStdString() + "\n";
        for (const auto &r : refused)
            s += "refused " + std::to_string(r.id) + " " + r.code.toStdString() + ": " +
                 r.message.toStdString() + "\n";
        return s;
    }
};

/// The typed client over KAuth when polkit says no (denied, cancelled, no agent): the stream
/// fails with @p expected, and a one-shot request (inspect) is answered "not_authorised" rather
/// than left waiting; nothing else arrives.
void expectTypedClientRefused(Transport::Error expected, const char *words)
{
    KAuthTransport t(testOptions());
    nsviz::HelperClient client(&t);
    ClientRecorder r(client);
    client.scan();
    ASSERT_TRUE(waitFor([&] { return !r.errors.empty(); }, 60000)) << "the scan was never refused";
    EXPECT_EQ(r.errors.front().first, expected) << r.describe();
    EXPECT_NE(r.errors.front().second.indexOf(QLatin1String(words), 0, Qt::CaseInsensitive), -1)
        << r.describe();
    const quint64 id = client.inspect(int(::getpid()));
    ASSERT_TRUE(waitFor([&] { return !r.refused.empty(); }, 60000))
        << "inspect never answered: " << r.describe();
    EXPECT_EQ(r.refused.front().id, id);
    EXPECT_EQ(r.refused.front().code.toStdString(), "not_authorised") << r.describe();
    EXPECT_NE(r.refused.front().message.indexOf(QLatin1String(words), 0, Qt::CaseInsensitive), -1)
        << r.describe();
    EXPECT_TRUE(r.snapshots.empty());
    EXPECT_TRUE(r.inspected.empty());
}

} // namespace

TEST_F(KAuthE2E, ScanRunsAsRootAndReturnsEveryProcessInOrder)
{
    KAuthTransport t(testOptions());
    Recorder r(t);
    bool connected = false;
    QObject::connect(&t, &Transport::connected, [&] { connected = true; });
    t.start();
    ASSERT_TRUE(waitFor([&] { return connected || !r.errors.empty(); }, 10000)) << "start() never answered";
    ASSERT_TRUE(connected) << describe(r);

    t.requestScan();
    ASSERT_TRUE(waitFor([&] { return !r.finished.empty(); }, 60000)) << describe(r);
    ASSERT_TRUE(r.errors.empty()) << describe(r);
    EXPECT_EQ(r.finished.front().second.toStdString(), "done");
    const quint64 id = r.finished.front().first;

    // Frames: all ours, numbered 0..n-1 in arrival order, snapshot parts 0..n-1, the last final.
    ASSERT_GE(r.frames.size(), 2u) << "expected a snapshot in several parts with 1 KiB chunks";
    std::printf("snapshot in %zu frames\n", r.frames.size());
    for (std::size_t i = 0; i < r.frames.size(); ++i) {
        EXPECT_EQ(r.frames[i].id, id);
        EXPECT_EQ(r.frames[i].seq, i);
        const auto j = nlohmann::json::parse(r.frames[i].text.toStdString());
        EXPECT_EQ(j["id"].get<quint64>(), id);
        EXPECT_EQ(j["type"], "snapshot");
        EXPECT_EQ(j["part"].get<std::size_t>(), i);
        EXPECT_EQ(j.value("final", false), i + 1 == r.frames.size());
    }

    ASSERT_EQ(r.snapshots.size(), 1u);
    const nsviz::Snapshot &s = r.snapshots.front();
    // Every process: compare with /proc as this (unprivileged) user sees the pid list. Processes
    // may start or end in between, so allow a little churn, not a different order of magnitude.
    const int proc = countProcDirs();
    const int got = static_cast<int>(s.processes.size());
    EXPECT_GT(got, 0);
    EXPECT_NEAR(got, proc, 5) << "snapshot has " << got << " processes, /proc has " << proc;
    // Root: namespaces of processes this user cannot read (root's daemons) are visible.
    EXPECT_TRUE(s.host.privileged) << "the helper did not read /proc as root";
    EXPECT_EQ(s.host.invisibleProcesses, 0);
    bool sawRootOwned = false;
    for (const auto &p : s.processes)
        sawRootOwned |= p.euid == 0 && p.visible && p.ns[0].valid();
    EXPECT_TRUE(sawRootOwned) << "no root-owned process with readable namespaces";

    // Another user's process (scripts/kauth-e2e.sh starts it with a marker in its command line,
    // and a third user watches the bus meanwhile): in the picture, with its owner and namespaces.
    if (const char *marker = std::getenv("NSVIZ_E2E_MARKER"); marker && *marker) {
        const auto markerUid = static_cast<std::uint32_t>(std::atoi(std::getenv("NSVIZ_E2E_MARKER_UID")));
        bool sawMarker = false;
        for (const auto &p : s.processes) {
            bool has = false;
            for (const auto &arg : p.cmdline)
                has |= arg.find(marker) != std::string::npos;
            if (has) {
                sawMarker = true;
                EXPECT_EQ(p.uid, markerUid);
                EXPECT_NE(p.uid, ::getuid());
                EXPECT_TRUE(p.ns[0].valid()) << "the other user's namespaces were not read";
            }
        }
        EXPECT_TRUE(sawMarker) << "the other user's process (" << marker << ") is not in the scan";
    }
}

TEST_F(KAuthE2E, StopEndsTheHelpersStreamPromptly)
{
    KAuthTransport t(testOptions());
    Recorder r(t);
    Churn churn; // deltas need changes; this test root is otherwise quiet
    t.subscribe(100);
    ASSERT_TRUE(waitFor([&] { return r.deltas.size() >= 2 || !r.errors.empty(); }, 60000)) << describe(r);
    ASSERT_TRUE(r.errors.empty()) << describe(r);
    const quint64 subId = t.currentRequestId();
    ASSERT_NE(subId, 0u);
    // One snapshot, then deltas numbered 1, 2, ...; every frame ours and in order.
    ASSERT_EQ(r.snapshots.size(), 1u);
    for (std::size_t i = 0; i < r.deltas.size(); ++i)
        EXPECT_EQ(r.deltas[i].seq, i + 1);
    for (std::size_t i = 0; i < r.frames.size(); ++i) {
        EXPECT_EQ(r.frames[i].id, subId);
        EXPECT_EQ(r.frames[i].seq, i);
    }

    t.unsubscribe(); // KAuth stopAction -> the helper's isStopped() -> it returns
    ASSERT_FALSE(r.finished.empty());
    EXPECT_EQ(r.finished.back().first, subId);
    EXPECT_EQ(r.finished.back().second.toStdString(), "cancelled");

    // Had the helper not stopped, it would still be streaming (for up to 10 minutes) and a new
    // request would be refused as busy. It must be served instead.
    const std::size_t before = r.finished.size();
    t.requestScan();
    ASSERT_TRUE(waitFor([&] { return r.finished.size() > before; }, 60000)) << describe(r);
    EXPECT_TRUE(r.errors.empty()) << describe(r);
    EXPECT_EQ(r.finished.back().second.toStdString(), "done");
    EXPECT_EQ(r.snapshots.size(), 2u);
}

/// The "Key:\tvalue" lines of /proc/PID/status (world-readable: no privilege needed to look).
static std::map<std::string, std::string> statusOf(int pid)
{
    std::map<std::string, std::string> m;
    QFile f(QStringLiteral("/proc/%1/status").arg(pid));
    if (!f.open(QIODevice::ReadOnly))
        return m;
    for (const QByteArray &line : f.readAll().split('\n')) {
        const qsizetype colon = line.indexOf(':');
        if (colon > 0)
            m[line.left(colon).toStdString()] = line.mid(colon + 1).trimmed().toStdString();
    }
    return m;
}

static std::uint64_t capMask(const std::vector<int> &caps)
{
    std::uint64_t m = 0;
    for (int c : caps)
        m |= std::uint64_t(1) << c;
    return m;
}

static std::uint64_t hexOf(const std::map<std::string, std::string> &st, const char *key)
{
    const auto it = st.find(key);
    return it == st.end() ? ~std::uint64_t(0) : std::stoull(it->second, nullptr, 16);
}

TEST_F(KAuthE2E, ARequestRunsWithOnlyTheCapabilitiesItNeeds)
{
    // The installed helper, seen from outside by this unprivileged user while it streams: the
    // request runs in a child named nsviz-kauth-req holding serve's read-only set, nothing
    // inheritable or ambient, and no_new_privs; the helper (its parent) waits.
    KAuthTransport t(testOptions());
    Recorder r(t);
    Churn churn;
    t.subscribe(100);
    ASSERT_TRUE(waitFor([&] { return !r.snapshots.empty() || !r.errors.empty(); }, 60000)) << describe(r);
    ASSERT_TRUE(r.errors.empty()) << describe(r);
    std::vector<int> requests;
    for (const QString &e : QDir(QStringLiteral("/proc")).entryList(QDir::Dirs | QDir::NoDotAndDotDot)) {
        bool ok = false;
        const int pid = e.toInt(&ok);
        if (ok && statusOf(pid)["Name"] == "nsviz-kauth-req")
            requests.push_back(pid);
    }
    ASSERT_EQ(requests.size(), 1u) << "expected the subscription's request process";
    const auto st = statusOf(requests.front());
    // Its parent is the KAuth helper, which made the channel as root with what root holds here.
    const int parent = std::stoi(st.at("PPid"));
    const auto helperStatus = statusOf(parent);
    EXPECT_EQ(helperStatus.at("Name"), "nsviz_kauth_hel");
    EXPECT_NE(hexOf(helperStatus, "CapEff") & (std::uint64_t(1) << 0 /* CAP_CHOWN */), 0u);
    // The read-only set, of what the helper holds (a container may not grant every one).
    const std::uint64_t want =
        capMask(nsviz::kauth::RequestProcess::capabilitiesFor(nsviz::kauth::Verb::Scan)) &
        hexOf(helperStatus, "CapPrm");
    EXPECT_NE(want & (std::uint64_t(1) << 19 /* CAP_SYS_PTRACE */), 0u);
    EXPECT_EQ(st.at("Uid").substr(0, 1), "0") << "the request still reads /proc as root";
    EXPECT_EQ(hexOf(st, "CapEff"), want) << st.at("CapEff");
    EXPECT_EQ(hexOf(st, "CapPrm"), want) << st.at("CapPrm");
    EXPECT_EQ(hexOf(st, "CapBnd"), want) << st.at("CapBnd");
    EXPECT_EQ(hexOf(st, "CapInh"), 0u);
    EXPECT_EQ(hexOf(st, "CapAmb"), 0u);
    EXPECT_EQ(st.at("NoNewPrivs"), "1");
    t.unsubscribe();
    // Still streaming frames of the subscription until now: the capabilities sufficed.
    EXPECT_TRUE(r.errors.empty()) << describe(r);
}

TEST_F(KAuthE2E, SecondClientGetsBusyNotSomeoneElsesFrames)
{
    KAuthTransport a(testOptions());
    Recorder ra(a);
    Churn churn;
    a.subscribe(200);
    ASSERT_TRUE(waitFor([&] { return !ra.snapshots.empty() || !ra.errors.empty(); }, 60000)) << describe(ra);
    ASSERT_TRUE(ra.errors.empty()) << describe(ra);

    KAuthTransport::Options ob = testOptions();
    KAuthTransport b(ob);
    Recorder rb(b);
    b.requestScan();
    ASSERT_TRUE(waitFor([&] { return !rb.errors.empty() || !rb.finished.empty(); }, 60000));
    ASSERT_EQ(rb.errors.size(), 1u) << "second client was served while the helper was busy";
    EXPECT_EQ(rb.errors.front().first, Transport::Error::Busy) << describe(rb);
    EXPECT_TRUE(rb.frames.empty()) << "second client took frames";
    EXPECT_TRUE(rb.snapshots.empty());
    EXPECT_GT(b.foreignFrames(), 0u) << "expected to have seen (and dropped) the first client's frames";

    // The first client is undisturbed and keeps streaming its own frames.
    const std::size_t framesA = ra.frames.size();
    ASSERT_TRUE(waitFor([&] { return ra.frames.size() >= framesA + 2 || !ra.errors.empty(); }, 20000));
    EXPECT_TRUE(ra.errors.empty()) << describe(ra);
    const quint64 idA = a.currentRequestId();
    for (std::size_t i = 0; i < ra.frames.size(); ++i) {
        EXPECT_EQ(ra.frames[i].id, idA);
        EXPECT_EQ(ra.frames[i].seq, i);
    }
    a.stop();
}

TEST_F(KAuthE2E, InvalidRequestsAreRefusedByTheClient)
{
    KAuthTransport t(testOptions());
    Recorder r(t);
    const quint64 id = t.request(QByteArrayLiteral(R"({"type":"inspect","pid":-3})"));
    ASSERT_TRUE(waitFor([&] { return !r.replies.empty(); }, 5000));
    EXPECT_EQ(r.replies.front().first, id);
    EXPECT_NE(r.replies.front().second.indexOf("bad_request"), -1);
    EXPECT_TRUE(r.frames.empty());
}

/// The reply to request @p id (result or error frame), waiting up to @p ms.
static nlohmann::json replyTo(Recorder &r, quint64 id, int ms)
{
    auto find = [&]() -> const QByteArray * {
        for (const auto &[rid, text] : r.replies)
            if (rid == id)
                return &text;
        return nullptr;
    };
    waitFor([&] { return find() != nullptr || !r.errors.empty(); }, ms);
    const QByteArray *text = find();
    return text ? nlohmann::json::parse(text->toStdString(), nullptr, false) : nlohmann::json();
}

/// What a transport saw, for a missing reply.
static std::string stateOf(const Recorder &r, const KAuthTransport &t)
{
    std::string s = describe(r) + "frames " + std::to_string(r.frames.size()) + ", replies " +
                    std::to_string(r.replies.size()) + ", foreign frames " +
                    std::to_string(t.foreignFrames()) + ", current request " +
                    std::to_string(t.currentRequestId()) + ", finished:";
    for (const auto &[id, status] : r.finished)
        s += " " + std::to_string(id) + "=" + status.toStdString();
    return s;
}

/// The "NSpid:" line of /proc/PID/status (world-readable, unlike /proc/PID/ns): the pid in
/// each pid namespace from the outermost in; empty if the process is gone.
static std::vector<long> nsPids(int pid)
{
    QFile f(QStringLiteral("/proc/%1/status").arg(pid));
    std::vector<long> out;
    if (!f.open(QIODevice::ReadOnly))
        return out;
    for (const QByteArray &line : f.readAll().split('\n')) {
        if (!line.startsWith("NSpid:"))
            continue;
        for (const QByteArray &v : line.mid(6).simplified().split(' '))
            out.push_back(v.toLong());
    }
    return out;
}

static std::uint64_t ownNsInode(const std::string &type)
{
    struct stat st {
    };
    return ::stat(("/proc/self/ns/" + type).c_str(), &st) == 0 ? st.st_ino : 0;
}

TEST_F(KAuthE2E, DemoStartsInFreshNamespacesAndDemoStopEndsIt)
{
    KAuthTransport t(testOptions());
    Recorder r(t);
    // Owned by this test process (the transport passes its pid, the helper checks it is ours):
    // should the test die half-way, the demo ends with it.
    const quint64 startId = t.request(QByteArrayLiteral(R"({"type":"demo_start","args":{"lifetime":300}})"));
    const auto started = replyTo(r, startId, 90000);
    ASSERT_TRUE(started.is_object()) << "no reply to request " << startId << ": " << stateOf(r, t);
    ASSERT_TRUE(r.errors.empty()) << describe(r);
    ASSERT_EQ(started.value("type", ""), "result") << started.dump();
    const auto &demo = started.at("result");
    const int pid = demo.at("pid").get<int>();
    ASSERT_GT(pid, 1);
    std::printf("demo %d: %s\n", pid, demo.dump().c_str());

    // Seen from here, without trusting the helper's record: the process exists, is the demo's
    // init, and is pid 1 of a pid namespace of its own.
    QFile comm(QStringLiteral("/proc/%1/comm").arg(pid));
    ASSERT_TRUE(comm.open(QIODevice::ReadOnly)) << "demo init " << pid << " not in /proc";
    EXPECT_EQ(comm.readAll().trimmed().toStdString(), "nsviz-demo-init");
    const auto nspid = nsPids(pid);
    ASSERT_GE(nspid.size(), 2u);
    EXPECT_EQ(nspid.back(), 1) << "not pid 1 of its own pid namespace";
    EXPECT_EQ(nsPids(::getpid()).size() + 1, nspid.size());

    // The recorded namespaces: all the default set fresh, and each different from ours.
    std::set<std::string> fresh;
    for (const auto &f : demo.at("fresh"))
        fresh.insert(f.get<std::string>());
    for (const char *type : {"mnt", "pid", "net", "uts", "ipc", "user", "cgroup"})
        EXPECT_TRUE(fresh.count(type)) << type << " not fresh: " << demo.dump();
    for (const auto &type : fresh) {
        const auto inode = demo.at("ns").value(type, std::uint64_t(0));
        EXPECT_NE(inode, 0u) << type;
        EXPECT_NE(inode, ownNsInode(type)) << type << " namespace is the host's";
    }
    EXPECT_EQ(demo.at("owner"), nlohmann::json(::getpid())) << "not owned by the caller: " << demo.dump();
    // The demo request ran with the demo set and no_new_privs: the supervisor it started (which
    // outlives it) inherited both, so it can never hold more.
    const auto sup = statusOf(demo.at("supervisor").get<int>());
    ASSERT_FALSE(sup.empty()) << "supervisor " << demo.at("supervisor") << " not in /proc";
    const std::uint64_t demoSet =
        capMask(nsviz::kauth::RequestProcess::capabilitiesFor(nsviz::kauth::Verb::DemoStart));
    EXPECT_EQ(hexOf(sup, "CapBnd") & ~demoSet, 0u) << "supervisor CapBnd " << sup.at("CapBnd");
    EXPECT_EQ(hexOf(sup, "CapEff") & ~demoSet, 0u) << "supervisor CapEff " << sup.at("CapEff");
    EXPECT_EQ(sup.at("NoNewPrivs"), "1");

    // demolist shows it.
    const quint64 listId = t.request(QByteArrayLiteral(R"({"type":"demo_list","args":{}})"));
    const auto listed = replyTo(r, listId, 60000);
    ASSERT_TRUE(listed.is_object()) << "no reply to request " << listId << ": " << stateOf(r, t);
    ASSERT_TRUE(r.errors.empty()) << describe(r);
    ASSERT_EQ(listed.value("type", ""), "result") << listed.dump();
    bool inList = false;
    for (const auto &d : listed.at("result").at("demos"))
        inList |= d.value("pid", 0) == pid;
    EXPECT_TRUE(inList) << listed.dump();

    // demostop ends it: the reply names it and the process goes away.
    const std::string stopReq = nlohmann::json{{"type", "demo_stop"}, {"args", {{"pid", pid}}}}.dump();
    const quint64 stopId = t.request(QByteArray::fromStdString(stopReq));
    const auto stopped = replyTo(r, stopId, 60000);
    ASSERT_TRUE(stopped.is_object()) << "no reply to request " << stopId << ": " << stateOf(r, t);
    ASSERT_TRUE(r.errors.empty()) << describe(r);
    ASSERT_EQ(stopped.value("type", ""), "result") << stopped.dump();
    EXPECT_NE(stopped.at("result").dump().find(std::to_string(pid)), std::string::npos) << stopped.dump();
    EXPECT_TRUE(waitFor([&] { return !QFile::exists(QStringLiteral("/proc/%1").arg(pid)); }, 10000))
        << "demo init " << pid << " still running after demostop";
}

TEST_F(KAuthE2E, DemoStopRefusesWhatIsNotADemo)
{
    KAuthTransport t(testOptions());
    Recorder r(t);
    // pid 1 (the host's init: bad_request) and this test process (not_found): both refused,
    // both still running.
    for (const long pid : {1L, long(::getpid())}) {
        const std::string req = nlohmann::json{{"type", "demo_stop"}, {"args", {{"pid", pid}}}}.dump();
        const quint64 id = t.request(QByteArray::fromStdString(req));
        const auto reply = replyTo(r, id, 60000);
        ASSERT_TRUE(reply.is_object()) << "no reply to request " << id << ": " << stateOf(r, t);
        ASSERT_TRUE(r.errors.empty()) << describe(r);
        EXPECT_EQ(reply.value("type", ""), "error") << reply.dump();
        EXPECT_EQ(reply.value("code", ""), pid == 1 ? "bad_request" : "not_found") << reply.dump();
        EXPECT_NE(reply.value("message", "").find("is not a"), std::string::npos) << reply.dump();
        EXPECT_TRUE(QFile::exists(QStringLiteral("/proc/%1").arg(pid)));
    }

    // The old request shape is refused before it reaches the bus.
    const quint64 named = t.request(QByteArrayLiteral(R"({"type":"demo_stop","args":{"name":"x"}})"));
    const auto refused = replyTo(r, named, 5000);
    ASSERT_TRUE(refused.is_object()) << "no reply to request " << named << ": " << stateOf(r, t);
    EXPECT_EQ(refused.value("code", ""), "bad_request") << refused.dump();
}

// Started by the next test as a separate process (this binary, NSVIZ_KAUTH_E2E_CHILD=1): starts a
// demo it owns, prints its pid, and exits without stopping it.
TEST(KAuthE2EOwnerChild, StartDemoAndExit)
{
    if (qEnvironmentVariable("NSVIZ_KAUTH_E2E_CHILD") != QLatin1String("1"))
        GTEST_SKIP() << "run by KAuthE2E.DemoEndsWhenItsOwnerExits";
    KAuthTransport t(testOptions());
    Recorder r(t);
    const quint64 id = t.request(QByteArrayLiteral(R"({"type":"demo_start","args":{"lifetime":300}})"));
    const auto started = replyTo(r, id, 60000);
    ASSERT_TRUE(started.is_object()) << "no reply to demostart: " << stateOf(r, t);
    ASSERT_EQ(started.value("type", ""), "result") << started.dump() << describe(r);
    const int pid = started.at("result").at("pid").get<int>();
    ASSERT_TRUE(QFile::exists(QStringLiteral("/proc/%1").arg(pid))) << "demo " << pid << " not running";
    std::printf("DEMO_PID %d\n", pid);
    std::fflush(stdout);
}

TEST_F(KAuthE2E, DemoEndsWhenItsOwnerExits)
{
    QProcess child;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("NSVIZ_KAUTH_E2E_CHILD"), QStringLiteral("1"));
    child.setProcessEnvironment(env);
    child.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    child.start(QCoreApplication::applicationFilePath(),
                {QStringLiteral("--gtest_filter=KAuthE2EOwnerChild.StartDemoAndExit")});
    // Not QProcess::waitForFinished(): keep this process's event loop (and D-Bus connection) alive.
    ASSERT_TRUE(child.waitForStarted(10000));
    ASSERT_TRUE(waitFor([&] { return child.state() == QProcess::NotRunning; }, 90000))
        << "the owner process did not finish";
    const QByteArray out = child.readAllStandardOutput();
    EXPECT_EQ(child.exitCode(), 0) << out.toStdString();
    const qsizetype at = out.indexOf("DEMO_PID ");
    ASSERT_NE(at, -1) << out.toStdString();
    const int pid = out.mid(at + 9).split('\n').front().trimmed().toInt();
    ASSERT_GT(pid, 1) << out.toStdString();
    // The owner has exited without demostop: the supervisor sees its pidfd and ends the demo.
    EXPECT_TRUE(waitFor([&] { return !QFile::exists(QStringLiteral("/proc/%1").arg(pid)); }, 15000))
        << "demo " << pid << " outlived its owner";
    if (QFile::exists(QStringLiteral("/proc/%1").arg(pid))) {
        // Do not leave it behind for the following tests.
        KAuthTransport t(testOptions());
        Recorder r(t);
        const std::string req = nlohmann::json{{"type", "demo_stop"}, {"args", {{"pid", pid}}}}.dump();
        replyTo(r, t.request(QByteArray::fromStdString(req)), 60000);
    }
}

TEST_F(KAuthE2E, MissingHelperIsReportedAsSuch)
{
    KAuthTransport::Options o = testOptions();
    o.helperId = QStringLiteral("org.nsviz.nosuchhelper"); // no D-Bus service of that name
    KAuthTransport t(o);
    Recorder r(t);
    t.requestScan();
    ASSERT_TRUE(waitFor([&] { return !r.errors.empty(); }, 60000));
    EXPECT_EQ(r.errors.front().first, Transport::Error::HelperMissing) << describe(r);
    EXPECT_TRUE(r.frames.empty());
}

TEST_F(KAuthE2EDenied, NotAuthorizedQuicklyAndNoData)
{
    KAuthTransport::Options o = testOptions();
    o.firstFrameTimeoutMs = 20000; // a denial must come well before this watchdog
    KAuthTransport t(o);
    Recorder r(t);
    QElapsedTimer timer;
    timer.start();
    t.requestScan();
    ASSERT_TRUE(waitFor([&] { return !r.errors.empty(); }, 60000));
    std::printf("denied after %lld ms\n", static_cast<long long>(timer.elapsed()));
    EXPECT_EQ(r.errors.front().first, Transport::Error::Denied) << describe(r);
    EXPECT_NE(r.errors.front().second.indexOf(QLatin1String("Not authorized")), -1) << describe(r);
    EXPECT_TRUE(r.frames.empty());
    EXPECT_TRUE(r.snapshots.empty());
}

TEST_F(KAuthE2E, TypedClientScansInspectsAndListsThroughKAuth)
{
    // What the GUI's widgets use: HelperClient over KAuthTransport, against the installed helper.
    KAuthTransport t(testOptions());
    nsviz::HelperClient client(&t);
    ClientRecorder r(client);
    t.start();
    client.scan();
    ASSERT_TRUE(waitFor([&] { return !r.snapshots.empty() || !r.errors.empty(); }, 60000)) << r.describe();
    ASSERT_TRUE(r.errors.empty()) << r.describe();
    const nsviz::Snapshot &s = r.snapshots.front();
    EXPECT_TRUE(s.host.privileged);
    // inspect names the process by (pid, start time) from that snapshot: this test's own process
    // and, read as root, pid 1.
    for (const int pid : {int(::getpid()), 1}) {
        ASSERT_NE(client.knownStartTime(pid), 0u) << "pid " << pid << " not in the snapshot";
        const quint64 id = client.inspect(pid);
        ASSERT_TRUE(waitFor(
            [&] {
                return std::any_of(r.inspected.begin(), r.inspected.end(),
                                   [&](const auto &i) { return i.id == id; }) ||
                       !r.refused.empty() || !r.errors.empty();
            },
            60000))
            << r.describe();
        ASSERT_TRUE(r.refused.empty() && r.errors.empty()) << r.describe();
        const auto &doc = r.inspected.back();
        EXPECT_EQ(doc.pid, pid);
        EXPECT_EQ(doc.doc.value("pid", 0), pid) << doc.doc.dump().substr(0, 500);
        EXPECT_TRUE(doc.doc.contains("sections") && !doc.doc["sections"].empty())
            << doc.doc.dump().substr(0, 500);
    }
    const quint64 listId = client.demoList();
    ASSERT_TRUE(waitFor([&] { return !r.listed.empty() || !r.refused.empty() || !r.errors.empty(); }, 60000))
        << r.describe();
    ASSERT_TRUE(r.refused.empty() && r.errors.empty()) << r.describe();
    EXPECT_EQ(r.listed.front().first, listId);
    // A reused pid is refused, not inspected in its place: a start time that is not pid 1's.
    const quint64 stale = client.inspect(1, client.knownStartTime(1) + 1);
    ASSERT_TRUE(waitFor([&] { return !r.refused.empty() || !r.errors.empty(); }, 60000)) << r.describe();
    ASSERT_FALSE(r.refused.empty()) << r.describe();
    EXPECT_EQ(r.refused.front().id, stale);
    EXPECT_EQ(r.refused.front().code.toStdString(), "not_found") << r.describe();
}

TEST_F(KAuthE2EDenied, TypedClientSaysNotAuthorized)
{
    expectTypedClientRefused(Transport::Error::Denied, "Not authorized");
}

TEST_F(KAuthE2ECancel, DismissedDialogIsCancelledNotDenied)
{
    KAuthTransport::Options o = testOptions();
    o.firstFrameTimeoutMs = 20000; // the dismissal must come from polkit, well before this watchdog
    KAuthTransport t(o);
    Recorder r(t);
    QElapsedTimer timer;
    timer.start();
    t.requestScan();
    ASSERT_TRUE(waitFor([&] { return !r.errors.empty(); }, 60000));
    std::printf("cancelled after %lld ms\n", static_cast<long long>(timer.elapsed()));
    ASSERT_EQ(r.errors.size(), 1u) << describe(r);
    EXPECT_EQ(r.errors.front().first, Transport::Error::Cancelled) << describe(r);
    if (kept())
        EXPECT_EQ(r.errors.front().second.toStdString(), "Authentication was cancelled.");
    else
        EXPECT_NE(r.errors.front().second.indexOf(QLatin1String("was cancelled or did not succeed")), -1)
            << describe(r);
    EXPECT_TRUE(r.frames.empty());
    EXPECT_TRUE(r.snapshots.empty());
    ASSERT_EQ(r.finished.size(), 1u);
    EXPECT_EQ(r.finished.front().second.toStdString(), "error");
}

TEST_F(KAuthE2ECancel, TypedClientSaysCancelled)
{
    expectTypedClientRefused(Transport::Error::Cancelled, "cancelled");
}

TEST_F(KAuthE2ENoAgent, NoAgentIsSaidSo)
{
    KAuthTransport::Options o = testOptions();
    o.firstFrameTimeoutMs = 20000;
    KAuthTransport t(o);
    Recorder r(t);
    t.requestScan();
    ASSERT_TRUE(waitFor([&] { return !r.errors.empty(); }, 60000));
    ASSERT_EQ(r.errors.size(), 1u) << describe(r);
    EXPECT_EQ(r.errors.front().first, Transport::Error::NoAuthAgent) << describe(r);
    EXPECT_NE(r.errors.front().second.indexOf(QLatin1String("No polkit authentication agent")), -1)
        << describe(r);
    EXPECT_TRUE(r.frames.empty());
    EXPECT_TRUE(r.snapshots.empty());
}

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    ::testing::InitGoogleTest(&argc, argv);
    return RUN_ALL_TESTS();
}
