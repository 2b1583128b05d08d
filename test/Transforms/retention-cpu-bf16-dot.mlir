// RUN: retnet-opt %s -split-input-file --pass-pipeline="builtin.module(func.func(retention-cpu-bf16-dot))" | FileCheck %s
// RUN: retnet-opt %s -split-input-file --pass-pipeline="builtin.module(func.func(retention-cpu-vectorize,retention-cpu-bf16-dot))" | FileCheck %s --check-prefix=TILED

#mk = affine_map<(m, n, k) -> (m, k)>
#kn = affine_map<(m, n, k) -> (k, n)>
#mn = affine_map<(m, n, k) -> (m, n)>

// A 2 x 4 x 32 tile of widened bf16 operands: weight rows 0/1 and 2/3 are
// interleaved per 16-column block (shared by both output rows); each row's
// activation pair becomes one i32 broadcast to 16 lanes; 2 rows x 2 pairs x
// 2 blocks = 8 dots, the accumulator's own blocks as the f32 sources.
// CHECK-LABEL: func.func @tile(
//  CHECK-SAME:     %[[X:[^:]+]]: vector<2x4xbf16>, %[[W:[^:]+]]: vector<4x32xbf16>, %[[ACC:[^:]+]]: vector<2x32xf32>)
//   CHECK-NOT:   vector.contract
//   CHECK-DAG:   %[[W0:.+]] = vector.extract %[[W]][0] : vector<32xbf16> from vector<4x32xbf16>
//   CHECK-DAG:   %[[W1:.+]] = vector.extract %[[W]][1] : vector<32xbf16> from vector<4x32xbf16>
//       CHECK:   %[[E:.+]] = vector.extract_strided_slice %[[W0]] {offsets = [0], sizes = [16], strides = [1]}
//       CHECK:   %[[O:.+]] = vector.extract_strided_slice %[[W1]] {offsets = [0], sizes = [16], strides = [1]}
//       CHECK:   %[[P00:.+]] = vector.interleave %[[E]], %[[O]] : vector<16xbf16> -> vector<32xbf16>
//       CHECK:   %[[X0:.+]] = vector.extract %[[X]][0] : vector<4xbf16> from vector<2x4xbf16>
//       CHECK:   %[[A0:.+]] = vector.extract %[[ACC]][0] : vector<32xf32> from vector<2x32xf32>
//       CHECK:   %[[S0:.+]] = vector.extract_strided_slice %[[A0]] {offsets = [0], sizes = [16], strides = [1]}
//       CHECK:   %[[TWO:.+]] = vector.extract_strided_slice %[[X0]] {offsets = [0], sizes = [2], strides = [1]}
//       CHECK:   %[[WORD:.+]] = vector.bitcast %[[TWO]] : vector<2xbf16> to vector<1xi32>
//       CHECK:   %[[I:.+]] = vector.extract %[[WORD]][0] : i32 from vector<1xi32>
//       CHECK:   %[[B:.+]] = vector.broadcast %[[I]] : i32 to vector<16xi32>
//       CHECK:   %[[PAIR:.+]] = vector.bitcast %[[B]] : vector<16xi32> to vector<32xbf16>
//       CHECK:   x86vector.avx512.dot %[[S0]], %[[PAIR]], %[[P00]] : vector<32xbf16> -> vector<16xf32>
// CHECK-COUNT-7:   x86vector.avx512.dot
//   CHECK-NOT:   x86vector.avx512.dot
//       CHECK:   return
func.func @tile(%x: vector<2x4xbf16>, %w: vector<4x32xbf16>, %acc: vector<2x32xf32>) -> vector<2x32xf32> {
  %a = arith.extf %x : vector<2x4xbf16> to vector<2x4xf32>
  %b = arith.extf %w : vector<4x32xbf16> to vector<4x32xf32>
  %r = vector.contract {indexing_maps = [#mk, #kn, #mn], iterator_types = ["parallel", "parallel", "reduction"], kind = #vector.kind<add>} %a, %b, %acc : vector<2x4xf32>, vector<4x32xf32> into vector<2x32xf32>
  return %r : vector<2x32xf32>
}

// -----

#mk = affine_map<(m, n, k) -> (m, k)>
#kn = affine_map<(m, n, k) -> (k, n)>
#mn = affine_map<(m, n, k) -> (m, n)>

// Left alone: f32 activations, an odd reduction tile, columns not a
// multiple of 16, a transposed weight.
// CHECK-LABEL: func.func @not_matched(
//   CHECK-NOT:   x86vector
// CHECK-COUNT-4:   vector.contract
func.func @not_matched(%x: vector<2x4xf32>, %xb: vector<2x3xbf16>, %xc: vector<2x4xbf16>, %w: vector<4x32xbf16>,
                       %w3: vector<3x32xbf16>, %w24: vector<4x24xbf16>, %wt: vector<32x4xbf16>,
                       %acc: vector<2x32xf32>, %acc24: vector<2x24xf32>)
    -> (vector<2x32xf32>, vector<2x32xf32>, vector<2x24xf32>, vector<2x32xf32>) {
  %b = arith.extf %w : vector<4x32xbf16> to vector<4x32xf32>
  %r0 = vector.contract {indexing_maps = [#mk, #kn, #mn], iterator_types = ["parallel", "parallel", "reduction"], kind = #vector.kind<add>} %x, %b, %acc : vector<2x4xf32>, vector<4x32xf32> into vector<2x32xf32>
  %a3 = arith.extf %xb : vector<2x3xbf16> to vector<2x3xf32>
  %b3 = arith.extf %w3 : vector<3x32xbf16> to vector<3x32xf32>
  %r1 = vector.contract {indexing_maps = [#mk, #kn, #mn], iterator_types = ["parallel", "parallel", "reduction"], kind = #vector.kind<add>} %a3, %b3, %acc : vector<2x3xf32>, vector<3x32xf32> into vector<2x32xf32>
  %a = arith.extf %xc : vector<2x4xbf16> to vector<2x4xf32>
  %b24 = arith.extf %w24 : vector<4x24xbf16> to vector<4x24xf32>
  %r2 = vector.contract {indexing_maps = [#mk, #kn, #mn], iterator_types = ["parallel", "parallel", "reduction"], kind = #vector.kind<add>} %a, %b24, %acc24 : vector<2x4xf32>, vector<4x24xf32> into vector<2x24xf32>
  %bt = arith.extf %wt : vector<32x4xbf16> to vector<32x4xf32>
  %r3 = vector.contract {indexing_maps = [#mk, affine_map<(m, n, k) -> (n, k)>, #mn], iterator_types = ["parallel", "parallel", "reduction"], kind = #vector.kind<add>} %a, %bt, %acc : vector<2x4xf32>, vector<32x4xf32> into vector<2x32xf32>
  return %r0, %r1, %r2, %r3 : vector<2x32xf32>, vector<2x32xf32>, vector<2x24xf32>, vector<2x32xf32>
}

// -----

// After retention-cpu-vectorize: a bf16 projection's 8 x 8 x 32 register
// tile is 8 rows x 4 pairs x 2 blocks = 64 dots and no contraction; a
// decode matvec's 1 x 4 x 128 tile 1 x 2 x 8 = 16.
// TILED-LABEL: func.func @projection(
//   TILED-NOT:   vector.contract
// TILED-COUNT-64:   x86vector.avx512.dot
//   TILED-NOT:   x86vector.avx512.dot
func.func @projection(%x: tensor<64x256xbf16>, %w: tensor<256x512xbf16>, %y: tensor<64x512xf32>) -> tensor<64x512xf32> {
  %r = linalg.matmul ins(%x, %w : tensor<64x256xbf16>, tensor<256x512xbf16>) outs(%y : tensor<64x512xf32>) -> tensor<64x512xf32>
  return %r : tensor<64x512xf32>
}

// -----

// TILED-LABEL: func.func @matvec(
//   TILED-NOT:   vector.contract
// TILED-COUNT-16:   x86vector.avx512.dot
//   TILED-NOT:   x86vector.avx512.dot
func.func @matvec(%x: tensor<1x1024xbf16>, %w: tensor<1024x512xbf16>, %y: tensor<1x512xf32>) -> tensor<1x512xf32> {
  %r = linalg.matmul ins(%x, %w : tensor<1x1024xbf16>, tensor<1024x512xbf16>) outs(%y : tensor<1x512xf32>) -> tensor<1x512xf32>
  return %r : tensor<1x512xf32>
}
