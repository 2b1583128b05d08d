//===- WeightLayout.h - the packed weight buffer of an artifact -*- C++ -*-===//
//
// Compiled models take their weights as one buffer of one element type, f32,
// bf16 or f16 (weights are not compiled in, DESIGN.md §3; the artifact
// records the type). This is its layout, a function of the config alone,
// shared by the importer (which reads each tensor at its offset) and the
// runtime (which packs a checkpoint into it). Projection matrices are stored
// transposed, [in, out] row-major, so that every matmul streams its weight
// rows contiguously; the output head is the transposed embedding when the
// checkpoint ties them. Each tensor starts on a multiple of 32 elements (a
// 64-byte boundary in 16 bits, 128 bytes in f32).
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
  std::string name;           ///< canonical (torchscale) name, Checkpoint.h
  std::vector<int64_t> shape; ///< shape with every head (before transposing)
  bool transposed = false;    ///< stored as shapeᵀ ([in, out] for a matrix)
  int64_t offset = 0;         ///< in elements from the buffer start
  int64_t elements() const {
    int64_t n = 1;
    for (int64_t s : shape)
      n *= s;
    return n;
  }
};

struct WeightLayout {
  std::vector<PackedTensor> tensors;
  /// Elements in the buffer (floats in an f32 artifact).
  int64_t totalFloats = 0;
  /// Layer l's tensors sit layerStride·l elements after layer 0's.
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
/// 3: retnet_artifact_weight_dtype() added; tensors aligned to 32 elements.
constexpr int64_t kArtifactAbiVersion = 3;

/// What retnet_artifact_weight_dtype() returns: the element type of the
/// weight buffer (`retnet-compile --dtype`) and of the activations between
/// a layer's ops (accumulation, the residual stream, the retention state,
/// norm statistics and the logits are f32 in every case).
enum class WeightDType : int64_t { F32 = 0, BF16 = 1, F16 = 2 };

/// "f32", "bf16", "f16".
const char *weightDTypeName(WeightDType t);
/// Bytes per element.
inline int64_t weightDTypeBytes(WeightDType t) {
  return t == WeightDType::F32 ? 4 : 2;
}

/// What retnet_artifact_target() returns: where the entry points compute.
/// A CUDA artifact's buffers (weights, tokens, positions, states, logits)
/// must be readable by the GPU and by its host code (CUDA managed memory).
enum class ArtifactTarget : int64_t { Cpu = 0, Cuda = 1 };

} // namespace retnet

#endif // RETNET_WEIGHTLAYOUT_H
