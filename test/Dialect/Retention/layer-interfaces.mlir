// RUN: retnet-opt %s --split-input-file --transform-interpreter --canonicalize --cse | FileCheck %s
//
// TilingInterface of the layer ops, driven by upstream transforms. rotate
// is parallel over (batch, head, token), group_norm over (batch, token) and
// multi_scale over the batch (a sequence's tokens depend on each other
// through the state). Each tile is the same op on slices of its operands,
// written into a slice of its init.

// CHECK-DAG:   #[[$COL:.+]] = affine_map<(d0) -> (d0 * 8)>
// CHECK-DAG:   #[[$T:.+]] = affine_map<(d0) -> (d0 * 4)>
// CHECK-LABEL: func.func @rotate_forall(
//  CHECK-SAME:     %[[X:[^:]*]]: tensor<2x12x24xbf16>, %[[P:[^:]*]]: tensor<2x12xi64>, %[[I:[^:]*]]: tensor<2x3x12x8xbf16>
//       CHECK:   scf.forall (%[[B:.*]], %[[H:.*]], %[[TI:.*]]) in (2, 3, 3) shared_outs(%[[O:.*]] = %[[I]])
//   CHECK-DAG:     %[[T0:.*]] = affine.apply #[[$T]](%[[TI]])
//   CHECK-DAG:     %[[C:.*]] = affine.apply #[[$COL]](%[[H]])
//   CHECK-DAG:     %[[XT:.*]] = tensor.extract_slice %[[X]][%[[B]], %[[T0]], %[[C]]] [1, 4, 8] [1, 1, 1]
//   CHECK-DAG:     %[[PT:.*]] = tensor.extract_slice %[[P]][%[[B]], %[[T0]]] [1, 4] [1, 1]
//   CHECK-DAG:     %[[IT:.*]] = tensor.extract_slice %[[O]][%[[B]], %[[H]], %[[T0]], 0] [1, 1, 4, 8] [1, 1, 1, 1]
//       CHECK:     %[[R:.*]] = retention.rotate %[[XT]], %[[PT]] outs(%[[IT]]) {scale = 5.000000e-01 : f64}
//  CHECK-SAME:       -> tensor<1x1x4x8xbf16>
//       CHECK:     scf.forall.in_parallel
//  CHECK-NEXT:       tensor.parallel_insert_slice %[[R]] into %[[O]][%[[B]], %[[H]], %[[T0]], 0] [1, 1, 4, 8]
func.func @rotate_forall(%x: tensor<2x12x24xbf16>, %p: tensor<2x12xi64>,
                         %i: tensor<2x3x12x8xbf16>) -> tensor<2x3x12x8xbf16> {
  %r = retention.rotate %x, %p outs(%i) {scale = 0.5 : f64}
      : (tensor<2x12x24xbf16>, tensor<2x12xi64>, tensor<2x3x12x8xbf16>) -> tensor<2x3x12x8xbf16>
  return %r : tensor<2x3x12x8xbf16>
}

module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %op = transform.structured.match ops{["retention.rotate"]} in %root
        : (!transform.any_op) -> !transform.any_op
    %tiled, %loop = transform.structured.tile_using_forall %op tile_sizes [1, 1, 4]
        : (!transform.any_op) -> (!transform.any_op, !transform.any_op)
    transform.yield
  }
}

// -----

// group_norm over (batch, token) with a dynamic T: the last token tile is
// partial (affine.min); every tile keeps all heads and the whole gamma.
// CHECK-LABEL: func.func @group_norm_for(
//  CHECK-SAME:     %[[Y:[^:]*]]: tensor<1x2x?x16xf32>, %[[G:[^:]*]]: tensor<1x?x32xf32>, %[[P:[^:]*]]: tensor<1x?xi64>, %[[I:[^:]*]]: tensor<1x?x32xf32>
//       CHECK:   %[[T:.*]] = tensor.dim %[[I]], %c1
//       CHECK:   scf.for %[[T0:.*]] = %c0 to %[[T]] step %c8 iter_args(%[[O:.*]] = %[[I]])
//       CHECK:     %[[N:.*]] = affine.min
//   CHECK-DAG:     %[[YT:.*]] = tensor.extract_slice %[[Y]][0, 0, %[[T0]], 0] [1, 2, %[[N]], 16] [1, 1, 1, 1]
//   CHECK-DAG:     %[[GT:.*]] = tensor.extract_slice %[[G]][0, %[[T0]], 0] [1, %[[N]], 32] [1, 1, 1]
//   CHECK-DAG:     %[[PT:.*]] = tensor.extract_slice %[[P]][0, %[[T0]]] [1, %[[N]]] [1, 1]
//   CHECK-DAG:     %[[IT:.*]] = tensor.extract_slice %[[O]][0, %[[T0]], 0] [1, %[[N]], 32] [1, 1, 1]
//       CHECK:     %[[R:.*]] = retention.group_norm %[[YT]], %[[GT]], %[[PT]] outs(%[[IT]]) {epsilon = 9.9999999999999995E-7 : f64, gamma = array<f64: 5.000000e-01, 7.500000e-01>}
//       CHECK:     tensor.insert_slice %[[R]] into %[[O]][0, %[[T0]], 0] [1, %[[N]], 32]
func.func @group_norm_for(%y: tensor<1x2x?x16xf32>, %g: tensor<1x?x32xf32>,
                          %p: tensor<1x?xi64>, %i: tensor<1x?x32xf32>) -> tensor<1x?x32xf32> {
  %n = retention.group_norm %y, %g, %p outs(%i) {epsilon = 1.0e-6 : f64, gamma = array<f64: 0.5, 0.75>}
      : (tensor<1x2x?x16xf32>, tensor<1x?x32xf32>, tensor<1x?xi64>, tensor<1x?x32xf32>) -> tensor<1x?x32xf32>
  return %n : tensor<1x?x32xf32>
}

module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %op = transform.structured.match ops{["retention.group_norm"]} in %root
        : (!transform.any_op) -> !transform.any_op
    %tiled, %l0 = transform.structured.tile_using_for %op tile_sizes [0, 8]
        : (!transform.any_op) -> (!transform.any_op, !transform.any_op)
    transform.yield
  }
}

// -----

// multi_scale over the batch: each tile takes its sequence's rows,
// positions and state and the whole weights.
// CHECK-LABEL: func.func @multi_scale_forall(
//  CHECK-SAME:     %[[X:[^:]*]]: tensor<3x?x16xf32>, %[[WQ:[^:]*]]: tensor<16x16xf32>, %[[WK:[^:]*]]: tensor<16x16xf32>, %[[WV:[^:]*]]: tensor<16x24xf32>, %[[WG:[^:]*]]: tensor<16x24xf32>, %[[WO:[^:]*]]: tensor<24x16xf32>, %[[P:[^:]*]]: tensor<3x?xi64>, %[[S:[^:]*]]: tensor<3x2x8x12xf32>, %[[OI:[^:]*]]: tensor<3x?x16xf32>, %[[SI:[^:]*]]: tensor<3x2x8x12xf32>
//       CHECK:   scf.forall (%[[B:.*]]) in (3) shared_outs(%[[OO:.*]] = %[[OI]], %[[SO:.*]] = %[[SI]])
//   CHECK-DAG:     %[[XT:.*]] = tensor.extract_slice %[[X]][%[[B]], 0, 0] [1, %{{.*}}, 16] [1, 1, 1]
//   CHECK-DAG:     %[[PT:.*]] = tensor.extract_slice %[[P]][%[[B]], 0] [1, %{{.*}}] [1, 1]
//   CHECK-DAG:     %[[ST:.*]] = tensor.extract_slice %[[S]][%[[B]], 0, 0, 0] [1, 2, 8, 12] [1, 1, 1, 1]
//   CHECK-DAG:     %[[OT:.*]] = tensor.extract_slice %[[OO]][%[[B]], 0, 0] [1, %{{.*}}, 16] [1, 1, 1]
//   CHECK-DAG:     %[[FT:.*]] = tensor.extract_slice %[[SO]][%[[B]], 0, 0, 0] [1, 2, 8, 12] [1, 1, 1, 1]
//       CHECK:     %[[R:.*]]:2 = retention.multi_scale %[[XT]], %[[WQ]], %[[WK]], %[[WV]], %[[WG]], %[[WO]], %[[PT]], %[[ST]] outs(%[[OT]], %[[FT]])
//  CHECK-SAME:       -> (tensor<1x?x16xf32>, tensor<1x2x8x12xf32>)
//       CHECK:     scf.forall.in_parallel
//  CHECK-NEXT:       tensor.parallel_insert_slice %[[R]]#0 into %[[OO]][%[[B]], 0, 0] [1, %{{.*}}, 16]
//  CHECK-NEXT:       tensor.parallel_insert_slice %[[R]]#1 into %[[SO]][%[[B]], 0, 0, 0] [1, 2, 8, 12]
func.func @multi_scale_forall(%x: tensor<3x?x16xf32>, %wq: tensor<16x16xf32>, %wk: tensor<16x16xf32>,
                              %wv: tensor<16x24xf32>, %wg: tensor<16x24xf32>, %wo: tensor<24x16xf32>,
                              %p: tensor<3x?xi64>, %s: tensor<3x2x8x12xf32>,
                              %oi: tensor<3x?x16xf32>, %si: tensor<3x2x8x12xf32>)
    -> (tensor<3x?x16xf32>, tensor<3x2x8x12xf32>) {
  %o, %f = retention.multi_scale %x, %wq, %wk, %wv, %wg, %wo, %p, %s outs(%oi, %si)
      {epsilon = 1.0e-6 : f64, form = #retention<form recurrent>, gamma = array<f64: 0.5, 0.75>}
      : (tensor<3x?x16xf32>, tensor<16x16xf32>, tensor<16x16xf32>, tensor<16x24xf32>,
         tensor<16x24xf32>, tensor<24x16xf32>, tensor<3x?xi64>, tensor<3x2x8x12xf32>,
         tensor<3x?x16xf32>, tensor<3x2x8x12xf32>)
      -> (tensor<3x?x16xf32>, tensor<3x2x8x12xf32>)
  return %o, %f : tensor<3x?x16xf32>, tensor<3x2x8x12xf32>
}

module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %op = transform.structured.match ops{["retention.multi_scale"]} in %root
        : (!transform.any_op) -> !transform.any_op
    %tiled, %loop = transform.structured.tile_using_forall %op tile_sizes [1]
        : (!transform.any_op) -> (!transform.any_op, !transform.any_op)
    transform.yield
  }
}

// -----

// Fusion across layer ops: tiling the retention op over (batch, head) pulls
// the rotation of its queries into the loop, one head's rotation per tile
// (rotate's result tile [b, h, :, :] is its domain tile (b, h, all T)).
// CHECK-LABEL: func.func @fuse_rotate(
//       CHECK:   scf.for %[[B:.*]] = %c0 to %c2 step %c1
//       CHECK:     scf.for %[[H:.*]] = %c0 to %c2 step %c1
//       CHECK:       %[[C:.*]] = affine.apply #{{.*}}(%[[H]])
//       CHECK:       %[[XT:.*]] = tensor.extract_slice %{{.*}}[%[[B]], 0, %[[C]]] [1, 16, 8]
//       CHECK:       %[[QT:.*]] = retention.rotate %[[XT]], %{{.*}} outs(%{{.*}}) {{.*}} -> tensor<1x1x16x8xf32>
//       CHECK:       retention.recurrent %[[QT]], {{.*}} head_offset(%[[H]])
//   CHECK-NOT:   retention.rotate
func.func @fuse_rotate(%x: tensor<2x16x16xf32>, %p: tensor<2x16xi64>, %k: tensor<2x2x16x8xf32>,
                       %v: tensor<2x2x16x8xf32>, %oi: tensor<2x2x16x8xf32>,
                       %si: tensor<2x2x8x8xf32>)
    -> (tensor<2x2x16x8xf32>, tensor<2x2x8x8xf32>) {
  %e = tensor.empty() : tensor<2x2x16x8xf32>
  %q = retention.rotate %x, %p outs(%e)
      : (tensor<2x16x16xf32>, tensor<2x16xi64>, tensor<2x2x16x8xf32>) -> tensor<2x2x16x8xf32>
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

