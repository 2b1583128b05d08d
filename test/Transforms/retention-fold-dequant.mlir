// RUN: retnet-opt %s -split-input-file --pass-pipeline="builtin.module(func.func(retention-fold-dequant))" | FileCheck %s

// x · (sitofp(q) ⊙ s) with a zero accumulator: the matmul reads the int8 q
// and one elementwise op scales its result per column; the dequantized f32
// matrix is gone.
// CHECK-LABEL: func.func @fold(
//  CHECK-SAME:     %[[X:.+]]: tensor<?x64xf32>, %[[Q:.+]]: tensor<64x48xi8>, %[[S:.+]]: tensor<48xf32>)
//   CHECK-NOT:   arith.sitofp
//       CHECK:   %[[ACC:.+]] = linalg.matmul ins(%[[X]], %[[Q]] : tensor<?x64xf32>, tensor<64x48xi8>)
//       CHECK:   %[[R:.+]] = linalg.generic {{.*}} ins(%[[ACC]], %[[S]] : tensor<?x48xf32>, tensor<48xf32>)
//       CHECK:     arith.mulf
//   CHECK-NOT:   arith.sitofp
//       CHECK:   return %[[R]]
func.func @fold(%x: tensor<?x64xf32>, %q: tensor<64x48xi8>, %s: tensor<48xf32>) -> tensor<?x48xf32> {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %m = tensor.dim %x, %c0 : tensor<?x64xf32>
  %e = tensor.empty() : tensor<64x48xf32>
  %w = linalg.generic {indexing_maps = [affine_map<(k, n) -> (k, n)>, affine_map<(k, n) -> (n)>, affine_map<(k, n) -> (k, n)>], iterator_types = ["parallel", "parallel"]}
      ins(%q, %s : tensor<64x48xi8>, tensor<48xf32>) outs(%e : tensor<64x48xf32>) {
  ^bb0(%a: i8, %b: f32, %o: f32):
    %f = arith.sitofp %a : i8 to f32
    %p = arith.mulf %f, %b : f32
    linalg.yield %p : f32
  } -> tensor<64x48xf32>
  %ae = tensor.empty(%m) : tensor<?x48xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%ae : tensor<?x48xf32>) -> tensor<?x48xf32>
  %r = linalg.matmul ins(%x, %w : tensor<?x64xf32>, tensor<64x48xf32>) outs(%acc : tensor<?x48xf32>) -> tensor<?x48xf32>
  return %r : tensor<?x48xf32>
}

// -----

// A nonzero accumulator (C + x · w) is left alone: the scale cannot move
// behind the matmul without touching C.
// CHECK-LABEL: func.func @accumulate(
//       CHECK:   arith.sitofp
//       CHECK:   linalg.matmul ins(%{{.+}}, %{{.+}} : tensor<4x64xf32>, tensor<64x48xf32>)
func.func @accumulate(%x: tensor<4x64xf32>, %q: tensor<64x48xi8>, %s: tensor<48xf32>, %c: tensor<4x48xf32>) -> tensor<4x48xf32> {
  %e = tensor.empty() : tensor<64x48xf32>
  %w = linalg.generic {indexing_maps = [affine_map<(k, n) -> (k, n)>, affine_map<(k, n) -> (n)>, affine_map<(k, n) -> (k, n)>], iterator_types = ["parallel", "parallel"]}
      ins(%q, %s : tensor<64x48xi8>, tensor<48xf32>) outs(%e : tensor<64x48xf32>) {
  ^bb0(%a: i8, %b: f32, %o: f32):
    %f = arith.sitofp %a : i8 to f32
    %p = arith.mulf %f, %b : f32
    linalg.yield %p : f32
  } -> tensor<64x48xf32>
  %r = linalg.matmul ins(%x, %w : tensor<4x64xf32>, tensor<64x48xf32>) outs(%c : tensor<4x48xf32>) -> tensor<4x48xf32>
  return %r : tensor<4x48xf32>
}

// -----

// A scale per row (k) rather than per column is not a per-output-channel
// dequantization: left alone.
// CHECK-LABEL: func.func @row_scale(
//       CHECK:   arith.sitofp
//       CHECK:   linalg.matmul ins(%{{.+}}, %{{.+}} : tensor<4x64xf32>, tensor<64x48xf32>)
func.func @row_scale(%x: tensor<4x64xf32>, %q: tensor<64x48xi8>, %s: tensor<64xf32>) -> tensor<4x48xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<64x48xf32>
  %w = linalg.generic {indexing_maps = [affine_map<(k, n) -> (k, n)>, affine_map<(k, n) -> (k)>, affine_map<(k, n) -> (k, n)>], iterator_types = ["parallel", "parallel"]}
      ins(%q, %s : tensor<64x48xi8>, tensor<64xf32>) outs(%e : tensor<64x48xf32>) {
  ^bb0(%a: i8, %b: f32, %o: f32):
    %f = arith.sitofp %a : i8 to f32
    %p = arith.mulf %f, %b : f32
    linalg.yield %p : f32
  } -> tensor<64x48xf32>
  %ae = tensor.empty() : tensor<4x48xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%ae : tensor<4x48xf32>) -> tensor<4x48xf32>
  %r = linalg.matmul ins(%x, %w : tensor<4x64xf32>, tensor<64x48xf32>) outs(%acc : tensor<4x48xf32>) -> tensor<4x48xf32>
  return %r : tensor<4x48xf32>
}
