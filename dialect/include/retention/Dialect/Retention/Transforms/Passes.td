//===- Passes.td - retention dialect passes ----------------*- tablegen -*-===//
//
// Passes that rewrite retention ops among themselves.
//
//===----------------------------------------------------------------------===//

#ifndef RETENTION_DIALECT_RETENTION_TRANSFORMS_PASSES_TD
#define RETENTION_DIALECT_RETENTION_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def RetentionSelectFormPass : Pass<"retention-select-form"> {
  let summary = "Rewrite retention ops into the parallel, chunkwise or recurrent form";
  let description = [{
    The three forms compute the same function (DESIGN.md §2), so any op can be
    rewritten into any form; this pass makes that choice.

    - `form=parallel`: the parallel form. An op whose final state is used
      becomes `retention.chunkwise` with `chunk_size = T` instead (one chunk:
      the parallel form plus the state update); with a dynamic T it is left
      as it is.
    - `form=recurrent`: the recurrent form.
    - `form=chunkwise`: the chunkwise form with `chunk_size = chunk-size`.
    - `form=auto` (default): recurrent for T = 1, parallel for T <= chunk
      size, chunkwise otherwise (and for a dynamic T).

    Example (`form=auto chunk-size=64`): a `retention.parallel` on T = 1000
    tokens becomes a `retention.chunkwise` with `chunk_size = 64`.
  }];
  let options = [
    Option<"form", "form", "std::string", /*default=*/"\"auto\"",
           "Target form: auto, parallel, chunkwise or recurrent">,
    Option<"chunkSize", "chunk-size", "int64_t", /*default=*/"64",
           "Chunk size of the chunkwise form (and the parallel/chunkwise "
           "threshold of form=auto)">,
  ];
}


def RetentionDecomposeLayersPass : Pass<"retention-decompose-layers"> {
  let summary = "Rewrite the layer ops into core retention ops and linalg";
  let description = [{
    `retention.multi_scale` becomes its four input projections
    (`linalg.matmul`), `retention.rotate` for q and k (k scaled by
    dk^-0.5), the head split of v (`linalg.transpose`), the core op of its
    `form` (`retention.chunkwise` with its `chunk_size`, or
    `retention.recurrent`), `retention.group_norm` and the output
    projection. `retention.rotate` and `retention.group_norm` become
    `linalg.generic` ops: a table generic that depends only on the
    positions (2x2 rotation matrices; 1/δ(n) per head) and the generics
    that use it, so that `loop-invariant-code-motion` hoists the tables out
    of a loop over layers and CSE shares them. The rotation is a 2x2
    contraction per pair (projected-permutation maps, so it vectorizes).
    With `layers-only`, only the `multi_scale` layers are decomposed: their
    `rotate` and `group_norm` ops stay, for a transform-dialect schedule to
    tile (they implement `TilingInterface`) before the pipeline decomposes
    them. Layer ops on memrefs (after bufferization) have no decomposition:
    a diagnostic.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::linalg::LinalgDialect",
    "::mlir::math::MathDialect", "::mlir::tensor::TensorDialect"
  ];
  let options = [
    Option<"layersOnly", "layers-only", "bool", /*default=*/"false",
           "Decompose only the multi_scale layers; keep rotate and group_norm">,
  ];
}

#endif // RETENTION_DIALECT_RETENTION_TRANSFORMS_PASSES_TD
