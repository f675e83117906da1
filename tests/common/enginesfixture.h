// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
// The two engine fixtures the sandbox tests share, loaded one way:
// - tests/data/proc-engines: every engine layout on one fake host (a proc tree), scanned with a
//   fake nsfs that knows its /run/netns bind mounts;
// - tests/data/snapshots/engines-all.json: a redacted snapshot of the real engines of
//   tests/engines/engines.sh, all running at once (tests/engines/make-fixtures.sh).

#include "core/model/model.h"

#include <string>

namespace nsviz::test
{

/// The proc root of the fake engines host.
std::string procEnginesRoot();
/// A scan of the fake engines host (sandboxes classified, as the helper does).
Snapshot scanProcEngines();

/// The path of the real engines' snapshot fixture.
std::string enginesSnapshotPath();
/// The text of that fixture (empty when it cannot be read).
std::string enginesSnapshotText();
/// That fixture read as a snapshot; throws when it is missing or malformed.
Snapshot enginesSnapshot();

} // namespace nsviz::test
