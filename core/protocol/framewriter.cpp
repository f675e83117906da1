// SPDX-License-Identifier: GPL-2.0-or-later
#include "core/protocol/framewriter.h"

#include "core/protocol/deltajson.h"
#include "core/protocol/snapshotjson.h"

#include <algorithm>
#include <stdexcept>

using nlohmann::json;

namespace nsviz::protocol
{

namespace
{
// The members of a dumped object without its braces ("" for an empty object).
std::string innerOf(const json &object)
{
    std::string s = dumpFrame(object);
    return s.size() <= 2 ? std::string() : s.substr(1, s.size() - 2);
}
/// Appends `"name":` to the members in @p out, after a comma when there are some already.
void appendKey(std::string &out, const char *name)
{
    if (!out.empty())
        out += ',';
    out += '"';
    out += name;
    out += "\":";
}

/// Appends `"name":[e,...]`, each element dumped on its own: a delta that adds a host's 500
/// sandboxes held them as one JSON tree of several MB, the largest part of the helper's peak
/// memory, only to dump it.
template <typename V> void appendArray(std::string &out, const char *name, const V &values)
{
    appendKey(out, name);
    out += '[';
    bool first = true;
    for (const auto &v : values) {
        if (!first)
            out += ',';
        first = false;
        out += dumpFrame(toJson(v));
    }
    out += ']';
}

/// The same for a value that is one JSON value already (warnings, removed sandbox ids).
void appendMember(std::string &out, const char *name, const json &value)
{
    appendKey(out, name);
    out += dumpFrame(value);
}
} // namespace

FrameWriter::FrameWriter(Sink sink, Limits limits) : m_sink(std::move(sink)), m_limits(limits)
{
    // A fragment must be able to carry at least some text after its own envelope.
    if (m_limits.maxFrameBytes < 256)
        throw std::invalid_argument("FrameWriter: maxFrameBytes must be at least 256");
    m_limits.chunkBytes = std::clamp<std::size_t>(m_limits.chunkBytes, 1, m_limits.maxFrameBytes);
}

void FrameWriter::write(const json &frame)
{
    std::uint64_t id = 0;
    if (auto it = frame.find("id"); it != frame.end() && it->is_number_unsigned())
        id = it->get<std::uint64_t>();
    std::string text = dumpFrame(frame);
    writeLine(text, id);
}

void FrameWriter::writeLine(std::string &text, std::uint64_t id)
{
    if (text.size() <= m_limits.maxFrameBytes) {
        // The newline goes on in place: a part of a snapshot is half a megabyte, and a copy of it
        // per line was a good part of the helper's peak memory.
        text += '\n';
        m_sink(text);
        ++m_lines;
        return;
    }
    // Escaping inside a JSON string at most doubles dumped JSON text (only '"' and '\\' grow:
    // control characters are already escaped), so half the cap minus the envelope always fits.
    const std::size_t piece = (m_limits.maxFrameBytes - 128) / 2;
    std::size_t pos = 0;
    while (pos < text.size()) {
        std::size_t end = std::min(text.size(), pos + piece);
        // Never cut a UTF-8 sequence: back off to the start of the code point.
        while (end < text.size() && end > pos + 1 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80)
            --end;
        json f = frame("fragment", id);
        f["more"] = end < text.size();
        f["text"] = text.substr(pos, end - pos);
        m_sink(dumpFrame(f) + '\n');
        ++m_lines;
        pos = end;
    }
}

void FrameWriter::writeChunked(std::string_view type, std::uint64_t id, std::uint64_t seq, const json &header,
                               const std::vector<List> &lists, const std::string &tail)
{
    const std::string head = innerOf(header);
    // One string per part, written into as the elements are serialised: no second copy of the
    // part's elements, and room for a part from the start instead of doubling up to it.
    std::string line;
    std::size_t part = 0;
    std::size_t bodyBytes = 0;
    const char *open = nullptr; // the list whose array is open in this part

    auto begin = [&] {
        line.clear();
        line.reserve(m_limits.chunkBytes + 256 + (part == 0 ? head.size() : 0));
        line += "{\"v\":" + std::to_string(kVersion) + ",\"type\":\"";
        line += type;
        line += "\",\"id\":" + std::to_string(id) + ",\"seq\":" + std::to_string(seq) +
                ",\"part\":" + std::to_string(part);
        if (part == 0 && !head.empty()) {
            line += ',';
            line += head;
        }
        bodyBytes = 0;
        open = nullptr;
    };
    auto flush = [&](bool final) {
        if (open)
            line += ']';
        if (final && !tail.empty()) {
            line += ',';
            line += tail;
        }
        line += final ? ",\"final\":true}" : ",\"final\":false}";
        writeLine(line, id);
        ++part;
    };

    begin();
    for (const auto &list : lists) {
        for (std::size_t i = 0; i < list.count; ++i) {
            const std::string e = dumpFrame(list.element(i));
            if (bodyBytes > 0 && bodyBytes + e.size() > m_limits.chunkBytes) {
                flush(false);
                begin();
            }
            if (open != list.name) {
                if (open)
                    line += ']';
                line += ",\"";
                line += list.name;
                line += "\":[";
                open = list.name;
            } else {
                line += ',';
            }
            line += e;
            bodyBytes += e.size() + 1;
        }
    }
    flush(true);
}

void FrameWriter::writeSnapshot(std::uint64_t id, std::uint64_t seq, const Snapshot &s, const json &extra)
{
    json header = extra.is_object() ? extra : json::object();
    putHostFields(header, s.host, s.hostNs);
    header["totals"] = {{"processes", s.processes.size()},
                        {"namespaces", s.namespaces.size()},
                        {"loose_threads", s.looseThreads.size()}};
    // The sandboxes ride in the last frame: they are few, and they name what the parts carried.
    // Members in the order a JSON object dumps them (by name), as they always were.
    std::string trailer;
    appendArray(trailer, "sandboxes", s.sandboxes);
    appendMember(trailer, "warnings", s.warnings);
    // Processes first: they are what a GUI draws first.
    writeChunked(
        "snapshot", id, seq, header,
        {{"processes", s.processes.size(), [&](std::size_t i) { return toJson(s.processes[i]); }},
         {"namespaces", s.namespaces.size(), [&](std::size_t i) { return toJson(s.namespaces[i]); }},
         {"loose_threads", s.looseThreads.size(), [&](std::size_t i) { return toJson(s.looseThreads[i]); }}},
        trailer);
}

void FrameWriter::writeDelta(std::uint64_t id, const SnapshotDelta &d, const json &extra)
{
    json header = extra.is_object() ? extra : json::object();
    putHostFields(header, d.host, d.hostNs);
    header["totals"] = {{"added_processes", d.addedProcesses.size()},
                        {"removed_processes", d.removedProcesses.size()},
                        {"changed_processes", d.changedProcesses.size()},
                        {"added_namespaces", d.addedNamespaces.size()},
                        {"removed_namespaces", d.removedNamespaces.size()},
                        {"changed_namespaces", d.changedNamespaces.size()},
                        {"loose_threads", d.looseThreads.size()}};
    // The member-deltas form (asked for in subscribe): announced only when used, so that a delta
    // in the whole form is the same frame it always was.
    if (!d.namespaceMembers.empty())
        header["totals"]["namespace_members"] = d.namespaceMembers.size();
    // Members in the order a JSON object dumps them (by name), as they always were.
    std::string trailer;
    if (d.sandboxes) // absent: unchanged
        appendArray(trailer, "sandboxes", *d.sandboxes);
    if (!d.changedSandboxes.empty())
        appendArray(trailer, "sandboxes_changed", d.changedSandboxes);
    if (!d.removedSandboxes.empty())
        appendMember(trailer, "sandboxes_removed", d.removedSandboxes);
    appendMember(trailer, "warnings", d.warnings);
    auto L = [](const char *name, const auto &v) {
        return List{name, v.size(), [&v](std::size_t i) { return toJson(v[i]); }};
    };
    writeChunked("delta", id, d.seq, header,
                 {L("added_processes", d.addedProcesses), L("removed_processes", d.removedProcesses),
                  L("changed_processes", d.changedProcesses), L("added_namespaces", d.addedNamespaces),
                  L("removed_namespaces", d.removedNamespaces), L("changed_namespaces", d.changedNamespaces),
                  L("loose_threads", d.looseThreads), L("namespace_members", d.namespaceMembers)},
                 trailer);
}

} // namespace nsviz::protocol
