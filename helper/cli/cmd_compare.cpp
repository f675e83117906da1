// SPDX-License-Identifier: GPL-2.0-or-later
// nsviz-helper compare A B [--json]: A and B are snapshot files or moments of recordings
// (FILE@SECONDS, FILE@end).
#include "helper/cli/commands.h"

#include "core/inspect/compare.h"
#include "core/protocol/moment.h"

#include <CLI/CLI.hpp>
#include <iostream>
#include <memory>

namespace nsviz::helper
{

namespace
{
struct CompareArgs {
    std::string a, b;
    bool json = false;
};

int runCompare(const CompareArgs &a)
{
    Moment x, y;
    try {
        x = loadMoment(a.a);
        y = loadMoment(a.b);
    } catch (const MomentError &e) {
        return runtimeError(e.what());
    }
    nlohmann::json cmp =
        compareSnapshots(x.snapshot, y.snapshot, a.a, a.b, x.sandboxes.is_array() ? &x.sandboxes : nullptr,
                         y.sandboxes.is_array() ? &y.sandboxes : nullptr);
    if (a.json)
        std::cout << cmp.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
    else
        std::cout << compareToText(cmp);
    std::cout.flush();
    return std::cout ? ExitOk : runtimeError("could not write the output");
}
} // namespace

void addCompareCommand(CLI::App &app, CommandTable &table)
{
    auto a = std::make_shared<CompareArgs>();
    auto *sub = app.add_subcommand("compare", "Compare two moments of a host: namespaces, processes and "
                                              "sandboxes that appeared, disappeared or moved");
    sub->add_option("A", a->a,
                    "before: a snapshot file (scan --json) or a recording moment FILE@SECONDS, FILE@end")
        ->required();
    sub->add_option("B", a->b, "after: the same kinds as A")->required();
    sub->add_flag("--json", a->json, "print the \"nsviz.compare/1\" JSON document (docs/compare.md)");
    table.add(sub, [a] { return runCompare(*a); });
}

} // namespace nsviz::helper
