// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
// Test helpers for the serve loop: a child process in fresh namespaces, and a helper process
// spoken to over pipes. Everything is cleaned up by PID.

#include "core/protocol/clientsession.h"
#include "helper/serve/server.h"

#include <gtest/gtest.h>
#include <memory>
#include <thread>

#include <chrono>
#include <csignal>
#include <fcntl.h>
#include <functional>
#include <poll.h>
#include <sched.h>
#include <string>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

namespace nsviz::testkit
{

/// A process sleeping in fresh net, uts and ipc namespaces. Killed and reaped on destruction.
class NamespacedChild
{
public:
    NamespacedChild()
    {
        int fds[2];
        if (::pipe2(fds, O_CLOEXEC) != 0)
            return;
        m_pid = ::fork();
        if (m_pid == 0) {
            // Only async-signal-safe calls here: the parent may have threads.
            char ok = ::unshare(CLONE_NEWNET | CLONE_NEWUTS | CLONE_NEWIPC) == 0 ? '1' : '0';
            (void)!::write(fds[1], &ok, 1);
            for (;;)
                ::pause();
        }
        ::close(fds[1]);
        char ok = 0;
        if (m_pid > 0 && ::read(fds[0], &ok, 1) == 1 && ok == '1')
            m_ready = true;
        ::close(fds[0]);
    }
    ~NamespacedChild() { stop(); }
    NamespacedChild(const NamespacedChild &) = delete;
    NamespacedChild &operator=(const NamespacedChild &) = delete;

    pid_t pid() const { return m_pid; }
    bool ready() const { return m_ready; }
    void stop()
    {
        if (m_pid > 0) {
            ::kill(m_pid, SIGKILL);
            ::waitpid(m_pid, nullptr, 0);
            m_pid = -1;
        }
    }

private:
    pid_t m_pid = -1;
    bool m_ready = false;
};

/// Reads frames from a fd into protocol events until a predicate holds or time runs out.
class FrameReader
{
public:
    explicit FrameReader(int fd) : m_fd(fd) {}
    /// Returns true when @p done returned true for some event; all events are kept in events().
    bool until(const std::function<bool(const protocol::ClientEvent &)> &done,
               std::chrono::milliseconds timeout)
    {
        auto deadline = std::chrono::steady_clock::now() + timeout;
        // Events already read but not yet looked at by this call.
        for (std::size_t i = m_checked; i < m_events.size(); ++i) {
            m_checked = i + 1;
            if (done(m_events[i]))
                return true;
        }
        char buf[65536];
        while (true) {
            auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                deadline - std::chrono::steady_clock::now());
            if (left.count() <= 0)
                return false;
            pollfd p{m_fd, POLLIN, 0};
            int r = ::poll(&p, 1, static_cast<int>(left.count()));
            if (r <= 0)
                continue;
            ssize_t n = ::read(m_fd, buf, sizeof buf);
            if (n <= 0) {
                m_eof = true;
                for (auto &e : m_session.finish())
                    m_events.push_back(std::move(e));
            } else {
                m_bytes.append(buf, static_cast<std::size_t>(n));
                for (auto &e : m_session.feed(std::string_view(buf, static_cast<std::size_t>(n))))
                    m_events.push_back(std::move(e));
            }
            for (std::size_t i = m_checked; i < m_events.size(); ++i) {
                m_checked = i + 1;
                if (done(m_events[i]))
                    return true;
            }
            if (m_eof)
                return false;
        }
    }
    const std::vector<protocol::ClientEvent> &events() const { return m_events; }
    const std::string &bytes() const { return m_bytes; }
    bool eof() const { return m_eof; }
    bool failed() const { return m_session.failed(); }

private:
    int m_fd;
    protocol::ClientSession m_session;
    std::vector<protocol::ClientEvent> m_events;
    std::size_t m_checked = 0;
    std::string m_bytes;
    bool m_eof = false;
};

/// nsviz-helper serve (or another command) on pipes. Killed and reaped on destruction.
class HelperProcess
{
public:
    explicit HelperProcess(std::vector<std::string> args)
    {
        int in[2], out[2];
        if (::pipe2(in, O_CLOEXEC) != 0 || ::pipe2(out, O_CLOEXEC) != 0)
            return;
        std::vector<char *> argv;
        for (auto &a : args)
            argv.push_back(a.data());
        argv.push_back(nullptr);
        m_pid = ::fork();
        if (m_pid == 0) {
            ::dup2(in[0], 0);
            ::dup2(out[1], 1);
            ::execv(argv[0], argv.data());
            ::_exit(127);
        }
        ::close(in[0]);
        ::close(out[1]);
        m_in = in[1];
        m_out = out[0];
    }
    ~HelperProcess()
    {
        closeInput();
        if (m_out >= 0)
            ::close(m_out);
        if (m_pid > 0) {
            ::kill(m_pid, SIGKILL);
            ::waitpid(m_pid, nullptr, 0);
        }
    }
    HelperProcess(const HelperProcess &) = delete;
    HelperProcess &operator=(const HelperProcess &) = delete;

    pid_t pid() const { return m_pid; }
    int outFd() const { return m_out; }
    bool send(const std::string &s)
    {
        return m_in >= 0 && ::write(m_in, s.data(), s.size()) == ssize_t(s.size());
    }
    void closeInput()
    {
        if (m_in >= 0)
            ::close(m_in);
        m_in = -1;
    }
    /// Waits for the exit; returns the wait status, or -1 on timeout.
    int wait(std::chrono::milliseconds timeout)
    {
        auto deadline = std::chrono::steady_clock::now() + timeout;
        while (std::chrono::steady_clock::now() < deadline) {
            int status = 0;
            pid_t r = ::waitpid(m_pid, &status, WNOHANG);
            if (r == m_pid) {
                m_pid = -1;
                return status;
            }
            ::usleep(10000);
        }
        return -1;
    }

private:
    pid_t m_pid = -1;
    int m_in = -1;
    int m_out = -1;
};

/// A Server on its own thread, spoken to through pipes.
class InProcessServer
{
public:
    explicit InProcessServer(helper::Server::Options o, std::function<void(helper::Server &)> setup = {})
    {
        int in[2], out[2];
        EXPECT_EQ(::pipe2(in, O_CLOEXEC), 0);
        EXPECT_EQ(::pipe2(out, O_CLOEXEC), 0);
        m_in = in[1];
        m_out = out[0];
        o.log = false;
        m_server = std::make_unique<helper::Server>(std::move(o));
        if (setup)
            setup(*m_server);
        m_thread = std::thread([this, rfd = in[0], wfd = out[1]] {
            m_rc = m_server->run(rfd, wfd);
            ::close(rfd);
            ::close(wfd);
        });
        m_reader = std::make_unique<FrameReader>(m_out);
    }
    ~InProcessServer()
    {
        closeInput();
        // Drain so the server never blocks on a full pipe while finishing.
        char buf[65536];
        while (::read(m_out, buf, sizeof buf) > 0) {
        }
        m_thread.join();
        ::close(m_out);
    }
    void send(const std::string &s) { ASSERT_EQ(::write(m_in, s.data(), s.size()), ssize_t(s.size())); }
    void closeInput()
    {
        if (m_in >= 0)
            ::close(m_in);
        m_in = -1;
    }
    FrameReader &reader() { return *m_reader; }
    void join()
    {
        closeInput();
        m_reader->until([](const protocol::ClientEvent &) { return false; },
                        std::chrono::seconds(5)); // reads to EOF
    }

private:
    int m_in = -1, m_out = -1;
    int m_rc = -1;
    std::unique_ptr<helper::Server> m_server;
    std::thread m_thread;
    std::unique_ptr<FrameReader> m_reader;
};

template <typename T> bool is(const protocol::ClientEvent &e)
{
    return std::holds_alternative<T>(e);
}

template <typename T> std::vector<T> all(const std::vector<protocol::ClientEvent> &ev)
{
    std::vector<T> out;
    for (const auto &e : ev)
        if (auto *x = std::get_if<T>(&e))
            out.push_back(*x);
    return out;
}

} // namespace nsviz::testkit
