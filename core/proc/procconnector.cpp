// SPDX-License-Identifier: GPL-2.0-or-later
#include "core/proc/procconnector.h"

#include <cerrno>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <linux/cn_proc.h>
#include <linux/connector.h>
#include <linux/netlink.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace nsviz
{

namespace
{
// The event codes of linux/cn_proc.h. Kernel headers before 6.6 declare them inside struct
// proc_event (a nested enum in C++), later ones in the global enum proc_cn_event: the values are
// kernel ABI and never change, so name them once here and build against both.
constexpr std::uint32_t kEventNone = 0x00000000;
constexpr std::uint32_t kEventFork = 0x00000001;
constexpr std::uint32_t kEventExec = 0x00000002;
constexpr std::uint32_t kEventUid = 0x00000004;
constexpr std::uint32_t kEventGid = 0x00000040;
constexpr std::uint32_t kEventComm = 0x00000200;
constexpr std::uint32_t kEventExit = 0x80000000;
// A burst of forks at 10k processes must fit: the kernel's default (~200 KiB) holds ~2000 events.
constexpr int kReceiveBuffer = 8 << 20;
} // namespace

std::unique_ptr<ProcConnector> ProcConnector::open(std::string &why)
{
    int fd = ::socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_CONNECTOR);
    if (fd < 0) {
        why = std::string("netlink connector socket: ") + std::strerror(errno);
        return nullptr;
    }
    int size = kReceiveBuffer;
    // FORCE passes the rmem_max limit with CAP_NET_ADMIN; else the ordinary call, capped.
    if (::setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size) != 0)
        (void)::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
    sockaddr_nl addr{};
    addr.nl_family = AF_NETLINK;
    addr.nl_groups = CN_IDX_PROC;
    addr.nl_pid = 0; // the kernel picks our port id
    if (::bind(fd, reinterpret_cast<sockaddr *>(&addr), sizeof addr) != 0) {
        why = std::string("cannot join the proc connector group: ") + std::strerror(errno);
        ::close(fd);
        return nullptr;
    }
    std::unique_ptr<ProcConnector> c(new ProcConnector(fd));
    c->m_buf.resize(64 * 1024);
    // The kernel silently ignores a subscription from outside the initial pid or user namespace:
    // an ack is the only sign it was taken.
    if (!c->listen(true, why) || !c->listen(false, why))
        return nullptr;
    return c;
}

ProcConnector::~ProcConnector()
{
    if (m_fd >= 0) {
        std::string ignored;
        send(PROC_CN_MCAST_IGNORE, ignored);
        ::close(m_fd);
    }
}

bool ProcConnector::send(int op, std::string &why)
{
    // nlmsghdr, cn_msg, then the operation: built in a byte buffer (cn_msg ends in a flexible array).
    alignas(nlmsghdr) char msg[NLMSG_LENGTH(sizeof(cn_msg) + sizeof(int))] = {};
    auto *nl = reinterpret_cast<nlmsghdr *>(msg);
    nl->nlmsg_len = sizeof msg;
    nl->nlmsg_type = NLMSG_DONE;
    nl->nlmsg_pid = 0;
    auto *cn = static_cast<cn_msg *>(NLMSG_DATA(nl));
    cn->id.idx = CN_IDX_PROC;
    cn->id.val = CN_VAL_PROC;
    cn->seq = ++m_seq;
    // The kernel answers with ack + 1 (its seq is its own counter): how we know our answer.
    cn->ack = m_seq;
    cn->len = sizeof(int);
    std::memcpy(cn->data, &op, sizeof op);
    sockaddr_nl kernel{};
    kernel.nl_family = AF_NETLINK;
    ssize_t n;
    while ((n = ::sendto(m_fd, msg, sizeof msg, 0, reinterpret_cast<sockaddr *>(&kernel), sizeof kernel)) <
               0 &&
           errno == EINTR) {
    }
    if (n != static_cast<ssize_t>(sizeof msg)) {
        why = std::string("proc connector: cannot send a subscription: ") + std::strerror(errno);
        return false;
    }
    return true;
}

int ProcConnector::awaitAck(int timeoutMs)
{
    m_lastAck = -1;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeoutMs);
    std::vector<ProcEvent> ignored;
    for (;;) {
        drain(ignored);
        if (m_lastAck >= 0)
            return m_lastAck;
        auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now())
                .count();
        if (left <= 0)
            return ETIMEDOUT;
        pollfd p{m_fd, POLLIN, 0};
        (void)::poll(&p, 1, static_cast<int>(left));
    }
}

bool ProcConnector::listen(bool on, std::string &why)
{
    if (!send(on ? PROC_CN_MCAST_LISTEN : PROC_CN_MCAST_IGNORE, why))
        return false;
    // The kernel acknowledges only while someone listens: never the last listener's IGNORE.
    if (!on)
        return true;
    int err = awaitAck(1000);
    if (err == ETIMEDOUT) {
        why = "the kernel did not answer a proc connector subscription (outside the initial pid or "
              "user namespace?)";
        return false;
    }
    if (err != 0) {
        why = std::string("the kernel refused a proc connector subscription: ") + std::strerror(err);
        return false;
    }
    return true;
}

bool ProcConnector::drain(std::vector<ProcEvent> &out)
{
    bool complete = true;
    for (;;) {
        sockaddr_nl from{};
        socklen_t fromLen = sizeof from;
        ssize_t n =
            ::recvfrom(m_fd, m_buf.data(), m_buf.size(), 0, reinterpret_cast<sockaddr *>(&from), &fromLen);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == ENOBUFS) { // the kernel dropped events: keep reading what is still queued
                complete = false;
                continue;
            }
            break; // EAGAIN: nothing more queued
        }
        if (from.nl_pid != 0)
            continue; // only the kernel speaks on this group; anything else is not trusted
        int len = static_cast<int>(n);
        // NLMSG_OK compares the header's __u32 length with the int left: the kernel's own idiom
        // (an unsigned "left" would wrap on a short last message), so only the warning goes.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wsign-compare"
        for (auto *h = reinterpret_cast<nlmsghdr *>(m_buf.data()); NLMSG_OK(h, len); h = NLMSG_NEXT(h, len)) {
            if (h->nlmsg_type == NLMSG_ERROR || h->nlmsg_type == NLMSG_NOOP)
                continue;
            if (h->nlmsg_len < NLMSG_LENGTH(sizeof(cn_msg)))
                continue;
            const auto *cn = static_cast<const cn_msg *>(NLMSG_DATA(h));
            if (cn->id.idx != CN_IDX_PROC || cn->id.val != CN_VAL_PROC)
                continue;
            const std::size_t room = h->nlmsg_len - NLMSG_LENGTH(sizeof(cn_msg));
            if (cn->len > room || cn->len < offsetof(proc_event, event_data))
                continue;
            proc_event ev{};
            std::memcpy(&ev, cn->data, std::min<std::size_t>(cn->len, sizeof ev));
            ProcEvent e;
            switch (static_cast<std::uint32_t>(ev.what)) {
            case kEventNone:
                // Acks go to every listener: only the one answering our request counts.
                if (cn->ack == m_seq + 1)
                    m_lastAck = static_cast<int>(ev.event_data.ack.err);
                continue;
            case kEventFork:
                // A new thread is not a new process.
                if (ev.event_data.fork.child_pid != ev.event_data.fork.child_tgid)
                    continue;
                e.kind = ProcEvent::Kind::Fork;
                e.pid = e.tid = ev.event_data.fork.child_tgid;
                e.parentPid = ev.event_data.fork.parent_tgid;
                break;
            case kEventExec:
                e.kind = ProcEvent::Kind::Exec;
                e.pid = ev.event_data.exec.process_tgid;
                e.tid = ev.event_data.exec.process_pid;
                break;
            case kEventExit:
                e.kind = ProcEvent::Kind::Exit;
                e.pid = ev.event_data.exit.process_tgid;
                e.tid = ev.event_data.exit.process_pid;
                break;
            case kEventComm:
                e.kind = ProcEvent::Kind::Comm;
                e.pid = ev.event_data.comm.process_tgid;
                e.tid = ev.event_data.comm.process_pid;
                break;
            case kEventUid:
                e.kind = ProcEvent::Kind::Uid;
                e.pid = ev.event_data.id.process_tgid;
                e.tid = ev.event_data.id.process_pid;
                break;
            case kEventGid:
                e.kind = ProcEvent::Kind::Gid;
                e.pid = ev.event_data.id.process_tgid;
                e.tid = ev.event_data.id.process_pid;
                break;
            default:
                continue; // sid, ptrace, coredump: nothing a snapshot shows
            }
            if (e.pid <= 0)
                continue;
            out.push_back(e);
        }
#pragma GCC diagnostic pop
    }
    return complete;
}

} // namespace nsviz
