//===- TokenizerTest.cpp - UTF-8 repair, BPE merge order, configs ---------===//
//
// The parity of whole tokenizers with the reference libraries is
// Tools/retnet-tokenize.test; here the rules underneath, on inputs whose
// answers come from the specifications: Unicode's maximal-subpart
// replacement (The Unicode Standard, Table 3-8) and the BPE merge order of
// `tokenizers` (lowest rank first, leftmost among equals).
//
//===----------------------------------------------------------------------===//

#include "retnet/Tokenizer.h"
#include "retnet/Error.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <string>

using namespace retnet;

namespace {

const std::string R = "\xEF\xBF\xBD"; // U+FFFD

TEST(Utf8, ValidTextIsUnchanged) {
  std::string s = "plain, Grüße, 世界, 😀, \x7F";
  EXPECT_EQ(toValidUtf8(s), s);
}

TEST(Utf8, MaximalSubpartsBecomeOneReplacementEach) {
  // The Unicode Standard, Table 3-8.
  EXPECT_EQ(toValidUtf8("\x61\xF1\x80\x80\xE1\x80\xC2\x62\x80\x63\x80\xBF\x64"),
            "a" + R + R + R + "b" + R + "c" + R + R + "d");
  EXPECT_EQ(toValidUtf8("\xC0\xAF"), R + R);         // overlong: C0 never valid
  EXPECT_EQ(toValidUtf8("\xED\xA0\x80"), R + R + R); // a surrogate
  EXPECT_EQ(toValidUtf8("\xF4\x90\x80\x80"), R + R + R + R); // above U+10FFFF
  EXPECT_EQ(toValidUtf8("\xE2\x82"), R); // truncated at the end
  EXPECT_EQ(toValidUtf8("\xF0\x9F\x98"), R);
  EXPECT_EQ(toValidUtf8("\xFF\xFE"), R + R);
}

/// Writes a tokenizer.json of a BPE model with `vocab` and `merges` (JSON).
std::string writeBpe(const std::string &name, const std::string &vocab,
                     const std::string &merges, const std::string &extra = "",
                     const std::string &modelExtra = "") {
  std::string path = std::string(RETNET_TEST_WORK_DIR) + "/" + name + ".json";
  std::ofstream(path) << R"({"model": {"type": "BPE", "vocab": )" << vocab
                      << R"(, "merges": )" << merges << modelExtra << "}"
                      << extra << "}";
  return path;
}

TEST(Bpe, LowestRankMergesFirst) {
  // "b c" outranks "a b": abc → a·bc → abc, never ab·c.
  auto tok = Tokenizer::loadFile(
      writeBpe("rank", R"({"a":0,"b":1,"c":2,"ab":3,"bc":4,"abc":5})",
               R"([["b","c"],["a","b"],["a","bc"]])"));
  EXPECT_EQ(tok->encode("abc"), (std::vector<int64_t>{5}));
  EXPECT_EQ(tok->encode("ab"), (std::vector<int64_t>{3}));
  EXPECT_EQ(tok->decode({5, 0}), "abc a"); // no decoder: joined by spaces
}

TEST(Bpe, LeftmostAmongEqualRanks) {
  auto tok =
      Tokenizer::loadFile(writeBpe("left", R"({"a":0,"aa":1})", R"(["a a"])"));
  EXPECT_EQ(tok->encode("aaa"), (std::vector<int64_t>{1, 0}));
  EXPECT_EQ(tok->encode("aaaa"), (std::vector<int64_t>{1, 1}));
}

TEST(Bpe, ByteFallbackAndUnknown) {
  std::string vocab = R"({"<unk>":0,"a":1)";
  for (int b = 0; b < 256; ++b) {
    char name[16];
    std::snprintf(name, sizeof name, ",\"<0x%02X>\":%d", b, 2 + b);
    vocab += name;
  }
  vocab += "}";
  auto fb = Tokenizer::loadFile(writeBpe(
      "fallback", vocab, "[]",
      R"(, "decoder": {"type": "Sequence", "decoders": [{"type": "ByteFallback"}, {"type": "Fuse"}]})",
      R"(, "byte_fallback": true, "unk_token": "<unk>", "fuse_unk": true)"));
  // é = C3 A9: two byte tokens; decoding joins them back.
  std::vector<int64_t> ids = fb->encode("a\xC3\xA9");
  EXPECT_EQ(ids, (std::vector<int64_t>{1, 2 + 0xC3, 2 + 0xA9}));
  EXPECT_EQ(fb->decode(ids), "a\xC3\xA9");
  // A lone continuation byte token decodes to U+FFFD.
  EXPECT_EQ(fb->decode({2 + 0xA9}), R);
  // Without byte tokens a character is unknown; neighbours fuse into one.
  auto unk = Tokenizer::loadFile(
      writeBpe("unk", R"({"<unk>":0,"a":1})", "[]", "",
               R"(, "unk_token": "<unk>", "fuse_unk": true)"));
  EXPECT_EQ(unk->encode("a\xC3\xA9\xC3\xA9"
                        "a"),
            (std::vector<int64_t>{1, 0, 1}));
}

TEST(Tokenizer, UnsupportedPartsAreNamed) {
  try {
    Tokenizer::loadFile(writeBpe("nfkc", R"({"a":0})", "[]",
                                 R"(, "normalizer": {"type": "NFKC"})"));
    FAIL();
  } catch (const Error &e) {
    EXPECT_NE(std::string(e.what()).find("normalizer 'NFKC' is not supported"),
              std::string::npos)
        << e.what();
  }
  try {
    Tokenizer::loadFile(writeBpe("merge", R"({"a":0})", R"(["a b"])"));
    FAIL();
  } catch (const Error &e) {
    EXPECT_NE(std::string(e.what()).find("names a token missing"),
              std::string::npos)
        << e.what();
  }
}

} // namespace
