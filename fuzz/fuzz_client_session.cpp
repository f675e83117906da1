// SPDX-License-Identifier: GPL-2.0-or-later
// Fuzzes what the GUI reads from a helper: fragments, chunked snapshots and deltas, sequencing,
// and applying the deltas to the reassembled snapshot. Never crash; a broken stream is one Violation.
#include "core/model/delta.h"
#include "core/protocol/clientsession.h"

#include <cstdint>
#include <cstdlib>
#include <optional>

using namespace nsviz;
using namespace nsviz::protocol;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    if (size == 0)
        return 0;
    // The first byte chooses how the stream is cut into reads.
    const std::size_t piece = (data[0] % 64) + 1;
    std::string_view input(reinterpret_cast<const char *>(data + 1), size - 1);
    ClientSession::Limits lim;
    lim.maxLineBytes = 256 * 1024;
    lim.maxMessageBytes = 1024 * 1024;
    lim.maxElements = 100000;
    ClientSession session(lim);
    std::optional<Snapshot> state;
    int violations = 0;
    auto handle = [&](std::vector<ClientEvent> events) {
        for (auto &e : events) {
            if (auto *s = std::get_if<event::SnapshotDone>(&e)) {
                state = std::move(s->snapshot);
            } else if (auto *d = std::get_if<event::Delta>(&e)) {
                if (!state)
                    std::abort(); // the session must not deliver a delta without its snapshot
                Snapshot before = *state;
                try {
                    applyDelta(*state, d->delta);
                } catch (const DeltaError &) {
                    if (!sameContent(before, *state))
                        std::abort(); // a refused delta must leave the state untouched
                }
            } else if (std::holds_alternative<event::Violation>(e)) {
                ++violations;
            }
        }
    };
    for (std::size_t pos = 0; pos < input.size(); pos += piece)
        handle(session.feed(input.substr(pos, piece)));
    handle(session.finish());
    if (violations > 1 || (violations == 1) != session.failed())
        std::abort();
    return 0;
}
