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
  "share_decoder_input_output_embed": true, "dropout": 0.1})";

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
  EXPECT_EQ(c.unknownKeys, std::vector<std::string>{"dropout"});
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
