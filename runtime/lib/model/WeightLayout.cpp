//===- WeightLayout.cpp - the packed weight buffer of an artifact ---------===//

#include "retnet/WeightLayout.h"

namespace retnet {

const char *weightDTypeName(WeightDType t) {
  switch (t) {
  case WeightDType::F32:
    return "f32";
  case WeightDType::BF16:
    return "bf16";
  case WeightDType::F16:
    return "f16";
  }
  return "?";
}

const PackedTensor *WeightLayout::find(const std::string &name) const {
  for (const PackedTensor &t : tensors)
    if (t.name == name)
      return &t;
  return nullptr;
}

WeightLayout WeightLayout::forConfig(const ModelConfig &c) {
  WeightLayout layout;
  auto add = [&](const std::string &name, std::vector<int64_t> shape,
                 bool transposed) {
    PackedTensor t{name, std::move(shape), transposed, layout.totalFloats};
    layout.totalFloats += (t.elements() + 31) / 32 * 32;
    layout.tensors.push_back(std::move(t));
  };
  const int64_t d = c.embedDim, dk = c.keyEmbedDim, dv = c.valueEmbedDim,
                F = c.ffnDim, V = c.vocabSize;
  add("embed_tokens.weight", {V, d}, false);
  if (c.layernormEmbedding)
    add("layernorm_embedding.weight", {d}, false);
  for (int64_t l = 0; l < c.layers; ++l) {
    int64_t layerStart = layout.totalFloats;
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
  }
  add("layer_norm.weight", {d}, false);
  add("output_projection.weight", {V, d}, true);
  return layout;
}

} // namespace retnet
