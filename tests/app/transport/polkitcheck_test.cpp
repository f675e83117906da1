// SPDX-License-Identifier: GPL-2.0-or-later
// How the KAuth client reads polkit's AuthorizationResult: the answers polkitd 126 gives (seen
// with pkcheck in the Debian 13 root) for a yes, a no, a password wanted (kept or not), a
// dismissed dialog and no agent. The client end to end: scripts/kauth-e2e.sh.
#include "app/transport/polkitcheck.h"

#include <gtest/gtest.h>

using nsviz::PolkitVerdict;
using nsviz::polkitVerdict;
using K = PolkitVerdict::Kind;

namespace
{
QMap<QString, QString> details(std::initializer_list<std::pair<const char *, const char *>> kv)
{
    QMap<QString, QString> m;
    for (const auto &[k, v] : kv)
        m.insert(QString::fromLatin1(k), QString::fromLatin1(v));
    return m;
}
} // namespace

TEST(PolkitVerdict, YesAndNo)
{
    EXPECT_EQ(polkitVerdict(true, false, {}).kind, K::Authorized);
    // A kept authorisation in use: still a yes.
    EXPECT_EQ(polkitVerdict(true, false, details({{"polkit.temporary_authorization_id", "tmpauthz1"}})).kind,
              K::Authorized);
    // Outside any session polkit's default for our actions is "no": not a challenge.
    EXPECT_EQ(polkitVerdict(false, false, {}).kind, K::NotAuthorized);
}

TEST(PolkitVerdict, ChallengeSaysWhetherTheAnswerIsKept)
{
    const PolkitVerdict once = polkitVerdict(false, true, {});
    EXPECT_EQ(once.kind, K::Challenge);
    EXPECT_FALSE(once.retains);
    // polkitd writes "1" here and "true" after a dismissal: the key is what counts.
    const PolkitVerdict kept =
        polkitVerdict(false, true, details({{"polkit.retains_authorization_after_challenge", "1"}}));
    EXPECT_EQ(kept.kind, K::Challenge);
    EXPECT_TRUE(kept.retains);
}

TEST(PolkitVerdict, DismissedIsNeitherNoNorChallenge)
{
    EXPECT_EQ(polkitVerdict(false, false, details({{"polkit.dismissed", "true"}})).kind, K::Dismissed);
    const PolkitVerdict kept = polkitVerdict(
        false, false,
        details({{"polkit.dismissed", "true"}, {"polkit.retains_authorization_after_challenge", "true"}}));
    EXPECT_EQ(kept.kind, K::Dismissed);
    EXPECT_TRUE(kept.retains);
}
