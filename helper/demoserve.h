// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
/// @file demoserve.h demo_start / demo_stop / demo_list in the serve loop.

#include <memory>

namespace nsviz::helper {

class Server;
class DemoManager;

/// Gives @p server handlers for the demo requests. Demos started over a connection are owned by
/// this serve process: they end when the connection ends (end hook) or the process dies (the
/// supervisors watch its pidfd, so even SIGKILL). DemoErrors become error frames with the
/// protocol codes bad_request / not_found / failed.
void installDemoHandlers(Server &server, std::shared_ptr<DemoManager> manager);

} // namespace nsviz::helper
