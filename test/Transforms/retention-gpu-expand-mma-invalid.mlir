// RUN: retnet-opt %s -split-input-file --pass-pipeline="builtin.module(func.func(retention-gpu-expand-mma))" -verify-diagnostics
//
// retention-gpu-expand-mma builds only what retention-gpu-chunkwise-mma
// marked: an op on memrefs whose mark names a schedule, tiles and stages the
// kernels support. Anything else is an error naming the mark, not a crash
// or a silently dropped op.

func.func @bad_schedule(%q: memref<1x2x64x64xbf16>, %o: memref<1x2x64x64xbf16>, %s: memref<1x2x64x64xf32>) {
  // expected-error @+1 {{has an invalid 'retention.mma'}}
  retention.chunkwise %q, %q, %q outs(%o, %s)
      {chunk_size = 64 : i64, gamma = array<f64: 0.5, 0.75>,
       retention.mma = {block_v = 64 : i64, schedule = "tiled", stages = 2 : i64, state_block_v = 32 : i64}}
      : (memref<1x2x64x64xbf16>, memref<1x2x64x64xbf16>, memref<1x2x64x64xbf16>,
         memref<1x2x64x64xbf16>, memref<1x2x64x64xf32>) -> ()
  return
}

// -----

func.func @three_stages(%q: memref<1x2x64x64xbf16>, %o: memref<1x2x64x64xbf16>, %s: memref<1x2x64x64xf32>) {
  // expected-error @+1 {{has an invalid 'retention.mma'}}
  retention.chunkwise %q, %q, %q outs(%o, %s)
      {chunk_size = 64 : i64, gamma = array<f64: 0.5, 0.75>,
       retention.mma = {block_v = 64 : i64, schedule = "fused", stages = 3 : i64, state_block_v = 32 : i64}}
      : (memref<1x2x64x64xbf16>, memref<1x2x64x64xbf16>, memref<1x2x64x64xbf16>,
         memref<1x2x64x64xbf16>, memref<1x2x64x64xf32>) -> ()
  return
}

// -----

// On tensors: the mark is for the bufferized op.
func.func @on_tensors(%q: tensor<1x2x64x64xbf16>, %o: tensor<1x2x64x64xbf16>) -> tensor<1x2x64x64xbf16> {
  // expected-error @+1 {{has an invalid 'retention.mma'}}
  %r = retention.parallel %q, %q, %q outs(%o)
      {gamma = array<f64: 0.5, 0.75>,
       retention.mma = {block_v = 64 : i64, schedule = "fused", stages = 2 : i64, state_block_v = 32 : i64}}
      : (tensor<1x2x64x64xbf16>, tensor<1x2x64x64xbf16>, tensor<1x2x64x64xbf16>,
         tensor<1x2x64x64xbf16>) -> tensor<1x2x64x64xbf16>
  return %r : tensor<1x2x64x64xbf16>
}

// -----

// f32 does not run on the tensor-core kernels.
func.func @f32(%q: memref<1x2x64x64xf32>, %o: memref<1x2x64x64xf32>) {
  // expected-error @+1 {{does not fit the tensor-core kernels its 'retention.mma' asks for}}
  retention.parallel %q, %q, %q outs(%o)
      {gamma = array<f64: 0.5, 0.75>,
       retention.mma = {block_v = 64 : i64, schedule = "fused", stages = 2 : i64, state_block_v = 32 : i64}}
      : (memref<1x2x64x64xf32>, memref<1x2x64x64xf32>, memref<1x2x64x64xf32>,
         memref<1x2x64x64xf32>) -> ()
  return
}
