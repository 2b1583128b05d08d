// RUN: retnet-opt %s --retention-gpu-fuse-elementwise --split-input-file | FileCheck %s

// A projection's cast to bf16 then the residual add: one generic reading
// the matmul's result (which stays a linalg.matmul).
// CHECK-LABEL: func.func @cast_then_residual
// CHECK:         %[[C:.*]] = linalg.matmul
// CHECK:         %[[R:.*]] = linalg.generic
// CHECK-SAME:        ins(%[[C]] : tensor<?x64xf32>) outs(%arg2 : tensor<?x64xf32>)
// CHECK:           arith.truncf
// CHECK:           arith.extf
// CHECK:           arith.addf
// CHECK-NOT:     linalg.generic
// CHECK:         return %[[R]]
#id = affine_map<(d0, d1) -> (d0, d1)>
func.func @cast_then_residual(%x: tensor<?x64xbf16>, %w: tensor<64x64xbf16>,
                              %res: tensor<?x64xf32>) -> tensor<?x64xf32> {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %m = tensor.dim %x, %c0 : tensor<?x64xbf16>
  %e = tensor.empty(%m) : tensor<?x64xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<?x64xf32>) -> tensor<?x64xf32>
  %c = linalg.matmul ins(%x, %w : tensor<?x64xbf16>, tensor<64x64xbf16>) outs(%z : tensor<?x64xf32>) -> tensor<?x64xf32>
  %eb = tensor.empty(%m) : tensor<?x64xbf16>
  %t = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%c : tensor<?x64xf32>) outs(%eb : tensor<?x64xbf16>) {
  ^bb0(%in: f32, %out: bf16):
    %v = arith.truncf %in : f32 to bf16
    linalg.yield %v : bf16
  } -> tensor<?x64xbf16>
  %r = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%t : tensor<?x64xbf16>) outs(%res : tensor<?x64xf32>) {
  ^bb0(%in: bf16, %out: f32):
    %v = arith.extf %in : bf16 to f32
    %s = arith.addf %out, %v : f32
    linalg.yield %s : f32
  } -> tensor<?x64xf32>
  return %r : tensor<?x64xf32>
}

// -----

// Not folded: a table per row read at a broadcast (every element would
// recompute its row's value), a producer with a second use (its two
// consumers, over the same loops, become one op with two results).
// CHECK-LABEL: func.func @kept
// CHECK-COUNT-2: linalg.generic
// CHECK:         linalg.generic {{.*}} ins(%{{.*}}, %{{.*}} : tensor<?x64xf32>, tensor<?x64xf32>)
// CHECK-NOT:     linalg.generic
#id = affine_map<(d0, d1) -> (d0, d1)>
#row = affine_map<(d0, d1) -> (d0)>
func.func @kept(%p: tensor<?xf32>, %x: tensor<?x64xf32>) -> (tensor<?x64xf32>, tensor<?x64xf32>) {
  %c0 = arith.constant 0 : index
  %m = tensor.dim %p, %c0 : tensor<?xf32>
  %e1 = tensor.empty(%m) : tensor<?xf32>
  %table = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]}
      ins(%p : tensor<?xf32>) outs(%e1 : tensor<?xf32>) {
  ^bb0(%in: f32, %out: f32):
    %v = math.exp %in : f32
    linalg.yield %v : f32
  } -> tensor<?xf32>
  %e = tensor.empty(%m) : tensor<?x64xf32>
  %scaled = linalg.generic {indexing_maps = [#id, #row, #id], iterator_types = ["parallel", "parallel"]}
      ins(%x, %table : tensor<?x64xf32>, tensor<?xf32>) outs(%e : tensor<?x64xf32>) {
  ^bb0(%in: f32, %t: f32, %out: f32):
    %v = arith.mulf %in, %t : f32
    linalg.yield %v : f32
  } -> tensor<?x64xf32>
  %a = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%scaled : tensor<?x64xf32>) outs(%e : tensor<?x64xf32>) {
  ^bb0(%in: f32, %out: f32):
    %v = arith.negf %in : f32
    linalg.yield %v : f32
  } -> tensor<?x64xf32>
  %b = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%scaled : tensor<?x64xf32>) outs(%e : tensor<?x64xf32>) {
  ^bb0(%in: f32, %out: f32):
    %v = math.absf %in : f32
    linalg.yield %v : f32
  } -> tensor<?x64xf32>
  return %a, %b : tensor<?x64xf32>, tensor<?x64xf32>
}

// -----

// A rotation as the layer decomposition states it (each pair times a 2 x 2
// matrix: a sum over two steps into a zero fill), then its cast: one
// elementwise generic that reads each pair's two values at constant
// indices, starts from the fill's zero and casts; a sum over eight steps
// stays a reduction.
// CHECK-DAG:   #[[$X0:.+]] = affine_map<(d0, d1, d2) -> (d0, d1, 0)>
// CHECK-DAG:   #[[$X1:.+]] = affine_map<(d0, d1, d2) -> (d0, d1, 1)>
// CHECK-DAG:   #[[$M0:.+]] = affine_map<(d0, d1, d2) -> (d1, 0, d2)>
// CHECK-DAG:   #[[$M1:.+]] = affine_map<(d0, d1, d2) -> (d1, 1, d2)>
// CHECK-LABEL: func.func @rotation
// CHECK:         linalg.generic {indexing_maps = [#[[$X0]], #[[$X1]], #[[$M0]], #[[$M1]], #{{.*}}], iterator_types = ["parallel", "parallel", "parallel"]}
// CHECK:         ^bb0(%[[A0:.*]]: f32, %[[A1:.*]]: f32, %[[B0:.*]]: f32, %[[B1:.*]]: f32, %{{.*}}: bf16):
// CHECK:           %[[P0:.*]] = arith.mulf %[[A0]], %[[B0]]
// CHECK:           %[[S0:.*]] = arith.addf %[[P0]], %cst
// CHECK:           %[[P1:.*]] = arith.mulf %[[A1]], %[[B1]]
// CHECK:           %[[S1:.*]] = arith.addf %[[S0]], %[[P1]]
// CHECK:           %[[T:.*]] = arith.truncf %[[S1]]
// CHECK:           linalg.yield %[[T]]
// CHECK:         linalg.generic
// CHECK-SAME:        iterator_types = ["parallel", "reduction"]
#x3 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d3)>
#m3 = affine_map<(d0, d1, d2, d3) -> (d1, d3, d2)>
#o3 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>
#id3 = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
func.func @rotation(%x: tensor<?x16x2xf32>, %rot: tensor<16x2x2xf32>, %y: tensor<?x8xf32>)
    -> (tensor<?x16x2xbf16>, tensor<?xf32>) {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %m = tensor.dim %x, %c0 : tensor<?x16x2xf32>
  %e = tensor.empty(%m) : tensor<?x16x2xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<?x16x2xf32>) -> tensor<?x16x2xf32>
  %r = linalg.generic {indexing_maps = [#x3, #m3, #o3],
                       iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%x, %rot : tensor<?x16x2xf32>, tensor<16x2x2xf32>) outs(%z : tensor<?x16x2xf32>) {
  ^bb0(%a: f32, %b: f32, %out: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %out, %p : f32
    linalg.yield %s : f32
  } -> tensor<?x16x2xf32>
  %eb = tensor.empty(%m) : tensor<?x16x2xbf16>
  %t = linalg.generic {indexing_maps = [#id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%r : tensor<?x16x2xf32>) outs(%eb : tensor<?x16x2xbf16>) {
  ^bb0(%in: f32, %out: bf16):
    %v = arith.truncf %in : f32 to bf16
    linalg.yield %v : bf16
  } -> tensor<?x16x2xbf16>
  %e1 = tensor.empty(%m) : tensor<?xf32>
  %z1 = linalg.fill ins(%zero : f32) outs(%e1 : tensor<?xf32>) -> tensor<?xf32>
  %s = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>],
                       iterator_types = ["parallel", "reduction"]}
      ins(%y : tensor<?x8xf32>) outs(%z1 : tensor<?xf32>) {
  ^bb0(%a: f32, %out: f32):
    %v = arith.addf %a, %out : f32
    linalg.yield %v : f32
  } -> tensor<?xf32>
  return %t, %s : tensor<?x16x2xbf16>, tensor<?xf32>
}

// -----

// The rotation's pairs (?x4x16x2) read as rows of 32 by the 16-bit cast:
// the cast runs over the uncollapsed loops and fuses; one collapse of the
// bf16 result is left.
// CHECK-LABEL: func.func @through_collapse
// CHECK:         %[[G:.*]] = linalg.generic
// CHECK-SAME:        ins(%arg0 : tensor<?x4x16x2xf32>)
// CHECK:           arith.negf
// CHECK:           arith.truncf
// CHECK:         } -> tensor<?x4x16x2xbf16>
// CHECK-NOT:     linalg.generic
// CHECK:         %[[C:.*]] = tensor.collapse_shape %[[G]] {{\[}}[0], [1], [2, 3]]
// CHECK:         return %[[C]] : tensor<?x4x32xbf16>
#id4 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#id3 = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
func.func @through_collapse(%x: tensor<?x4x16x2xf32>) -> tensor<?x4x32xbf16> {
  %c0 = arith.constant 0 : index
  %m = tensor.dim %x, %c0 : tensor<?x4x16x2xf32>
  %e = tensor.empty(%m) : tensor<?x4x16x2xf32>
  %r = linalg.generic {indexing_maps = [#id4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%x : tensor<?x4x16x2xf32>) outs(%e : tensor<?x4x16x2xf32>) {
  ^bb0(%in: f32, %out: f32):
    %v = arith.negf %in : f32
    linalg.yield %v : f32
  } -> tensor<?x4x16x2xf32>
  %flat = tensor.collapse_shape %r [[0], [1], [2, 3]] : tensor<?x4x16x2xf32> into tensor<?x4x32xf32>
  %eb = tensor.empty(%m) : tensor<?x4x32xbf16>
  %t = linalg.generic {indexing_maps = [#id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%flat : tensor<?x4x32xf32>) outs(%eb : tensor<?x4x32xbf16>) {
  ^bb0(%in: f32, %out: bf16):
    %v = arith.truncf %in : f32 to bf16
    linalg.yield %v : bf16
  } -> tensor<?x4x32xbf16>
  return %t : tensor<?x4x32xbf16>
}

// -----

// A collapse with a second use, or of a non-elementwise op: left alone.
// CHECK-LABEL: func.func @collapse_kept
// CHECK:         tensor.collapse_shape
// CHECK:         linalg.generic
// CHECK-SAME:        ins(%{{.*}} : tensor<?x32xf32>)
#id2 = affine_map<(d0, d1) -> (d0, d1)>
func.func @collapse_kept(%x: tensor<?x16x2xf32>) -> (tensor<?x32xbf16>, tensor<?x32xf32>) {
  %c0 = arith.constant 0 : index
  %m = tensor.dim %x, %c0 : tensor<?x16x2xf32>
  %flat = tensor.collapse_shape %x [[0], [1, 2]] : tensor<?x16x2xf32> into tensor<?x32xf32>
  %eb = tensor.empty(%m) : tensor<?x32xbf16>
  %t = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]}
      ins(%flat : tensor<?x32xf32>) outs(%eb : tensor<?x32xbf16>) {
  ^bb0(%in: f32, %out: bf16):
    %v = arith.truncf %in : f32 to bf16
    linalg.yield %v : bf16
  } -> tensor<?x32xbf16>
  return %t, %flat : tensor<?x32xbf16>, tensor<?x32xf32>
}

// -----

// One token's value heads, ?x1x4x64 to ?x4x1x64: only a unit dimension
// moves, so no element does: reshapes, no transpose. Across heads and
// tokens (?x8x4x64) it stays a transpose.
// CHECK-LABEL: func.func @transposes
// CHECK:         %[[F:.*]] = tensor.collapse_shape %arg0 {{\[}}[0], [1, 2], [3]] : tensor<?x1x4x64xbf16> into tensor<?x4x64xbf16>
// CHECK:         %[[E:.*]] = tensor.expand_shape %[[F]] {{\[}}[0], [1], [2, 3]]
// CHECK-SAME:        into tensor<?x4x1x64xbf16>
// CHECK:         %[[T:.*]] = linalg.transpose ins(%arg1 : tensor<?x8x4x64xbf16>)
// CHECK:         return %[[E]], %[[T]]
func.func @transposes(%one: tensor<?x1x4x64xbf16>, %many: tensor<?x8x4x64xbf16>)
    -> (tensor<?x4x1x64xbf16>, tensor<?x4x8x64xbf16>) {
  %c0 = arith.constant 0 : index
  %m = tensor.dim %one, %c0 : tensor<?x1x4x64xbf16>
  %e = tensor.empty(%m) : tensor<?x4x1x64xbf16>
  %t = linalg.transpose ins(%one : tensor<?x1x4x64xbf16>) outs(%e : tensor<?x4x1x64xbf16>) permutation = [0, 2, 1, 3]
  %n = tensor.dim %many, %c0 : tensor<?x8x4x64xbf16>
  %e2 = tensor.empty(%n) : tensor<?x4x8x64xbf16>
  %t2 = linalg.transpose ins(%many : tensor<?x8x4x64xbf16>) outs(%e2 : tensor<?x4x8x64xbf16>) permutation = [0, 2, 1, 3]
  return %t, %t2 : tensor<?x4x1x64xbf16>, tensor<?x4x8x64xbf16>
}

// -----

// Sibling matmuls (one A): the second moves up, with its zero fill and its
// epilogue, to just after the first's epilogue; the first's consumer (a
// negation standing for the rotation) runs after both. A matmul of another
// A stays where it is.
// CHECK-LABEL: func.func @siblings
// CHECK:         %[[Q:.*]] = linalg.matmul ins(%arg0, %arg1
// CHECK-NEXT:    %[[QC:.*]] = linalg.generic {{.*}} ins(%[[Q]]
// CHECK:         linalg.fill
// CHECK-NEXT:    %[[K:.*]] = linalg.matmul ins(%arg0, %arg2
// CHECK-NEXT:    %[[KC:.*]] = linalg.generic {{.*}} ins(%[[K]]
// CHECK:         %[[QE:.*]] = tensor.expand_shape %[[QC]]
// CHECK:         linalg.generic {{.*}} ins(%[[QE]]
// CHECK:           arith.negf
// CHECK:         linalg.matmul ins(%arg3, %arg2
#id = affine_map<(d0, d1) -> (d0, d1)>
func.func @siblings(%x: tensor<?x64xbf16>, %wq: tensor<64x64xbf16>, %wk: tensor<64x64xbf16>,
                    %y: tensor<?x64xbf16>)
    -> (tensor<?x32x2xbf16>, tensor<?x64xbf16>, tensor<?x64xf32>) {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %m = tensor.dim %x, %c0 : tensor<?x64xbf16>
  %e = tensor.empty(%m) : tensor<?x64xf32>
  %eb = tensor.empty(%m) : tensor<?x64xbf16>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<?x64xf32>) -> tensor<?x64xf32>
  %q = linalg.matmul ins(%x, %wq : tensor<?x64xbf16>, tensor<64x64xbf16>) outs(%z : tensor<?x64xf32>) -> tensor<?x64xf32>
  %qc = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%q : tensor<?x64xf32>) outs(%eb : tensor<?x64xbf16>) {
  ^bb0(%in: f32, %out: bf16):
    %v = arith.truncf %in : f32 to bf16
    linalg.yield %v : bf16
  } -> tensor<?x64xbf16>
  %qe = tensor.expand_shape %qc [[0], [1, 2]] output_shape [%m, 32, 2] : tensor<?x64xbf16> into tensor<?x32x2xbf16>
  %en = tensor.empty(%m) : tensor<?x32x2xbf16>
  %qn = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%qe : tensor<?x32x2xbf16>) outs(%en : tensor<?x32x2xbf16>) {
  ^bb0(%in: bf16, %out: bf16):
    %v = arith.negf %in : bf16
    linalg.yield %v : bf16
  } -> tensor<?x32x2xbf16>
  %e2 = tensor.empty(%m) : tensor<?x64xf32>
  %z2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<?x64xf32>) -> tensor<?x64xf32>
  %k = linalg.matmul ins(%x, %wk : tensor<?x64xbf16>, tensor<64x64xbf16>) outs(%z2 : tensor<?x64xf32>) -> tensor<?x64xf32>
  %kc = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%k : tensor<?x64xf32>) outs(%eb : tensor<?x64xbf16>) {
  ^bb0(%in: f32, %out: bf16):
    %v = arith.truncf %in : f32 to bf16
    linalg.yield %v : bf16
  } -> tensor<?x64xbf16>
  %other = linalg.matmul ins(%y, %wk : tensor<?x64xbf16>, tensor<64x64xbf16>) outs(%z2 : tensor<?x64xf32>) -> tensor<?x64xf32>
  return %qn, %kc, %other : tensor<?x32x2xbf16>, tensor<?x64xbf16>, tensor<?x64xf32>
}

// -----

// Two elementwise ops over the same loops (the dynamic one proven equal
// through their inits), the second not reading the first: one generic with
// both's operands and results (one kernel). One whose rows may differ in
// number (another tensor's), one reading a matmul (an epilogue) and one
// over other loops stay apart.
// CHECK-LABEL: func.func @merge_siblings
// CHECK:         %[[M:.*]]:2 = linalg.generic
// CHECK-SAME:        ins(%arg0, %arg1 : tensor<?x4x32xf32>, tensor<?x4x32xf32>)
// CHECK:           arith.negf
// CHECK:           math.absf
// CHECK:           linalg.yield %{{.*}}, %{{.*}} : f32, f32
// CHECK:         %[[R:.*]] = linalg.generic {{.*}} ins(%arg1 : tensor<?x4x32xf32>)
// CHECK:         linalg.matmul
// CHECK:         linalg.generic
// CHECK:         linalg.generic
// CHECK-NOT:     linalg.generic
// CHECK:         return %[[M]]#0, %[[M]]#1, %[[R]]
#id3 = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
func.func @merge_siblings(%q: tensor<?x4x32xf32>, %k: tensor<?x4x32xf32>,
                          %a: tensor<?x8xf32>, %w: tensor<8x8xf32>)
    -> (tensor<?x4x32xf32>, tensor<?x4x32xf32>, tensor<?x4x32xf32>, tensor<?x8xf32>, tensor<?x8xf32>) {
  %c0 = arith.constant 0 : index
  %m = tensor.dim %q, %c0 : tensor<?x4x32xf32>
  %e1 = tensor.empty(%m) : tensor<?x4x32xf32>
  %rq = linalg.generic {indexing_maps = [#id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%q : tensor<?x4x32xf32>) outs(%e1 : tensor<?x4x32xf32>) {
  ^bb0(%in: f32, %out: f32):
    %v = arith.negf %in : f32
    linalg.yield %v : f32
  } -> tensor<?x4x32xf32>
  %e2 = tensor.empty(%m) : tensor<?x4x32xf32>
  %rk = linalg.generic {indexing_maps = [#id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%k : tensor<?x4x32xf32>) outs(%e2 : tensor<?x4x32xf32>) {
  ^bb0(%in: f32, %out: f32):
    %v = math.absf %in : f32
    linalg.yield %v : f32
  } -> tensor<?x4x32xf32>
  %n = tensor.dim %k, %c0 : tensor<?x4x32xf32>
  %e3 = tensor.empty(%n) : tensor<?x4x32xf32>
  %rk2 = linalg.generic {indexing_maps = [#id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%k : tensor<?x4x32xf32>) outs(%e3 : tensor<?x4x32xf32>) {
  ^bb0(%in: f32, %out: f32):
    %v = math.exp %in : f32
    linalg.yield %v : f32
  } -> tensor<?x4x32xf32>
  %ma = tensor.dim %a, %c0 : tensor<?x8xf32>
  %ea = tensor.empty(%ma) : tensor<?x8xf32>
  %mm = linalg.matmul ins(%a, %w : tensor<?x8xf32>, tensor<8x8xf32>) outs(%ea : tensor<?x8xf32>) -> tensor<?x8xf32>
  %ep = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]}
      ins(%mm : tensor<?x8xf32>) outs(%ea : tensor<?x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %v = arith.negf %in : f32
    linalg.yield %v : f32
  } -> tensor<?x8xf32>
  %other = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]}
      ins(%a : tensor<?x8xf32>) outs(%ea : tensor<?x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %v = math.absf %in : f32
    linalg.yield %v : f32
  } -> tensor<?x8xf32>
  return %rq, %rk, %rk2, %ep, %other : tensor<?x4x32xf32>, tensor<?x4x32xf32>, tensor<?x4x32xf32>, tensor<?x8xf32>, tensor<?x8xf32>
}
