// RUN: retnet-opt %s --pass-pipeline="builtin.module(func.func(retention-cpu-vectorize{widen-bf16=true}))" | FileCheck %s
// RUN: retnet-opt %s --pass-pipeline="builtin.module(func.func(retention-cpu-vectorize))" | FileCheck %s --check-prefix=OFF
// RUN: retnet-opt %s --pass-pipeline="builtin.module(func.func(retention-cpu-vectorize{widen-bf16=true vector-tile=16 rows=6}))" | FileCheck %s --check-prefix=AVX2

// Two projections of one bf16 input over dynamic rows (the q and k
// projections of a normed prompt): x is widened to f32 once, before both,
// and each register tile reads f32 activations; only the weights are
// widened in the tile.
// CHECK-LABEL: func.func @shared(
//  CHECK-SAME:     %[[X:[^:]+]]: tensor<?x64xbf16>
//       CHECK:   %[[E:.+]] = tensor.empty(%{{.+}}) : tensor<?x64xf32>
//       CHECK:   %[[W:.+]] = scf.for {{.+}} iter_args(%{{.+}} = %[[E]]) -> (tensor<?x64xf32>)
//       CHECK:     tensor.extract_slice %[[X]]
//       CHECK:     arith.extf %{{.+}} : vector<1x32xbf16> to vector<1x32xf32>
//   CHECK-NOT:   vector<8x8xbf16>
//       CHECK:   tensor.extract_slice %[[W]][%{{.+}}, 0] [8, 64] [1, 1] : tensor<?x64xf32> to tensor<8x64xf32>
//       CHECK:   vector.contract {{.+}} : vector<8x8xf32>, vector<8x32xf32> into vector<8x32xf32>
//       CHECK:   vector.contract {{.+}} : vector<1x4xf32>, vector<4x32xf32> into vector<1x32xf32>
//       CHECK:   tensor.extract_slice %[[W]][%{{.+}}, 0] [8, 64] [1, 1] : tensor<?x64xf32> to tensor<8x64xf32>
//       CHECK:   vector.contract {{.+}} : vector<8x8xf32>, vector<8x32xf32> into vector<8x32xf32>
//       CHECK:   vector.contract {{.+}} : vector<1x4xf32>, vector<4x32xf32> into vector<1x32xf32>
//   CHECK-NOT:   tensor.empty
//   CHECK-NOT:   vector<8x8xbf16>
//       CHECK:   return
// Without the option the tiles widen their slice of x.
// OFF-LABEL: func.func @shared(
//   OFF-NOT:   tensor<?x64xf32>
//       OFF:   arith.extf %{{.+}} : vector<8x8xbf16> to vector<8x8xf32>
//       OFF:   arith.extf %{{.+}} : vector<8x8xbf16> to vector<8x8xf32>
//       OFF:   return
func.func @shared(%x: tensor<?x64xbf16>, %wq: tensor<64x32xbf16>, %wk: tensor<64x32xbf16>,
                  %q: tensor<?x32xf32>, %k: tensor<?x32xf32>) -> (tensor<?x32xf32>, tensor<?x32xf32>) {
  %rq = linalg.matmul ins(%x, %wq : tensor<?x64xbf16>, tensor<64x32xbf16>) outs(%q : tensor<?x32xf32>) -> tensor<?x32xf32>
  %rk = linalg.matmul ins(%x, %wk : tensor<?x64xbf16>, tensor<64x32xbf16>) outs(%k : tensor<?x32xf32>) -> tensor<?x32xf32>
  return %rq, %rk : tensor<?x32xf32>, tensor<?x32xf32>
}

// Left alone: f32 activations (an int8 or f32 model's), and bf16 ones over
// a static row count.
// CHECK-LABEL: func.func @left_alone(
//   CHECK-NOT:   tensor.empty
//       CHECK:   vector.contract {{.+}} : vector<8x8xf32>, vector<8x32xf32>
//       CHECK:   arith.extf %{{.+}} : vector<8x8xbf16> to vector<8x8xf32>
//       CHECK:   return
func.func @left_alone(%x: tensor<?x64xf32>, %xs: tensor<8x64xbf16>, %w: tensor<64x32xbf16>,
                      %c: tensor<?x32xf32>, %cs: tensor<8x32xf32>) -> (tensor<?x32xf32>, tensor<8x32xf32>) {
  %r = linalg.matmul ins(%x, %w : tensor<?x64xf32>, tensor<64x32xbf16>) outs(%c : tensor<?x32xf32>) -> tensor<?x32xf32>
  %s = linalg.matmul ins(%xs, %w : tensor<8x64xbf16>, tensor<64x32xbf16>) outs(%cs : tensor<8x32xf32>) -> tensor<8x32xf32>
  return %r, %s : tensor<?x32xf32>, tensor<8x32xf32>
}

// 432 bf16 columns (27 x 16): no multiple of 256 bytes (128 columns)
// divides them, so the column blocks are multiples of the widest power of
// two times 16 that does (16): 144 columns, whose 256 x 144 panel fits; the
// rows past the last 6-row tile still get the 16-column tiles they would
// get without blocks.
// AVX2-LABEL: func.func @odd_columns(
//       AVX2:   scf.for %{{.+}} = %c0 to %c432 step %c144
//       AVX2:     scf.for %{{.+}} step %c6
//       AVX2:       vector.contract {{.+}} : vector<6x8xf32>, vector<8x16xf32> into vector<6x16xf32>
//       AVX2:     vector.contract {{.+}} : vector<1x4xf32>, vector<4x16xf32> into vector<1x16xf32>
func.func @odd_columns(%x: tensor<?x256xbf16>, %w: tensor<256x432xbf16>, %c: tensor<?x432xf32>) -> tensor<?x432xf32> {
  %r = linalg.matmul ins(%x, %w : tensor<?x256xbf16>, tensor<256x432xbf16>) outs(%c : tensor<?x432xf32>) -> tensor<?x432xf32>
  return %r : tensor<?x432xf32>
}
