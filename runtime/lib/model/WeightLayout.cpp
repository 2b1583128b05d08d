//===- WeightLayout.cpp - the packed weight buffer of an artifact ---------===//

#include "retnet/WeightLayout.h"

#include <algorithm>
#include <cmath>

namespace retnet {

const char *weightDTypeName(WeightDType t) {
  switch (t) {
  case WeightDType::F32:
    return "f32";
  case WeightDType::BF16:
    return "bf16";
  case WeightDType::F16:
    return "f16";
  case WeightDType::Int8:
    return "int8";
  }
  return "?";
}

const PackedTensor *WeightLayout::find(const std::string &name) const {
  for (const PackedTensor &t : tensors)
    if (t.name == name)
      return &t;
  return nullptr;
}

double int8Scale(const double *w, int64_t n) {
  double maxAbs = 0;
  for (int64_t i = 0; i < n; ++i)
    if (std::isfinite(w[i]))
      maxAbs = std::max(maxAbs, std::fabs(w[i]));
  return maxAbs / 127.0;
}

int8_t quantizeInt8(double w, double scale) {
  if (!(scale > 0) || !std::isfinite(w))
    return 0;
  double q = std::round(w / scale);
  return int8_t(std::clamp(q, -127.0, 127.0));
}

int64_t WeightLayout::bytes(WeightDType type) const {
  return totalFloats * weightDTypeBytes(type) +
         (type == WeightDType::Int8 ? totalInt8 : 0);
}

WeightLayout WeightLayout::forConfig(const ModelConfig &c) {
  return forConfig(c, WeightDType::F32);
}

WeightLayout WeightLayout::forConfig(const ModelConfig &c, WeightDType type) {
  WeightLayout layout;
  // The matrices (transposed tensors) of an int8 layout are quantized.
  const bool int8 = type == WeightDType::Int8;
  auto add = [&](const std::string &name, std::vector<int64_t> shape,
                 bool transposed) {
    PackedTensor t{name, std::move(shape), transposed, layout.totalFloats};
    if (int8 && transposed) {
      t.quantized = true;
      t.offset = layout.totalInt8;
      layout.totalInt8 += (t.elements() + 63) / 64 * 64;
      t.scaleOffset = layout.totalFloats;
      layout.totalFloats += (t.outChannels() + 31) / 32 * 32;
    } else {
      layout.totalFloats += (t.elements() + 31) / 32 * 32;
    }
    layout.tensors.push_back(std::move(t));
  };
  const int64_t d = c.embedDim, dk = c.keyEmbedDim, dv = c.valueEmbedDim,
                F = c.ffnDim, V = c.vocabSize;
  add("embed_tokens.weight", {V, d}, false);
  if (c.layernormEmbedding)
    add("layernorm_embedding.weight", {d}, false);
  for (int64_t l = 0; l < c.layers; ++l) {
    int64_t layerStart = layout.totalFloats, layerStartInt8 = layout.totalInt8;
    std::string p = "layers." + std::to_string(l) + ".";
    add(p + "retention_layer_norm.weight", {d}, false);
    add(p + "retention.q_proj.weight", {dk, d}, true);
    add(p + "retention.k_proj.weight", {dk, d}, true);
    add(p + "retention.v_proj.weight", {dv, d}, true);
    add(p + "retention.g_proj.weight", {dv, d}, true);
    add(p + "retention.out_proj.weight", {d, dv}, true);
    add(p + "final_layer_norm.weight", {d}, false);
    add(p + "ffn.fc1.weight", {F, d}, true);
    add(p + "ffn.gate.weight", {F, d}, true);
    add(p + "ffn.fc2.weight", {d, F}, true);
    layout.layerStride = layout.totalFloats - layerStart;
    layout.layerStrideInt8 = layout.totalInt8 - layerStartInt8;
  }
  add("layer_norm.weight", {d}, false);
  add("output_projection.weight", {V, d}, true);
  return layout;
}

} // namespace retnet
