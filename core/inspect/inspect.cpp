// SPDX-License-Identifier: GPL-2.0-or-later
#include "core/inspect/inspect.h"

#include "core/inspect/inspector.h"

namespace nsviz
{

nlohmann::json inspectProcessJson(const std::string &procRoot, int pid)
{
    Inspector inspector(procRoot);
    return inspector.inspect(pid);
}

} // namespace nsviz
