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
  throw Error(printablePath(file) + ": " + what);
}

/// A JSON value from the config for a message: escaped, cut short.
std::string shown(const nlohmann::json &v) {
  return printable(
      v.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), 80);
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
         std::string("'") + key + "' must be an integer, found " + shown(v));
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
                   shown(j[key]));
  return j[key].get<bool>();
}

} // namespace

namespace {

double numberKey(const nlohmann::json &j, const std::string &file,
                 const char *key, double lo, double hi, double def) {
  if (!j.contains(key) || j[key].is_null())
    return def;
  const auto &v = j[key];
  if (!v.is_number() || !std::isfinite(v.get<double>()) ||
      !(v.get<double>() > lo) || !(v.get<double>() < hi))
    fail(file, std::string("'") + key + "' must be a number in (" +
                   std::to_string(lo) + ", " + std::to_string(hi) +
                   "), found " + shown(v));
  return v.get<double>();
}

std::string stringKey(const nlohmann::json &j, const std::string &file,
                      const char *key, const std::string &def) {
  if (!j.contains(key) || j[key].is_null())
    return def;
  if (!j[key].is_string())
    fail(file,
         std::string("'") + key + "' must be a string, found " + shown(j[key]));
  return j[key].get<std::string>();
}

/// An optional token id (bos_token_id, eos_token_id): -1 when absent/null.
int64_t tokenKey(const nlohmann::json &j, const std::string &file,
                 const char *key, int64_t def) {
  if (!j.contains(key))
    return def;
  if (j[key].is_null())
    return -1;
  if (!j[key].is_number_integer() || j[key].get<int64_t>() < 0)
    fail(file, std::string("'") + key +
                   "' must be a non-negative integer or null, found " +
                   shown(j[key]));
  return j[key].get<int64_t>();
}

/// The config's value of `key`, which must be `expected` (or absent/null
/// when `expected` is null): a feature this project does not implement.
void requireKey(const nlohmann::json &j, const std::string &file,
                const char *key, const nlohmann::json &expected,
                const char *why) {
  if (!j.contains(key))
    return;
  const auto &v = j[key];
  if (v == expected || (expected.is_null() && v.is_null()))
    return;
  if (expected.is_boolean() && v.is_null() && !expected.get<bool>())
    return;
  fail(file, std::string("'") + key + "' is " + shown(v) +
                 ", which is not supported (" + why + "); expected " +
                 (expected.is_null() ? std::string("null") : expected.dump()));
}

/// torchscale RetNetConfig keys (DESIGN.md §4), also written by the
/// syncdoth/RetNet Hugging Face models.
void parseTorchscale(const nlohmann::json &j, const std::string &file,
                     ModelConfig &c, std::set<std::string> &known) {
  c.embedDim = intKey(j, file, "decoder_embed_dim", kMaxDim, true, 0);
  c.keyEmbedDim = c.embedDim;
  c.valueEmbedDim =
      intKey(j, file, "decoder_value_embed_dim", kMaxDim, true, 0);
  c.heads = intKey(j, file, "decoder_retention_heads", kMaxHeads, true, 0);
  c.kvHeads = c.heads;
  c.ffnDim = intKey(j, file, "decoder_ffn_embed_dim", kMaxDim, true, 0);
  c.layers = intKey(j, file, "decoder_layers", kMaxLayers, true, 0);
  c.vocabSize = intKey(j, file, "vocab_size", kMaxVocab, true, 0);
  c.chunkSize =
      intKey(j, file, "recurrent_chunk_size", kMaxDim, false, c.chunkSize);
  c.noScaleEmbedding =
      boolKey(j, file, "no_scale_embedding", c.noScaleEmbedding);
  c.layernormEmbedding =
      boolKey(j, file, "layernorm_embedding", c.layernormEmbedding);
  // syncdoth's Hugging Face configs say tie_word_embeddings.
  c.tiedEmbeddings = boolKey(
      j, file, "share_decoder_input_output_embed",
      boolKey(j, file, "tie_word_embeddings", c.tiedEmbeddings));
  if (j.contains("activation_fn")) {
    const auto &a = j["activation_fn"];
    if (!a.is_string())
      fail(file, "'activation_fn' must be a string, found " + shown(a));
    c.activation = a.get<std::string>();
    if (c.activation != "swish" && c.activation != "gelu")
      fail(file, "'activation_fn' is " + quote(c.activation) +
                     "; expected 'swish' or 'gelu'");
  }
  if (j.contains("layernorm_eps")) {
    const auto &e = j["layernorm_eps"];
    if (!e.is_number() || !std::isfinite(e.get<double>()) ||
        e.get<double>() <= 0 || e.get<double>() >= 1)
      fail(file,
           "'layernorm_eps' must be a number in (0, 1), found " + shown(e));
    c.layernormEps = e.get<double>();
  }
  c.bosToken = tokenKey(j, file, "bos_token_id", -1);
  c.eosToken = tokenKey(j, file, "eos_token_id", -1);
  // Switches of torchscale and syncdoth/RetNet that change the math.
  requireKey(j, file, "deepnorm", false, "DeepNorm residual scaling");
  requireKey(j, file, "use_glu", true, "only the GLU feed-forward is built");
  requireKey(j, file, "use_lm_decay", false,
             "only the decays 1 - 2^(-5-h) are built");
  requireKey(j, file, "decoder_normalize_before", true,
             "only pre-norm blocks are built");
  known.insert({"decoder_embed_dim", "decoder_value_embed_dim",
                "decoder_retention_heads", "decoder_ffn_embed_dim",
                "decoder_layers", "vocab_size", "activation_fn",
                "layernorm_eps", "no_scale_embedding", "layernorm_embedding",
                "recurrent_chunk_size", "share_decoder_input_output_embed",
                "tie_word_embeddings", "bos_token_id", "eos_token_id",
                "deepnorm", "use_glu", "use_lm_decay",
                "decoder_normalize_before",
                // Hugging Face's and training's bookkeeping (syncdoth's
                // configs): no effect on the function computed.
                "architectures", "torch_dtype", "transformers_version",
                "use_cache", "pad_token_id", "initializer_range", "dropout",
                "activation_dropout", "drop_path_rate", "is_decoder",
                "output_retentions", "forward_impl", "z_loss_coeff",
                "disable_fused_ops"});
}

/// flash-linear-attention's RetNetConfig (fla/models/retnet/
/// configuration_retnet.py); defaults are fla's.
void parseFla(const nlohmann::json &j, const std::string &file,
              ModelConfig &c, std::set<std::string> &known) {
  c.format = ConfigFormat::Fla;
  c.embedDim = intKey(j, file, "hidden_size", kMaxDim, true, 0);
  c.heads = intKey(j, file, "num_heads", kMaxHeads, true, 0);
  c.layers = intKey(j, file, "num_hidden_layers", kMaxLayers, true, 0);
  c.vocabSize = intKey(j, file, "vocab_size", kMaxVocab, true, 0);
  // key_dim = round(hidden_size · expand_k), which must be an integer.
  auto width = [&](const char *key, double def) {
    double e = numberKey(j, file, key, 0.0, 1024.0, def);
    double w = double(c.embedDim) * e;
    if (std::fabs(w - std::round(w)) > 1e-6 * std::max(1.0, w) ||
        std::round(w) < 1 || std::round(w) > double(kMaxDim))
      fail(file, std::string("hidden_size * ") + key + " = " +
                     std::to_string(w) + " is not a width from 1 to " +
                     std::to_string(kMaxDim));
    return int64_t(std::round(w));
  };
  c.keyEmbedDim = width("expand_k", 1.0);
  c.valueEmbedDim = width("expand_v", 2.0);
  c.kvHeads = j.contains("num_kv_heads") && !j["num_kv_heads"].is_null()
                  ? intKey(j, file, "num_kv_heads", kMaxHeads, true, 0)
                  : c.heads;
  if (c.heads % c.kvHeads)
    fail(file, "'num_kv_heads' (" + std::to_string(c.kvHeads) +
                   ") must divide 'num_heads' (" + std::to_string(c.heads) +
                   ")");
  // fla's GatedMLP: intermediate_size, else hidden_ratio (4 when null)
  // · 2/3 · hidden_size rounded up to a multiple of 256.
  if (j.contains("intermediate_size") && !j["intermediate_size"].is_null()) {
    c.ffnDim = intKey(j, file, "intermediate_size", kMaxDim, true, 0);
  } else {
    double ratio = numberKey(j, file, "hidden_ratio", 0.0, 1024.0, 4.0);
    int64_t f = int64_t(double(c.embedDim) * ratio * 2.0 / 3.0);
    c.ffnDim = 256 * ((f + 255) / 256);
    if (c.ffnDim < 1 || c.ffnDim > kMaxDim)
      fail(file, "the MLP width from 'hidden_ratio' is " +
                     std::to_string(c.ffnDim) + "; expected 1 to " +
                     std::to_string(kMaxDim));
  }
  std::string act = stringKey(j, file, "hidden_act", "swish");
  if (act != "swish" && act != "silu")
    fail(file, "'hidden_act' is " + quote(act) +
                   "; only 'swish' (or 'silu') is supported: fla uses it "
                   "for the MLP and the retention output gate");
  c.activation = "swish";
  c.layernormEps = numberKey(j, file, "norm_eps", 0.0, 1.0, 1e-6);
  c.tiedEmbeddings = boolKey(j, file, "tie_word_embeddings", false);
  c.noScaleEmbedding = true;
  c.layernormEmbedding = false;
  c.rotary = Rotary::Half;
  c.rowDivisor = false;
  c.groupNormWeight = j.contains("elementwise_affine") &&
                              j["elementwise_affine"].is_null()
                          ? false
                          : boolKey(j, file, "elementwise_affine", true);
  c.bosToken = tokenKey(j, file, "bos_token_id", 1);
  c.eosToken = tokenKey(j, file, "eos_token_id", 2);
  // fla features that are not built.
  requireKey(j, file, "feature_map", nullptr,
             "a feature map on queries and keys");
  requireKey(j, file, "use_short_conv", false, "short convolutions");
  requireKey(j, file, "attn", nullptr, "hybrid attention layers");
  requireKey(j, file, "use_output_gate", true,
             "retention without its output gate");
  requireKey(j, file, "attnres_block_size", nullptr,
             "attention-residual blocks");
  known.insert({"model_type", "hidden_size", "num_heads", "num_hidden_layers",
                "vocab_size", "expand_k", "expand_v", "num_kv_heads",
                "intermediate_size", "hidden_ratio", "hidden_act",
                "norm_eps", "tie_word_embeddings", "elementwise_affine",
                "bos_token_id", "eos_token_id", "feature_map",
                "use_short_conv", "attn", "use_output_gate",
                "attnres_block_size",
                // Settings of fla's kernels, training and Hugging Face's
                // bookkeeping that do not change the function computed.
                "attn_mode", "fuse_norm", "fuse_swiglu", "fuse_cross_entropy",
                "fuse_linear_cross_entropy", "use_l2warp", "conv_size",
                "initializer_range", "max_position_embeddings", "use_cache",
                "pad_token_id", "architectures", "torch_dtype",
                "transformers_version", "rms_norm_eps", "share_conv_kernel"});
}

} // namespace

ModelConfig ModelConfig::parse(const std::string &text,
                               const std::string &file) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception &e) {
    fail(file, "not valid JSON: " + printable(e.what(), 300));
  }
  if (!j.is_object())
    fail(file, std::string("must be a JSON object, found ") + j.type_name());

  ModelConfig c;
  std::set<std::string> known;
  std::string modelType = stringKey(j, file, "model_type", "");
  if (!modelType.empty() && modelType != "retnet")
    fail(file, "'model_type' is " + quote(modelType) + "; expected 'retnet'");
  // fla's configs have hidden_size; torchscale's and syncdoth's
  // decoder_embed_dim.
  if (j.contains("hidden_size") && !j.contains("decoder_embed_dim"))
    parseFla(j, file, c, known);
  else
    parseTorchscale(j, file, c, known);
  known.insert("model_type");

  const bool fla = c.format == ConfigFormat::Fla;
  const std::string headsKey = fla ? "num_heads" : "decoder_retention_heads",
                    keyKey = fla ? "hidden_size * expand_k"
                                 : "decoder_embed_dim",
                    valueKey = fla ? "hidden_size * expand_v"
                                   : "decoder_value_embed_dim";
  if (c.keyEmbedDim % c.heads)
    fail(file, "'" + headsKey + "' (" + std::to_string(c.heads) +
                   ") must divide '" + keyKey + "' (" +
                   std::to_string(c.keyEmbedDim) + ")");
  if (c.valueEmbedDim % c.heads)
    fail(file, "'" + headsKey + "' (" + std::to_string(c.heads) +
                   ") must divide '" + valueKey + "' (" +
                   std::to_string(c.valueEmbedDim) + ")");
  if (c.keyHeadDim() % 2)
    fail(file, "key head dim " + keyKey + " / " + headsKey + " = " +
                   std::to_string(c.keyHeadDim()) +
                   " is odd; the rotation needs pairs");
  if (c.bosToken >= c.vocabSize || c.eosToken >= c.vocabSize)
    fail(file, "bos/eos token ids (" + std::to_string(c.bosToken) + ", " +
                   std::to_string(c.eosToken) +
                   ") are outside the vocabulary of " +
                   std::to_string(c.vocabSize));
  // The largest weight (embedding or FFN) must fit comfortably in memory
  // arithmetic: bounded above, so no product below overflows int64.
  if (c.vocabSize * c.embedDim > (int64_t(1) << 36) ||
      c.ffnDim * c.embedDim > (int64_t(1) << 36))
    fail(file, "weights of " + std::to_string(c.vocabSize) + " x " +
                   std::to_string(c.embedDim) + " or " +
                   std::to_string(c.ffnDim) + " x " +
                   std::to_string(c.embedDim) +
                   " elements are beyond the supported 2^36");

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
