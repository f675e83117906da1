// SPDX-License-Identifier: GPL-2.0-or-later
#include "core/inspect/inspect.h"

#include "core/inspect/inspector.h"

#include <nlohmann/json.hpp>

namespace nsviz
{

nlohmann::json inspectProcessJson(const std::string &procRoot, int pid, std::uint64_t startTime)
{
    Inspector inspector(procRoot);
    return inspector.inspect(pid, startTime);
}

std::string inspectRefusal(const nlohmann::json &doc, std::uint64_t startTime)
{
    if (!startTime || doc.value("state", "") != "exited")
        return {};
    return doc.value("error", "process " + std::to_string(doc.value("pid", 0)) + " exited");
}

} // namespace nsviz
