//===- ModelImport.h - a RetNet model as MLIR -------------------*- C++ -*-===//
//
// Builds the whole-model module of DESIGN.md §2 from a config: embedding,
// pre-norm blocks (multi-scale retention with the core retention ops, GLU
// FFN), final norm and output head, on tensors, with these C entry points
// (llvm.emit_c_interface; weights passed in, never compiled in):
//
//   retnet_artifact_prefill_{parallel,chunkwise,recurrent}(
//       weights memref<?xW>, tokens memref<?xi64> [T], start memref<1xi64>,
//       state_in memref<1xLxHxdkxdvxf32>, state_out (same),
//       logits memref<?xVxf32> [T, V])
//     one sequence of T tokens at absolute positions start … start+T−1,
//     processed with that retention form ("parallel" is one chunk of the
//     whole prompt, i.e. the parallel form plus the state update).
//   retnet_artifact_decode(weights, tokens memref<?xi64> [B], positions
//   memref<?xi64>
//       [B], state_in memref<?xLxHxdkxdvxf32>, state_out, logits
//       memref<?xVxf32>)
//     one token for each of B sequences with the recurrent form.
//   retnet_artifact_abi_version() -> i64, retnet_artifact_weight_floats() ->
//   i64 (elements), retnet_artifact_target() -> i64 (retnet::ArtifactTarget),
//   retnet_artifact_weight_dtype() -> i64 (retnet::WeightDType)
//
// The weight buffer follows retnet::WeightLayout in the element type W (f32,
// bf16 or f16: ModelImportOptions::weightType). With 16-bit weights the
// normed activations that feed the projections and the layer, the layer's
// activations and the FFN's gated activation are 16-bit too; every product
// accumulates in f32, and the residual stream, the norm statistics, the
// state [B, L, H, dk, dv] (one contiguous block per sequence) and the logits
// are f32. With Int8 weights the buffer is memref<?xi8>: its f32 region
// (everything but the matrices, and their scales) and its int8 region
// (WeightLayout.h) are memref.view's of it; each matrix is read as
// sitofp(q) * scale, which retention-fold-dequant turns into an int8 matmul
// followed by the per-column scale; activations are f32.
//
//===----------------------------------------------------------------------===//

#ifndef RETENTION_IMPORT_MODELIMPORT_H
#define RETENTION_IMPORT_MODELIMPORT_H

#include "retnet/ModelConfig.h"
#include "retnet/WeightLayout.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"

namespace mlir::retention {

struct ModelImportOptions {
  /// Chunk size of the chunkwise prefill; 0 takes the config's
  /// recurrent_chunk_size.
  int64_t chunkSize = 0;
  /// The "parallel" prefill is one chunk of this many tokens: prompts up to
  /// this length run in the parallel form, longer ones chunk by chunk.
  int64_t parallelLimit = 8192;
  /// Recorded in retnet_artifact_target(): the runtime places buffers by it.
  retnet::ArtifactTarget target = retnet::ArtifactTarget::Cpu;
  /// Element type of the weight buffer and of the 16-bit activations
  /// (Int8: int8 matrices, everything else f32); recorded in retnet_artifact_weight_dtype(): the runtime converts the
  /// checkpoint to it at load.
  retnet::WeightDType weightType = retnet::WeightDType::F32;
};

/// Registers the dialects the imported module uses.
void registerModelImportDialects(DialectRegistry &registry);

/// The model as MLIR, verified; null after an error diagnostic at `loc`.
OwningOpRef<ModuleOp> importModel(MLIRContext *context,
                                  const retnet::ModelConfig &config,
                                  const ModelImportOptions &options);

} // namespace mlir::retention

#endif // RETENTION_IMPORT_MODELIMPORT_H
