// SPDX-License-Identifier: GPL-2.0-or-later
// Placeholder until the 'scan' command lands; replaced by its own work.
#include "commands.h"

#include <CLI/CLI.hpp>

namespace nsviz::helper {

void addScanCommand(CLI::App &app, CommandTable &table)
{
    auto *sub = app.add_subcommand("scan", "(scan: not built yet)");
    table.add(sub, [] { return runtimeError("'scan' is not implemented in this build"); });
}

} // namespace nsviz::helper
