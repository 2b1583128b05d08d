// Valid IR that a pipeline cannot compile, and invalid IR given to the
// pipelines: one diagnostic naming the op and the reason, exit status 1, no
// crash and no stack dump (issue "bad input never crashes").
//
// RUN: not retnet-opt %s --split-input-file --retention-nvvm-pipeline=format=isa 2>&1 | FileCheck %s --check-prefix=GPU
// RUN: not retnet-opt %s --split-input-file --retention-cpu-pipeline 2>&1 | FileCheck %s --check-prefix=CPU

// A dynamic key head dim: the GPU kernel's per-thread state column would be
// dynamically sized (the CPU pipeline compiles it).
// GPU: error: retention-gpu-place-buffers: a dynamically sized temporary inside a kernel is not supported
// GPU-NOT: Stack dump
// CPU-NOT: dynamically sized
func.func @dynamic_dk(%q: tensor<1x2x8x?xf32>, %v: tensor<1x2x8x?xf32>) -> tensor<1x2x8x?xf32> {
  %cdim0_03 = arith.constant 3 : index
  %dim0_03 = tensor.dim %v, %cdim0_03 : tensor<1x2x8x?xf32>
  %oinit0 = tensor.empty(%dim0_03) : tensor<1x2x8x?xf32>
  %o = retention.parallel %q, %q, %v outs(%oinit0) {gamma = array<f64: 0.9, 0.8>} : (tensor<1x2x8x?xf32>, tensor<1x2x8x?xf32>, tensor<1x2x8x?xf32>, tensor<1x2x8x?xf32>) -> tensor<1x2x8x?xf32>
  return %o : tensor<1x2x8x?xf32>
}

// -----

// f64 is not a supported element type (f32, f16, bf16).
// GPU: error: 'retention.parallel' op operand #0 must be ranked tensor of 32-bit float or 16-bit float or bfloat16 type values or memref of 32-bit float or 16-bit float or bfloat16 type values, but got 'tensor<1x1x4x8xf64>'
// CPU: error: 'retention.parallel' op operand #0 must be ranked tensor of 32-bit float or 16-bit float or bfloat16 type values or memref of 32-bit float or 16-bit float or bfloat16 type values, but got 'tensor<1x1x4x8xf64>'
func.func @f64(%q: tensor<1x1x4x8xf64>, %v: tensor<1x1x4x8xf64>) -> tensor<1x1x4x8xf64> {
  %oinit1 = tensor.empty() : tensor<1x1x4x8xf64>
  %o = retention.parallel %q, %q, %v outs(%oinit1) {gamma = array<f64: 0.9>} : (tensor<1x1x4x8xf64>, tensor<1x1x4x8xf64>, tensor<1x1x4x8xf64>, tensor<1x1x4x8xf64>) -> tensor<1x1x4x8xf64>
  return %o : tensor<1x1x4x8xf64>
}

// -----

// Too few operands in generic form.
// GPU: error: 'retention.parallel' op expected 3 or more operands, but found 1
// CPU: error: 'retention.parallel' op expected 3 or more operands, but found 1
// CPU-NOT: Stack dump
func.func @garbage(%a: tensor<4xf32>) -> tensor<4xf32> {
  %0 = "retention.parallel"(%a) : (tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}
