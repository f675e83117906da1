// SPDX-License-Identifier: GPL-2.0-or-later
#include "core/proc/fdlimit.h"

#include <algorithm>
#include <sys/resource.h>

namespace nsviz
{

unsigned long raiseFdLimit(unsigned long atMost)
{
    rlimit r{};
    if (::getrlimit(RLIMIT_NOFILE, &r) != 0)
        return 0;
    const rlim_t want =
        r.rlim_max == RLIM_INFINITY ? static_cast<rlim_t>(atMost) : std::min<rlim_t>(r.rlim_max, atMost);
    if (r.rlim_cur != RLIM_INFINITY && r.rlim_cur < want) {
        rlimit raised = r;
        raised.rlim_cur = want;
        if (::setrlimit(RLIMIT_NOFILE, &raised) == 0)
            r = raised;
    }
    return r.rlim_cur == RLIM_INFINITY ? atMost : static_cast<unsigned long>(r.rlim_cur);
}

} // namespace nsviz
