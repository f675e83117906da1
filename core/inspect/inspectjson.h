// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
/// @file inspectjson.h The "nsviz.inspect/1" JSON fragments of the typed /proc parse results.
/// The parsers (core/proc) know nothing of JSON; this is the one place that gives their results
/// the wire shape.

#include "core/proc/mountinfo.h"
#include "core/proc/netfiles.h"
#include "core/proc/procfiles.h"
#include "core/proc/sysvipcfiles.h"

#include <nlohmann/json.hpp>
#include <string_view>

namespace nsviz::inspectjson
{

/// {name, uid:[4], gid:[4], nspid:[...], caps:{inheritable..ambient: names}, capsHex:{...},
/// noNewPrivs, seccomp:{mode, filters}}; each key only when the status line was well formed.
nlohmann::json status(const procparse::Status &s);
/// parseStatus() then status(): the status file's fragment.
nlohmann::json statusFromText(std::string_view text);

/// [{inside, outside, count}]
nlohmann::json idMap(const std::vector<procparse::IdMapEntry> &map);
/// [{clock, seconds, nanoseconds}]
nlohmann::json timeOffsets(const std::vector<procparse::TimeOffset> &offsets);
/// [{id, parent, target, root, source, fstype, options, superOptions, propagation}]
nlohmann::json mounts(const std::vector<procparse::MountEntry> &mounts);
/// {family: "inet"|"inet6", destination: "ADDR/LEN", gateway (when any), dev, metric}
nlohmann::json route(const procparse::Route &r);
/// {proto, address, port, uid, inode}
nlohmann::json listeningSocket(const procparse::ListeningSocket &s);
/// [{key, id, perms, uid} + size (shm) / nsems (sem) / qnum (msg)]
nlohmann::json sysvipc(const std::vector<procparse::SysvIpcObject> &objects, procparse::SysvIpcKind kind);

/// A copy of @p j with every string (values and object keys) passed through terminalSafe()
/// (core/model/textsafe.h): what the text renderings of the diff and the findings print from.
/// The JSON documents themselves are never sanitised: they stay exact.
nlohmann::json terminalSafeStrings(const nlohmann::json &j);

} // namespace nsviz::inspectjson
