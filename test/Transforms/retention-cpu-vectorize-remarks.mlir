// RUN: retnet-opt %s --pass-pipeline="builtin.module(func.func(retention-cpu-vectorize{remark-scalar=true}))" -verify-diagnostics | FileCheck %s
// RUN: retnet-opt %s --pass-pipeline="builtin.module(func.func(retention-cpu-vectorize))" | FileCheck %s
//
// An op the linalg vectorizer refuses (a region with control flow) stays a
// scalar loop nest; with remark-scalar the pass says so, once per tile op,
// instead of leaving it silently slow. The vectorizable op beside it gets no
// remark.

// CHECK-LABEL: func.func @mixed(
//       CHECK:   scf.for
//       CHECK:     vector.transfer_read
//       CHECK:   scf.for
//       CHECK:     linalg.generic
//       CHECK:       scf.if
func.func @mixed(%x: tensor<16x32xf32>) -> (tensor<16x32xf32>, tensor<16x32xf32>) {
  %e = tensor.empty() : tensor<16x32xf32>
  %a = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>],
                       iterator_types = ["parallel", "parallel"]}
      ins(%x : tensor<16x32xf32>) outs(%e : tensor<16x32xf32>) {
  ^bb0(%in: f32, %out: f32):
    %two = arith.constant 2.0 : f32
    %m = arith.mulf %in, %two : f32
    linalg.yield %m : f32
  } -> tensor<16x32xf32>
  // expected-remark @+1 {{retention-cpu-vectorize: left scalar: the linalg vectorizer refused the tile}}
  %b = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>],
                       iterator_types = ["parallel", "parallel"]}
      ins(%x : tensor<16x32xf32>) outs(%e : tensor<16x32xf32>) {
  ^bb0(%in: f32, %out: f32):
    %zero = arith.constant 0.0 : f32
    %pos = arith.cmpf ogt, %in, %zero : f32
    %r = scf.if %pos -> f32 {
      scf.yield %in : f32
    } else {
      %n = arith.negf %in : f32
      scf.yield %n : f32
    }
    linalg.yield %r : f32
  } -> tensor<16x32xf32>
  return %a, %b : tensor<16x32xf32>, tensor<16x32xf32>
}
