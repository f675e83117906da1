// SPDX-License-Identifier: GPL-2.0-or-later
// The KAuth helper's private channel: only the caller's uid with the token gets the frames.
// Needs root (it hands sockets to other uids); the Debian 13 CI stage runs ctest as root.
#include "helper/kauth/privatechannel.h"

#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

using nsviz::kauth::PrivateChannel;
using namespace std::chrono_literals;

namespace
{

const std::string kToken = "00112233445566778899aabbccddeeff";

class PrivateChannelTest : public ::testing::Test
{
protected:
    void SetUp() override
    {
        if (::geteuid() != 0)
            GTEST_SKIP() << "needs root: the channel hands its socket to another uid";
        char tmpl[] = "/tmp/nsviz-chan-XXXXXX";
        ASSERT_NE(::mkdtemp(tmpl), nullptr);
        m_base = tmpl;
        ::chmod(m_base.c_str(), 0711); // other uids must reach the channel directory
        m_dir = m_base + "/chan";
    }
    void TearDown() override
    {
        if (!m_base.empty())
            std::filesystem::remove_all(m_base);
    }
    std::string m_base, m_dir;
};

/// Connects to @p path; -errno on failure.
int connectTo(const std::string &path)
{
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::strncpy(a.sun_path, path.c_str(), sizeof a.sun_path - 1);
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -errno;
    if (::connect(fd, reinterpret_cast<sockaddr *>(&a), sizeof a) != 0) {
        const int e = errno;
        ::close(fd);
        return -e;
    }
    return fd;
}

std::string readAll(int fd)
{
    std::string s;
    char buf[4096];
    for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;)
        s.append(buf, static_cast<std::size_t>(n));
    return s;
}

/// In a child process as @p uid: connect to @p path, send @p token, read to the end.
/// Exit status: 10 + errno when connect failed, 0 when it read @p expect, 1 otherwise.
int childAs(uid_t uid, const std::string &path, const std::string &token, const std::string &expect)
{
    const pid_t pid = ::fork();
    if (pid == 0) {
        if (::setresgid(uid, uid, uid) != 0 || ::setresuid(uid, uid, uid) != 0)
            ::_exit(2);
        const int fd = connectTo(path);
        if (fd < 0)
            ::_exit(10 + -fd);
        const std::string line = token + "\n";
        if (::write(fd, line.data(), line.size()) < 0)
            ::_exit(3);
        ::_exit(readAll(fd) == expect ? 0 : 1);
    }
    return pid;
}

int exitOf(pid_t pid)
{
    int st = 0;
    ::waitpid(pid, &st, 0);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

} // namespace

TEST_F(PrivateChannelTest, CallerWithTokenGetsTheFramesOthersAreRefused)
{
    const uid_t caller = 4301, other = 4302;
    PrivateChannel ch;
    ASSERT_EQ(ch.open(caller, kToken, m_dir), "");
    struct stat st {
    };
    ASSERT_EQ(::stat(m_dir.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 07777, 0711u);
    EXPECT_EQ(st.st_uid, 0u);
    ASSERT_EQ(::lstat(ch.path().c_str(), &st), 0);
    EXPECT_TRUE(S_ISSOCK(st.st_mode));
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    EXPECT_EQ(st.st_uid, caller);
    EXPECT_EQ(ch.path().rfind(m_dir + "/", 0), 0u);

    // Another user: the kernel refuses the connect (the socket file is the caller's, 0600).
    EXPECT_EQ(exitOf(childAs(other, ch.path(), kToken, "")), 10 + EACCES);
    // Root passes the file permission but is not the caller (SO_PEERCRED): closed, nothing sent.
    const int rootFd = connectTo(ch.path());
    ASSERT_GE(rootFd, 0);
    ASSERT_EQ(::write(rootFd, (kToken + "\n").data(), kToken.size() + 1), ssize_t(kToken.size() + 1));
    // The caller with a wrong token: closed, nothing sent. Then the caller with the token.
    const pid_t wrong = childAs(caller, ch.path(), "ffffffffffffffffffffffffffffffff", "");
    const std::string frames = "{\"v\":1}\n{\"v\":1,\"final\":true}\n";
    std::string acceptError;
    std::thread acceptor([&] {
        acceptError = ch.accept(20s);
        if (acceptError.empty()) {
            ch.writeFrame("{\"v\":1}", 5s);
            ch.writeFrame("{\"v\":1,\"final\":true}", 5s);
            ch.close();
        }
    });
    EXPECT_EQ(readAll(rootFd), "") << "root (not the caller) got data";
    ::close(rootFd);
    EXPECT_EQ(exitOf(wrong), 0) << "a wrong token got data";
    const pid_t right = childAs(caller, ch.path(), kToken, frames);
    EXPECT_EQ(exitOf(right), 0) << "the caller did not get exactly the frames";
    acceptor.join();
    EXPECT_EQ(acceptError, "");
    EXPECT_EQ(ch.refused(), 2);
    // The socket file is gone once the caller is in: no second connection.
    EXPECT_NE(::access(ch.path().c_str(), F_OK), 0);
}

TEST_F(PrivateChannelTest, NobodyConnectsOrStopped)
{
    PrivateChannel ch;
    ASSERT_EQ(ch.open(::geteuid(), kToken, m_dir), "");
    const std::string path = ch.path();
    EXPECT_NE(ch.accept(300ms).find("no client connected"), std::string::npos);
    EXPECT_NE(::access(path.c_str(), F_OK), 0) << "socket file left behind";

    PrivateChannel ch2;
    ASSERT_EQ(ch2.open(::geteuid(), kToken, m_dir), "");
    EXPECT_NE(ch2.accept(60s, [] { return true; }).find("stopped"), std::string::npos);
}

TEST_F(PrivateChannelTest, ClientClosingIsSeen)
{
    PrivateChannel ch;
    ASSERT_EQ(ch.open(::geteuid(), kToken, m_dir), "");
    const int fd = connectTo(ch.path());
    ASSERT_GE(fd, 0);
    ASSERT_EQ(::write(fd, (kToken + "\n").data(), kToken.size() + 1), ssize_t(kToken.size() + 1));
    ASSERT_EQ(ch.accept(20s), "");
    EXPECT_FALSE(ch.clientGone());
    EXPECT_TRUE(ch.writeFrame("{}", 5s));
    ::close(fd);
    EXPECT_TRUE(ch.clientGone());
    EXPECT_FALSE(ch.writeFrame("{}", 5s));
}

TEST_F(PrivateChannelTest, RefusesBadTokensAndForeignDirectories)
{
    PrivateChannel ch;
    EXPECT_NE(ch.open(0, "short", m_dir), "");
    EXPECT_NE(ch.open(0, "0123456789ABCDEF0123456789ABCDEF", m_dir), "");
    // A directory someone else owns (could hold their files or let them swap names): refused.
    ASSERT_EQ(::mkdir(m_dir.c_str(), 0777), 0);
    ASSERT_EQ(::chown(m_dir.c_str(), 4303, 4303), 0);
    EXPECT_NE(ch.open(0, kToken, m_dir).find("is not a directory of uid"), std::string::npos);
    // A symlink to a root directory: refused too (O_NOFOLLOW).
    std::filesystem::remove(m_dir);
    std::filesystem::create_directory_symlink("/tmp", m_dir);
    EXPECT_NE(ch.open(0, kToken, m_dir), "");
    EXPECT_TRUE(PrivateChannel::randomHex() != PrivateChannel::randomHex());
    EXPECT_EQ(PrivateChannel::randomHex().size(), 32u);
}
