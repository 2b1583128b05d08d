// RUN: retnet-opt %s --pass-pipeline="builtin.module(func.func(retention-cpu-vectorize))" | FileCheck %s
// RUN: retnet-opt %s --pass-pipeline="builtin.module(func.func(retention-cpu-vectorize{rows=4}))" | FileCheck %s --check-prefix=FOUR
// RUN: retnet-opt %s --pass-pipeline="builtin.module(func.func(retention-cpu-vectorize{rows=1}))" | FileCheck %s --check-prefix=NOPEEL
// RUN: retnet-opt %s --pass-pipeline="builtin.module(func.func(retention-cpu-vectorize{panel-bytes=0}))" | FileCheck %s --check-prefix=NOPANEL
// RUN: retnet-opt %s --pass-pipeline="builtin.module(func.func(retention-cpu-vectorize{k-block-bytes=0}))" | FileCheck %s --check-prefix=NOKBLOCK

// A dynamic row count M times a static weight: tiled by 8 rows with scf.for
// and the loop peeled (upstream scf::peelForLoopAndSimplifyBounds). The full
// tiles are static 8 x K slices and one 8-row vector.contract accumulator;
// the last M mod 8 rows are a second loop, itself tiled by 4 rows and
// peeled the same way, its remainder by 2, and the last row (M odd) 1 row
// high (the one-row rule: the widest power-of-two multiple of 16 f32 columns
// up to 64 that divides 48, 4 deep).
// CHECK-DAG:   #[[$SPLIT:.+]] = affine_map<()[s0, s1, s2] -> (s1 - (s1 - s0) mod s2)>
// CHECK-LABEL: func.func @dynamic_rows(
//  CHECK-SAME:     %[[A:.+]]: tensor<?x64xf32>, %[[B:.+]]: tensor<64x48xf32>, %[[C:.+]]: tensor<?x48xf32>)
//       CHECK:   %[[M:.+]] = tensor.dim %[[A]], %c0
//       CHECK:   %[[MB:.+]] = affine.apply #[[$SPLIT]]()[%c0, %[[M]], %c8]
//       CHECK:   %[[FULL:.+]] = scf.for %[[I:.+]] = %c0 to %[[MB]] step %c8 iter_args(%[[ACC:.+]] = %[[C]])
//       CHECK:     tensor.extract_slice %[[ACC]][%[[I]], 0] [8, 48] [1, 1] : tensor<?x48xf32> to tensor<8x48xf32>
//       CHECK:     tensor.extract_slice %[[A]][%[[I]], 0] [8, 64] [1, 1] : tensor<?x64xf32> to tensor<8x64xf32>
//       CHECK:     vector.contract {{.+}} : vector<8x8xf32>, vector<8x24xf32> into vector<8x24xf32>
//   CHECK-NOT:     vector<1x
//       CHECK:   scf.for %[[J:.+]] = %[[MB]] to %[[M]] step %c8 iter_args(%{{.+}} = %[[FULL]])
//       CHECK:     scf.for %{{.+}} = %c0 to %{{.+}} step %c4
//       CHECK:       vector.contract {{.+}} : vector<4x8xf32>, vector<8x24xf32> into vector<4x24xf32>
//       CHECK:     scf.for %{{.+}} step %c4
//       CHECK:       scf.for %{{.+}} = %c0 to %{{.+}} step %c2
//       CHECK:         vector.contract {{.+}} : vector<2x8xf32>, vector<8x24xf32> into vector<2x24xf32>
//       CHECK:       scf.for %{{.+}} step %c2
//       CHECK:         scf.for %{{.+}} = %c0 to %{{.+}} step %c1
//       CHECK:           vector.contract {{.+}} : vector<1x4xf32>, vector<4x16xf32> into vector<1x16xf32>
// FOUR-LABEL: func.func @dynamic_rows(
//       FOUR:   tensor.extract_slice %{{.+}} [4, 64] [1, 1] : tensor<?x64xf32> to tensor<4x64xf32>
//       FOUR:   vector.contract {{.+}} into vector<4x24xf32>
// NOPEEL-LABEL: func.func @dynamic_rows(
//   NOPEEL-NOT:   into vector<8x
//       NOPEEL:   vector.contract {{.+}} into vector<1x16xf32>
func.func @dynamic_rows(%a: tensor<?x64xf32>, %b: tensor<64x48xf32>, %c: tensor<?x48xf32>) -> tensor<?x48xf32> {
  %r = linalg.matmul ins(%a, %b : tensor<?x64xf32>, tensor<64x48xf32>) outs(%c : tensor<?x48xf32>) -> tensor<?x48xf32>
  return %r : tensor<?x48xf32>
}

// A transposed weight (x · Wᵀ, as a tied lm_head reads the embedding) is a
// 2-D contraction too: peeled the same way.
// CHECK-LABEL: func.func @transposed_weight(
//       CHECK:   scf.for {{.+}} step %c8
//       CHECK:     vector.contract {{.+}} into vector<8x
//       CHECK:   scf.for
//       CHECK:     vector.contract {{.+}} into vector<1x
func.func @transposed_weight(%a: tensor<?x64xf32>, %w: tensor<48x64xf32>, %c: tensor<?x48xf32>) -> tensor<?x48xf32> {
  %r = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
         ins(%a, %w : tensor<?x64xf32>, tensor<48x64xf32>) outs(%c : tensor<?x48xf32>) -> tensor<?x48xf32>
  return %r : tensor<?x48xf32>
}

// Static row counts: the register tiles divide them; no peeled loop.
// CHECK-LABEL: func.func @static_rows(
//   CHECK-NOT:   affine.apply
//       CHECK:   vector.contract {{.+}} : vector<5x8xf32>, vector<8x24xf32> into vector<5x24xf32>
//   CHECK-NOT:   vector<1x
//       CHECK:   return
func.func @static_rows(%a: tensor<20x64xf32>, %b: tensor<64x48xf32>, %c: tensor<20x48xf32>) -> tensor<20x48xf32> {
  %r = linalg.matmul ins(%a, %b : tensor<20x64xf32>, tensor<64x48xf32>) outs(%c : tensor<20x48xf32>) -> tensor<20x48xf32>
  return %r : tensor<20x48xf32>
}

// More than two parallel loops (a batched product, like the rotation's pair
// products): 8-row tiles would multiply a tile already several registers
// big, so the dynamic range keeps 1-row tiles.
// CHECK-LABEL: func.func @batched(
//   CHECK-NOT:   affine.apply
//       CHECK:   %[[M:.+]] = tensor.dim
//       CHECK:   scf.for %{{.+}} = %c0 to %[[M]] step %c1
//   CHECK-NOT:   affine.apply
//       CHECK:   vector.contract {{.+}} into vector<1x4x32xf32>
//   CHECK-NOT:   scf.for
//       CHECK:   return
func.func @batched(%a: tensor<?x4x16xf32>, %b: tensor<4x16x32xf32>, %c: tensor<?x4x32xf32>) -> tensor<?x4x32xf32> {
  %r = linalg.generic {indexing_maps = [affine_map<(m, h, n, k) -> (m, h, k)>, affine_map<(m, h, n, k) -> (h, k, n)>, affine_map<(m, h, n, k) -> (m, h, n)>],
                       iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
       ins(%a, %b : tensor<?x4x16xf32>, tensor<4x16x32xf32>) outs(%c : tensor<?x4x32xf32>) {
  ^bb0(%x: f32, %y: f32, %z: f32):
    %p = arith.mulf %x, %y : f32
    %s = arith.addf %z, %p : f32
    linalg.yield %s : f32
  } -> tensor<?x4x32xf32>
  return %r : tensor<?x4x32xf32>
}

// An elementwise consumer of a dynamic-row contraction (a residual add) is
// not fused into it: that would tile the contraction 1 row high again.
// CHECK-LABEL: func.func @no_epilogue_fusion(
//       CHECK:   scf.for {{.+}} step %c8
//       CHECK:     vector.contract {{.+}} into vector<8x24xf32>
//       CHECK:   arith.addf {{.+}} : vector<1x
func.func @no_epilogue_fusion(%a: tensor<?x64xf32>, %b: tensor<64x48xf32>, %c: tensor<?x48xf32>, %r: tensor<?x48xf32>) -> tensor<?x48xf32> {
  %m = linalg.matmul ins(%a, %b : tensor<?x64xf32>, tensor<64x48xf32>) outs(%c : tensor<?x48xf32>) -> tensor<?x48xf32>
  %s = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>],
                       iterator_types = ["parallel", "parallel"]}
       ins(%m : tensor<?x48xf32>) outs(%r : tensor<?x48xf32>) {
  ^bb0(%x: f32, %y: f32):
    %t = arith.addf %x, %y : f32
    linalg.yield %t : f32
  } -> tensor<?x48xf32>
  return %s : tensor<?x48xf32>
}

// A weight wider than one panel: an outer loop over column blocks (the
// widest multiple of 64 f32 columns dividing 1024 whose 256 x block panel
// fits panel-bytes, 256 KiB: 256 columns), the peeled row loops inside
// it, so every row tile rereads the block's panel from cache. panel-bytes=0
// keeps the rows outermost.
// CHECK-LABEL: func.func @column_panels(
//       CHECK:   scf.for %[[J:.+]] = %c0 to %c1024 step %c256
//       CHECK:     tensor.extract_slice %{{.+}}[0, %[[J]]] [256, 256] [1, 1] : tensor<256x1024xf32> to tensor<256x256xf32>
//       CHECK:     scf.for {{.+}} step %c8
//       CHECK:       vector.contract {{.+}} into vector<8x
//       CHECK:     scf.for
//       CHECK:       vector.contract {{.+}} into vector<1x
// NOPANEL-LABEL: func.func @column_panels(
//   NOPANEL-NOT:   step %c256
//       NOPANEL:   scf.for {{.+}} step %c8
func.func @column_panels(%a: tensor<?x256xf32>, %b: tensor<256x1024xf32>, %c: tensor<?x1024xf32>) -> tensor<?x1024xf32> {
  %r = linalg.matmul ins(%a, %b : tensor<?x256xf32>, tensor<256x1024xf32>) outs(%c : tensor<?x1024xf32>) -> tensor<?x1024xf32>
  return %r : tensor<?x1024xf32>
}

// A long reduction (K = 1024): an 8-row tile of A over all of K (32 KiB)
// would not stay in L1 while the column tiles of a panel read it, nor would
// a 64-column panel of W over all of K (256 KiB) leave L2 room for the rest.
// The reduction runs in blocks whose 8-row tile of A fits k-block-bytes
// (8 KiB: 256 of K), outside the row loops, and the column blocks are sized
// for a panel one reduction block high (256 x 256 f32: 256 KiB). The
// accumulators are read and written once per block. k-block-bytes=0 keeps K
// whole (and the panels 64 columns wide).
// CHECK-LABEL: func.func @reduction_blocks(
//       CHECK:   scf.for %[[J:.+]] = %c0 to %c512 step %c256
//       CHECK:     %[[PANEL:.+]] = tensor.extract_slice %{{.+}}[0, %[[J]]] [1024, 256] [1, 1] : tensor<1024x512xf32> to tensor<1024x256xf32>
//       CHECK:     scf.for %[[K:.+]] = %c0 to %c1024 step %c256
//       CHECK:       tensor.extract_slice %[[PANEL]][%[[K]], 0] [256, 256] [1, 1] : tensor<1024x256xf32> to tensor<256x256xf32>
//       CHECK:       scf.for {{.+}} step %c8
//       CHECK:         tensor.extract_slice %{{.+}} [8, 256] [1, 1] : tensor<?x256xf32> to tensor<8x256xf32>
//       CHECK:         vector.contract {{.+}} into vector<8x
//       CHECK:       scf.for
//       CHECK:         vector.contract {{.+}} into vector<1x
// NOKBLOCK-LABEL: func.func @reduction_blocks(
//       NOKBLOCK:   scf.for %{{.+}} = %c0 to %c512 step %c64
//   NOKBLOCK-NOT:   step %c256
//       NOKBLOCK:   tensor.extract_slice %{{.+}} [8, 1024] [1, 1] : tensor<?x1024xf32> to tensor<8x1024xf32>
func.func @reduction_blocks(%a: tensor<?x1024xf32>, %b: tensor<1024x512xf32>, %c: tensor<?x512xf32>) -> tensor<?x512xf32> {
  %r = linalg.matmul ins(%a, %b : tensor<?x1024xf32>, tensor<1024x512xf32>) outs(%c : tensor<?x512xf32>) -> tensor<?x512xf32>
  return %r : tensor<?x512xf32>
}
