// SPDX-License-Identifier: GPL-2.0-or-later
#include "core/proc/sysvipcfiles.h"

#include "core/proc/textsplit.h"

#include <array>

namespace nsviz::procparse
{

namespace
{
// shm has the most columns (16 on 6.x kernels); leave room for more.
constexpr std::size_t kMaxColumns = 32;
} // namespace

const char *sysvIpcKindName(SysvIpcKind kind)
{
    return kind == SysvIpcKind::Shm ? "shm" : kind == SysvIpcKind::Sem ? "sem" : "msg";
}

const char *sysvIpcExtraName(SysvIpcKind kind)
{
    return kind == SysvIpcKind::Shm ? "size" : kind == SysvIpcKind::Sem ? "nsems" : "qnum";
}

std::vector<SysvIpcObject> parseSysvipc(std::string_view text, SysvIpcKind kind)
{
    std::vector<SysvIpcObject> out;
    auto lines = text::lines(text);
    auto it = lines.begin();
    if (it == lines.end())
        return out;
    std::array<std::string_view, kMaxColumns> head;
    const std::size_t columns = text::splitFields(*it, head);
    if (columns > kMaxColumns)
        return out;
    auto col = [&](std::string_view name) -> int {
        for (std::size_t i = 0; i < columns; ++i)
            if (head[i] == name)
                return static_cast<int>(i);
        return -1;
    };
    const char *idCol = kind == SysvIpcKind::Shm ? "shmid" : kind == SysvIpcKind::Sem ? "semid" : "msqid";
    const int ck = col("key"), ci = col(idCol), cp = col("perms"), cu = col("uid"),
              ce = col(sysvIpcExtraName(kind));
    if (ck < 0 || ci < 0 || cp < 0 || cu < 0)
        return out;
    for (++it; it != lines.end(); ++it) {
        std::array<std::string_view, kMaxColumns> f;
        if (text::splitFields(*it, f) != columns)
            continue;
        SysvIpcObject o;
        int perms = 0;
        if (!text::parseNumber(f[ck], o.key) || !text::parseNumber(f[ci], o.id) ||
            !text::parseNumber(f[cp], perms, 8) || !text::parseNumber(f[cu], o.uid))
            continue;
        o.perms.assign(f[cp]);
        if (ce >= 0)
            o.extra = text::number<std::uint64_t>(f[ce]);
        out.push_back(std::move(o));
    }
    return out;
}

} // namespace nsviz::procparse
