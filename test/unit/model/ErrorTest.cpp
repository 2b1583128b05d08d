//===- ErrorTest.cpp - messages never carry raw bytes of their input ------===//
//
// quote() and printable() (retnet/Error.h): printable UTF-8 of any script
// kept; control characters, escape sequences, bidi and other invisible
// format characters, and bytes that are not UTF-8 escaped; long values cut
// at a character boundary. Then the parsers' messages about hostile files.
//
//===----------------------------------------------------------------------===//

#include "retnet/Error.h"
#include "retnet/ModelConfig.h"
#include "retnet/Safetensors.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

using namespace retnet;

namespace {

/// No byte of `s` is a control character (C0, DEL), none is outside ASCII
/// unless part of well-formed UTF-8 that is not C1 or a format character.
bool clean(const std::string &s) {
  for (size_t i = 0; i < s.size();) {
    char32_t cp = 0;
    size_t n = utf8At(s, i, cp);
    if (n == 0 || detail::hidden(cp))
      return false;
    i += n;
  }
  return true;
}

TEST(ErrorTest, PlainTextIsUnchanged) {
  EXPECT_EQ(quote("embed_tokens.weight"), "'embed_tokens.weight'");
  EXPECT_EQ(quote(""), "''");
  EXPECT_EQ(printable("a/b c.json: x = [1, 2]"), "a/b c.json: x = [1, 2]");
  // Quotes and backslashes are escaped inside quote(), not by printable().
  EXPECT_EQ(quote("it's a\\b \"c\""), "'it\\'s a\\\\b \"c\"'");
  EXPECT_EQ(printable("it's a\\b"), "it's a\\b");
}

TEST(ErrorTest, PrintableNonAsciiIsKept) {
  const std::string names[] = {
      "名前.weight",     "café", "Ωmega", "😀", "\xF0\x90\x8D\x88" /* U+10348 */,
      "\xF4\x8F\xBF\xBD" /* U+10FFFD */};
  for (const std::string &s : names) {
    EXPECT_EQ(quote(s), "'" + s + "'");
    EXPECT_EQ(printable(s), s);
  }
}

TEST(ErrorTest, ControlCharactersAreEscaped) {
  EXPECT_EQ(quote("a\nb\tc\rd"), "'a\\nb\\tc\\rd'");
  EXPECT_EQ(quote(std::string("\0\x01\x07\x08\x1F\x7F", 6)),
            "'\\x00\\x01\\x07\\x08\\x1F\\x7F'");
  // Escape sequences: the ESC goes, the rest is harmless text.
  EXPECT_EQ(quote("\x1b[31mred\x1b[0m"), "'\\x1B[31mred\\x1B[0m'");
  EXPECT_EQ(quote("\x1b]0;title\x07"), "'\\x1B]0;title\\x07'");
  // C1 controls as UTF-8 (U+0085 NEL, U+009B CSI).
  EXPECT_EQ(quote("\xC2\x85x\xC2\x9B"
                  "2J"),
            "'\\u{0085}x\\u{009B}2J'");
  EXPECT_EQ(printable("x\ny"), "x\\ny");
}

TEST(ErrorTest, InvisibleFormatCharactersAreEscaped) {
  EXPECT_EQ(quote("abc\xE2\x80\xAE"
                  "def"),
            "'abc\\u{202E}def'"); // RLO
  EXPECT_EQ(quote("\xE2\x81\xA6x\xE2\x81\xA9"), "'\\u{2066}x\\u{2069}'");
  EXPECT_EQ(quote("a\xE2\x80\x8B"
                  "b"),
            "'a\\u{200B}b'"); // zero width
  EXPECT_EQ(quote("\xEF\xBB\xBF"
                  "x"),
            "'\\u{FEFF}x'"); // BOM
  EXPECT_EQ(quote("a\xE2\x80\xA8"
                  "b"),
            "'a\\u{2028}b'");                           // line separator
  EXPECT_EQ(quote("\xF3\xA0\x80\x81"), "'\\u{E0001}'"); // language tag
}

TEST(ErrorTest, InvalidUtf8IsEscapedByteByByte) {
  EXPECT_EQ(quote("\xFF\xFE"), "'\\xFF\\xFE'");
  EXPECT_EQ(quote("a\x80"
                  "b"),
            "'a\\x80b'");              // stray continuation
  EXPECT_EQ(quote("\xC3"), "'\\xC3'"); // cut short at the end
  EXPECT_EQ(quote("\xE2\x82"
                  "x"),
            "'\\xE2\\x82x'");                            // cut short before x
  EXPECT_EQ(quote("\xF0\x9F\x98"), "'\\xF0\\x9F\\x98'"); // 4-byte cut short
  // A raw C1 byte (the 8-bit CSI a terminal may obey) is not UTF-8.
  EXPECT_EQ(quote("\x9b"
                  "31m"),
            "'\\x9B31m'");
}

TEST(ErrorTest, OverlongFormsSurrogatesAndBeyondUnicodeAreEscaped) {
  EXPECT_EQ(quote("\xC0\xAF"), "'\\xC0\\xAF'"); // overlong '/'
  EXPECT_EQ(quote("\xC1\xBF"), "'\\xC1\\xBF'");
  EXPECT_EQ(quote("\xE0\x80\xAF"), "'\\xE0\\x80\\xAF'"); // overlong '/'
  EXPECT_EQ(quote("\xE0\x9F\xBF"), "'\\xE0\\x9F\\xBF'"); // overlong U+7FF
  EXPECT_EQ(quote("\xF0\x8F\xBF\xBF"), "'\\xF0\\x8F\\xBF\\xBF'"); // overlong
  EXPECT_EQ(quote("\xC0\x9B"), "'\\xC0\\x9B'"); // overlong ESC stays hidden
  EXPECT_EQ(quote("\xED\xA0\x80"), "'\\xED\\xA0\\x80'");          // U+D800
  EXPECT_EQ(quote("\xED\xBF\xBF"), "'\\xED\\xBF\\xBF'");          // U+DFFF
  EXPECT_EQ(quote("\xF4\x90\x80\x80"), "'\\xF4\\x90\\x80\\x80'"); // > U+10FFFF
  EXPECT_EQ(quote("\xF8\x88\x80\x80\x80"),
            "'\\xF8\\x88\\x80\\x80\\x80'"); // 5-byte form
  // The largest valid code points around the holes stay.
  EXPECT_EQ(quote("\xED\x9F\xBF"), "'\xED\x9F\xBF'"); // U+D7FF
  EXPECT_EQ(quote("\xEE\x80\x80"), "'\xEE\x80\x80'"); // U+E000
  EXPECT_EQ(quote("\xDF\xBF"), "'\xDF\xBF'");         // U+07FF
}

TEST(ErrorTest, LongValuesAreCutAtCharacterBoundaries) {
  std::string s(100, 'a');
  EXPECT_EQ(quote(s), "'" + std::string(80, 'a') + "'\xE2\x80\xA6(100 bytes)");
  EXPECT_EQ(quote(s, 100), "'" + s + "'");
  EXPECT_EQ(printable(s, 10), std::string(10, 'a') + "\xE2\x80\xA6(100 bytes)");
  // A 3-byte character that would cross the limit is left out whole.
  std::string cjk;
  for (int i = 0; i < 30; ++i)
    cjk += "名";
  EXPECT_EQ(quote(cjk, 10), "'名名名'\xE2\x80\xA6(90 bytes)");
  // So is an escape: the budget counts what is printed.
  EXPECT_EQ(quote("ab\x1b\x1b", 5), "'ab'\xE2\x80\xA6(4 bytes)");
  EXPECT_EQ(quote("ab\x1b\x1b", 6), "'ab\\x1B'\xE2\x80\xA6(4 bytes)");
  EXPECT_EQ(quote("ab\xE2\x80\xAE", 9), "'ab'\xE2\x80\xA6(5 bytes)");
  EXPECT_EQ(quote("ab\xE2\x80\xAE", 10), "'ab\\u{202E}'");
  EXPECT_EQ(quote("abc", 0), "''\xE2\x80\xA6(3 bytes)");
  // A huge value costs only what is shown.
  std::string huge(10 << 20, '\x1b');
  std::string esc20;
  for (int i = 0; i < 20; ++i)
    esc20 += "\\x1B";
  EXPECT_EQ(quote(huge), "'" + esc20 + "'\xE2\x80\xA6(10485760 bytes)");
}

TEST(ErrorTest, EscapedTextIsCleanAndPrintableIsIdempotent) {
  // Every byte value, and every pair of byte values, in any position.
  std::string all;
  for (int b = 0; b < 256; ++b)
    all += char(b);
  EXPECT_TRUE(clean(quote(all, 10000)));
  EXPECT_TRUE(clean(printable(all)));
  for (int a = 0x80; a < 0x100; ++a)
    for (int b = 0; b < 0x100; b += 7) {
      std::string s = {char(a), char(b), char(0xBF), 'x'};
      std::string q = quote(s);
      ASSERT_TRUE(clean(q)) << a << " " << b;
      EXPECT_EQ(printable(q), q);
    }
  std::string mixed = "名\x1b[31m\xFF\xE2\x80\xAE\xC2\x85 ok\n";
  EXPECT_EQ(printable(quote(mixed)), quote(mixed));
  EXPECT_EQ(printable(printable(mixed)), printable(mixed));
}

std::string messageOf(const std::string &header) {
  std::vector<uint8_t> img(8);
  for (int i = 0; i < 8; ++i)
    img[i] = uint8_t(uint64_t(header.size()) >> (8 * i));
  img.insert(img.end(), header.begin(), header.end());
  try {
    SafetensorsFile::parse(img.data(), img.size(),
                           "dir\x1b[2J/model.safetensors");
  } catch (const Error &e) {
    return e.what();
  }
  return "";
}

TEST(ErrorTest, SafetensorsMessagesQuoteNamesEscaped) {
  // A name and a dtype with escape sequences (JSON escapes in the file).
  std::string m = messageOf(
      R"({"a\u001b[31m":{"dtype":"F\u009b2J","shape":[1],"data_offsets":[0,4]}})");
  EXPECT_EQ(m,
            "dir\\x1B[2J/model.safetensors: tensor 'a\\x1B[31m': unknown "
            "dtype 'F\\u{009B}2J' (expected one of F64, F32, F16, BF16, I64, "
            "I32, I16, I8, U8, BOOL)");
  // Invalid UTF-8 in the JSON: the parser's message quotes the bytes read.
  m = messageOf("{\"a\":{\"dtype\":\"F32\xFF\x1b[2J\"}}");
  EXPECT_NE(m.find("header is not valid JSON"), std::string::npos) << m;
  EXPECT_TRUE(clean(m)) << m;
  // A long name is cut.
  m = messageOf("{\"" + std::string(5000, 'n') + "\":[]}");
  EXPECT_NE(m.find("'\xE2\x80\xA6(5000 bytes) must be an object"),
            std::string::npos)
      << m;
  EXPECT_LT(m.size(), 200u);
  // A shape holding a hostile string: the JSON excerpt is escaped and cut.
  m = messageOf(R"({"a":{"dtype":"F32","shape":["\u202e)" +
                std::string(500, 'x') + R"("],"data_offsets":[0,4]}})");
  EXPECT_TRUE(clean(m)) << m;
  EXPECT_NE(m.find("'shape' holds \"\\u{202E}xxx"), std::string::npos) << m;
  EXPECT_LT(m.size(), 250u);
}

TEST(ErrorTest, ConfigMessagesQuoteValuesEscaped) {
  std::string m;
  try {
    ModelConfig::parse(R"({"model_type": "\u001b]0;owned\u0007\u0085"})",
                       "config.json");
  } catch (const Error &e) {
    m = e.what();
  }
  EXPECT_EQ(m, "config.json: 'model_type' is '\\x1B]0;owned\\x07\\u{0085}'; "
               "expected 'retnet'");
  try {
    ModelConfig::parse("{\"decoder_layers\": \"\\u009b\xC3\"}", "config.json");
  } catch (const Error &e) {
    m = e.what();
  }
  EXPECT_NE(m.find("config.json: not valid JSON"), std::string::npos) << m;
  EXPECT_TRUE(clean(m)) << m;
}

} // namespace
