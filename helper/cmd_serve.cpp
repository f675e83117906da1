// SPDX-License-Identifier: GPL-2.0-or-later
// Placeholder until the 'serve' command lands; replaced by its own work.
#include "commands.h"

#include <CLI/CLI.hpp>

namespace nsviz::helper {

void addServeCommand(CLI::App &app, CommandTable &table)
{
    auto *sub = app.add_subcommand("serve", "(serve: not built yet)");
    table.add(sub, [] { return runtimeError("'serve' is not implemented in this build"); });
}

} // namespace nsviz::helper
