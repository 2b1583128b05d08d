//===- ModelConfig.cpp - parse and validate config.json -------------------===//
//
// Required: the sizes that shape the network. Optional (torchscale's
// defaults): activation, eps, embedding flags, chunk size, tied embeddings.
//
//===----------------------------------------------------------------------===//

#include "retnet/ModelConfig.h"

#include "retnet/Error.h"

#include <nlohmann/json.hpp>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>
#include <sys/stat.h>

namespace retnet {
namespace {

/// Bounds that keep every derived size far from overflow.
constexpr int64_t kMaxDim = 1 << 20; // any width
constexpr int64_t kMaxLayers = 4096;
constexpr int64_t kMaxVocab = 1 << 24;
constexpr int64_t kMaxHeads = 4096;
constexpr int64_t kMaxConfigBytes = 1 << 20;

[[noreturn]] void fail(const std::string &file, const std::string &what) {
  throw Error(file + ": " + what);
}

int64_t intKey(const nlohmann::json &j, const std::string &file,
               const char *key, int64_t max, bool required, int64_t def) {
  if (!j.contains(key)) {
    if (required)
      fail(file, std::string("missing key '") + key + "'");
    return def;
  }
  const auto &v = j[key];
  if (!v.is_number_integer())
    fail(file,
         std::string("'") + key + "' must be an integer, found " + v.dump());
  int64_t x = v.get<int64_t>();
  if (x <= 0 || x > max)
    fail(file, std::string("'") + key + "' is " + std::to_string(x) +
                   "; expected 1 to " + std::to_string(max));
  return x;
}

bool boolKey(const nlohmann::json &j, const std::string &file, const char *key,
             bool def) {
  if (!j.contains(key))
    return def;
  if (!j[key].is_boolean())
    fail(file, std::string("'") + key + "' must be true or false, found " +
                   j[key].dump());
  return j[key].get<bool>();
}

} // namespace

ModelConfig ModelConfig::parse(const std::string &text,
                               const std::string &file) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception &e) {
    fail(file, std::string("not valid JSON: ") + e.what());
  }
  if (!j.is_object())
    fail(file, std::string("must be a JSON object, found ") + j.type_name());

  ModelConfig c;
  c.embedDim = intKey(j, file, "decoder_embed_dim", kMaxDim, true, 0);
  c.valueEmbedDim =
      intKey(j, file, "decoder_value_embed_dim", kMaxDim, true, 0);
  c.heads = intKey(j, file, "decoder_retention_heads", kMaxHeads, true, 0);
  c.ffnDim = intKey(j, file, "decoder_ffn_embed_dim", kMaxDim, true, 0);
  c.layers = intKey(j, file, "decoder_layers", kMaxLayers, true, 0);
  c.vocabSize = intKey(j, file, "vocab_size", kMaxVocab, true, 0);
  c.chunkSize =
      intKey(j, file, "recurrent_chunk_size", kMaxDim, false, c.chunkSize);
  c.noScaleEmbedding =
      boolKey(j, file, "no_scale_embedding", c.noScaleEmbedding);
  c.layernormEmbedding =
      boolKey(j, file, "layernorm_embedding", c.layernormEmbedding);
  c.tiedEmbeddings =
      boolKey(j, file, "share_decoder_input_output_embed", c.tiedEmbeddings);
  if (j.contains("activation_fn")) {
    const auto &a = j["activation_fn"];
    if (!a.is_string())
      fail(file, "'activation_fn' must be a string, found " + a.dump());
    c.activation = a.get<std::string>();
    if (c.activation != "swish" && c.activation != "gelu")
      fail(file, "'activation_fn' is '" + c.activation +
                     "'; expected 'swish' or 'gelu'");
  }
  if (j.contains("layernorm_eps")) {
    const auto &e = j["layernorm_eps"];
    if (!e.is_number() || !std::isfinite(e.get<double>()) ||
        e.get<double>() <= 0 || e.get<double>() >= 1)
      fail(file,
           "'layernorm_eps' must be a number in (0, 1), found " + e.dump());
    c.layernormEps = e.get<double>();
  }

  if (c.embedDim % c.heads)
    fail(file, "'decoder_retention_heads' (" + std::to_string(c.heads) +
                   ") must divide 'decoder_embed_dim' (" +
                   std::to_string(c.embedDim) + ")");
  if (c.valueEmbedDim % c.heads)
    fail(file, "'decoder_retention_heads' (" + std::to_string(c.heads) +
                   ") must divide 'decoder_value_embed_dim' (" +
                   std::to_string(c.valueEmbedDim) + ")");
  if (c.keyHeadDim() % 2)
    fail(file, "key head dim decoder_embed_dim / decoder_retention_heads = " +
                   std::to_string(c.keyHeadDim()) +
                   " is odd; the rotation needs pairs");
  // The largest weight (embedding or FFN) must fit comfortably in memory
  // arithmetic: bounded above, so no product below overflows int64.
  if (c.vocabSize * c.embedDim > (int64_t(1) << 36) ||
      c.ffnDim * c.embedDim > (int64_t(1) << 36))
    fail(file, "weights of " + std::to_string(c.vocabSize) + " x " +
                   std::to_string(c.embedDim) + " or " +
                   std::to_string(c.ffnDim) + " x " +
                   std::to_string(c.embedDim) +
                   " elements are beyond the supported 2^36");

  static const std::set<std::string> known = {
      "decoder_embed_dim",       "decoder_value_embed_dim",
      "decoder_retention_heads", "decoder_ffn_embed_dim",
      "decoder_layers",          "vocab_size",
      "activation_fn",           "layernorm_eps",
      "no_scale_embedding",      "layernorm_embedding",
      "recurrent_chunk_size",    "share_decoder_input_output_embed"};
  for (auto &[key, value] : j.items())
    if (!known.count(key))
      c.unknownKeys.push_back(key);
  return c;
}

ModelConfig ModelConfig::load(const std::string &path) {
  // Checked before opening: opening a FIFO would wait for a writer forever,
  // and reading a huge file would take the memory.
  struct stat st;
  if (::stat(path.c_str(), &st) != 0)
    fail(path, std::string("cannot open (missing config.json?): ") +
                   std::strerror(errno));
  if (!S_ISREG(st.st_mode))
    fail(path, "not a regular file");
  if (st.st_size > kMaxConfigBytes)
    fail(path, "is " + std::to_string(st.st_size) +
                   " bytes; a config.json is at most " +
                   std::to_string(kMaxConfigBytes) + " bytes");
  std::ifstream in(path, std::ios::binary);
  if (!in)
    fail(path, "cannot open (missing config.json?)");
  std::stringstream ss;
  ss << in.rdbuf();
  return parse(ss.str(), path);
}

} // namespace retnet
