// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
/// @file moment.h One moment of a host, read from a file: a snapshot file (nsviz.snapshot/1) or a
/// moment of a recording (`FILE@SECONDS`, `FILE@end`: docs/recording.md). What `nsviz-helper
/// compare` and the GUI's compare view (and `nsviz --snapshot FILE@SECONDS --screenshot`) read,
/// so that every reader takes the same arguments and gives the same errors.

#include "core/model/model.h"
#include "core/protocol/recording.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <stdexcept>
#include <string>

namespace nsviz
{

/// A moment that cannot be read; the message names the file and why.
class MomentError : public std::runtime_error
{
public:
    using std::runtime_error::runtime_error;
};

struct Moment {
    Snapshot snapshot;
    /// The document's "sandboxes" array as found (null when it has none): compareSnapshots() takes
    /// it to tell "no sandboxes" from "a helper that does not list them".
    nlohmann::json sandboxes;
    std::string label;          ///< the argument as given (a file, FILE@SECONDS)
    std::string path;           ///< the file read
    bool fromRecording = false; ///< a moment of a recording, not a snapshot file
    std::int64_t ms = 0;        ///< from the recording's start (fromRecording)
};

/// Reads the moment @p arg names. A file whose name really ends in "@5" is that file. Throws
/// MomentError: no such file, not a regular file, over 2 GiB, not JSON, not a snapshot, a recording
/// without a moment, a snapshot file with one, a moment past the recording's end.
Moment loadMoment(const std::string &arg);

/// The moment @p ms (from the start) of @p recording; @p atEnd takes its last frame. @p label
/// names it in a comparison.
Moment momentOf(const Recording &recording, std::int64_t ms, bool atEnd, const std::string &label);

/// The JSON of a snapshot document (a file's text) as a moment; throws MomentError.
Moment momentFromSnapshotText(const std::string &text, const std::string &label);

} // namespace nsviz
