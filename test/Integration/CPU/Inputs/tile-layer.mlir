// Transform-dialect schedules over the layer ops' TilingInterface, used by
// ../layer-16bit.test: @tile_layers tiles every multi_scale layer over the
// batch (one sequence per tile); after `retention-decompose-layers
// {layers-only}` has split each tile into projections, rotate, the core
// form and group_norm, @tile_parts tiles the rotations over (batch, head,
// token) and the group norms over (batch, token), 8 tokens per tile (T = 37:
// the last tile is partial).
module attributes {transform.with_named_sequence} {
  transform.named_sequence @tile_layers(%root: !transform.any_op {transform.readonly}) {
    %layer = transform.structured.match ops{["retention.multi_scale"]} in %root
        : (!transform.any_op) -> !transform.any_op
    %tile, %loop = transform.structured.tile_using_forall %layer tile_sizes [1]
        : (!transform.any_op) -> (!transform.any_op, !transform.any_op)
    transform.yield
  }
  transform.named_sequence @tile_parts(%root: !transform.any_op {transform.readonly}) {
    %rot = transform.structured.match ops{["retention.rotate"]} in %root
        : (!transform.any_op) -> !transform.any_op
    %rt, %rl = transform.structured.tile_using_forall %rot tile_sizes [1, 1, 8]
        : (!transform.any_op) -> (!transform.any_op, !transform.any_op)
    %gn = transform.structured.match ops{["retention.group_norm"]} in %root
        : (!transform.any_op) -> !transform.any_op
    %gt, %gl0, %gl1 = transform.structured.tile_using_for %gn tile_sizes [1, 8]
        : (!transform.any_op) -> (!transform.any_op, !transform.any_op, !transform.any_op)
    transform.yield
  }
}
