// SPDX-License-Identifier: GPL-2.0-or-later
// SshTarget: what `--host` accepts, what it refuses (nothing may become an ssh option), and the ssh
// command line it makes; ProcessTransport::sshVerdict on OpenSSH's own messages.
#include "app/transport/processtransport.h"
#include "app/transport/sshtarget.h"

#include <gtest/gtest.h>

using namespace nsviz;

TEST(SshTarget, ParsesUserHostPort)
{
    auto t = SshTarget::parse(QStringLiteral("alice@db1.example.org:2200"));
    ASSERT_TRUE(t);
    EXPECT_EQ(t->user, QStringLiteral("alice"));
    EXPECT_EQ(t->host, QStringLiteral("db1.example.org"));
    EXPECT_EQ(t->port, 2200);
    EXPECT_EQ(t->displayName(), QStringLiteral("alice@db1.example.org:2200"));
    t = SshTarget::parse(QStringLiteral("myalias"));
    ASSERT_TRUE(t);
    EXPECT_TRUE(t->user.isEmpty());
    EXPECT_EQ(t->port, 0);
    EXPECT_EQ(t->destination(), QStringLiteral("myalias"));
    t = SshTarget::parse(QStringLiteral("root@[::1]:2222"));
    ASSERT_TRUE(t);
    EXPECT_EQ(t->host, QStringLiteral("::1"));
    EXPECT_EQ(t->port, 2222);
    EXPECT_EQ(t->displayName(), QStringLiteral("root@[::1]:2222"));
    t = SshTarget::parse(QStringLiteral("fe80::1"));
    ASSERT_TRUE(t);
    EXPECT_EQ(t->host, QStringLiteral("fe80::1"));
    EXPECT_EQ(t->port, 0);
}

TEST(SshTarget, RefusesWhatSshWouldReadAsAnOption)
{
    for (const char *bad :
         {"", "-oProxyCommand=touch /tmp/x", "alice@-p", "host:0", "host:65536", "host:abc", "a b", "-host",
          "alice@", "@host", "[::1", "[::1]x", "ho\x01st", "host;rm", "us$er@host"}) {
        QString why;
        EXPECT_FALSE(SshTarget::parse(QString::fromUtf8(bad), &why)) << bad;
        EXPECT_FALSE(why.isEmpty()) << bad;
    }
}

TEST(SshTarget, CommandLine)
{
    auto t = *SshTarget::parse(QStringLiteral("bob@h:2022"));
    t.remoteSudo = true;
    t.configFile = QStringLiteral("/tmp/cfg");
    t.sshOptions = {QStringLiteral("StrictHostKeyChecking=yes")};
    t.remoteHelper = QStringLiteral("/opt/my nsviz/nsviz-helper");
    const QStringList a = t.sshArguments(QStringLiteral("serve"));
    EXPECT_TRUE(a.contains(QStringLiteral("BatchMode=yes")));
    const auto dd = a.indexOf(QStringLiteral("--"));
    ASSERT_GT(dd, 0);
    EXPECT_EQ(a.at(dd + 1), QStringLiteral("bob@h"));
    EXPECT_EQ(a.at(dd + 2), QStringLiteral("sudo -n '/opt/my nsviz/nsviz-helper' serve"));
    EXPECT_EQ(a.size(), dd + 3);
    EXPECT_EQ(a.at(a.indexOf(QStringLiteral("-p")) + 1), QStringLiteral("2022"));
    EXPECT_EQ(a.at(a.indexOf(QStringLiteral("-F")) + 1), QStringLiteral("/tmp/cfg"));
    t.remoteSudo = false;
    t.remoteHelper = QStringLiteral("it's");
    EXPECT_EQ(t.sshArguments(QStringLiteral("serve")).last(), QStringLiteral("'it'\\''s' serve"));
}

TEST(SshTarget, VerdictsOnOpenSshMessages)
{
    using E = Transport::Error;
    const QString h = QStringLiteral("h");
    auto v = [&](int code, const char *text) {
        auto r = ProcessTransport::sshVerdict(code, QString::fromUtf8(text), h);
        return r ? r->first : E::Busy; // Busy: "no verdict" in this table
    };
    EXPECT_EQ(v(255, "ssh: connect to host 127.0.0.1 port 2223: Connection refused"), E::Unreachable);
    EXPECT_EQ(v(255, "ssh: Could not resolve hostname nope: Name or service not known"), E::Unreachable);
    EXPECT_EQ(v(255, "No ED25519 host key is known for [127.0.0.1]:2222 and you have requested strict "
                     "checking.\nHost key verification failed."),
              E::HostKeyUnknown);
    EXPECT_EQ(v(255, "@@@@@@@@\n@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @\n@@@@@@@@\n"
                     "Host key verification failed."),
              E::HostKeyChanged);
    EXPECT_EQ(v(255, "root@127.0.0.1: Permission denied (publickey)."), E::AuthRefused);
    EXPECT_EQ(v(127, "bash: line 1: nsviz-helper: command not found"), E::HelperMissing);
    // --remote-sudo on a host without sudo: the missing program is sudo, not the helper.
    EXPECT_EQ(v(127, "bash: line 1: sudo: command not found"), E::AuthToolMissing);
    EXPECT_EQ(v(127, "sh: 1: sudo: not found"), E::AuthToolMissing);
    EXPECT_EQ(v(127, "sh: 1: nsviz-helper: not found"), E::HelperMissing);
    EXPECT_EQ(v(1, "sudo: a password is required"), E::Denied);
    EXPECT_EQ(v(255, "something new"), E::Other);
    EXPECT_EQ(v(0, ""), E::Busy);
}
