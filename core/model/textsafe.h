// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
/// @file textsafe.h The one sanitiser for text a terminal will show. Names that come from
/// /proc or from inside a namespace (comm, cmdline, hostname, interface and mount names) are
/// chosen by whoever runs the process; written raw they could move root's cursor, rewrite the
/// screen, set the window title or reorder what is read (bidi overrides). Every text format of
/// nsviz-helper passes what it prints through here; JSON output does not (it stays exact).

#include <string>
#include <string_view>

namespace nsviz
{

/// @p s with everything a terminal could act on, or a reader could not see, made visible:
/// - C0 controls (U+0000–U+001F, including TAB and LF) and DEL as `\xNN`;
/// - C1 controls (U+0080–U+009F), bidi controls (U+202A–U+202E, U+2066–U+2069) and other invisible
///   format characters (U+00AD, U+061C, U+180E, U+200B–U+200F, U+2028–U+2029, U+2060–U+2064,
///   U+FEFF, U+FFF9–U+FFFB, tags U+E0000–U+E007F) as `\uXXXX` (or `\UXXXXXXXX`);
/// - every byte that is not part of well-formed UTF-8 (overlongs, surrogates, > U+10FFFF,
///   truncated sequences) as `\xNN`.
/// Printable text, including non-ASCII letters, is kept as is. A backslash is kept too: the
/// escapes are for the eye, the JSON forms are the exact ones.
std::string terminalSafe(std::string_view s);

/// True when terminalSafe(@p s) would change nothing.
bool isTerminalSafe(std::string_view s);

/// @p s as one cell of a Markdown table: a backslash and '|' escaped, a newline as <br>. Apply terminalSafe()
/// first where the text came from the scanned host.
std::string markdownCell(std::string_view s);

} // namespace nsviz
