// SPDX-License-Identifier: GPL-2.0-or-later
// Names from the engines' own state (core/sandbox/enginenames.h): fake runc and crun state trees,
// LXC configs, and unix sockets that answer like Docker/libpod, answer garbage or never answer.
// Every failure is "no name", never an error. (The real podman socket: tests/engines.)
#include "core/sandbox/enginenames.h"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <gtest/gtest.h>
#include <map>
#include <nlohmann/json.hpp>
#include <sys/socket.h>
#include <sys/un.h>
#include <thread>
#include <unistd.h>

using namespace nsviz;
using nlohmann::json;
namespace fs = std::filesystem;

namespace
{

const std::string kCri = std::string(64, 'a');
const std::string kCrio = std::string(64, 'b');
const std::string kDocker = std::string(64, 'c');
const std::string kPodmanPod = std::string(64, 'd');
const std::string kPodmanCtr = std::string(64, 'e');

/// A fresh directory under /tmp (socket paths must stay short), removed with everything in it.
class TempDir
{
public:
    TempDir()
    {
        char t[] = "/tmp/nsviz-engnames-XXXXXX";
        m_path = ::mkdtemp(t);
    }
    ~TempDir() { fs::remove_all(m_path); }
    const std::string &path() const { return m_path; }

private:
    std::string m_path;
};

void write(const std::string &path, const std::string &text)
{
    fs::create_directories(fs::path(path).parent_path());
    std::ofstream(path) << text;
}

/// A unix socket server on @p path in a thread: each connection gets the answer @p reply gives for
/// the request's target; an empty answer means "accept, read, say nothing, keep the connection
/// open until the test ends" (a server that never answers).
class StubSocket
{
public:
    StubSocket(std::string path, std::function<std::string(const std::string &target)> reply)
        : m_path(std::move(path)), m_reply(std::move(reply))
    {
        m_fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_un a{};
        a.sun_family = AF_UNIX;
        std::strncpy(a.sun_path, m_path.c_str(), sizeof(a.sun_path) - 1);
        if (::bind(m_fd, reinterpret_cast<sockaddr *>(&a), sizeof a) != 0 || ::listen(m_fd, 8) != 0)
            throw std::runtime_error("cannot listen on " + m_path);
        m_thread = std::thread([this] { serve(); });
    }
    ~StubSocket()
    {
        m_stop = true;
        ::shutdown(m_fd, SHUT_RDWR);
        m_thread.join();
        for (int c : m_held)
            ::close(c);
        ::close(m_fd);
    }
    int requests() const { return m_requests; }

private:
    void serve()
    {
        while (!m_stop) {
            const int c = ::accept4(m_fd, nullptr, nullptr, SOCK_CLOEXEC);
            if (c < 0)
                return;
            std::string req;
            char buf[4096];
            while (req.find("\r\n\r\n") == std::string::npos) {
                const ssize_t n = ::read(c, buf, sizeof buf);
                if (n <= 0)
                    break;
                req.append(buf, static_cast<std::size_t>(n));
            }
            ++m_requests;
            const auto sp1 = req.find(' '), sp2 = req.find(' ', sp1 + 1);
            const std::string target =
                sp1 == std::string::npos ? std::string() : req.substr(sp1 + 1, sp2 - sp1 - 1);
            const std::string answer = m_reply(target);
            if (answer.empty()) {
                m_held.push_back(c); // never answers, never closes
                continue;
            }
            (void)!::write(c, answer.data(), answer.size());
            ::close(c);
        }
    }
    std::string m_path;
    std::function<std::string(const std::string &)> m_reply;
    int m_fd = -1;
    std::thread m_thread;
    std::atomic<bool> m_stop{false};
    std::atomic<int> m_requests{0};
    std::vector<int> m_held;
};

std::string http200(const std::string &body)
{
    return "HTTP/1.0 200 OK\r\nContent-Type: application/json\r\nContent-Length: " +
           std::to_string(body.size()) + "\r\n\r\n" + body;
}

Sandbox sandbox(const std::string &engine, const std::string &engineId, SandboxKind kind,
                const std::string &pod = {})
{
    Sandbox s;
    s.id = engine + ":" + engineId;
    s.engine = engine;
    s.engineId = engineId;
    s.kind = kind;
    s.pod = pod;
    return s;
}

const Sandbox &byEngineId(const std::vector<Sandbox> &all, const std::string &id)
{
    for (const auto &s : all)
        if (s.engineId == id)
            return s;
    throw std::runtime_error("no sandbox " + id);
}

} // namespace

TEST(EngineNames, RuncStateLabelsAndCrunBundleAnnotations)
{
    TempDir t;
    // runc (containerd's CRI): the annotations are labels of state.json's config.
    write(t.path() + "/runc/" + kCri + "/state.json",
          json{{"id", kCri},
               {"config",
                {{"labels",
                  {"io.kubernetes.cri.container-name=nginx", "io.kubernetes.cri.sandbox-name=web-7f9",
                   "io.kubernetes.cri.sandbox-namespace=shop", "io.kubernetes.cri.sandbox-uid=1a2b",
                   "bundle=/nonexistent/bundle", "not-a-label", 42}}}}}
              .dump());
    // crun (CRI-O): status names the bundle, whose config.json has the annotations.
    const std::string bundle = t.path() + "/bundles/" + kCrio;
    write(t.path() + "/crun/" + kCrio + "/status", json{{"pid", 4242}, {"bundle", bundle}}.dump());
    write(bundle + "/config.json", json{{"annotations",
                                         {{"io.kubernetes.container.name", "redis"},
                                          {"io.kubernetes.pod.name", "cache-0"},
                                          {"io.kubernetes.pod.namespace", "db"},
                                          {"io.kubernetes.pod.uid", 7}}}}
                                       .dump());
    // What must be ignored: malformed JSON, an empty dir, a relative bundle, a huge id.
    write(t.path() + "/runc/broken/state.json", "{ not json");
    fs::create_directories(t.path() + "/runc/empty");
    write(t.path() + "/crun/relative/status", json{{"bundle", "relative/dir"}}.dump());

    const EngineNames runc = readOciRuntimeNames(t.path() + "/runc");
    ASSERT_EQ(runc.size(), 1u);
    EXPECT_EQ(runc.at(kCri).name, "nginx");
    EXPECT_EQ(runc.at(kCri).podName, "shop/web-7f9");
    EXPECT_EQ(runc.at(kCri).podId, "1a2b");
    const EngineNames crun = readOciRuntimeNames(t.path() + "/crun");
    ASSERT_EQ(crun.size(), 1u);
    EXPECT_EQ(crun.at(kCrio).name, "redis");
    EXPECT_EQ(crun.at(kCrio).podName, "db/cache-0");
    EXPECT_EQ(crun.at(kCrio).podId, ""); // not a string: ignored
    EXPECT_TRUE(readOciRuntimeNames(t.path() + "/missing").empty());

    // The step fills names only: ids, kinds and names already known stay.
    std::vector<Sandbox> sbs = {sandbox("kubernetes", kCri, SandboxKind::Container, "kubernetes:pod1a2b"),
                                sandbox("kubernetes", "pod1a2b", SandboxKind::Pod),
                                sandbox("cri-o", kCrio, SandboxKind::Container)};
    sbs.back().name = "kept";
    EngineNameSources src;
    src.runRoot = t.path();
    src.lxcPaths.clear();
    src.sockets.clear();
    EXPECT_EQ(learnEngineNames(sbs, src), 2);
    EXPECT_EQ(byEngineId(sbs, kCri).name, "nginx");
    EXPECT_EQ(byEngineId(sbs, "pod1a2b").name, "shop/web-7f9");
    EXPECT_EQ(byEngineId(sbs, kCrio).name, "kept");
    EXPECT_EQ(byEngineId(sbs, kCri).kind, SandboxKind::Container);
}

TEST(EngineNames, LxcConfigConfirmsTheNameAndGivesTheHostname)
{
    TempDir t;
    write(t.path() + "/web1/config", "# comment\nlxc.rootfs.path = dir:/x\n  lxc.uts.name =  webhost \n");
    write(t.path() + "/old/config", "lxc.utsname = legacy\n");
    const EngineNames n = readLxcNames(t.path(), {"web1", "old", "absent", "../etc"});
    ASSERT_EQ(n.size(), 2u);
    EXPECT_EQ(n.at("web1").name, "web1");
    EXPECT_EQ(n.at("web1").hostname, "webhost");
    EXPECT_EQ(n.at("old").hostname, "legacy");

    std::vector<Sandbox> sbs = {sandbox("lxc", "web1", SandboxKind::Container),
                                sandbox("lxc", "absent", SandboxKind::Container)};
    EngineNameSources src;
    src.runRoot.clear();
    src.lxcPaths = {t.path() + "/nowhere", t.path()};
    src.sockets.clear();
    EXPECT_EQ(learnEngineNames(sbs, src), 1);
    EXPECT_EQ(sbs[0].name, "web1");
    EXPECT_EQ(sbs[1].name, "");
}

TEST(EngineNames, DockerAndLibpodSocketAnswers)
{
    TempDir t;
    const std::string path = t.path() + "/podman.sock";
    StubSocket server(path, [](const std::string &target) -> std::string {
        if (target == "/containers/json")
            return http200(json::array({{{"Id", kDocker}, {"Names", {"/web"}}, {"Labels", json::object()}},
                                        {{"Id", kPodmanCtr}, {"Names", {"pod-a"}}},
                                        {{"Id", 5}, {"Names", {"/bad"}}}})
                               .dump());
        if (target == "/v4.0.0/libpod/pods/json")
            return http200(json::array({{{"Id", kPodmanPod},
                                         {"Name", "shop"},
                                         {"Containers", {{{"Id", kPodmanCtr}}, {{"Id", "infra"}}}}}})
                               .dump());
        return "HTTP/1.0 404 Not Found\r\n\r\n";
    });
    std::string error;
    const EngineNames n = querySocketNames(path, 5000, 1 << 20, error);
    EXPECT_EQ(n.at(kDocker).name, "web");
    EXPECT_EQ(n.at(kPodmanCtr).name, "pod-a");
    EXPECT_EQ(n.at(kPodmanCtr).podName, "shop");
    EXPECT_EQ(n.at(kPodmanPod).name, "shop");

    std::vector<Sandbox> sbs = {
        sandbox("docker", kDocker, SandboxKind::Container), sandbox("podman", kPodmanPod, SandboxKind::Pod),
        sandbox("podman", kPodmanCtr, SandboxKind::Container, "podman:" + kPodmanPod)};
    EngineNameSources src;
    src.runRoot.clear();
    src.lxcPaths.clear();
    src.sockets = {t.path() + "/missing.sock", path};
    src.socketTimeoutMs = 5000;
    EXPECT_EQ(learnEngineNames(sbs, src), 3);
    EXPECT_EQ(sbs[0].name, "web");
    EXPECT_EQ(sbs[1].name, "shop");
    EXPECT_EQ(sbs[2].name, "pod-a");
    // Everything named: no socket is asked again.
    const int before = server.requests();
    EXPECT_EQ(learnEngineNames(sbs, src), 0);
    EXPECT_EQ(server.requests(), before);
}

TEST(EngineNames, SocketsThatFailGiveNothingAndReturn)
{
    TempDir t;
    std::string body, error;
    // Missing.
    EXPECT_FALSE(unixHttpGet(t.path() + "/none.sock", "/containers/json", 200, 1 << 20, body, error));
    EXPECT_NE(error.find("connect"), std::string::npos) << error;
    // Garbage instead of HTTP.
    {
        StubSocket garbage(t.path() + "/garbage.sock",
                           [](const std::string &) { return std::string("\x01\x02 nope"); });
        EXPECT_FALSE(unixHttpGet(t.path() + "/garbage.sock", "/containers/json", 5000, 1 << 20, body, error));
        EXPECT_EQ(error, "not an HTTP answer");
        EXPECT_TRUE(body.empty());
    }
    // HTTP, but not JSON; and an error status.
    {
        StubSocket notJson(t.path() + "/notjson.sock", [](const std::string &target) {
            return target == "/containers/json" ? http200("{ truncated")
                                                : std::string("HTTP/1.0 500 Oops\r\n\r\n");
        });
        EXPECT_TRUE(querySocketNames(t.path() + "/notjson.sock", 5000, 1 << 20, error).empty());
        EXPECT_EQ(error, "/containers/json: not a JSON array");
        EXPECT_FALSE(unixHttpGet(t.path() + "/notjson.sock", "/other", 5000, 1 << 20, body, error));
        EXPECT_EQ(error, "answered HTTP/1.0 500 Oops");
    }
    // Larger than allowed.
    {
        StubSocket big(t.path() + "/big.sock",
                       [](const std::string &) { return http200(std::string(100000, ' ')); });
        EXPECT_FALSE(unixHttpGet(t.path() + "/big.sock", "/containers/json", 5000, 1000, body, error));
        EXPECT_NE(error.find("larger than"), std::string::npos) << error;
    }
    // Accepts, reads the request, never answers: the wait ends at the timeout, with nothing.
    {
        StubSocket silent(t.path() + "/silent.sock", [](const std::string &) { return std::string(); });
        EXPECT_FALSE(unixHttpGet(t.path() + "/silent.sock", "/containers/json", 100, 1 << 20, body, error));
        EXPECT_EQ(error, "no answer in 100 ms");
        std::vector<Sandbox> sbs = {sandbox("docker", kDocker, SandboxKind::Container)};
        EngineNameSources src;
        src.runRoot.clear();
        src.lxcPaths.clear();
        src.sockets = {t.path() + "/silent.sock"};
        src.socketTimeoutMs = 100;
        EXPECT_EQ(learnEngineNames(sbs, src), 0);
        EXPECT_EQ(sbs[0].name, "");
        EXPECT_GE(silent.requests(), 1); // it was asked, and the step came back without a name
    }
}

TEST(EngineNames, StateDirsOfEveryRuntimeLayout)
{
    TempDir t;
    fs::create_directories(t.path() + "/containerd/runc/k8s.io");
    fs::create_directories(t.path() + "/containerd/runc/moby");
    auto dirs = ociStateDirs(t.path());
    std::sort(dirs.begin(), dirs.end());
    EXPECT_EQ(dirs, (std::vector<std::string>{t.path() + "/containerd/runc/k8s.io",
                                              t.path() + "/containerd/runc/moby", t.path() + "/crun",
                                              t.path() + "/docker/runtime-runc/moby", t.path() + "/runc"}));
}
