// RUN: retnet-opt %s -split-input-file --convert-retention-to-linalg | FileCheck %s
// RUN: retnet-opt %s -split-input-file --convert-retention-to-linalg="dv-tile=8" | FileCheck %s --check-prefix=TILE
//
// The loop over (batch, head, dv tile) is upstream tiling (scf::tileUsingSCF
// on the ops' TilingInterface: unit dimensions get no loop); each tile is
// the op's decomposition (AggregatedOpInterface), reading the tile's 4-D
// slices.

// Chunkwise, T = 100, C = 64: one full chunk in an scf.for that carries the
// f32 state, then the 36-token remainder; no padding. The decay is computed
// in generic bodies from linalg.index (exp2 of distance x log2 gamma).
// CHECK-LABEL: func.func @chunkwise(
//  CHECK-SAME:     %[[Q:[^:]*]]: tensor<2x3x100x16xbf16>, %[[K:[^:]*]]: tensor<2x3x100x16xbf16>, %[[V:[^:]*]]: tensor<2x3x100x32xbf16>, %[[S:[^:]*]]: tensor<2x3x16x32xf32>
//       CHECK:   %[[LG:.*]] = arith.constant dense<[-0.0458036885, -0.0227200761, -1.000000e+00]> : tensor<3xf32>
//       CHECK:   %[[RES:.*]]:2 = scf.forall (%[[B:.*]], %[[H:.*]]) in (2, 3)
//  CHECK-SAME:       shared_outs(%[[OO:.*]] = %{{.*}}, %[[SO:.*]] = %{{.*}}) -> (tensor<2x3x100x32xbf16>, tensor<2x3x16x32xf32>)
//       CHECK:     %[[QT:.*]] = tensor.extract_slice %[[Q]][%[[B]], %[[H]], 0, 0] [1, 1, 100, 16] [1, 1, 1, 1] : tensor<2x3x100x16xbf16> to tensor<1x1x100x16xbf16>
//       CHECK:     %[[ST:.*]] = tensor.extract_slice %[[S]][%[[B]], %[[H]], 0, 0] [1, 1, 16, 32] [1, 1, 1, 1] : tensor<2x3x16x32xf32> to tensor<1x1x16x32xf32>
//       CHECK:     %[[G:.*]] = tensor.extract %[[LG]][%[[H]]]
//       CHECK:     %[[S0:.*]] = tensor.extract_slice %[[ST]][0, 0, 0, 0] [1, 1, 16, 32] [1, 1, 1, 1] : tensor<1x1x16x32xf32> to tensor<16x32xf32>
//       CHECK:     %[[LOOP:.*]]:2 = scf.for %{{.*}} = %c0 to %c1 step %c1 iter_args(%[[OI:.*]] = %{{.*}}, %[[SI:.*]] = %[[S0]]) -> (tensor<100x32xbf16>, tensor<16x32xf32>)
//       CHECK:       tensor.extract_slice %[[QT]][0, 0, %{{.*}}, 0] [1, 1, 64, 16] {{.*}} to tensor<64x16xbf16>
// QK^T, reducing over dk, extending bf16 to f32:
//       CHECK:       linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "reduction"]} ins(%{{.*}}, %{{.*}} : tensor<64x16xbf16>, tensor<64x16xbf16>) outs(%{{.*}} : tensor<64x64xf32>)
//       CHECK:         arith.extf {{.*}} : bf16 to f32
// The decay mask on the QK^T result:
//       CHECK:       linalg.generic {{.*}} ins(%{{.*}} : tensor<64x64xf32>) outs(%{{.*}} : tensor<64x64xf32>)
//       CHECK:         linalg.index 0
//       CHECK:         linalg.index 1
//       CHECK:         arith.cmpi sge
//       CHECK:         math.exp2
//       CHECK:         arith.select
//       CHECK:       } -> tensor<64x64xf32>
// P V, then (Q . xi) S accumulated into it:
//       CHECK:       linalg.generic {{.*}} ins(%{{.*}}, %{{.*}} : tensor<64x64xf32>, tensor<64x32xbf16>) outs(%{{.*}} : tensor<64x32xf32>)
//       CHECK:       linalg.generic {{.*}} ins(%{{.*}}, %[[SI]] : tensor<64x16xf32>, tensor<16x32xf32>) outs(%{{.*}} : tensor<64x32xf32>)
// The state update gamma^n S + K^T (V . zeta), in place on the state:
//       CHECK:       %[[DEC:.*]] = linalg.generic {{.*}} outs(%[[SI]] : tensor<16x32xf32>)
//       CHECK:       %[[NEXT:.*]] = linalg.generic {{.*}} ins(%{{.*}}, %{{.*}} : tensor<64x16xbf16>, tensor<64x32xf32>) outs(%[[DEC]] : tensor<16x32xf32>)
//       CHECK:       arith.truncf {{.*}} : f32 to bf16
//       CHECK:       %[[INS:.*]] = tensor.insert_slice %{{.*}} into %[[OI]]
//       CHECK:       scf.yield %[[INS]], %[[NEXT]]
// The remainder chunk of 36 tokens:
//       CHECK:     tensor.extract_slice %[[QT]][0, 0, 64, 0] [1, 1, 36, 16]
//       CHECK:     } -> tensor<36x36xf32>
//       CHECK:     scf.forall.in_parallel
//       CHECK:       tensor.parallel_insert_slice %{{.*}} into %[[OO]][%[[B]], %[[H]], 0, 0] [1, 1, 100, 32]
//       CHECK:       tensor.parallel_insert_slice %{{.*}} into %[[SO]][%[[B]], %[[H]], 0, 0] [1, 1, 16, 32]
//       CHECK:   return %[[RES]]#0, %[[RES]]#1
//   CHECK-NOT:   retention.
// TILE-LABEL: func.func @chunkwise(
//       TILE:   scf.forall ({{.*}}) = (0, 0, 0) to (2, 3, 32) step (1, 1, 8)
//       TILE:     tensor.extract_slice %{{.*}}[%{{.*}}, %{{.*}}, 0, %{{.*}}] [1, 1, 100, 8]
func.func @chunkwise(%q: tensor<2x3x100x16xbf16>, %k: tensor<2x3x100x16xbf16>,
                     %v: tensor<2x3x100x32xbf16>, %s: tensor<2x3x16x32xf32>)
    -> (tensor<2x3x100x32xbf16>, tensor<2x3x16x32xf32>) {
  %oinit0 = tensor.empty() : tensor<2x3x100x32xbf16>
  %sinit0 = tensor.empty() : tensor<2x3x16x32xf32>
  %o, %s1 = retention.chunkwise %q, %k, %v, %s outs(%oinit0, %sinit0)
      {chunk_size = 64 : i64, gamma = array<f64: 0.96875, 0.984375, 0.5>}
      : (tensor<2x3x100x16xbf16>, tensor<2x3x100x16xbf16>, tensor<2x3x100x32xbf16>,
         tensor<2x3x16x32xf32>, tensor<2x3x100x32xbf16>, tensor<2x3x16x32xf32>) -> (tensor<2x3x100x32xbf16>, tensor<2x3x16x32xf32>)
  return %o, %s1 : tensor<2x3x100x32xbf16>, tensor<2x3x16x32xf32>
}

// -----

// Parallel: one chunk of all T tokens, no state update, no loop; without an
// initial state there is no cross term either.
// CHECK-LABEL: func.func @parallel(
//       CHECK:   scf.forall ({{.*}}) in (1, 2) shared_outs({{.*}}) -> (tensor<1x2x40x8xf32>)
//   CHECK-NOT:     scf.for
//       CHECK:     } -> tensor<40x40xf32>
//       CHECK:     } -> tensor<40x40xf32>
//       CHECK:     } -> tensor<40x8xf32>
//   CHECK-NOT:     linalg.generic
//       CHECK:     scf.forall.in_parallel
// TILE-LABEL: func.func @parallel(
//       TILE:   scf.forall ({{.*}}) = (0, 0, 0) to (1, 2, 8) step (1, 1, 8)
func.func @parallel(%q: tensor<1x2x40x4xf32>, %v: tensor<1x2x40x8xf32>)
    -> tensor<1x2x40x8xf32> {
  %oinit1 = tensor.empty() : tensor<1x2x40x8xf32>
  %o = retention.parallel %q, %q, %v outs(%oinit1) {gamma = array<f64: 0.9, 0.8>, scale = 0.5 : f64}
      : (tensor<1x2x40x4xf32>, tensor<1x2x40x4xf32>, tensor<1x2x40x8xf32>, tensor<1x2x40x8xf32>)
      -> tensor<1x2x40x8xf32>
  return %o : tensor<1x2x40x8xf32>
}

// -----

// Recurrent: an scf.for over tokens; per token one generic over (dk, dv)
// reads and writes the state once: S' = gamma S + k^T v into the loop-carried
// final-state tile, and o = scale q S' reducing over dk. Without an initial
// state the final-state tile starts at 0.
// CHECK-LABEL: func.func @recurrent(
//       CHECK:   scf.forall ({{.*}}) shared_outs(%{{.*}} = %{{.*}}, %[[SO:.*]] = %{{.*}})
//       CHECK:     %[[DEST4:.*]] = tensor.extract_slice %[[SO]]
//       CHECK:     %[[DEST:.*]] = tensor.extract_slice %[[DEST4]]
//       CHECK:     %[[Z:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%[[DEST]] : tensor<8x16xf32>)
//       CHECK:     scf.for %[[T:.*]] = %c0 to %c5 step %c1 iter_args(%{{.*}} = %{{.*}}, %[[ST:.*]] = %[[Z]])
//       CHECK:       tensor.extract_slice {{.*}}[0, 0, %[[T]], 0] [1, 1, 1, 8] [1, 1, 1, 1] : tensor<1x1x5x8xf16> to tensor<8xf16>
//       CHECK:       %[[UPD:.*]]:2 = linalg.generic {{.*}} iterator_types = ["reduction", "parallel"]} ins(%{{.*}}, %{{.*}}, %{{.*}} : tensor<8xf16>, tensor<8xf16>, tensor<16xf16>) outs(%[[ST]], %{{.*}} : tensor<8x16xf32>, tensor<16xf32>)
//       CHECK:       arith.truncf {{.*}} : f32 to f16
//       CHECK:       scf.yield %{{.*}}, %[[UPD]]#0
func.func @recurrent(%q: tensor<4x1x5x8xf16>, %v: tensor<4x1x5x16xf16>)
    -> (tensor<4x1x5x16xf16>, tensor<4x1x8x16xf32>) {
  %oinit2 = tensor.empty() : tensor<4x1x5x16xf16>
  %sinit2 = tensor.empty() : tensor<4x1x8x16xf32>
  %o, %s = retention.recurrent %q, %q, %v outs(%oinit2, %sinit2) {gamma = array<f64: 0.96875>}
      : (tensor<4x1x5x8xf16>, tensor<4x1x5x8xf16>, tensor<4x1x5x16xf16>, tensor<4x1x5x16xf16>, tensor<4x1x8x16xf32>)
      -> (tensor<4x1x5x16xf16>, tensor<4x1x8x16xf32>)
  return %o, %s : tensor<4x1x5x16xf16>, tensor<4x1x8x16xf32>
}

// -----

// With an initial state, the first token is peeled: it reads the input state
// and writes the final-state tile, so the state is never copied.
// CHECK-LABEL: func.func @recurrent_decode(
//  CHECK-SAME:     %[[S0:[^:]*]]: tensor<2x4x8x16xf32>
//       CHECK:   scf.forall ({{.*}}) shared_outs(%{{.*}} = %{{.*}}, %[[SO:.*]] = %{{.*}})
//       CHECK:     %[[IN4:.*]] = tensor.extract_slice %[[S0]]
//       CHECK:     %[[DEST4:.*]] = tensor.extract_slice %[[SO]]
//       CHECK:     %[[IN:.*]] = tensor.extract_slice %[[IN4]]
//       CHECK:     %[[DEST:.*]] = tensor.extract_slice %[[DEST4]]
//       CHECK:     linalg.generic {{.*}} ins(%{{.*}}, %{{.*}}, %{{.*}}, %[[IN]] : tensor<8xf32>, tensor<8xf32>, tensor<16xf32>, tensor<8x16xf32>) outs(%[[DEST]], %{{.*}} : tensor<8x16xf32>, tensor<16xf32>)
//   CHECK-NOT:     scf.for
//       CHECK:     scf.forall.in_parallel
func.func @recurrent_decode(%q: tensor<2x4x1x8xf32>, %v: tensor<2x4x1x16xf32>,
                            %s: tensor<2x4x8x16xf32>)
    -> (tensor<2x4x1x16xf32>, tensor<2x4x8x16xf32>) {
  %oinit3 = tensor.empty() : tensor<2x4x1x16xf32>
  %sinit3 = tensor.empty() : tensor<2x4x8x16xf32>
  %o, %s1 = retention.recurrent %q, %q, %v, %s outs(%oinit3, %sinit3) {gamma = array<f64: 0.9, 0.8, 0.7, 0.6>}
      : (tensor<2x4x1x8xf32>, tensor<2x4x1x8xf32>, tensor<2x4x1x16xf32>,
         tensor<2x4x8x16xf32>, tensor<2x4x1x16xf32>, tensor<2x4x8x16xf32>) -> (tensor<2x4x1x16xf32>, tensor<2x4x8x16xf32>)
  return %o, %s1 : tensor<2x4x1x16xf32>, tensor<2x4x8x16xf32>
}

// -----

// Dynamic T: the number of full chunks and the remainder are computed at run
// time; the remainder step runs unconditionally (an empty step when C divides T).
// CHECK-LABEL: func.func @dynamic_tokens(
//       CHECK:   %[[T:.*]] = tensor.dim %{{.*}}, %c2
//       CHECK:   tensor.empty(%[[T]]) : tensor<1x1x?x8xf32>
//       CHECK:   scf.forall
//       CHECK:     %[[FULL:.*]] = affine.apply #{{.*}}()[%[[T2:.*]]]
//       CHECK:     %[[REM:.*]] = affine.apply #{{.*}}()[%[[T2]]]
//       CHECK:     scf.for %{{.*}} = %c0 to %[[FULL]] step %c1
//       CHECK:     tensor.extract_slice {{.*}} [1, 1, %[[REM]], 8]
//       CHECK:     } -> tensor<?x?xf32>
func.func @dynamic_tokens(%q: tensor<1x1x?x8xf32>)
    -> (tensor<1x1x?x8xf32>, tensor<1x1x8x8xf32>) {
  %cdim4_02 = arith.constant 2 : index
  %dim4_02 = tensor.dim %q, %cdim4_02 : tensor<1x1x?x8xf32>
  %oinit4 = tensor.empty(%dim4_02) : tensor<1x1x?x8xf32>
  %sinit4 = tensor.empty() : tensor<1x1x8x8xf32>
  %o, %s = retention.chunkwise %q, %q, %q outs(%oinit4, %sinit4) {chunk_size = 16 : i64, gamma = array<f64: 0.9>}
      : (tensor<1x1x?x8xf32>, tensor<1x1x?x8xf32>, tensor<1x1x?x8xf32>, tensor<1x1x?x8xf32>, tensor<1x1x8x8xf32>)
      -> (tensor<1x1x?x8xf32>, tensor<1x1x8x8xf32>)
  return %o, %s : tensor<1x1x?x8xf32>, tensor<1x1x8x8xf32>
}
