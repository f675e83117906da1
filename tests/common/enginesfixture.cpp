// SPDX-License-Identifier: GPL-2.0-or-later
#include "tests/common/enginesfixture.h"

#include "core/discovery/discovery.h"
#include "core/protocol/snapshotjson.h"
#include "tests/common/fakensquery.h"

#include <fstream>
#include <sstream>
#include <stdexcept>

namespace nsviz::test
{

std::string procEnginesRoot()
{
    return std::string(NSVIZ_TEST_DATA) + "/proc-engines";
}

Snapshot scanProcEngines()
{
    const std::string root = procEnginesRoot();
    FakeNsQuery q;
    q.setDefaultOwner(4026531837);
    // ip netns's bind mount, seen from the host and from a process that shares its mount
    // namespace, and rootless podman's netns under the user's runtime dir.
    q.addPath(root + "/1/root/run/netns/blue", 4026532600);
    q.addPath(root + "/500/root/run/netns/blue", 4026532600);
    q.addPath(root + "/500/root/run/user/1000/netns/netns-1a2b", 4026533205);
    DiscoveryOptions o;
    o.procRoot = root;
    return discover(o, q);
}

std::string enginesSnapshotPath()
{
    return std::string(NSVIZ_TEST_DATA) + "/snapshots/engines-all.json";
}

std::string enginesSnapshotText()
{
    std::ifstream in(enginesSnapshotPath());
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

Snapshot enginesSnapshot()
{
    const std::string text = enginesSnapshotText();
    if (text.empty())
        throw std::runtime_error("cannot read " + enginesSnapshotPath());
    return snapshotFromJsonText(text);
}

} // namespace nsviz::test
