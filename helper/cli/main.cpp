// SPDX-License-Identifier: GPL-2.0-or-later
// nsviz-helper: the Qt-free, privileged side of nsviz. A command line for people and scripts,
// and a stdio stream (serve) for the GUI, pkexec, sudo and ssh.
#include "helper/cli/commands.h"

#include <CLI/CLI.hpp>
#include <exception>
#include <iostream>

int main(int argc, char **argv)
{
    using namespace nsviz::helper;
    CLI::App app{"nsviz-helper: enumerate Linux namespaces and stream them to nsviz"};
    app.name("nsviz-helper");
    app.set_version_flag("--version", std::string("nsviz-helper ") + NSVIZ_VERSION);
    app.require_subcommand(1);
    app.footer(kExitCodesHelp);
    CommandTable table;
    addScanCommand(app, table);
    addServeCommand(app, table);
    addDiffCommands(app, table);
    addDemoCommands(app, table);
    addRecordCommand(app, table);
    addCompareCommand(app, table);
    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp &e) {
        return app.exit(e);
    } catch (const CLI::CallForAllHelp &e) {
        return app.exit(e);
    } catch (const CLI::CallForVersion &e) {
        return app.exit(e);
    } catch (const CLI::ParseError &e) {
        // One line, never CLI11's multi-line blurb: scripts grep this.
        return usageError(e.what());
    }
    try {
        int rc = table.runParsed();
        return rc < 0 ? usageError("no command given") : rc;
    } catch (const std::exception &e) {
        return runtimeError(e.what());
    }
}
