// SPDX-License-Identifier: GPL-2.0-or-later
// The sandbox classifier over tests/data/proc-engines (every engine layout on one fake host, see
// make-fixtures.py) and over synthetic snapshots (200 unshare sandboxes).
#include "core/model/delta.h"
#include "core/protocol/deltajson.h"
#include "core/protocol/snapshotjson.h"
#include "core/sandbox/classifier.h"
#include "core/sandbox/sandbox.h"
#include "tests/common/enginesfixture.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

using namespace nsviz;

namespace
{
const std::string kHex64(const char *two)
{
    std::string s;
    while (s.size() < 64)
        s += two;
    return s;
}

Snapshot scanEngines()
{
    return test::scanProcEngines();
}

// A copy, not a reference: gcc 14 takes a reference returned from a call with a std::string
// temporary argument for one into that temporary (-Wdangling-reference, an error in the Debian 13 build).
Sandbox byId(const Snapshot &s, const std::string &id)
{
    const Sandbox *b = findSandbox(s, id);
    if (!b) {
        std::string all;
        for (const auto &x : s.sandboxes)
            all += " " + x.id;
        throw std::runtime_error("no sandbox " + id + "; have:" + all);
    }
    return *b;
}

std::vector<int> pids(const Sandbox &s)
{
    std::vector<int> out;
    for (const auto &m : s.processes)
        out.push_back(m.pid);
    return out;
}

const Sandbox *ofPid(const Snapshot &s, int pid)
{
    const Process *p = s.findProcess(pid);
    return p ? sandboxOf(s, *p) : nullptr;
}

class EnginesFixture : public ::testing::Test
{
protected:
    static void SetUpTestSuite() { snap = new Snapshot(scanEngines()); }
    static void TearDownTestSuite() { delete snap; }
    static Snapshot *snap;
};
Snapshot *EnginesFixture::snap = nullptr;
} // namespace

TEST_F(EnginesFixture, EveryProcessIsInAtMostOneSandbox)
{
    std::map<int, int> seen;
    for (const auto &s : snap->sandboxes)
        for (const auto &m : s.processes)
            EXPECT_EQ(++seen[m.pid], 1) << "pid " << m.pid << " in two sandboxes";
    // Host processes and kernel threads are in none; the zombie neither.
    for (int pid : {1, 2, 250, 1500})
        EXPECT_EQ(ofPid(*snap, pid), nullptr) << pid;
}

TEST_F(EnginesFixture, MountOnlyServiceIsAServiceSandboxNotAlarmed)
{
    const Sandbox &s = byId(*snap, "systemd:nginx.service");
    EXPECT_EQ(s.kind, SandboxKind::Service);
    EXPECT_EQ(s.engine, "systemd");
    EXPECT_EQ(sandboxLabel(s), "nginx.service");
    EXPECT_EQ(pids(s), (std::vector<int>{300, 301}));
    EXPECT_TRUE(s.isolatesType(NsType::Mnt));
    EXPECT_TRUE(s.sharesType(NsType::Net));
    EXPECT_FALSE(hostNetworkAlarm(s));
    EXPECT_TRUE(isInformational(s));
}

TEST_F(EnginesFixture, UnshareLauncherAndChildAreOneSandbox)
{
    const Sandbox *s = ofPid(*snap, 401);
    ASSERT_NE(s, nullptr);
    EXPECT_EQ(ofPid(*snap, 400), s);
    EXPECT_EQ(s->kind, SandboxKind::Bare);
    EXPECT_EQ(s->engine, "unshare");
    EXPECT_EQ(pids(*s), (std::vector<int>{400, 401}));
    ASSERT_TRUE(s->init);
    EXPECT_EQ(s->init->pid, 401);                            // PID 1 inside, not the launcher
    EXPECT_EQ(sandboxLabel(*s), "unshare: sleep (pid 401)"); // the launcher, what runs, its pid
    EXPECT_TRUE(s->isolatesType(NsType::Pid));
    EXPECT_TRUE(s->isolatesType(NsType::Net));
    EXPECT_EQ(s->id, "bare:77:4026533101"); // the mount namespace that defines it
}

TEST_F(EnginesFixture, RootlessPodmanOnV1IsOneContainerPlusInfrastructure)
{
    const Sandbox &c = byId(*snap, "podman:" + kHex64("a1"));
    EXPECT_EQ(c.kind, SandboxKind::Container);
    EXPECT_EQ(c.name, "web");
    EXPECT_EQ(sandboxLabel(c), "web");
    EXPECT_EQ(pids(c), (std::vector<int>{511, 512}));
    EXPECT_TRUE(c.isolatesType(NsType::Net));
    EXPECT_FALSE(hostNetworkAlarm(c));
    // conmon and slirp4netns serve the container; catatonit (the pause process) the engine.
    const Sandbox &infra = byId(*snap, "infrastructure:podman:" + kHex64("a1"));
    EXPECT_EQ(infra.kind, SandboxKind::Infrastructure);
    EXPECT_EQ(infra.attachedTo, c.id);
    EXPECT_EQ(pids(infra), (std::vector<int>{510, 513}));
    const Sandbox *pause = ofPid(*snap, 500);
    ASSERT_NE(pause, nullptr);
    EXPECT_EQ(pause->kind, SandboxKind::Infrastructure);
    EXPECT_EQ(pause->engine, "podman");
    EXPECT_FALSE(hostNetworkAlarm(*pause)); // isolates user, shares net: still not a container
    EXPECT_FALSE(hostNetworkAlarm(infra));
}

TEST_F(EnginesFixture, PodOfTwoIsOnePodAndTwoContainers)
{
    const std::string podId = "podman:" + kHex64("b0");
    const Sandbox &pod = byId(*snap, podId);
    EXPECT_EQ(pod.kind, SandboxKind::Pod);
    EXPECT_EQ(pids(pod), (std::vector<int>{601}));
    EXPECT_EQ(sandboxLabel(pod), "podman pod b0b0b0b0b0b0");
    int containers = 0;
    for (const auto &s : snap->sandboxes)
        if (s.pod == podId) {
            ++containers;
            EXPECT_EQ(s.kind, SandboxKind::Container);
        }
    EXPECT_EQ(containers, 2);
    EXPECT_EQ(byId(*snap, "podman:" + kHex64("b2")).name, "web1");
    EXPECT_EQ(byId(*snap, "podman:" + kHex64("b3")).name, "db1");
    // Three conmons, each attached to what it serves; the infra container's to the pod.
    EXPECT_EQ(ofPid(*snap, 600)->attachedTo, podId);
    EXPECT_EQ(ofPid(*snap, 610)->attachedTo, "podman:" + kHex64("b2"));
}

TEST_F(EnginesFixture, DockerHostNetworkIsAlarmed)
{
    const Sandbox &c = byId(*snap, "docker:" + kHex64("c1"));
    EXPECT_EQ(c.kind, SandboxKind::Container);
    EXPECT_TRUE(c.sharesType(NsType::Net));
    EXPECT_TRUE(hostNetworkAlarm(c));
    EXPECT_EQ(sandboxLabel(c), "docker c1c1c1c1c1c1");
    EXPECT_EQ(ofPid(*snap, 700)->attachedTo, c.id); // the shim
}

TEST_F(EnginesFixture, LxcContainerKeepsItsServicesAndMonitor)
{
    const Sandbox &c = byId(*snap, "lxc:web2");
    EXPECT_EQ(c.kind, SandboxKind::Container);
    EXPECT_EQ(pids(c), (std::vector<int>{801, 802})); // named.service with its PrivateTmp is inside
    EXPECT_EQ(c.init->pid, 801);
    EXPECT_EQ(ofPid(*snap, 800)->kind, SandboxKind::Infrastructure);
    EXPECT_EQ(ofPid(*snap, 800)->attachedTo, "lxc:web2");
}

TEST_F(EnginesFixture, UnregisteredNspawnIsNamedByItsDirectory)
{
    const Sandbox &c = byId(*snap, "nspawn:deb");
    EXPECT_EQ(c.kind, SandboxKind::Container);
    EXPECT_EQ(pids(c), (std::vector<int>{900, 901, 902})); // the launcher is a member
    EXPECT_EQ(c.init->pid, 901);
    EXPECT_TRUE(hostNetworkAlarm(c));
}

TEST_F(EnginesFixture, BwrapAndFlatpak)
{
    const Sandbox *b = ofPid(*snap, 1002);
    ASSERT_NE(b, nullptr);
    EXPECT_EQ(b->kind, SandboxKind::AppSandbox);
    EXPECT_EQ(b->engine, "bwrap");
    EXPECT_EQ(pids(*b), (std::vector<int>{1000, 1001, 1002}));
    EXPECT_TRUE(hostNetworkAlarm(*b)); // --share-net with its own pid and user namespaces
    const Sandbox &f = byId(*snap, "flatpak:1234567890");
    EXPECT_EQ(f.kind, SandboxKind::AppSandbox);
    EXPECT_EQ(sandboxLabel(f), "org.gnome.Calculator");
    EXPECT_EQ(pids(f), (std::vector<int>{1100, 1101, 1102}));
    EXPECT_FALSE(hostNetworkAlarm(f));
}

TEST_F(EnginesFixture, IpNetnsIsNamedByItsBindMount)
{
    const Sandbox &s = byId(*snap, "ip-netns:blue");
    EXPECT_EQ(s.kind, SandboxKind::Bare);
    EXPECT_EQ(pids(s), (std::vector<int>{1200}));
    EXPECT_EQ(sandboxLabel(s), "blue");
}

TEST_F(EnginesFixture, KubernetesPodAndContainer)
{
    const std::string podId = "kubernetes:1a2b3c4d-0000-1111-2222-333344445555";
    const Sandbox &pod = byId(*snap, podId);
    EXPECT_EQ(pod.kind, SandboxKind::Pod);
    EXPECT_EQ(pids(pod), (std::vector<int>{1400}));
    const Sandbox &c = byId(*snap, "kubernetes:" + kHex64("d2"));
    EXPECT_EQ(c.pod, podId);
    EXPECT_EQ(ofPid(*snap, 1399)->attachedTo, podId); // the shim's -id is the pause container
}

TEST_F(EnginesFixture, ZombieIsExitedNotUnreadable)
{
    const Process *z = snap->findProcess(1500);
    ASSERT_NE(z, nullptr);
    EXPECT_TRUE(z->exited);
    EXPECT_TRUE(z->visible);
    EXPECT_EQ(z->state, 'Z');
    EXPECT_EQ(snap->host.invisibleProcesses, 0);
}

TEST_F(EnginesFixture, SandboxesSurviveJsonAndDeltas)
{
    const nlohmann::json j = toJson(*snap);
    ASSERT_TRUE(j.contains("sandboxes"));
    const Snapshot back = snapshotFromJson(j);
    EXPECT_EQ(back.sandboxes, snap->sandboxes);
    EXPECT_TRUE(back.findProcess(1500)->exited);
    // A delta carries the whole list when a sandbox changed, nothing when none did.
    Snapshot older = *snap;
    older.sandboxes.pop_back();
    SnapshotDelta d = computeDelta(older, *snap);
    ASSERT_TRUE(d.sandboxes);
    const SnapshotDelta d2 = deltaFromJson(toJson(d));
    ASSERT_TRUE(d2.sandboxes);
    applyDelta(older, d2);
    EXPECT_EQ(older.sandboxes, snap->sandboxes);
    EXPECT_FALSE(computeDelta(*snap, *snap).sandboxes);
    EXPECT_FALSE(deltaFromJson(toJson(computeDelta(*snap, *snap))).sandboxes);
}

TEST(SandboxJson, BadInputIsASchemaError)
{
    Sandbox sb;
    sb.id = "x";
    const nlohmann::json ok = toJson(sb);
    EXPECT_NO_THROW(sandboxFromJson(ok));
    for (auto [key, value] : std::vector<std::pair<std::string, nlohmann::json>>{
             {"kind", "spaceship"},
             {"id", ""},
             {"isolates", nlohmann::json::array({"nett"})},
             {"processes", nlohmann::json::array({{{"pid", -3}}})},
             {"init", {{"pid", "one"}}}}) {
        nlohmann::json bad = ok;
        bad[key] = value;
        EXPECT_THROW(sandboxFromJson(bad), SchemaError) << key;
    }
    EXPECT_THROW(sandboxesFromJson(nlohmann::json::array({ok, ok})), SchemaError); // one id twice
    EXPECT_THROW(sandboxesFromJson(nlohmann::json::object()), SchemaError);
}

// 200 `unshare -n -m -p -f` sandboxes make 200 sandboxes, not 401 "containers".
TEST(SandboxSynthetic, TwoHundredUnshareSandboxes)
{
    Snapshot s;
    for (NsType t : kAllNsTypes)
        s.hostNs[index(t)] = NsId{9, 1000 + static_cast<std::uint64_t>(index(t))};
    s.host.referencePid = 1;
    Process init;
    init.pid = 1;
    init.comm = "systemd";
    init.ns = s.hostNs;
    s.processes.push_back(init);
    auto add = [&](Process p) {
        for (NsType t : kAllNsTypes)
            if (p.ns[index(t)] != s.hostNs[index(t)])
                p.differsFromHost |= static_cast<std::uint8_t>(1u << index(t));
        s.processes.push_back(std::move(p));
    };
    Process shell;
    shell.pid = 10;
    shell.comm = "bash";
    shell.ns = s.hostNs;
    add(shell);
    for (int i = 0; i < 200; ++i) {
        Process launcher;
        launcher.pid = 100 + 2 * i;
        launcher.ppid = 10;
        launcher.startTime = 50;
        launcher.comm = "unshare";
        launcher.cmdline = {"unshare", "-n", "-m", "-p", "-f", "sleep", "1d"};
        launcher.ns = s.hostNs;
        launcher.ns[index(NsType::Mnt)] = NsId{9, 5000u + 10u * i};
        launcher.ns[index(NsType::Net)] = NsId{9, 5001u + 10u * i};
        launcher.nspid = {launcher.pid};
        Process child = launcher;
        child.pid = launcher.pid + 1;
        child.ppid = launcher.pid;
        child.comm = "sleep";
        child.cmdline = {"sleep", "1d"};
        child.ns[index(NsType::Pid)] = NsId{9, 5002u + 10u * i};
        child.nspid = {child.pid, 1};
        add(launcher);
        add(child);
    }
    const std::vector<Sandbox> boxes = classifySandboxes(s);
    ASSERT_EQ(boxes.size(), 200u);
    for (const Sandbox &b : boxes) {
        EXPECT_EQ(b.kind, SandboxKind::Bare);
        EXPECT_EQ(b.engine, "unshare");
        EXPECT_EQ(b.processes.size(), 2u);
        EXPECT_EQ(b.initComm, "sleep");
        EXPECT_FALSE(hostNetworkAlarm(b));
    }
    // The same launchers with -p only (both in host mnt/net, the launcher in every host
    // namespace): the launcher still joins its child.
    for (Process &p : s.processes)
        if (p.pid >= 100) {
            p.ns[index(NsType::Mnt)] = s.hostNs[index(NsType::Mnt)];
            p.ns[index(NsType::Net)] = s.hostNs[index(NsType::Net)];
            p.differsFromHost = p.comm == "sleep" ? static_cast<std::uint8_t>(1u << index(NsType::Pid)) : 0;
        }
    const std::vector<Sandbox> pidOnly = classifySandboxes(s);
    ASSERT_EQ(pidOnly.size(), 200u);
    EXPECT_EQ(pidOnly.front().processes.size(), 2u);
    // Isolates pid, shares the host network: the alarm of issue 10 for any sandbox.
    EXPECT_TRUE(hostNetworkAlarm(pidOnly.front()));
}

// libvirt runs whole VMs under machine-qemu…scope, which reads like an nspawn machine; a process in
// every host namespace is no sandbox, whatever its cgroup says. A process in its own mount
// namespace under such a scope is the machine.
TEST(SandboxSynthetic, CgroupNameAloneIsNoSandbox)
{
    Snapshot s;
    for (NsType t : kAllNsTypes)
        s.hostNs[index(t)] = NsId{9, 1000 + static_cast<std::uint64_t>(index(t))};
    Process qemu;
    qemu.pid = 40;
    qemu.comm = "qemu-system-x86";
    qemu.cgroup = "/machine.slice/machine-qemu\\x2d1\\x2dvm.scope/libvirt/emulator";
    qemu.ns = s.hostNs;
    s.processes.push_back(qemu);
    EXPECT_TRUE(classifySandboxes(s).empty());
    Process box = qemu;
    box.pid = 41;
    box.comm = "systemd";
    box.cgroup = "/machine.slice/machine-deb.scope/init.scope";
    box.ns[index(NsType::Mnt)] = NsId{9, 7000};
    s.processes.push_back(box);
    const std::vector<Sandbox> boxes = classifySandboxes(s);
    ASSERT_EQ(boxes.size(), 1u);
    EXPECT_EQ(boxes[0].id, "nspawn:deb");
    EXPECT_EQ(sandboxLabel(boxes[0]), "deb");
}
