// SPDX-License-Identifier: GPL-2.0-or-later
#include "core/sandbox/enginenames.h"

#include "core/proc/procreader.h"
#include "core/proc/textsplit.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

using nlohmann::json;

namespace nsviz
{

namespace
{

// Runtime state and configs are small; a few MiB is already absurd for one container.
constexpr std::size_t kMaxStateBytes = 4u << 20;

/// Names of the entries of @p dir (not . and ..); empty when it cannot be read.
std::vector<std::string> entries(const std::string &dir)
{
    std::vector<std::string> out;
    DIR *d = ::opendir(dir.c_str());
    if (!d)
        return out;
    while (const dirent *e = ::readdir(d)) {
        const std::string n = e->d_name;
        if (n != "." && n != ".." && n.find('/') == std::string::npos)
            out.push_back(n);
    }
    ::closedir(d);
    return out;
}

/// @p path parsed as JSON, or a discarded value when missing, too big or malformed.
json readJson(const std::string &path)
{
    std::string text;
    if (ProcReader::readFile(path, text, kMaxStateBytes) != 0)
        return json::value_t::discarded;
    return json::parse(text, nullptr, false);
}

std::string str(const json &o, const char *key)
{
    return o.is_object() && o.contains(key) && o[key].is_string() ? o[key].get<std::string>() : std::string();
}

/// A bundle's config.json annotations (strings only).
std::map<std::string, std::string> bundleAnnotations(const std::string &bundle)
{
    std::map<std::string, std::string> out;
    if (bundle.empty() || bundle.front() != '/')
        return out;
    const json config = readJson(bundle + "/config.json");
    if (config.is_object() && config.contains("annotations") && config["annotations"].is_object())
        for (const auto &[k, v] : config["annotations"].items())
            if (v.is_string())
                out[k] = v.get<std::string>();
    return out;
}

/// Valid-looking engine ids only: a directory name under a runtime's state dir is the id the
/// runtime was given, which is what a cgroup path or conmon -c carries.
bool plausibleId(const std::string &id)
{
    return !id.empty() && id.size() <= 256 && id.front() != '.';
}

void merge(EngineName &into, const EngineName &from)
{
    if (into.name.empty())
        into.name = from.name;
    if (into.podName.empty())
        into.podName = from.podName;
    if (into.podId.empty())
        into.podId = from.podId;
    if (into.hostname.empty())
        into.hostname = from.hostname;
}

bool empty(const EngineName &n)
{
    return n.name.empty() && n.podName.empty() && n.podId.empty() && n.hostname.empty();
}

} // namespace

EngineName namesFromAnnotations(const std::map<std::string, std::string> &a)
{
    auto get = [&](std::initializer_list<const char *> keys) {
        for (const char *k : keys)
            if (auto it = a.find(k); it != a.end() && !it->second.empty())
                return it->second;
        return std::string();
    };
    EngineName n;
    n.name = get({"io.kubernetes.cri.container-name", "io.kubernetes.container.name", "nerdctl/name"});
    const std::string pod = get({"io.kubernetes.cri.sandbox-name", "io.kubernetes.pod.name"});
    const std::string ns = get({"io.kubernetes.cri.sandbox-namespace", "io.kubernetes.pod.namespace"});
    if (!pod.empty())
        n.podName = ns.empty() ? pod : ns + "/" + pod;
    n.podId = get({"io.kubernetes.cri.sandbox-uid", "io.kubernetes.pod.uid"});
    return n;
}

EngineNames readOciRuntimeNames(const std::string &stateDir)
{
    EngineNames out;
    for (const std::string &id : entries(stateDir)) {
        if (!plausibleId(id))
            continue;
        std::map<std::string, std::string> annotations;
        std::string bundle;
        // runc: state.json, whose config.labels are the bundle's annotations as "key=value" and
        // "bundle=<dir>".
        const json runc = readJson(stateDir + "/" + id + "/state.json");
        if (runc.is_object() && runc.contains("config") && runc["config"].is_object() &&
            runc["config"].contains("labels") && runc["config"]["labels"].is_array())
            for (const auto &l : runc["config"]["labels"]) {
                if (!l.is_string())
                    continue;
                const std::string kv = l.get<std::string>();
                const auto eq = kv.find('=');
                if (eq == std::string::npos)
                    continue;
                if (kv.compare(0, eq, "bundle") == 0)
                    bundle = kv.substr(eq + 1);
                else
                    annotations.emplace(kv.substr(0, eq), kv.substr(eq + 1));
            }
        // crun: status, which names the bundle.
        const json crun = readJson(stateDir + "/" + id + "/status");
        if (bundle.empty())
            bundle = str(crun, "bundle");
        for (auto &[k, v] : bundleAnnotations(bundle))
            annotations.emplace(k, v); // the state's own copy first
        const EngineName n = namesFromAnnotations(annotations);
        if (!empty(n))
            out[id] = n;
    }
    return out;
}

EngineNames readLxcNames(const std::string &lxcPath, const std::vector<std::string> &names)
{
    EngineNames out;
    for (const std::string &name : names) {
        if (!plausibleId(name) || name.find('/') != std::string::npos)
            continue;
        std::string text;
        if (ProcReader::readFile(lxcPath + "/" + name + "/config", text, kMaxStateBytes) != 0)
            continue;
        EngineName n;
        n.name = name; // an LXC container's id is its name: the config says it is one
        for (std::string_view line : text::lines(text)) {
            line = text::trim(line);
            const auto eq = line.find('=');
            if (line.empty() || line.front() == '#' || eq == std::string_view::npos)
                continue;
            const std::string_view key = text::trim(line.substr(0, eq));
            if (key == "lxc.uts.name" || key == "lxc.utsname")
                n.hostname = std::string(text::trim(line.substr(eq + 1)));
        }
        out[name] = n;
    }
    return out;
}

bool unixHttpGet(const std::string &path, const std::string &target, int timeoutMs, std::size_t maxBytes,
                 std::string &body, std::string &error)
{
    body.clear();
    sockaddr_un addr{};
    if (path.empty() || path.size() >= sizeof(addr.sun_path)) {
        error = "bad socket path";
        return false;
    }
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) {
        error = std::string("socket: ") + std::strerror(errno);
        return false;
    }
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeoutMs);
    auto left = [&] {
        return static_cast<int>(std::max<long long>(0, std::chrono::duration_cast<std::chrono::milliseconds>(
                                                           deadline - std::chrono::steady_clock::now())
                                                           .count()));
    };
    // Waits for @p events until the deadline; false on timeout or error.
    auto wait = [&](short events) {
        for (;;) {
            pollfd p{fd, events, 0};
            const int r = ::poll(&p, 1, left());
            if (r < 0 && errno == EINTR)
                continue;
            return r > 0;
        }
    };
    auto fail = [&](std::string why) {
        ::close(fd);
        error = std::move(why);
        body.clear();
        return false;
    };
    if (::connect(fd, reinterpret_cast<const sockaddr *>(&addr), sizeof(addr)) != 0) {
        if (errno != EINPROGRESS && errno != EAGAIN)
            return fail(std::string("connect: ") + std::strerror(errno));
        if (!wait(POLLOUT))
            return fail("connect: timed out");
        int err = 0;
        socklen_t len = sizeof(err);
        if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err != 0)
            return fail(std::string("connect: ") + std::strerror(err ? err : errno));
    }
    const std::string request =
        "GET " + target + " HTTP/1.0\r\nHost: localhost\r\nAccept: application/json\r\n\r\n";
    std::size_t sent = 0;
    while (sent < request.size()) {
        const ssize_t n = ::send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
        if (n > 0) {
            sent += static_cast<std::size_t>(n);
        } else if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
            if (!wait(POLLOUT))
                return fail("send: timed out");
        } else {
            return fail(std::string("send: ") + std::strerror(errno));
        }
    }
    std::string reply;
    char buf[16384];
    for (;;) {
        const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n > 0) {
            reply.append(buf, static_cast<std::size_t>(n));
            if (reply.size() > maxBytes)
                return fail("answer larger than " + std::to_string(maxBytes) + " bytes");
        } else if (n == 0) {
            break;
        } else if (errno == EAGAIN || errno == EINTR) {
            if (!wait(POLLIN))
                return fail("no answer in " + std::to_string(timeoutMs) + " ms");
        } else {
            return fail(std::string("recv: ") + std::strerror(errno));
        }
    }
    ::close(fd);
    const auto headerEnd = reply.find("\r\n\r\n");
    const auto firstLine = reply.substr(0, reply.find("\r\n"));
    if (headerEnd == std::string::npos || firstLine.rfind("HTTP/1.", 0) != 0) {
        error = "not an HTTP answer";
        return false;
    }
    if (firstLine.find(" 200") == std::string::npos) {
        error = "answered " + firstLine.substr(0, 80);
        return false;
    }
    // HTTP/1.0 answers are not chunked: the body is the rest.
    body = reply.substr(headerEnd + 4);
    return true;
}

EngineNames querySocketNames(const std::string &path, int timeoutMs, std::size_t maxBytes, std::string &error)
{
    EngineNames out;
    std::string body;
    if (!unixHttpGet(path, "/containers/json", timeoutMs, maxBytes, body, error))
        return out;
    const json list = json::parse(body, nullptr, false);
    if (!list.is_array()) {
        error = "/containers/json: not a JSON array";
        return out;
    }
    for (const json &c : list) {
        const std::string id = str(c, "Id");
        if (!plausibleId(id))
            continue;
        EngineName n;
        if (c.contains("Names") && c["Names"].is_array() && !c["Names"].empty() &&
            c["Names"][0].is_string()) {
            n.name = c["Names"][0].get<std::string>();
            if (!n.name.empty() && n.name.front() == '/')
                n.name.erase(0, 1);
        }
        if (c.contains("Labels") && c["Labels"].is_object()) {
            std::map<std::string, std::string> labels;
            for (const auto &[k, v] : c["Labels"].items())
                if (v.is_string())
                    labels[k] = v.get<std::string>();
            merge(n, namesFromAnnotations(labels));
        }
        if (!empty(n))
            out[id] = n;
    }
    // libpod only (podman): pod names, and which containers are in each. Docker answers 404.
    // podman 4 serves libpod's endpoints under a version prefix only (4.0.0 is its oldest).
    std::string podError;
    if (unixHttpGet(path, "/v4.0.0/libpod/pods/json", timeoutMs, maxBytes, body, podError)) {
        const json pods = json::parse(body, nullptr, false);
        if (pods.is_array())
            for (const json &p : pods) {
                const std::string id = str(p, "Id"), name = str(p, "Name");
                if (!plausibleId(id) || name.empty())
                    continue;
                out[id].name = name;
                if (p.contains("Containers") && p["Containers"].is_array())
                    for (const json &c : p["Containers"]) {
                        const std::string cid = str(c, "Id");
                        if (!plausibleId(cid))
                            continue;
                        EngineName &n = out[cid];
                        n.podName = name;
                        n.podId = id;
                    }
            }
    }
    return out;
}

std::vector<std::string> ociStateDirs(const std::string &runRoot)
{
    // runc's and crun's default roots (podman, CRI-O), containerd's per-namespace runc roots
    // (k8s.io, moby, default, ...) and docker's own runc root.
    std::vector<std::string> dirs = {runRoot + "/runc", runRoot + "/crun",
                                     runRoot + "/docker/runtime-runc/moby"};
    for (const std::string &ns : entries(runRoot + "/containerd/runc"))
        dirs.push_back(runRoot + "/containerd/runc/" + ns);
    return dirs;
}

int applyEngineNames(std::vector<Sandbox> &sandboxes, const EngineNames &names)
{
    int named = 0;
    auto byId = [&](const std::string &id) -> Sandbox * {
        for (Sandbox &s : sandboxes)
            if (s.id == id)
                return &s;
        return nullptr;
    };
    for (Sandbox &s : sandboxes) {
        if (s.engineId.empty())
            continue;
        auto it = names.find(s.engineId);
        if (it == names.end())
            continue;
        if (s.name.empty() && !it->second.name.empty()) {
            s.name = it->second.name;
            ++named;
        }
        // A container's pod, by the container's own record (Kubernetes, libpod's pod list).
        if (Sandbox *pod = s.pod.empty() ? nullptr : byId(s.pod);
            pod && pod->name.empty() && !it->second.podName.empty()) {
            pod->name = it->second.podName;
            ++named;
        }
    }
    return named;
}

int learnEngineNames(std::vector<Sandbox> &sandboxes, const EngineNameSources &sources)
{
    auto unnamed = [&] {
        for (const Sandbox &s : sandboxes)
            if (!s.engineId.empty() && s.name.empty() &&
                (s.kind == SandboxKind::Container || s.kind == SandboxKind::Pod))
                return true;
        return false;
    };
    if (!unnamed())
        return 0;
    int named = 0;
    if (!sources.runRoot.empty())
        for (const std::string &dir : ociStateDirs(sources.runRoot))
            named += applyEngineNames(sandboxes, readOciRuntimeNames(dir));
    std::vector<std::string> lxc;
    for (const Sandbox &s : sandboxes)
        if (s.engine == "lxc" && !s.engineId.empty() && s.name.empty())
            lxc.push_back(s.engineId);
    if (!lxc.empty())
        for (const std::string &path : sources.lxcPaths)
            named += applyEngineNames(sandboxes, readLxcNames(path, lxc));
    for (const std::string &socket : sources.sockets) {
        if (!unnamed())
            break;
        // A missing socket is the usual case (no such engine here): not even a connect.
        if (::access(socket.c_str(), F_OK) != 0)
            continue;
        std::string error;
        named += applyEngineNames(
            sandboxes, querySocketNames(socket, sources.socketTimeoutMs, sources.socketMaxBytes, error));
    }
    return named;
}

} // namespace nsviz
