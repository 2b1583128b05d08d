// RUN: retnet-opt %s --split-input-file --transform-interpreter --canonicalize --cse | FileCheck %s
//
// The upstream interfaces of the form ops, driven by upstream transforms:
// TilingInterface (tile_using_forall, tile_using_for; the iteration domain
// is (batch, head, value column), the state tile follows the value tile and
// the tile's first head reaches gamma through head_offset),
// tileConsumerAndFuseProducersUsingSCF (transform.structured.fuse: the
// producer of q moves into the loop), destination-passing style (the tiles
// are written into slices of the inits).

// CHECK-LABEL: func.func @tile_forall(
//  CHECK-SAME:     %[[Q:[^:]*]]: tensor<2x3x40x16xf32>, %[[K:[^:]*]]: tensor<2x3x40x16xf32>, %[[V:[^:]*]]: tensor<2x3x40x32xf32>, %[[S:[^:]*]]: tensor<2x3x16x32xf32>, %[[OI:[^:]*]]: tensor<2x3x40x32xf32>, %[[SI:[^:]*]]: tensor<2x3x16x32xf32>
//       CHECK:   scf.forall (%[[B:.*]], %[[H:.*]], %[[D:.*]]) in (2, 3, 4) shared_outs(%[[OO:.*]] = %[[OI]], %[[SO:.*]] = %[[SI]])
//       CHECK:     %[[C:.*]] = affine.apply #{{.*}}(%[[D]])
//   CHECK-DAG:     %[[QT:.*]] = tensor.extract_slice %[[Q]][%[[B]], %[[H]], 0, 0] [1, 1, 40, 16] [1, 1, 1, 1]
//   CHECK-DAG:     %[[VT:.*]] = tensor.extract_slice %[[V]][%[[B]], %[[H]], 0, %[[C]]] [1, 1, 40, 8] [1, 1, 1, 1]
//   CHECK-DAG:     %[[ST:.*]] = tensor.extract_slice %[[S]][%[[B]], %[[H]], 0, %[[C]]] [1, 1, 16, 8] [1, 1, 1, 1]
//   CHECK-DAG:     %[[OT:.*]] = tensor.extract_slice %[[OO]][%[[B]], %[[H]], 0, %[[C]]] [1, 1, 40, 8] [1, 1, 1, 1]
//   CHECK-DAG:     %[[FT:.*]] = tensor.extract_slice %[[SO]][%[[B]], %[[H]], 0, %[[C]]] [1, 1, 16, 8] [1, 1, 1, 1]
//       CHECK:     %[[R:.*]], %[[RF:.*]] = retention.chunkwise %[[QT]], %{{.*}}, %[[VT]], %[[ST]] head_offset(%[[H]]) outs(%[[OT]], %[[FT]]) {chunk_size = 16 : i64, gamma = array<f64: 5.000000e-01, 7.500000e-01, 8.750000e-01>}
//  CHECK-SAME:       -> (tensor<1x1x40x8xf32>, tensor<1x1x16x8xf32>)
//       CHECK:     scf.forall.in_parallel
//  CHECK-NEXT:       tensor.parallel_insert_slice %[[R]] into %[[OO]][%[[B]], %[[H]], 0, %[[C]]] [1, 1, 40, 8]
//  CHECK-NEXT:       tensor.parallel_insert_slice %[[RF]] into %[[SO]][%[[B]], %[[H]], 0, %[[C]]] [1, 1, 16, 8]
func.func @tile_forall(%q: tensor<2x3x40x16xf32>, %k: tensor<2x3x40x16xf32>,
                       %v: tensor<2x3x40x32xf32>, %s: tensor<2x3x16x32xf32>,
                       %oi: tensor<2x3x40x32xf32>, %si: tensor<2x3x16x32xf32>)
    -> (tensor<2x3x40x32xf32>, tensor<2x3x16x32xf32>) {
  %o, %f = retention.chunkwise %q, %k, %v, %s outs(%oi, %si)
      {chunk_size = 16 : i64, gamma = array<f64: 0.5, 0.75, 0.875>}
      : (tensor<2x3x40x16xf32>, tensor<2x3x40x16xf32>, tensor<2x3x40x32xf32>,
         tensor<2x3x16x32xf32>, tensor<2x3x40x32xf32>, tensor<2x3x16x32xf32>)
      -> (tensor<2x3x40x32xf32>, tensor<2x3x16x32xf32>)
  return %o, %f : tensor<2x3x40x32xf32>, tensor<2x3x16x32xf32>
}

module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %op = transform.structured.match ops{["retention.chunkwise"]} in %root
        : (!transform.any_op) -> !transform.any_op
    %tiled, %loop = transform.structured.tile_using_forall %op tile_sizes [1, 1, 8]
        : (!transform.any_op) -> (!transform.any_op, !transform.any_op)
    transform.yield
  }
}

// -----

// A sequential loop over heads only (tile sizes [0, 1]); a tiled op's
// head_offset composes with its own.
// CHECK-LABEL: func.func @tile_for_heads(
//  CHECK-SAME:     %{{[^:]*}}: tensor<1x4x8x16xbf16>, %{{[^:]*}}: tensor<1x4x8x16xbf16>, %{{[^:]*}}: tensor<1x4x8x16xbf16>, %{{[^:]*}}: tensor<1x4x8x16xbf16>, %[[H0:[^:]*]]: index
//       CHECK:   scf.for %[[H:.*]] = %c0 to %c4 step %c1
//       CHECK:     %[[OFF:.*]] = affine.apply #{{.*}}(%[[H]])[%[[H0]]]
//       CHECK:     retention.parallel {{.*}} head_offset(%[[OFF]]) outs(%{{.*}}) {gamma = array<f64: 5.000000e-01, 6.250000e-01, 7.500000e-01, 8.750000e-01, 9.375000e-01>}
//  CHECK-SAME:       -> tensor<1x1x8x16xbf16>
func.func @tile_for_heads(%q: tensor<1x4x8x16xbf16>, %k: tensor<1x4x8x16xbf16>,
                          %v: tensor<1x4x8x16xbf16>, %oi: tensor<1x4x8x16xbf16>,
                          %h0: index) -> tensor<1x4x8x16xbf16> {
  %o = retention.parallel %q, %k, %v head_offset(%h0) outs(%oi)
      {gamma = array<f64: 0.5, 0.625, 0.75, 0.875, 0.9375>}
      : (tensor<1x4x8x16xbf16>, tensor<1x4x8x16xbf16>, tensor<1x4x8x16xbf16>,
         index, tensor<1x4x8x16xbf16>) -> tensor<1x4x8x16xbf16>
  return %o : tensor<1x4x8x16xbf16>
}

module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %op = transform.structured.match ops{["retention.parallel"]} in %root
        : (!transform.any_op) -> !transform.any_op
    %tiled, %loop = transform.structured.tile_using_for %op tile_sizes [0, 1]
        : (!transform.any_op) -> (!transform.any_op, !transform.any_op)
    transform.yield
  }
}

// -----

// Fusion: tiling the retention op pulls the elementwise producer of its
// queries into the loop, computed per (batch, head) tile.
// CHECK-LABEL: func.func @fuse_producer(
//       CHECK:   scf.for %[[B:.*]] = %c0 to %c2 step %c1
//       CHECK:     scf.for %[[H:.*]] = %c0 to %c2 step %c1
//       CHECK:       %[[X:.*]] = tensor.extract_slice %{{.*}}[%[[B]], %[[H]], 0, 0] [1, 1, 16, 8]
//       CHECK:       %[[QS:.*]] = linalg.generic {{.*}} ins(%[[X]] : tensor<1x1x16x8xf32>)
//       CHECK:         arith.mulf
//       CHECK:       retention.recurrent %[[QS]], {{.*}} head_offset(%[[H]])
//   CHECK-NOT:   linalg.generic
func.func @fuse_producer(%x: tensor<2x2x16x8xf32>, %k: tensor<2x2x16x8xf32>,
                         %v: tensor<2x2x16x8xf32>, %oi: tensor<2x2x16x8xf32>,
                         %si: tensor<2x2x8x8xf32>)
    -> (tensor<2x2x16x8xf32>, tensor<2x2x8x8xf32>) {
  %e = tensor.empty() : tensor<2x2x16x8xf32>
  %q = linalg.generic {indexing_maps = [affine_map<(a, b, c, d) -> (a, b, c, d)>,
                                        affine_map<(a, b, c, d) -> (a, b, c, d)>],
                       iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%x : tensor<2x2x16x8xf32>) outs(%e : tensor<2x2x16x8xf32>) {
  ^bb0(%a: f32, %out: f32):
    %c = arith.constant 0.25 : f32
    %m = arith.mulf %a, %c : f32
    linalg.yield %m : f32
  } -> tensor<2x2x16x8xf32>
  %o, %f = retention.recurrent %q, %k, %v outs(%oi, %si)
      {gamma = array<f64: 0.5, 0.75>}
      : (tensor<2x2x16x8xf32>, tensor<2x2x16x8xf32>, tensor<2x2x16x8xf32>,
         tensor<2x2x16x8xf32>, tensor<2x2x8x8xf32>)
      -> (tensor<2x2x16x8xf32>, tensor<2x2x8x8xf32>)
  return %o, %f : tensor<2x2x16x8xf32>, tensor<2x2x8x8xf32>
}

module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %op = transform.structured.match ops{["retention.recurrent"]} in %root
        : (!transform.any_op) -> !transform.any_op
    %fused, %l0, %l1 = transform.structured.fuse %op tile_sizes [1, 1]
        : (!transform.any_op) -> (!transform.any_op, !transform.any_op, !transform.any_op)
    transform.yield
  }
}


// -----

// Decomposition (linalg::AggregatedOpInterface, what
// convert-retention-to-linalg applies to each tile): an op of one batch row
// and one head becomes its body in place, written into its init; a larger
// op gets an scf.forall over its (batch, head) pairs around the same body.
// transform.structured.decompose_interface drives it here (it handles
// single-result ops; convert-retention-to-linalg decomposes all three forms).
// CHECK-LABEL: func.func @decompose(
//  CHECK-SAME:     %[[Q1:[^:]*]]: tensor<1x1x40x16xf32>, %[[Q2:[^:]*]]: tensor<2x3x8x16xf32>, %[[O1:[^:]*]]: tensor<1x1x40x16xf32>, %[[O2:[^:]*]]: tensor<2x3x8x16xf32>
//   CHECK-NOT:   scf.forall
//       CHECK:   linalg.generic
//       CHECK:   %[[R1:.*]] = tensor.insert_slice %{{.*}} into %[[O1]][0, 0, 0, 0] [1, 1, 40, 16]
//       CHECK:   %[[R2:.*]] = scf.forall (%{{.*}}, %[[H:.*]]) in (2, 3) shared_outs(%{{.*}} = %[[O2]])
//       CHECK:     linalg.generic
//       CHECK:     tensor.parallel_insert_slice
//   CHECK-NOT:   retention.
//       CHECK:   return %[[R1]], %[[R2]]
func.func @decompose(%q1: tensor<1x1x40x16xf32>, %q2: tensor<2x3x8x16xf32>,
                     %o1: tensor<1x1x40x16xf32>, %o2: tensor<2x3x8x16xf32>)
    -> (tensor<1x1x40x16xf32>, tensor<2x3x8x16xf32>) {
  %o = retention.parallel %q1, %q1, %q1 outs(%o1) {gamma = array<f64: 0.5>}
      : (tensor<1x1x40x16xf32>, tensor<1x1x40x16xf32>, tensor<1x1x40x16xf32>,
         tensor<1x1x40x16xf32>) -> tensor<1x1x40x16xf32>
  %p = retention.parallel %q2, %q2, %q2 outs(%o2)
      {gamma = array<f64: 0.5, 0.75, 0.875>}
      : (tensor<2x3x8x16xf32>, tensor<2x3x8x16xf32>, tensor<2x3x8x16xf32>,
         tensor<2x3x8x16xf32>) -> tensor<2x3x8x16xf32>
  return %o, %p : tensor<1x1x40x16xf32>, tensor<2x3x8x16xf32>
}

module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %ops = transform.structured.match ops{["retention.parallel"]} in %root
        : (!transform.any_op) -> !transform.any_op
    %d = transform.structured.decompose_interface %ops
        : (!transform.any_op) -> !transform.any_op
    transform.yield
  }
}

// -----

// The layer ops decompose through the same interface (what
// retention-decompose-layers applies): rotate into its rotation table and
// one contraction per pair, written into its init.
// CHECK-LABEL: func.func @decompose_rotate(
//  CHECK-SAME:     %{{[^:]*}}: tensor<1x4x64xbf16>, %{{[^:]*}}: tensor<1x4xi64>, %[[INIT:[^:]*]]: tensor<1x2x4x32xbf16>
//       CHECK:   math.cos
//       CHECK:   linalg.generic {{.*}} ins(%{{.*}}, %{{.*}} : tensor<1x4x2x16x2xbf16>, tensor<1x4x16x2x2xf32>)
//       CHECK:   %[[R:.*]] = linalg.generic {{.*}} outs(%[[INIT]] : tensor<1x2x4x32xbf16>)
//       CHECK:     arith.truncf
//   CHECK-NOT:   retention.rotate
//       CHECK:   return %[[R]]
func.func @decompose_rotate(%x: tensor<1x4x64xbf16>, %p: tensor<1x4xi64>,
                            %init: tensor<1x2x4x32xbf16>) -> tensor<1x2x4x32xbf16> {
  %r = retention.rotate %x, %p outs(%init) {scale = 0.5 : f64}
      : (tensor<1x4x64xbf16>, tensor<1x4xi64>, tensor<1x2x4x32xbf16>) -> tensor<1x2x4x32xbf16>
  return %r : tensor<1x2x4x32xbf16>
}

module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %ops = transform.structured.match ops{["retention.rotate"]} in %root
        : (!transform.any_op) -> !transform.any_op
    %d = transform.structured.decompose_interface %ops
        : (!transform.any_op) -> !transform.any_op
    transform.yield
  }
}
