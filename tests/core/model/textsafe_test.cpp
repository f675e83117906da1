// SPDX-License-Identifier: GPL-2.0-or-later
// The one sanitiser for text a terminal shows: what it escapes, what it keeps.
#include "core/model/textsafe.h"

#include <gtest/gtest.h>

using nsviz::isTerminalSafe;
using nsviz::terminalSafe;

TEST(TextSafe, KeepsPrintableTextAndLetters)
{
    for (const char *s : {"", "nginx: worker process", "a b (c) [d]", "C:\\path", "Grüße", "名前", "🐳"}) {
        EXPECT_EQ(terminalSafe(s), s);
        EXPECT_TRUE(isTerminalSafe(s)) << s;
    }
}

TEST(TextSafe, EscapesC0ControlsAndDel)
{
    EXPECT_EQ(terminalSafe("\x1b]0;pwned\x07"), "\\x1b]0;pwned\\x07");
    EXPECT_EQ(terminalSafe("a\nb\tc\rd"), "a\\x0ab\\x09c\\x0dd");
    EXPECT_EQ(terminalSafe(std::string_view("x\0y", 3)), "x\\x00y");
    EXPECT_EQ(terminalSafe("\x7f"), "\\x7f");
    EXPECT_FALSE(isTerminalSafe("\x1b[2J"));
}

TEST(TextSafe, EscapesC1ControlsAsCodePoints)
{
    // U+009B is CSI: some terminals act on it like ESC [.
    EXPECT_EQ(terminalSafe("a\xc2\x9b"
                           "31mb"),
              "a\\u009b31mb");
    EXPECT_EQ(terminalSafe("\xc2\x80\xc2\x9f"), "\\u0080\\u009f");
    EXPECT_EQ(terminalSafe("\xc2\xa0"), "\xc2\xa0"); // no-break space is visible enough
}

TEST(TextSafe, EscapesBidiAndInvisibleFormatCharacters)
{
    EXPECT_EQ(terminalSafe("abc\xe2\x80\xae"
                           "fdp.exe"),
              "abc\\u202efdp.exe"); // RLO
    for (char32_t cp : {0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x2066, 0x2067, 0x2068, 0x2069, 0x200b,
                        0x200e, 0x200f, 0x2028, 0x2029, 0x2060, 0xfeff, 0x061c}) {
        std::string utf8;
        if (cp < 0x800) {
            utf8 += char(0xc0 | (cp >> 6));
            utf8 += char(0x80 | (cp & 0x3f));
        } else {
            utf8 += char(0xe0 | (cp >> 12));
            utf8 += char(0x80 | ((cp >> 6) & 0x3f));
            utf8 += char(0x80 | (cp & 0x3f));
        }
        char want[16];
        std::snprintf(want, sizeof want, "\\u%04x", unsigned(cp));
        EXPECT_EQ(terminalSafe(utf8), want) << want;
        EXPECT_FALSE(isTerminalSafe(utf8)) << want;
    }
    EXPECT_EQ(terminalSafe("\xf3\xa0\x80\x81"), "\\U000e0001"); // language tag
}

TEST(TextSafe, EscapesEveryByteThatIsNotUtf8)
{
    EXPECT_EQ(terminalSafe("a\xff"
                           "b"),
              "a\\xffb");
    EXPECT_EQ(terminalSafe("\xc0\xaf"), "\\xc0\\xaf");                   // overlong '/'
    EXPECT_EQ(terminalSafe("\xed\xa0\x80"), "\\xed\\xa0\\x80");          // a surrogate
    EXPECT_EQ(terminalSafe("\xf4\x90\x80\x80"), "\\xf4\\x90\\x80\\x80"); // above U+10FFFF
    EXPECT_EQ(terminalSafe("ok\xe2\x80"), "ok\\xe2\\x80");               // cut short
    // A C1 control spelled as a lone byte (Latin-1 style) is not UTF-8 either.
    EXPECT_EQ(terminalSafe("\x9b"), "\\x9b");
    EXPECT_FALSE(isTerminalSafe("\xff"));
}

TEST(TextSafe, OutputIsAlwaysSafe)
{
    // Whatever goes in, nothing a terminal acts on comes out: every byte value, alone and in pairs.
    for (int a = 0; a < 256; ++a) {
        std::string one(1, char(a));
        EXPECT_TRUE(isTerminalSafe(terminalSafe(one))) << a;
        for (int b = 0x80; b < 0xc0; ++b) {
            std::string two = std::string(1, char(a)) + char(b);
            EXPECT_TRUE(isTerminalSafe(terminalSafe(two))) << a << " " << b;
        }
    }
}

TEST(TextSafe, MarkdownCellKeepsTheTableShape)
{
    EXPECT_EQ(nsviz::markdownCell("a|b"), "a\\|b");
    EXPECT_EQ(nsviz::markdownCell("two\nlines"), "two<br>lines");
    // A trailing backslash must not eat the cell separator that follows it.
    EXPECT_EQ(nsviz::markdownCell("C:\\"), "C:\\\\");
    EXPECT_EQ(nsviz::markdownCell("a\\|b"), "a\\\\\\|b");
    // Whatever goes in, no unescaped '|' comes out: every '|' is preceded by an odd run of '\'.
    for (const std::string s : {"|", "\\|", "\\\\|", "x\\", "|\\|\\"}) {
        const std::string out = nsviz::markdownCell(s);
        for (std::size_t i = 0; i < out.size(); ++i) {
            if (out[i] != '|')
                continue;
            std::size_t run = 0;
            while (run < i && out[i - 1 - run] == '\\')
                ++run;
            EXPECT_EQ(run % 2, 1u) << s << " -> " << out;
        }
    }
}
