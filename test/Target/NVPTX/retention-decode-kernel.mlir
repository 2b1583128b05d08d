// REQUIRES: ptxas
// RUN: retnet-opt %s --retention-nvvm-pipeline="format=isa" -o %t.mlir
// RUN: FileCheck %s < %t.mlir
// RUN: %python %S/Inputs/ptx_resources.py %ptxas %t.mlir --budget decode_kernel=192 --budget decode_kernel_0=192 --budget decode_kernel_1=128 --budget decode_kernel_2=128 --budget decode_kernel_3=64 | FileCheck %s --check-prefix=RES
//
// The decode kernel at the paper's head size (bf16 q/k/v, f32 state, dk 256,
// dv 512, 8 heads, dynamic batch), one launch per variant: from 2 sequences
// on, 16 slices of 16 rows (2048 items of a (batch, head): 8 blocks of 256
// threads); a single sequence, 32 slices of 8 rows (16 blocks). Each
// variant comes twice: blocks that meet through a counter per (batch, head)
// while the counters cover every pair, one block per pair beyond. The state
// pass moves the state with 16-byte accesses only (16 ld.global.v4 and 16
// st.global.v4 of f32 per thread at 16 rows, 8 and 8 at 8) and stores its
// partial output quad; the block that counts last (membar.gl, atomic add,
// membar.gl) adds the slices' partials (one 16-byte load per slice, the
// count an immediate: unrolled) and stores o as bf16 quads (8 bytes).
// CHECK:      gpu.binary @decode_kernel
// CHECK-SAME:   .entry decode_kernel(
// CHECK-COUNT-16: ld.global.v4.b32
// CHECK-NOT:    ld.global.b32
// CHECK-COUNT-16: st.global.v4.b32
// CHECK-SAME:   membar.gl
// CHECK-SAME:   atom.global.add.u32
// CHECK-SAME:   membar.gl
// CHECK-COUNT-16: ld.global.v4.b32
// CHECK-SAME:   st.global.v2.b32
// CHECK:      gpu.binary @decode_kernel_0
// CHECK-NOT:    atom.global
// CHECK-SAME:   bar.sync
// CHECK-SAME:   st.global.v2.b32
// CHECK:      gpu.binary @decode_kernel_1
// CHECK-COUNT-8: ld.global.v4.b32
// CHECK-NOT:    ld.global.b32
// CHECK-COUNT-8: st.global.v4.b32
// CHECK-SAME:   atom.global.add.u32
// CHECK-COUNT-32: ld.global.v4.b32
// CHECK-SAME:   st.global.v2.b32
// CHECK:      gpu.binary @decode_kernel_2
// CHECK-NOT:    atom.global
// CHECK-SAME:   st.global.v2.b32
//
// Resources (ptxas -v, sm_90a; the script fails on spills and budgets): the
// 16-row variants within 192 registers (each thread 256 bytes of loads in
// flight), the 8-row ones within 128, the generic path (unaligned views)
// within 64.
// RES:      decode_kernel registers={{[0-9]+}} spill_stores=0 spill_loads=0
// RES-NEXT: decode_kernel_0 registers={{[0-9]+}} spill_stores=0 spill_loads=0
// RES-NEXT: decode_kernel_1 registers={{[0-9]+}} spill_stores=0 spill_loads=0
// RES-NEXT: decode_kernel_2 registers={{[0-9]+}} spill_stores=0 spill_loads=0
// RES-NEXT: decode_kernel_3 registers={{[0-9]+}} spill_stores=0 spill_loads=0
func.func @decode(%q: tensor<?x8x1x256xbf16>, %k: tensor<?x8x1x256xbf16>,
                  %v: tensor<?x8x1x512xbf16>, %s: tensor<?x8x256x512xf32>)
    -> (tensor<?x8x1x512xbf16>, tensor<?x8x256x512xf32>) {
  %cdim0_00 = arith.constant 0 : index
  %dim0_00 = tensor.dim %q, %cdim0_00 : tensor<?x8x1x256xbf16>
  %oinit0 = tensor.empty(%dim0_00) : tensor<?x8x1x512xbf16>
  %cdim0_10 = arith.constant 0 : index
  %dim0_10 = tensor.dim %q, %cdim0_10 : tensor<?x8x1x256xbf16>
  %sinit0 = tensor.empty(%dim0_10) : tensor<?x8x256x512xf32>
  %o, %s1 = retention.recurrent %q, %k, %v, %s outs(%oinit0, %sinit0)
      {gamma = array<f64: 0.96875, 0.984375, 0.9921875, 0.99609375, 0.998046875, 0.9990234375, 0.99951171875, 0.999755859375>,
       scale = 0.0625 : f64}
      : (tensor<?x8x1x256xbf16>, tensor<?x8x1x256xbf16>, tensor<?x8x1x512xbf16>, tensor<?x8x256x512xf32>, tensor<?x8x1x512xbf16>, tensor<?x8x256x512xf32>)
      -> (tensor<?x8x1x512xbf16>, tensor<?x8x256x512xf32>)
  return %o, %s1 : tensor<?x8x1x512xbf16>, tensor<?x8x256x512xf32>
}
