// SPDX-License-Identifier: GPL-2.0-or-later
#include "helper/kauth/privatechannel.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <stdexcept>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

namespace nsviz::kauth
{

namespace
{

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// A connected client has this long to send its token line, so that one silent connection cannot
// hold the channel until the overall deadline.
constexpr milliseconds kTokenTimeout{5000};

std::string errnoText(const char *what)
{
    return std::string(what) + ": " + std::strerror(errno);
}

int msLeft(Clock::time_point deadline)
{
    const auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now()).count();
    return static_cast<int>(std::clamp<long long>(left, 0, 50));
}

/// Constant-time comparison: the time taken does not tell how much of a guess was right.
bool sameToken(const std::string &a, const std::string &b)
{
    if (a.size() != b.size())
        return false;
    unsigned char diff = 0;
    for (std::size_t i = 0; i < a.size(); ++i)
        diff |= static_cast<unsigned char>(a[i] ^ b[i]);
    return diff == 0;
}

/// Reads the token line of a fresh connection (non-blocking fd) until @p deadline.
bool readTokenLine(int fd, Clock::time_point deadline, std::string &line)
{
    char buf[PrivateChannel::kTokenHexChars + 2];
    std::size_t have = 0;
    while (Clock::now() < deadline) {
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, msLeft(deadline)) <= 0)
            continue;
        const ssize_t n = ::read(fd, buf + have, sizeof buf - have);
        if (n < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (n <= 0)
            return false;
        have += static_cast<std::size_t>(n);
        if (const void *nl = std::memchr(buf, '\n', have)) {
            const std::size_t len = static_cast<std::size_t>(static_cast<const char *>(nl) - buf);
            if (len + 1 != have)
                return false; // nothing may follow the token
            line.assign(buf, len);
            return true;
        }
        if (have == sizeof buf)
            return false; // too long to be a token
    }
    return false;
}

} // namespace

PrivateChannel::~PrivateChannel()
{
    close();
    closeListener();
}

std::string PrivateChannel::randomHex()
{
    unsigned char bytes[kTokenHexChars / 2];
    std::size_t got = 0;
    while (got < sizeof bytes) {
        const ssize_t n = ::getrandom(bytes + got, sizeof bytes - got, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            throw std::runtime_error(errnoText("getrandom"));
        got += static_cast<std::size_t>(n);
    }
    static const char hex[] = "0123456789abcdef";
    std::string s;
    for (unsigned char b : bytes) {
        s += hex[b >> 4];
        s += hex[b & 0xf];
    }
    return s;
}

std::string PrivateChannel::open(uid_t uid, std::string token, const std::string &dir)
{
    if (!validChannelToken(token))
        return "the channel token is not " + std::to_string(kTokenHexChars) + " lowercase hex characters";
    m_uid = uid;
    m_token = std::move(token);

    // The directory: ours (root's), not a symlink, searchable but not listable or writable by
    // others, so the random names cannot be listed and no one else can plant a file there.
    if (::mkdir(dir.c_str(), 0711) != 0 && errno != EEXIST)
        return errnoText(("mkdir " + dir).c_str());
    const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (dfd < 0)
        return errnoText(("open " + dir).c_str());
    struct stat st {
    };
    const bool statOk = ::fstat(dfd, &st) == 0;
    const bool ownOk = statOk && S_ISDIR(st.st_mode) && st.st_uid == ::geteuid();
    const bool chmodOk = ownOk && ::fchmod(dfd, 0711) == 0;
    ::close(dfd);
    if (!ownOk)
        return dir + " exists and is not a directory of uid " + std::to_string(::geteuid());
    if (!chmodOk)
        return errnoText(("chmod " + dir).c_str());

    m_path = dir + "/" + randomHex() + ".sock";
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (m_path.size() >= sizeof addr.sun_path)
        return "socket path too long: " + m_path;
    std::memcpy(addr.sun_path, m_path.c_str(), m_path.size() + 1);

    m_listen = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (m_listen < 0)
        return errnoText("socket");
    // Created 0600 and still root's: no one can connect before the chown below hands it over.
    const mode_t old = ::umask(0177);
    const int b = ::bind(m_listen, reinterpret_cast<const sockaddr *>(&addr), sizeof addr);
    ::umask(old);
    if (b != 0) {
        const std::string e = errnoText(("bind " + m_path).c_str());
        m_path.clear();
        closeListener();
        return e;
    }
    // By path: the directory is root's and 0711, so no one else can have swapped the name.
    if (::chown(m_path.c_str(), uid, static_cast<gid_t>(-1)) != 0 || ::chmod(m_path.c_str(), 0600) != 0 ||
        ::listen(m_listen, 4) != 0) {
        const std::string e = errnoText(("prepare " + m_path).c_str());
        closeListener();
        return e;
    }
    return {};
}

void PrivateChannel::closeListener()
{
    if (m_listen >= 0)
        ::close(m_listen);
    m_listen = -1;
    if (!m_path.empty())
        ::unlink(m_path.c_str());
}

std::string PrivateChannel::accept(milliseconds timeout, const std::function<bool()> &stopped)
{
    if (m_listen < 0)
        return "the channel is not open";
    const auto deadline = Clock::now() + timeout;
    std::string why = "no client connected within " + std::to_string(timeout.count() / 1000) + " s";
    while (Clock::now() < deadline) {
        if (stopped && stopped()) {
            why = "stopped before a client connected";
            break;
        }
        pollfd p{m_listen, POLLIN, 0};
        if (::poll(&p, 1, msLeft(deadline)) <= 0)
            continue;
        const int fd = ::accept4(m_listen, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
        if (fd < 0)
            continue;
        ucred cred{};
        socklen_t len = sizeof cred;
        std::string token;
        const bool ok = ::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0 && cred.uid == m_uid &&
                        readTokenLine(fd, std::min(deadline, Clock::now() + kTokenTimeout), token) &&
                        sameToken(token, m_token);
        if (!ok) {
            ++m_refused;
            ::close(fd);
            continue;
        }
        m_conn = fd;
        closeListener();
        return {};
    }
    closeListener();
    return why;
}

bool PrivateChannel::writeFrame(const std::string &frame, milliseconds timeout)
{
    if (m_conn < 0)
        return false;
    std::string data = frame;
    data += '\n';
    const auto deadline = Clock::now() + timeout;
    std::size_t off = 0;
    while (off < data.size()) {
        // MSG_NOSIGNAL: a client that went away is EPIPE, not a signal.
        const ssize_t n = ::send(m_conn, data.data() + off, data.size() - off, MSG_NOSIGNAL);
        if (n > 0) {
            off += static_cast<std::size_t>(n);
            continue;
        }
        if (n < 0 && errno != EAGAIN && errno != EINTR)
            return false;
        if (Clock::now() >= deadline || clientGone())
            return false;
        pollfd p{m_conn, POLLOUT, 0};
        ::poll(&p, 1, msLeft(deadline));
    }
    return true;
}

bool PrivateChannel::clientGone() const
{
    if (m_conn < 0)
        return true;
    pollfd p{m_conn, POLLIN | POLLRDHUP, 0};
    if (::poll(&p, 1, 0) <= 0)
        return false;
    // Readable: the end of its stream (it closed or shut down) or bytes it must not send.
    return (p.revents & (POLLIN | POLLRDHUP | POLLHUP | POLLERR)) != 0;
}

void PrivateChannel::close()
{
    if (m_conn >= 0)
        ::close(m_conn);
    m_conn = -1;
}

} // namespace nsviz::kauth
