// RUN: retnet-opt %s --pass-pipeline="builtin.module(func.func(retention-gpu-lower-linalg))" -verify-diagnostics
// A linalg op still on tensors: the pass runs after bufferization.
func.func @tensors(%a: tensor<4x8xf32>, %b: tensor<8x4xf32>, %c: tensor<4x4xf32>) -> tensor<4x4xf32> {
  // expected-error @+1 {{retention-gpu-lower-linalg: expected a linalg op on buffers (run after bufferization)}}
  %r = linalg.matmul ins(%a, %b : tensor<4x8xf32>, tensor<8x4xf32>) outs(%c : tensor<4x4xf32>) -> tensor<4x4xf32>
  return %r : tensor<4x4xf32>
}
