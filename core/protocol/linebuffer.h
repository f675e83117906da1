// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
/// @file linebuffer.h Splits a byte stream into lines, with a cap on the line length.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace nsviz::protocol
{

/// Accumulates bytes and hands out complete lines. A line longer than the cap is never buffered
/// whole: its bytes are dropped as they arrive and it comes out as one line with oversize set,
/// so a peer cannot make us hold more than the cap.
class LineBuffer
{
public:
    struct Line {
        std::string text;      ///< without the '\n' (empty when oversize)
        bool oversize = false; ///< the line exceeded the cap; text was dropped
        std::size_t size = 0;  ///< the line's real length
    };

    explicit LineBuffer(std::size_t maxLine) : m_maxLine(maxLine) {}

    void feed(std::string_view bytes);
    /// The next complete line, if any.
    std::optional<Line> next();
    /// Bytes of an incomplete last line (what is left at end of input).
    std::size_t pending() const { return m_discarding ? m_discarded : m_buf.size() - m_pos; }
    bool empty() const { return pending() == 0; }
    /// Bytes held in memory (never much more than the cap plus one feed).
    std::size_t buffered() const { return m_buf.size(); }
    void clear();

private:
    std::size_t m_maxLine;
    std::string m_buf;
    std::size_t m_pos = 0;       ///< start of the unconsumed part of m_buf
    std::size_t m_scanned = 0;   ///< bytes after m_pos already known to hold no '\n'
    bool m_discarding = false;   ///< inside an oversize line
    std::size_t m_discarded = 0; ///< its length so far
    bool m_oversizeDone = false; ///< an oversize line ended: report it on next()
};

} // namespace nsviz::protocol
