//===- ModelConfigTest.cpp - config.json parsing and validation -----------===//

#include "retnet/ModelConfig.h"
#include "retnet/Error.h"

#include <gtest/gtest.h>

#include <string>

using namespace retnet;

namespace {

const char *kValid = R"({
  "decoder_embed_dim": 64, "decoder_value_embed_dim": 128,
  "decoder_retention_heads": 4, "decoder_ffn_embed_dim": 96,
  "decoder_layers": 2, "vocab_size": 100, "activation_fn": "swish",
  "layernorm_eps": 1e-5, "no_scale_embedding": false,
  "layernorm_embedding": true, "recurrent_chunk_size": 16,
  "share_decoder_input_output_embed": true, "retention_gizmo": 0.1})";

// fla-hub/retnet-1.3B-100B's config.json (docs/fla-format.md).
const char *kFla = R"({
  "architectures": ["RetNetForCausalLM"], "attn_mode": "fused_chunk",
  "bos_token_id": 1, "conv_size": 4, "elementwise_affine": true,
  "eos_token_id": 2, "expand_k": 1, "expand_v": 2, "feature_map": null,
  "fuse_cross_entropy": true, "fuse_norm": true, "hidden_act": "swish",
  "hidden_ratio": 2, "hidden_size": 2048, "initializer_range": 0.02,
  "intermediate_size": null, "max_position_embeddings": 2048,
  "model_type": "retnet", "norm_eps": 1e-06, "num_heads": 8,
  "num_hidden_layers": 24, "num_kv_heads": null, "rms_norm_eps": 1e-06,
  "share_conv_kernel": true, "tie_word_embeddings": false,
  "torch_dtype": "bfloat16", "transformers_version": "4.39.1",
  "use_cache": true, "use_output_gate": true, "use_short_conv": false,
  "vocab_size": 32000})";

std::string errorOf(const std::string &text) {
  try {
    ModelConfig::parse(text, "config.json");
  } catch (const Error &e) {
    return e.what();
  }
  return "";
}

/// `base` with `key`'s value replaced by `value` (or the key removed).
std::string with(std::string s, const std::string &key,
                 const std::string &value) {
  size_t at = s.find("\"" + key + "\"");
  size_t colon = s.find(':', at), end = s.find_first_of(",}", colon);
  if (value.empty()) // drop the key and its comma
    return s.erase(at, end + 1 - at);
  return s.replace(colon + 1, end - colon - 1, " " + value);
}

std::string with(const std::string &key, const std::string &value) {
  return with(kValid, key, value);
}

TEST(ModelConfig, ParsesEveryKey) {
  ModelConfig c = ModelConfig::parse(kValid, "config.json");
  EXPECT_EQ(c.embedDim, 64);
  EXPECT_EQ(c.valueEmbedDim, 128);
  EXPECT_EQ(c.heads, 4);
  EXPECT_EQ(c.keyHeadDim(), 16);
  EXPECT_EQ(c.valueHeadDim(), 32);
  EXPECT_EQ(c.ffnDim, 96);
  EXPECT_EQ(c.layers, 2);
  EXPECT_EQ(c.vocabSize, 100);
  EXPECT_EQ(c.activation, "swish");
  EXPECT_DOUBLE_EQ(c.layernormEps, 1e-5);
  EXPECT_FALSE(c.noScaleEmbedding);
  EXPECT_TRUE(c.layernormEmbedding);
  EXPECT_EQ(c.chunkSize, 16);
  EXPECT_TRUE(c.tiedEmbeddings);
  EXPECT_EQ(c.unknownKeys, std::vector<std::string>{"retention_gizmo"});
  // torchscale's math.
  EXPECT_EQ(c.format, ConfigFormat::Torchscale);
  EXPECT_EQ(c.keyEmbedDim, 64);
  EXPECT_EQ(c.kvHeads, 4);
  EXPECT_EQ(c.rotary, Rotary::Interleaved);
  EXPECT_TRUE(c.rowDivisor);
  EXPECT_FALSE(c.groupNormWeight);
}

TEST(ModelConfig, ParsesFlaConfig) {
  ModelConfig c = ModelConfig::parse(kFla, "config.json");
  EXPECT_EQ(c.format, ConfigFormat::Fla);
  EXPECT_EQ(c.embedDim, 2048);
  EXPECT_EQ(c.keyEmbedDim, 2048);
  EXPECT_EQ(c.valueEmbedDim, 4096);
  EXPECT_EQ(c.heads, 8);
  EXPECT_EQ(c.kvHeads, 8);
  EXPECT_EQ(c.keyHeadDim(), 256);
  EXPECT_EQ(c.valueHeadDim(), 512);
  // 256 · ceil(int(2048 · 2 · 2/3) / 256) = 256 · ceil(2730 / 256).
  EXPECT_EQ(c.ffnDim, 2816);
  EXPECT_EQ(c.layers, 24);
  EXPECT_EQ(c.vocabSize, 32000);
  EXPECT_EQ(c.activation, "swish");
  EXPECT_DOUBLE_EQ(c.layernormEps, 1e-6);
  EXPECT_FALSE(c.tiedEmbeddings);
  EXPECT_TRUE(c.noScaleEmbedding);
  EXPECT_FALSE(c.layernormEmbedding);
  EXPECT_EQ(c.rotary, Rotary::Half);
  EXPECT_FALSE(c.rowDivisor);
  EXPECT_TRUE(c.groupNormWeight);
  EXPECT_EQ(c.bosToken, 1);
  EXPECT_EQ(c.eosToken, 2);
  EXPECT_TRUE(c.unknownKeys.empty());
}

TEST(ModelConfig, FlaWidthsAndGroups) {
  ModelConfig c = ModelConfig::parse(
      with(with(with(with(kFla, "expand_k", "0.5"), "num_kv_heads", "2"),
                "intermediate_size", "300"),
           "elementwise_affine", "false"),
      "config.json");
  EXPECT_EQ(c.keyEmbedDim, 1024);
  EXPECT_EQ(c.keyHeadDim(), 128);
  EXPECT_EQ(c.kvHeads, 2);
  EXPECT_EQ(c.ffnDim, 300);
  EXPECT_FALSE(c.groupNormWeight);
  // hidden_ratio null: fla's MLP takes 4.
  c = ModelConfig::parse(with(kFla, "hidden_ratio", "null"), "config.json");
  EXPECT_EQ(c.ffnDim, 256 * ((int64_t(2048 * 4 * 2 / 3.0) + 255) / 256));
}

TEST(ModelConfig, RefusesFlaFeaturesItDoesNotBuild) {
  struct Case {
    std::string text, message;
  } cases[] = {
      {with(kFla, "feature_map", "\"relu\""),
       "'feature_map' is \"relu\", which is not supported (a feature map"},
      {with(kFla, "use_short_conv", "true"),
       "'use_short_conv' is true, which is not supported (short convolutions)"},
      {with(kFla, "use_output_gate", "false"),
       "'use_output_gate' is false, which is not supported"},
      {with(kFla, "hidden_act", "\"gelu\""), "'hidden_act' is 'gelu'"},
      {with(kFla, "num_kv_heads", "3"),
       "'num_kv_heads' (3) must divide 'num_heads' (8)"},
      {with(kFla, "expand_k", "0.0003"), "hidden_size * expand_k = 0.6"},
      {with(kFla, "num_heads", "3"),
       "'num_heads' (3) must divide 'hidden_size * expand_k' (2048)"},
      {with(kFla, "model_type", "\"llama\""),
       "'model_type' is 'llama'; expected 'retnet'"},
      {with(kFla, "eos_token_id", "32000"), "outside the vocabulary of 32000"},
  };
  for (const Case &c : cases) {
    std::string msg = errorOf(c.text);
    EXPECT_NE(msg.find(c.message), std::string::npos)
        << "expected '" << c.message << "', got '" << msg << "'";
  }
  // Hybrid attention layers: an object where null is expected.
  std::string hybrid = std::string(kFla);
  hybrid.insert(1, R"("attn": {"layers": [1], "num_heads": 8}, )");
  EXPECT_NE(errorOf(hybrid).find("'attn' is"), std::string::npos)
      << errorOf(hybrid);
  EXPECT_NE(errorOf(hybrid).find("hybrid attention layers"), std::string::npos);
}

TEST(ModelConfig, RefusesTorchscaleSwitchesItDoesNotBuild) {
  std::string deep = std::string(kValid);
  deep.insert(1, R"("deepnorm": true, )");
  EXPECT_NE(errorOf(deep).find("'deepnorm' is true, which is not supported"),
            std::string::npos)
      << errorOf(deep);
  std::string lm = std::string(kValid);
  lm.insert(1, R"("use_lm_decay": true, )");
  EXPECT_NE(errorOf(lm).find("'use_lm_decay' is true"), std::string::npos);
}

TEST(ModelConfig, OptionalKeysTakeTorchscaleDefaults) {
  ModelConfig c = ModelConfig::parse(
      with(with(with("activation_fn", ""), "layernorm_eps", ""),
           "recurrent_chunk_size", ""),
      "config.json");
  EXPECT_EQ(c.activation, "gelu");
  EXPECT_DOUBLE_EQ(c.layernormEps, 1e-6);
  EXPECT_EQ(c.chunkSize, 512);
}

TEST(ModelConfig, RefusesBadConfigs) {
  struct Case {
    std::string text, message;
  } cases[] = {
      {"{", "not valid JSON"},
      {"[]", "must be a JSON object, found array"},
      {with("decoder_layers", ""), "missing key 'decoder_layers'"},
      {with("vocab_size", "\"100\""), "'vocab_size' must be an integer"},
      {with("decoder_layers", "0"),
       "'decoder_layers' is 0; expected 1 to 4096"},
      {with("decoder_embed_dim", "-64"), "'decoder_embed_dim' is -64"},
      {with("decoder_layers", "1000000000000"),
       "'decoder_layers' is 1000000000000; expected 1 to 4096"},
      {with("decoder_retention_heads", "3"),
       "'decoder_retention_heads' (3) must divide 'decoder_embed_dim' (64)"},
      {with("decoder_value_embed_dim", "130"),
       "must divide 'decoder_value_embed_dim' (130)"},
      {with("decoder_embed_dim", "36"), "key head dim"},
      {with("activation_fn", "\"relu\""),
       "'activation_fn' is 'relu'; expected 'swish' or 'gelu'"},
      {with("layernorm_eps", "-1"),
       "'layernorm_eps' must be a number in (0, 1)"},
      {with("no_scale_embedding", "1"),
       "'no_scale_embedding' must be true or false"},
      {with(with("vocab_size", "16777216"), "decoder_embed_dim", "8192"),
       "weights of 16777216 x 8192"},
  };
  for (const Case &c : cases) {
    std::string msg = errorOf(c.text);
    EXPECT_NE(msg.find("config.json: "), std::string::npos) << c.text;
    EXPECT_NE(msg.find(c.message), std::string::npos)
        << "expected '" << c.message << "', got '" << msg << "'";
  }
}

TEST(ModelConfig, MissingFileIsAClearError) {
  try {
    ModelConfig::load("/nonexistent/config.json");
    FAIL();
  } catch (const Error &e) {
    EXPECT_STREQ(e.what(), "/nonexistent/config.json: cannot open (missing "
                           "config.json?): No such file or directory");
  }
}

TEST(ModelConfig, DirectoryIsNotAConfig) {
  try {
    ModelConfig::load("/");
    FAIL();
  } catch (const Error &e) {
    EXPECT_STREQ(e.what(), "/: not a regular file");
  }
}

} // namespace
