// SPDX-License-Identifier: GPL-2.0-or-later
// What pkexec (and sudo) let a user ask of nsviz-helper: the installed polkit policy, and the
// helper's own refusals when PKEXEC_UID / SUDO_UID say it runs for someone else.
#include "core/protocol/protocol.h"
#include "helper/demo/demoserve.h"
#include "tests/common/commandrunner.h"
#include "tests/helper/serve/serve_util.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <regex>
#include <spawn.h>
#include <sstream>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace nsviz;
using nlohmann::json;
using nsviz::test::helperAs;
namespace fs = std::filesystem;

extern char **environ;

namespace
{

const std::string kData = NSVIZ_TEST_DATA;

std::string readText(const std::string &path)
{
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

/// The <action> element with id @p id, as text ("" if none).
std::string action(const std::string &policy, const std::string &id)
{
    auto at = policy.find("<action id=\"" + id + "\">");
    if (at == std::string::npos)
        return {};
    auto end = policy.find("</action>", at);
    return policy.substr(at, end - at);
}

std::string annotation(const std::string &actionText, const std::string &key)
{
    std::smatch m;
    std::regex re("<annotate key=\"" + std::regex_replace(key, std::regex("\\."), "\\.") +
                  "\">([^<]*)</annotate>");
    return std::regex_search(actionText, m, re) ? m[1].str() : std::string("(none)");
}

std::string defaultOf(const std::string &actionText, const std::string &tag)
{
    std::smatch m;
    std::regex re("<" + tag + ">([^<]*)</" + tag + ">");
    return std::regex_search(actionText, m, re) ? m[1].str() : std::string("(none)");
}

/// A copy of the proc-basic fixture in a fresh directory under /tmp (root's, sticky), owned by
/// root and writable by root alone. Removed on destruction.
struct FixtureCopy {
    std::string base, proc;
    FixtureCopy()
    {
        char tmpl[] = "/tmp/nsviz-proccheck-XXXXXX";
        char *d = ::mkdtemp(tmpl);
        base = d ? d : "/nonexistent";
        proc = base + "/proc";
        fs::copy(kData + "/proc-basic", proc, fs::copy_options::recursive | fs::copy_options::copy_symlinks);
        for (const auto &e : fs::recursive_directory_iterator(proc)) {
            ::lchown(e.path().c_str(), 0, 0);
            if (!e.is_symlink())
                fs::permissions(e.path(), fs::perms::group_write | fs::perms::others_write,
                                fs::perm_options::remove);
        }
        ::lchown(proc.c_str(), 0, 0);
        ::chmod(proc.c_str(), 0755);
    }
    ~FixtureCopy()
    {
        std::error_code ec;
        fs::remove_all(base, ec);
    }
    /// Any file deep inside the tree.
    std::string someFile() const
    {
        for (const auto &e : fs::recursive_directory_iterator(proc))
            if (e.is_regular_file())
                return e.path();
        return {};
    }
};

class Pkexec : public ::testing::Test
{
protected:
    void SetUp() override
    {
        if (::geteuid() != 0)
            GTEST_SKIP() << "runs the helper as root for another uid, as pkexec does";
    }
};

} // namespace

TEST(PkexecPolicy, TwoActionsEachForOneCommandLine)
{
    for (const std::string &path :
         {std::string(NSVIZ_SOURCE_DIR) + "/resources/org.nsviz.pkexec.helper.policy",
          std::string(NSVIZ_PKEXEC_POLICY)}) {
        SCOPED_TRACE(path);
        std::string policy = readText(path);
        ASSERT_FALSE(policy.empty());
        std::string ro = action(policy, "org.nsviz.pkexec.helper");
        std::string demos = action(policy, helper::kPkexecDemoAction);
        ASSERT_FALSE(ro.empty());
        ASSERT_FALSE(demos.empty());
        // Exactly two actions, both bound to the helper and to one argv[1].
        std::size_t n = 0;
        for (auto at = policy.find("<action "); at != std::string::npos; at = policy.find("<action ", at + 1))
            ++n;
        EXPECT_EQ(n, 2u);
        for (const auto *a : {&ro, &demos}) {
            EXPECT_TRUE(annotation(*a, "org.freedesktop.policykit.exec.path").ends_with("/nsviz-helper"));
            EXPECT_EQ(annotation(*a, "org.freedesktop.policykit.exec.allow_gui"), "false");
            EXPECT_EQ(defaultOf(*a, "allow_any"), "auth_admin");
            EXPECT_EQ(defaultOf(*a, "allow_inactive"), "auth_admin");
        }
        EXPECT_EQ(annotation(ro, "org.freedesktop.policykit.exec.argv1"), "serve");
        EXPECT_EQ(annotation(demos, "org.freedesktop.policykit.exec.argv1"), "serve-demos");
        // Only the read-only one keeps the authorisation for a while.
        EXPECT_EQ(defaultOf(ro, "allow_active"), "auth_admin_keep");
        EXPECT_EQ(defaultOf(demos, "allow_active"), "auth_admin");
        EXPECT_EQ(policy.find("_keep", policy.find("auth_admin_keep") + 15), std::string::npos);
    }
}

TEST(PkexecPolicy, InstalledPathNamesTheInstalledHelper)
{
    std::string policy = readText(NSVIZ_PKEXEC_POLICY);
    for (const char *id : {"org.nsviz.pkexec.helper", "org.nsviz.pkexec.helper.demos"})
        EXPECT_EQ(annotation(action(policy, id), "org.freedesktop.policykit.exec.path"),
                  std::string(NSVIZ_INSTALL_BINDIR) + "/nsviz-helper");
}

TEST_F(Pkexec, ReadOnlyServeRefusesDemoRequestsNamingTheAction)
{
    testkit::HelperProcess serve({"/usr/bin/env", "PKEXEC_UID=1000", NSVIZ_HELPER_BIN, "serve", "--quiet"});
    testkit::FrameReader reader(serve.outFd());
    ASSERT_TRUE(serve.send(protocol::dumpFrame({{"v", 1}, {"type", "hello"}, {"id", 1}}) + "\n"));
    const std::vector<std::pair<std::string, json>> asks = {
        {"demo_start", {{"lifetime", 300}}}, {"demo_stop", {{"all", true}}}, {"demo_list", json::object()}};
    std::uint64_t id = 2;
    for (const auto &[type, args] : asks)
        ASSERT_TRUE(
            serve.send(protocol::dumpFrame({{"v", 1}, {"type", type}, {"id", id++}, {"args", args}}) + "\n"));
    int errors = 0;
    bool sawHello = false;
    reader.until(
        [&](const protocol::ClientEvent &e) {
            if (auto *h = std::get_if<protocol::event::Hello>(&e)) {
                sawHello = true;
                (void)h;
            }
            if (auto *er = std::get_if<protocol::event::Error>(&e)) {
                EXPECT_EQ(er->code, protocol::err::NotAuthorised);
                EXPECT_NE(er->message.find("serve-demos"), std::string::npos) << er->message;
                EXPECT_NE(er->message.find(helper::kPkexecDemoAction), std::string::npos) << er->message;
                ++errors;
            }
            return errors == 3;
        },
        std::chrono::seconds(30));
    EXPECT_TRUE(sawHello);
    EXPECT_EQ(errors, 3);
}

TEST_F(Pkexec, HelloListsDemoOnlyForServeDemos)
{
    for (const char *cmd : {"serve", "serve-demos"}) {
        testkit::HelperProcess serve({NSVIZ_HELPER_BIN, cmd, "--quiet"});
        testkit::FrameReader reader(serve.outFd());
        ASSERT_TRUE(serve.send(protocol::dumpFrame({{"v", 1}, {"type", "hello"}, {"id", 1}}) + "\n"));
        std::vector<std::string> caps;
        bool got = reader.until(
            [&](const protocol::ClientEvent &e) {
                if (auto *h = std::get_if<protocol::event::Hello>(&e)) {
                    caps = h->capabilities;
                    return true;
                }
                return false;
            },
            std::chrono::seconds(30));
        ASSERT_TRUE(got) << cmd;
        bool demo = std::find(caps.begin(), caps.end(), "demo") != caps.end();
        EXPECT_EQ(demo, std::string(cmd) == "serve-demos") << cmd;
    }
}

TEST_F(Pkexec, ProcRootOfTheCallerIsRefusedForSomeoneElse)
{
    FixtureCopy tree;
    // Root's own tree: fine for a pkexec caller, and for sudo.
    for (const char *env : {"PKEXEC_UID=1000", "SUDO_UID=1000"}) {
        auto ok = helperAs({env}, {"scan", "--json", "--proc", tree.proc});
        EXPECT_EQ(ok.exitCode, 0) << env << ": " << ok.err;
    }
    // The real proc file system: fine.
    auto real = helperAs({"PKEXEC_UID=1000"}, {"scan", "--json", "--proc", "/proc"});
    EXPECT_EQ(real.exitCode, 0) << real.err;

    // One file the caller owns, deep inside: refused for them, fine for root itself.
    std::string file = tree.someFile();
    ASSERT_FALSE(file.empty());
    ASSERT_EQ(::lchown(file.c_str(), 1000, 1000), 0);
    for (const std::vector<std::string> &args :
         {std::vector<std::string>{"scan", "--json", "--proc", tree.proc},
          std::vector<std::string>{"serve", "--quiet", "--proc", tree.proc},
          std::vector<std::string>{"serve-demos", "--quiet", "--proc", tree.proc},
          std::vector<std::string>{"findings", "--json", "--proc", tree.proc}}) {
        auto r = helperAs({"PKEXEC_UID=1000"}, args);
        EXPECT_NE(r.exitCode, 0) << args[0];
        EXPECT_NE(r.err.find("refused"), std::string::npos) << args[0] << ": " << r.err;
        EXPECT_NE(r.err.find("owned by uid 1000"), std::string::npos) << args[0] << ": " << r.err;
        EXPECT_EQ(r.out, "") << args[0];
    }
    auto self = helperAs({}, {"scan", "--json", "--proc", tree.proc});
    EXPECT_EQ(self.exitCode, 0) << self.err;
    // Root calling through sudo is not someone else.
    auto rootSudo = helperAs({"SUDO_UID=0"}, {"scan", "--json", "--proc", tree.proc});
    EXPECT_EQ(rootSudo.exitCode, 0) << rootSudo.err;

    // Root-owned but writable by others: refused too.
    ASSERT_EQ(::lchown(file.c_str(), 0, 0), 0);
    ASSERT_EQ(::chmod(file.c_str(), 0646), 0);
    auto writable = helperAs({"SUDO_UID=1000"}, {"scan", "--json", "--proc", tree.proc});
    EXPECT_NE(writable.exitCode, 0);
    EXPECT_NE(writable.err.find("writable by group or others"), std::string::npos) << writable.err;
    ASSERT_EQ(::chmod(file.c_str(), 0644), 0);

    // A directory above the tree the caller owns: they could swap the tree after the check.
    ASSERT_EQ(::lchown(tree.base.c_str(), 1000, 1000), 0);
    auto above = helperAs({"PKEXEC_UID=1000"}, {"scan", "--json", "--proc", tree.proc});
    EXPECT_NE(above.exitCode, 0);
    EXPECT_NE(above.err.find(tree.base + " is owned by uid 1000"), std::string::npos) << above.err;
    ASSERT_EQ(::lchown(tree.base.c_str(), 0, 0), 0);

    // A path through a symlink (the caller could re-point it after the check), or relative.
    std::string alias = tree.base + "/alias";
    ASSERT_EQ(::symlink(tree.proc.c_str(), alias.c_str()), 0);
    auto viaLink = helperAs({"PKEXEC_UID=1000"}, {"scan", "--json", "--proc", alias});
    EXPECT_NE(viaLink.exitCode, 0);
    EXPECT_NE(viaLink.err.find("not a canonical path"), std::string::npos) << viaLink.err;
    auto trailing = helperAs({"PKEXEC_UID=1000"}, {"scan", "--json", "--proc", tree.proc + "/"});
    EXPECT_EQ(trailing.exitCode, 0) << trailing.err;

    // A symlink the caller planted: the link itself must be root's.
    std::string link = tree.proc + "/planted";
    ASSERT_EQ(::symlink("/etc", link.c_str()), 0);
    ASSERT_EQ(::lchown(link.c_str(), 1000, 1000), 0);
    auto planted = helperAs({"PKEXEC_UID=1000"}, {"scan", "--json", "--proc", tree.proc});
    EXPECT_NE(planted.exitCode, 0);
    EXPECT_NE(planted.err.find("planted is owned by uid 1000"), std::string::npos) << planted.err;
}

TEST_F(Pkexec, HiddenDemoModesRefuseAPkexecOrSudoCaller)
{
    // Given everything else they expect (a pipe on fd 3 and 4), they still refuse, so a caller
    // cannot pick the state directory or cgroup root through their argv.
    const std::string config = json{{"stateDir", "/tmp/evil"}, {"cgroupRoot", "/tmp/evil"}}.dump();
    for (const char *env : {"PKEXEC_UID=1000", "SUDO_UID=1000"}) {
        for (const char *mode : {helper::kDemoSuperviseMode, helper::kDemoInitMode}) {
            int p3[2], p4[2], err[2];
            ASSERT_EQ(::pipe(p3), 0);
            ASSERT_EQ(::pipe(p4), 0);
            ASSERT_EQ(::pipe2(err, O_CLOEXEC), 0);
            // Far from 3 and 4, so the dup2s below cannot overwrite each other's sources.
            for (int *fd : {&p3[0], &p3[1], &p4[0], &p4[1]}) {
                int high = ::fcntl(*fd, F_DUPFD, 100);
                ASSERT_GE(high, 100);
                ::close(*fd);
                *fd = high;
            }
            std::vector<std::string> all{"/usr/bin/env", env, NSVIZ_HELPER_BIN, mode};
            if (std::string(mode) == helper::kDemoSuperviseMode)
                all.push_back(config);
            std::vector<char *> argv;
            for (auto &a : all)
                argv.push_back(a.data());
            argv.push_back(nullptr);
            posix_spawn_file_actions_t fa;
            posix_spawn_file_actions_init(&fa);
            posix_spawn_file_actions_adddup2(&fa, p3[1], 3);
            posix_spawn_file_actions_adddup2(&fa, p4[0], 4);
            posix_spawn_file_actions_adddup2(&fa, err[1], 2);
            pid_t pid = -1;
            ASSERT_EQ(::posix_spawn(&pid, argv[0], &fa, nullptr, argv.data(), environ), 0);
            posix_spawn_file_actions_destroy(&fa);
            for (int fd : {p3[0], p3[1], p4[0], p4[1], err[1]})
                if (fd != p3[0])
                    ::close(fd);
            std::string text;
            char buf[4096];
            ssize_t n;
            while ((n = ::read(err[0], buf, sizeof buf)) > 0)
                text.append(buf, std::size_t(n));
            ::close(err[0]);
            // Nothing was reported on the supervisor's report pipe either.
            std::string report;
            while ((n = ::read(p3[0], buf, sizeof buf)) > 0)
                report.append(buf, std::size_t(n));
            ::close(p3[0]);
            int status = 0;
            ::waitpid(pid, &status, 0);
            EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 2) << env << " " << mode;
            EXPECT_NE(text.find("refuses to run for a pkexec/sudo caller"), std::string::npos) << text;
            EXPECT_EQ(report, "") << mode;
        }
    }
    EXPECT_FALSE(fs::exists("/tmp/evil"));
}
