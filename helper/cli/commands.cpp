// SPDX-License-Identifier: GPL-2.0-or-later
#include "helper/cli/commands.h"

#include "core/model/textsafe.h"

#include <CLI/CLI.hpp>
#include <iostream>

namespace nsviz::helper
{

int CommandTable::runParsed() const
{
    // Subcommands nest (demo start): the deepest parsed one wins.
    const Entry *best = nullptr;
    int bestDepth = -1;
    for (const auto &e : m_entries) {
        if (!e.sub->parsed())
            continue;
        int depth = 0;
        for (const CLI::App *p = e.sub->get_parent(); p; p = p->get_parent())
            ++depth;
        if (depth > bestDepth) {
            best = &e;
            bestDepth = depth;
        }
    }
    return best ? best->run() : -1;
}

int usageError(const std::string &message)
{
    // Messages may echo a name, a path or a request: nothing of them reaches the terminal raw.
    std::cerr << "nsviz-helper: error: " << terminalSafe(message) << " (see --help)\n";
    return ExitUsage;
}

int runtimeError(const std::string &message)
{
    std::cerr << "nsviz-helper: " << terminalSafe(message) << "\n";
    return ExitFailure;
}

} // namespace nsviz::helper
