//===- HFTokenizer.cpp - Hugging Face tokenizer.json (BPE) ----------------===//
//
// The pipeline of the `tokenizers` library for the files trained RetNets
// use: added tokens split off the raw text (those marked `normalized` after
// normalization), then per remaining segment the normalizer, the
// pre-tokenizer (which splits it into words) and the BPE model per word;
// decoding maps ids to token strings and runs the decoder chain.
// Implemented components (anything else is an error naming it):
//   normalizers    Sequence, Prepend, Replace (string or regex), Strip
//   pre-tokenizers Sequence, ByteLevel, Metaspace, Split (string or regex;
//                  every behavior, invert), Digits
//   model          BPE (merges by rank, leftmost first, as tokenizers'
//                  priority queue does; byte_fallback, unk and fuse_unk,
//                  ignore_merges)
//   decoders       Sequence, ByteLevel, Metaspace, Replace, ByteFallback,
//                  Fuse, Strip
// Regular expressions (GPT-2's pre-split, Split patterns) are PCRE2 in UTF
// and Unicode-property mode, the Oniguruma syntax they are written in being
// a subset PCRE2 reads alike (\p{L}, \p{N}, \s, lookahead).
//
//===----------------------------------------------------------------------===//

#include "TokenizerImpl.h"
#include "retnet/Error.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <nlohmann/json.hpp>
#include <pcre2.h>

#include <algorithm>
#include <functional>
#include <queue>
#include <unordered_map>

namespace retnet::text {
namespace {

using json = nlohmann::json;

/// A JSON value from the file for a message: escaped, cut short.
std::string shown(const json &v, size_t max = 80) {
  return printable(v.dump(-1, ' ', false, json::error_handler_t::replace), max);
}

[[noreturn]] void unsupported(const std::string &path,
                              const std::string &what) {
  throw Error(printablePath(path) + ": " + what + " is not supported");
}

/// A compiled PCRE2 pattern; finds every non-overlapping match.
class Regex {
public:
  Regex(const std::string &pattern, const std::string &path) {
    int err = 0;
    PCRE2_SIZE at = 0;
    code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()),
                         pattern.size(), PCRE2_UTF | PCRE2_UCP, &err, &at,
                         nullptr);
    if (!code) {
      PCRE2_UCHAR msg[256];
      pcre2_get_error_message(err, msg, sizeof msg);
      throw Error(printablePath(path) + ": regular expression " +
                  shown(json(pattern), 200) + " does not compile at offset " +
                  std::to_string(at) + ": " +
                  reinterpret_cast<const char *>(msg));
    }
    pcre2_jit_compile(code, PCRE2_JIT_COMPLETE); // optional speed-up
    data = pcre2_match_data_create_from_pattern(code, nullptr);
  }
  ~Regex() {
    pcre2_match_data_free(data);
    pcre2_code_free(code);
  }
  Regex(const Regex &) = delete;
  Regex &operator=(const Regex &) = delete;

  /// [begin, end) of each match in `s` (valid UTF-8).
  std::vector<std::pair<size_t, size_t>> findAll(std::string_view s) const {
    std::vector<std::pair<size_t, size_t>> out;
    size_t start = 0;
    while (start <= s.size()) {
      int rc = pcre2_match(code, reinterpret_cast<PCRE2_SPTR>(s.data()),
                           s.size(), start, PCRE2_NO_UTF_CHECK, data, nullptr);
      if (rc < 0)
        break;
      PCRE2_SIZE *ov = pcre2_get_ovector_pointer(data);
      size_t b = ov[0], e = ov[1];
      if (e == b) { // empty match: not a split point; move on one character
        if (b >= s.size())
          break;
        size_t n = validPrefix(s, b);
        start = b + (n ? n : 1);
        continue;
      }
      out.push_back({b, e});
      start = e;
    }
    return out;
  }

private:
  pcre2_code *code = nullptr;
  pcre2_match_data *data = nullptr;
};

/// A pattern of tokenizers: {"String": s} or {"Regex": r}.
struct Pattern {
  std::string literal;
  std::shared_ptr<Regex> regex;
  Pattern(const json &p, const std::string &path) {
    if (p.is_object() && p.contains("String") && p["String"].is_string())
      literal = p["String"].get<std::string>();
    else if (p.is_object() && p.contains("Regex") && p["Regex"].is_string())
      regex = std::make_shared<Regex>(p["Regex"].get<std::string>(), path);
    else
      unsupported(path, "pattern " + shown(p));
  }
  std::vector<std::pair<size_t, size_t>> findAll(std::string_view s) const {
    if (regex)
      return regex->findAll(s);
    std::vector<std::pair<size_t, size_t>> out;
    if (literal.empty())
      return out;
    for (size_t at = s.find(literal); at != std::string_view::npos;
         at = s.find(literal, at + literal.size()))
      out.push_back({at, at + literal.size()});
    return out;
  }
};

/// One piece of text on its way through the pipeline.
struct Piece {
  std::string text;
  bool first = false; ///< starts at the beginning of the input
};

using Normalizer = std::function<void(Piece &)>;
using PreTokenizer = std::function<std::vector<Piece>(const Piece &)>;
using Decoder =
    std::function<std::vector<std::string>(std::vector<std::string>)>;

std::string replaceAll(std::string_view s, const Pattern &p,
                       const std::string &with) {
  std::string out;
  size_t last = 0;
  for (auto [b, e] : p.findAll(s)) {
    out.append(s.substr(last, b - last));
    out += with;
    last = e;
  }
  out.append(s.substr(last));
  return out;
}

bool isSpace(uint32_t cp) {
  // Unicode White_Space.
  return (cp >= 0x09 && cp <= 0x0D) || cp == 0x20 || cp == 0x85 || cp == 0xA0 ||
         cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 ||
         cp == 0x2029 || cp == 0x202F || cp == 0x205F || cp == 0x3000;
}

/// Splits `s` at `matches` as tokenizers' SplitDelimiterBehavior says.
std::vector<Piece> splitAt(const Piece &in,
                           const std::vector<std::pair<size_t, size_t>> &m,
                           const std::string &behavior, bool invert) {
  const std::string &s = in.text;
  // Alternating (range, isMatch) covering s.
  std::vector<std::pair<std::pair<size_t, size_t>, bool>> parts;
  size_t last = 0;
  for (auto [b, e] : m) {
    if (b > last)
      parts.push_back({{last, b}, false});
    parts.push_back({{b, e}, true});
    last = e;
  }
  if (last < s.size())
    parts.push_back({{last, s.size()}, false});
  if (invert)
    for (auto &p : parts)
      p.second = !p.second;
  std::vector<std::pair<size_t, size_t>> out;
  if (behavior == "Isolated") {
    for (auto &p : parts)
      out.push_back(p.first);
  } else if (behavior == "Removed") {
    for (auto &p : parts)
      if (!p.second)
        out.push_back(p.first);
  } else if (behavior == "MergedWithPrevious") {
    for (auto &p : parts) {
      if (p.second && !out.empty())
        out.back().second = p.first.second;
      else
        out.push_back(p.first);
    }
  } else if (behavior == "MergedWithNext") {
    bool carry = false;
    for (auto &p : parts) {
      if (carry)
        out.back().second = p.first.second;
      else
        out.push_back(p.first);
      carry = p.second;
    }
  } else if (behavior == "Contiguous") {
    bool lastMatch = false;
    for (auto &p : parts) {
      if (p.second && lastMatch && !out.empty())
        out.back().second = p.first.second;
      else
        out.push_back(p.first);
      lastMatch = p.second;
    }
  } else {
    throw Error("split behavior " + quote(behavior));
  }
  std::vector<Piece> pieces;
  for (auto [b, e] : out)
    if (e > b)
      pieces.push_back({s.substr(b, e - b), in.first && b == 0});
  return pieces;
}

/// GPT-2's byte ↔ character table (bytes_to_unicode).
struct ByteTable {
  std::string toChar[256];
  std::unordered_map<uint32_t, uint8_t> toByte;
  ByteTable() {
    uint32_t next = 256;
    for (uint32_t b = 0; b < 256; ++b) {
      bool printable = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) ||
                       (b >= 174 && b <= 255);
      uint32_t cp = printable ? b : next++;
      appendUtf8(toChar[b], cp);
      toByte[cp] = uint8_t(b);
    }
  }
};
const ByteTable &byteTable() {
  static const ByteTable table;
  return table;
}

const char *kGpt2Split = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| "
                         "?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";

struct AddedToken {
  std::string content;
  int64_t id;
  bool special, normalized, lstrip, rstrip, singleWord;
};

class HFTokenizer : public Tokenizer {
public:
  explicit HFTokenizer(const std::string &path);
  std::vector<int64_t> encode(std::string_view text) const override;
  std::string decode(const std::vector<int64_t> &ids) const override;
  int64_t vocabSize() const override { return int64_t(idToToken.size()); }
  std::string kind() const override { return kindName; }
  int64_t tokenToId(const std::string &token) const override {
    auto it = vocab.find(token);
    return it == vocab.end() ? -1 : it->second;
  }

private:
  std::string path, kindName = "bpe";
  std::unordered_map<std::string, int64_t> vocab;
  std::vector<std::string> idToToken;
  /// (left id << 32 | right id) → (rank, merged id)
  std::unordered_map<uint64_t, std::pair<int64_t, int64_t>> merges;
  int64_t unk = -1;
  bool fuseUnk = false, byteFallback = false, ignoreMerges = false;
  int64_t byteIds[256];
  std::vector<AddedToken> added;
  std::vector<Normalizer> normalizers;
  std::vector<PreTokenizer> preTokenizers;
  std::vector<Decoder> decoders;
  bool hasDecoder = false;

  void parseModel(const json &m);
  void parseNormalizer(const json &n);
  void parsePreTokenizer(const json &p);
  void parseDecoder(const json &d);
  /// Splits `in` at the added tokens with the given `normalized` flag:
  /// (text, -1) segments and (content, id) matches.
  std::vector<std::pair<Piece, int64_t>> splitAdded(const Piece &in,
                                                    bool normalized) const;
  void bpe(const std::string &word, std::vector<int64_t> &out) const;
};

HFTokenizer::HFTokenizer(const std::string &p) : path(p) {
  json j;
  try {
    j = json::parse(readFile(path, size_t(1) << 30));
  } catch (const json::exception &e) {
    throw Error(printablePath(path) +
                ": not valid JSON: " + printable(e.what(), 300));
  }
  if (!j.is_object() || !j.contains("model") || !j["model"].is_object())
    throw Error(printablePath(path) +
                ": not a tokenizer.json (no \"model\" object)");
  try {
    parseModel(j["model"]);
    if (j.contains("added_tokens") && j["added_tokens"].is_array())
      for (const json &t : j["added_tokens"]) {
        AddedToken a{t.at("content").get<std::string>(),
                     t.at("id").get<int64_t>(),
                     t.value("special", false),
                     t.value("normalized", !t.value("special", false)),
                     t.value("lstrip", false),
                     t.value("rstrip", false),
                     t.value("single_word", false)};
        if (a.id < 0 || a.id > (int64_t(1) << 24))
          throw Error(printablePath(path) + ": added token id " +
                      std::to_string(a.id) + " is out of range");
        if (a.content.empty())
          continue;
        if (a.id >= int64_t(idToToken.size()))
          idToToken.resize(a.id + 1);
        idToToken[a.id] = a.content;
        vocab[a.content] = a.id;
        added.push_back(std::move(a));
      }
    if (j.contains("normalizer") && !j["normalizer"].is_null())
      parseNormalizer(j["normalizer"]);
    if (j.contains("pre_tokenizer") && !j["pre_tokenizer"].is_null())
      parsePreTokenizer(j["pre_tokenizer"]);
    if (j.contains("decoder") && !j["decoder"].is_null()) {
      hasDecoder = true;
      parseDecoder(j["decoder"]);
    }
  } catch (const json::exception &e) {
    throw Error(printablePath(path) +
                ": malformed tokenizer.json: " + printable(e.what(), 300));
  }
  // The longest content first, so the leftmost match is also the longest.
  std::sort(added.begin(), added.end(), [](const auto &a, const auto &b) {
    return a.content.size() > b.content.size();
  });
}

void HFTokenizer::parseModel(const json &m) {
  std::string type = m.value("type", "BPE");
  if (type != "BPE")
    unsupported(path,
                "model type " + quote(type) + " (only BPE is implemented)");
  for (const char *key : {"continuing_subword_prefix", "end_of_word_suffix"})
    if (m.contains(key) && !m[key].is_null() && m[key] != "")
      unsupported(path, std::string("BPE '") + key + "'");
  if (m.contains("dropout") && !m["dropout"].is_null() &&
      m["dropout"].get<double>() != 0.0)
    unsupported(path, "BPE dropout");
  const json &v = m.at("vocab");
  if (!v.is_object())
    throw Error(printablePath(path) + ": model.vocab must be an object");
  for (auto &[token, id] : v.items()) {
    int64_t i = id.get<int64_t>();
    if (i < 0 || i > (int64_t(1) << 24))
      throw Error(printablePath(path) + ": token id " + std::to_string(i) +
                  " is out of range");
    vocab[token] = i;
    if (i >= int64_t(idToToken.size()))
      idToToken.resize(i + 1);
    idToToken[i] = token;
  }
  int64_t rank = 0;
  for (const json &mg : m.at("merges")) {
    std::string a, b;
    if (mg.is_string()) { // "a b" (tokenizers before 0.20)
      std::string s = mg.get<std::string>();
      size_t sp = s.find(' ', 1);
      if (sp == std::string::npos)
        throw Error(printablePath(path) + ": merge " + shown(mg) +
                    " is not two tokens");
      a = s.substr(0, sp);
      b = s.substr(sp + 1);
    } else {
      a = mg.at(0).get<std::string>();
      b = mg.at(1).get<std::string>();
    }
    auto ia = vocab.find(a), ib = vocab.find(b), ic = vocab.find(a + b);
    if (ia == vocab.end() || ib == vocab.end() || ic == vocab.end())
      throw Error(printablePath(path) + ": merge " + shown(mg) +
                  " names a token missing from the vocabulary");
    merges.emplace((uint64_t(ia->second) << 32) | uint64_t(ib->second),
                   std::make_pair(rank++, ic->second));
  }
  if (m.contains("unk_token") && m["unk_token"].is_string()) {
    auto it = vocab.find(m["unk_token"].get<std::string>());
    if (it == vocab.end())
      throw Error(printablePath(path) + ": unk_token " + shown(m["unk_token"]) +
                  " is not in the vocabulary");
    unk = it->second;
  }
  fuseUnk = m.value("fuse_unk", false);
  byteFallback = m.value("byte_fallback", false);
  ignoreMerges = m.value("ignore_merges", false);
  for (int b = 0; b < 256; ++b) {
    char name[8];
    std::snprintf(name, sizeof name, "<0x%02X>", b);
    auto it = vocab.find(name);
    byteIds[b] = it == vocab.end() ? -1 : it->second;
  }
  if (byteFallback)
    kindName = "bpe (byte fallback)";
}

void HFTokenizer::parseNormalizer(const json &n) {
  std::string type = n.at("type").get<std::string>();
  if (type == "Sequence") {
    for (const json &x : n.at("normalizers"))
      parseNormalizer(x);
  } else if (type == "Prepend") {
    std::string pre = n.at("prepend").get<std::string>();
    normalizers.push_back([pre](Piece &p) {
      if (!p.text.empty())
        p.text = pre + p.text;
    });
  } else if (type == "Replace") {
    auto pat = std::make_shared<Pattern>(n.at("pattern"), path);
    std::string content = n.at("content").get<std::string>();
    normalizers.push_back([pat, content](Piece &p) {
      p.text = replaceAll(p.text, *pat, content);
    });
  } else if (type == "Strip") {
    bool left = n.value("strip_left", true),
         right = n.value("strip_right", true);
    normalizers.push_back([left, right](Piece &p) {
      std::vector<std::string_view> cs = chars(p.text);
      size_t b = 0, e = cs.size();
      auto space = [&](size_t i) {
        return isSpace(decodeAt(cs[i], 0, cs[i].size()));
      };
      while (left && b < e && space(b))
        ++b;
      while (right && e > b && space(e - 1))
        --e;
      std::string out;
      for (size_t i = b; i < e; ++i)
        out.append(cs[i]);
      p.text = out;
    });
  } else {
    unsupported(path, "normalizer " + quote(type));
  }
}

void HFTokenizer::parsePreTokenizer(const json &p) {
  std::string type = p.at("type").get<std::string>();
  if (type == "Sequence") {
    for (const json &x : p.at("pretokenizers"))
      parsePreTokenizer(x);
  } else if (type == "ByteLevel") {
    bool prefix = p.value("add_prefix_space", false);
    std::shared_ptr<Regex> split;
    if (p.value("use_regex", true))
      split = std::make_shared<Regex>(kGpt2Split, path);
    kindName = "bpe (byte-level)";
    preTokenizers.push_back([prefix, split](const Piece &in) {
      Piece p = in;
      if (prefix && (p.text.empty() || p.text[0] != ' '))
        p.text = " " + p.text;
      std::vector<Piece> parts =
          split ? splitAt(p, split->findAll(p.text), "Isolated", false)
                : std::vector<Piece>{p};
      const ByteTable &t = byteTable();
      for (Piece &x : parts) {
        std::string mapped;
        for (unsigned char c : x.text)
          mapped += t.toChar[c];
        x.text = mapped;
      }
      return parts;
    });
  } else if (type == "Metaspace") {
    std::string repl = p.value("replacement", std::string("\xE2\x96\x81"));
    std::string scheme = p.value("prepend_scheme", std::string());
    if (scheme.empty()) // before tokenizers 0.19: add_prefix_space
      scheme = p.value("add_prefix_space", true) ? "always" : "never";
    bool split = p.value("split", true);
    if (scheme != "always" && scheme != "first" && scheme != "never")
      unsupported(path, "Metaspace prepend_scheme " + quote(scheme));
    preTokenizers.push_back([repl, scheme, split](const Piece &in) {
      Piece p = in;
      std::string out;
      for (char c : p.text)
        if (c == ' ')
          out += repl;
        else
          out += c;
      p.text = out;
      bool starts = p.text.compare(0, repl.size(), repl) == 0;
      if (!starts && (scheme == "always" || (scheme == "first" && p.first)))
        p.text = repl + p.text;
      if (!split)
        return std::vector<Piece>{p};
      Pattern pat(json{{"String", repl}}, "");
      return splitAt(p, pat.findAll(p.text), "MergedWithNext", false);
    });
  } else if (type == "Split") {
    auto pat = std::make_shared<Pattern>(p.at("pattern"), path);
    std::string behavior = p.at("behavior").get<std::string>();
    bool invert = p.value("invert", false);
    if (behavior != "Isolated" && behavior != "Removed" &&
        behavior != "MergedWithPrevious" && behavior != "MergedWithNext" &&
        behavior != "Contiguous")
      unsupported(path, "Split behavior " + quote(behavior));
    preTokenizers.push_back([pat, behavior, invert](const Piece &in) {
      return splitAt(in, pat->findAll(in.text), behavior, invert);
    });
  } else if (type == "Digits") {
    bool each = p.value("individual_digits", false);
    auto re = std::make_shared<Regex>(each ? "\\p{Nd}" : "\\p{Nd}+", path);
    preTokenizers.push_back([re](const Piece &in) {
      return splitAt(in, re->findAll(in.text), "Isolated", false);
    });
  } else {
    unsupported(path, "pre-tokenizer " + quote(type));
  }
}

void HFTokenizer::parseDecoder(const json &d) {
  std::string type = d.at("type").get<std::string>();
  if (type == "Sequence") {
    for (const json &x : d.at("decoders"))
      parseDecoder(x);
  } else if (type == "ByteLevel") {
    decoders.push_back([](std::vector<std::string> tokens) {
      const ByteTable &t = byteTable();
      std::string bytes;
      for (const std::string &tok : tokens) {
        std::string mapped;
        bool all = true;
        for (std::string_view c : chars(tok)) {
          auto it = t.toByte.find(decodeAt(c, 0, c.size()));
          if (it == t.toByte.end()) {
            all = false;
            break;
          }
          mapped += char(it->second);
        }
        bytes += all ? mapped : tok;
      }
      return std::vector<std::string>{toValidUtf8(bytes)};
    });
  } else if (type == "Metaspace") {
    std::string repl = d.value("replacement", std::string("\xE2\x96\x81"));
    std::string scheme = d.value("prepend_scheme", std::string());
    if (scheme.empty())
      scheme = d.value("add_prefix_space", true) ? "always" : "never";
    decoders.push_back([repl, scheme](std::vector<std::string> tokens) {
      for (size_t i = 0; i < tokens.size(); ++i) {
        std::string out;
        Pattern pat(json{{"String", repl}}, "");
        out = replaceAll(tokens[i], pat, " ");
        if (i == 0 && scheme != "never" && !out.empty() && out[0] == ' ')
          out.erase(0, 1);
        tokens[i] = out;
      }
      return tokens;
    });
  } else if (type == "Replace") {
    auto pat = std::make_shared<Pattern>(d.at("pattern"), path);
    std::string content = d.at("content").get<std::string>();
    decoders.push_back([pat, content](std::vector<std::string> tokens) {
      for (std::string &t : tokens)
        t = replaceAll(t, *pat, content);
      return tokens;
    });
  } else if (type == "ByteFallback") {
    decoders.push_back([](std::vector<std::string> tokens) {
      std::vector<std::string> out;
      std::string bytes;
      size_t count = 0;
      auto flush = [&] {
        if (!count)
          return;
        if (toValidUtf8(bytes) == bytes)
          out.push_back(bytes);
        else
          for (size_t i = 0; i < count; ++i)
            out.push_back("\xEF\xBF\xBD");
        bytes.clear();
        count = 0;
      };
      for (const std::string &t : tokens) {
        unsigned v = 0;
        if (t.size() == 6 && t.compare(0, 3, "<0x") == 0 && t[5] == '>' &&
            std::isxdigit((unsigned char)t[3]) &&
            std::isxdigit((unsigned char)t[4]) &&
            std::sscanf(t.c_str() + 3, "%2x", &v) == 1) {
          bytes += char(v);
          ++count;
          continue;
        }
        flush();
        out.push_back(t);
      }
      flush();
      return out;
    });
  } else if (type == "Fuse") {
    decoders.push_back([](std::vector<std::string> tokens) {
      std::string all;
      for (const std::string &t : tokens)
        all += t;
      return std::vector<std::string>{all};
    });
  } else if (type == "Strip") {
    std::string content = d.at("content").get<std::string>();
    int64_t start = d.value("start", int64_t(0)),
            stop = d.value("stop", int64_t(0));
    decoders.push_back([content, start, stop](std::vector<std::string> tokens) {
      for (std::string &t : tokens) {
        std::vector<std::string_view> cs = chars(t);
        size_t b = 0, e = cs.size();
        for (int64_t i = 0; i < start && b < e && cs[b] == content; ++i)
          ++b;
        for (int64_t i = 0; i < stop && e > b && cs[e - 1] == content; ++i)
          --e;
        std::string out;
        for (size_t i = b; i < e; ++i)
          out.append(cs[i]);
        t = out;
      }
      return tokens;
    });
  } else {
    unsupported(path, "decoder " + quote(type));
  }
}

std::vector<std::pair<Piece, int64_t>>
HFTokenizer::splitAdded(const Piece &in, bool normalized) const {
  std::vector<std::pair<Piece, int64_t>> out;
  const std::string &s = in.text;
  size_t last = 0, at = 0;
  auto isWordChar = [](char c) {
    return std::isalnum((unsigned char)c) || c == '_';
  };
  while (at < s.size()) {
    const AddedToken *hit = nullptr;
    for (const AddedToken &a : added) // longest first
      if (a.normalized == normalized &&
          s.compare(at, a.content.size(), a.content) == 0) {
        size_t end = at + a.content.size();
        if (a.singleWord && ((at > 0 && isWordChar(s[at - 1])) ||
                             (end < s.size() && isWordChar(s[end]))))
          continue;
        hit = &a;
        break;
      }
    if (!hit) {
      at += std::max<size_t>(1, validPrefix(s, at));
      continue;
    }
    size_t b = at, e = at + hit->content.size();
    if (hit->lstrip)
      while (b > last && std::isspace((unsigned char)s[b - 1]))
        --b;
    if (hit->rstrip)
      while (e < s.size() && std::isspace((unsigned char)s[e]))
        ++e;
    if (b > last)
      out.push_back({{s.substr(last, b - last), in.first && last == 0}, -1});
    out.push_back({{hit->content, false}, hit->id});
    last = at = e;
  }
  if (last < s.size())
    out.push_back({{s.substr(last), in.first && last == 0}, -1});
  return out;
}

void HFTokenizer::bpe(const std::string &word,
                      std::vector<int64_t> &out) const {
  if (ignoreMerges) {
    auto it = vocab.find(word);
    if (it != vocab.end()) {
      out.push_back(it->second);
      return;
    }
  }
  struct Symbol {
    int64_t id;
    int64_t prev, next;
    size_t len;
  };
  std::vector<Symbol> sym;
  for (std::string_view c : chars(word)) {
    auto it = vocab.find(std::string(c));
    if (it != vocab.end()) {
      sym.push_back({it->second, 0, 0, c.size()});
      continue;
    }
    if (byteFallback) {
      bool all = true;
      for (unsigned char b : c)
        all &= byteIds[b] >= 0;
      if (all) {
        for (unsigned char b : c)
          sym.push_back({byteIds[b], 0, 0, 1});
        continue;
      }
    }
    if (unk < 0)
      continue; // no unk token: the character is dropped, as tokenizers does
    if (fuseUnk && !sym.empty() && sym.back().id == unk)
      sym.back().len += c.size();
    else
      sym.push_back({unk, 0, 0, c.size()});
  }
  const int64_t n = int64_t(sym.size());
  for (int64_t i = 0; i < n; ++i) {
    sym[i].prev = i - 1;
    sym[i].next = i + 1 < n ? i + 1 : -1;
  }
  struct Merge {
    int64_t pos, rank, id;
  };
  auto later = [](const Merge &a, const Merge &b) {
    return a.rank != b.rank ? a.rank > b.rank : a.pos > b.pos;
  };
  std::priority_queue<Merge, std::vector<Merge>, decltype(later)> queue(later);
  auto lookup = [&](int64_t a,
                    int64_t b) -> const std::pair<int64_t, int64_t> * {
    auto it = merges.find((uint64_t(a) << 32) | uint64_t(b));
    return it == merges.end() ? nullptr : &it->second;
  };
  for (int64_t i = 0; i + 1 < n; ++i)
    if (auto *m = lookup(sym[i].id, sym[i + 1].id))
      queue.push({i, m->first, m->second});
  while (!queue.empty()) {
    Merge top = queue.top();
    queue.pop();
    Symbol &cur = sym[top.pos];
    if (cur.len == 0 || cur.next < 0)
      continue;
    Symbol &right = sym[cur.next];
    auto *m = lookup(cur.id, right.id);
    if (!m || m->first != top.rank || m->second != top.id)
      continue; // stale
    cur.id = top.id;
    cur.len += right.len;
    int64_t after = right.next;
    right.len = 0;
    cur.next = after;
    if (after >= 0)
      sym[after].prev = top.pos;
    if (cur.prev >= 0)
      if (auto *pm = lookup(sym[cur.prev].id, cur.id))
        queue.push({cur.prev, pm->first, pm->second});
    if (after >= 0)
      if (auto *nm = lookup(cur.id, sym[after].id))
        queue.push({top.pos, nm->first, nm->second});
  }
  for (int64_t i = n ? 0 : -1; i >= 0; i = sym[i].next)
    if (sym[i].len)
      out.push_back(sym[i].id);
}

std::vector<int64_t> HFTokenizer::encode(std::string_view raw) const {
  std::vector<int64_t> ids;
  Piece all{toValidUtf8(raw), true};
  for (auto &[segment, id] : splitAdded(all, /*normalized=*/false)) {
    if (id >= 0) {
      ids.push_back(id);
      continue;
    }
    Piece p = segment;
    for (const Normalizer &norm : normalizers)
      norm(p);
    for (auto &[part, id2] : splitAdded(p, /*normalized=*/true)) {
      if (id2 >= 0) {
        ids.push_back(id2);
        continue;
      }
      std::vector<Piece> words = {part};
      for (const PreTokenizer &pre : preTokenizers) {
        std::vector<Piece> next;
        for (const Piece &w : words)
          for (Piece &x : pre(w))
            next.push_back(std::move(x));
        words = std::move(next);
      }
      for (const Piece &w : words)
        if (!w.text.empty())
          bpe(w.text, ids);
    }
  }
  return ids;
}

std::string HFTokenizer::decode(const std::vector<int64_t> &ids) const {
  std::vector<std::string> tokens;
  for (int64_t id : ids) {
    if (id < 0 || id >= vocabSize())
      throw Error("token " + std::to_string(id) +
                  " is outside the tokenizer's vocabulary of " +
                  std::to_string(vocabSize()));
    tokens.push_back(idToToken[id]);
  }
  if (!hasDecoder) {
    std::string out;
    for (size_t i = 0; i < tokens.size(); ++i)
      out += (i ? " " : "") + tokens[i];
    return out;
  }
  for (const Decoder &d : decoders)
    tokens = d(std::move(tokens));
  std::string out;
  for (const std::string &t : tokens)
    out += t;
  return out;
}

} // namespace

std::unique_ptr<Tokenizer> loadHuggingFace(const std::string &path) {
  try {
    return std::make_unique<HFTokenizer>(path);
  } catch (const Error &) {
    throw;
  } catch (const std::exception &e) {
    throw Error(printablePath(path) + ": " + printable(e.what(), 300));
  }
}

} // namespace retnet::text
