// SPDX-License-Identifier: GPL-2.0-or-later
#include "app/logging/logging.h"

namespace nsviz
{

Q_LOGGING_CATEGORY(lcTransport, "nsviz.transport", QtInfoMsg)
Q_LOGGING_CATEGORY(lcModels, "nsviz.models", QtInfoMsg)
Q_LOGGING_CATEGORY(lcCluster, "nsviz.cluster", QtInfoMsg)
Q_LOGGING_CATEGORY(lcWindow, "nsviz.window", QtInfoMsg)

} // namespace nsviz
