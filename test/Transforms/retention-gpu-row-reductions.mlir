// RUN: retnet-opt %s --retention-gpu-row-reductions --split-input-file -canonicalize -cse | FileCheck %s

// RMSNorm as the layer decomposition leaves it on buffers: a zero-filled
// sum of squares per row, then the scale by the row's sum and the weight.
// One launch, a block of four warps per row: each thread sums a strided
// part of the row, five xor shuffles per warp, the warps' sums in shared
// memory, thread 0 stores the row's sum; then the same block scales the
// row (columns tid, tid + 128, ..) from the sum it holds. The fill is
// folded in (never loaded); the ops stay for rows that differ at run time.
// CHECK-LABEL: func.func @rms_norm
// CHECK-SAME:    %[[X:[a-z0-9]+]]: memref<?x2048xf32>, %[[W:[a-z0-9]+]]: memref<2048xf32>, %[[Y:[a-z0-9]+]]: memref<?x2048xbf16>
// CHECK:         %[[S:.*]] = memref.alloc
// CHECK-NOT:     linalg.fill
// CHECK:         scf.if
// CHECK:           gpu.launch blocks(%[[ROW:.*]], %{{.*}}, %{{.*}}) in (%{{.*}} = %{{.*}}, %{{.*}} = %c1{{.*}}, %{{.*}} = %c1{{.*}}) threads(%[[TID:.*]], %{{.*}}, %{{.*}}) in (%{{.*}} = %c128
// CHECK:             %[[ACC:.*]] = scf.for %[[C:.*]] = %[[TID]] to %c2048 step %c128 iter_args
// CHECK:               memref.load %[[X]][%[[ROW]], %[[C]]]
// CHECK-COUNT-5:     gpu.shuffle  xor
// CHECK:             gpu.barrier
// CHECK-NOT:         memref.load %[[S]]
// CHECK:             memref.store %{{.*}}, %[[S]][%[[ROW]]]
// CHECK:             scf.for %[[J:.*]] = %[[TID]] to %c2048 step %c128
// CHECK:               math.rsqrt
// CHECK:               memref.store %{{.*}}, %[[Y]][%[[ROW]], %[[J]]]
// CHECK:         } else {
// CHECK:           linalg.fill
// CHECK-NEXT:      linalg.generic
// CHECK:           linalg.generic
// CHECK:         }
#id = affine_map<(d0, d1) -> (d0, d1)>
#row = affine_map<(d0, d1) -> (d0)>
#col = affine_map<(d0, d1) -> (d1)>
func.func @rms_norm(%x: memref<?x2048xf32>, %w: memref<2048xf32>, %y: memref<?x2048xbf16>) {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %inv = arith.constant 4.8828125E-4 : f32
  %eps = arith.constant 1.0E-6 : f32
  %m = memref.dim %x, %c0 : memref<?x2048xf32>
  %s = memref.alloc(%m) : memref<?xf32>
  linalg.fill ins(%zero : f32) outs(%s : memref<?xf32>)
  linalg.generic {indexing_maps = [#id, #row], iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<?x2048xf32>) outs(%s : memref<?xf32>) {
  ^bb0(%in: f32, %out: f32):
    %sq = arith.mulf %in, %in : f32
    %a = arith.addf %sq, %out : f32
    linalg.yield %a : f32
  }
  linalg.generic {indexing_maps = [#id, #row, #col, #id], iterator_types = ["parallel", "parallel"]}
      ins(%x, %s, %w : memref<?x2048xf32>, memref<?xf32>, memref<2048xf32>) outs(%y : memref<?x2048xbf16>) {
  ^bb0(%in: f32, %ss: f32, %ww: f32, %out: bf16):
    %mean = arith.mulf %ss, %inv : f32
    %v = arith.addf %mean, %eps : f32
    %r = math.rsqrt %v : f32
    %n = arith.mulf %in, %r : f32
    %g = arith.mulf %n, %ww : f32
    %t = arith.truncf %g : f32 to bf16
    linalg.yield %t : bf16
  }
  memref.dealloc %s : memref<?xf32>
  return
}

// -----

// A group norm's sum over a head's values read through a transposed map
// (o[b, h, t, :] for row (b, t, h)), one warp for a row of 64 (two values
// per lane), into a buffer that was not zero: the
// old value is loaded and added. The op after it writes the sum's input,
// which other rows may still be reading: not fused (it stays).
// CHECK-LABEL: func.func @head_sums
// CHECK:         gpu.launch
// CHECK:           %[[T:.*]] = arith.remui %{{.*}}, %c16
// CHECK:           scf.for %[[C:.*]] = %{{.*}} to %c64 step %c32
// CHECK:             memref.load %arg0[%{{.*}}, %{{.*}}, %[[T]], %[[C]]]
// CHECK:           memref.load %arg1[
// CHECK-COUNT-5:   gpu.shuffle  xor
// CHECK:           memref.store %{{.*}}, %arg1[
// CHECK-NOT:       scf.for
// CHECK:           gpu.terminator
// CHECK:         } else {
// CHECK:           linalg.generic
// CHECK:         }
// CHECK:         linalg.generic
func.func @head_sums(%o: memref<?x4x16x64xf32>, %s: memref<?x16x4xf32>) {
  linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d2, d1, d3)>,
                                   affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>],
                  iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%o : memref<?x4x16x64xf32>) outs(%s : memref<?x16x4xf32>) {
  ^bb0(%in: f32, %out: f32):
    %sq = arith.mulf %in, %in : f32
    %a = arith.addf %out, %sq : f32
    linalg.yield %a : f32
  }
  %ot = memref.transpose %o (b, h, t, v) -> (b, t, h, v)
      : memref<?x4x16x64xf32> to memref<?x16x4x64xf32, strided<[4096, 64, 1024, 1]>>
  linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>,
                                   affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>],
                  iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%s : memref<?x16x4xf32>) outs(%ot : memref<?x16x4x64xf32, strided<[4096, 64, 1024, 1]>>) {
  ^bb0(%in: f32, %out: f32):
    %y = arith.mulf %in, %out : f32
    linalg.yield %y : f32
  }
  return
}

// -----

// Left alone: a sum shorter than a warp (a rotation's pairs), a maximum
// (not a sum), a reduction that is not the innermost loop.
// CHECK-LABEL: func.func @left_alone
// CHECK-NOT:     gpu.launch
// CHECK-COUNT-3: linalg.generic
// CHECK-NOT:     gpu.launch
func.func @left_alone(%x: memref<?x2xf32>, %z: memref<?x64xf32>, %r: memref<?xf32>, %c: memref<64xf32>) {
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>],
                  iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<?x2xf32>) outs(%r : memref<?xf32>) {
  ^bb0(%in: f32, %out: f32):
    %a = arith.addf %in, %out : f32
    linalg.yield %a : f32
  }
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>],
                  iterator_types = ["parallel", "reduction"]}
      ins(%z : memref<?x64xf32>) outs(%r : memref<?xf32>) {
  ^bb0(%in: f32, %out: f32):
    %a = arith.maximumf %in, %out : f32
    linalg.yield %a : f32
  }
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d1)>],
                  iterator_types = ["reduction", "parallel"]}
      ins(%z : memref<?x64xf32>) outs(%c : memref<64xf32>) {
  ^bb0(%in: f32, %out: f32):
    %a = arith.addf %in, %out : f32
    linalg.yield %a : f32
  }
  return
}
