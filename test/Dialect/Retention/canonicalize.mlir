// RUN: retnet-opt %s --canonicalize | FileCheck %s
//
// Folds of the form ops where the math allows.

// A head offset known at compile time folds into gamma (canonicalization).
// CHECK-LABEL: func.func @constant_head_offset(
//       CHECK:   retention.recurrent %{{.*}}, %{{.*}}, %{{.*}} outs(%{{.*}}, %{{.*}}) {gamma = array<f64: 7.500000e-01, 8.750000e-01>}
func.func @constant_head_offset(%q: tensor<1x2x1x8xf32>, %oi: tensor<1x2x1x8xf32>,
                                %si: tensor<1x2x8x8xf32>)
    -> (tensor<1x2x1x8xf32>, tensor<1x2x8x8xf32>) {
  %c1 = arith.constant 1 : index
  %o, %f = retention.recurrent %q, %q, %q head_offset(%c1) outs(%oi, %si)
      {gamma = array<f64: 0.5, 0.75, 0.875>}
      : (tensor<1x2x1x8xf32>, tensor<1x2x1x8xf32>, tensor<1x2x1x8xf32>, index,
         tensor<1x2x1x8xf32>, tensor<1x2x8x8xf32>)
      -> (tensor<1x2x1x8xf32>, tensor<1x2x8x8xf32>)
  return %o, %f : tensor<1x2x1x8xf32>, tensor<1x2x8x8xf32>
}

// A head offset the op's heads would overrun is left alone (the verifier
// allows gamma to be longer; reading past it is the caller's error at run
// time, not a fold).
// CHECK-LABEL: func.func @head_offset_past_gamma(
//       CHECK:   retention.parallel %{{.*}}, %{{.*}}, %{{.*}} head_offset(%{{.*}})
func.func @head_offset_past_gamma(%q: tensor<1x2x1x8xf32>, %oi: tensor<1x2x1x8xf32>)
    -> tensor<1x2x1x8xf32> {
  %c2 = arith.constant 2 : index
  %o = retention.parallel %q, %q, %q head_offset(%c2) outs(%oi)
      {gamma = array<f64: 0.5, 0.75, 0.875>}
      : (tensor<1x2x1x8xf32>, tensor<1x2x1x8xf32>, tensor<1x2x1x8xf32>, index,
         tensor<1x2x1x8xf32>) -> tensor<1x2x1x8xf32>
  return %o : tensor<1x2x1x8xf32>
}
