// RUN: retnet-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(retention-gpu-chunkwise-mma))" | FileCheck %s

// bf16 chunkwise: one launch (dv/BV, B·H) x 128 threads with dynamic shared
// memory, ldmatrix, the bf16 mma.sync as PTX, results as restrict tensors.
// CHECK-LABEL: func.func @chunkwise_bf16
// CHECK-DAG:     bufferization.to_buffer %{{.*}} read_only : tensor<1x2x100x64xbf16> to memref<1x2x100x64xbf16, strided<[?, ?, ?, 1], offset: ?>>
// CHECK-DAG:     %[[O:.*]] = memref.alloc() : memref<1x2x100x128xbf16>
// CHECK-DAG:     %[[S:.*]] = memref.alloc() : memref<1x2x64x128xf32>
// CHECK-DAG:     %[[OT:.*]] = bufferization.to_tensor %[[O]] restrict writable
// CHECK-DAG:     %[[ST:.*]] = bufferization.to_tensor %[[S]] restrict writable
// CHECK:         gpu.launch {{.*}} dynamic_shared_memory_size
// CHECK:           gpu.dynamic_shared_memory
// CHECK:           scf.for
// CHECK:             nvgpu.ldmatrix {{.*}} {numTiles = 4 : i32, transpose = false} : memref<64x72xbf16, #gpu.address_space<workgroup>> -> vector<4x2xbf16>
// CHECK:             llvm.inline_asm "mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32
// CHECK:             nvgpu.ldmatrix {{.*}} {numTiles = 4 : i32, transpose = true}
// CHECK:         } {retention.microkernel}
// CHECK-NOT:     retention.chunkwise
// CHECK:         return %[[OT]], %[[ST]]
func.func @chunkwise_bf16(%q: tensor<1x2x100x64xbf16>, %v: tensor<1x2x100x128xbf16>,
                          %s: tensor<1x2x64x128xf32>)
    -> (tensor<1x2x100x128xbf16>, tensor<1x2x64x128xf32>) {
  %o, %s1 = retention.chunkwise %q, %q, %v, %s
      {chunk_size = 16 : i64, gamma = array<f64: 0.96875, 0.5>, scale = 0.25 : f64}
      : (tensor<1x2x100x64xbf16>, tensor<1x2x100x64xbf16>, tensor<1x2x100x128xbf16>,
         tensor<1x2x64x128xf32>) -> (tensor<1x2x100x128xbf16>, tensor<1x2x64x128xf32>)
  return %o, %s1 : tensor<1x2x100x128xbf16>, tensor<1x2x64x128xf32>
}

// -----

// f16 parallel: nvgpu.mma.sync (it lowers for f16), no final state buffer.
// CHECK-LABEL: func.func @parallel_f16
// CHECK:         gpu.launch
// CHECK:           nvgpu.ldmatrix
// CHECK:           nvgpu.mma.sync({{.*}}) {mmaShape = [16, 8, 16]} : (vector<4x2xf16>, vector<2x2xf16>, vector<2x2xf32>) -> vector<2x2xf32>
// CHECK:         } {retention.microkernel}
// CHECK-NOT:     retention.parallel
func.func @parallel_f16(%q: tensor<2x1x7x128xf16>, %v: tensor<2x1x7x64xf16>)
    -> tensor<2x1x7x64xf16> {
  %o = retention.parallel %q, %q, %v {gamma = array<f64: 0.9>}
      : (tensor<2x1x7x128xf16>, tensor<2x1x7x128xf16>, tensor<2x1x7x64xf16>)
      -> tensor<2x1x7x64xf16>
  return %o : tensor<2x1x7x64xf16>
}

// -----

// Left to the generic path: f32 inputs, dk = 48, a dynamic token count.
// CHECK-LABEL: func.func @left_alone
// CHECK-NOT:     gpu.launch
// CHECK:         retention.chunkwise {{.*}} tensor<1x1x64x64xf32>
// CHECK:         retention.parallel {{.*}} tensor<1x1x64x48xbf16>
// CHECK:         retention.chunkwise {{.*}} tensor<1x1x?x64xbf16>
func.func @left_alone(%q: tensor<1x1x64x64xf32>, %qb: tensor<1x1x64x48xbf16>,
                      %vb: tensor<1x1x64x64xbf16>, %qd: tensor<1x1x?x64xbf16>)
    -> (tensor<1x1x64x64xf32>, tensor<1x1x64x64xbf16>, tensor<1x1x?x64xbf16>) {
  %o, %s = retention.chunkwise %q, %q, %q {chunk_size = 64 : i64, gamma = array<f64: 0.9>}
      : (tensor<1x1x64x64xf32>, tensor<1x1x64x64xf32>, tensor<1x1x64x64xf32>)
      -> (tensor<1x1x64x64xf32>, tensor<1x1x64x64xf32>)
  %p = retention.parallel %qb, %qb, %vb {gamma = array<f64: 0.9>}
      : (tensor<1x1x64x48xbf16>, tensor<1x1x64x48xbf16>, tensor<1x1x64x64xbf16>)
      -> tensor<1x1x64x64xbf16>
  %d, %ds = retention.chunkwise %qd, %qd, %qd {chunk_size = 64 : i64, gamma = array<f64: 0.9>}
      : (tensor<1x1x?x64xbf16>, tensor<1x1x?x64xbf16>, tensor<1x1x?x64xbf16>)
      -> (tensor<1x1x?x64xbf16>, tensor<1x1x64x64xf32>)
  return %o, %p, %d : tensor<1x1x64x64xf32>, tensor<1x1x64x64xbf16>, tensor<1x1x?x64xbf16>
}
