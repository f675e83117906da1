// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
// The GUI's logging categories, one per subsystem, declared here once (as libksysguard declares its
// own). Debug messages are off by default; QT_LOGGING_RULES turns them on, e.g.
//   QT_LOGGING_RULES='nsviz.models.debug=true' nsviz
// Log with qCWarning(lcModels) << ...; never getenv + fprintf. The KAuth helper, a process of its
// own, logs as nsviz.kauth (helper/kauth/kauthhelper.cpp).

#include <QLoggingCategory>

namespace nsviz
{

Q_DECLARE_LOGGING_CATEGORY(lcTransport) ///< nsviz.transport: reaching the helper (app/transport)
Q_DECLARE_LOGGING_CATEGORY(lcModels)    ///< nsviz.models: the snapshot store and item models
Q_DECLARE_LOGGING_CATEGORY(lcCluster)   ///< nsviz.cluster: cluster layout and painting
Q_DECLARE_LOGGING_CATEGORY(lcWindow)    ///< nsviz.window: main window, session, demos, headless

} // namespace nsviz
