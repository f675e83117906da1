// SPDX-License-Identifier: GPL-2.0-or-later
#include "core/protocol/linebuffer.h"

namespace nsviz::protocol
{

void LineBuffer::feed(std::string_view bytes)
{
    m_buf.append(bytes.data(), bytes.size());
}

void LineBuffer::clear()
{
    m_buf.clear();
    m_pos = m_scanned = m_discarded = 0;
    m_discarding = m_oversizeDone = false;
}

std::optional<LineBuffer::Line> LineBuffer::next()
{
    while (true) {
        if (m_oversizeDone) {
            m_oversizeDone = false;
            Line l;
            l.oversize = true;
            l.size = m_discarded;
            m_discarded = 0;
            return l;
        }
        const std::size_t from = m_pos + m_scanned;
        const std::size_t nl = m_buf.find('\n', from);
        if (m_discarding) {
            if (nl == std::string::npos) {
                m_discarded += m_buf.size() - m_pos;
                m_buf.clear();
                m_pos = m_scanned = 0;
                return std::nullopt;
            }
            m_discarded += nl - m_pos;
            m_pos = nl + 1;
            m_scanned = 0;
            m_discarding = false;
            m_oversizeDone = true;
            continue;
        }
        if (nl == std::string::npos || nl - m_pos > m_maxLine) {
            const std::size_t have = (nl == std::string::npos ? m_buf.size() : nl) - m_pos;
            if (have > m_maxLine) {
                // Too long already: drop what we have and keep dropping up to the next newline.
                m_discarding = true;
                m_discarded = 0;
                m_scanned = 0;
                continue;
            }
            m_scanned = m_buf.size() - m_pos;
            // Compact now and then so the buffer does not grow with consumed lines.
            if (m_pos > 0 && m_pos >= m_buf.size() / 2) {
                m_buf.erase(0, m_pos);
                m_pos = 0;
            }
            return std::nullopt;
        }
        Line l;
        l.text.assign(m_buf, m_pos, nl - m_pos);
        l.size = l.text.size();
        m_pos = nl + 1;
        m_scanned = 0;
        if (m_pos == m_buf.size()) {
            m_buf.clear();
            m_pos = 0;
        }
        return l;
    }
}

} // namespace nsviz::protocol
