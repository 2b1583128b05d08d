// REQUIRES: ptxas
// The tensor-core chunkwise kernels (retention-gpu-chunkwise-mma) through the
// whole NVVM pipeline: bf16 mma.sync m16n8k16 and ldmatrix in the PTX, cp.async
// double buffering (stages=2, the default) in the fused dk=128 kernel and the
// state kernels (not in the fused dk=256 BV=32 one: its doubled tiles would
// cost a block per SM), and ptxas -v on each kernel (ptx_resources.py): no
// spills, registers within budget. Fused kernels (T < 4 chunks): <= 255
// (measured, two stages / one: dk=128 BV=64 234 / 230 registers; dk=256
// BV=32, one stage, 171). Chunked schedule (small grids, T >= 256): the state
// kernel <= 168 (at least 3 blocks of 128 threads per SM; measured, two
// stages / one: 48 / 46 for BVs=32, 96 / 66 for BVs=64 with an initial
// state), the output kernel <= 255 (measured: dk=128 BV=64 130 and 126;
// dk=256 BV=32 96).
//
// RUN: retnet-opt %s --retention-nvvm-pipeline="format=isa" > %t.mlir
// RUN: FileCheck %s < %t.mlir
// RUN: %python %S/Inputs/ptx_resources.py %ptxas %t.mlir --budget dk128_kernel=255 --budget dk256_kernel=255 --budget chunked128_kernel=168 --budget chunked128_kernel_2=255 --budget chunked128w_kernel=168 --budget chunked128w_kernel_4=255 --budget chunked256_kernel=168 --budget chunked256_kernel_6=255 | FileCheck %s --check-prefix=RES
//
// The device LLVM IR (format=llvm, disassembled): the products, the
// barriers and the async-copy groups are intrinsic calls (from
// nvvm.mma.sync, gpu.barrier, nvvm.cp.async.*), not inline asm; the barrier
// intrinsic is convergent, so LLVM cannot move it into divergent code.
// RUN: retnet-opt %s --retention-nvvm-pipeline="format=llvm" -o %t.llvm.mlir
// RUN: %python %S/Inputs/device_llvm_ir.py llvm-dis %t.llvm.mlir | FileCheck %s --check-prefix=IR
// IR-LABEL: ; ---- dk128_kernel
// IR-NOT:     asm {{.*}}"{{(mma|bar|cp\.async)}}
// IR-DAG:     call void @llvm.nvvm.cp.async.commit.group()
// IR-DAG:     call { float, float, float, float } @llvm.nvvm.mma.m16n8k16.row.col.bf16(
// IR-DAG:     call void @llvm.nvvm.cp.async.wait.group(i32 1)
// IR-DAG:     call void @llvm.nvvm.barrier.cta.sync.aligned.all(i32 0)
// IR:         declare void @llvm.nvvm.barrier.cta.sync.aligned.all(i32) #[[BAR:[0-9]+]]
// IR-NOT:     asm {{.*}}"{{(mma|bar|cp\.async)}}
// IR:         attributes #[[BAR]] = { convergent
// IR-LABEL: ; ---- dk128_kernel_0

// Each kernel runs when every view is 16-byte aligned (checked at run
// time); else the generic kernel (dk128_kernel_0) does. In the fused
// kernel, per chunk: the next chunk's copies (cp.async with a run-time
// source size: zero-filled rows past T), commit, wait for this chunk's
// group, barrier, then the products.
// CHECK:       llvm.cond_br
// CHECK:       gpu.launch_func @dk128_kernel::@dk128_kernel
// CHECK:       gpu.launch_func @dk128_kernel_0::@dk128_kernel
// CHECK:       gpu.binary @dk128_kernel
// CHECK-SAME:    cp.async.cg.shared.global [%{{[a-z0-9]+}}], [%{{[a-z0-9]+}}], 16, %r{{[0-9]+}};
// CHECK-SAME:    cp.async.commit_group;
// CHECK-SAME:    cp.async.wait_group{{[^;]*}}1;
// CHECK-SAME:    bar.sync{{[^;]*}}0;
// CHECK-SAME:    ldmatrix.sync.aligned.m8n8.x4.shared.b16
// CHECK-SAME:    mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32
// CHECK-SAME:    ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16
// CHECK:       gpu.launch_func @dk256_kernel::@dk256_kernel
// CHECK:       gpu.binary @dk256_kernel
// CHECK-NOT:     cp.async
// CHECK-SAME:    mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32
// CHECK-NOT:     cp.async
// Chunked: the state kernel on (dk/64, dv/32, B·H), then the output kernel on
// (dv/64, NC, B·H), then the states buffer is freed.
// CHECK:       gpu.launch_func @chunked128_kernel::@chunked128_kernel blocks in (%[[C2:.*]], %[[C4:.*]], %[[C64:.*]]) threads
// CHECK:       gpu.launch_func @chunked128_kernel_2::@chunked128_kernel blocks in (%[[C2]], %[[C32:.*]], %[[C64]]) threads
// CHECK:       llvm.call @mgpuMemFree
// CHECK:       gpu.binary @chunked128_kernel
// CHECK-SAME:    cp.async.cg.shared.global
// CHECK-SAME:    cp.async.wait_group{{[^;]*}}1;
// CHECK-SAME:    ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16
// CHECK-SAME:    mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32
// CHECK:       gpu.binary @chunked128_kernel_2
// CHECK-NOT:     cp.async
// CHECK-SAME:    ldmatrix.sync.aligned.m8n8.x4.shared.b16
// CHECK-SAME:    mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32
// CHECK:       gpu.launch_func @chunked128w_kernel::@chunked128w_kernel
// CHECK:       gpu.launch_func @chunked128w_kernel_4::@chunked128w_kernel
// CHECK:       gpu.launch_func @chunked256_kernel::@chunked256_kernel
// CHECK:       gpu.launch_func @chunked256_kernel_6::@chunked256_kernel

// RES:      chunked128_kernel registers={{[0-9]+}} spill_stores=0 spill_loads=0
// RES-NEXT: chunked128_kernel_2 registers={{[0-9]+}} spill_stores=0 spill_loads=0
// RES-NEXT: chunked128_kernel_3 registers={{[0-9]+}} spill_stores=0 spill_loads=0
// RES-NEXT: chunked128w_kernel registers={{[0-9]+}} spill_stores=0 spill_loads=0
// RES-NEXT: chunked128w_kernel_4 registers={{[0-9]+}} spill_stores=0 spill_loads=0
// RES-NEXT: chunked128w_kernel_5 registers={{[0-9]+}} spill_stores=0 spill_loads=0
// RES-NEXT: chunked256_kernel registers={{[0-9]+}} spill_stores=0 spill_loads=0
// RES-NEXT: chunked256_kernel_6 registers={{[0-9]+}} spill_stores=0 spill_loads=0
// RES-NEXT: chunked256_kernel_7 registers={{[0-9]+}} spill_stores=0 spill_loads=0
// RES-NEXT: dk128_kernel registers={{[0-9]+}} spill_stores=0 spill_loads=0
// RES-NEXT: dk128_kernel_0 registers={{[0-9]+}} spill_stores=0 spill_loads=0
// RES-NEXT: dk256_kernel registers={{[0-9]+}} spill_stores=0 spill_loads=0
// RES-NEXT: dk256_kernel_1 registers={{[0-9]+}} spill_stores=0 spill_loads=0

func.func @dk128(%q: tensor<2x3x100x128xbf16>, %v: tensor<2x3x100x128xbf16>,
                 %s: tensor<2x3x128x128xf32>)
    -> (tensor<2x3x100x128xbf16>, tensor<2x3x128x128xf32>) {
  %oinit0 = tensor.empty() : tensor<2x3x100x128xbf16>
  %sinit0 = tensor.empty() : tensor<2x3x128x128xf32>
  %o, %s1 = retention.chunkwise %q, %q, %v, %s outs(%oinit0, %sinit0)
      {chunk_size = 64 : i64, gamma = array<f64: 0.96875, 0.984375, 0.5>, scale = 0.25 : f64}
      : (tensor<2x3x100x128xbf16>, tensor<2x3x100x128xbf16>, tensor<2x3x100x128xbf16>,
         tensor<2x3x128x128xf32>, tensor<2x3x100x128xbf16>, tensor<2x3x128x128xf32>) -> (tensor<2x3x100x128xbf16>, tensor<2x3x128x128xf32>)
  return %o, %s1 : tensor<2x3x100x128xbf16>, tensor<2x3x128x128xf32>
}

// T = 255: under four chunks, so fused whatever the grid.
func.func @dk256(%q: tensor<1x2x255x256xbf16>, %v: tensor<1x2x255x64xbf16>)
    -> tensor<1x2x255x64xbf16> {
  %oinit1 = tensor.empty() : tensor<1x2x255x64xbf16>
  %o = retention.parallel %q, %q, %v outs(%oinit1) {gamma = array<f64: 0.96875, 0.984375>}
      : (tensor<1x2x255x256xbf16>, tensor<1x2x255x256xbf16>, tensor<1x2x255x64xbf16>, tensor<1x2x255x64xbf16>)
      -> tensor<1x2x255x64xbf16>
  return %o : tensor<1x2x255x64xbf16>
}

// B·H = 64, fused grid 2 x 64 = 128 blocks: chunked (the benchmark shape).
func.func @chunked128(%q: tensor<4x16x2048x128xbf16>, %v: tensor<4x16x2048x128xbf16>)
    -> (tensor<4x16x2048x128xbf16>, tensor<4x16x128x128xf32>) {
  %oinit2 = tensor.empty() : tensor<4x16x2048x128xbf16>
  %sinit2 = tensor.empty() : tensor<4x16x128x128xf32>
  %o, %s1 = retention.chunkwise %q, %q, %v outs(%oinit2, %sinit2)
      {chunk_size = 64 : i64, gamma = array<f64: 0.96875, 0.984375, 0.9921875, 0.99609375,
        0.998046875, 0.9990234375, 0.99951171875, 0.999755859375, 0.9998779296875,
        0.99993896484375, 0.999969482421875, 0.9999847412109375, 0.9999923706054688,
        0.9999961853027344, 0.9999980926513672, 0.9999990463256836>, scale = 0.08838834764831845 : f64}
      : (tensor<4x16x2048x128xbf16>, tensor<4x16x2048x128xbf16>, tensor<4x16x2048x128xbf16>, tensor<4x16x2048x128xbf16>, tensor<4x16x128x128xf32>)
      -> (tensor<4x16x2048x128xbf16>, tensor<4x16x128x128xf32>)
  return %o, %s1 : tensor<4x16x2048x128xbf16>, tensor<4x16x128x128xf32>
}

// B·H = 100: the state kernel takes 64-column tiles (4 x 2 x 100 blocks).
func.func @chunked128w(%q: tensor<100x1x300x128xbf16>, %v: tensor<100x1x300x128xbf16>,
                       %s: tensor<100x1x128x128xf32>)
    -> (tensor<100x1x300x128xbf16>, tensor<100x1x128x128xf32>) {
  %oinit3 = tensor.empty() : tensor<100x1x300x128xbf16>
  %sinit3 = tensor.empty() : tensor<100x1x128x128xf32>
  %o, %s1 = retention.chunkwise %q, %q, %v, %s outs(%oinit3, %sinit3)
      {chunk_size = 64 : i64, gamma = array<f64: 0.96875>, scale = 0.25 : f64}
      : (tensor<100x1x300x128xbf16>, tensor<100x1x300x128xbf16>, tensor<100x1x300x128xbf16>,
         tensor<100x1x128x128xf32>, tensor<100x1x300x128xbf16>, tensor<100x1x128x128xf32>) -> (tensor<100x1x300x128xbf16>, tensor<100x1x128x128xf32>)
  return %o, %s1 : tensor<100x1x300x128xbf16>, tensor<100x1x128x128xf32>
}

// dk = 256: the state kernel on four dk slices, the output kernel BV = 32.
func.func @chunked256(%q: tensor<1x2x300x256xbf16>, %v: tensor<1x2x300x64xbf16>)
    -> tensor<1x2x300x64xbf16> {
  %oinit4 = tensor.empty() : tensor<1x2x300x64xbf16>
  %o = retention.parallel %q, %q, %v outs(%oinit4) {gamma = array<f64: 0.96875, 0.984375>}
      : (tensor<1x2x300x256xbf16>, tensor<1x2x300x256xbf16>, tensor<1x2x300x64xbf16>, tensor<1x2x300x64xbf16>)
      -> tensor<1x2x300x64xbf16>
  return %o : tensor<1x2x300x64xbf16>
}
