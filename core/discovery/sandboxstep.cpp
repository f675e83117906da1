// SPDX-License-Identifier: GPL-2.0-or-later
#include "core/discovery/sandboxstep.h"

#include "core/sandbox/classifier.h"
#include "core/sandbox/enginenames.h"

namespace nsviz
{

void SandboxStep::run(DiscoveryContext &ctx)
{
    if (SandboxClassifier *kept = ctx.options().sandboxClassifier.get()) {
        ctx.snapshot().sandboxes = kept->classify(ctx.snapshot());
    } else {
        ClassifyOptions o;
        o.procRoot = ctx.procRoot();
        ctx.snapshot().sandboxes = classifySandboxes(ctx.snapshot(), o);
    }
    // Names the processes did not give, from the engines' own state (names only, never required).
    const auto &names = ctx.options().engineNames;
    if (names)
        learnEngineNames(ctx.snapshot().sandboxes, *names);
    else if (ctx.procRoot() == "/proc")
        learnEngineNames(ctx.snapshot().sandboxes, EngineNameSources{});
}

} // namespace nsviz
