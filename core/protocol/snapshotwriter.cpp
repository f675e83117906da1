// SPDX-License-Identifier: GPL-2.0-or-later
#include "core/protocol/snapshotwriter.h"

#include "core/protocol/snapshotjson.h"

#include <nlohmann/json.hpp>

#include <charconv>
#include <cstdio>

namespace nsviz
{

namespace
{

template <typename T> void num(std::string &out, T v)
{
    char buf[24];
    auto [p, ec] = std::to_chars(buf, buf + sizeof buf, v);
    out.append(buf, static_cast<std::size_t>(p - buf));
}

void dbl(std::string &out, double v)
{
    char buf[32];
    // Shortest form that reads back as the same double, like nlohmann's dump().
    auto [p, ec] = std::to_chars(buf, buf + sizeof buf, v);
    std::string_view s(buf, static_cast<std::size_t>(p - buf));
    out.append(s);
    if (s.find_first_of(".eE") == std::string_view::npos && s.find_first_of("ni") == std::string_view::npos)
        out.append(".0");
}

void boolean(std::string &out, bool b)
{
    out.append(b ? "true" : "false");
}

void key(std::string &out, const char *k, bool first = false)
{
    if (!first)
        out.push_back(',');
    out.push_back('"');
    out.append(k);
    out.append("\":");
}

// Objects keyed by type name, in nlohmann's (alphabetical) key order.
constexpr NsType kTypesByName[kNsTypeCount] = {NsType::Cgroup, NsType::Ipc,  NsType::Mnt,  NsType::Net,
                                               NsType::Pid,    NsType::Time, NsType::User, NsType::Uts};

void nsObject(std::string &out, const std::array<NsId, kNsTypeCount> &ns)
{
    out.push_back('{');
    bool first = true;
    for (NsType t : kTypesByName) {
        if (!first)
            out.push_back(',');
        first = false;
        out.push_back('"');
        out.append(nsTypeName(t));
        out.append("\":");
        if (ns[index(t)].valid())
            num(out, ns[index(t)].ino);
        else
            out.append("null");
    }
    out.push_back('}');
}

std::uint64_t devOf(const std::array<NsId, kNsTypeCount> &ns)
{
    std::uint64_t dev = 0;
    for (const auto &id : ns)
        if (id.valid())
            dev = id.dev;
    return dev;
}

template <typename C> void intArray(std::string &out, const C &v)
{
    out.push_back('[');
    bool first = true;
    for (auto x : v) {
        if (!first)
            out.push_back(',');
        first = false;
        num(out, x);
    }
    out.push_back(']');
}

void strArray(std::string &out, const std::vector<std::string> &v)
{
    out.push_back('[');
    bool first = true;
    for (const auto &s : v) {
        if (!first)
            out.push_back(',');
        first = false;
        SnapshotWriter::appendString(out, s);
    }
    out.push_back(']');
}

void optId(std::string &out, const std::optional<NsId> &id)
{
    if (id)
        num(out, id->ino);
    else
        out.append("null");
}

// At a byte >= 0x80 at s[i]: how many bytes form a valid UTF-8 character (valid > 0), or how
// many bytes of an invalid sequence one U+FFFD replaces (valid == 0). This is the "maximal
// subpart" rule nlohmann's dump() with error_handler_t::replace follows, so both print the same.
std::size_t utf8Step(std::string_view s, std::size_t i, bool &valid)
{
    auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
    unsigned char c = b(i);
    std::size_t n = 0;
    unsigned char lo = 0x80, hi = 0xBF; // allowed range of the second byte
    if (c >= 0xC2 && c <= 0xDF) {
        n = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        if (c == 0xE0)
            lo = 0xA0;
        else if (c == 0xED)
            hi = 0x9F; // no surrogates
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        if (c == 0xF0)
            lo = 0x90;
        else if (c == 0xF4)
            hi = 0x8F;
    } else {
        valid = false;
        return 1;
    }
    for (std::size_t k = 1; k < n; ++k) {
        if (i + k >= s.size()) {
            valid = false; // cut short at the end: one replacement for the rest
            return s.size() - i;
        }
        unsigned char x = b(i + k);
        if (x < (k == 1 ? lo : 0x80) || x > (k == 1 ? hi : 0xBF)) {
            valid = false; // the offending byte is looked at again on its own
            return k;
        }
    }
    valid = true;
    return n;
}

} // namespace

void SnapshotWriter::appendString(std::string &out, std::string_view s)
{
    out.push_back('"');
    std::size_t i = 0;
    while (i < s.size()) {
        unsigned char c = static_cast<unsigned char>(s[i]);
        if (c >= 0x80) {
            bool valid = false;
            std::size_t n = utf8Step(s, i, valid);
            if (valid)
                out.append(s.substr(i, n));
            else
                out.append("\xEF\xBF\xBD"); // U+FFFD
            i += n;
            continue;
        }
        switch (c) {
        case '"':
            out.append("\\\"");
            break;
        case '\\':
            out.append("\\\\");
            break;
        case '\b':
            out.append("\\b");
            break;
        case '\f':
            out.append("\\f");
            break;
        case '\n':
            out.append("\\n");
            break;
        case '\r':
            out.append("\\r");
            break;
        case '\t':
            out.append("\\t");
            break;
        default:
            if (c < 0x20) {
                char buf[8];
                std::snprintf(buf, sizeof buf, "\\u%04x", c);
                out.append(buf);
            } else {
                out.push_back(static_cast<char>(c));
            }
        }
        ++i;
    }
    out.push_back('"');
}

void SnapshotWriter::appendProcess(std::string &out, const Process &p)
{
    out.push_back('{');
    key(out, "cgroup", true);
    appendString(out, p.cgroup);
    key(out, "cmdline");
    strArray(out, p.cmdline);
    if (p.cmdlineTruncated) { // keys in nlohmann's (sorted) order; only when true, as toJson()
        key(out, "cmdline_truncated");
        boolean(out, true);
    }
    key(out, "comm");
    appendString(out, p.comm);
    key(out, "differs_from_host");
    out.push_back('[');
    bool first = true;
    for (NsType t : kAllNsTypes)
        if (p.differs(t)) {
            if (!first)
                out.push_back(',');
            first = false;
            out.push_back('"');
            out.append(nsTypeName(t));
            out.push_back('"');
        }
    out.push_back(']');
    key(out, "euid");
    num(out, p.euid);
    if (p.exited) { // only when true, as toJson()
        key(out, "exited");
        boolean(out, true);
    }
    key(out, "gid");
    num(out, p.gid);
    key(out, "kernel_thread");
    boolean(out, p.kernelThread);
    key(out, "ns");
    nsObject(out, p.ns);
    key(out, "ns_dev");
    num(out, devOf(p.ns));
    key(out, "nspid");
    intArray(out, p.nspid);
    key(out, "pid");
    num(out, p.pid);
    key(out, "ppid");
    num(out, p.ppid);
    key(out, "start_time");
    num(out, p.startTime);
    key(out, "state");
    appendString(out, std::string_view(&p.state, 1));
    key(out, "uid");
    num(out, p.uid);
    key(out, "visible");
    boolean(out, p.visible);
    out.push_back('}');
}

void SnapshotWriter::appendNamespace(std::string &out, const Namespace &n)
{
    out.push_back('{');
    key(out, "bind_mounts", true);
    strArray(out, n.bindMounts);
    key(out, "dev");
    num(out, n.id.dev);
    key(out, "fd_holders");
    strArray(out, n.fdHolders);
    key(out, "found_by");
    out.push_back('[');
    bool first = true;
    for (auto [bit, name] : {std::pair{FoundByProcess, "process"}, std::pair{FoundByBindMount, "bindmount"},
                             std::pair{FoundByFd, "fd"}, std::pair{FoundByHidden, "hidden"}})
        if (n.foundBy & bit) {
            if (!first)
                out.push_back(',');
            first = false;
            out.push_back('"');
            out.append(name);
            out.push_back('"');
        }
    out.push_back(']');
    key(out, "inode");
    num(out, n.id.ino);
    key(out, "is_host");
    boolean(out, n.isHost);
    key(out, "nprocs");
    num(out, n.pids.size());
    key(out, "owner");
    optId(out, n.owner);
    key(out, "owner_known");
    boolean(out, n.ownerKnown);
    key(out, "owner_uid");
    if (n.ownerUid)
        num(out, *n.ownerUid);
    else
        out.append("null");
    key(out, "parent");
    optId(out, n.parent);
    key(out, "parent_known");
    boolean(out, n.parentKnown);
    key(out, "pids");
    intArray(out, n.pids);
    key(out, "type");
    out.push_back('"');
    out.append(nsTypeName(n.type));
    out.push_back('"');
    out.push_back('}');
}

void SnapshotWriter::appendHost(std::string &out, const HostInfo &h)
{
    out.push_back('{');
    key(out, "boot_id", true);
    appendString(out, h.bootId);
    key(out, "hostname");
    appendString(out, h.hostname);
    key(out, "invisible_processes");
    num(out, h.invisibleProcesses);
    key(out, "kernel");
    appendString(out, h.kernel);
    key(out, "privileged");
    boolean(out, h.privileged);
    key(out, "proc_root");
    appendString(out, h.procRoot);
    key(out, "reference_comm");
    appendString(out, h.referenceComm);
    key(out, "reference_note");
    appendString(out, h.referenceNote);
    key(out, "reference_pid");
    num(out, h.referencePid);
    key(out, "reference_start_time");
    num(out, h.referenceStartTime);
    key(out, "scan_ms");
    dbl(out, h.scanMs);
    key(out, "scanned_at_ms");
    num(out, h.scannedAtMs);
    out.push_back('}');
}

void SnapshotWriter::appendThread(std::string &out, const LooseThread &t)
{
    out.push_back('{');
    key(out, "comm", true);
    appendString(out, t.comm);
    key(out, "ns");
    nsObject(out, t.ns);
    key(out, "ns_dev");
    num(out, devOf(t.ns));
    key(out, "pid");
    num(out, t.pid);
    key(out, "tid");
    num(out, t.tid);
    out.push_back('}');
}

std::string SnapshotWriter::write(const Snapshot &s)
{
    std::string out;
    // ~600 bytes a process is typical; one allocation instead of dozens of regrowths.
    out.reserve(4096 + s.processes.size() * 700 + s.namespaces.size() * 300);
    out.push_back('{');
    key(out, "host", true);
    appendHost(out, s.host);
    key(out, "host_ns");
    nsObject(out, s.hostNs);
    key(out, "host_ns_dev");
    num(out, devOf(s.hostNs));
    key(out, "loose_threads");
    out.push_back('[');
    for (std::size_t i = 0; i < s.looseThreads.size(); ++i) {
        if (i)
            out.push_back(',');
        appendThread(out, s.looseThreads[i]);
    }
    out.push_back(']');
    key(out, "namespaces");
    out.push_back('[');
    for (std::size_t i = 0; i < s.namespaces.size(); ++i) {
        if (i)
            out.push_back(',');
        appendNamespace(out, s.namespaces[i]);
    }
    out.push_back(']');
    key(out, "processes");
    out.push_back('[');
    for (std::size_t i = 0; i < s.processes.size(); ++i) {
        if (i)
            out.push_back(',');
        appendProcess(out, s.processes[i]);
    }
    out.push_back(']');
    // Sandboxes are few (one per container or service), and their form is snapshotjson.cpp's.
    key(out, "sandboxes");
    out.push_back('[');
    for (std::size_t i = 0; i < s.sandboxes.size(); ++i) {
        if (i)
            out.push_back(',');
        out += toJson(s.sandboxes[i]).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    }
    out.push_back(']');
    key(out, "schema");
    appendString(out, kSnapshotSchema);
    key(out, "warnings");
    strArray(out, s.warnings);
    out.push_back('}');
    return out;
}

} // namespace nsviz
