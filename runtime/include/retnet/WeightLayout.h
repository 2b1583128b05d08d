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
// An int8 artifact (`retnet-compile --weights int8`) quantizes the
// projection matrices and the output head, per output channel and
// symmetrically: column n of a stored [in, out] matrix is q[·, n] · s[n] with
// q in [-127, 127] and s[n] = max|w[·, n]| / 127. Its buffer is two regions:
// the f32 region (embedding, norm weights and every matrix's scales), then,
// at byte totalFloats · 4, the int8 region (the matrices' q, each on a
// 64-byte boundary).
//
//===----------------------------------------------------------------------===//

#ifndef RETNET_WEIGHTLAYOUT_H
#define RETNET_WEIGHTLAYOUT_H

#include "retnet/ModelConfig.h"

#include <cstdint>
#include <string>
#include <vector>

namespace retnet {

enum class WeightDType : int64_t;

struct PackedTensor {
  std::string name;           ///< canonical (torchscale) name, Checkpoint.h
  std::vector<int64_t> shape; ///< shape with every head (before transposing)
  bool transposed = false;    ///< stored as shapeᵀ ([in, out] for a matrix)
  int64_t offset = 0;         ///< in elements from the buffer start
  /// Int8 layouts: the matrix is quantized; `offset` is then in bytes from
  /// the int8 region's start and its out scales (f32) sit at scaleOffset.
  bool quantized = false;
  int64_t scaleOffset = 0;
  /// Output channels: the stored matrix's columns (its shape[0]).
  int64_t outChannels() const { return shape.front(); }
  int64_t elements() const {
    int64_t n = 1;
    for (int64_t s : shape)
      n *= s;
    return n;
  }
};

struct WeightLayout {
  std::vector<PackedTensor> tensors;
  /// Elements in the buffer (floats in an f32 artifact); in an int8 one,
  /// the f32 region's.
  int64_t totalFloats = 0;
  /// Layer l's tensors sit layerStride·l elements after layer 0's (in an
  /// int8 layout: in the f32 region; layerStrideInt8 bytes in the other).
  int64_t layerStride = 0;
  /// Int8 layouts: bytes of the int8 region.
  int64_t totalInt8 = 0;
  int64_t layerStrideInt8 = 0;

  /// The tensor made from `name`, or nullptr.
  const PackedTensor *find(const std::string &name) const;
  /// The layout for `config`; the head is listed as
  /// "output_projection.weight" even when a tied checkpoint stores only
  /// "embed_tokens.weight" (the runtime packs the embedding then).
  static WeightLayout forConfig(const ModelConfig &config);
  /// The layout of a buffer of `type` (only Int8 differs from forConfig's).
  static WeightLayout forConfig(const ModelConfig &config,
                                WeightDType type);
  /// Bytes of a buffer of `type` in this layout.
  int64_t bytes(WeightDType type) const;
};

/// Version of the compiled-model ABI (entry points, argument order and this
/// layout). Artifacts record it; the runtime refuses a mismatch.
/// 2: retnet_artifact_target() added.
/// 3: retnet_artifact_weight_dtype() added; tensors aligned to 32 elements.
/// (Int8, weight dtype 3, added later: a version-3 runtime refuses it as an
/// unknown weight type, so the version stays.)
/// 4: retnet_artifact_chunk_size() and retnet_artifact_parallel_limit()
///    added (the chunks the prefill entries were compiled with, which
///    RETNET_FORM_AUTO's cost model needs).
constexpr int64_t kArtifactAbiVersion = 4;

/// What retnet_artifact_weight_dtype() returns: the element type of the
/// weight buffer (`retnet-compile --dtype`) and of the activations between
/// a layer's ops (accumulation, the residual stream, the retention state,
/// norm statistics and the logits are f32 in every case). Int8: the
/// matrices int8 with f32 scales (weight-only quantization), everything
/// else, activations included, f32.
enum class WeightDType : int64_t { F32 = 0, BF16 = 1, F16 = 2, Int8 = 3 };

/// "f32", "bf16", "f16", "int8".
const char *weightDTypeName(WeightDType t);
/// Bytes per element of the buffer's floats (Int8: its f32 region's).
inline int64_t weightDTypeBytes(WeightDType t) {
  return t == WeightDType::F32 || t == WeightDType::Int8 ? 4 : 2;
}

/// Symmetric per-channel int8, shared by the runtime (which quantizes at
/// load) and the float64 reference: the scale of the channel `w[0, n)`,
/// max|w| / 127 over its finite values (0 for an all-zero channel), and
/// q = round(w / scale) (ties away from zero) clamped to [-127, 127].
double int8Scale(const double *w, int64_t n);
int8_t quantizeInt8(double w, double scale);

/// What retnet_artifact_target() returns: where the entry points compute.
/// A CUDA artifact's buffers (weights, tokens, positions, states, logits)
/// must be readable by the GPU and by its host code (CUDA managed memory).
enum class ArtifactTarget : int64_t { Cpu = 0, Cuda = 1 };

} // namespace retnet

#endif // RETNET_WEIGHTLAYOUT_H
