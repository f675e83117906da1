// SPDX-License-Identifier: GPL-2.0-or-later
#include "requestrunner.h"

#include "delta.h"
#include "inspect.h"
#include "snapshotjson.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <stdexcept>
#include <system_error>

using nlohmann::json;

namespace nsviz::kauth {

namespace {

json frame(const char *type, std::uint64_t id)
{
    return json{{"v", 1}, {"type", type}, {"id", id}};
}

// /proc hands out arbitrary bytes (comm, cmdline): replace invalid UTF-8 rather than throw.
std::string dump(const json &j)
{
    return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

json errorFrame(std::uint64_t id, const std::string &code, const std::string &message)
{
    json f = frame("error", id);
    f["code"] = code;
    f["message"] = message;
    return f;
}

json deltaToJson(const SnapshotDelta &d)
{
    json j;
    j["seq"] = d.seq;
    j["host"] = toJson(d.host);
    json hostNs = json::array();
    for (const NsId &id : d.hostNs)
        hostNs.push_back(json{{"dev", id.dev}, {"ino", id.ino}});
    j["host_ns"] = std::move(hostNs);
    auto list = [](const auto &v) {
        json a = json::array();
        for (const auto &e : v)
            a.push_back(toJson(e));
        return a;
    };
    j["added_processes"] = list(d.addedProcesses);
    j["changed_processes"] = list(d.changedProcesses);
    json removedP = json::array();
    for (const ProcKey &k : d.removedProcesses)
        removedP.push_back(json{{"pid", k.pid}, {"start_time", k.startTime}});
    j["removed_processes"] = std::move(removedP);
    j["added_namespaces"] = list(d.addedNamespaces);
    j["changed_namespaces"] = list(d.changedNamespaces);
    json removedN = json::array();
    for (const NsId &id : d.removedNamespaces)
        removedN.push_back(json{{"dev", id.dev}, {"ino", id.ino}});
    j["removed_namespaces"] = std::move(removedN);
    j["loose_threads"] = list(d.looseThreads);
    j["warnings"] = d.warnings;
    return j;
}

} // namespace

std::vector<std::string> splitUtf8(const std::string &text, std::size_t maxBytes)
{
    if (maxBytes < 4)
        throw std::invalid_argument("splitUtf8: maxBytes < 4");
    std::vector<std::string> parts;
    std::size_t pos = 0;
    while (pos < text.size()) {
        std::size_t end = std::min(text.size(), pos + maxBytes);
        // Step back over continuation bytes (10xxxxxx) so no code point is cut.
        while (end < text.size() && end > pos && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80)
            --end;
        parts.push_back(text.substr(pos, end - pos));
        pos = end;
    }
    if (parts.empty())
        parts.emplace_back();
    return parts;
}

RequestRunner::RequestRunner(DiscoveryOptions opts) : m_opts(std::move(opts)) {}

const char *RequestRunner::statusName(Status s)
{
    switch (s) {
    case Status::Done:
        return "done";
    case Status::Cancelled:
        return "cancelled";
    case Status::Expired:
        return "expired";
    case Status::Failed:
        return "failed";
    }
    return "failed";
}

RequestRunner::Outcome RequestRunner::run(const KAuthRequest &req, const FrameSink &sink, const StopCheck &stopped,
                                          const Waiter &wait)
{
    Outcome out;
    auto fail = [&](const std::string &code, const std::string &msg) {
        out.status = Status::Failed;
        out.errorCode = code;
        out.message = msg;
        if (sink(dump(errorFrame(req.id, code, msg))))
            ++out.frames;
        return out;
    };
    try {
        switch (req.verb) {
        case Verb::Scan:
            return scan(req, sink, stopped, wait);
        case Verb::Inspect:
            return inspect(req, sink);
        case Verb::DemoStart:
        case Verb::DemoStop:
            return fail("unsupported", "demo containers are not supported by this helper yet");
        }
    } catch (const std::system_error &e) {
        return fail("scan_failed", e.what());
    } catch (const std::exception &e) {
        return fail("failed", e.what());
    }
    return fail("internal", "unknown verb");
}

RequestRunner::Outcome RequestRunner::scan(const KAuthRequest &req, const FrameSink &sink, const StopCheck &stopped,
                                           const Waiter &wait)
{
    Outcome out;
    using Clock = std::chrono::steady_clock;
    const auto deadline = Clock::now() + std::chrono::milliseconds(req.maxDurationMs);

    // Sends one document as numbered chunks; false when the stream must end.
    auto sendChunks = [&](const char *type, std::uint64_t seq, const std::string &text) {
        const auto parts = splitUtf8(text, static_cast<std::size_t>(req.chunkBytes));
        for (std::size_t i = 0; i < parts.size(); ++i) {
            if (stopped()) {
                out.status = Status::Cancelled;
                return false;
            }
            json f = frame(type, req.id);
            f["seq"] = seq;
            f["chunk"] = i;
            f["chunks"] = parts.size();
            f["data"] = parts[i];
            if (!sink(dump(f))) {
                out.status = Status::Cancelled;
                return false;
            }
            ++out.frames;
        }
        return true;
    };

    Snapshot prev = discover(m_opts);
    if (!sendChunks("snapshot", 0, dump(toJson(prev))) || !req.subscribe)
        return out;

    for (std::uint64_t seq = 1;; ++seq) {
        // Wait one interval in small slices so that a stop request is seen promptly.
        const auto next = Clock::now() + std::chrono::milliseconds(req.intervalMs);
        while (Clock::now() < next) {
            if (stopped()) {
                out.status = Status::Cancelled;
                return out;
            }
            if (Clock::now() >= deadline) {
                out.status = Status::Expired;
                return out;
            }
            auto left = std::chrono::duration_cast<std::chrono::milliseconds>(next - Clock::now()).count();
            wait(static_cast<int>(std::clamp<long long>(left, 1, 50)));
        }
        Snapshot cur = discover(m_opts);
        SnapshotDelta d = computeDelta(prev, cur);
        d.seq = seq;
        if (!sendChunks("delta", seq, dump(deltaToJson(d))))
            return out;
        prev = std::move(cur);
    }
}

RequestRunner::Outcome RequestRunner::inspect(const KAuthRequest &req, const FrameSink &sink)
{
    Outcome out;
    json f = frame("inspect", req.id);
    f["pid"] = req.pid;
    f["data"] = inspectProcessJson(m_opts.procRoot, req.pid);
    std::string text = dump(f);
    if (text.size() > static_cast<std::size_t>(kMaxChunkBytes))
        throw std::runtime_error("inspect result larger than the frame limit");
    if (sink(text))
        ++out.frames;
    return out;
}

} // namespace nsviz::kauth
