// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
/// @file privatechannel.h The KAuth helper's private data channel: a listening Unix socket that
/// only the caller of an action can use, so that no process data travels in a D-Bus signal.
///
/// KAuth 6.13 sends helper progress as a D-Bus broadcast that any local user may receive. So the
/// helper sends through KAuth only the socket's path (progress) and the outcome (reply); the
/// frames go over this socket. Three locks, each enough on its own against another user:
///  - the socket file is owned by the caller's uid, mode 0600, in a root-owned 0711 directory
///    under a random name: the kernel refuses connect() to everyone else (EACCES);
///  - the connecting process must be the caller's uid (SO_PEERCRED), else it is closed;
///  - its first line must be the one-time token the caller sent in the action's arguments (a D-Bus
///    method call to the helper, which the bus delivers to the helper alone), compared in constant
///    time; the token also tells apart two clients of the same user.
/// A client that does not connect and authenticate in time fails the action; nothing waits forever.
/// Qt-free, so it is tested without a bus.

#include "helper/kauth/contract/kauthrequest.h"

#include <chrono>
#include <functional>
#include <string>
#include <sys/types.h>

namespace nsviz::kauth
{

class PrivateChannel
{
public:
    /// Length of the token in hex characters (128 random bits).
    static constexpr int kTokenHexChars = kChannelTokenHexChars;
    /// Where the helper makes its sockets.
    static constexpr const char *kDefaultDir = kChannelDir;

    PrivateChannel() = default;
    ~PrivateChannel();
    PrivateChannel(const PrivateChannel &) = delete;
    PrivateChannel &operator=(const PrivateChannel &) = delete;

    /// Makes @p dir (0711, owned by this process's uid; refused if it exists as anything else or
    /// writable by others) and a socket in it with a random name, owned by @p uid, mode 0600,
    /// listening. Returns an empty string, or why it failed.
    std::string open(uid_t uid, std::string token, const std::string &dir = kDefaultDir);

    /// The socket's path (valid after open()).
    const std::string &path() const { return m_path; }

    /// Waits up to @p timeout for a connection from @p uid that sends the token; refuses (closes)
    /// every other connection and keeps waiting. @p stopped is polled every 50 ms and ends the wait.
    /// The listening socket is closed and its file removed on return. Empty string on success.
    std::string accept(std::chrono::milliseconds timeout, const std::function<bool()> &stopped = {});

    /// Writes one frame and a newline; false when the client is gone or has not read for
    /// @p timeout (its receive buffer full).
    bool writeFrame(const std::string &frame, std::chrono::milliseconds timeout);

    /// True when the client has closed its end (it stops the request that way) or sent anything
    /// after its token (it must not).
    bool clientGone() const;

    /// The caller's connection (-1 before accept()), for a request process to keep.
    int connectionFd() const { return m_conn; }

    /// Connections refused so far (wrong uid or token, timeout before the token).
    int refused() const { return m_refused; }

    /// Closes the connection: the client sees the end of the stream.
    void close();

    /// 16 random bytes as 32 lowercase hex characters (getrandom()).
    static std::string randomHex();

private:
    void closeListener();

    int m_listen = -1;
    int m_conn = -1;
    uid_t m_uid = 0;
    std::string m_token;
    std::string m_path;
    int m_refused = 0;
};

} // namespace nsviz::kauth
