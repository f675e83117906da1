// SPDX-License-Identifier: GPL-2.0-or-later
#include "core/model/containerid.h"

#include <gtest/gtest.h>

using namespace nsviz;

namespace
{
const std::string kId = "3f2a9c1b7e4d5a6b7c8d9e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d";
}

TEST(ContainerId, DockerCgroupfsAndSystemd)
{
    auto a = containerFromCgroup("/docker/" + kId);
    EXPECT_EQ(a.engine, "docker");
    EXPECT_EQ(a.id, kId);
    EXPECT_EQ(a.label(), "docker 3f2a9c1b7e4d");
    auto b = containerFromCgroup("/system.slice/docker-" + kId + ".scope");
    EXPECT_EQ(b.engine, "docker");
    EXPECT_EQ(b.id, kId);
    // Inside a cgroup namespace with a nested path below the scope.
    auto c = containerFromCgroup("/system.slice/docker-" + kId + ".scope/init.scope");
    EXPECT_EQ(c.id, kId);
}

TEST(ContainerId, KubernetesBothDrivers)
{
    auto a = containerFromCgroup("/kubepods/burstable/pod1a2b3c4d-0000-1111-2222-333344445555/" + kId);
    EXPECT_EQ(a.engine, "kubernetes");
    EXPECT_EQ(a.pod, "1a2b3c4d-0000-1111-2222-333344445555");
    EXPECT_EQ(a.id, kId);
    EXPECT_EQ(a.label(), "k8s pod 1a2b3c4d\u2026/3f2a9c1b7e4d");
    auto b = containerFromCgroup("/kubepods.slice/kubepods-besteffort.slice/"
                                 "kubepods-besteffort-pod1a2b3c4d_0000_1111_2222_333344445555.slice/"
                                 "cri-containerd-" +
                                 kId + ".scope");
    EXPECT_EQ(b.engine, "kubernetes");
    EXPECT_EQ(b.pod, "1a2b3c4d-0000-1111-2222-333344445555");
    EXPECT_EQ(b.id, kId);
    auto c = containerFromCgroup("/kubepods.slice/kubepods-pod9f8e7d6c_1111.slice/crio-" + kId + ".scope");
    EXPECT_EQ(c.engine, "kubernetes");
    EXPECT_EQ(c.pod, "9f8e7d6c-1111");
    EXPECT_EQ(c.id, kId);
}

TEST(ContainerId, PodmanContainerdCrio)
{
    auto a = containerFromCgroup("/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-" + kId +
                                 ".scope");
    EXPECT_EQ(a.engine, "podman");
    EXPECT_EQ(a.id, kId);
    EXPECT_EQ(a.label(), "podman 3f2a9c1b7e4d");
    EXPECT_EQ(containerFromCgroup("/libpod_parent/libpod-" + kId).engine, "podman");
    // conmon is podman's monitor, not a container
    EXPECT_FALSE(containerFromCgroup("/machine.slice/libpod-conmon-" + kId + ".scope").valid());
    EXPECT_EQ(containerFromCgroup("/system.slice/nerdctl-" + kId + ".scope").engine, "containerd");
    EXPECT_EQ(containerFromCgroup("/system.slice/crio-" + kId + ".scope").engine, "cri-o");
}

TEST(ContainerId, LxcNspawnDemo)
{
    auto a = containerFromCgroup("/lxc.payload.web1");
    EXPECT_EQ(a.engine, "lxc");
    EXPECT_EQ(a.id, "web1");
    EXPECT_EQ(a.label(), "lxc web1");
    EXPECT_EQ(containerFromCgroup("/lxc/db/init.scope").id, "db");
    EXPECT_EQ(containerFromCgroup("/lxc.payload/web2").id, "web2");
    auto n = containerFromCgroup("/machine.slice/machine-deb\\x2dtest.scope/payload");
    EXPECT_EQ(n.engine, "nspawn");
    EXPECT_EQ(n.id, "deb-test");
    EXPECT_EQ(containerFromCgroup("/machine.slice/systemd-nspawn@box.service").id, "box");
    auto d = containerFromCgroup("/nsviz-demo/demo1");
    EXPECT_EQ(d.engine, "nsviz-demo");
    EXPECT_EQ(d.label(), "nsviz-demo demo1");
}

TEST(ContainerId, HostPathsAreNotContainers)
{
    for (const char *p :
         {"/", "", "/init.scope", "/system.slice/sshd.service", "/user.slice/user-0.slice/session-3.scope",
          "/docker", "/docker/notanid", "/system.slice/docker.service", "/kubepods", "garbage\n//"}) {
        auto c = containerFromCgroup(p);
        EXPECT_FALSE(c.valid()) << p << " -> " << c.engine;
        EXPECT_EQ(c.label(), "");
    }
}

TEST(ContainerId, CgroupPathPartsSkipEmptyComponents)
{
    EXPECT_EQ(cgroupPathParts("/a//b/"), (std::vector<std::string_view>{"a", "b"}));
    EXPECT_EQ(cgroupPathParts("/"), std::vector<std::string_view>{});
    EXPECT_EQ(cgroupPathParts(""), std::vector<std::string_view>{});
    EXPECT_EQ(cgroupPathParts("machine.slice/libpod-x.scope"),
              (std::vector<std::string_view>{"machine.slice", "libpod-x.scope"}));
}
