// SPDX-License-Identifier: GPL-2.0-or-later
// Placeholder until the 'demo' command lands; replaced by its own work.
#include "commands.h"

#include <CLI/CLI.hpp>

namespace nsviz::helper {

void addDemoCommands(CLI::App &app, CommandTable &table)
{
    auto *sub = app.add_subcommand("demo", "(demo: not built yet)");
    table.add(sub, [] { return runtimeError("'demo' is not implemented in this build"); });
}

} // namespace nsviz::helper
