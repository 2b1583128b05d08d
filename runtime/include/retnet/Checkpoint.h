//===- Checkpoint.h - a checkpoint's tensors by their canonical names -*- C++
//-*-===//
//
// Checkpoints name their tensors in one of three layouts (docs/fla-format.md):
// torchscale's (`embed_tokens.weight`, `layers.N.retention.q_proj.weight`,
// …), syncdoth/RetNet's Hugging Face layout (the same names under `model.`,
// the head as `lm_head.weight`) and flash-linear-attention's
// (`model.embeddings.weight`, `model.layers.N.attn.q_proj.weight`, …). The
// rest of the project uses torchscale's names (the canonical names); this
// maps them to the file's and reads the tensors as doubles:
//   - fla's old fused `mlp.gate_proj` (twice the MLP width) is split: its
//     first half is `ffn.fc1`, its second `ffn.gate`;
//   - a tied head (`output_projection.weight` absent) is the embedding;
//   - fla's group-norm weight is `layers.N.retention.group_norm.weight`
//     (`attn.g_norm_swish_gate.weight` or `attn.g_norm.weight`).
// `packed()` gives a tensor as the compiled model's weight buffer holds it
// (WeightLayout): grouped key/value heads repeated to full heads, and the
// group-norm weight folded into the output projection's columns.
//
//===----------------------------------------------------------------------===//

#ifndef RETNET_CHECKPOINT_H
#define RETNET_CHECKPOINT_H

#include "retnet/ModelConfig.h"
#include "retnet/Safetensors.h"
#include "retnet/WeightLayout.h"

#include <cstdint>
#include <string>
#include <vector>

namespace retnet {

enum class CheckpointLayout { Torchscale, Syncdoth, Fla };

/// "torchscale", "syncdoth", "fla".
const char *checkpointLayoutName(CheckpointLayout l);

class Checkpoint {
public:
  /// Tells the layout from the config's format and the file's names.
  Checkpoint(const ModelConfig &config, const SafetensorsFile &file);

  CheckpointLayout layout() const { return kind; }
  const SafetensorsFile &file() const { return st; }

  /// The shape the checkpoint stores canonical tensor `name` in (grouped
  /// key/value heads: kvHeads · head dim rows).
  std::vector<int64_t> shape(const std::string &name) const;
  /// Checks that `name` is in the file with shape(name) (or the fused
  /// tensor it is part of) and a float dtype; throws retnet::Error naming
  /// the file's tensor.
  void check(const std::string &name) const;
  /// The tensor, row-major in shape(name).
  std::vector<double> load(const std::string &name) const;
  /// Layout entry `t` as the weight buffer holds it, before transposition
  /// and rounding: row-major in t.shape.
  std::vector<double> packed(const PackedTensor &t) const;
  /// Every canonical tensor the config needs (WeightLayout's, plus the
  /// group-norm weights folded into the output projections).
  std::vector<std::string> needed() const;
  /// The file's tensors that no canonical tensor reads (torchscale's derived
  /// `retnet_rel_pos.*` buffers excepted).
  std::vector<std::string> unused() const;

private:
  /// The file's tensor for `name`, and the rows of it that `name` takes
  /// (all of them unless fused).
  struct Source {
    std::string tensor;
    int64_t rowBegin = 0, rows = -1;
  };
  Source source(const std::string &name) const;

  const ModelConfig &c;
  const SafetensorsFile &st;
  CheckpointLayout kind;
};

} // namespace retnet

#endif // RETNET_CHECKPOINT_H
