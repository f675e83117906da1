// SPDX-License-Identifier: GPL-2.0-or-later
// Fuzzes what nsviz-helper serve reads: the line splitter and the request parser.
// Properties: never crash, never throw; an accepted request survives a round trip unchanged.
#include "core/protocol/linebuffer.h"
#include "core/protocol/protocol.h"
#include "core/protocol/requestparser.h"

#include <cstdint>
#include <cstdlib>
#include <string_view>

using namespace nsviz::protocol;

namespace
{
void check(std::string_view line)
{
    auto r = parseRequest(line);
    if (auto *req = std::get_if<Request>(&r)) {
        nlohmann::json extra = nlohmann::json::object();
        if (req->type == RequestType::Subscribe)
            extra["interval_ms"] = req->intervalMs;
        if (req->type == RequestType::Inspect)
            extra["pid"] = req->pid;
        if (req->type == RequestType::DemoStart || req->type == RequestType::DemoStop ||
            req->type == RequestType::DemoList)
            extra["args"] = req->args;
        std::string again = requestLine(req->type, req->id, extra);
        again.pop_back();
        auto r2 = parseRequest(again);
        auto *req2 = std::get_if<Request>(&r2);
        if (!req2 || req2->type != req->type || req2->id != req->id || req2->pid != req->pid ||
            req2->intervalMs != req->intervalMs || req2->args != req->args)
            std::abort();
        if (req->id > kMaxRequestId ||
            (req->type == RequestType::Inspect && (req->pid <= 0 || req->pid > kMaxPid)) ||
            (req->type == RequestType::Subscribe &&
             (req->intervalMs < kMinIntervalMs || req->intervalMs > kMaxIntervalMs)))
            std::abort();
    } else {
        const auto &e = std::get<ParseError>(r);
        if (e.code.empty() || e.message.empty())
            std::abort();
    }
}
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    std::string_view input(reinterpret_cast<const char *>(data), size);
    // The whole input as one line, and the input split into lines under a small cap.
    check(input);
    LineBuffer lines(4096);
    // Feed in uneven pieces to exercise partial lines.
    std::size_t pos = 0, step = 1;
    while (pos < input.size()) {
        std::size_t n = std::min(step, input.size() - pos);
        lines.feed(input.substr(pos, n));
        pos += n;
        step = step * 3 % 97 + 1;
        while (auto l = lines.next())
            if (!l->oversize)
                check(l->text);
        if (lines.buffered() > 4096 + 97 + 1)
            std::abort(); // the cap must bound memory
    }
    return 0;
}
