// REQUIRES: ptxas
// RUN: retnet-opt %s --retention-nvvm-pipeline="format=isa" -o %t.mlir
// RUN: FileCheck %s < %t.mlir
// RUN: %python %S/Inputs/ptx_resources.py %ptxas %t.mlir --budget decode_projection_kernel=64 --budget decode_projection_kernel_0=96 --budget decode_projection_kernel_1=64 --budget decode_projection_kernel_2=96 --budget decode_projection_kernel_3=64 --budget decode_projection_kernel_4=96 --budget decode_projection_kernel_5=64 --budget decode_projection_kernel_6=64 | FileCheck %s --check-prefix=RES
//
// A projection through the whole CUDA pipeline. Few rows (a decode step):
// the split-K GEMV kernel (GPUGemv.cpp) for one row (batch 1) and for
// four-row groups: the block's rows of A staged in shared memory (barriers;
// one 16-byte shared load of four A values per four rows of B, a
// broadcast), four 16-byte weight loads per step, the four warps' sums added
// through shared memory and stored as one 16-byte vector per lane. First
// the two launches that write C itself (one slice of K at run time), then
// the two that write partial sums and add them in their last block per
// block of columns (stores fenced, membar.gl; an atomic count per block of
// columns; that block sums the slices), then the loop form they fall back
// to when B's rows are not 16-byte aligned (A read from global memory, one
// row and four-row groups) with the sum of its partials, the 4 x 4 register
// tiles (many rows: one 16-byte weight load per step of K), and the zero
// fill and generic matmul that the host runs instead when rows are
// unaligned. The zero fill before the matmul is folded into the fast paths
// (they write A·B without reading C): no fill kernel runs before them.
// CHECK:      gpu.binary @decode_projection_kernel
// CHECK-SAME:   bar.sync
// CHECK-SAME:   st.shared.b32
// CHECK-SAME:   bar.sync
// CHECK-COUNT-4: ld.global.v4.b32
// CHECK-SAME:   ld.shared.v4.b32
// CHECK-SAME:   st.shared.v4.b32
// CHECK-SAME:   bar.sync
// CHECK-NOT:    ld.global.v4.b32
// CHECK-SAME:   st.global.v4.b32
// CHECK:      gpu.binary @decode_projection_kernel_0
// CHECK-COUNT-4: ld.global.v4.b32
// CHECK-SAME:   ld.shared.v4.b32
// CHECK:      gpu.binary @decode_projection_kernel_1
// CHECK-SAME:   bar.sync
// CHECK-COUNT-4: ld.global.v4.b32
// CHECK-SAME:   membar.gl
// CHECK-SAME:   atom.global.add.u32
// CHECK-SAME:   membar.gl
// CHECK:      gpu.binary @decode_projection_kernel_2
// CHECK-COUNT-4: ld.global.v4.b32
// CHECK-SAME:   atom.global.add.u32
// CHECK:      gpu.binary @decode_projection_kernel_3
// CHECK-NOT:    bar.sync
// CHECK-COUNT-4: ld.global.v4.b32
// CHECK:      gpu.binary @decode_projection_kernel_4
// CHECK-NOT:    bar.sync
// CHECK-COUNT-4: ld.global.v4.b32
// CHECK:      gpu.binary @decode_projection_kernel_5
// CHECK-NOT:    atom
// CHECK-SAME:   ld.global.v4.b32
// CHECK:      gpu.binary @decode_projection_kernel_6
// CHECK-SAME:   ld.global.v4.b32
// CHECK:      gpu.binary @decode_projection_kernel_7
// CHECK-NOT:    ld.global
// CHECK:      gpu.binary @decode_projection_kernel_8
// CHECK-NOT:    ld.global.v4
//
// Resources (ptxas -v, sm_90a): no spills; the kernels of four-row groups
// (a quad of f32 sums for each of its four rows) within 96 registers, the
// others within 64.
// RES: decode_projection_kernel registers={{[0-9]+}} spill_stores=0 spill_loads=0
// RES: decode_projection_kernel_0 registers={{[0-9]+}} spill_stores=0 spill_loads=0
// RES: decode_projection_kernel_1 registers={{[0-9]+}} spill_stores=0 spill_loads=0
// RES: decode_projection_kernel_2 registers={{[0-9]+}} spill_stores=0 spill_loads=0
// RES: decode_projection_kernel_3 registers={{[0-9]+}} spill_stores=0 spill_loads=0
// RES: decode_projection_kernel_4 registers={{[0-9]+}} spill_stores=0 spill_loads=0
// RES: decode_projection_kernel_5 registers={{[0-9]+}} spill_stores=0 spill_loads=0
// RES: decode_projection_kernel_6 registers={{[0-9]+}} spill_stores=0 spill_loads=0
func.func @decode_projection(%x: tensor<?x2048xf32>, %w: tensor<2048x4096xf32>) -> tensor<?x4096xf32> {
  %c0 = arith.constant 0 : index
  %m = tensor.dim %x, %c0 : tensor<?x2048xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty(%m) : tensor<?x4096xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<?x4096xf32>) -> tensor<?x4096xf32>
  %y = linalg.matmul ins(%x, %w : tensor<?x2048xf32>, tensor<2048x4096xf32>)
                     outs(%f : tensor<?x4096xf32>) -> tensor<?x4096xf32>
  return %y : tensor<?x4096xf32>
}
