// RUN: retnet-opt %s | retnet-opt | FileCheck %s
//
// The bundled example: one retention layer's core, 2 heads with RetNet's
// decays (1 - 2^-5, 1 - 2^-6). A 100-token prompt is prefilled with the
// chunkwise form (chunks of 64), the state is carried into one decode step in
// the recurrent form, and the parallel form recomputes the prompt for
// comparison. Dynamic T is allowed on every op.

// CHECK-LABEL: func.func @prefill_then_decode(
func.func @prefill_then_decode(
    %q: tensor<1x2x100x32xf32>, %k: tensor<1x2x100x32xf32>,
    %v: tensor<1x2x100x16xf32>,
    %q1: tensor<1x2x1x32xf32>, %k1: tensor<1x2x1x32xf32>,
    %v1: tensor<1x2x1x16xf32>)
    -> (tensor<1x2x100x16xf32>, tensor<1x2x100x16xf32>,
        tensor<1x2x1x16xf32>, tensor<1x2x32x16xf32>) {
  // CHECK: %[[O:.*]], %[[S:.*]] = retention.chunkwise
  // CHECK-SAME: chunk_size = 64 : i64
  %oinit0 = tensor.empty() : tensor<1x2x100x16xf32>
  %sinit0 = tensor.empty() : tensor<1x2x32x16xf32>
  %o, %s = retention.chunkwise %q, %k, %v outs(%oinit0, %sinit0)
      {chunk_size = 64 : i64, gamma = array<f64: 0.96875, 0.984375>}
      : (tensor<1x2x100x32xf32>, tensor<1x2x100x32xf32>, tensor<1x2x100x16xf32>, tensor<1x2x100x16xf32>, tensor<1x2x32x16xf32>)
      -> (tensor<1x2x100x16xf32>, tensor<1x2x32x16xf32>)
  // CHECK: retention.parallel
  %oinit1 = tensor.empty() : tensor<1x2x100x16xf32>
  %p = retention.parallel %q, %k, %v outs(%oinit1) {gamma = array<f64: 0.96875, 0.984375>}
      : (tensor<1x2x100x32xf32>, tensor<1x2x100x32xf32>, tensor<1x2x100x16xf32>, tensor<1x2x100x16xf32>)
      -> tensor<1x2x100x16xf32>
  // CHECK: retention.recurrent %{{.*}}, %{{.*}}, %{{.*}}, %[[S]]
  %oinit2 = tensor.empty() : tensor<1x2x1x16xf32>
  %sinit2 = tensor.empty() : tensor<1x2x32x16xf32>
  %o1, %s1 = retention.recurrent %q1, %k1, %v1, %s outs(%oinit2, %sinit2)
      {gamma = array<f64: 0.96875, 0.984375>}
      : (tensor<1x2x1x32xf32>, tensor<1x2x1x32xf32>, tensor<1x2x1x16xf32>,
         tensor<1x2x32x16xf32>, tensor<1x2x1x16xf32>, tensor<1x2x32x16xf32>)
      -> (tensor<1x2x1x16xf32>, tensor<1x2x32x16xf32>)
  return %o, %p, %o1, %s1
      : tensor<1x2x100x16xf32>, tensor<1x2x100x16xf32>,
        tensor<1x2x1x16xf32>, tensor<1x2x32x16xf32>
}
