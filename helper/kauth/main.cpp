// SPDX-License-Identifier: GPL-2.0-or-later
// Entry point of the KAuth helper, started by D-Bus activation as root (see org.nsviz.helper.service).
#include "helper/kauth/kauthhelper.h"
#include "helper/serve/heap.h"

#include <KAuth/HelperSupport>

namespace
{
// The heap tuning of `nsviz-helper serve` (helper/serve/heap.h) must come before the first thread,
// and KAUTH_HELPER_MAIN's main starts Qt's at once: done while static objects are made, before main.
[[maybe_unused]] const bool kHeapTuned = (nsviz::helper::tuneHeap(), true);
} // namespace

KAUTH_HELPER_MAIN("org.nsviz.helper", nsviz::kauth::KAuthHelper)
