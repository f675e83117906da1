// SPDX-License-Identifier: GPL-2.0-or-later
// Placeholder until the 'diff' command lands; replaced by its own work.
#include "commands.h"

#include <CLI/CLI.hpp>

namespace nsviz::helper {

void addDiffCommands(CLI::App &app, CommandTable &table)
{
    auto *sub = app.add_subcommand("diff", "(diff: not built yet)");
    table.add(sub, [] { return runtimeError("'diff' is not implemented in this build"); });
}

} // namespace nsviz::helper
