// SPDX-License-Identifier: GPL-2.0-or-later
#include "core/protocol/clientsession.h"

#include "core/protocol/deltajson.h"
#include "core/protocol/snapshotjson.h"

#include <algorithm>
#include <array>

using nlohmann::json;

namespace nsviz::protocol
{

namespace
{

using Kind = event::Violation::Kind;

constexpr std::array<const char *, 3> kSnapshotLists = {"processes", "namespaces", "loose_threads"};
constexpr std::array<const char *, 8> kDeltaLists = {
    "added_processes",    "removed_processes",  "changed_processes", "added_namespaces",
    "removed_namespaces", "changed_namespaces", "loose_threads",     "namespace_members"};
// Lists a helper announces only when it uses them (the member-deltas form): absent means none.
constexpr std::array<const char *, 1> kOptionalDeltaLists = {"namespace_members"};

// Thrown inside the session only; turned into a Violation.
struct Broken {
    Kind kind;
    std::string message;
};

std::uint64_t frameId(const json &j)
{
    auto it = j.find("id");
    if (it == j.end() || !it->is_number_unsigned())
        throw Broken{Kind::Malformed, "frame without a valid \"id\""};
    return it->get<std::uint64_t>();
}

std::string str(const json &j, const char *key)
{
    auto it = j.find(key);
    if (it == j.end() || !it->is_string())
        throw Broken{Kind::Malformed, std::string("frame field \"") + key + "\" must be a string"};
    return it->get<std::string>();
}

std::uint64_t unsignedField(const json &j, const char *key)
{
    auto it = j.find(key);
    if (it == j.end() || !it->is_number_unsigned())
        throw Broken{Kind::Malformed,
                     std::string("frame field \"") + key + "\" must be a non-negative integer"};
    return it->get<std::uint64_t>();
}

bool boolField(const json &j, const char *key)
{
    auto it = j.find(key);
    if (it == j.end() || !it->is_boolean())
        throw Broken{Kind::Malformed, std::string("frame field \"") + key + "\" must be true or false"};
    return it->get<bool>();
}

} // namespace

ClientSession::ClientSession(Limits limits) : m_limits(limits), m_lines(limits.maxLineBytes) {}

void ClientSession::reset()
{
    m_lines.clear();
    m_fragment.clear();
    m_fragmentId = 0;
    m_asm = Assembly{};
    m_lastSeq.clear();
    m_failed = false;
}

void ClientSession::fail(Kind kind, std::string message, std::vector<ClientEvent> &out)
{
    if (m_failed)
        return;
    m_failed = true;
    m_asm = Assembly{};
    m_fragment.clear();
    out.push_back(event::Violation{kind, std::move(message)});
}

std::vector<ClientEvent> ClientSession::feed(std::string_view bytes)
{
    std::vector<ClientEvent> out;
    if (m_failed)
        return out;
    m_lines.feed(bytes);
    while (!m_failed) {
        auto line = m_lines.next();
        if (!line)
            break;
        if (line->oversize) {
            fail(Kind::TooLarge,
                 "helper sent a frame of " + std::to_string(line->size) + " bytes (limit " +
                     std::to_string(m_limits.maxLineBytes) + ")",
                 out);
            break;
        }
        handleLine(line->text, out, false);
    }
    return out;
}

std::vector<ClientEvent> ClientSession::finish()
{
    std::vector<ClientEvent> out;
    if (m_failed)
        return out;
    if (!m_lines.empty())
        fail(Kind::Truncated, "the helper's output ended in the middle of a frame", out);
    else if (!m_fragment.empty())
        fail(Kind::Truncated, "the helper's output ended in the middle of a fragmented frame", out);
    else if (m_asm.active)
        fail(Kind::Truncated,
             std::string("the helper's output ended in the middle of a ") +
                 (m_asm.isDelta ? "delta" : "snapshot"),
             out);
    return out;
}

void ClientSession::handleLine(const std::string &text, std::vector<ClientEvent> &out, bool fromFragments)
{
    try {
        if (!isValidUtf8(text) || text.find('\0') != std::string::npos)
            throw Broken{Kind::Mismatch, "the helper sent something that is not UTF-8 text"};
        json j;
        try {
            j = json::parse(text);
        } catch (const json::exception &) {
            std::string head = text.substr(0, 60);
            throw Broken{Kind::Mismatch,
                         "the helper sent something that is not a protocol frame: \"" + head + "\""};
        }
        if (!j.is_object())
            throw Broken{Kind::Mismatch, "the helper sent JSON that is not a protocol frame"};
        auto v = j.find("v");
        if (v == j.end() || !v->is_number_integer())
            throw Broken{Kind::Mismatch, "the helper's frames carry no protocol version"};
        if (v->get<std::int64_t>() != kVersion)
            throw Broken{Kind::Mismatch, "the helper speaks protocol version " + v->dump() +
                                             ", this client " + std::to_string(kVersion)};
        const std::string type = str(j, "type");
        const std::uint64_t id = frameId(j);

        if (type == "fragment") {
            if (fromFragments)
                throw Broken{Kind::Malformed, "a fragment inside a fragmented frame"};
            if (!m_fragment.empty() && id != m_fragmentId)
                throw Broken{Kind::Malformed, "fragments of two frames interleave"};
            const bool more = boolField(j, "more");
            const std::string piece = str(j, "text");
            if (m_fragment.size() + piece.size() > m_limits.maxMessageBytes)
                throw Broken{Kind::TooLarge, "a fragmented frame exceeds " +
                                                 std::to_string(m_limits.maxMessageBytes) + " bytes"};
            m_fragmentId = id;
            m_fragment += piece;
            if (!more) {
                std::string joined;
                joined.swap(m_fragment);
                handleLine(joined, out, true);
            }
            return;
        }
        if (!m_fragment.empty())
            throw Broken{Kind::Malformed, "a frame arrived in the middle of a fragmented frame"};

        if (type == "snapshot" || type == "delta") {
            handlePart(j, type == "delta", out);
            return;
        }
        if (m_asm.active && type != "error")
            throw Broken{Kind::Malformed, "a \"" + type + "\" frame arrived in the middle of a " +
                                              (m_asm.isDelta ? "delta" : "snapshot")};
        if (type == "hello") {
            event::Hello h;
            h.id = id;
            auto p = j.find("protocol");
            if (p == j.end() || !p->is_number_integer())
                throw Broken{Kind::Mismatch, "the helper's hello names no protocol version"};
            h.protocol = static_cast<int>(std::clamp<std::int64_t>(p->get<std::int64_t>(), -1, 1 << 30));
            if (h.protocol != kVersion)
                throw Broken{Kind::Mismatch, "the helper speaks protocol version " +
                                                 std::to_string(h.protocol) + ", this client " +
                                                 std::to_string(kVersion)};
            if (auto it = j.find("helper_version"); it != j.end() && it->is_string())
                h.helperVersion = it->get<std::string>();
            if (auto it = j.find("kernel"); it != j.end() && it->is_string())
                h.kernel = it->get<std::string>();
            if (auto it = j.find("privileged"); it != j.end() && it->is_boolean())
                h.privileged = it->get<bool>();
            if (auto it = j.find("capabilities"); it != j.end() && it->is_array())
                for (const auto &c : *it)
                    if (c.is_string())
                        h.capabilities.push_back(c.get<std::string>());
            h.text = text;
            out.push_back(std::move(h));
        } else if (type == "error") {
            // An error ends any message in progress for that request (e.g. the scan failed midway).
            if (m_asm.active && m_asm.id == id)
                m_asm = Assembly{};
            out.push_back(event::Error{id, str(j, "code"), str(j, "message")});
        } else if (type == "bye") {
            out.push_back(event::Bye{id});
        } else {
            out.push_back(event::Reply{id, type, text});
        }
    } catch (const Broken &b) {
        fail(b.kind, b.message, out);
    } catch (const SchemaError &e) {
        fail(Kind::Malformed, std::string("the helper sent a malformed element: ") + e.what(), out);
    } catch (const json::exception &e) {
        fail(Kind::Malformed, std::string("the helper sent a malformed frame: ") + e.what(), out);
    }
}

void ClientSession::handlePart(const json &j, bool isDelta, std::vector<ClientEvent> &out)
{
    const std::uint64_t id = frameId(j);
    const std::uint64_t seq = unsignedField(j, "seq");
    const std::uint64_t part = unsignedField(j, "part");
    const bool final = boolField(j, "final");
    const char *what = isDelta ? "delta" : "snapshot";

    if (part == 0) {
        if (m_asm.active)
            throw Broken{Kind::Malformed,
                         std::string("a new ") + what + " began before the previous message ended"};
        m_asm = Assembly{};
        m_asm.active = true;
        m_asm.isDelta = isDelta;
        m_asm.id = id;
        m_asm.seq = seq;
        if (isDelta) {
            takeHostFields(j, m_asm.delta.host, m_asm.delta.hostNs);
            m_asm.delta.seq = seq;
        } else {
            takeHostFields(j, m_asm.snapshot.host, m_asm.snapshot.hostNs);
        }
        // Additive: a fast first picture of part of the processes, completed by a later delta.
        if (auto c = j.find("complete"); c != j.end()) {
            if (!c->is_boolean())
                throw Broken{Kind::Malformed,
                             std::string(what) + " has a \"complete\" that is not a boolean"};
            m_asm.complete = c->get<bool>();
            m_asm.completeGiven = true;
        }
        auto totals = j.find("totals");
        if (totals == j.end() || !totals->is_object())
            throw Broken{Kind::Malformed, std::string(what) + " has no \"totals\""};
        auto addTotal = [&](const char *name) {
            const bool optional = isDelta && std::find_if(kOptionalDeltaLists.begin(),
                                                          kOptionalDeltaLists.end(), [&](const char *o) {
                                                              return std::string_view(o) == name;
                                                          }) != kOptionalDeltaLists.end();
            std::uint64_t n = optional && !totals->contains(name) ? 0 : unsignedField(*totals, name);
            if (n > m_limits.maxElements || m_asm.total + n > m_limits.maxElements)
                throw Broken{Kind::TooLarge, std::string(what) + " announces more than " +
                                                 std::to_string(m_limits.maxElements) + " elements"};
            m_asm.totals.emplace_back(name, static_cast<std::size_t>(n));
            m_asm.counts.push_back(0);
            m_asm.total += n;
        };
        if (isDelta)
            for (const char *n : kDeltaLists)
                addTotal(n);
        else
            for (const char *n : kSnapshotLists)
                addTotal(n);
    } else {
        if (!m_asm.active || m_asm.isDelta != isDelta || m_asm.id != id || m_asm.seq != seq ||
            m_asm.nextPart != part)
            throw Broken{Kind::Malformed,
                         std::string(what) + " part " + std::to_string(part) + " out of order"};
    }
    m_asm.nextPart = static_cast<std::size_t>(part) + 1;

    for (std::size_t li = 0; li < m_asm.totals.size(); ++li) {
        const std::string &name = m_asm.totals[li].first;
        auto it = j.find(name);
        if (it == j.end())
            continue;
        if (!it->is_array())
            throw Broken{Kind::Malformed, std::string(what) + " field \"" + name + "\" must be an array"};
        if (m_asm.counts[li] + it->size() > m_asm.totals[li].second)
            throw Broken{Kind::Malformed, std::string(what) + " sends more \"" + name + "\" than announced"};
        for (const auto &e : *it) {
            if (!isDelta) {
                Snapshot &s = m_asm.snapshot;
                if (li == 0)
                    s.processes.push_back(processFromJson(e));
                else if (li == 1)
                    s.namespaces.push_back(namespaceFromJson(e));
                else
                    s.looseThreads.push_back(looseThreadFromJson(e));
            } else {
                SnapshotDelta &d = m_asm.delta;
                switch (li) {
                case 0:
                    d.addedProcesses.push_back(processFromJson(e));
                    break;
                case 1:
                    d.removedProcesses.push_back(procKeyFromJson(e));
                    break;
                case 2:
                    d.changedProcesses.push_back(processFromJson(e));
                    break;
                case 3:
                    d.addedNamespaces.push_back(namespaceFromJson(e));
                    break;
                case 4:
                    d.removedNamespaces.push_back(nsIdFromJson(e));
                    break;
                case 5:
                    d.changedNamespaces.push_back(namespaceFromJson(e));
                    break;
                case 6:
                    d.looseThreads.push_back(looseThreadFromJson(e));
                    break;
                default:
                    d.namespaceMembers.push_back(nsMembersFromJson(e));
                    break;
                }
            }
        }
        m_asm.counts[li] += it->size();
        m_asm.received += it->size();
    }

    if (!isDelta)
        out.push_back(event::Progress{id, m_asm.nextPart, m_asm.received, m_asm.total});
    if (!final)
        return;

    auto w = j.find("warnings");
    if (w != j.end()) {
        if (!w->is_array())
            throw Broken{Kind::Malformed, std::string(what) + " field \"warnings\" must be an array"};
        auto &warnings = isDelta ? m_asm.delta.warnings : m_asm.snapshot.warnings;
        for (const auto &e : *w) {
            if (!e.is_string())
                throw Broken{Kind::Malformed, std::string(what) + " \"warnings\" must hold strings"};
            warnings.push_back(e.get<std::string>());
        }
    }
    if (auto sb = j.find("sandboxes"); sb != j.end() && !sb->is_null()) {
        if (isDelta)
            m_asm.delta.sandboxes = sandboxesFromJson(*sb);
        else
            m_asm.snapshot.sandboxes = sandboxesFromJson(*sb);
    }
    if (isDelta)
        takeSandboxChanges(j, m_asm.delta);
    for (std::size_t li = 0; li < m_asm.totals.size(); ++li)
        if (m_asm.counts[li] != m_asm.totals[li].second)
            throw Broken{Kind::Malformed,
                         std::string(what) + " ended with " + std::to_string(m_asm.counts[li]) + " of " +
                             std::to_string(m_asm.totals[li].second) + " \"" + m_asm.totals[li].first + "\""};
    finishAssembly(out);
}

void ClientSession::finishAssembly(std::vector<ClientEvent> &out)
{
    Assembly a = std::move(m_asm);
    m_asm = Assembly{};
    auto last =
        std::find_if(m_lastSeq.begin(), m_lastSeq.end(), [&](const auto &p) { return p.first == a.id; });
    if (!a.isDelta) {
        auto &procs = a.snapshot.processes;
        std::sort(procs.begin(), procs.end(),
                  [](const Process &x, const Process &y) { return x.pid < y.pid; });
        for (std::size_t i = 1; i < procs.size(); ++i)
            if (procs[i].pid == procs[i - 1].pid)
                throw Broken{Kind::Malformed,
                             "snapshot lists pid " + std::to_string(procs[i].pid) + " twice"};
        if (last != m_lastSeq.end())
            last->second = a.seq;
        else
            m_lastSeq.emplace_back(a.id, a.seq);
        // Old subscriptions are replaced by newer ones; keep the table small.
        if (m_lastSeq.size() > 16)
            m_lastSeq.erase(m_lastSeq.begin());
        out.push_back(event::SnapshotDone{a.id, a.seq, std::move(a.snapshot), a.complete});
    } else {
        if (last == m_lastSeq.end())
            throw Broken{Kind::Malformed,
                         "a delta for request " + std::to_string(a.id) + " without its snapshot"};
        if (a.seq != last->second + 1)
            throw Broken{Kind::Malformed, "delta " + std::to_string(a.seq) + " follows " +
                                              std::to_string(last->second) +
                                              ": frames were lost or reordered"};
        last->second = a.seq;
        out.push_back(event::Delta{a.id, std::move(a.delta), a.completeGiven && a.complete});
    }
}

} // namespace nsviz::protocol
