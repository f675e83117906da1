// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
/// @file server.h The serve loop of nsviz-helper: protocol requests in, frames out (Qt-free).

#include "core/model/model.h"
#include "core/protocol/framewriter.h"
#include "core/protocol/protocol.h"

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace nsviz::helper
{

/// Serves one connection: reads requests from one fd, writes frames to another, one request at a
/// time, until end of input, "bye", a broken output or a termination signal.
///
/// Handlers: inspect has a default (inspectProcessJson); demo_start/demo_stop/demo_list answer
/// "unsupported" unless setHandler() gave them one. A handler returns the "result" object of the reply
/// or throws HandlerError. Connection-end hooks run once when the connection ends, however it ends
/// (demos must not outlive the connection that started them).
class Server
{
public:
    using Handler = std::function<nlohmann::json(const protocol::Request &)>;
    using ScanFunction = std::function<Snapshot()>;

    struct Options {
        std::string procRoot = "/proc";
        /// How to scan; default discover() over procRoot. Tests inject their own.
        ScanFunction scan;
        protocol::FrameWriter::Limits limits;
        /// Called after each snapshot or delta of a subscription is written, with the seq and the
        /// snapshot the client now has (tests compare with it).
        std::function<void(std::uint64_t seq, const Snapshot &)> onPublished;
        bool log = true; ///< one line per request on stderr
    };

    explicit Server(Options options);

    void setHandler(protocol::RequestType type, Handler handler);
    /// Answers @p type, which has no handler, with error @p code and @p message instead of
    /// "unsupported" (e.g. demo requests to a helper not authorised for them). The hello
    /// capabilities still do not list it.
    void setRefusal(protocol::RequestType type, std::string code, std::string message);
    void addConnectionEndHook(std::function<void()> hook);

    /// Serves until the connection ends; returns the process exit code (0 on a clean end).
    int run(int inFd, int outFd);

    /// Ask run() to stop at the next opportunity (async-signal-safe).
    static void requestStop();

private:
    void handleLine(const std::string &line);
    void handle(const protocol::Request &r);
    void reply(const nlohmann::json &frame);
    void replyResult(const protocol::Request &r, nlohmann::json result);
    void replyError(std::uint64_t id, const std::string &code, const std::string &message);
    std::optional<Snapshot> scanOrReport(std::uint64_t id);
    void tick();
    void log(const std::string &message) const;
    void writeOut(std::string_view line);

    struct Subscription {
        std::uint64_t id = 0;
        int intervalMs = protocol::kDefaultIntervalMs;
        std::uint64_t seq = 0;
        Snapshot last;
        std::chrono::steady_clock::time_point nextTick;
    };

    Options m_options;
    std::map<protocol::RequestType, Handler> m_handlers;
    std::map<protocol::RequestType, std::pair<std::string, std::string>> m_refusals;
    std::vector<std::function<void()>> m_endHooks;
    protocol::FrameWriter m_writer;
    std::optional<Subscription> m_sub;
    int m_outFd = -1;
    bool m_done = false;
    bool m_outputBroken = false;
};

/// Code that extends the serve loop (the demo commands) registers here before main() runs the
/// command: each function is called on the Server before it serves.
void addServeExtension(std::function<void(Server &)> extension);
const std::vector<std::function<void(Server &)>> &serveExtensions();

} // namespace nsviz::helper
