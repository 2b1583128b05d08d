// RUN: retnet-opt %s -split-input-file --pass-pipeline="builtin.module(func.func(retention-cpu-vectorize))" | FileCheck %s
// RUN: retnet-opt %s -split-input-file --pass-pipeline="builtin.module(func.func(retention-cpu-vectorize{row-tile=4 vector-tile=16 reduction-tile=4}))" | FileCheck %s --check-prefix=SMALL

#lhs = affine_map<(i, j, l) -> (i, l)>
#rhs = affine_map<(i, j, l) -> (j, l)>
#acc = affine_map<(i, j, l) -> (i, j)>

// Q K^T on a 64-token chunk: register tiles of 8 x 32 accumulators, a
// reduction loop of step 8, each tile a vector.contract.
// CHECK-LABEL: func.func @qk(
//       CHECK:   scf.for %{{.*}} = %c0 to %c64 step %c8
//       CHECK:     scf.for %{{.*}} = %c0 to %c64 step %c32
//       CHECK:       scf.for %{{.*}} = %c0 to %c256 step %c8
//       CHECK:         vector.contract {{.*}} : vector<8x8xf32>, vector<32x8xf32> into vector<8x32xf32>
// SMALL-LABEL: func.func @qk(
//       SMALL:   vector.contract {{.*}} : vector<4x4xf32>, vector<16x4xf32> into vector<4x16xf32>
func.func @qk(%q: tensor<64x256xf32>, %k: tensor<64x256xbf16>, %a: tensor<64x64xf32>) -> tensor<64x64xf32> {
  %r = linalg.generic {indexing_maps = [#lhs, #rhs, #acc], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%q, %k : tensor<64x256xf32>, tensor<64x256xbf16>) outs(%a : tensor<64x64xf32>) {
  ^bb0(%x: f32, %y: bf16, %z: f32):
    %e = arith.extf %y : bf16 to f32
    %m = arith.mulf %x, %e : f32
    %s = arith.addf %z, %m : f32
    linalg.yield %s : f32
  } -> tensor<64x64xf32>
  return %r : tensor<64x64xf32>
}

// -----

// A remainder chunk of 36 tokens: tiles shrink to divisors (6 x 18) so that
// every tile is full and needs no mask.
// CHECK-LABEL: func.func @remainder(
//       CHECK:   scf.for %{{.*}} = %c0 to %c36 step %c6
//       CHECK:     scf.for %{{.*}} = %c0 to %c36 step %c18
//   CHECK-NOT:     vector.mask
//       CHECK:     arith.select {{.*}} : vector<6x18xi1>, vector<6x18xf32>
func.func @remainder(%a: tensor<36x36xf32>, %out: tensor<36x36xf32>) -> tensor<36x36xf32> {
  %zero = arith.constant 0.0 : f32
  %r = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>], iterator_types = ["parallel", "parallel"]}
      ins(%a : tensor<36x36xf32>) outs(%out : tensor<36x36xf32>) {
  ^bb0(%x: f32, %y: f32):
    %i = linalg.index 0 : index
    %j = linalg.index 1 : index
    %c = arith.cmpi sge, %i, %j : index
    %v = arith.select %c, %x, %zero : f32
    linalg.yield %v : f32
  } -> tensor<36x36xf32>
  return %r : tensor<36x36xf32>
}

// -----

// Dynamic sizes are tiled but left scalar (convert-linalg-to-loops lowers them).
// CHECK-LABEL: func.func @dynamic(
//       CHECK:   scf.for
//       CHECK:     linalg.generic
//   CHECK-NOT:     vector.transfer_read
func.func @dynamic(%a: tensor<?x16xf32>, %out: tensor<?x16xf32>) -> tensor<?x16xf32> {
  %r = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>], iterator_types = ["parallel", "parallel"]}
      ins(%a : tensor<?x16xf32>) outs(%out : tensor<?x16xf32>) {
  ^bb0(%x: f32, %y: f32):
    %m = arith.mulf %x, %x : f32
    linalg.yield %m : f32
  } -> tensor<?x16xf32>
  return %r : tensor<?x16xf32>
}
