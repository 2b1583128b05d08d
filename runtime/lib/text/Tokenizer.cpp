//===- Tokenizer.cpp - loading, UTF-8, SentencePiece, streaming text ------===//
//
// The Hugging Face tokenizer.json models are in HFTokenizer.cpp.
//
//===----------------------------------------------------------------------===//

#include "retnet/Tokenizer.h"

#include "TokenizerImpl.h"
#include "retnet/Error.h"

#include <nlohmann/json.hpp>
#include <sentencepiece_processor.h>

#include <fstream>
#include <sstream>
#include <sys/stat.h>

namespace retnet {

Tokenizer::~Tokenizer() = default;

std::vector<int64_t> Tokenizer::encodePrompt(std::string_view text) const {
  std::vector<int64_t> ids;
  if (addBos && bos >= 0)
    ids.push_back(bos);
  std::vector<int64_t> body = encode(text);
  ids.insert(ids.end(), body.begin(), body.end());
  if (addEos && eos >= 0)
    ids.push_back(eos);
  return ids;
}

//===----------------------------------------------------------------------===//
// UTF-8
//===----------------------------------------------------------------------===//

namespace text {

/// The sequence a lead byte starts (Unicode Table 3-7): its length and the
/// allowed range of its second byte; 0 for a byte no sequence starts with.
static unsigned leadByte(unsigned b0, unsigned &lo, unsigned &hi) {
  lo = 0x80, hi = 0xBF;
  if (b0 < 0x80)
    return 1;
  if (b0 >= 0xC2 && b0 <= 0xDF)
    return 2;
  if (b0 == 0xE0)
    return lo = 0xA0, 3;
  if ((b0 >= 0xE1 && b0 <= 0xEC) || b0 == 0xEE || b0 == 0xEF)
    return 3;
  if (b0 == 0xED)
    return hi = 0x9F, 3;
  if (b0 == 0xF0)
    return lo = 0x90, 4;
  if (b0 >= 0xF1 && b0 <= 0xF3)
    return 4;
  if (b0 == 0xF4)
    return hi = 0x8F, 4;
  return 0;
}

/// How many bytes at s[i] continue the sequence its lead byte starts
/// (counting the lead byte), up to the sequence's length.
static size_t matchedBytes(std::string_view s, size_t i, unsigned n,
                           unsigned lo, unsigned hi) {
  size_t k = 1;
  for (; k < n && i + k < s.size(); ++k) {
    unsigned b = (unsigned char)s[i + k];
    if (b < (k == 1 ? lo : 0x80u) || b > (k == 1 ? hi : 0xBFu))
      break;
  }
  return k;
}

size_t validPrefix(std::string_view s, size_t i) {
  if (i >= s.size())
    return 0;
  unsigned lo, hi, n = leadByte((unsigned char)s[i], lo, hi);
  return n && matchedBytes(s, i, n, lo, hi) == n ? n : 0;
}

/// Bytes of the maximal invalid subpart at `i` (validPrefix(s, i) == 0).
static size_t invalidRun(std::string_view s, size_t i) {
  unsigned lo, hi, n = leadByte((unsigned char)s[i], lo, hi);
  return n ? matchedBytes(s, i, n, lo, hi) : 1;
}

uint32_t decodeAt(std::string_view s, size_t i, size_t n) {
  unsigned b0 = (unsigned char)s[i];
  if (n == 1)
    return b0;
  uint32_t cp = b0 & (0x7F >> n);
  for (size_t k = 1; k < n; ++k)
    cp = (cp << 6) | ((unsigned char)s[i + k] & 0x3F);
  return cp;
}

std::vector<std::string_view> chars(std::string_view s) {
  std::vector<std::string_view> out;
  for (size_t i = 0; i < s.size();) {
    size_t n = validPrefix(s, i);
    if (!n)
      n = 1; // not reached on valid text
    out.push_back(s.substr(i, n));
    i += n;
  }
  return out;
}

std::string readFile(const std::string &path, size_t maxBytes) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0)
    throw Error(printablePath(path) + ": cannot open");
  if (!S_ISREG(st.st_mode))
    throw Error(printablePath(path) + ": not a regular file");
  if (size_t(st.st_size) > maxBytes)
    throw Error(printablePath(path) + ": is " + std::to_string(st.st_size) +
                " bytes; at most " + std::to_string(maxBytes) + " are read");
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw Error(printablePath(path) + ": cannot open");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool isFile(const std::string &path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

} // namespace text

std::string toValidUtf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    size_t n = text::validPrefix(s, i);
    if (n) {
      out.append(s.substr(i, n));
      i += n;
    } else {
      out += "\xEF\xBF\xBD";
      i += text::invalidRun(s, i);
    }
  }
  return out;
}

//===----------------------------------------------------------------------===//
// SentencePiece
//===----------------------------------------------------------------------===//

namespace {

class SentencePieceTokenizer : public Tokenizer {
public:
  explicit SentencePieceTokenizer(const std::string &path) {
    // The library reads the file itself; checked here for a clear message.
    std::string bytes = text::readFile(path, size_t(1) << 30);
    auto status = sp.LoadFromSerializedProto(bytes);
    if (!status.ok())
      throw Error(printablePath(path) + ": not a SentencePiece model (" +
                  printable(status.ToString(), 300) + ")");
    bos = sp.bos_id();
    eos = sp.eos_id();
    addBos = true; // Llama's convention for tokenizer.model
  }
  std::vector<int64_t> encode(std::string_view s) const override {
    std::vector<int> ids;
    std::string valid = toValidUtf8(s);
    auto status = sp.Encode(valid, &ids);
    if (!status.ok())
      throw Error("SentencePiece: " + printable(status.ToString(), 300));
    return std::vector<int64_t>(ids.begin(), ids.end());
  }
  std::string decode(const std::vector<int64_t> &ids) const override {
    std::vector<int> in;
    for (int64_t id : ids) {
      if (id < 0 || id >= vocabSize())
        throw Error("token " + std::to_string(id) +
                    " is outside the tokenizer's vocabulary of " +
                    std::to_string(vocabSize()));
      in.push_back(int(id));
    }
    std::string out;
    auto status = sp.Decode(in, &out);
    if (!status.ok())
      throw Error("SentencePiece: " + printable(status.ToString(), 300));
    return out;
  }
  int64_t vocabSize() const override { return sp.GetPieceSize(); }
  std::string kind() const override { return "sentencepiece"; }
  int64_t tokenToId(const std::string &token) const override {
    int id = sp.PieceToId(token);
    return id >= 0 && sp.IdToPiece(id) == token ? id : -1;
  }

private:
  sentencepiece::SentencePieceProcessor sp;
};

/// A token given in tokenizer_config.json: a string or {"content": ...}.
std::string tokenContent(const nlohmann::json &v) {
  if (v.is_string())
    return v.get<std::string>();
  if (v.is_object() && v.contains("content") && v["content"].is_string())
    return v["content"].get<std::string>();
  return "";
}

} // namespace

std::unique_ptr<Tokenizer> Tokenizer::loadFile(const std::string &path) {
  if (path.size() >= 5 && path.compare(path.size() - 5, 5, ".json") == 0)
    return text::loadHuggingFace(path);
  return std::make_unique<SentencePieceTokenizer>(path);
}

bool Tokenizer::present(const std::string &dir) {
  return text::isFile(dir + "/tokenizer.json") ||
         text::isFile(dir + "/tokenizer.model");
}

std::unique_ptr<Tokenizer> Tokenizer::load(const std::string &dir) {
  std::string json = dir + "/tokenizer.json", model = dir + "/tokenizer.model";
  std::unique_ptr<Tokenizer> tok;
  if (text::isFile(json))
    tok = loadFile(json);
  else if (text::isFile(model))
    tok = loadFile(model);
  else
    throw Error(printablePath(dir) +
                ": no tokenizer (tokenizer.json or tokenizer.model)");
  std::string configPath = dir + "/tokenizer_config.json";
  if (!text::isFile(configPath))
    return tok;
  nlohmann::json c;
  try {
    c = nlohmann::json::parse(text::readFile(configPath, size_t(16) << 20));
  } catch (const nlohmann::json::exception &e) {
    throw Error(printablePath(configPath) +
                ": not valid JSON: " + printable(e.what(), 300));
  }
  if (!c.is_object())
    throw Error(printablePath(configPath) + ": must be a JSON object");
  auto flag = [&](const char *key, bool &out) {
    if (!c.contains(key) || c[key].is_null())
      return;
    if (!c[key].is_boolean())
      throw Error(printablePath(configPath) + ": '" + key +
                  "' must be true or false");
    out = c[key].get<bool>();
  };
  auto token = [&](const char *key, int64_t &out) {
    if (!c.contains(key) || c[key].is_null())
      return;
    // A special token's text is one token (an added token or a control
    // symbol): found in the vocabulary, not by tokenizing it.
    int64_t id = tok->tokenToId(tokenContent(c[key]));
    if (id < 0)
      throw Error(
          printablePath(configPath) + ": '" + key + "' " +
          printable(c[key].dump(-1, ' ', false,
                                nlohmann::json::error_handler_t::replace),
                    80) +
          " is not a token of the tokenizer");
    out = id;
  };
  flag("add_bos_token", tok->addBos);
  flag("add_eos_token", tok->addEos);
  token("bos_token", tok->bos);
  token("eos_token", tok->eos);
  return tok;
}

} // namespace retnet
