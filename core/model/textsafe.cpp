// SPDX-License-Identifier: GPL-2.0-or-later
#include "core/model/textsafe.h"

#include <cstdint>
#include <cstdio>

namespace nsviz
{

namespace
{

/// Length of the well-formed UTF-8 sequence at @p s[i] and its code point, or 0 when the bytes
/// there are not one (RFC 3629: no overlongs, no surrogates, nothing above U+10FFFF).
std::size_t decode(std::string_view s, std::size_t i, char32_t &cp)
{
    const auto b0 = static_cast<unsigned char>(s[i]);
    if (b0 < 0x80) {
        cp = b0;
        return 1;
    }
    std::size_t len;
    char32_t min;
    if ((b0 & 0xe0) == 0xc0) {
        len = 2;
        cp = b0 & 0x1f;
        min = 0x80;
    } else if ((b0 & 0xf0) == 0xe0) {
        len = 3;
        cp = b0 & 0x0f;
        min = 0x800;
    } else if ((b0 & 0xf8) == 0xf0) {
        len = 4;
        cp = b0 & 0x07;
        min = 0x10000;
    } else {
        return 0;
    }
    if (i + len > s.size())
        return 0;
    for (std::size_t k = 1; k < len; ++k) {
        const auto b = static_cast<unsigned char>(s[i + k]);
        if ((b & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (b & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return len;
}

/// Code points (beyond C0 and DEL) that a terminal acts on or a reader cannot see.
bool invisible(char32_t c)
{
    return (c >= 0x80 && c <= 0x9f)           // C1 controls (CSI is U+009B)
           || c == 0xad                       // soft hyphen
           || c == 0x61c                      // Arabic letter mark
           || c == 0x180e                     // Mongolian vowel separator
           || (c >= 0x200b && c <= 0x200f)    // zero-width space/joiners, LRM, RLM
           || (c >= 0x2028 && c <= 0x202e)    // line/paragraph separators, bidi embeddings/overrides
           || (c >= 0x2060 && c <= 0x2069)    // word joiner, invisible operators, bidi isolates
           || c == 0xfeff                     // zero-width no-break space (BOM)
           || (c >= 0xfff9 && c <= 0xfffb)    // interlinear annotation
           || (c >= 0xe0000 && c <= 0xe007f); // tags
}

void appendHex(std::string &out, const char *format, unsigned value)
{
    char buf[16];
    std::snprintf(buf, sizeof buf, format, value);
    out += buf;
}

} // namespace

std::string terminalSafe(std::string_view s)
{
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size();) {
        char32_t cp = 0;
        const std::size_t len = decode(s, i, cp);
        if (len == 0) {
            appendHex(out, "\\x%02x", static_cast<unsigned char>(s[i]));
            ++i;
            continue;
        }
        if (cp < 0x20 || cp == 0x7f)
            appendHex(out, "\\x%02x", static_cast<unsigned>(cp));
        else if (invisible(cp))
            appendHex(out, cp > 0xffff ? "\\U%08x" : "\\u%04x", static_cast<unsigned>(cp));
        else
            out.append(s.substr(i, len));
        i += len;
    }
    return out;
}

bool isTerminalSafe(std::string_view s)
{
    for (std::size_t i = 0; i < s.size();) {
        char32_t cp = 0;
        const std::size_t len = decode(s, i, cp);
        if (len == 0 || cp < 0x20 || cp == 0x7f || invisible(cp))
            return false;
        i += len;
    }
    return true;
}

std::string markdownCell(std::string_view s)
{
    std::string out;
    out.reserve(s.size());
    for (char c : s) {
        // A backslash first: left alone, a value ending in '\' would escape the next cell's '|'.
        if (c == '\\')
            out += "\\\\";
        else if (c == '|')
            out += "\\|";
        else if (c == '\n')
            out += "<br>";
        else
            out += c;
    }
    return out;
}

} // namespace nsviz
