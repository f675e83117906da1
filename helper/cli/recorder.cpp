// SPDX-License-Identifier: GPL-2.0-or-later
#include "helper/cli/recorder.h"

#include "core/protocol/clientsession.h"
#include "core/protocol/protocol.h"
#include "helper/serve/server.h"

#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <thread>
#include <unistd.h>

namespace nsviz::helper
{

namespace
{
// The write end of the running record()'s stop pipe; -1 when none runs.
std::atomic<int> g_stopFd{-1};

void closeFd(int &fd)
{
    if (fd >= 0)
        ::close(fd);
    fd = -1;
}
} // namespace

void stopRecording()
{
    int fd = g_stopFd.load();
    if (fd >= 0) {
        const char byte = 1;
        (void)!::write(fd, &byte, 1);
    }
}

RecordOutcome record(const RecordOptions &o)
{
    RecordOutcome out;
    using Clock = std::chrono::steady_clock;
    std::unique_ptr<RecordingWriter> writer;
    try {
        writer = std::make_unique<RecordingWriter>(o.out, o.maxBytes);
    } catch (const RecordingError &e) {
        out.error = e.what();
        return out;
    }
    int req[2] = {-1, -1}, frames[2] = {-1, -1}, stop[2] = {-1, -1};
    if (::pipe2(req, O_CLOEXEC) != 0 || ::pipe2(frames, O_CLOEXEC) != 0 ||
        ::pipe2(stop, O_CLOEXEC | O_NONBLOCK) != 0) {
        out.error = std::string("pipe: ") + std::strerror(errno);
        for (int *fd : {&req[0], &req[1], &frames[0], &frames[1], &stop[0], &stop[1]})
            closeFd(*fd);
        return out;
    }
    g_stopFd = stop[1];

    Server::Options so;
    so.procRoot = o.procRoot;
    so.log = false;
    if (o.scan)
        so.scan = o.scan;
    so.onPublished = o.onPublished;
    // The serve loop runs on its own thread with every signal blocked, so SIGINT/SIGTERM reach this
    // thread's poll() and end the recording cleanly.
    sigset_t all, old;
    ::sigfillset(&all);
    ::pthread_sigmask(SIG_BLOCK, &all, &old);
    std::thread serveThread([&so, in = req[0], &frames] {
        Server server(so);
        server.run(in, frames[1]);
        closeFd(frames[1]); // end of stream for the reader
    });
    ::pthread_sigmask(SIG_SETMASK, &old, nullptr);

    auto sendRequest = [&](const std::string &line) {
        if (req[1] >= 0)
            (void)!::write(req[1], line.data(), line.size());
    };
    sendRequest(protocol::requestLine(protocol::RequestType::Subscribe, 1,
                                      nlohmann::json{{"interval_ms", o.intervalMs}}));

    protocol::ClientSession session;
    Clock::time_point start{};
    bool started = false, stopping = false;
    RecordingEnd reason = RecordingEnd::None;
    std::string buf(1 << 16, '\0');
    auto stopWith = [&](RecordingEnd why) {
        if (stopping)
            return;
        stopping = true;
        reason = why;
        closeFd(req[1]); // end of input: the serve loop finishes what runs and returns
    };
    auto nowMs = [&] {
        return started ? std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count()
                       : std::int64_t(0);
    };
    auto handle = [&](const protocol::ClientEvent &ev) {
        if (stopping || !out.error.empty())
            return; // frames after the stop are not part of the recording
        if (auto *s = std::get_if<protocol::event::SnapshotDone>(&ev)) {
            start = Clock::now();
            started = true;
            RecordingWriter::Header h;
            h.source = "nsviz-helper record";
            h.host = s->snapshot.host.hostname;
            h.intervalMs = o.intervalMs;
            h.startedAtMs = s->snapshot.host.scannedAtMs;
            if (!writer->writeHeader(h) || !writer->writeSnapshot(0, s->snapshot)) {
                out.error = "the first snapshot does not fit in --max-bytes " + std::to_string(o.maxBytes) +
                            " (it needs " + std::to_string(writer->bytesWritten() + 1) + "+ bytes)";
                stopWith(RecordingEnd::MaxBytes);
                return;
            }
        } else if (auto *d = std::get_if<protocol::event::Delta>(&ev)) {
            if (!writer->writeDelta(nowMs(), d->delta)) {
                stopWith(RecordingEnd::MaxBytes);
                return;
            }
        } else if (auto *e = std::get_if<protocol::event::Error>(&ev)) {
            out.error = "the scan failed: " + e->code + ": " + e->message;
            stopWith(RecordingEnd::SourceEnded);
            return;
        } else if (auto *v = std::get_if<protocol::event::Violation>(&ev)) {
            out.error = "broken stream: " + v->message;
            stopWith(RecordingEnd::SourceEnded);
            return;
        } else {
            return;
        }
        if (o.onFrame)
            o.onFrame(writer->framesWritten());
    };

    try {
        for (;;) {
            int timeout = -1;
            if (started && o.durationMs > 0 && !stopping) {
                auto left = o.durationMs - nowMs();
                if (left <= 0) {
                    stopWith(RecordingEnd::Duration);
                    continue;
                }
                timeout = static_cast<int>(left);
            }
            pollfd pfds[2] = {{frames[0], POLLIN, 0}, {stop[0], POLLIN, 0}};
            int pr = ::poll(pfds, 2, timeout);
            if (pr < 0 && errno == EINTR)
                continue;
            if (pr < 0) {
                out.error = std::string("poll: ") + std::strerror(errno);
                stopWith(RecordingEnd::SourceEnded);
                break;
            }
            if (pfds[1].revents & POLLIN) {
                char drain[16];
                while (::read(stop[0], drain, sizeof drain) > 0) {
                }
                stopWith(RecordingEnd::Stopped);
            }
            if (pfds[0].revents) {
                ssize_t n = ::read(frames[0], buf.data(), buf.size());
                if (n < 0 && errno == EINTR)
                    continue;
                if (n <= 0) {
                    stopWith(RecordingEnd::SourceEnded);
                    break;
                }
                for (const auto &ev : session.feed(std::string_view(buf.data(), static_cast<std::size_t>(n))))
                    handle(ev);
            }
        }
    } catch (const RecordingError &e) {
        out.error = e.what();
        stopWith(RecordingEnd::SourceEnded);
        // Drain, so the serve loop is never blocked on a full pipe while it is joined.
        while (::read(frames[0], buf.data(), buf.size()) > 0) {
        }
    }
    closeFd(req[1]);
    serveThread.join();
    g_stopFd = -1;
    for (int *fd : {&req[0], &frames[0], &stop[0], &stop[1]})
        closeFd(*fd);
    out.frames = writer->framesWritten();
    out.lastMs = nowMs();
    out.end = reason;
    if (started) {
        try {
            writer->end(out.lastMs, reason);
        } catch (const RecordingError &e) {
            if (out.error.empty())
                out.error = e.what();
        }
    }
    out.bytes = writer->bytesWritten();
    out.ok = out.error.empty() && started;
    if (!started && out.error.empty())
        out.error = "the stream ended before the first snapshot";
    return out;
}

} // namespace nsviz::helper
