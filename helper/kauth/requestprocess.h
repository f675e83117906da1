// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
/// @file requestprocess.h Runs one KAuth request in a child process that holds only what its verb
/// needs.
///
/// The KAuth helper is root with every capability: D-Bus activation starts it so, and it needs
/// CAP_CHOWN (and root's DAC) to make each caller's private channel. The request itself does not:
/// a scan or an inspect needs the read-only set of `nsviz-helper serve`, a demo request the demo
/// set (helper/serve/privileges.h decides both, for serve and for KAuth alike). Capabilities are
/// per thread and cannot come back once dropped, and one helper process serves many actions, so
/// each request runs in a fork()ed child that drops to its set, clears the inheritable and
/// ambient sets and sets PR_SET_NO_NEW_PRIVS before it does anything else. The frames go from the
/// child straight to the caller's channel (the sink runs in the child); the parent, which keeps
/// the D-Bus connection, relays the child's heartbeats and reads its outcome from a pipe. A bug
/// in the protocol or scan code then runs without CAP_CHOWN, CAP_SYS_MODULE, CAP_SYS_RAWIO,
/// CAP_BPF, CAP_DAC_OVERRIDE (read-only verbs) ..., and nothing it executes regains them.
/// Qt-free: the child never touches the parent's Qt or D-Bus state.

#include "helper/kauth/requestrunner.h"

#include <functional>
#include <string>
#include <sys/types.h>
#include <vector>

namespace nsviz::kauth
{

class RequestProcess
{
public:
    /// The capabilities (CAP_* numbers) a request of @p verb runs with: serve's read-only set for
    /// scan and inspect, serve-demos' set for the demo verbs (helper::keptCapabilities()).
    static std::vector<int> capabilitiesFor(Verb verb);

    /// Runs @p req through RequestRunner(@p procRoot, @p extension) in a child process with
    /// capabilitiesFor(req.verb) and no_new_privs, which keeps of this process's open files only
    /// stdin/out/err and @p keepFds (the caller's channel): not the helper's D-Bus connection, say.
    /// @p sink and @p stopped run in the child (on its copies of what they capture: give them
    /// file descriptors, not flags), @p heartbeat in the caller, who is blocked until the child
    /// has ended; @p started (optional) gets the child's pid. A child that dies or cannot drop its
    /// privileges is a Failed outcome, never a hang.
    static RequestRunner::Outcome
    run(const KAuthRequest &req, const std::vector<int> &keepFds, const RequestRunner::FrameSink &sink,
        const RequestRunner::StopCheck &stopped, const RequestRunner::Heartbeat &heartbeat,
        const std::function<void(pid_t)> &started = {}, const std::string &procRoot = "/proc",
        const RequestRunner::Extension &extension = {});
};

} // namespace nsviz::kauth
