// SPDX-License-Identifier: GPL-2.0-or-later
// `nsviz-helper compare` on a real before/after: a process that enters fresh namespaces (same pid
// and start time) is "moved", its new namespaces "appeared"; the same from two moments of a
// recording made while it happened; bad arguments fail clearly.
#include "core/protocol/recording.h"
#include "tests/common/commandrunner.h"
#include "tests/common/nschild.h"

#include <algorithm>
#include <chrono>
#include <csignal>
#include <fcntl.h>
#include <fstream>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <set>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

using namespace nsviz;
using nlohmann::json;
using namespace std::chrono_literals;

namespace
{
std::string outPath(const std::string &name)
{
    return std::string(NSVIZ_TEST_OUTPUT) + "/compare_" + name + "_" + std::to_string(::getpid());
}

void writeFile(const std::string &path, const std::string &text)
{
    std::ofstream(path, std::ios::binary) << text;
}

std::uint64_t nsInode(pid_t pid, const char *type)
{
    struct stat st {
    };
    std::string p = "/proc/" + std::to_string(pid) + "/ns/" + type;
    return ::stat(p.c_str(), &st) == 0 ? st.st_ino : 0;
}

/// A shell that waits on a fifo, then execs `unshare --net --uts sleep`: the same process (pid and
/// start time survive exec) enters fresh namespaces when told to.
class Mover
{
public:
    explicit Mover(const std::string &fifo) : m_fifo(fifo)
    {
        ::unlink(fifo.c_str());
        if (::mkfifo(fifo.c_str(), 0600) != 0)
            return;
        m_pid = ::fork();
        if (m_pid == 0) {
            ::prctl(PR_SET_PDEATHSIG, SIGKILL);
            std::string script = "read line < '" + fifo + "'; exec unshare --net --uts sleep 600";
            ::execl("/bin/sh", "sh", "-c", script.c_str(), nullptr);
            ::_exit(127);
        }
    }
    ~Mover()
    {
        if (m_pid > 0) {
            ::kill(m_pid, SIGKILL);
            ::waitpid(m_pid, nullptr, 0);
        }
        ::unlink(m_fifo.c_str());
    }
    pid_t pid() const { return m_pid; }
    /// Lets it unshare; true once its net namespace is another one.
    bool move()
    {
        const std::uint64_t before = nsInode(m_pid, "net");
        int fd = ::open(m_fifo.c_str(), O_WRONLY);
        if (fd < 0)
            return false;
        (void)!::write(fd, "go\n", 3);
        ::close(fd);
        for (int i = 0; i < 200; ++i) {
            std::uint64_t now = nsInode(m_pid, "net");
            if (now && now != before)
                return true;
            std::this_thread::sleep_for(25ms);
        }
        return false;
    }

private:
    std::string m_fifo;
    pid_t m_pid = -1;
};

const json *findPid(const json &list, int pid)
{
    for (const auto &p : list)
        if (p["pid"] == pid)
            return &p;
    return nullptr;
}

void expectMoved(const json &c, pid_t pid, std::uint64_t netIno, std::uint64_t utsIno)
{
    const json *m = findPid(c["processes"]["moved"], pid);
    ASSERT_NE(m, nullptr) << c.dump(1);
    std::set<std::string> types;
    for (const auto &ch : (*m)["changes"]) {
        types.insert(ch["type"].get<std::string>());
        if (ch["type"] == "net") {
            EXPECT_EQ(ch["to"]["inode"], netIno);
        }
        if (ch["type"] == "uts") {
            EXPECT_EQ(ch["to"]["inode"], utsIno);
        }
        EXPECT_EQ(ch["to_new"], true);
    }
    EXPECT_EQ(types, (std::set<std::string>{"net", "uts"}));
    bool netNew = false, utsNew = false;
    for (const auto &n : c["namespaces"]["appeared"]) {
        netNew = netNew || (n["type"] == "net" && n["inode"] == netIno);
        utsNew = utsNew || (n["type"] == "uts" && n["inode"] == utsIno);
    }
    EXPECT_TRUE(netNew && utsNew) << c["namespaces"].dump(1);
    EXPECT_EQ(findPid(c["processes"]["appeared"], pid), nullptr);
    EXPECT_EQ(findPid(c["processes"]["disappeared"], pid), nullptr);
}
} // namespace

TEST(CompareCli, ProcessEnteringFreshNamespacesOnSnapshotFiles)
{
    if (::geteuid() != 0)
        GTEST_SKIP() << "needs root to unshare";
    const std::string base = outPath("files");
    Mover mover(base + ".fifo");
    ASSERT_GT(mover.pid(), 0);
    std::this_thread::sleep_for(100ms); // the shell is reading the fifo
    auto a = test::helper({"scan", "--json"});
    ASSERT_EQ(a.exitCode, 0) << a.err;
    ASSERT_TRUE(mover.move());
    test::NsChild fresh = test::NsChild::unshared(CLONE_NEWIPC);
    ASSERT_TRUE(fresh.error().empty()) << fresh.error();
    auto b = test::helper({"scan", "--json"});
    ASSERT_EQ(b.exitCode, 0) << b.err;
    writeFile(base + "-a.json", a.out);
    writeFile(base + "-b.json", b.out);

    auto r = test::helper({"compare", base + "-a.json", base + "-b.json", "--json"});
    ASSERT_EQ(r.exitCode, 0) << r.err;
    json c = json::parse(r.out);
    EXPECT_EQ(c["schema"], "nsviz.compare/1");
    expectMoved(c, mover.pid(), nsInode(mover.pid(), "net"), nsInode(mover.pid(), "uts"));
    const json *added = findPid(c["processes"]["appeared"], fresh.pid());
    ASSERT_NE(added, nullptr);
    EXPECT_EQ((*added)["new_namespaces"], json({"ipc"}));
    EXPECT_TRUE(c["sandboxes"].is_null() || c["sandboxes"].is_object());

    auto text = test::helper({"compare", base + "-a.json", base + "-b.json"});
    ASSERT_EQ(text.exitCode, 0) << text.err;
    EXPECT_NE(text.out.find("~ " + std::to_string(mover.pid()) + " sleep"), std::string::npos) << text.out;
    EXPECT_NE(text.out.find("in new ipc"), std::string::npos) << text.out;

    // Bad arguments.
    EXPECT_EQ(test::helper({"compare", base + "-a.json"}).exitCode, 2);
    auto missing = test::helper({"compare", base + "-a.json", base + "-nope.json"});
    EXPECT_EQ(missing.exitCode, 1);
    EXPECT_NE(missing.err.find("-nope.json"), std::string::npos);
    auto moment = test::helper({"compare", base + "-a.json@3", base + "-b.json"});
    EXPECT_EQ(moment.exitCode, 1);
    EXPECT_NE(moment.err.find("not a recording"), std::string::npos) << moment.err;
    writeFile(base + "-bad.json", "{\"schema\":\"nsviz.snapshot/1\"}");
    auto bad = test::helper({"compare", base + "-bad.json", base + "-b.json"});
    EXPECT_EQ(bad.exitCode, 1);
    EXPECT_NE(bad.err.find("not an nsviz snapshot"), std::string::npos) << bad.err;
    for (const char *s : {"-a.json", "-b.json", "-bad.json"})
        ::unlink((base + s).c_str());
}

TEST(CompareCli, TwoMomentsOfARecording)
{
    if (::geteuid() != 0)
        GTEST_SKIP() << "needs root to unshare";
    const std::string base = outPath("rec");
    const std::string rec = base + ".ndjson";
    Mover mover(base + ".fifo");
    ASSERT_GT(mover.pid(), 0);
    pid_t recorder = ::fork();
    if (recorder == 0) {
        ::execl(NSVIZ_HELPER_BIN, "nsviz-helper", "record", "--out", rec.c_str(), "--interval-ms", "100",
                static_cast<char *>(nullptr));
        ::_exit(127);
    }
    // Once the first snapshot is on disk, the process moves; then wait for a frame that has it.
    auto lines = [&] {
        std::ifstream in(rec);
        std::string t((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        return std::count(t.begin(), t.end(), '\n');
    };
    for (int i = 0; i < 1200 && lines() < 2; ++i)
        std::this_thread::sleep_for(50ms);
    ASSERT_GE(lines(), 2);
    ASSERT_TRUE(mover.move());
    const std::uint64_t net = nsInode(mover.pid(), "net"), uts = nsInode(mover.pid(), "uts");
    bool seen = false;
    for (int i = 0; i < 1200 && !seen; ++i) {
        std::this_thread::sleep_for(50ms);
        try {
            Recording r = Recording::load(rec);
            const Snapshot s = r.atFrame(r.frames().size() - 1);
            const Process *p = s.findProcess(mover.pid());
            seen = p && p->ns[index(NsType::Net)].ino == net;
        } catch (const RecordingError &) {
        }
    }
    ::kill(recorder, SIGTERM);
    int status = 0;
    ::waitpid(recorder, &status, 0);
    ASSERT_TRUE(seen);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);

    auto r = test::helper({"compare", rec + "@0", rec + "@end", "--json"});
    ASSERT_EQ(r.exitCode, 0) << r.err;
    json c = json::parse(r.out);
    EXPECT_EQ(c["a"]["label"], rec + "@0");
    expectMoved(c, mover.pid(), net, uts);

    auto noMoment = test::helper({"compare", rec, rec + "@end"});
    EXPECT_EQ(noMoment.exitCode, 1);
    EXPECT_NE(noMoment.err.find("name a moment"), std::string::npos) << noMoment.err;
    auto tooLate = test::helper({"compare", rec + "@0", rec + "@100000"});
    EXPECT_EQ(tooLate.exitCode, 1);
    EXPECT_NE(tooLate.err.find("lasts"), std::string::npos) << tooLate.err;
    ::unlink(rec.c_str());
}
