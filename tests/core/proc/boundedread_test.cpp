// SPDX-License-Identifier: GPL-2.0-or-later
// Hostile input costs nothing (issue 11): argv caps, and a proc tree whose files are FIFOs or
// symlinks is refused instead of blocking or being followed, in the readers, discovery and inspect.
#include "core/discovery/discovery.h"
#include "core/inspect/inspector.h"
#include "core/proc/mountinfo.h"
#include "core/proc/procfiles.h"
#include "core/proc/procreader.h"
#include "tests/common/fakensquery.h"

#include <algorithm>
#include <cstdlib>
#include <fcntl.h>
#include <filesystem>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sys/stat.h>
#include <unistd.h>

using namespace nsviz;
namespace fs = std::filesystem;

namespace
{

/// A copy of tests/data/proc-basic in a temp dir, removed on destruction.
class TempProcTree
{
public:
    TempProcTree()
    {
        char tmpl[] = "/tmp/nsviz-bounded-XXXXXX";
        m_dir = ::mkdtemp(tmpl);
        fs::copy(std::string(NSVIZ_TEST_DATA) + "/proc-basic", root(),
                 fs::copy_options::recursive | fs::copy_options::copy_symlinks);
    }
    ~TempProcTree() { fs::remove_all(m_dir); }
    std::string dir() const { return m_dir; }
    std::string root() const { return m_dir + "/proc"; }
    /// Replaces @p rel (under the proc root) by a FIFO.
    void fifo(const std::string &rel)
    {
        fs::remove(root() + "/" + rel);
        ASSERT_EQ(::mkfifo((root() + "/" + rel).c_str(), 0600), 0);
    }
    /// Replaces @p rel by a symlink to @p target.
    void symlink(const std::string &rel, const std::string &target)
    {
        fs::remove(root() + "/" + rel);
        fs::create_symlink(target, root() + "/" + rel);
    }
    void write(const std::string &rel, const std::string &text)
    {
        int fd = ::open((m_dir + "/" + rel).c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        ASSERT_GE(fd, 0);
        ASSERT_EQ(::write(fd, text.data(), text.size()), ssize_t(text.size()));
        ::close(fd);
    }

private:
    std::string m_dir;
};

const std::string kSecret = "SECRET-ROOT-ONLY-CONTENT";

} // namespace

TEST(BoundedArgv, EmptyArgumentsAreCappedAndFlagged)
{
    // 131,000 empty arguments, as an unprivileged process can have; the reader hands the parser
    // kMaxCmdlineBytes + 1 bytes of them.
    std::string text(procparse::kMaxCmdlineBytes + 1, '\0');
    bool cut = false;
    auto args = procparse::parseCmdline(text, &cut);
    EXPECT_EQ(args.size(), procparse::kMaxCmdlineArgs);
    EXPECT_TRUE(cut);
    for (const auto &a : args)
        EXPECT_TRUE(a.empty());
}

TEST(BoundedArgv, LongArgumentIsCutAtTheByteCap)
{
    std::string text = "prog" + std::string(1, '\0') + std::string(100000, 'x');
    bool cut = false;
    auto args = procparse::parseCmdline(text, &cut);
    ASSERT_EQ(args.size(), 2u);
    EXPECT_TRUE(cut);
    EXPECT_EQ(args[0].size() + 1 + args[1].size(), procparse::kMaxCmdlineBytes);
}

TEST(BoundedArgv, OrdinaryArgvIsKeptWhole)
{
    std::string text("sh\0-c\0sleep 60\0", 15);
    bool cut = true;
    EXPECT_EQ(procparse::parseCmdline(text, &cut), (std::vector<std::string>{"sh", "-c", "sleep 60"}));
    EXPECT_FALSE(cut);
    // 256 arguments exactly: nothing dropped.
    std::string many;
    for (int i = 0; i < 256; ++i)
        many += std::string("a") + '\0';
    EXPECT_EQ(procparse::parseCmdline(many, &cut).size(), 256u);
    EXPECT_FALSE(cut);
}

TEST(BoundedArgv, ProcReaderCmdlineIsCapped)
{
    TempProcTree t;
    t.write("proc/200/cmdline", std::string(200000, '\0'));
    bool cut = false;
    auto args = ProcReader::cmdline(200, t.root(), &cut);
    EXPECT_EQ(args.size(), procparse::kMaxCmdlineArgs);
    EXPECT_TRUE(cut);
}

TEST(BoundedRead, FifoIsRefusedWithoutBlocking)
{
    TempProcTree t;
    t.fifo("200/stat");
    std::string out;
    // Without O_NONBLOCK this open would wait for a writer forever.
    EXPECT_EQ(ProcReader::readFile(t.root() + "/200/stat", out), ProcReader::kNotRegularFile);
    EXPECT_TRUE(out.empty());
    EXPECT_FALSE(ProcReader::startTime(200, t.root()));
}

TEST(BoundedRead, SymlinkIsRefusedNotFollowed)
{
    TempProcTree t;
    t.write("secret", kSecret + "\n");
    t.symlink("200/stat", t.dir() + "/secret");
    std::string out;
    EXPECT_EQ(ProcReader::readFile(t.root() + "/200/stat", out), ELOOP);
    EXPECT_TRUE(out.empty());
}

TEST(BoundedRead, ReadFileCutsAtTheCap)
{
    TempProcTree t;
    t.write("big", std::string(10000, 'y'));
    std::string out;
    EXPECT_EQ(ProcReader::readFile(t.dir() + "/big", out, 4096), EFBIG);
    EXPECT_EQ(out.size(), 4096u);
    // Exactly the cap is not a cut.
    EXPECT_EQ(ProcReader::readFile(t.dir() + "/big", out, 10000), 0);
    EXPECT_EQ(out.size(), 10000u);
}

TEST(BoundedRead, MountinfoSymlinkAndFifoAreRefused)
{
    TempProcTree t;
    // A mountinfo-shaped secret: were it followed, libmount would parse it into an entry.
    t.write("secret", "36 35 98:0 / /" + kSecret + " rw,noatime master:1 - ext3 /dev/root rw\n");
    t.symlink("200/mountinfo", t.dir() + "/secret");
    t.fifo("1/mountinfo");
    std::vector<procparse::MountEntry> mounts;
    EXPECT_EQ(procparse::readMountinfo(t.root() + "/200/mountinfo", mounts), ELOOP);
    EXPECT_TRUE(mounts.empty());
    EXPECT_EQ(procparse::readMountinfo(t.root() + "/1/mountinfo", mounts), ProcReader::kNotRegularFile);
    EXPECT_TRUE(mounts.empty());
}

TEST(BoundedRead, MountinfoIsCutAtAWholeLine)
{
    TempProcTree t;
    std::string text;
    for (int i = 0; i < 1000; ++i)
        text += std::to_string(100 + i) + " 1 0:5 / /m" + std::to_string(i) + " rw - tmpfs none rw\n";
    t.write("mi", text);
    std::vector<procparse::MountEntry> mounts;
    bool cut = false;
    ASSERT_EQ(procparse::readMountinfo(t.dir() + "/mi", mounts, &cut, 4096), 0);
    EXPECT_TRUE(cut);
    EXPECT_GT(mounts.size(), 10u);
    EXPECT_LT(mounts.size(), 1000u);
    EXPECT_EQ(mounts.back().target, "/m" + std::to_string(mounts.size() - 1)); // no half line
    ASSERT_EQ(procparse::readMountinfo(t.dir() + "/mi", mounts, &cut), 0);
    EXPECT_FALSE(cut);
    EXPECT_EQ(mounts.size(), 1000u);
}

TEST(BoundedRead, DiscoveryOverFifosAndSymlinksFinishesAndSaysSo)
{
    TempProcTree t;
    t.write("secret", "36 35 98:0 / /" + kSecret + " rw,noatime master:1 - ext3 /dev/root rw\n");
    // The box's only readable mountinfo is a symlink; pid 201 (same mount ns) has none.
    t.symlink("200/mountinfo", t.dir() + "/secret");
    t.fifo("200/cmdline");
    t.fifo("200/cgroup");
    t.fifo("1/status");
    t.fifo("102/stat");
    test::FakeNsQuery q;
    q.setDefaultOwner(4026531837);
    DiscoveryOptions o;
    o.procRoot = t.root();
    Snapshot s = discover(o, q);
    const Process *box = s.findProcess(200);
    ASSERT_NE(box, nullptr);
    EXPECT_TRUE(box->cmdline.empty());
    EXPECT_TRUE(box->cgroup.empty());
    const std::string all = nlohmann::json(s.warnings).dump();
    EXPECT_NE(all.find("pid 200: mountinfo refused (a symbolic link)"), std::string::npos) << all;
    EXPECT_NE(all.find("pid 102: malformed or unreadable stat"), std::string::npos) << all;
    EXPECT_EQ(all.find(kSecret), std::string::npos);
    for (const Namespace &n : s.namespaces)
        for (const std::string &b : n.bindMounts)
            EXPECT_EQ(b.find(kSecret), std::string::npos) << b;
    EXPECT_EQ(q.openHandles(), 0);
}

TEST(BoundedRead, InspectOverFifosAndSymlinksFinishesAndSaysSo)
{
    TempProcTree t;
    t.write("secret", "36 35 98:0 / /" + kSecret + " rw,noatime master:1 - ext3 /dev/root rw\n");
    t.symlink("200/mountinfo", t.dir() + "/secret");
    t.fifo("200/cmdline");
    t.fifo("200/status");
    t.write("proc/201/cmdline", std::string(300000, '\0'));
    Inspector in(t.root());
    nlohmann::json doc = in.inspect(200);
    const std::string text = doc.dump();
    EXPECT_EQ(text.find(kSecret), std::string::npos);
    EXPECT_FALSE(doc.contains("cmdline"));
    EXPECT_NE(doc["errors"]["status"].get<std::string>().find("refused: not a regular file"),
              std::string::npos)
        << doc["errors"];
    EXPECT_NE(doc["sections"]["mnt"]["errors"]["mounts"].get<std::string>().find("refused: a symbolic link"),
              std::string::npos)
        << doc["sections"]["mnt"];
    nlohmann::json other = in.inspect(201);
    ASSERT_TRUE(other.contains("cmdline"));
    EXPECT_EQ(other["cmdline"].size(), procparse::kMaxCmdlineArgs);
    EXPECT_EQ(other["cmdlineTruncated"], true);
}

TEST(BoundedRead, ReusedBufferNeverReadsPastTheCap)
{
    TempProcTree t;
    t.write("big", std::string(100000, 'z'));
    int dir = ::open(t.dir().c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
    ASSERT_GE(dir, 0);
    ProcReader reader;
    std::string_view text;
    ASSERT_EQ(reader.read(dir, "big", text, 1 << 20), 0); // grows the buffer
    EXPECT_EQ(text.size(), 100000u);
    ASSERT_EQ(reader.read(dir, "big", text, procparse::kMaxCmdlineBytes + 1), 0);
    EXPECT_EQ(text.size(), procparse::kMaxCmdlineBytes + 1);
    t.fifo("../fifo");
    EXPECT_EQ(reader.read(dir, "fifo", text, 4096), ProcReader::kNotRegularFile);
    ::close(dir);
}
