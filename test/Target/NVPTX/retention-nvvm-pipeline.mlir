// RUN: retnet-opt %s --retention-nvvm-pipeline="format=isa" | FileCheck %s
// RUN: retnet-opt %s --retention-nvvm-pipeline="format=isa block-size=64" | FileCheck %s --check-prefix=B64
//
// The three forms, f32/f16/bf16, with and without state and scale, static
// shapes: host code in the LLVM dialect calling the mgpu* runtime, and PTX
// kernels for sm_90a. The bf16 chunkwise op takes the tensor-core kernel,
// the decode step the decode kernel; the f16 parallel op (dk 16, too narrow
// for the tensor-core kernel) the generic one: one thread per value column
// (block = (batch, head, column tile)), looping over tokens, q and k rows
// read from shared memory, the state column kept in the final-state buffer
// (coalesced across threads).

// Host side: managed result buffers, module load, one launch per op.
// CHECK-DAG:   llvm.call @mgpuMemAlloc
// CHECK-DAG:   gpu.launch_func @chunkwise_bf16_kernel::@chunkwise_bf16_kernel blocks in (%{{.*}}, %{{.*}}, %{{.*}}) threads in (%{{.*}}, %{{.*}}, %{{.*}})
// Device side: a gpu.binary per kernel for sm_90a with PTX 8.0.
// CHECK:       gpu.binary @chunkwise_bf16_kernel [#gpu.object<#nvvm.target<O = 3, chip = "sm_90a", features = "+ptx80">
// CHECK-SAME:    .target sm_90a
// CHECK-SAME:    .visible .entry chunkwise_bf16_kernel(
// bf16 with dk = 64 fits the tensor-core kernel (retention-gpu-chunkwise-mma):
// tiles staged in dynamic shared memory, ldmatrix + mma.sync m16n8k16.
// CHECK-SAME:    bar.sync{{[^;]*}}0;
// CHECK-SAME:    ldmatrix.sync.aligned.m8n8.x4.shared.b16
// CHECK-SAME:    mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32
// CHECK:       gpu.binary @parallel_f16_kernel
// CHECK-SAME:    .visible .entry parallel_f16_kernel(
// CHECK-SAME:    cvt.f32.f16
// A decode step (T = 1) takes the decode kernel: the state moves in 16-byte
// vectors (test/Target/NVPTX/retention-decode-kernel.mlir has the details).
// CHECK:       gpu.binary @recurrent_f32_kernel
// CHECK-SAME:    .visible .entry recurrent_f32_kernel(
// CHECK-SAME:    ld.global.v4.b32
// CHECK-SAME:    st.global.v4.b32

// 128 value columns: one block of 128 threads per (batch, head) by default,
// two blocks of 64 with block-size=64 (grid x = dv / block size).
// B64-LABEL: llvm.func @chunkwise_bf16(
// B64:         %[[X:.*]] = llvm.mlir.constant(2 : index) : i64
// B64:         %[[T:.*]] = llvm.mlir.constant(64 : index) : i64

func.func @chunkwise_bf16(%q: tensor<2x3x100x64xbf16>, %k: tensor<2x3x100x64xbf16>,
                          %v: tensor<2x3x100x128xbf16>, %s: tensor<2x3x64x128xf32>)
    -> (tensor<2x3x100x128xbf16>, tensor<2x3x64x128xf32>) {
  %oinit0 = tensor.empty() : tensor<2x3x100x128xbf16>
  %sinit0 = tensor.empty() : tensor<2x3x64x128xf32>
  %o, %s1 = retention.chunkwise %q, %k, %v, %s outs(%oinit0, %sinit0)
      {chunk_size = 64 : i64, gamma = array<f64: 0.96875, 0.984375, 0.5>, scale = 0.25 : f64}
      : (tensor<2x3x100x64xbf16>, tensor<2x3x100x64xbf16>, tensor<2x3x100x128xbf16>,
         tensor<2x3x64x128xf32>, tensor<2x3x100x128xbf16>, tensor<2x3x64x128xf32>) -> (tensor<2x3x100x128xbf16>, tensor<2x3x64x128xf32>)
  return %o, %s1 : tensor<2x3x100x128xbf16>, tensor<2x3x64x128xf32>
}

func.func @parallel_f16(%q: tensor<1x2x7x16xf16>, %v: tensor<1x2x7x16xf16>)
    -> tensor<1x2x7x16xf16> {
  %oinit1 = tensor.empty() : tensor<1x2x7x16xf16>
  %o = retention.parallel %q, %q, %v outs(%oinit1) {gamma = array<f64: 0.9, 1.0>}
      : (tensor<1x2x7x16xf16>, tensor<1x2x7x16xf16>, tensor<1x2x7x16xf16>, tensor<1x2x7x16xf16>)
      -> tensor<1x2x7x16xf16>
  return %o : tensor<1x2x7x16xf16>
}

func.func @recurrent_f32(%q: tensor<16x8x1x256xf32>, %k: tensor<16x8x1x256xf32>,
                         %v: tensor<16x8x1x512xf32>, %s: tensor<16x8x256x512xf32>)
    -> (tensor<16x8x1x512xf32>, tensor<16x8x256x512xf32>) {
  %oinit2 = tensor.empty() : tensor<16x8x1x512xf32>
  %sinit2 = tensor.empty() : tensor<16x8x256x512xf32>
  %o, %s1 = retention.recurrent %q, %k, %v, %s outs(%oinit2, %sinit2)
      {gamma = array<f64: 0.96875, 0.984375, 0.9921875, 0.99609375, 0.998046875, 0.9990234375, 0.99951171875, 0.999755859375>}
      : (tensor<16x8x1x256xf32>, tensor<16x8x1x256xf32>, tensor<16x8x1x512xf32>,
         tensor<16x8x256x512xf32>, tensor<16x8x1x512xf32>, tensor<16x8x256x512xf32>) -> (tensor<16x8x1x512xf32>, tensor<16x8x256x512xf32>)
  return %o, %s1 : tensor<16x8x1x512xf32>, tensor<16x8x256x512xf32>
}

// Bad options end in one clear line and a non-zero exit, not a crash dump.
// RUN: not retnet-opt %s --retention-nvvm-pipeline="format=elf" 2>&1 | FileCheck %s --check-prefix=BADFMT
// BADFMT: retention-nvvm-pipeline: format must be bin, isa or llvm, not 'elf'
// BADFMT-NOT: Stack dump
