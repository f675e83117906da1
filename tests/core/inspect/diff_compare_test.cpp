// SPDX-License-Identifier: GPL-2.0-or-later
// diffInspections() on hand-built "nsviz.inspect/1" documents: what counts as a difference.
#include "core/inspect/diff.h"
#include "core/inspect/findings.h"

#include <gtest/gtest.h>

using namespace nsviz;
using nlohmann::json;

namespace
{

json doc(int pid, std::uint64_t mntIno, std::uint64_t pidIno, std::uint64_t userIno)
{
    json d = {{"schema", "nsviz.inspect/1"}, {"pid", pid}, {"state", "running"}, {"comm", "p"}};
    const char *types[] = {"mnt", "pid", "net", "uts", "ipc", "user", "cgroup", "time"};
    for (const char *t : types)
        d["ns"][t] = {{"dev", 4}, {"ino", 4026531000u}};
    d["ns"]["mnt"]["ino"] = mntIno;
    d["ns"]["pid"]["ino"] = pidIno;
    d["ns"]["user"]["ino"] = userIno;
    d["inspector"] = {{"privileged", true}};
    d["sections"] = json::object();
    for (const char *t : types)
        d["sections"][t] = json::object();
    return d;
}

json mount(const std::string &target, const std::string &source, const std::string &opts,
           const std::string &prop)
{
    return {
        {"target", target}, {"source", source}, {"fstype", "ext4"}, {"options", opts}, {"propagation", prop}};
}

const json &ns(const json &diff, const char *type)
{
    for (const auto &n : diff["namespaces"])
        if (n["type"] == type)
            return n;
    static json none;
    return none;
}

} // namespace

TEST(DiffCompare, MountsOnlyInAndChangedByField)
{
    json a = doc(10, 111, 500, 900), b = doc(1, 222, 500, 900);
    a["sections"]["mnt"]["mounts"] = {mount("/", "overlay", "rw", "private"),
                                      mount("/data", "/dev/vda", "ro", "private"),
                                      mount("/only-a", "tmpfs", "rw", "private")};
    b["sections"]["mnt"]["mounts"] = {mount("/", "/dev/vda", "rw", "shared:1"),
                                      mount("/data", "/dev/vda", "rw", "private"),
                                      mount("/boot", "/dev/vda1", "rw", "shared:2")};
    a["sections"]["mnt"]["count"] = 3;
    b["sections"]["mnt"]["count"] = 3;
    json d = diffInspections(a, b);
    const json &m = ns(d, "mnt")["details"];
    ASSERT_EQ(m["onlyInA"].size(), 1u);
    EXPECT_EQ(m["onlyInA"][0].get<std::string>().rfind("/only-a  (tmpfs", 0), 0u);
    ASSERT_EQ(m["onlyInB"].size(), 1u);
    EXPECT_EQ(m["onlyInB"][0].get<std::string>().rfind("/boot", 0), 0u);
    ASSERT_EQ(m["changed"].size(), 2u);
    EXPECT_EQ(m["changed"][0]["key"], "/");
    EXPECT_EQ(m["changed"][0]["fields"], json({"source", "propagation"}));
    EXPECT_EQ(m["changed"][1]["key"], "/data");
    EXPECT_EQ(m["changed"][1]["fields"], json({"options"}));
    EXPECT_EQ(m["differences"], 4); // mount count is equal
    EXPECT_EQ(ns(d, "mnt")["shared"], false);
    EXPECT_EQ(ns(d, "pid")["shared"], true);
    EXPECT_EQ(ns(d, "pid")["relation"], "same");
}

TEST(DiffCompare, StackedMountsAreKeptApart)
{
    json a = doc(10, 111, 500, 900), b = doc(1, 111, 500, 900);
    a["sections"]["mnt"]["mounts"] = {mount("/x", "a", "rw", "private"), mount("/x", "b", "rw", "private")};
    b["sections"]["mnt"]["mounts"] = {mount("/x", "a", "rw", "private")};
    json d = diffInspections(a, b);
    const json &m = ns(d, "mnt")["details"];
    ASSERT_EQ(m["onlyInA"].size(), 1u);
    EXPECT_EQ(m["onlyInA"][0].get<std::string>().rfind("/x #2", 0), 0u);
    EXPECT_TRUE(m["changed"].empty());
}

TEST(DiffCompare, RelationFromSnapshotParentLinks)
{
    // No ancestors in the documents (e.g. gathered from a fixture tree): the snapshot supplies them.
    json a = doc(10, 111, 600, 901), b = doc(1, 222, 500, 900);
    Snapshot s;
    auto add = [&](NsType t, std::uint64_t ino, std::optional<std::uint64_t> parent) {
        Namespace n;
        n.type = t;
        n.id = {4, ino};
        if (parent)
            n.parent = NsId{4, *parent};
        s.namespaces.push_back(n);
    };
    add(NsType::Pid, 500, std::nullopt);
    add(NsType::Pid, 600, 500);
    add(NsType::User, 900, std::nullopt);
    add(NsType::User, 901, 905);
    add(NsType::User, 905, 900);
    json d = diffInspections(a, b, &s);
    EXPECT_EQ(ns(d, "pid")["relation"], "child");
    EXPECT_EQ(ns(d, "pid")["relationLevels"], 1);
    EXPECT_EQ(ns(d, "user")["relation"], "child");
    EXPECT_EQ(ns(d, "user")["relationLevels"], 2);
    json back = diffInspections(b, a, &s);
    EXPECT_EQ(ns(back, "pid")["relation"], "parent");
    // Without the snapshot, nothing is known about the hierarchy: "unknown", never a guess.
    EXPECT_EQ(ns(diffInspections(a, b), "pid")["relation"], "unknown");
}

TEST(DiffCompare, UnknownParentIsNotUnrelated)
{
    json a = doc(10, 111, 600, 900), b = doc(1, 222, 700, 900);
    Snapshot s;
    Namespace n;
    n.type = NsType::Pid;
    n.id = {4, 600};
    n.parentKnown = false; // EPERM from NS_GET_PARENT
    s.namespaces.push_back(n);
    EXPECT_EQ(ns(diffInspections(a, b, &s), "pid")["relation"], "unknown");
}

TEST(DiffCompare, SecurityDifferencesAndRootIsRoot)
{
    json a = doc(10, 111, 600, 900), b = doc(1, 222, 500, 900);
    a["security"] = {{"uid", {0, 0, 0, 0}},
                     {"caps",
                      {{"effective", {"cap_chown", "cap_sys_admin"}},
                       {"bounding", {"cap_chown", "cap_sys_admin"}},
                       {"permitted", {"cap_chown"}}}},
                     {"seccomp", {{"mode", "disabled"}, {"filters", 0}}}};
    b["security"] = {
        {"uid", {0, 0, 0, 0}},
        {"caps", {{"effective", {"cap_chown"}}, {"bounding", {"cap_chown"}}, {"permitted", {"cap_chown"}}}},
        {"seccomp", {{"mode", "filter"}, {"filters", 2}}}};
    json d = diffInspections(a, b);
    EXPECT_EQ(d["security"]["capabilityDelta"]["effective"]["onlyInA"], json({"cap_sys_admin"}));
    EXPECT_EQ(d["security"]["rootInsideIsRootInB"], true); // uid 0 and the same user namespace
    int differing = 0;
    for (const auto &i : d["security"]["details"]["items"])
        differing += i["differs"].get<bool>();
    // effective, bounding, seccomp; and the rows of what effective and bounding hold beyond Docker's
    // default, marked but not counted again.
    EXPECT_EQ(differing, 5);
    EXPECT_EQ(d["security"]["details"]["differences"], 3);
    markHostReference(d, HostReference{1, 0, "systemd", "PID 1"});
    EXPECT_EQ(d["b"]["hostReference"], true);
    auto w = hostSharingWarnings(d);
    ASSERT_FALSE(w.empty());
    EXPECT_EQ(w[0], "A is a container that SHARES THE HOST NETWORK NAMESPACE");
    EXPECT_EQ(w.back(), "A runs as root without a user namespace: root inside is root on the host");
    EXPECT_NE(diffToMarkdown(d).find("**warning:** A is a container that SHARES THE HOST NETWORK NAMESPACE"),
              std::string::npos);
}

TEST(DiffCompare, HostReferenceIsThatVeryProcess)
{
    json a = doc(10, 111, 600, 900), b = doc(2, 222, 500, 900);
    b["comm"] = "kthreadd";
    b["startTime"] = 5;
    const HostReference kthreadd{2, 5, "kthreadd",
                                 "PID 1's namespaces are not readable (EACCES), so kthreadd"};

    // Same pid and start time: B is the reference; why it is not PID 1 is a note.
    json d = diffInspections(a, b);
    markHostReference(d, kthreadd);
    EXPECT_EQ(d["b"]["hostReference"], true);
    EXPECT_EQ(d["reference"]["pid"], 2);
    EXPECT_EQ(d["reference"]["startTime"], 5u);
    EXPECT_EQ(d["reference"]["comm"], "kthreadd");
    EXPECT_EQ(d["notes"], json::array({kthreadd.note}));
    EXPECT_FALSE(hostSharingWarnings(d).empty()); // A shares the host net namespace

    // The pid now belongs to another process: not the reference, and no host warnings.
    b["startTime"] = 6;
    d = diffInspections(a, b);
    markHostReference(d, kthreadd);
    EXPECT_EQ(d["b"]["hostReference"], false);
    ASSERT_EQ(d["notes"].size(), 2u);
    EXPECT_NE(d["notes"][0].get<std::string>().find("pid was reused"), std::string::npos) << d["notes"];
    EXPECT_TRUE(hostSharingWarnings(d).empty());

    // Start time unknown on either side (an older snapshot): the pid decides.
    d = diffInspections(a, b);
    markHostReference(d, HostReference{2, 0, "kthreadd", "kthreadd"});
    EXPECT_EQ(d["b"]["hostReference"], true);

    // PID 1: no note needed.
    json init = doc(1, 222, 500, 900);
    init["startTime"] = 1;
    d = diffInspections(a, init);
    markHostReference(d, HostReference{1, 1, "systemd", "PID 1"});
    EXPECT_EQ(d["b"]["hostReference"], true);
    EXPECT_TRUE(d["notes"].empty()) << d["notes"];

    // No reference at all: nothing is the host's, and the note says why.
    d = diffInspections(a, b);
    markHostReference(d, HostReference{0, 0, "", "neither PID 1 nor kthreadd (pid 2) could be read"});
    EXPECT_EQ(d["b"]["hostReference"], false);
    EXPECT_EQ(d["reference"]["pid"], 0);
    EXPECT_EQ(d["notes"].back(), "no host reference: neither PID 1 nor kthreadd (pid 2) could be read");
    EXPECT_NE(diffToText(d).find("note: no host reference"), std::string::npos);
}

TEST(DiffCompare, TextAndMarkdownEscapeWhatATerminalWouldActOn)
{
    const std::string evil = "x\x1b]0;t\x07\xe2\x80\xae"
                             "y\xc2\x9b"
                             "z";
    json a = doc(10, 111, 500, 900), b = doc(1, 222, 500, 900);
    a["comm"] = evil;
    a["sections"]["mnt"]["mounts"] = {mount("/" + evil, evil, "rw", "private")};
    b["sections"]["mnt"]["mounts"] = json::array();
    json d = diffInspections(a, b);
    d["notes"].push_back("note " + evil);
    // The text shows the escapes; Markdown doubles their backslashes so that it renders them.
    for (const auto &[text, shown] :
         {std::pair{diffToText(d), std::string("x\\x1b]0;t\\x07\\u202ey\\u009bz")},
          std::pair{diffToMarkdown(d), std::string("x\\\\x1b]0;t\\\\x07\\\\u202ey\\\\u009bz")}}) {
        EXPECT_EQ(text.find('\x1b'), std::string::npos) << text;
        EXPECT_EQ(text.find('\x07'), std::string::npos) << text;
        EXPECT_EQ(text.find("\xe2\x80\xae"), std::string::npos) << text;
        EXPECT_EQ(text.find("\xc2\x9b"), std::string::npos) << text;
        EXPECT_NE(text.find(shown), std::string::npos) << text;
    }
    // The document itself keeps the name exactly.
    EXPECT_EQ(d["a"]["comm"], evil);
}

TEST(DiffCompare, WhatOneSideCouldNotReadIsUnknownNotADifference)
{
    // The same IPC namespace, B's gathering failed (its namespace-entering child timed out):
    // nothing in A is "only in A", and no count differs; the error says why.
    json a = doc(10, 111, 500, 900), b = doc(10, 111, 500, 900);
    a["sections"]["ipc"] = {{"shm", json::array({{{"key", 0x1234}, {"id", 7}}})},
                            {"sem", json::array()},
                            {"msg", json::array()},
                            {"mqueues", json::array({"/q"})}};
    b["sections"]["ipc"] = {{"error", "namespace-entering child timed out"}};
    // A hostname B could not read: unknown as well, while a real difference still counts.
    a["sections"]["uts"] = {{"hostname", "box"}, {"domainname", "(none)"}};
    b["sections"]["uts"] = {{"domainname", "lab"}};
    json d = diffInspections(a, b);
    const json &ipc = ns(d, "ipc")["details"];
    EXPECT_EQ(ipc["differences"], 0);
    EXPECT_TRUE(ipc["onlyInA"].empty());
    ASSERT_EQ(ipc["errors"].size(), 1u);
    EXPECT_EQ(ipc["errors"][0], "B: namespace-entering child timed out");
    for (const auto &i : ipc["items"]) {
        EXPECT_EQ(i["differs"], false) << i;
        EXPECT_EQ(i["unknown"], true) << i;
    }
    const json &uts = ns(d, "uts")["details"];
    EXPECT_EQ(uts["differences"], 1); // the domain name
    for (const auto &i : uts["items"])
        EXPECT_EQ(i["differs"], i["field"] == "domainname") << i;
    EXPECT_EQ(uts["items"][0]["unknown"], true);
}

TEST(DiffCompare, CapabilitiesAreNamedAndThoseBeyondDockersDefaultMarked)
{
    json a = doc(10, 111, 500, 900), b = doc(1, 222, 500, 900);
    a["security"] = {{"caps",
                      {{"effective", {"cap_chown", "cap_net_raw", "cap_sys_admin"}},
                       {"permitted", {"cap_chown", "cap_net_raw", "cap_sys_admin"}},
                       {"bounding", {"cap_chown", "cap_net_raw", "cap_sys_admin", "cap_sys_ptrace"}}}}};
    b["security"] = {{"caps",
                      {{"effective", {"cap_chown", "cap_net_raw"}},
                       {"permitted", {"cap_chown", "cap_net_raw"}},
                       {"bounding", {"cap_chown", "cap_net_raw"}}}}};
    const json d = diffInspections(a, b);
    const json &cd = d["security"]["capabilityDelta"]["bounding"];
    EXPECT_EQ(cd["a"], json({"cap_chown", "cap_net_raw", "cap_sys_admin", "cap_sys_ptrace"}));
    EXPECT_EQ(cd["beyondDefaultA"], json({"cap_sys_admin", "cap_sys_ptrace"}));
    EXPECT_EQ(cd["beyondDefaultB"], json::array());
    EXPECT_EQ(cd["onlyInA"], json({"cap_sys_admin", "cap_sys_ptrace"}));
    auto item = [&](const std::string &field) {
        for (const auto &i : d["security"]["details"]["items"])
            if (i["field"] == field)
                return i;
        return json();
    };
    // Names, not "4 capabilities".
    EXPECT_EQ(item("bounding capabilities")["a"], "4: cap_chown, cap_net_raw, cap_sys_admin, cap_sys_ptrace");
    EXPECT_EQ(item("effective beyond Docker's default")["a"], "cap_sys_admin");
    EXPECT_EQ(item("effective beyond Docker's default")["b"], "(none)");
    EXPECT_TRUE(item("effective beyond Docker's default")["differs"].get<bool>());
    // Every name is in the text and the Markdown, which say which go beyond the default.
    const std::string text = diffToText(d), md = diffToMarkdown(d);
    for (const std::string &out : {text, md}) {
        EXPECT_NE(out.find("cap_sys_ptrace"), std::string::npos);
        EXPECT_NE(out.find("cap_net_raw"), std::string::npos);
        EXPECT_NE(out.find("beyond Docker's default"), std::string::npos);
        EXPECT_EQ(out.find("4 capabilities"), std::string::npos);
    }
    // The default set itself is Docker's 14 (moby oci/caps/defaults.go), none of them "beyond".
    EXPECT_EQ(defaultContainerCapabilities().size(), 14u);
    json c = doc(11, 111, 500, 900);
    c["security"] = {{"caps", {{"effective", defaultContainerCapabilities()}}}};
    EXPECT_EQ(diffInspections(c, b)["security"]["capabilityDelta"]["effective"]["beyondDefaultA"],
              json::array());
}
