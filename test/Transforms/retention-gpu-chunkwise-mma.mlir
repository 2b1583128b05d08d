// RUN: retnet-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(retention-gpu-chunkwise-mma,retention-gpu-expand-mma))" | FileCheck %s
// RUN: retnet-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(retention-gpu-chunkwise-mma{schedule=chunked},retention-gpu-expand-mma))" | FileCheck %s --check-prefix=CHUNKED
// RUN: retnet-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(retention-gpu-chunkwise-mma{sm-count=4},retention-gpu-expand-mma))" | FileCheck %s --check-prefix=SM4
// RUN: not retnet-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(retention-gpu-chunkwise-mma{schedule=bogus}))" 2>&1 | FileCheck %s --check-prefix=BAD
// RUN: retnet-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(retention-gpu-chunkwise-mma))" | FileCheck %s --check-prefix=CLAIM
//
// On its own, retention-gpu-chunkwise-mma (on tensors) leaves, in the
// aligned branch, the op itself on the kernel's buffers with its schedule
// (retention-gpu-expand-mma builds the launches after bufferization):
// CLAIM-LABEL: func.func @chunkwise_bf16
//       CLAIM:   scf.if
//  CLAIM-NEXT:     retention.chunkwise {{.*}} outs(%{{.*}}, %{{.*}}) {chunk_size = 16 : i64, gamma = array<f64: 9.687500e-01, 5.000000e-01>, retention.mma = {block_v = 64 : i64, schedule = "fused", stages = 2 : i64, state_block_v = 32 : i64}, scale = 2.500000e-01 : f64}
//  CLAIM-SAME:     -> ()
//   CLAIM-NOT:     gpu.launch
//       CLAIM:   } else {
//  CLAIM-NEXT:     retention.chunkwise {{.*}} -> (tensor<
// RUN: retnet-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(retention-gpu-chunkwise-mma{schedule=chunked stages=1},retention-gpu-expand-mma))" | FileCheck %s --check-prefix=ONE
// RUN: not retnet-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(retention-gpu-chunkwise-mma{stages=3}))" 2>&1 | FileCheck %s --check-prefix=BADSTAGES
// BAD: schedule must be auto, fused or chunked, not 'bogus'
// BADSTAGES: stages must be 1 or 2, not 3

// bf16 chunkwise: one launch (dv/BV, B·H) x 128 threads with dynamic shared
// memory, ldmatrix, the bf16 mma.sync as PTX, results as restrict tensors.
// CHECK-LABEL: func.func @chunkwise_bf16
// CHECK-DAG:     bufferization.to_buffer %{{.*}} read_only : tensor<1x2x100x64xbf16> to memref<1x2x100x64xbf16, strided<[?, ?, ?, 1], offset: ?>>
// CHECK-DAG:     %[[O:.*]] = memref.alloc() : memref<1x2x100x128xbf16>
// CHECK-DAG:     %[[S:.*]] = memref.alloc() : memref<1x2x64x128xf32>
// CHECK-DAG:     %[[OT:.*]] = bufferization.to_tensor %[[O]] restrict writable
// CHECK-DAG:     %[[ST:.*]] = bufferization.to_tensor %[[S]] restrict writable
// The kernel runs when every view's start and row strides are 16-byte
// aligned (run-time check):
// CHECK:         memref.extract_aligned_pointer_as_index
// CHECK:         arith.andi %{{.*}}, %c15
// CHECK:         scf.if
// Two stages (default): S16 [64][72] and twice Q, K [64][72], V [64][72]
// (9216 + 2 · 27648 = 64512 bytes); chunk 0's copies (cp.async, 16 bytes,
// source size 8 or 0 elements) before the chunk loop, chunk c + 1's in it,
// then commit, wait for all but one group, barrier.
// CHECK:         gpu.launch {{.*}} dynamic_shared_memory_size %c64512_i32
// CHECK:           gpu.dynamic_shared_memory
// CHECK:           nvgpu.device_async_copy {{.*}}, 8, %{{.*}} {bypassL1} : memref<1x2x100x64xbf16, strided<[?, ?, ?, 1], offset: ?>> to memref<64x72xbf16, #gpu.address_space<workgroup>>
// CHECK:           nvvm.cp.async.commit.group
// CHECK:           scf.for
// CHECK:             scf.if
// CHECK:               nvgpu.device_async_copy
// CHECK:             nvvm.cp.async.commit.group
// CHECK-NEXT:        nvvm.cp.async.wait.group 1
// CHECK:             %[[BUF:.*]] = arith.remui %{{.*}}, %c2{{(_[0-9]+)?}} : index
// CHECK-NEXT:        arith.constant 27648 : index
// CHECK-NEXT:        arith.muli %[[BUF]]
// CHECK:             gpu.barrier
// CHECK:             nvgpu.ldmatrix {{.*}} {numTiles = 4 : i32, transpose = false} : memref<64x72xbf16, #gpu.address_space<workgroup>> -> vector<4x2xbf16>
// CHECK:             nvvm.mma.sync A[{{.*}}] B[{{.*}}] C[{{.*}}] {layoutA = #nvvm.mma_layout<row>, layoutB = #nvvm.mma_layout<col>, multiplicandAPtxType = #nvvm.mma_type<bf16>, multiplicandBPtxType = #nvvm.mma_type<bf16>, shape = #nvvm.shape<m = 16, n = 8, k = 16>}
// CHECK:             nvgpu.ldmatrix {{.*}} {numTiles = 4 : i32, transpose = true}
// CHECK:         } {retention.microkernel}
// Views that are only element-aligned: the op itself, into the same buffers.
// CHECK:         } else {
// CHECK-NEXT:      %[[GO:.*]], %[[GS:.*]] = retention.chunkwise
// CHECK-NEXT:      bufferization.materialize_in_destination %[[GO]] in restrict writable
// CHECK-NEXT:      bufferization.materialize_in_destination %[[GS]] in restrict writable
// CHECK-NEXT:    }
// CHECK-NEXT:    return %[[OT]], %[[ST]]
//
// Forced chunked (T = 100: two chunks): the states buffer [B, H, NC, dk, dv]
// in bf16, the state kernel on grid (dk/64, dv/32, B·H) with twice K
// [64][72] and V [64][40] in shared memory (28672 bytes; one stage: K and
// V ⊙ ζ, 14336), writing the buffer and the final state; then the output
// kernel on grid (dv/64, NC, B·H) with Q, K [64][72], V [64][72] and the
// state [64][72] (36864 bytes), reading it.
// CHUNKED-LABEL: func.func @chunkwise_bf16
// CHUNKED-DAG:     %[[O:.*]] = memref.alloc() : memref<1x2x100x128xbf16>
// CHUNKED-DAG:     %[[S:.*]] = memref.alloc() : memref<1x2x64x128xf32>
// CHUNKED-DAG:     %[[SC:.*]] = memref.cast %[[S]]
// CHUNKED-DAG:     %[[ST:.*]] = memref.alloc() : memref<1x2x2x64x128xbf16>
// CHUNKED:         gpu.launch blocks({{.*}}) in ({{.*}} = %c1{{(_[0-9]+)?}}, {{.*}} = %c4{{(_[0-9]+)?}}, {{.*}} = %c2{{(_[0-9]+)?}}) threads({{.*}}) in ({{.*}} = %c128{{(_[0-9]+)?}}, {{.*}}) dynamic_shared_memory_size %c28672_i32
// CHUNKED:           nvgpu.device_async_copy {{.*}} {bypassL1} : memref<1x2x100x128xbf16, strided<[?, ?, ?, 1], offset: ?>> to memref<64x40xbf16, #gpu.address_space<workgroup>>
// CHUNKED:           scf.for %[[C:.*]] = {{.*}} iter_args
// CHUNKED:             nvvm.cp.async.wait.group 1
// CHUNKED:             vector.store {{.*}}, %[[ST]][%{{.*}}, %{{.*}}, %[[C]], %{{.*}}, %{{.*}}] {alignment = 4 : i64} : memref<1x2x2x64x128xbf16>, vector<2xbf16>
// CHUNKED:             nvgpu.ldmatrix {{.*}} {numTiles = 4 : i32, transpose = true} : memref<64x72xbf16, #gpu.address_space<workgroup>>
// CHUNKED:             nvgpu.ldmatrix {{.*}} {numTiles = 4 : i32, transpose = true} : memref<64x40xbf16, #gpu.address_space<workgroup>>
// CHUNKED:             nvvm.mma.sync A[{{.*}}] B[{{.*}}] C[{{.*}}] {layoutA = #nvvm.mma_layout<row>, layoutB = #nvvm.mma_layout<col>, multiplicandAPtxType = #nvvm.mma_type<bf16>, multiplicandBPtxType = #nvvm.mma_type<bf16>, shape = #nvvm.shape<m = 16, n = 8, k = 16>}
// CHUNKED:           vector.store {{.*}}, %[[SC]]{{.*}} : memref<1x2x64x128xf32, strided<[?, ?, ?, 1], offset: ?>>, vector<2xf32>
// CHUNKED:         } {retention.microkernel}
// CHUNKED:         gpu.launch blocks({{.*}}, %[[BY:.*]], {{.*}}) in ({{.*}} = %c2{{(_[0-9]+)?}}, {{.*}} = %c2{{(_[0-9]+)?}}, {{.*}} = %c2{{(_[0-9]+)?}}) threads({{.*}}) in ({{.*}} = %c128{{(_[0-9]+)?}}, {{.*}}) dynamic_shared_memory_size %c36864_i32
// CHUNKED-NOT:       scf.for {{.*}} iter_args
// CHUNKED:           vector.load %[[ST]][%{{.*}}, %{{.*}}, %[[BY]], %{{.*}}, %{{.*}}] {alignment = 16 : i64} : memref<1x2x2x64x128xbf16>, vector<8xbf16>
// CHUNKED:           nvgpu.ldmatrix {{.*}} {numTiles = 4 : i32, transpose = false} : memref<64x72xbf16, #gpu.address_space<workgroup>>
// CHUNKED:           nvvm.mma.sync A[{{.*}}] B[{{.*}}] C[{{.*}}] {layoutA = #nvvm.mma_layout<row>, layoutB = #nvvm.mma_layout<col>, multiplicandAPtxType = #nvvm.mma_type<bf16>, multiplicandBPtxType = #nvvm.mma_type<bf16>, shape = #nvvm.shape<m = 16, n = 8, k = 16>}
// CHUNKED:         } {retention.microkernel}
// CHUNKED-NOT:     gpu.launch
// CHUNKED:         return
// One stage: today's kernels (16-byte loads, V ⊙ ζ staged), no cp.async.
// ONE-LABEL: func.func @chunkwise_bf16
// ONE-NOT:     nvgpu.device_async_copy
// ONE:         gpu.launch {{.*}} dynamic_shared_memory_size %c14336_i32
// ONE:           vector.load {{.*}} {alignment = 16 : i64} : memref<1x2x100x64xbf16, strided<[?, ?, ?, 1], offset: ?>>, vector<8xbf16>
// ONE-NOT:       cp.async
// ONE:         } {retention.microkernel}
// ONE:         gpu.launch {{.*}} dynamic_shared_memory_size %c36864_i32
// ONE-NOT:     cp.async
// ONE:         return
func.func @chunkwise_bf16(%q: tensor<1x2x100x64xbf16>, %v: tensor<1x2x100x128xbf16>,
                          %s: tensor<1x2x64x128xf32>)
    -> (tensor<1x2x100x128xbf16>, tensor<1x2x64x128xf32>) {
  %oinit0 = tensor.empty() : tensor<1x2x100x128xbf16>
  %sinit0 = tensor.empty() : tensor<1x2x64x128xf32>
  %o, %s1 = retention.chunkwise %q, %q, %v, %s outs(%oinit0, %sinit0)
      {chunk_size = 16 : i64, gamma = array<f64: 0.96875, 0.5>, scale = 0.25 : f64}
      : (tensor<1x2x100x64xbf16>, tensor<1x2x100x64xbf16>, tensor<1x2x100x128xbf16>,
         tensor<1x2x64x128xf32>, tensor<1x2x100x128xbf16>, tensor<1x2x64x128xf32>) -> (tensor<1x2x100x128xbf16>, tensor<1x2x64x128xf32>)
  return %o, %s1 : tensor<1x2x100x128xbf16>, tensor<1x2x64x128xf32>
}

// -----

// f16 parallel: nvgpu.mma.sync (it lowers for f16), no final state buffer.
// CHECK-LABEL: func.func @parallel_f16
// CHECK:         gpu.launch
// CHECK:           nvgpu.ldmatrix
// CHECK:           nvgpu.mma.sync({{.*}}) {mmaShape = [16, 8, 16]} : (vector<4x2xf16>, vector<2x2xf16>, vector<2x2xf32>) -> vector<2x2xf32>
// CHECK:         } {retention.microkernel}
// CHECK:         } else {
// CHECK-NEXT:      retention.parallel
// CHECK-NEXT:      bufferization.materialize_in_destination
func.func @parallel_f16(%q: tensor<2x1x7x128xf16>, %v: tensor<2x1x7x64xf16>)
    -> tensor<2x1x7x64xf16> {
  %oinit1 = tensor.empty() : tensor<2x1x7x64xf16>
  %o = retention.parallel %q, %q, %v outs(%oinit1) {gamma = array<f64: 0.9>}
      : (tensor<2x1x7x128xf16>, tensor<2x1x7x128xf16>, tensor<2x1x7x64xf16>, tensor<2x1x7x64xf16>)
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
  %oinit2 = tensor.empty() : tensor<1x1x64x64xf32>
  %sinit2 = tensor.empty() : tensor<1x1x64x64xf32>
  %o, %s = retention.chunkwise %q, %q, %q outs(%oinit2, %sinit2) {chunk_size = 64 : i64, gamma = array<f64: 0.9>}
      : (tensor<1x1x64x64xf32>, tensor<1x1x64x64xf32>, tensor<1x1x64x64xf32>, tensor<1x1x64x64xf32>, tensor<1x1x64x64xf32>)
      -> (tensor<1x1x64x64xf32>, tensor<1x1x64x64xf32>)
  %oinit3 = tensor.empty() : tensor<1x1x64x64xbf16>
  %p = retention.parallel %qb, %qb, %vb outs(%oinit3) {gamma = array<f64: 0.9>}
      : (tensor<1x1x64x48xbf16>, tensor<1x1x64x48xbf16>, tensor<1x1x64x64xbf16>, tensor<1x1x64x64xbf16>)
      -> tensor<1x1x64x64xbf16>
  %cdim4_02 = arith.constant 2 : index
  %dim4_02 = tensor.dim %qd, %cdim4_02 : tensor<1x1x?x64xbf16>
  %oinit4 = tensor.empty(%dim4_02) : tensor<1x1x?x64xbf16>
  %sinit4 = tensor.empty() : tensor<1x1x64x64xf32>
  %d, %ds = retention.chunkwise %qd, %qd, %qd outs(%oinit4, %sinit4) {chunk_size = 64 : i64, gamma = array<f64: 0.9>}
      : (tensor<1x1x?x64xbf16>, tensor<1x1x?x64xbf16>, tensor<1x1x?x64xbf16>, tensor<1x1x?x64xbf16>, tensor<1x1x64x64xf32>)
      -> (tensor<1x1x?x64xbf16>, tensor<1x1x64x64xf32>)
  return %o, %p, %d : tensor<1x1x64x64xf32>, tensor<1x1x64x64xbf16>, tensor<1x1x?x64xbf16>
}

// -----

// auto, chunked: the fused grid (dv/BV · B·H = 2 · 8 = 16 blocks) is below
// two blocks per SM (264) and T = 256 is four chunks. No initial or final
// state: the state kernel's accumulators start at zero.
// CHECK-LABEL: func.func @auto_chunked
// CHECK:         %[[ST:.*]] = memref.alloc() : memref<2x4x4x128x128xbf16>
// CHECK:         gpu.launch blocks({{.*}}) in ({{.*}} = %c2{{(_[0-9]+)?}}, {{.*}} = %c4{{(_[0-9]+)?}}, {{.*}} = %c8{{(_[0-9]+)?}})
// CHECK:         } {retention.microkernel}
// CHECK:         gpu.launch blocks({{.*}}) in ({{.*}} = %c2{{(_[0-9]+)?}}, {{.*}} = %c4{{(_[0-9]+)?}}, {{.*}} = %c8{{(_[0-9]+)?}})
// CHECK:         } {retention.microkernel}
// CHECK-NOT:     gpu.launch
// With 4 SMs (sm-count=4) 16 blocks are enough: fused.
// SM4-LABEL: func.func @auto_chunked
// SM4-NOT:     memref.alloc() : memref<2x4x4x128x128xbf16>
// SM4:         gpu.launch blocks({{.*}}) in ({{.*}} = %c2{{(_[0-9]+)?}}, {{.*}} = %c8{{(_[0-9]+)?}}, {{.*}} = %c1{{(_[0-9]+)?}})
// SM4:         } {retention.microkernel}
// SM4-NOT:     gpu.launch
func.func @auto_chunked(%q: tensor<2x4x256x128xbf16>, %v: tensor<2x4x256x128xbf16>)
    -> tensor<2x4x256x128xbf16> {
  %oinit5 = tensor.empty() : tensor<2x4x256x128xbf16>
  %o = retention.parallel %q, %q, %v outs(%oinit5) {gamma = array<f64: 0.9, 0.95, 0.99, 0.999>}
      : (tensor<2x4x256x128xbf16>, tensor<2x4x256x128xbf16>, tensor<2x4x256x128xbf16>, tensor<2x4x256x128xbf16>)
      -> tensor<2x4x256x128xbf16>
  return %o : tensor<2x4x256x128xbf16>
}

// -----

// auto, fused: T = 255 is under four chunks, however small the grid.
// CHECK-LABEL: func.func @auto_fused_short
// SM4-LABEL: func.func @auto_fused_short
// CHECK-NOT:     memref<2x4x4x128x128xbf16>
// CHECK:         gpu.launch blocks({{.*}}) in ({{.*}} = %c2{{(_[0-9]+)?}}, {{.*}} = %c8{{(_[0-9]+)?}}, {{.*}} = %c1{{(_[0-9]+)?}})
// CHECK:         } {retention.microkernel}
// CHECK-NOT:     gpu.launch
func.func @auto_fused_short(%q: tensor<2x4x255x128xbf16>, %v: tensor<2x4x255x128xbf16>)
    -> tensor<2x4x255x128xbf16> {
  %oinit6 = tensor.empty() : tensor<2x4x255x128xbf16>
  %o = retention.parallel %q, %q, %v outs(%oinit6) {gamma = array<f64: 0.9, 0.95, 0.99, 0.999>}
      : (tensor<2x4x255x128xbf16>, tensor<2x4x255x128xbf16>, tensor<2x4x255x128xbf16>, tensor<2x4x255x128xbf16>)
      -> tensor<2x4x255x128xbf16>
  return %o : tensor<2x4x255x128xbf16>
}

// -----

// auto, fused: the fused grid (dv/BV · B·H = 512/32 · 4·8 = 512 blocks)
// has at least two blocks per SM (>= 264): the benchmark's dk = 256,
// dv = 512 family.
// Its doubled tiles (162 KB) would leave one block per SM instead of two
// (96 KB): one stage.
// CHECK-LABEL: func.func @auto_fused_wide
// CHECK-NOT:     memref.alloc() : memref<4x8x5x256x512xbf16>
// CHECK:         gpu.launch blocks({{.*}}) in ({{.*}} = %c16{{(_[0-9]+)?}}, {{.*}} = %c32{{(_[0-9]+)?}}, {{.*}} = %c1{{(_[0-9]+)?}}) {{.*}} dynamic_shared_memory_size %c98304_i32
// CHECK-NOT:       cp.async
// CHECK:         } {retention.microkernel}
// CHECK-NOT:     gpu.launch
func.func @auto_fused_wide(%q: tensor<4x8x320x256xbf16>, %v: tensor<4x8x320x512xbf16>)
    -> (tensor<4x8x320x512xbf16>, tensor<4x8x256x512xf32>) {
  %oinit7 = tensor.empty() : tensor<4x8x320x512xbf16>
  %sinit7 = tensor.empty() : tensor<4x8x256x512xf32>
  %o, %s = retention.chunkwise %q, %q, %v outs(%oinit7, %sinit7) {chunk_size = 64 : i64,
      gamma = array<f64: 0.96875, 0.984375, 0.9921875, 0.99609375, 0.998046875,
                         0.9990234375, 0.99951171875, 0.999755859375>}
      : (tensor<4x8x320x256xbf16>, tensor<4x8x320x256xbf16>, tensor<4x8x320x512xbf16>, tensor<4x8x320x512xbf16>, tensor<4x8x256x512xf32>)
      -> (tensor<4x8x320x512xbf16>, tensor<4x8x256x512xf32>)
  return %o, %s : tensor<4x8x320x512xbf16>, tensor<4x8x256x512xf32>
}
