// SPDX-License-Identifier: GPL-2.0-or-later
// Entry point of the KAuth helper, started by D-Bus activation as root (see org.nsviz.helper.service).
#include "helper/kauth/kauthhelper.h"

#include <KAuth/HelperSupport>

KAUTH_HELPER_MAIN("org.nsviz.helper", nsviz::kauth::KAuthHelper)
