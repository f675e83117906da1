// SPDX-License-Identifier: GPL-2.0-or-later
#include "helper/demo/subid.h"

#include "core/proc/procreader.h"

#include <cerrno>
#include <charconv>
#include <cstring>
#include <sstream>

namespace nsviz::helper
{

namespace
{
bool parseNumber(const std::string &s, std::uint64_t &out)
{
    if (s.empty())
        return false;
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc() && ptr == s.data() + s.size();
}
} // namespace

std::vector<SubIdRange> parseSubIds(const std::string &text, std::string &error)
{
    constexpr std::uint64_t kIdSpace = 1ull << 32;
    std::vector<SubIdRange> out;
    std::istringstream in(text);
    std::string line;
    int n = 0;
    while (std::getline(in, line)) {
        ++n;
        if (!line.empty() && line.back() == '\r')
            line.pop_back();
        if (line.empty() || line[0] == '#')
            continue;
        auto c1 = line.find(':');
        auto c2 = c1 == std::string::npos ? c1 : line.find(':', c1 + 1);
        if (c2 == std::string::npos || line.find(':', c2 + 1) != std::string::npos) {
            error = "line " + std::to_string(n) + ": expected owner:start:count";
            return out;
        }
        SubIdRange r;
        r.owner = line.substr(0, c1);
        if (r.owner.empty() || r.owner.find_first_of(" \t") != std::string::npos) {
            error = "line " + std::to_string(n) + ": the owner must be a user name or uid";
            return out;
        }
        if (!parseNumber(line.substr(c1 + 1, c2 - c1 - 1), r.start) ||
            !parseNumber(line.substr(c2 + 1), r.count)) {
            error = "line " + std::to_string(n) + ": start and count must be decimal numbers";
            return out;
        }
        if (r.count == 0 || r.start >= kIdSpace || r.count > kIdSpace - r.start) {
            error = "line " + std::to_string(n) + ": the range is empty or goes past 2^32";
            return out;
        }
        out.push_back(std::move(r));
    }
    return out;
}

std::vector<SubIdRange> readSubIds(const std::string &path, std::string &error)
{
    std::string text;
    int rc = ProcReader::readFile(path, text, 4u << 20);
    if (rc == ENOENT)
        return {};
    if (rc != 0) {
        error = path + ": " + std::strerror(rc);
        return {};
    }
    std::string why;
    auto ranges = parseSubIds(text, why);
    if (!why.empty())
        error = path + ": " + why;
    return ranges;
}

} // namespace nsviz::helper
