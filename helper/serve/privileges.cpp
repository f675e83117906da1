// SPDX-License-Identifier: GPL-2.0-or-later
#include "helper/serve/privileges.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <sys/capability.h>
#include <sys/prctl.h>

namespace nsviz::helper
{

namespace
{
std::string sysError(const char *what)
{
    return std::string(what) + ": " + std::strerror(errno);
}
} // namespace

std::vector<int> keptCapabilities(bool demos)
{
    std::vector<int> caps = {CAP_SYS_PTRACE, CAP_DAC_READ_SEARCH, CAP_SYS_ADMIN, CAP_SYS_CHROOT};
    if (demos) {
        // helper/demo: clone3 into fresh namespaces, uid/gid maps, mounts, hostname, links, the
        // cgroup, stopping by signal; and the set the demo's init keeps (demorun.cpp kKeptCaps).
        for (int c : {CAP_CHOWN, CAP_DAC_OVERRIDE, CAP_FSETID, CAP_FOWNER, CAP_MKNOD, CAP_NET_RAW, CAP_SETGID,
                      CAP_SETUID, CAP_SETFCAP, CAP_SETPCAP, CAP_NET_BIND_SERVICE, CAP_KILL, CAP_AUDIT_WRITE,
                      CAP_NET_ADMIN, CAP_SYS_RESOURCE})
            caps.push_back(c);
    }
    std::sort(caps.begin(), caps.end());
    caps.erase(std::unique(caps.begin(), caps.end()), caps.end());
    return caps;
}

std::string dropPrivileges(bool demos)
{
    const std::vector<int> keep = keptCapabilities(demos);
    auto kept = [&](int c) { return std::find(keep.begin(), keep.end(), c) != keep.end(); };

    cap_t current = cap_get_proc();
    if (!current)
        return sysError("cap_get_proc");
    cap_flag_value_t setpcap = CAP_CLEAR;
    cap_get_flag(current, CAP_SETPCAP, CAP_EFFECTIVE, &setpcap);
    cap_free(current);

    // The bounding set first, while CAP_SETPCAP is still effective: what is gone from it cannot
    // come back through execve (a root helper would otherwise regain everything on exec).
    std::string error;
    if (setpcap == CAP_SET) {
        const cap_value_t count = cap_max_bits(); // what this kernel knows
        for (cap_value_t c = 0; c < count; ++c) {
            if (!kept(c) && cap_drop_bound(c) != 0) {
                error = sysError("cap_drop_bound");
                break;
            }
        }
    }
    if (error.empty() && ::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0 && errno != EINVAL)
        error = sysError("PR_CAP_AMBIENT_CLEAR_ALL");

    if (error.empty()) {
        // Permitted and effective: what we keep and still hold; inheritable: nothing.
        cap_t held = cap_get_proc();
        cap_t next = cap_init();
        if (!held || !next) {
            error = sysError("cap_init");
        } else {
            for (int c : keep) {
                cap_flag_value_t has = CAP_CLEAR;
                cap_get_flag(held, c, CAP_PERMITTED, &has);
                if (has != CAP_SET)
                    continue;
                cap_value_t v = c;
                cap_set_flag(next, CAP_PERMITTED, 1, &v, CAP_SET);
                cap_set_flag(next, CAP_EFFECTIVE, 1, &v, CAP_SET);
            }
            if (cap_set_proc(next) != 0)
                error = sysError("cap_set_proc");
        }
        if (held)
            cap_free(held);
        if (next)
            cap_free(next);
    }
    // Whatever happened above: nothing this process executes may gain privileges.
    if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 && error.empty())
        error = sysError("PR_SET_NO_NEW_PRIVS");
    return error;
}

} // namespace nsviz::helper
