// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
/// @file demoserve.h demo_start / demo_stop / demo_list in the serve loop (and the KAuth helper,
/// which drives the same Server in-process).

#include "helper/demo/demomanager.h"

#include <functional>
#include <optional>

namespace nsviz::helper
{

class Server;

struct DemoServeOptions {
    /// State directory, helper binary, cgroup root. A KAuth helper must set manager.helperPath to
    /// the installed nsviz-helper: /proc/self/exe is the KAuth helper there.
    DemoManager::Options manager;
    /// Who owns the demos started through this server. Empty: this process (serve, whose death or
    /// end of connection ends them). A KAuth helper returns the verified GUI process instead.
    std::function<std::optional<DemoOwner>()> owner;
    /// Stop the owner's demos when the connection ends. Right for serve; wrong for KAuth, where
    /// every action is its own short connection and the owner outlives it.
    bool stopOnConnectionEnd = true;
    /// Whom the requests come from (DemoRecord::callerUid): they list and stop only their own demos.
    /// Empty: callerFromEnvironment() (PKEXEC_UID, SUDO_UID, else the real uid). A KAuth helper
    /// returns KAuth's caller uid; nullopt refuses the request (not_authorised).
    std::function<std::optional<std::uint32_t>()> callerUid;
};

/// Gives @p server handlers for the demo requests. DemoErrors become error frames with the
/// protocol codes bad_request / not_found / failed (limit, not root, system errors).
void installDemoHandlers(Server &server, const DemoServeOptions &options = {});

/// The action a pkexec user needs for demo requests (resources/org.nsviz.pkexec.helper.policy).
inline constexpr const char *kPkexecDemoAction = "org.nsviz.pkexec.helper.demos";

/// Makes @p server answer every demo request with the protocol error "not_authorised", naming
/// the demo-capable helper: the read-only `serve` (one polkit action, auth_admin_keep) must not
/// start containers.
void refuseDemoRequests(Server &server);

/// Registers installDemoHandlers(…, @p options) with addServeExtension(), for every Server made
/// afterwards in this process (`serve`, or the KAuth helper's in-process Server).
void addDemoServeExtension(DemoServeOptions options = {});

} // namespace nsviz::helper
