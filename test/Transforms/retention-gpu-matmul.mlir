// RUN: retnet-opt %s --retention-gpu-matmul --split-input-file -canonicalize -cse | FileCheck %s
// RUN: retnet-opt %s --retention-gpu-matmul --split-input-file -canonicalize -cse | FileCheck %s --check-prefix=NOC
// RUN: retnet-opt %s --retention-gpu-matmul="gemv-kernel=true" --split-input-file -canonicalize -cse | FileCheck %s --check-prefix=GRP

// A decode step's projection (M = batch rows, dynamic): at run time, with
// 16-byte aligned B and C rows, few rows take the split-K loops (many rows
// the register tiles), otherwise the matmul stays as it was. Slices S: doubled from 1 while M·S·N/4 is
// below 65536 threads and 2S is at most K·4/64 = 128 (a slice spans at least
// 64 bytes of each f32 B column, so the partial sums stay within 1/16 of
// B's bytes per row).
// CHECK-LABEL: func.func @decode_projection
// CHECK:         %[[M:.*]] = memref.dim %arg0, %c0
// CHECK:         memref.extract_aligned_pointer_as_index %arg2
// CHECK:         memref.extract_strided_metadata %arg1
// CHECK:         scf.if
// CHECK:           %[[FEW:.*]] = arith.cmpi ule, %[[M]], %c64
// CHECK:           scf.if %[[FEW]]
// CHECK:           %[[GROUPS:.*]] = arith.divui %{{.*}}, %c4
// CHECK:           %[[S:.*]] = scf.while
// CHECK:             arith.cmpi ule, %{{.*}}, %c128
// CHECK:             arith.cmpi ult, %{{.*}}, %c65536
// CHECK:           %[[PART:.*]] = memref.alloc(%[[S]], %[[M]]) : memref<?x?x4096xf32>
// One row (batch 1): one row per thread.
// CHECK:           %[[ONE:.*]] = arith.cmpi eq, %[[M]], %c1
// CHECK:           scf.if %[[ONE]]
// CHECK:           scf.parallel (%[[ROW:.*]], %[[J:.*]]) = (%c0, %c0) to (%[[M]], %{{.*}})
// CHECK:             scf.for %{{.*}} = %{{.*}} to %{{.*}} step %c4 iter_args
// CHECK-COUNT-4:       vector.load %arg1[{{.*}}] {alignment = 16 : i64} : memref<2048x4096xf32, strided<[4096, 1], offset: ?>>, vector<4xf32>
// CHECK-COUNT-4:       vector.fma
// CHECK:             vector.store %{{.*}}, %[[PART]]
// More rows: four rows per thread, each quad of B used for all four
// (16 FMAs per four loads of B); only rows < M are stored.
// CHECK:           } else {
// CHECK:           scf.parallel (%{{.*}}, %{{.*}}) = (%c0, %c0) to (%[[GROUPS]], %{{.*}})
// CHECK:             scf.for %{{.*}} = %{{.*}} to %{{.*}} step %c4 iter_args(%{{.*}} = %{{.*}}, %{{.*}} = %{{.*}}, %{{.*}} = %{{.*}}, %{{.*}} = %{{.*}})
// CHECK-COUNT-4:       vector.load %arg1[{{.*}}] {alignment = 16 : i64}
// CHECK-COUNT-16:      vector.fma
// CHECK-COUNT-4:     scf.if
// CHECK:             vector.store %{{.*}}, %[[PART]]
// CHECK:           scf.parallel
// CHECK:             vector.load %arg2
// CHECK:             scf.for %{{.*}} = %c0 to %[[S]] step %c1
// CHECK:               vector.load %[[PART]]
// CHECK:             vector.store %{{.*}}, %arg2
// CHECK:           memref.dealloc %[[PART]]
// CHECK:         } else {
// CHECK:           scf.parallel
// CHECK:         } else {
// CHECK:           linalg.matmul ins(%arg0, %arg1
// CHECK:         }
func.func @decode_projection(%x: memref<?x2048xf32>,
                             %w: memref<2048x4096xf32, strided<[4096, 1], offset: ?>>,
                             %y: memref<?x4096xf32>) {
  linalg.matmul ins(%x, %w : memref<?x2048xf32>, memref<2048x4096xf32, strided<[4096, 1], offset: ?>>)
                outs(%y : memref<?x4096xf32>)
  return
}

// -----

// Many rows (a prefill; here known statically, so canonicalization drops the
// split-K branch): 4 x 4 register tiles, the last tile's rows clamped for
// loads and guarded for stores.
// CHECK-LABEL: func.func @prefill_projection
// CHECK:         scf.if
// CHECK-NOT:       scf.while
// CHECK:           scf.parallel (%{{.*}}, %{{.*}}) = (%c0, %c0) to (%c128, %c16)
// CHECK:             scf.for %{{.*}} = %c0 to %c64 step %c1 iter_args({{.*}}) -> (vector<4xf32>, vector<4xf32>, vector<4xf32>, vector<4xf32>)
// CHECK:               vector.load %arg1{{.*}} {alignment = 16 : i64}
// CHECK-COUNT-4:       vector.fma
// CHECK-COUNT-4:     scf.if
// CHECK:         } else {
// CHECK:           linalg.matmul
func.func @prefill_projection(%x: memref<512x64xf32>, %w: memref<64x64xf32>, %y: memref<512x64xf32>) {
  linalg.matmul ins(%x, %w : memref<512x64xf32>, memref<64x64xf32>) outs(%y : memref<512x64xf32>)
  return
}

// -----

// A zero fill of C right before the matmul is folded in: no fill kernel on
// the fast paths, the split-K sum starts from zero instead of reading C and
// the register tiles store A·B without reading C; the unaligned fallback
// keeps the fill and the matmul. A fill of another value, or of another
// buffer, stays.
// CHECK-LABEL: func.func @zero_filled
// CHECK:         %[[Z:.*]] = arith.constant dense<0.000000e+00> : vector<4xf32>
// CHECK:         scf.if
// CHECK-NOT:       linalg.fill
// CHECK:           scf.while
// The sum over slices starts from zero and never loads C (%arg2).
// CHECK:           scf.parallel (%{{.*}}, %{{.*}}) = (%c0, %c0) to (%{{.*}}, %c16)
// CHECK-NOT:         vector.load %arg2
// CHECK:             scf.for %{{.*}} = %c0 to %{{.*}} step %c1 iter_args(%{{.*}} = %[[Z]])
// CHECK-NOT:         vector.load %arg2
// CHECK:             vector.store %{{.*}}, %arg2
// The register tiles: stores of A·B, no load of C.
// CHECK:         } else {
// CHECK-NOT:       vector.load %arg2
// CHECK:           scf.parallel
// CHECK-NOT:         vector.load %arg2
// CHECK:             vector.store %{{.*}}, %arg2
// CHECK:       } else {
// CHECK-NEXT:    linalg.fill
// CHECK-NEXT:    linalg.matmul
// CHECK:       linalg.fill ins(%{{.*}} : f32) outs(%arg3
// CHECK:       scf.if
func.func @zero_filled(%x: memref<?x64xf32>, %w: memref<64x64xf32>, %y: memref<?x64xf32>,
                       %z: memref<?x64xf32>) {
  %zero = arith.constant 0.0 : f32
  %one = arith.constant 1.0 : f32
  linalg.fill ins(%zero : f32) outs(%y : memref<?x64xf32>)
  linalg.matmul ins(%x, %w : memref<?x64xf32>, memref<64x64xf32>) outs(%y : memref<?x64xf32>)
  linalg.fill ins(%one : f32) outs(%z : memref<?x64xf32>)
  linalg.matmul ins(%x, %w : memref<?x64xf32>, memref<64x64xf32>) outs(%z : memref<?x64xf32>)
  return
}

// -----

// One zero fill shared by two matmuls (bufferization copies the filled
// buffer into each output): each copy is folded in, with views and
// non-writing ops between; the copy after a write into the filled buffer
// (through a view) is not.
// The fallbacks (the matmul as it was) zero-fill their C instead of
// copying the zero buffer, so that only the third copy reads it.
// CHECK-LABEL: func.func @copied_zero_fill
// CHECK:         linalg.fill ins(%{{.*}} : f32) outs(%[[Z:.*]] : memref<?x64xf32>)
// CHECK:         scf.if
// CHECK-NOT:       memref.copy
// CHECK:           linalg.fill ins(%{{.*}} : f32) outs(%arg2
// CHECK-NEXT:      linalg.matmul
// CHECK-NEXT:    }
// CHECK:         scf.if
// CHECK-NOT:       memref.copy
// CHECK:           linalg.fill ins(%{{.*}} : f32) outs(%arg3
// CHECK-NEXT:      linalg.matmul
// CHECK-NEXT:    }
// CHECK:         linalg.fill ins(%{{.*}} : f32) outs(%{{.*}} : memref<1x64xf32
// CHECK-NEXT:    memref.copy %[[Z]], %arg4
// CHECK:         scf.if
func.func @copied_zero_fill(%x: memref<?x64xf32>, %w: memref<64x64xf32>, %y: memref<?x64xf32>,
                            %y2: memref<?x64xf32>, %y3: memref<?x64xf32>) {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %one = arith.constant 1.0 : f32
  %m = memref.dim %x, %c0 : memref<?x64xf32>
  %z = memref.alloc(%m) : memref<?x64xf32>
  linalg.fill ins(%zero : f32) outs(%z : memref<?x64xf32>)
  memref.copy %z, %y : memref<?x64xf32> to memref<?x64xf32>
  linalg.matmul ins(%x, %w : memref<?x64xf32>, memref<64x64xf32>) outs(%y : memref<?x64xf32>)
  %v = memref.expand_shape %y [[0], [1, 2]] output_shape [%m, 8, 8] : memref<?x64xf32> into memref<?x8x8xf32>
  memref.copy %z, %y2 : memref<?x64xf32> to memref<?x64xf32>
  linalg.matmul ins(%x, %w : memref<?x64xf32>, memref<64x64xf32>) outs(%y2 : memref<?x64xf32>)
  %row = memref.subview %z[0, 0] [1, 64] [1, 1] : memref<?x64xf32> to memref<1x64xf32, strided<[64, 1]>>
  linalg.fill ins(%one : f32) outs(%row : memref<1x64xf32, strided<[64, 1]>>)
  memref.copy %z, %y3 : memref<?x64xf32> to memref<?x64xf32>
  linalg.matmul ins(%x, %w : memref<?x64xf32>, memref<64x64xf32>) outs(%y3 : memref<?x64xf32>)
  memref.dealloc %z : memref<?x64xf32>
  return
}

// -----

// Left alone: N not whole quads, K not whole steps of four, f16, and a
// matmul inside a tile loop.
// CHECK-LABEL: func.func @left_alone
// CHECK-NOT:     scf.if
// CHECK-COUNT-4: linalg.matmul
// CHECK-NOT:     scf.if
func.func @left_alone(%x1: memref<?x64xf32>, %w: memref<64x64xf32>, %w6: memref<64x6xf32>,
                      %y6: memref<?x6xf32>, %w62: memref<62x64xf32>, %x62: memref<?x62xf32>,
                      %y1: memref<?x64xf32>, %xh: memref<?x64xf16>, %wh: memref<64x64xf16>,
                      %yh: memref<?x64xf16>) {
  linalg.matmul ins(%x1, %w6 : memref<?x64xf32>, memref<64x6xf32>) outs(%y6 : memref<?x6xf32>)
  linalg.matmul ins(%x62, %w62 : memref<?x62xf32>, memref<62x64xf32>) outs(%y1 : memref<?x64xf32>)
  linalg.matmul ins(%xh, %wh : memref<?x64xf16>, memref<64x64xf16>) outs(%yh : memref<?x64xf16>)
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  scf.parallel (%i) = (%c0) to (%c1) step (%c1) {
    linalg.matmul ins(%x1, %w : memref<?x64xf32>, memref<64x64xf32>) outs(%y1 : memref<?x64xf32>)
  }
  return
}

// -----

// Epilogues: a 16-bit cast and residual add right after a zero-filled
// matmul into a temporary runs in every store of the kernels (the cast of
// C plus the residual read from D, stored to D); C is never stored and
// the generic is gone but for the unaligned fallback (after the plain
// matmul there).
// CHECK-LABEL: func.func @epilogue
// CHECK:         scf.if
// CHECK-NOT:       linalg.generic
// The sum of the slices: C's value cast to bf16 and back, plus D's.
// CHECK:           scf.parallel (%[[R:.*]], %{{.*}}) = (%c0, %c0) to (%{{.*}}, %c16)
// CHECK:             %[[OLD:.*]] = memref.load %arg2[%[[R]], %{{.*}}]
// CHECK-NEXT:        arith.truncf %{{.*}} : f32 to bf16
// CHECK-NEXT:        arith.extf
// CHECK-NEXT:        arith.addf %[[OLD]]
// CHECK-NEXT:        memref.store %{{.*}}, %arg2[%[[R]], %{{.*}}]
// The register tiles too.
// CHECK:         } else {
// CHECK:           scf.parallel
// CHECK:             memref.store %{{.*}}, %arg2
// CHECK:       } else {
// CHECK:         linalg.fill
// CHECK-NEXT:    linalg.matmul
// CHECK-NEXT:    linalg.generic
// CHECK:       }
// CHECK-NOT:   linalg.generic
// No kernel touches C.
// NOC-LABEL: func.func @epilogue
// NOC:         %[[C:.*]] = memref.alloc(%{{.*}}) : memref<?x64xf32>
// NOC-NOT:     %[[C]][
// NOC:         linalg.fill ins(%{{.*}} : f32) outs(%[[C]]
func.func @epilogue(%x: memref<?x64xbf16>, %w: memref<64x64xbf16>, %d: memref<?x64xf32>) {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %m = memref.dim %x, %c0 : memref<?x64xbf16>
  %c = memref.alloc(%m) : memref<?x64xf32>
  linalg.fill ins(%zero : f32) outs(%c : memref<?x64xf32>)
  linalg.matmul ins(%x, %w : memref<?x64xbf16>, memref<64x64xbf16>) outs(%c : memref<?x64xf32>)
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>],
                  iterator_types = ["parallel", "parallel"]}
      ins(%c : memref<?x64xf32>) outs(%d : memref<?x64xf32>) {
  ^bb0(%in: f32, %out: f32):
    %t = arith.truncf %in : f32 to bf16
    %e = arith.extf %t : bf16 to f32
    %s = arith.addf %out, %e : f32
    linalg.yield %s : f32
  }
  memref.dealloc %c : memref<?x64xf32>
  return
}

// -----

// Not fused: C is the caller's (an argument) and read after the generic,
// C is not zero first (C += A·B), the generic writes A, or another op comes
// between. Every generic stays.
// CHECK-LABEL: func.func @no_epilogue
// CHECK-COUNT-4: linalg.generic
// CHECK-NOT:     linalg.generic
#id = affine_map<(d0, d1) -> (d0, d1)>
func.func @no_epilogue(%x: memref<?x64xf32>, %w: memref<64x64xf32>, %c: memref<?x64xf32>,
                       %d: memref<?x64xf32>, %e: memref<?x64xf32>) {
  %zero = arith.constant 0.0 : f32
  linalg.fill ins(%zero : f32) outs(%c : memref<?x64xf32>)
  linalg.matmul ins(%x, %w : memref<?x64xf32>, memref<64x64xf32>) outs(%c : memref<?x64xf32>)
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%c : memref<?x64xf32>) outs(%d : memref<?x64xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  }
  memref.copy %c, %e : memref<?x64xf32> to memref<?x64xf32>
  linalg.matmul ins(%x, %w : memref<?x64xf32>, memref<64x64xf32>) outs(%c : memref<?x64xf32>)
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%c : memref<?x64xf32>) outs(%d : memref<?x64xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  }
  linalg.fill ins(%zero : f32) outs(%e : memref<?x64xf32>)
  linalg.matmul ins(%x, %w : memref<?x64xf32>, memref<64x64xf32>) outs(%e : memref<?x64xf32>)
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%e : memref<?x64xf32>) outs(%x : memref<?x64xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  }
  linalg.fill ins(%zero : f32) outs(%e : memref<?x64xf32>)
  linalg.matmul ins(%x, %w : memref<?x64xf32>, memref<64x64xf32>) outs(%e : memref<?x64xf32>)
  linalg.fill ins(%zero : f32) outs(%c : memref<?x64xf32>)
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%e : memref<?x64xf32>) outs(%d : memref<?x64xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  }
  return
}

// -----

// A layer loop's temporary: the buffer also holds the embedding before the
// loop (read there, and its metadata asked), zero-filled in the loop for a
// matmul whose epilogue takes C: no kernel reads that fill (the fallback
// fills C again itself), so it goes. Fills no kernel folded in: one that
// only reads before the loop see goes (@dead_fill); one a later
// iteration's read sees stays (@kept_fill).
// CHECK-LABEL: func.func @loop_fill
// CHECK:         scf.for
// CHECK-NOT:       linalg.fill
// CHECK:           scf.if
// CHECK:           linalg.fill
// CHECK-NEXT:      linalg.matmul
// CHECK-LABEL: func.func @dead_fill
// CHECK-NOT:     linalg.fill
// CHECK-LABEL: func.func @kept_fill
// CHECK:         scf.for
// CHECK-NEXT:      memref.copy
// CHECK-NEXT:      linalg.fill
#id = affine_map<(d0, d1) -> (d0, d1)>
func.func @loop_fill(%x: memref<?x64xbf16>, %w: memref<64x64xbf16>, %d: memref<?x64xf32>,
                     %emb: memref<?x64xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %zero = arith.constant 0.0 : f32
  %m = memref.dim %x, %c0 : memref<?x64xbf16>
  %c = memref.alloc(%m) : memref<?x64xf32>
  memref.copy %emb, %c : memref<?x64xf32> to memref<?x64xf32>
  memref.copy %c, %d : memref<?x64xf32> to memref<?x64xf32>
  scf.for %l = %c0 to %c4 step %c1 {
    linalg.fill ins(%zero : f32) outs(%c : memref<?x64xf32>)
    linalg.matmul ins(%x, %w : memref<?x64xbf16>, memref<64x64xbf16>) outs(%c : memref<?x64xf32>)
    linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
        ins(%c : memref<?x64xf32>) outs(%d : memref<?x64xf32>) {
    ^bb0(%in: f32, %out: f32):
      %s = arith.addf %out, %in : f32
      linalg.yield %s : f32
    }
  }
  memref.dealloc %c : memref<?x64xf32>
  return
}

func.func @dead_fill(%emb: memref<?x64xf32>, %e: memref<?x64xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %zero = arith.constant 0.0 : f32
  %m = memref.dim %emb, %c0 : memref<?x64xf32>
  %c = memref.alloc(%m) : memref<?x64xf32>
  memref.copy %emb, %c : memref<?x64xf32> to memref<?x64xf32>
  memref.copy %c, %e : memref<?x64xf32> to memref<?x64xf32>
  scf.for %l = %c0 to %c4 step %c1 {
    linalg.fill ins(%zero : f32) outs(%c : memref<?x64xf32>)
  }
  memref.dealloc %c : memref<?x64xf32>
  return
}

func.func @kept_fill(%emb: memref<?x64xf32>, %e: memref<?x64xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %zero = arith.constant 0.0 : f32
  %m = memref.dim %emb, %c0 : memref<?x64xf32>
  %c = memref.alloc(%m) : memref<?x64xf32>
  memref.copy %emb, %c : memref<?x64xf32> to memref<?x64xf32>
  scf.for %l = %c0 to %c4 step %c1 {
    memref.copy %c, %e : memref<?x64xf32> to memref<?x64xf32>
    linalg.fill ins(%zero : f32) outs(%c : memref<?x64xf32>)
  }
  memref.dealloc %c : memref<?x64xf32>
  return
}

// -----

// Siblings: two matmuls of one A (a q and a v projection with their 16-bit
// casts), each zero-filled: at few rows one GEMV launch over both (2 blocks
// of columns: block 0 stores q through its cast, block 1 v), or with
// slices one launch of partial sums whose last block per block of columns
// (a counter in a device global, atomically counted, reset after) adds the
// slices and stores through the casts; else each alone (its own branches,
// the plain matmul in each fallback).
// GRP-LABEL: func.func @siblings
// GRP:         scf.if
// GRP:           scf.while
// GRP:           scf.if
// GRP:             gpu.launch blocks({{.*}}) in (%{{.*}} = %c2,
// GRP:               %[[Q:.*]] = arith.cmpi ult, %{{.*}}, %c1 : index
// GRP-NEXT:          scf.if %[[Q]] {
// GRP:                 arith.truncf
// GRP-NEXT:            memref.store %{{.*}}, %arg3
// GRP:               } else {
// GRP:                 arith.truncf
// GRP-NEXT:            memref.store %{{.*}}, %arg4
// GRP:           } else {
// GRP:             memref.alloc({{.*}}) : memref<?x?x64xf32>
// GRP:             memref.alloc({{.*}}) : memref<?x?x128xf32>
// GRP:             gpu.launch blocks({{.*}}) in (%{{.*}} = %c2,
// GRP:               vector.store {{.*}} : memref<?x?x64xf32>
// GRP:               %[[N:.*]] = memref.get_global @__retention_gemv_counters
// GRP:               nvvm.memory.barrier <gpu>
// GRP:               gpu.barrier
// GRP:               memref.atomic_rmw addi %{{.*}}, %[[N]]
// GRP:               gpu.barrier
// GRP:               scf.if
// GRP:                 nvvm.memory.barrier <gpu>
// GRP:                 scf.for
// GRP:                   vector.load {{.*}} : memref<?x?x64xf32>
// GRP:                 arith.truncf
// GRP-NEXT:            memref.store %{{.*}}, %arg3
// GRP:                 memref.store %{{.*}}, %[[N]]
// GRP:         } else {
// GRP-COUNT-2: linalg.matmul
// GRP-NOT:     linalg.matmul
#id = affine_map<(d0, d1) -> (d0, d1)>
func.func @siblings(%x: memref<?x64xbf16>, %wq: memref<64x64xbf16>, %wv: memref<64x128xbf16>,
                    %dq: memref<?x64xbf16>, %dv: memref<?x128xbf16>) {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %m = memref.dim %x, %c0 : memref<?x64xbf16>
  %cq = memref.alloc(%m) : memref<?x64xf32>
  linalg.fill ins(%zero : f32) outs(%cq : memref<?x64xf32>)
  linalg.matmul ins(%x, %wq : memref<?x64xbf16>, memref<64x64xbf16>) outs(%cq : memref<?x64xf32>)
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%cq : memref<?x64xf32>) outs(%dq : memref<?x64xbf16>) {
  ^bb0(%in: f32, %out: bf16):
    %t = arith.truncf %in : f32 to bf16
    linalg.yield %t : bf16
  }
  %cv = memref.alloc(%m) : memref<?x128xf32>
  linalg.fill ins(%zero : f32) outs(%cv : memref<?x128xf32>)
  linalg.matmul ins(%x, %wv : memref<?x64xbf16>, memref<64x128xbf16>) outs(%cv : memref<?x128xf32>)
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%cv : memref<?x128xf32>) outs(%dv : memref<?x128xbf16>) {
  ^bb0(%in: f32, %out: bf16):
    %t = arith.truncf %in : f32 to bf16
    linalg.yield %t : bf16
  }
  memref.dealloc %cq : memref<?x64xf32>
  memref.dealloc %cv : memref<?x128xf32>
  return
}

// -----

// A gate and the up projection its epilogue multiplies: the same columns
// in the same blocks (one block of columns), the gate's C stored, a
// barrier, then the up projection's sums and the epilogue reading the
// gate's C where the same thread stored it.
// GRP-LABEL: func.func @gated
// GRP:         gpu.launch blocks({{.*}}) in (%{{.*}} = %c1,
// GRP-NOT:       gpu.terminator
// GRP:           vector.store %{{.*}}, %[[G:.*]][%[[R:.*]], %[[C:.*]]] {{.*}} : memref<?x128xf32>, vector<8xf32>
// GRP:           gpu.barrier
// GRP:           memref.load %[[G]][%[[R]], %[[C]]]
// GRP:           arith.mulf
// GRP:           memref.store %{{.*}}, %arg3[%[[R]], %[[C]]]
#id = affine_map<(d0, d1) -> (d0, d1)>
func.func @gated(%x: memref<?x64xbf16>, %wg: memref<64x128xbf16>, %wu: memref<64x128xbf16>,
                 %d: memref<?x128xbf16>) {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %m = memref.dim %x, %c0 : memref<?x64xbf16>
  %cg = memref.alloc(%m) : memref<?x128xf32>
  %cu = memref.alloc(%m) : memref<?x128xf32>
  linalg.fill ins(%zero : f32) outs(%cg : memref<?x128xf32>)
  linalg.matmul ins(%x, %wg : memref<?x64xbf16>, memref<64x128xbf16>) outs(%cg : memref<?x128xf32>)
  linalg.fill ins(%zero : f32) outs(%cu : memref<?x128xf32>)
  linalg.matmul ins(%x, %wu : memref<?x64xbf16>, memref<64x128xbf16>) outs(%cu : memref<?x128xf32>)
  linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%cg, %cu : memref<?x128xf32>, memref<?x128xf32>) outs(%d : memref<?x128xbf16>) {
  ^bb0(%g: f32, %u: f32, %out: bf16):
    %p = arith.mulf %g, %u : f32
    %t = arith.truncf %p : f32 to bf16
    linalg.yield %t : bf16
  }
  memref.dealloc %cg : memref<?x128xf32>
  memref.dealloc %cu : memref<?x128xf32>
  return
}

// -----

// An RMSNorm writing A right before a matmul at few rows (Σ x² into a zero
// buffer, then the elementwise op reading it): with the GEMV kernel the
// launch sums each row of x itself (lanes, then shuffles, then the warps in
// shared memory) and stages A through the elementwise body, storing A for
// later readers; the norm runs as it was only on the fallback branch.
// GRP-LABEL: func.func @norm
// GRP-SAME:    (%[[X:.*]]: memref<?x64xf32>, %[[W:.*]]: memref<64xbf16>,
// GRP:         %[[A:.*]] = memref.alloc(%{{.*}}) : memref<?x64xbf16>
// GRP:         scf.if
// GRP:         gpu.launch
// GRP-NOT:       gpu.terminator
// GRP:           memref.load %[[X]]
// GRP:           gpu.shuffle  xor
// GRP:           gpu.barrier
// GRP:           math.rsqrt
// GRP:           memref.load %[[W]]
// GRP:           memref.store %{{.*}}, %[[A]]
// GRP:           gpu.terminator
// GRP:         } else {
// GRP:           linalg.generic {{.*}}["parallel", "reduction"]
// GRP:           linalg.generic {{.*}}outs(%[[A]]
// GRP:           linalg.matmul
#id = affine_map<(d0, d1) -> (d0, d1)>
#row = affine_map<(d0, d1) -> (d0)>
#col = affine_map<(d0, d1) -> (d1)>
func.func @norm(%x: memref<?x64xf32>, %w: memref<64xbf16>, %b: memref<64x128xbf16>,
                %c: memref<?x128xf32>) {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %m = memref.dim %x, %c0 : memref<?x64xf32>
  %s = memref.alloc(%m) : memref<?xf32>
  linalg.fill ins(%zero : f32) outs(%s : memref<?xf32>)
  linalg.generic {indexing_maps = [#id, #row], iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<?x64xf32>) outs(%s : memref<?xf32>) {
  ^bb0(%v: f32, %o: f32):
    %q = arith.mulf %v, %v : f32
    %t = arith.addf %q, %o : f32
    linalg.yield %t : f32
  }
  %a = memref.alloc(%m) : memref<?x64xbf16>
  linalg.generic {indexing_maps = [#id, #row, #col, #id], iterator_types = ["parallel", "parallel"]}
      ins(%x, %s, %w : memref<?x64xf32>, memref<?xf32>, memref<64xbf16>) outs(%a : memref<?x64xbf16>) {
  ^bb0(%v: f32, %sum: f32, %g: bf16, %o: bf16):
    %r = math.rsqrt %sum : f32
    %y = arith.mulf %v, %r : f32
    %gf = arith.extf %g : bf16 to f32
    %z = arith.mulf %y, %gf : f32
    %t = arith.truncf %z : f32 to bf16
    linalg.yield %t : bf16
  }
  linalg.fill ins(%zero : f32) outs(%c : memref<?x128xf32>)
  linalg.matmul ins(%a, %b : memref<?x64xbf16>, memref<64x128xbf16>) outs(%c : memref<?x128xf32>)
  memref.dealloc %s : memref<?xf32>
  memref.dealloc %a : memref<?x64xbf16>
  return
}

// -----

// A read between the norm and the matmul (here a copy out): it must see the
// norm's values there, so the norm stays where it was.
// GRP-LABEL: func.func @norm_read_between
// GRP-NOT:     gpu.shuffle
// GRP:         return
#id = affine_map<(d0, d1) -> (d0, d1)>
#row = affine_map<(d0, d1) -> (d0)>
func.func @norm_read_between(%x: memref<?x64xf32>, %b: memref<64x128xbf16>,
                             %c: memref<?x128xf32>, %keep: memref<?x64xbf16>) {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %m = memref.dim %x, %c0 : memref<?x64xf32>
  %s = memref.alloc(%m) : memref<?xf32>
  linalg.fill ins(%zero : f32) outs(%s : memref<?xf32>)
  linalg.generic {indexing_maps = [#id, #row], iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<?x64xf32>) outs(%s : memref<?xf32>) {
  ^bb0(%v: f32, %o: f32):
    %q = arith.mulf %v, %v : f32
    %t = arith.addf %q, %o : f32
    linalg.yield %t : f32
  }
  %a = memref.alloc(%m) : memref<?x64xbf16>
  linalg.generic {indexing_maps = [#id, #row, #id], iterator_types = ["parallel", "parallel"]}
      ins(%x, %s : memref<?x64xf32>, memref<?xf32>) outs(%a : memref<?x64xbf16>) {
  ^bb0(%v: f32, %sum: f32, %o: bf16):
    %r = math.rsqrt %sum : f32
    %y = arith.mulf %v, %r : f32
    %t = arith.truncf %y : f32 to bf16
    linalg.yield %t : bf16
  }
  memref.copy %a, %keep : memref<?x64xbf16> to memref<?x64xbf16>
  linalg.fill ins(%zero : f32) outs(%c : memref<?x128xf32>)
  linalg.matmul ins(%a, %b : memref<?x64xbf16>, memref<64x128xbf16>) outs(%c : memref<?x128xf32>)
  memref.dealloc %s : memref<?xf32>
  memref.dealloc %a : memref<?x64xbf16>
  return
}
