// SPDX-License-Identifier: GPL-2.0-or-later
#include "helper/cli/scantable.h"

#include "core/model/textsafe.h"

#include <algorithm>
#include <iomanip>
#include <map>
#include <pwd.h>
#include <set>
#include <sstream>
#include <unistd.h>
#include <vector>

namespace nsviz::helper
{

namespace
{
std::string systemUserName(std::uint32_t uid)
{
    struct passwd pw {
    };
    struct passwd *res = nullptr;
    char buf[1024];
    if (::getpwuid_r(uid, &pw, buf, sizeof buf, &res) == 0 && res)
        return res->pw_name;
    return std::to_string(uid);
}

std::string foundByText(std::uint8_t f)
{
    std::string s;
    auto add = [&](std::uint8_t bit, const char *name) {
        if (f & bit) {
            if (!s.empty())
                s += ',';
            s += name;
        }
    };
    add(FoundByProcess, "process");
    add(FoundByBindMount, "bindmount");
    add(FoundByFd, "fd");
    add(FoundByHidden, "hidden");
    return s;
}

std::string relation(const std::optional<NsId> &id, bool known, bool applies)
{
    if (!applies)
        return "-";
    if (!known)
        return "?";
    return id ? std::to_string(id->ino) : "none";
}

// Names are chosen by whoever runs the process (a comm, an argv, a hostname may hold anything):
// the one sanitiser decides what reaches the terminal.
std::string printable(std::string_view s)
{
    return terminalSafe(s);
}
} // namespace

ScanTable::ScanTable(const Snapshot &s, UserNamer namer) : m_s(s), m_namer(std::move(namer)) {}

std::string ScanTable::userName(std::uint32_t uid) const
{
    return m_namer ? m_namer(uid) : systemUserName(uid);
}

std::string ScanTable::command(const Namespace &n) const
{
    if (!n.pids.empty()) {
        const Process *p = m_s.findProcess(n.pids.front());
        if (!p)
            return {};
        if (p->cmdline.empty())
            return p->kernelThread ? "[" + printable(p->comm) + "]" : printable(p->comm);
        std::string s;
        for (const auto &a : p->cmdline) {
            if (!s.empty())
                s += ' ';
            s += printable(a);
        }
        return s;
    }
    if (!n.bindMounts.empty())
        return "(bind mount " + printable(n.bindMounts.front()) + ")";
    if (!n.fdHolders.empty())
        return "(open fd " + printable(n.fdHolders.front()) + ")";
    if (n.foundBy & FoundByHidden)
        return "(no process: seen as a parent or owner)";
    return {};
}

void ScanTable::print(std::ostream &out) const
{
    const HostInfo &h = m_s.host;
    out << "host " << printable(h.hostname) << ", kernel " << printable(h.kernel) << ", "
        << m_s.processes.size() << " processes, " << m_s.namespaces.size() << " namespaces, scanned in "
        << std::fixed << std::setprecision(1) << h.scanMs << " ms\n";
    if (h.referencePid > 0)
        out << "host reference: pid " << h.referencePid << " (" << printable(h.referenceComm) << ")";
    else
        out << "host reference: none";
    if (!h.referenceNote.empty() && h.referenceNote != "PID 1")
        out << " - " << printable(h.referenceNote);
    out << "\n";
    if (h.invisibleProcesses > 0)
        out << h.invisibleProcesses << " processes' namespaces are not readable (run as root to see them)\n";
    for (const auto &w : m_s.warnings)
        out << "warning: " << printable(w) << "\n";
    out << "\n";

    struct Row {
        std::string cells[10];
    };
    std::vector<Row> rows;
    rows.push_back({{"NS", "TYPE", "NPROCS", "PID", "USER", "HOST", "OWNER", "PARENT", "FOUND", "COMMAND"}});
    for (const Namespace &n : m_s.namespaces) {
        Row r;
        r.cells[0] = std::to_string(n.id.ino);
        r.cells[1] = std::string(nsTypeName(n.type));
        r.cells[2] = std::to_string(n.pids.size());
        const Process *p = n.pids.empty() ? nullptr : m_s.findProcess(n.pids.front());
        r.cells[3] = p ? std::to_string(p->pid) : "-";
        r.cells[4] = p ? printable(userName(p->uid)) : "-";
        r.cells[5] = n.isHost ? "host" : "";
        r.cells[6] = relation(n.owner, n.ownerKnown, true);
        r.cells[7] = relation(n.parent, n.parentKnown, n.type == NsType::Pid || n.type == NsType::User);
        r.cells[8] = foundByText(n.foundBy);
        r.cells[9] = command(n);
        rows.push_back(std::move(r));
    }
    std::size_t width[10] = {};
    for (const Row &r : rows)
        for (int c = 0; c < 9; ++c)
            width[c] = std::max(width[c], r.cells[c].size());
    for (const Row &r : rows) {
        for (int c = 0; c < 10; ++c) {
            bool right = c == 0 || c == 2 || c == 3;
            if (c == 9) {
                out << r.cells[c];
                break;
            }
            out << (right ? std::right : std::left) << std::setw(static_cast<int>(width[c])) << r.cells[c]
                << ' ';
        }
        out << '\n';
    }
    printTree(out, NsType::User);
    printTree(out, NsType::Pid);
}

void ScanTable::printTree(std::ostream &out, NsType type) const
{
    // Children by parent; roots are those without a known parent among the scanned ones.
    std::map<std::uint64_t, std::vector<const Namespace *>> children;
    std::vector<const Namespace *> roots;
    std::set<std::uint64_t> present;
    for (const Namespace &n : m_s.namespaces)
        if (n.type == type)
            present.insert(n.id.ino);
    for (const Namespace &n : m_s.namespaces) {
        if (n.type != type)
            continue;
        if (n.parent && present.count(n.parent->ino))
            children[n.parent->ino].push_back(&n);
        else
            roots.push_back(&n);
    }
    if (roots.empty())
        return;
    // Per user namespace: how many namespaces of each type it owns.
    std::map<std::uint64_t, std::map<NsType, int>> owned;
    if (type == NsType::User)
        for (const Namespace &n : m_s.namespaces)
            if (n.owner)
                ++owned[n.owner->ino][n.type];
    out << "\n" << nsTypeName(type) << " namespace hierarchy:\n";
    std::function<void(const Namespace *, int)> walk = [&](const Namespace *n, int depth) {
        out << std::string(static_cast<std::size_t>(depth) * 2 + 2, ' ') << n->id.ino;
        if (n->isHost)
            out << " [host]";
        if (n->ownerUid)
            out << " uid " << *n->ownerUid;
        out << ", " << n->pids.size() << " processes";
        if (type == NsType::Pid && n->owner)
            out << ", owner user " << n->owner->ino;
        if (n->foundBy & FoundByHidden && !(n->foundBy & ~FoundByHidden))
            out << " (hidden)";
        if (!n->parentKnown)
            out << " (parent unknown)";
        if (type == NsType::User) {
            auto it = owned.find(n->id.ino);
            if (it != owned.end()) {
                out << ", owns";
                for (const auto &[t, count] : it->second)
                    out << ' ' << count << ' ' << nsTypeName(t);
            }
        }
        out << "\n";
        auto it = children.find(n->id.ino);
        if (it != children.end())
            for (const Namespace *c : it->second)
                walk(c, depth + 1);
    };
    for (const Namespace *r : roots)
        walk(r, 0);
}

} // namespace nsviz::helper
