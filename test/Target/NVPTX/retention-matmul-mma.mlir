// REQUIRES: ptxas
// RUN: retnet-opt %s --retention-nvvm-pipeline="format=isa" -o %t.mlir
// RUN: FileCheck %s < %t.mlir
// RUN: %python %S/Inputs/ptx_resources.py %ptxas %t.mlir --budget prefill_projection_kernel=96 | FileCheck %s --check-prefix=RES
//
// A bf16 projection of an xl-sized layer (K = 2048, N = 4096) through the
// whole CUDA pipeline. With more than 16 rows it is the tensor-core GEMM
// (the first kernel): A and B tiles brought in by 16-byte cp.async, two
// stages; per k16 step two ldmatrix.x4 of A, two ldmatrix.x4.trans of B and
// eight m16n8k16 products (a warp's 32 x 32 quarter of a 64 x 64 tile);
// C = A·B stored as f32 pairs (the zero fill is folded: C is not read).
// CHECK:      gpu.binary @prefill_projection_kernel
// CHECK-SAME:   cp.async.cg.shared.global
// CHECK-SAME:   cp.async.wait_group \091;
// CHECK-SAME:   bar.sync
// CHECK-SAME:   ldmatrix.sync.aligned.m8n8.x4.shared.b16
// CHECK-SAME:   ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16
// CHECK-SAME:   mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32
// CHECK-NOT:    ld.global.v2.b32
// CHECK-SAME:   st.global.v2.b32
// Then the other paths' kernels (split-K GEMV for at most 16 rows, its sum,
// register tiles when rows are not 16-byte aligned, the generic fallback).
// CHECK:      gpu.binary @prefill_projection_kernel_0
//
// Resources (ptxas -v, sm_90a): no spills; the GEMM within 96 registers
// (32 f32 accumulators, 8 A and 8 B fragment registers per k16 step).
// RES: prefill_projection_kernel registers={{[0-9]+}} spill_stores=0 spill_loads=0 smem={{[0-9]+}}
func.func @prefill_projection(%x: tensor<?x2048xbf16>, %w: tensor<2048x4096xbf16>) -> tensor<?x4096xf32> {
  %c0 = arith.constant 0 : index
  %m = tensor.dim %x, %c0 : tensor<?x2048xbf16>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty(%m) : tensor<?x4096xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<?x4096xf32>) -> tensor<?x4096xf32>
  %y = linalg.matmul ins(%x, %w : tensor<?x2048xbf16>, tensor<2048x4096xbf16>)
                     outs(%f : tensor<?x4096xf32>) -> tensor<?x4096xf32>
  return %y : tensor<?x4096xf32>
}
