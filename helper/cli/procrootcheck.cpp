// SPDX-License-Identifier: GPL-2.0-or-later
#include "helper/cli/procrootcheck.h"

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <ftw.h>
#include <linux/magic.h>
#include <memory>
#include <sys/stat.h>
#include <sys/statfs.h>

namespace nsviz::helper
{

namespace
{
constexpr long kMaxEntries = 1000000; // a fixture tree is small; do not walk a whole disk

/// Why @p st (of @p what) lets someone other than root change it, or "".
std::string writableByOthers(const struct stat &st, const std::string &what, bool stickyOk)
{
    if (st.st_uid != 0)
        return what + " is owned by uid " + std::to_string(st.st_uid) + ", not root";
    if (S_ISLNK(st.st_mode))
        return {}; // a symlink's own mode means nothing; its owner is checked above
    if ((st.st_mode & (S_IWGRP | S_IWOTH)) && !(stickyOk && S_ISDIR(st.st_mode) && (st.st_mode & S_ISVTX)))
        return what + " is writable by group or others";
    return {};
}

// nftw has no user pointer: one walk at a time (the command line runs one command).
thread_local std::string *g_why = nullptr;
thread_local long g_count = 0;

int visit(const char *path, const struct stat *st, int flag, FTW *)
{
    if (++g_count > kMaxEntries) {
        *g_why = "the tree has more than " + std::to_string(kMaxEntries) + " entries";
        return 1;
    }
    if (flag == FTW_NS || flag == FTW_DNR) {
        *g_why = std::string(path) + " cannot be read";
        return 1;
    }
    std::string why = writableByOthers(*st, path, false);
    if (!why.empty()) {
        *g_why = why;
        return 1;
    }
    return 0;
}
} // namespace

std::string procRootRefusal(const std::string &path, const Caller &caller)
{
    if (!caller.forSomeoneElse)
        return {};
    const std::string prefix = "--proc " + path + " refused: the helper runs as root for uid " +
                               std::to_string(caller.uid) + " (via " + caller.via + "), and ";
    std::unique_ptr<char, decltype(&std::free)> real(::realpath(path.c_str(), nullptr), &std::free);
    if (!real)
        return prefix + "it cannot be resolved: " + std::strerror(errno);
    std::string dir = real.get();
    // The helper goes on to open the path as given: a symlink in it could be pointed elsewhere
    // after this check, so only the canonical path is accepted.
    std::string given = path;
    while (given.size() > 1 && given.back() == '/')
        given.pop_back();
    if (given != dir)
        return prefix + "it is not a canonical path (relative, or through a symlink); give " + dir;
    struct statfs fs {
    };
    if (::statfs(dir.c_str(), &fs) == 0 && fs.f_type == PROC_SUPER_MAGIC)
        return {}; // the kernel's own: nothing in it is the caller's to arrange
    // The directories above it: the caller must not be able to swap the tree out afterwards.
    for (std::string up = dir;;) {
        auto slash = up.rfind('/');
        up = slash == 0 ? std::string("/") : up.substr(0, slash);
        struct stat st {
        };
        if (::lstat(up.c_str(), &st) != 0)
            return prefix + up + ": " + std::strerror(errno);
        if (std::string why = writableByOthers(st, up, true); !why.empty())
            return prefix + why;
        if (up == "/")
            break;
    }
    std::string why;
    g_why = &why;
    g_count = 0;
    int rc = ::nftw(dir.c_str(), visit, 32, FTW_PHYS | FTW_MOUNT);
    g_why = nullptr;
    if (rc != 0 && why.empty())
        why = std::string("walking it failed: ") + std::strerror(errno);
    if (!why.empty())
        return prefix + why + " (only a tree that root alone can change is read for someone else)";
    return {};
}

std::string procRootRefusal(const std::string &path)
{
    try {
        return procRootRefusal(path, callerFromEnvironment());
    } catch (const std::exception &e) {
        return e.what();
    }
}

} // namespace nsviz::helper
