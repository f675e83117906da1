// SPDX-License-Identifier: GPL-2.0-or-later
// Entry point of the KAuth helper, started by D-Bus activation as root (see org.nsviz.helper.service).
#include "core/proc/fdlimit.h"
#include "core/proc/heap.h"
#include "helper/kauth/kauthhelper.h"

#include <KAuth/HelperSupport>

namespace
{
// The heap tuning of `nsviz-helper serve` (core/proc/heap.h) must come before the first thread,
// and KAUTH_HELPER_MAIN's main starts Qt's at once: done while static objects are made, before main.
[[maybe_unused]] const bool kHeapTuned = (nsviz::tuneHeap(), true);
// Room for a mountinfo watch per mount namespace (core/proc/fdlimit.h), before any cache is made.
[[maybe_unused]] const unsigned long kFdLimit = nsviz::raiseFdLimit();
} // namespace

KAUTH_HELPER_MAIN("org.nsviz.helper", nsviz::kauth::KAuthHelper)
