//===- Checkpoint.cpp - a checkpoint's tensors by their canonical names ---===//

#include "retnet/Checkpoint.h"

#include "retnet/Error.h"
#include "retnet/ModelReference.h"

#include <set>

namespace retnet {
namespace {

bool startsWith(const std::string &s, const std::string &prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
}

/// "layers.N.rest" → ("layers.N.", "rest"); anything else → ("", name).
std::pair<std::string, std::string> splitLayer(const std::string &name) {
  if (!startsWith(name, "layers."))
    return {"", name};
  size_t dot = name.find('.', 7);
  if (dot == std::string::npos)
    return {"", name};
  return {name.substr(0, dot + 1), name.substr(dot + 1)};
}

} // namespace

const char *checkpointLayoutName(CheckpointLayout l) {
  switch (l) {
  case CheckpointLayout::Torchscale:
    return "torchscale";
  case CheckpointLayout::Syncdoth:
    return "syncdoth";
  case CheckpointLayout::Fla:
    return "fla";
  }
  return "?";
}

Checkpoint::Checkpoint(const ModelConfig &config, const SafetensorsFile &file)
    : c(config), st(file) {
  const auto &t = file.tensors();
  if (c.format == ConfigFormat::Fla)
    kind = CheckpointLayout::Fla;
  else if (!t.count("embed_tokens.weight") &&
           t.count("model.embed_tokens.weight"))
    kind = CheckpointLayout::Syncdoth;
  else
    kind = CheckpointLayout::Torchscale;
}

std::vector<int64_t> Checkpoint::shape(const std::string &name) const {
  const int64_t d = c.embedDim, V = c.vocabSize, F = c.ffnDim,
                Dk = c.keyEmbedDim, Dv = c.valueEmbedDim,
                kvK = c.kvHeads * c.keyHeadDim(),
                kvV = c.kvHeads * c.valueHeadDim();
  auto [layer, rest] = splitLayer(name);
  if (layer.empty()) {
    if (rest == "embed_tokens.weight" || rest == "output_projection.weight")
      return {V, d};
    return {d}; // layernorm_embedding, layer_norm
  }
  if (rest == "retention.q_proj.weight")
    return {Dk, d};
  if (rest == "retention.k_proj.weight")
    return {kvK, d};
  if (rest == "retention.v_proj.weight")
    return {kvV, d};
  if (rest == "retention.g_proj.weight")
    return {Dv, d};
  if (rest == "retention.out_proj.weight")
    return {d, Dv};
  if (rest == "retention.group_norm.weight")
    return {c.valueHeadDim()};
  if (rest == "ffn.fc1.weight" || rest == "ffn.gate.weight")
    return {F, d};
  if (rest == "ffn.fc2.weight")
    return {d, F};
  return {d}; // retention_layer_norm, final_layer_norm
}

Checkpoint::Source Checkpoint::source(const std::string &name) const {
  const auto &t = st.tensors();
  switch (kind) {
  case CheckpointLayout::Torchscale:
    if (name == "output_projection.weight" && c.tiedEmbeddings &&
        !t.count(name))
      return {"embed_tokens.weight"};
    return {name};
  case CheckpointLayout::Syncdoth:
    if (name == "output_projection.weight")
      return {c.tiedEmbeddings && !t.count("lm_head.weight")
                  ? "model.embed_tokens.weight"
                  : "lm_head.weight"};
    return {"model." + name};
  case CheckpointLayout::Fla:
    break;
  }
  auto [layer, rest] = splitLayer(name);
  if (layer.empty()) {
    if (name == "embed_tokens.weight")
      return {"model.embeddings.weight"};
    if (name == "layer_norm.weight")
      return {"model.norm.weight"};
    if (name == "output_projection.weight")
      return {c.tiedEmbeddings && !t.count("lm_head.weight")
                  ? "model.embeddings.weight"
                  : "lm_head.weight"};
    return {name};
  }
  const std::string p = "model." + layer;
  static const std::pair<const char *, const char *> names[] = {
      {"retention_layer_norm.weight", "attn_norm.weight"},
      {"retention.q_proj.weight", "attn.q_proj.weight"},
      {"retention.k_proj.weight", "attn.k_proj.weight"},
      {"retention.v_proj.weight", "attn.v_proj.weight"},
      {"retention.g_proj.weight", "attn.g_proj.weight"},
      {"retention.out_proj.weight", "attn.o_proj.weight"},
      {"final_layer_norm.weight", "mlp_norm.weight"},
      {"ffn.fc2.weight", "mlp.down_proj.weight"}};
  for (auto [canonical, fla] : names)
    if (rest == canonical)
      return {p + fla};
  if (rest == "retention.group_norm.weight")
    return {t.count(p + "attn.g_norm.weight") &&
                    !t.count(p + "attn.g_norm_swish_gate.weight")
                ? p + "attn.g_norm.weight"
                : p + "attn.g_norm_swish_gate.weight"};
  // The MLP: gate_proj (activated) and up_proj, or one gate_proj of twice
  // the width (fla before 2024) whose halves they are.
  const bool fused = !t.count(p + "mlp.up_proj.weight") &&
                     t.count(p + "mlp.gate_proj.weight") &&
                     t.at(p + "mlp.gate_proj.weight").shape.size() == 2 &&
                     t.at(p + "mlp.gate_proj.weight").shape[0] == 2 * c.ffnDim;
  if (rest == "ffn.fc1.weight")
    return fused ? Source{p + "mlp.gate_proj.weight", 0, c.ffnDim}
                 : Source{p + "mlp.gate_proj.weight"};
  if (rest == "ffn.gate.weight")
    return fused ? Source{p + "mlp.gate_proj.weight", c.ffnDim, c.ffnDim}
                 : Source{p + "mlp.up_proj.weight"};
  return {name};
}

void Checkpoint::check(const std::string &name) const {
  Source s = source(name);
  std::vector<int64_t> want = shape(name);
  if (s.rows >= 0)
    want[0] *= 2;
  checkWeight(st, s.tensor, want);
}

std::vector<double> Checkpoint::load(const std::string &name) const {
  Source s = source(name);
  std::vector<int64_t> want = shape(name);
  if (s.rows < 0)
    return loadWeight(st, s.tensor, want);
  std::vector<int64_t> whole = want;
  whole[0] *= 2;
  std::vector<double> all = loadWeight(st, s.tensor, whole);
  const int64_t cols = want[1];
  return std::vector<double>(all.begin() + s.rowBegin * cols,
                             all.begin() + (s.rowBegin + s.rows) * cols);
}

std::vector<double> Checkpoint::packed(const PackedTensor &t) const {
  auto [layer, rest] = splitLayer(t.name);
  const int64_t groups = c.heads / c.kvHeads;
  if (groups > 1 && (rest == "retention.k_proj.weight" ||
                     rest == "retention.v_proj.weight")) {
    // Query head h reads key/value head h / groups (fla repeats each
    // key/value head `groups` times in a row).
    std::vector<double> w = load(t.name);
    const int64_t hd = rest == "retention.k_proj.weight" ? c.keyHeadDim()
                                                         : c.valueHeadDim(),
                  cols = c.embedDim;
    std::vector<double> out(size_t(c.heads * hd * cols));
    for (int64_t h = 0; h < c.heads; ++h)
      std::copy(w.begin() + (h / groups) * hd * cols,
                w.begin() + (h / groups + 1) * hd * cols,
                out.begin() + h * hd * cols);
    return out;
  }
  if (c.groupNormWeight && rest == "retention.out_proj.weight") {
    // (silu(g) ⊙ norm(y) ⊙ w) Woᵀ = (silu(g) ⊙ norm(y)) (Wo diag(w))ᵀ: the
    // weight, shared by the heads, scales the output projection's columns.
    std::vector<double> wo = load(t.name);
    std::vector<double> w = load(layer + "retention.group_norm.weight");
    const int64_t Dv = c.valueEmbedDim, dv = c.valueHeadDim();
    for (int64_t r = 0; r < c.embedDim; ++r)
      for (int64_t j = 0; j < Dv; ++j)
        wo[size_t(r * Dv + j)] *= w[size_t(j % dv)];
    return wo;
  }
  return load(t.name);
}

std::vector<std::string> Checkpoint::needed() const {
  std::vector<std::string> out;
  for (const PackedTensor &t : WeightLayout::forConfig(c).tensors)
    out.push_back(t.name);
  if (c.groupNormWeight)
    for (int64_t l = 0; l < c.layers; ++l)
      out.push_back("layers." + std::to_string(l) +
                    ".retention.group_norm.weight");
  return out;
}

std::vector<std::string> Checkpoint::unused() const {
  std::set<std::string> used;
  for (const std::string &n : needed())
    used.insert(source(n).tensor);
  std::vector<std::string> out;
  for (const auto &[name, info] : st.tensors())
    if (!used.count(name) && name.find("retnet_rel_pos.") == std::string::npos)
      out.push_back(name);
  return out;
}

} // namespace retnet
