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

#endif // RETENTION_DIALECT_RETENTION_TRANSFORMS_PASSES_TD
