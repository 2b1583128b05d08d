// RUN: retnet-opt %s --pass-pipeline="builtin.module(func.func(retention-cpu-vectorize{threads=2}))" | FileCheck %s
// RUN: retnet-opt %s --pass-pipeline="builtin.module(func.func(retention-cpu-vectorize))" | FileCheck %s --check-prefix=ONE

// Row-wise ops over a dynamic row range (a prompt's tokens: residual adds,
// activations, a norm's row sums) split their rows into `threads` blocks
// under an scf.forall when the op has at least 2^15 elements, decided at
// run time (128 columns: 256 rows); below that, and without threads, one
// loop over the rows.
// CHECK-LABEL: func.func @rows_elementwise(
//       CHECK:   %[[M:.+]] = tensor.dim %{{.+}}, %c0
//       CHECK:   %[[BIG:.+]] = arith.cmpi uge, %[[M]], %c256
//       CHECK:   scf.if %[[BIG]]
//       CHECK:     scf.forall (%{{.+}}) in (2)
//       CHECK:       scf.for
//       CHECK:         vector.transfer_read {{.+}} : tensor<1x32xf32>, vector<1x32xf32>
//       CHECK:   } else {
//   CHECK-NOT:     scf.forall
//       CHECK:     scf.for %{{.+}} = %c0 to %{{.+}} step %c1
// ONE-LABEL: func.func @rows_elementwise(
//   ONE-NOT:   scf.forall
//   ONE-NOT:   scf.if
//       ONE:   return
func.func @rows_elementwise(%x: tensor<?x128xf32>, %y: tensor<?x128xf32>) -> tensor<?x128xf32> {
  %r = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%x : tensor<?x128xf32>) outs(%y : tensor<?x128xf32>) {
  ^bb0(%a: f32, %b: f32):
    %s = arith.addf %a, %b : f32
    linalg.yield %s : f32
  } -> tensor<?x128xf32>
  return %r : tensor<?x128xf32>
}

// A row reduction (a norm's sum over the columns) splits the same way.
// CHECK-LABEL: func.func @rows_sum(
//       CHECK:   arith.cmpi uge, %{{.+}}, %c256
//       CHECK:     scf.forall (%{{.+}}) in (2)
//       CHECK:       vector.multi_reduction <add>
func.func @rows_sum(%x: tensor<?x128xf32>, %y: tensor<?xf32>) -> tensor<?xf32> {
  %r = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]} ins(%x : tensor<?x128xf32>) outs(%y : tensor<?xf32>) {
  ^bb0(%a: f32, %b: f32):
    %s = arith.addf %a, %b : f32
    linalg.yield %s : f32
  } -> tensor<?xf32>
  return %r : tensor<?xf32>
}

// Static rows (a chunk's tiles, already inside the head loop) stay serial.
// CHECK-LABEL: func.func @static_rows(
//   CHECK-NOT:   scf.forall
//       CHECK:   return
func.func @static_rows(%x: tensor<64x128xf32>, %y: tensor<64x128xf32>) -> tensor<64x128xf32> {
  %r = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%x : tensor<64x128xf32>) outs(%y : tensor<64x128xf32>) {
  ^bb0(%a: f32, %b: f32):
    %s = arith.addf %a, %b : f32
    linalg.yield %s : f32
  } -> tensor<64x128xf32>
  return %r : tensor<64x128xf32>
}
