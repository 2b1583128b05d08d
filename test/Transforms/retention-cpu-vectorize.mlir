// RUN: retnet-opt %s -split-input-file --pass-pipeline="builtin.module(func.func(retention-cpu-vectorize))" | FileCheck %s
// RUN: retnet-opt %s -split-input-file --pass-pipeline="builtin.module(func.func(retention-cpu-vectorize{row-tile=4 vector-tile=16 reduction-tile=4}))" | FileCheck %s --check-prefix=SMALL
// RUN: retnet-opt %s -split-input-file --pass-pipeline="builtin.module(func.func(retention-cpu-vectorize),canonicalize,loop-invariant-subset-hoisting,canonicalize)" | FileCheck %s --check-prefix=HOIST

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

// A dynamic row range is tiled by 1, so each tile is static and vectorizes
// without masks; the vector lanes stay on the static dimension.
// CHECK-LABEL: func.func @dynamic(
//       CHECK:   %[[ROWS:.+]] = tensor.dim %{{.+}}, %c0
//       CHECK:   scf.for %[[I:.+]] = %c0 to %[[ROWS]] step %c1
//       CHECK:     tensor.extract_slice %{{.+}}[%[[I]], %{{.+}}] [1, 16] [1, 1] : tensor<?x16xf32> to tensor<1x16xf32>
//       CHECK:     vector.transfer_read {{.+}} : tensor<1x16xf32>, vector<1x16xf32>
//       CHECK:     arith.mulf {{.+}} : vector<1x16xf32>
//   CHECK-NOT:   linalg.generic
func.func @dynamic(%a: tensor<?x16xf32>, %out: tensor<?x16xf32>) -> tensor<?x16xf32> {
  %r = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>], iterator_types = ["parallel", "parallel"]}
      ins(%a : tensor<?x16xf32>) outs(%out : tensor<?x16xf32>) {
  ^bb0(%x: f32, %y: f32):
    %m = arith.mulf %x, %x : f32
    linalg.yield %m : f32
  } -> tensor<?x16xf32>
  return %r : tensor<?x16xf32>
}

// -----

#lhs = affine_map<(i, j, l) -> (i, l)>
#rhs = affine_map<(i, j, l) -> (j, l)>
#acc = affine_map<(i, j, l) -> (i, j)>
#id = affine_map<(i, j) -> (i, j)>

// The decay mask right after Q K^T is fused into the contraction's tile loop:
// it runs on each 8 x 32 accumulator after its reduction loop, in registers.
// CHECK-LABEL: func.func @mask_epilogue(
// HOIST-LABEL: func.func @mask_epilogue(
//       HOIST:   scf.for %{{.*}} = %c0 to %c64 step %c8
//       HOIST:     scf.for %{{.*}} = %c0 to %c64 step %c32
//       HOIST:       %[[ACC:.*]] = scf.for %{{.*}} = %c0 to %c128 step %c8 {{.*}} -> (vector<8x32xf32>)
//       HOIST:         vector.contract
//       HOIST:       math.exp2 {{.*}} : vector<8x32xf32>
//       HOIST:       arith.mulf %[[ACC]], %{{.*}} : vector<8x32xf32>
//   HOIST-NOT:   linalg.generic
func.func @mask_epilogue(%q: tensor<64x128xf32>, %k: tensor<64x128xf32>, %lg: f32) -> tensor<64x64xf32> {
  %zero = arith.constant 0.0 : f32
  %e0 = tensor.empty() : tensor<64x64xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e0 : tensor<64x64xf32>) -> tensor<64x64xf32>
  %a = linalg.generic {indexing_maps = [#lhs, #rhs, #acc], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%q, %k : tensor<64x128xf32>, tensor<64x128xf32>) outs(%z : tensor<64x64xf32>) {
  ^bb0(%x: f32, %y: f32, %s: f32):
    %m = arith.mulf %x, %y : f32
    %r = arith.addf %s, %m : f32
    linalg.yield %r : f32
  } -> tensor<64x64xf32>
  %e1 = tensor.empty() : tensor<64x64xf32>
  %p = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%a : tensor<64x64xf32>) outs(%e1 : tensor<64x64xf32>) {
  ^bb0(%x: f32, %o: f32):
    %i = linalg.index 0 : index
    %j = linalg.index 1 : index
    %d = arith.subi %i, %j : index
    %di = arith.index_cast %d : index to i64
    %df = arith.sitofp %di : i64 to f32
    %w = arith.mulf %df, %lg : f32
    %g = math.exp2 %w : f32
    %r = arith.mulf %x, %g : f32
    linalg.yield %r : f32
  } -> tensor<64x64xf32>
  return %p : tensor<64x64xf32>
}

// -----

#lhs = affine_map<(i, j, l) -> (i, l)>
#rhs = affine_map<(i, j, l) -> (l, j)>
#acc = affine_map<(i, j, l) -> (i, j)>
#id = affine_map<(i, j) -> (i, j)>

// Not fused when another op stands between them: fusing would move the
// contraction's read of %s after the in-place update of %s.
// CHECK-LABEL: func.func @not_adjacent(
//       CHECK:   %[[O:.*]] = scf.for {{.*}} -> (tensor<64x32xf32>)
//       CHECK:     vector.contract
//       CHECK:   %[[S:.*]] = scf.for {{.*}} -> (tensor<32x32xf32>)
//       CHECK:   scf.for {{.*}} -> (tensor<64x32xbf16>)
//       CHECK:     arith.truncf
func.func @not_adjacent(%q: tensor<64x32xf32>, %s: tensor<32x32xf32>, %o0: tensor<64x32xf32>)
    -> (tensor<64x32xbf16>, tensor<32x32xf32>) {
  %o = linalg.generic {indexing_maps = [#lhs, #rhs, #acc], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%q, %s : tensor<64x32xf32>, tensor<32x32xf32>) outs(%o0 : tensor<64x32xf32>) {
  ^bb0(%x: f32, %y: f32, %a: f32):
    %m = arith.mulf %x, %y : f32
    %r = arith.addf %a, %m : f32
    linalg.yield %r : f32
  } -> tensor<64x32xf32>
  %s2 = linalg.generic {indexing_maps = [#id], iterator_types = ["parallel", "parallel"]}
      outs(%s : tensor<32x32xf32>) {
  ^bb0(%x: f32):
    %h = arith.constant 0.5 : f32
    %r = arith.mulf %x, %h : f32
    linalg.yield %r : f32
  } -> tensor<32x32xf32>
  %e = tensor.empty() : tensor<64x32xbf16>
  %t = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%o : tensor<64x32xf32>) outs(%e : tensor<64x32xbf16>) {
  ^bb0(%x: f32, %y: bf16):
    %r = arith.truncf %x : f32 to bf16
    linalg.yield %r : bf16
  } -> tensor<64x32xbf16>
  return %t, %s2 : tensor<64x32xbf16>, tensor<32x32xf32>
}

// -----

// A decode step's matvec (one row): each reduction step reads 256 bytes of
// 4 consecutive weight rows, 64 f32 columns or 128 bf16 ones, so the f32
// accumulator stays in registers while the weights stream.
// CHECK-LABEL: func.func @matvec_f32(
//       CHECK:   scf.for %{{.*}} = %c0 to %c512 step %c64
//       CHECK:     scf.for %{{.*}} = %c0 to %c1024 step %c4
//       CHECK:       vector.contract {{.*}} : vector<1x4xf32>, vector<4x64xf32> into vector<1x64xf32>
func.func @matvec_f32(%x: tensor<1x1024xf32>, %w: tensor<1024x512xf32>, %y: tensor<1x512xf32>) -> tensor<1x512xf32> {
  %r = linalg.matmul ins(%x, %w : tensor<1x1024xf32>, tensor<1024x512xf32>) outs(%y : tensor<1x512xf32>) -> tensor<1x512xf32>
  return %r : tensor<1x512xf32>
}

// -----

// CHECK-LABEL: func.func @matvec_bf16(
//       CHECK:   scf.for %{{.*}} = %c0 to %c512 step %c128
//       CHECK:     scf.for %{{.*}} = %c0 to %c1024 step %c4
//       CHECK:       vector.transfer_read {{.*}} : tensor<4x128xbf16>, vector<4x128xbf16>
//       CHECK:       vector.contract {{.*}} : vector<1x4xf32>, vector<4x128xf32> into vector<1x128xf32>
func.func @matvec_bf16(%x: tensor<1x1024xbf16>, %w: tensor<1024x512xbf16>, %y: tensor<1x512xf32>) -> tensor<1x512xf32> {
  %r = linalg.matmul ins(%x, %w : tensor<1x1024xbf16>, tensor<1024x512xbf16>) outs(%y : tensor<1x512xf32>) -> tensor<1x512xf32>
  return %r : tensor<1x512xf32>
}

// -----

// int8 weights: 256 bytes per row are 256 columns, but 3456 columns (the xl
// config's FFN and value width) have no 256-column tile; the widest
// power-of-two tile dividing them is 128, not 192 (12 vectors of 16 lanes,
// which LLVM's x86 back end splits through the stack).
// CHECK-LABEL: func.func @matvec_i8_odd_width(
//       CHECK:   scf.for %{{.*}} = %c0 to %c3456 step %c128
//       CHECK:     scf.for %{{.*}} = %c0 to %c256 step %c4
//       CHECK:       vector.transfer_read {{.*}} : tensor<4x128xi8>, vector<4x128xi8>
//       CHECK:       vector.contract {{.*}} : vector<1x4xf32>, vector<4x128xf32> into vector<1x128xf32>
func.func @matvec_i8_odd_width(%x: tensor<1x256xf32>, %w: tensor<256x3456xi8>, %y: tensor<1x3456xf32>) -> tensor<1x3456xf32> {
  %r = linalg.matmul ins(%x, %w : tensor<1x256xf32>, tensor<256x3456xi8>) outs(%y : tensor<1x3456xf32>) -> tensor<1x3456xf32>
  return %r : tensor<1x3456xf32>
}

// -----

// CHECK-LABEL: func.func @matvec_i8(
//       CHECK:   scf.for %{{.*}} = %c0 to %c1024 step %c256
//       CHECK:       vector.contract {{.*}} : vector<1x4xf32>, vector<4x256xf32> into vector<1x256xf32>
func.func @matvec_i8(%x: tensor<1x256xf32>, %w: tensor<256x1024xi8>, %y: tensor<1x1024xf32>) -> tensor<1x1024xf32> {
  %r = linalg.matmul ins(%x, %w : tensor<1x256xf32>, tensor<256x1024xi8>) outs(%y : tensor<1x1024xf32>) -> tensor<1x1024xf32>
  return %r : tensor<1x1024xf32>
}
