// The CPU pipeline sizes the register tile of a matmul over dynamic rows (a
// prompt's tokens times a weight matrix) for the target's vector registers:
// AVX-512 (32 zmm of 16 lanes) gets 8 rows x 32 columns of f32 accumulators
// (16 zmm); AVX2 (16 ymm of 8 lanes) 6 rows x 16 columns (12 ymm, leaving
// room for the weight row and the broadcast: an 8 x 16 tile spills). The
// last rows (fewer than a tile) run one at a time, on the decode tile.
// retnet-compile picks vector-bits from the host CPU's features.
// RUN: retnet-opt %s --retention-cpu-pipeline="vector-bits=512" --mlir-print-ir-after=retention-cpu-vectorize -o /dev/null 2>&1 | FileCheck %s --check-prefix=AVX512
// RUN: retnet-opt %s --retention-cpu-pipeline="vector-bits=256" --mlir-print-ir-after=retention-cpu-vectorize -o /dev/null 2>&1 | FileCheck %s --check-prefix=AVX2
// The default is AVX-512's.
// RUN: retnet-opt %s --retention-cpu-pipeline --mlir-print-ir-after=retention-cpu-vectorize -o /dev/null 2>&1 | FileCheck %s --check-prefix=AVX512

// AVX512-LABEL: func.func @proj(
//       AVX512: vector.contract {{.*}} : vector<8x8xf32>, vector<8x32xf32> into vector<8x32xf32>
//   AVX512-NOT: vector<6x16xf32>
//       AVX512: vector.contract {{.*}} into vector<1x64xf32>
// AVX2-LABEL: func.func @proj(
//       AVX2: vector.contract {{.*}} : vector<6x8xf32>, vector<8x16xf32> into vector<6x16xf32>
//   AVX2-NOT: vector<8x32xf32>
//       AVX2: vector.contract {{.*}} into vector<1x64xf32>
func.func @proj(%x: tensor<?x256xf32>, %w: tensor<256x512xf32>) -> tensor<?x512xf32> {
  %c0 = arith.constant 0 : index
  %m = tensor.dim %x, %c0 : tensor<?x256xf32>
  %e = tensor.empty(%m) : tensor<?x512xf32>
  %z = arith.constant 0.0 : f32
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<?x512xf32>) -> tensor<?x512xf32>
  %r = linalg.matmul ins(%x, %w : tensor<?x256xf32>, tensor<256x512xf32>) outs(%f : tensor<?x512xf32>) -> tensor<?x512xf32>
  return %r : tensor<?x512xf32>
}
