//===- WeightLayout.h - the packed f32 weight buffer of an artifact -*- C++
//-*-//
//
// Compiled models take their weights as one f32 buffer (weights are not
// compiled in, DESIGN.md §3). This is its layout, a function of the config
// alone, shared by the importer (which reads each tensor at its offset) and
// the runtime (which packs a checkpoint into it). Projection matrices are
// stored transposed, [in, out] row-major, so that every matmul streams its
// weight rows contiguously; the output head is the transposed embedding when
// the checkpoint ties them. Each tensor starts on a 64-byte boundary.
//
//===----------------------------------------------------------------------===//

#ifndef RETNET_WEIGHTLAYOUT_H
#define RETNET_WEIGHTLAYOUT_H

#include "retnet/ModelConfig.h"

#include <cstdint>
#include <string>
#include <vector>

namespace retnet {

struct PackedTensor {
  std::string name;           ///< checkpoint tensor it is made from
  std::vector<int64_t> shape; ///< shape in the checkpoint
  bool transposed = false;    ///< stored as shapeᵀ ([in, out] for a matrix)
  int64_t offset = 0;         ///< in floats from the buffer start
  int64_t elements() const {
    int64_t n = 1;
    for (int64_t s : shape)
      n *= s;
    return n;
  }
};

struct WeightLayout {
  std::vector<PackedTensor> tensors;
  int64_t totalFloats = 0;
  /// Layer l's tensors sit layerStride·l floats after layer 0's.
  int64_t layerStride = 0;

  /// The tensor made from `name`, or nullptr.
  const PackedTensor *find(const std::string &name) const;
  /// The layout for `config`; the head is listed as
  /// "output_projection.weight" even when a tied checkpoint stores only
  /// "embed_tokens.weight" (the runtime packs the embedding then).
  static WeightLayout forConfig(const ModelConfig &config);
};

/// Version of the compiled-model ABI (entry points, argument order and this
/// layout). Artifacts record it; the runtime refuses a mismatch.
/// 2: retnet_artifact_target() added.
constexpr int64_t kArtifactAbiVersion = 2;

/// What retnet_artifact_target() returns: where the entry points compute.
/// A CUDA artifact's buffers (weights, tokens, positions, states, logits)
/// must be readable by the GPU and by its host code (CUDA managed memory).
enum class ArtifactTarget : int64_t { Cpu = 0, Cuda = 1 };

} // namespace retnet

#endif // RETNET_WEIGHTLAYOUT_H
