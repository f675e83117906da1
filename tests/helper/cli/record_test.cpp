// SPDX-License-Identifier: GPL-2.0-or-later
// `nsviz-helper record`: the recording is the live stream (replay gives exactly the snapshots the
// subscription published, under real churn of processes in fresh namespaces); a writer killed with
// SIGKILL leaves a file readable up to its last complete frame; the size and time bounds end it
// cleanly and say so.
#include "core/protocol/recording.h"
#include "helper/cli/recorder.h"
#include "tests/common/commandrunner.h"
#include "tests/common/nschild.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <fcntl.h>
#include <fstream>
#include <functional>
#include <gtest/gtest.h>
#include <memory>
#include <mutex>
#include <sstream>
#include <sys/stat.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

using namespace nsviz;
using namespace std::chrono_literals;

namespace
{
std::string outPath(const std::string &name)
{
    return std::string(NSVIZ_TEST_OUTPUT) + "/record_" + name + "_" + std::to_string(::getpid()) + ".ndjson";
}

std::string slurp(const std::string &path)
{
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::size_t completeLines(const std::string &path)
{
    std::string t = slurp(path);
    return static_cast<std::size_t>(std::count(t.begin(), t.end(), '\n'));
}

/// Starts and ends processes in fresh net+uts namespaces until stopped, so every scan differs.
class Churn
{
public:
    Churn()
    {
        m_thread = std::thread([this] {
            std::vector<std::unique_ptr<test::NsChild>> kids;
            int i = 0;
            while (!m_stop) {
                if (kids.size() < 3 || i % 2 == 0) {
                    auto c = std::make_unique<test::NsChild>(
                        std::vector<test::NsLevel>{test::NsLevel(CLONE_NEWNET | CLONE_NEWUTS)});
                    if (c->error().empty())
                        kids.push_back(std::move(c));
                    else
                        m_error = c->error();
                } else {
                    kids.erase(kids.begin()); // the destructor kills and reaps it by pid
                }
                ++i;
                std::this_thread::sleep_for(120ms);
            }
        });
    }
    ~Churn() { stop(); }
    void stop()
    {
        m_stop = true;
        if (m_thread.joinable())
            m_thread.join();
    }
    std::string error() const { return m_error; }

private:
    std::atomic<bool> m_stop{false};
    std::thread m_thread;
    std::string m_error;
};

bool canUnshare()
{
    test::NsChild probe({test::NsLevel(CLONE_NEWNET | CLONE_NEWUTS)});
    return probe.error().empty();
}

/// nsviz-helper record ARGS as a child whose pid we hold (CommandRunner would wait for it).
pid_t spawnRecord(const std::vector<std::string> &args, const std::string &errFile)
{
    pid_t pid = ::fork();
    if (pid == 0) {
        std::vector<std::string> all = {NSVIZ_HELPER_BIN, "record"};
        all.insert(all.end(), args.begin(), args.end());
        std::vector<char *> argv;
        for (auto &a : all)
            argv.push_back(a.data());
        argv.push_back(nullptr);
        int fd = ::open(errFile.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (fd >= 0)
            ::dup2(fd, 2);
        ::execv(argv[0], argv.data());
        ::_exit(127);
    }
    return pid;
}

bool waitFor(const std::function<bool()> &cond, std::chrono::seconds timeout)
{
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        if (cond())
            return true;
        std::this_thread::sleep_for(50ms);
    }
    return cond();
}
} // namespace

TEST(Record, ReplayGivesExactlyWhatTheLiveSubscriptionPublished)
{
    if (::geteuid() != 0 || !canUnshare())
        GTEST_SKIP() << "needs root to make namespaces";
    const std::string path = outPath("exact");
    std::mutex mu;
    std::vector<std::pair<std::uint64_t, Snapshot>> published;
    helper::RecordOptions o;
    o.out = path;
    o.intervalMs = 100;
    o.onPublished = [&](std::uint64_t seq, const Snapshot &s) {
        std::lock_guard<std::mutex> lock(mu);
        published.emplace_back(seq, s);
    };
    std::atomic<std::size_t> frames{0};
    o.onFrame = [&](std::size_t n) { frames = n; };
    Churn churn;
    helper::RecordOutcome outcome;
    std::thread recorder([&] { outcome = helper::record(o); });
    // Until the recording has a few deltas (scans on a shared machine take their time), then stop
    // it the way SIGINT does.
    EXPECT_TRUE(waitFor([&] { return frames >= 6; }, 120s));
    helper::stopRecording();
    recorder.join();
    churn.stop();
    ASSERT_TRUE(outcome.ok) << outcome.error;
    EXPECT_EQ(outcome.end, RecordingEnd::Stopped);
    ASSERT_TRUE(churn.error().empty()) << churn.error();

    Recording r = Recording::load(path);
    EXPECT_EQ(r.endReason(), RecordingEnd::Stopped);
    ASSERT_GE(r.frames().size(), 6u);
    std::lock_guard<std::mutex> lock(mu);
    // The serve loop may have published a tick after the stop that was not recorded, never fewer.
    ASSERT_GE(published.size(), r.frames().size());
    std::size_t isolatedSeen = 0;
    for (std::size_t i = 0; i < r.frames().size(); ++i) {
        EXPECT_EQ(r.frames()[i].seq, published[i].first);
        Snapshot replayed = r.atFrame(i);
        ASSERT_TRUE(sameContent(replayed, published[i].second)) << "frame " << i;
        EXPECT_EQ(replayed.host.scannedAtMs, published[i].second.host.scannedAtMs) << "frame " << i;
        for (const auto &p : replayed.processes)
            isolatedSeen += p.differs(NsType::Net) && p.differs(NsType::Uts);
        if (i > 0) {
            EXPECT_GE(r.frames()[i].tMs, r.frames()[i - 1].tMs);
        }
    }
    EXPECT_GT(isolatedSeen, 0u) << "the churn's processes were recorded";
    ::unlink(path.c_str());
}

TEST(Record, KilledWriterLeavesAFileReadableUpToItsLastCompleteFrame)
{
    if (::geteuid() != 0 || !canUnshare())
        GTEST_SKIP() << "needs root to make namespaces";
    const std::string path = outPath("killed"), err = path + ".err";
    Churn churn;
    pid_t pid = spawnRecord({"--out", path, "--interval-ms", "100"}, err);
    ASSERT_GT(pid, 0);
    // Header, snapshot, three deltas at least; then kill without warning.
    bool enough = waitFor([&] { return completeLines(path) >= 5; }, 120s);
    ::kill(pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
    churn.stop();
    ASSERT_TRUE(enough) << slurp(err);
    EXPECT_TRUE(WIFSIGNALED(status));

    const std::string text = slurp(path);
    const std::size_t lines = static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
    Recording r = Recording::load(path);
    EXPECT_EQ(r.endReason(), RecordingEnd::None) << "no end line: the writer never got to write one";
    EXPECT_EQ(r.frames().size(), lines - 1);
    const Snapshot last = r.atFrame(r.frames().size() - 1);
    // And whatever byte the kill had landed on: the file cut inside its last line reads as the
    // frames before it, each the same as in the whole file.
    const std::size_t lastLineStart = text.rfind('\n', text.size() - 2) + 1;
    for (std::size_t cut : {lastLineStart + 1, (lastLineStart + text.size()) / 2, text.size() - 1}) {
        Recording part = Recording::parse(text.substr(0, cut), "cut");
        ASSERT_EQ(part.frames().size(), lines - 2) << "cut at " << cut;
        EXPECT_GT(part.ignoredTailBytes(), 0u);
        EXPECT_TRUE(sameContent(part.atFrame(part.frames().size() - 1), r.atFrame(r.frames().size() - 2)));
    }
    EXPECT_FALSE(last.processes.empty());
    ::unlink(path.c_str());
    ::unlink(err.c_str());
}

TEST(Record, MaxBytesStopsCleanlyAndSaysSo)
{
    if (::geteuid() != 0 || !canUnshare())
        GTEST_SKIP() << "needs root to make namespaces";
    const std::string path = outPath("max");
    // Room for the first snapshot (what a scan prints, plus the host changing meanwhile: an eighth
    // more on a busy host, where thousands of processes come and go) and a few deltas: the
    // recording must stop by itself.
    auto scan = test::helper({"scan", "--json"});
    ASSERT_EQ(scan.exitCode, 0) << scan.err;
    const std::uint64_t limit = scan.out.size() + std::max<std::uint64_t>(64 * 1024, scan.out.size() / 8);
    Churn churn;
    auto r = test::helper(
        {"record", "--out", path, "--interval-ms", "100", "--max-bytes", std::to_string(limit)}, 180000);
    churn.stop();
    ASSERT_EQ(r.exitCode, 0) << r.err;
    EXPECT_NE(r.err.find("--max-bytes"), std::string::npos) << r.err;
    struct stat st {
    };
    ASSERT_EQ(::stat(path.c_str(), &st), 0);
    EXPECT_LE(static_cast<std::uint64_t>(st.st_size), limit);
    Recording rec = Recording::load(path);
    EXPECT_EQ(rec.endReason(), RecordingEnd::MaxBytes);
    EXPECT_GE(rec.frames().size(), 2u);
    ::unlink(path.c_str());
}

TEST(Record, DurationSignalsAndBadArguments)
{
    const std::string path = outPath("dur"), err = path + ".err";
    auto r = test::helper({"record", "--out", path, "--interval-ms", "200", "--duration", "1"});
    ASSERT_EQ(r.exitCode, 0) << r.err;
    EXPECT_NE(r.err.find("--duration reached"), std::string::npos) << r.err;
    Recording rec = Recording::load(path);
    EXPECT_EQ(rec.endReason(), RecordingEnd::Duration);
    EXPECT_GE(rec.frames().size(), 1u);
    EXPECT_FALSE(rec.header().host.empty());

    // SIGTERM ends it cleanly with an end line.
    ::unlink(path.c_str()); // wait for this recorder's lines, not the last one's
    pid_t pid = spawnRecord({"--out", path, "--interval-ms", "100"}, err);
    ASSERT_TRUE(waitFor([&] { return completeLines(path) >= 2; }, 60s));
    ::kill(pid, SIGTERM);
    int status = 0;
    ::waitpid(pid, &status, 0);
    ASSERT_TRUE(WIFEXITED(status)) << slurp(err);
    EXPECT_EQ(WEXITSTATUS(status), 0) << slurp(err);
    EXPECT_EQ(Recording::load(path).endReason(), RecordingEnd::Stopped);
    EXPECT_NE(slurp(err).find("stopped on request"), std::string::npos) << slurp(err);

    EXPECT_EQ(test::helper({"record"}).exitCode, 2);
    EXPECT_EQ(test::helper({"record", "--out", path, "--max-bytes", "10"}).exitCode, 2);
    EXPECT_EQ(test::helper({"record", "--out", path, "--interval-ms", "5"}).exitCode, 2);
    EXPECT_EQ(test::helper({"record", "--out", path, "--duration", "-1"}).exitCode, 2);
    auto missing = test::helper({"record", "--out", "/nonexistent-dir/x.ndjson", "--duration", "1"});
    EXPECT_EQ(missing.exitCode, 1);
    EXPECT_NE(missing.err.find("/nonexistent-dir/x.ndjson"), std::string::npos) << missing.err;
    // A tiny limit the first snapshot cannot fit in: a clear failure, not an empty success.
    auto tiny = test::helper({"record", "--out", path, "--max-bytes", "2000", "--duration", "5"});
    EXPECT_EQ(tiny.exitCode, 1);
    EXPECT_NE(tiny.err.find("does not fit"), std::string::npos) << tiny.err;
    ::unlink(path.c_str());
    ::unlink(err.c_str());
}
