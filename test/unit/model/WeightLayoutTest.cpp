//===- WeightLayoutTest.cpp - packed weight layouts and int8 quantization -===//

#include "retnet/ModelConfig.h"
#include "retnet/WeightLayout.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

using namespace retnet;

namespace {

ModelConfig config() {
  return ModelConfig::parse(R"({
  "decoder_embed_dim": 64, "decoder_value_embed_dim": 128,
  "decoder_retention_heads": 4, "decoder_ffn_embed_dim": 96,
  "decoder_layers": 3, "vocab_size": 100, "activation_fn": "swish",
  "layernorm_eps": 1e-5, "no_scale_embedding": false,
  "layernorm_embedding": true, "recurrent_chunk_size": 16,
  "share_decoder_input_output_embed": true})",
                            "config.json");
}

/// [begin, end) byte ranges of every tensor (and int8 scales) of a layout
/// of `type`, for every layer, do not overlap and fit the buffer.
void expectDisjoint(const ModelConfig &c, WeightDType type) {
  WeightLayout layout = WeightLayout::forConfig(c, type);
  const int64_t fb = weightDTypeBytes(type), i8Base = layout.totalFloats * fb;
  std::vector<std::pair<int64_t, int64_t>> ranges;
  for (const PackedTensor &t : layout.tensors) {
    if (t.quantized) {
      ranges.push_back({i8Base + t.offset, i8Base + t.offset + t.elements()});
      ranges.push_back({t.scaleOffset * fb,
                        (t.scaleOffset + t.outChannels()) * fb});
      EXPECT_EQ(t.offset % 64, 0) << t.name;
    } else {
      ranges.push_back({t.offset * fb, (t.offset + t.elements()) * fb});
    }
  }
  std::sort(ranges.begin(), ranges.end());
  for (size_t i = 0; i + 1 < ranges.size(); ++i)
    EXPECT_LE(ranges[i].second, ranges[i + 1].first);
  EXPECT_LE(ranges.back().second, layout.bytes(type));
  EXPECT_GE(ranges.back().second, layout.bytes(type) - 64);
}

TEST(WeightLayout, RegionsAreDisjoint) {
  ModelConfig c = config();
  for (WeightDType t : {WeightDType::F32, WeightDType::BF16,
                        WeightDType::F16, WeightDType::Int8})
    expectDisjoint(c, t);
}

TEST(WeightLayout, Int8QuantizesExactlyTheMatrices) {
  ModelConfig c = config();
  WeightLayout f32 = WeightLayout::forConfig(c),
               i8 = WeightLayout::forConfig(c, WeightDType::Int8);
  ASSERT_EQ(f32.tensors.size(), i8.tensors.size());
  int64_t matrices = 0;
  for (size_t i = 0; i < i8.tensors.size(); ++i) {
    EXPECT_EQ(i8.tensors[i].name, f32.tensors[i].name);
    EXPECT_EQ(i8.tensors[i].quantized, f32.tensors[i].transposed);
    matrices += i8.tensors[i].quantized;
  }
  // 8 per layer (q, k, v, g, out, fc1, gate, fc2) and the head.
  EXPECT_EQ(matrices, 8 * c.layers + 1);
  // A quarter of f32's matrix bytes, plus the scales.
  EXPECT_LT(i8.bytes(WeightDType::Int8), f32.bytes(WeightDType::F32) / 2);
  // Layer l's tensors sit l strides after layer 0's in both regions.
  const PackedTensor *q0 = i8.find("layers.0.retention.q_proj.weight"),
                     *q2 = i8.find("layers.2.retention.q_proj.weight");
  ASSERT_TRUE(q0 && q2);
  EXPECT_EQ(q2->offset - q0->offset, 2 * i8.layerStrideInt8);
  EXPECT_EQ(q2->scaleOffset - q0->scaleOffset, 2 * i8.layerStride);
}

TEST(WeightLayout, Int8RoundTripWithinHalfAStep) {
  std::mt19937 rng(7);
  std::normal_distribution<double> normal(0.0, 0.3);
  std::vector<double> w(257);
  for (double &x : w)
    x = normal(rng);
  double scale = int8Scale(w.data(), int64_t(w.size()));
  double maxAbs = 0;
  for (double x : w)
    maxAbs = std::max(maxAbs, std::fabs(x));
  EXPECT_DOUBLE_EQ(scale, maxAbs / 127.0);
  int extremes = 0;
  for (double x : w) {
    int q = quantizeInt8(x, scale);
    EXPECT_GE(q, -127);
    EXPECT_LE(q, 127);
    EXPECT_LE(std::fabs(q * scale - x), scale / 2 * (1 + 1e-12));
    extremes += std::abs(q) == 127;
  }
  EXPECT_GE(extremes, 1); // the largest magnitude maps to ±127
}

TEST(WeightLayout, Int8EdgeCases) {
  std::vector<double> zeros(16, 0.0);
  EXPECT_EQ(int8Scale(zeros.data(), 16), 0.0);
  EXPECT_EQ(quantizeInt8(0.5, 0.0), 0); // an all-zero channel stays zero
  std::vector<double> bad = {1.0, INFINITY, NAN, -2.54};
  double s = int8Scale(bad.data(), 4); // non-finite values are ignored
  EXPECT_DOUBLE_EQ(s, 2.54 / 127.0);
  EXPECT_EQ(quantizeInt8(-2.54, s), -127);
  EXPECT_EQ(quantizeInt8(1e9, s), 127); // clamped
  EXPECT_EQ(quantizeInt8(NAN, s), 0);
}

} // namespace
