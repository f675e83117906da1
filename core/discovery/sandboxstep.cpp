// SPDX-License-Identifier: GPL-2.0-or-later
#include "core/discovery/sandboxstep.h"

#include "core/sandbox/classifier.h"

namespace nsviz
{

void SandboxStep::run(DiscoveryContext &ctx)
{
    ClassifyOptions o;
    o.procRoot = ctx.procRoot();
    ctx.snapshot().sandboxes = classifySandboxes(ctx.snapshot(), o);
}

} // namespace nsviz
