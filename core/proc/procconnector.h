// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
/// @file procconnector.h The kernel's process events (netlink connector, CN_IDX_PROC): fork, exec,
/// exit, comm, uid and gid changes of every process on the host, as they happen.
///
/// Only a process in the initial pid and user namespaces receives them (the kernel reports pids as
/// seen there); older kernels also want CAP_NET_ADMIN, checked against the credentials the socket
/// was opened with, so open() before dropping privileges. Events can be lost when the socket's
/// receive buffer overflows (ENOBUFS): drain() says so, and the caller must look at /proc itself.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace nsviz
{

/// One process event, pids as seen in the initial pid namespace.
struct ProcEvent {
    enum class Kind : std::uint8_t { Fork, Exec, Exit, Comm, Uid, Gid };
    Kind kind = Kind::Exec;
    int pid = 0;       ///< thread group id (the process); for Fork the child's
    int tid = 0;       ///< the thread concerned; == pid for the process itself (its leader)
    int parentPid = 0; ///< Fork: the parent's thread group id
};

class ProcConnector
{
public:
    /// Opens the socket, joins the proc group and checks that the kernel takes a subscription
    /// (listen on, then off again). nullptr with @p why set when it cannot be used here.
    static std::unique_ptr<ProcConnector> open(std::string &why);
    ~ProcConnector();
    ProcConnector(const ProcConnector &) = delete;
    ProcConnector &operator=(const ProcConnector &) = delete;

    /// The socket, non-blocking: poll it for POLLIN.
    int fd() const { return m_fd; }
    /// Asks the kernel to start (or stop) sending events; false with @p why when it refuses. The
    /// kernel counts listeners: events cost every fork and exit on the host only while one listens.
    bool listen(bool on, std::string &why);
    /// Appends every queued event of interest to @p out (process-level fork/exit only: thread
    /// creation and exit of non-leader threads are dropped). False when events were lost (the
    /// receive buffer overflowed): what /proc holds must then be read again.
    bool drain(std::vector<ProcEvent> &out);

private:
    explicit ProcConnector(int fd) : m_fd(fd) {}
    bool send(int op, std::string &why);
    /// Waits up to @p timeoutMs for the kernel's answer to a listen request; 0 or its errno.
    int awaitAck(int timeoutMs);
    int m_fd = -1;
    std::uint32_t m_seq = 0;
    std::vector<char> m_buf;
    int m_lastAck = -1; ///< error code of the last ack drain() saw, -1 for none yet
};

} // namespace nsviz
