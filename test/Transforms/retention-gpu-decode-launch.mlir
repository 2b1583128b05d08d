// RUN: retnet-opt %s --retention-gpu-decode-kernel="launch=true" --split-input-file -canonicalize -cse | FileCheck %s

// A decode step (one sequence, 2 heads, dk 256, dv 512) whose output is
// read only by its group norm: Σ o² over the value columns into a zero
// fill, then o · rsqrt(mean · c² + ε) · c · swish(g) per element. One
// launch does all of it: 32 slices of 8 rows x 128 column quads = 4096
// items per (batch, head), 16 blocks of 256 threads each; the block that
// counts last on its pair's counter (a zero-initialized module global,
// reset after) adds the slices' partials, sums the squares (warp
// shuffles, then the warps in shared memory) and writes the norm's
// result. The norm's ops stay only on the generic path (unaligned views).
// CHECK:       memref.global "private" @__retention_decode_counters : memref<4096xi32> = dense<0> {alignment = 4 : i64}
// CHECK-LABEL: func.func @decode_norm
// CHECK:         %[[Y:.*]] = memref.alloc() : memref<1x1x2x512xbf16>
// CHECK:         scf.if
// CHECK:           %[[PART:.*]] = memref.alloc() : memref<32x1x2x1x512xf32>
// CHECK:           gpu.launch blocks(%{{.*}}, %{{.*}}, %{{.*}}) in (%{{.*}} = %c32, %{{.*}} = %c1, %{{.*}} = %c1) threads(%{{.*}}, %{{.*}}, %{{.*}}) in (%{{.*}} = %c256, %{{.*}} = %c1, %{{.*}} = %c1)
// CHECK-COUNT-8:     vector.load {{.*}} : memref<1x2x256x512xf32, {{.*}}>, vector<4xf32>
// CHECK:             vector.store %{{.*}}, %[[PART]]
// CHECK:             nvvm.memory.barrier <gpu>
// CHECK:             memref.atomic_rmw addi
// CHECK:             nvvm.memory.barrier <gpu>
// CHECK:             gpu.shuffle xor
// CHECK:             math.rsqrt
// CHECK:             math.exp
// CHECK:             memref.store %{{.*}}, %[[Y]]
// CHECK:             gpu.terminator
// CHECK:         } else {
// CHECK:           retention.recurrent
// CHECK:           linalg.generic
// CHECK:           linalg.generic
// CHECK:           bufferization.materialize_in_destination
// CHECK:         }
// CHECK-NOT:     linalg.generic
// CHECK:         return
#o = affine_map<(d0, d1, d2, d3) -> (d0, d2, d1, d3)>
#row = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>
#id = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
func.func @decode_norm(%q: tensor<1x2x1x256xbf16>, %k: tensor<1x2x1x256xbf16>,
                       %v: tensor<1x2x1x512xbf16>, %s: tensor<1x2x256x512xf32>,
                       %g: tensor<1x1x2x512xbf16>, %c: tensor<1x1x2xf32>)
    -> (tensor<1x1x2x512xbf16>, tensor<1x2x256x512xf32>) {
  %oinit = tensor.empty() : tensor<1x2x1x512xbf16>
  %sinit = tensor.empty() : tensor<1x2x256x512xf32>
  %o, %s1 = retention.recurrent %q, %k, %v, %s outs(%oinit, %sinit)
      {gamma = array<f64: 0.96875, 0.984375>, scale = 0.0625 : f64}
      : (tensor<1x2x1x256xbf16>, tensor<1x2x1x256xbf16>, tensor<1x2x1x512xbf16>, tensor<1x2x256x512xf32>, tensor<1x2x1x512xbf16>, tensor<1x2x256x512xf32>)
      -> (tensor<1x2x1x512xbf16>, tensor<1x2x256x512xf32>)
  %zero = arith.constant 0.0 : f32
  %one = arith.constant 1.0 : f32
  %inv = arith.constant 0.001953125 : f32
  %eps = arith.constant 1.0e-6 : f32
  %e = tensor.empty() : tensor<1x1x2xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<1x1x2xf32>) -> tensor<1x1x2xf32>
  %sum = linalg.generic {indexing_maps = [#o, #row], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%o : tensor<1x2x1x512xbf16>) outs(%f : tensor<1x1x2xf32>) {
  ^bb0(%in: bf16, %out: f32):
    %x = arith.extf %in : bf16 to f32
    %sq = arith.mulf %x, %x : f32
    %a = arith.addf %sq, %out : f32
    linalg.yield %a : f32
  } -> tensor<1x1x2xf32>
  %ye = tensor.empty() : tensor<1x1x2x512xbf16>
  %y = linalg.generic {indexing_maps = [#o, #row, #id, #row, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%o, %sum, %g, %c : tensor<1x2x1x512xbf16>, tensor<1x1x2xf32>, tensor<1x1x2x512xbf16>, tensor<1x1x2xf32>) outs(%ye : tensor<1x1x2x512xbf16>) {
  ^bb0(%in: bf16, %ss: f32, %gi: bf16, %ci: f32, %out: bf16):
    %c2 = arith.mulf %ci, %ci : f32
    %m = arith.mulf %ss, %inv : f32
    %m2 = arith.mulf %m, %c2 : f32
    %m3 = arith.addf %m2, %eps : f32
    %r = math.rsqrt %m3 : f32
    %x = arith.extf %in : bf16 to f32
    %gx = arith.extf %gi : bf16 to f32
    %rc = arith.mulf %r, %ci : f32
    %n = arith.mulf %x, %rc : f32
    %ng = arith.negf %gx : f32
    %ex = math.exp %ng : f32
    %den = arith.addf %ex, %one : f32
    %sw = arith.divf %gx, %den : f32
    %yv = arith.mulf %n, %sw : f32
    %yt = arith.truncf %yv : f32 to bf16
    linalg.yield %yt : bf16
  } -> tensor<1x1x2x512xbf16>
  return %y, %s1 : tensor<1x1x2x512xbf16>, tensor<1x2x256x512xf32>
}

// -----

// o is also returned: the launch stores o itself (the slices' sum as bf16
// quads) and the norm stays after it, its own ops.
// CHECK-LABEL: func.func @decode_norm_and_o
// CHECK:         gpu.launch
// CHECK:           memref.atomic_rmw addi
// CHECK:           vector.store %{{.*}} : memref<1x2x1x512xbf16>, vector<4xbf16>
// CHECK-NOT:       math.rsqrt
// CHECK:           gpu.terminator
// CHECK:         linalg.generic
// CHECK:         return
func.func @decode_norm_and_o(%q: tensor<1x2x1x256xbf16>, %k: tensor<1x2x1x256xbf16>,
                             %v: tensor<1x2x1x512xbf16>, %s: tensor<1x2x256x512xf32>)
    -> (tensor<1x1x2xf32>, tensor<1x2x1x512xbf16>) {
  %oinit = tensor.empty() : tensor<1x2x1x512xbf16>
  %sinit = tensor.empty() : tensor<1x2x256x512xf32>
  %o, %s1 = retention.recurrent %q, %k, %v, %s outs(%oinit, %sinit)
      {gamma = array<f64: 0.96875, 0.984375>, scale = 0.0625 : f64}
      : (tensor<1x2x1x256xbf16>, tensor<1x2x1x256xbf16>, tensor<1x2x1x512xbf16>, tensor<1x2x256x512xf32>, tensor<1x2x1x512xbf16>, tensor<1x2x256x512xf32>)
      -> (tensor<1x2x1x512xbf16>, tensor<1x2x256x512xf32>)
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x1x2xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<1x1x2xf32>) -> tensor<1x1x2xf32>
  %sum = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d2, d1, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%o : tensor<1x2x1x512xbf16>) outs(%f : tensor<1x1x2xf32>) {
  ^bb0(%in: bf16, %out: f32):
    %x = arith.extf %in : bf16 to f32
    %sq = arith.mulf %x, %x : f32
    %a = arith.addf %sq, %out : f32
    linalg.yield %a : f32
  } -> tensor<1x1x2xf32>
  return %sum, %o : tensor<1x1x2xf32>, tensor<1x2x1x512xbf16>
}

// -----

// q and k rotated by an elementwise op (pairs (x[2i], x[2i+1]) of the
// projection times a per-position 2x2 table, as the layer decomposition
// states it) that only the recurrent op reads: the launch computes each q
// and k element it needs from the projection and the table (the rotation's
// body, inlined) once per block into shared memory (f32; k's table reads
// are q's) and reads them there; the block holds its pair whole, so the
// partial outputs are in shared memory too (16 + 256 + 1024 bytes); the rotation remains only on the generic path. (The canonicalizer
// folds loads of the inputs' buffers into tensor.extract; bufferization
// makes them loads again.)
// CHECK-LABEL: func.func @decode_rotated
// CHECK-NOT:     linalg.generic
// CHECK:         scf.if
// CHECK:           gpu.launch {{.*}} dynamic_shared_memory_size %c1296_i32
// CHECK:             %[[QK:.*]] = memref.view {{.*}} to memref<2x1x32xf32, #gpu.address_space<workgroup>>
// CHECK:             scf.for
// CHECK:               tensor.extract %arg0{{.*}} : tensor<1x1x2x16x2xbf16>
// CHECK:               tensor.extract %arg2{{.*}} : tensor<1x1x16x2x2xf32>
// CHECK:               arith.truncf %{{.*}} : f32 to bf16
// CHECK:               tensor.extract %arg1{{.*}} : tensor<1x1x2x16x2xbf16>
// CHECK-NOT:           tensor.extract %arg2
// CHECK:               memref.store %{{.*}}, %[[QK]][%c0
// CHECK:               memref.store %{{.*}}, %[[QK]][%c1
// CHECK:             gpu.barrier
// CHECK:             memref.load %[[QK]]
// CHECK:           gpu.terminator
// CHECK:         } else {
// CHECK:           linalg.generic
// CHECK:           tensor.collapse_shape
// CHECK:           retention.recurrent
// CHECK:         }
// CHECK-NOT:     linalg.generic
// CHECK:         return
#x0 = affine_map<(d0, d1, d2, d3, d4) -> (d0, d2, d1, d3, 0)>
#x1 = affine_map<(d0, d1, d2, d3, d4) -> (d0, d2, d1, d3, 1)>
#t0 = affine_map<(d0, d1, d2, d3, d4) -> (d0, d2, d3, 0, d4)>
#t1 = affine_map<(d0, d1, d2, d3, d4) -> (d0, d2, d3, 1, d4)>
#id5 = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3, d4)>
func.func @decode_rotated(%xq: tensor<1x1x2x16x2xbf16>, %xk: tensor<1x1x2x16x2xbf16>,
                          %table: tensor<1x1x16x2x2xf32>,
                          %v: tensor<1x2x1x64xbf16>, %s: tensor<1x2x32x64xf32>)
    -> (tensor<1x2x1x64xbf16>, tensor<1x2x32x64xf32>) {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x2x1x16x2xbf16>
  %rot:2 = linalg.generic {indexing_maps = [#x0, #x1, #t0, #t1, #x0, #x1, #t0, #t1, #id5, #id5], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel"]}
      ins(%xq, %xq, %table, %table, %xk, %xk, %table, %table : tensor<1x1x2x16x2xbf16>, tensor<1x1x2x16x2xbf16>, tensor<1x1x16x2x2xf32>, tensor<1x1x16x2x2xf32>, tensor<1x1x2x16x2xbf16>, tensor<1x1x2x16x2xbf16>, tensor<1x1x16x2x2xf32>, tensor<1x1x16x2x2xf32>)
      outs(%e, %e : tensor<1x2x1x16x2xbf16>, tensor<1x2x1x16x2xbf16>) {
  ^bb0(%a0: bf16, %a1: bf16, %c0: f32, %c1: f32, %b0: bf16, %b1: bf16, %d0: f32, %d1: f32, %o0: bf16, %o1: bf16):
    %a0f = arith.extf %a0 : bf16 to f32
    %a1f = arith.extf %a1 : bf16 to f32
    %p = arith.mulf %a0f, %c0 : f32
    %p2 = arith.mulf %a1f, %c1 : f32
    %qa = arith.addf %p, %p2 : f32
    %qt = arith.truncf %qa : f32 to bf16
    %b0f = arith.extf %b0 : bf16 to f32
    %b1f = arith.extf %b1 : bf16 to f32
    %r = arith.mulf %b0f, %d0 : f32
    %r2 = arith.mulf %b1f, %d1 : f32
    %ka = arith.addf %r, %r2 : f32
    %kt = arith.truncf %ka : f32 to bf16
    linalg.yield %qt, %kt : bf16, bf16
  } -> (tensor<1x2x1x16x2xbf16>, tensor<1x2x1x16x2xbf16>)
  %q = tensor.collapse_shape %rot#0 [[0], [1], [2], [3, 4]] : tensor<1x2x1x16x2xbf16> into tensor<1x2x1x32xbf16>
  %k = tensor.collapse_shape %rot#1 [[0], [1], [2], [3, 4]] : tensor<1x2x1x16x2xbf16> into tensor<1x2x1x32xbf16>
  %oinit = tensor.empty() : tensor<1x2x1x64xbf16>
  %sinit = tensor.empty() : tensor<1x2x32x64xf32>
  %o, %s1 = retention.recurrent %q, %k, %v, %s outs(%oinit, %sinit)
      {gamma = array<f64: 0.96875, 0.984375>, scale = 0.125 : f64}
      : (tensor<1x2x1x32xbf16>, tensor<1x2x1x32xbf16>, tensor<1x2x1x64xbf16>, tensor<1x2x32x64xf32>, tensor<1x2x1x64xbf16>, tensor<1x2x32x64xf32>)
      -> (tensor<1x2x1x64xbf16>, tensor<1x2x32x64xf32>)
  return %o, %s1 : tensor<1x2x1x64xbf16>, tensor<1x2x32x64xf32>
}
