// RUN: retnet-opt %s --transform-interpreter --split-input-file -verify-diagnostics
//
// A head tile of retention.rotate must have a static size (the heads are
// static in its types): a tile of 2 over 3 heads leaves a partial one, and
// tiling fails with a diagnostic instead of an op the verifier rejects.

func.func @rotate_partial_heads(%x: tensor<1x4x24xf32>, %p: tensor<1x4xi64>,
                                %i: tensor<1x3x4x8xf32>) -> tensor<1x3x4x8xf32> {
  // expected-error@+3 {{a head tile must have a static size (the heads are static in the types); use a tile size that divides H = 3}}
  // expected-error@+2 {{to tile operation}}
  // expected-error@+1 {{failed to generate tiling loops}}
  %r = retention.rotate %x, %p outs(%i)
      : (tensor<1x4x24xf32>, tensor<1x4xi64>, tensor<1x3x4x8xf32>) -> tensor<1x3x4x8xf32>
  return %r : tensor<1x3x4x8xf32>
}

module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %op = transform.structured.match ops{["retention.rotate"]} in %root
        : (!transform.any_op) -> !transform.any_op
    %tiled, %loop = transform.structured.tile_using_for %op tile_sizes [0, 2]
        : (!transform.any_op) -> (!transform.any_op, !transform.any_op)
    transform.yield
  }
}
