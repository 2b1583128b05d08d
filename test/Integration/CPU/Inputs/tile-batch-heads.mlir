// A transform-dialect schedule: every retention form op tiled by upstream
// tile_using_forall over its TilingInterface, one (batch, head) per tile.
// Used by ../transform-tiling.mlir.
module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %ops = transform.structured.match ops{["retention.chunkwise", "retention.parallel", "retention.recurrent"]} in %root
        : (!transform.any_op) -> !transform.any_op
    %tiled, %loops = transform.structured.tile_using_forall %ops tile_sizes [1, 1]
        : (!transform.any_op) -> (!transform.any_op, !transform.any_op)
    transform.yield
  }
}
