// SPDX-License-Identifier: GPL-2.0-or-later
// The real NsQuery on the running kernel: identities, ioctls, and refusing what is no namespace.
#include "core/proc/nsfsquery.h"

#include <cerrno>
#include <cstdlib>
#include <fcntl.h>
#include <filesystem>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace nsviz;

namespace
{
NsId statId(const std::string &path)
{
    struct stat st {
    };
    if (::stat(path.c_str(), &st) != 0)
        return {};
    return NsId{static_cast<std::uint64_t>(st.st_dev), static_cast<std::uint64_t>(st.st_ino)};
}
} // namespace

TEST(NsfsQuery, OwnNamespacesAndTheirOwner)
{
    NsfsQuery q;
    for (NsType t : kAllNsTypes) {
        std::string path = "/proc/self/ns/" + std::string(nsTypeName(t));
        if (::access(path.c_str(), F_OK) != 0)
            continue; // e.g. no time namespaces before Linux 5.6
        SCOPED_TRACE(path);
        NsQuery::Handle h = NsQuery::kNoHandle;
        ASSERT_EQ(q.open(path, h), 0);
        NsId id;
        ASSERT_EQ(q.identify(h, id), 0);
        EXPECT_EQ(id, statId(path));
        NsType type;
        ASSERT_EQ(q.type(h, type), 0);
        EXPECT_EQ(type, t);
        std::uint64_t dev = 0;
        EXPECT_EQ(q.device(path, dev), 0);
        EXPECT_EQ(dev, id.dev);
        NsQuery::Handle owner = NsQuery::kNoHandle;
        int err = q.owner(h, owner);
        if (err == 0) {
            NsId oid;
            EXPECT_EQ(q.identify(owner, oid), 0);
            NsType ot;
            EXPECT_EQ(q.type(owner, ot), 0);
            EXPECT_EQ(ot, NsType::User);
            if (t != NsType::User) {
                EXPECT_EQ(oid, statId("/proc/self/ns/user"));
            }
            q.close(owner);
        } else {
            // Only the top user namespace we can see has no owner for us.
            EXPECT_EQ(err, EPERM);
            EXPECT_EQ(t, NsType::User);
        }
        q.close(h);
    }
}

TEST(NsfsQuery, RefusesFilesThatAreNoNamespace)
{
    NsfsQuery q;
    char dir[] = "/tmp/nsviz-nsfsq-XXXXXX";
    ASSERT_TRUE(::mkdtemp(dir));
    std::string file = std::string(dir) + "/plain", fifo = std::string(dir) + "/fifo";
    ::close(::open(file.c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0600));
    ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
    NsQuery::Handle h = NsQuery::kNoHandle;
    EXPECT_EQ(q.open(file, h), EINVAL);
    EXPECT_EQ(q.open(fifo, h), EINVAL) << "must neither block nor accept a FIFO";
    EXPECT_EQ(q.open(std::string(dir) + "/missing", h), ENOENT);
    EXPECT_EQ(q.open("/dev/null", h), EINVAL);
    EXPECT_EQ(h, NsQuery::kNoHandle);
    std::filesystem::remove_all(dir);
}

TEST(NsfsQuery, OwnerUidOnlyForUserNamespaces)
{
    NsfsQuery q;
    NsQuery::Handle h = NsQuery::kNoHandle;
    ASSERT_EQ(q.open("/proc/self/ns/user", h), 0);
    std::uint32_t uid = 12345;
    EXPECT_EQ(q.ownerUid(h, uid), 0);
    q.close(h);
    ASSERT_EQ(q.open("/proc/self/ns/net", h), 0);
    EXPECT_EQ(q.ownerUid(h, uid), EINVAL);
    NsQuery::Handle p = NsQuery::kNoHandle;
    EXPECT_EQ(q.parent(h, p), EINVAL); // only pid and user namespaces have parents
    q.close(h);
}
