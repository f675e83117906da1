// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
/// @file textsplit.h The one way /proc text is cut up: lines, blank-separated fields, "Key:\tvalue"
/// lines and numbers. Everything works on std::string_view and allocates nothing, so the discovery
/// hot path can use it per process.

#include <array>
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <optional>
#include <string_view>
#include <system_error>

namespace nsviz::text
{

/// Space, tab, newline and carriage return: what separates fields in /proc files.
constexpr bool isBlank(char c)
{
    // One compare and a bit test instead of four compares: stat is split for every process.
    constexpr std::uint64_t kBlanks = (std::uint64_t(1) << ' ') | (std::uint64_t(1) << '\t') |
                                      (std::uint64_t(1) << '\n') | (std::uint64_t(1) << '\r');
    const auto u = static_cast<unsigned char>(c);
    return u <= ' ' && ((kBlanks >> u) & 1u);
}

/// @p s without leading and trailing blanks.
constexpr std::string_view trim(std::string_view s)
{
    while (!s.empty() && isBlank(s.front()))
        s.remove_prefix(1);
    while (!s.empty() && isBlank(s.back()))
        s.remove_suffix(1);
    return s;
}

/// The pieces of a text between a delimiter, as views into it. A trailing delimiter does not make
/// an empty last piece, and an empty text has no pieces; empty pieces in between are kept
/// ("a\n\nb" is "a", "", "b"). Use lines() and nulSeparated().
class Split
{
public:
    class iterator
    {
    public:
        using value_type = std::string_view;
        using difference_type = std::ptrdiff_t;
        using iterator_category = std::forward_iterator_tag;
        using pointer = const std::string_view *;
        using reference = std::string_view;

        iterator() = default;
        std::string_view operator*() const { return m_piece; }
        iterator &operator++()
        {
            advance();
            return *this;
        }
        iterator operator++(int)
        {
            iterator old = *this;
            advance();
            return old;
        }
        bool operator==(const iterator &o) const { return m_pos == o.m_pos; }

    private:
        friend class Split;
        iterator(std::string_view text, char delim, std::size_t pos)
            : m_text(text), m_delim(delim), m_pos(pos)
        {
            if (m_pos < m_text.size())
                cut();
        }
        void cut()
        {
            std::size_t end = m_text.find(m_delim, m_pos);
            if (end == std::string_view::npos)
                end = m_text.size();
            m_piece = m_text.substr(m_pos, end - m_pos);
            m_next = end + 1;
        }
        void advance()
        {
            m_pos = m_next < m_text.size() ? m_next : m_text.size();
            if (m_pos < m_text.size())
                cut();
        }
        std::string_view m_text;
        char m_delim = '\n';
        std::size_t m_pos = 0, m_next = 0;
        std::string_view m_piece;
    };

    constexpr Split(std::string_view text, char delim) : m_text(text), m_delim(delim) {}
    iterator begin() const { return iterator(m_text, m_delim, 0); }
    iterator end() const { return iterator(m_text, m_delim, m_text.size()); }
    bool empty() const { return m_text.empty(); }

private:
    std::string_view m_text;
    char m_delim;
};

/// The lines of @p text, without their '\n'.
constexpr Split lines(std::string_view text)
{
    return Split(text, '\n');
}

/// NUL-separated strings, as in /proc/PID/cmdline and environ.
constexpr Split nulSeparated(std::string_view text)
{
    return Split(text, '\0');
}

/// The next blank-separated field of @p s at or after @p pos; empty at the end. @p pos is left
/// just after the field. The cursor form, for parsers that walk a line once (stat).
constexpr std::string_view nextField(std::string_view s, std::size_t &pos)
{
    while (pos < s.size() && isBlank(s[pos]))
        ++pos;
    std::size_t start = pos;
    while (pos < s.size() && !isBlank(s[pos]))
        ++pos;
    return s.substr(start, pos - start);
}

/// The blank-separated fields of a line; runs of blanks count as one, leading and trailing blanks
/// make no empty fields.
class Fields
{
public:
    class iterator
    {
    public:
        using value_type = std::string_view;
        using difference_type = std::ptrdiff_t;
        using iterator_category = std::forward_iterator_tag;
        using pointer = const std::string_view *;
        using reference = std::string_view;

        iterator() = default;
        std::string_view operator*() const { return m_field; }
        iterator &operator++()
        {
            m_field = nextField(m_text, m_pos);
            return *this;
        }
        iterator operator++(int)
        {
            iterator old = *this;
            ++*this;
            return old;
        }
        // Two iterators are equal when both are at the end or at the same field.
        bool operator==(const iterator &o) const
        {
            return m_field.empty() == o.m_field.empty() &&
                   (m_field.empty() || m_field.data() == o.m_field.data());
        }

    private:
        friend class Fields;
        explicit iterator(std::string_view text) : m_text(text) { m_field = nextField(m_text, m_pos); }
        std::string_view m_text;
        std::size_t m_pos = 0;
        std::string_view m_field;
    };

    constexpr explicit Fields(std::string_view line) : m_line(line) {}
    iterator begin() const { return iterator(m_line); }
    iterator end() const { return iterator(); }

private:
    std::string_view m_line;
};

/// The blank-separated fields of @p line.
constexpr Fields fields(std::string_view line)
{
    return Fields(line);
}

/// Fields of @p line into a fixed array, for lines with a known column count. Returns the number
/// of fields the line has: when that is more than N, only the first N are stored (so a caller
/// can tell "exactly N" from "at least N").
template <std::size_t N>
constexpr std::size_t splitFields(std::string_view line, std::array<std::string_view, N> &out)
{
    std::size_t n = 0, pos = 0;
    for (std::string_view f = nextField(line, pos); !f.empty(); f = nextField(line, pos)) {
        if (n < N)
            out[n] = f;
        ++n;
    }
    return n;
}

/// Splits a "Key:\tvalue" line (status, meminfo) into the key and the trimmed value. False when
/// the line has no ':'.
constexpr bool splitKeyValue(std::string_view line, std::string_view &key, std::string_view &value)
{
    std::size_t colon = line.find(':');
    if (colon == std::string_view::npos)
        return false;
    key = line.substr(0, colon);
    value = trim(line.substr(colon + 1));
    return true;
}

/// The whole of @p s as a number in @p base: no sign for unsigned types, no blanks, no trailing
/// text, no overflow. False otherwise (and @p out is unspecified).
template <typename T> bool parseNumber(std::string_view s, T &out, int base = 10)
{
    if (s.empty())
        return false;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out, base);
    return ec == std::errc() && p == s.data() + s.size();
}

/// parseNumber() as an optional.
template <typename T> std::optional<T> number(std::string_view s, int base = 10)
{
    T v{};
    if (!parseNumber(s, v, base))
        return std::nullopt;
    return v;
}

} // namespace nsviz::text
