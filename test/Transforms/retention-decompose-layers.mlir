// RUN: retnet-opt %s --retention-decompose-layers | FileCheck %s
// RUN: retnet-opt %s --retention-decompose-layers --loop-invariant-code-motion --cse | FileCheck %s --check-prefix=HOIST
// RUN: retnet-opt %s --retention-decompose-layers --mlir-print-local-scope | FileCheck %s --check-prefix=FLA

// multi_scale → four projections, two rotations (sin/cos tables from the
// positions, then a 2x2 contraction per pair), the head split of v, the core
// op of its form, the group norm (divisor table, sum of squares, one
// elementwise op with the gate) and the output projection.
// CHECK-LABEL: func.func @layer(
//  CHECK-SAME:     %[[X:[a-z0-9]+]]: tensor<1x?x64xf32>, %[[WQ:[a-z0-9]+]]: tensor<64x64xf32>, %[[WK:[a-z0-9]+]]: tensor<64x64xf32>, %[[WV:[a-z0-9]+]]: tensor<64x96xf32>, %[[WG:[a-z0-9]+]]: tensor<64x96xf32>, %[[WO:[a-z0-9]+]]: tensor<96x64xf32>, %[[POS:[a-z0-9]+]]: tensor<1x?xi64>, %[[S:[a-z0-9]+]]: tensor<1x2x32x48xf32>)
//       CHECK:   %[[X2:.+]] = tensor.collapse_shape %[[X]] {{\[}}[0, 1], [2]] : tensor<1x?x64xf32> into tensor<?x64xf32>
//       CHECK:   linalg.matmul ins(%[[X2]], %[[WQ]] : tensor<?x64xf32>, tensor<64x64xf32>)
//       CHECK:   linalg.generic {{.+}} ins(%[[POS]], %{{.+}} : tensor<1x?xi64>, tensor<16xf32>) outs(%{{.+}} : tensor<1x?x16x2x2xf32>)
//       CHECK:     math.cos
//       CHECK:     math.sin
//       CHECK:   %[[Q:.+]] = linalg.generic {{.+}} iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "reduction"]} ins(%{{.+}}, %{{.+}} : tensor<1x?x2x16x2xf32>, tensor<1x?x16x2x2xf32>)
//       CHECK:   %[[QR:.+]] = tensor.collapse_shape %[[Q]] {{.+}} into tensor<1x2x?x32xf32>
//       CHECK:   linalg.matmul ins(%[[X2]], %[[WK]]
//       CHECK:   %[[K:.+]] = tensor.collapse_shape {{.+}} into tensor<1x2x?x32xf32>
//       CHECK:   linalg.matmul ins(%[[X2]], %[[WV]]
//       CHECK:   %[[V:.+]] = linalg.transpose {{.+}} permutation = [0, 2, 1, 3]
//       CHECK:   linalg.matmul ins(%[[X2]], %[[WG]]
//       CHECK:   %[[O:.+]], %[[FS:.+]] = retention.chunkwise %[[QR]], %[[K]], %[[V]], %[[S]] outs({{.*}}) {chunk_size = 16 : i64, gamma = array<f64: 9.687500e-01, 9.843750e-01>}
//       CHECK:   linalg.generic {{.+}} ins(%[[POS]], %{{.+}}, %{{.+}} : tensor<1x?xi64>, tensor<2xf32>, tensor<2xf32>)
//       CHECK:     math.exp
//       CHECK:     math.rsqrt
//       CHECK:   linalg.generic {{.+}} iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%[[O]] : tensor<1x2x?x48xf32>)
//       CHECK:   linalg.generic {{.+}} ins(%[[O]], {{.+}}) outs(%{{.+}} : tensor<1x?x2x48xf32>)
//       CHECK:     math.rsqrt
//       CHECK:     math.exp
//       CHECK:   linalg.matmul ins(%{{.+}}, %[[WO]] : tensor<?x96xf32>, tensor<96x64xf32>)
//       CHECK:   return %{{.+}}, %[[FS]]
//   CHECK-NOT:   retention.multi_scale
func.func @layer(%x: tensor<1x?x64xf32>, %wq: tensor<64x64xf32>, %wk: tensor<64x64xf32>,
                 %wv: tensor<64x96xf32>, %wg: tensor<64x96xf32>, %wo: tensor<96x64xf32>,
                 %pos: tensor<1x?xi64>, %s: tensor<1x2x32x48xf32>)
    -> (tensor<1x?x64xf32>, tensor<1x2x32x48xf32>) {
  %lcdim0_01 = arith.constant 1 : index
  %ldim0_01 = tensor.dim %x, %lcdim0_01 : tensor<1x?x64xf32>
  %linit0_0 = tensor.empty(%ldim0_01) : tensor<1x?x64xf32>
  %linit0_1 = tensor.empty() : tensor<1x2x32x48xf32>
  %o, %s1 = retention.multi_scale %x, %wq, %wk, %wv, %wg, %wo, %pos, %s outs(%linit0_0, %linit0_1)
      {chunk_size = 16 : i64, epsilon = 1.0e-6 : f64, form = #retention<form chunkwise>,
       gamma = array<f64: 0.96875, 0.984375>}
      : (tensor<1x?x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x96xf32>,
         tensor<64x96xf32>, tensor<96x64xf32>, tensor<1x?xi64>, tensor<1x2x32x48xf32>, tensor<1x?x64xf32>, tensor<1x2x32x48xf32>)
      -> (tensor<1x?x64xf32>, tensor<1x2x32x48xf32>)
  return %o, %s1 : tensor<1x?x64xf32>, tensor<1x2x32x48xf32>
}

// flash-linear-attention's layer: Dk = 32 ≠ d = 64 (expand_k 0.5), the
// rotation half and half (each head's 16 dims as [2, 8]: the contraction
// reads x as [.., 2, 8] and writes [.., 2, 8] with pair and member swapped;
// θ table of 8 frequencies), and no row divisor (no table from the decays,
// the norm's elementwise op reads three inputs).
// FLA-LABEL: func.func @fla_layer(
//       FLA:   linalg.generic {{.+}} ins(%{{.+}}, %{{.+}} : tensor<1x?xi64>, tensor<8xf32>) outs(%{{.+}} : tensor<1x?x8x2x2xf32>)
//       FLA:   linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d2, d1, d5, d3)>, affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d2, d3, d5, d4)>, affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2, d4, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "reduction"]} ins(%{{.+}}, %{{.+}} : tensor<1x?x2x2x8xf32>, tensor<1x?x8x2x2xf32>) outs(%{{.+}} : tensor<1x2x?x2x8xf32>)
//       FLA:   tensor.collapse_shape {{.+}} into tensor<1x2x?x16xf32>
//       FLA:   retention.chunkwise
//   FLA-NOT:   tensor<2xf32>
//       FLA:   linalg.generic {{.+}} iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%{{.+}} : tensor<1x2x?x48xf32>)
//       FLA:   linalg.generic {{.+}} ins(%{{[^,]+}}, %{{[^,]+}}, %{{[^,]+}} : tensor<1x2x?x48xf32>, tensor<1x?x2xf32>, tensor<1x?x2x48xf32>) outs(%{{.+}} : tensor<1x?x2x48xf32>)
//       FLA:   return
func.func @fla_layer(%x: tensor<1x?x64xf32>, %wq: tensor<64x32xf32>, %wk: tensor<64x32xf32>,
                     %wv: tensor<64x96xf32>, %wg: tensor<64x96xf32>, %wo: tensor<96x64xf32>,
                     %pos: tensor<1x?xi64>, %s: tensor<1x2x16x48xf32>)
    -> (tensor<1x?x64xf32>, tensor<1x2x16x48xf32>) {
  %c1 = arith.constant 1 : index
  %t = tensor.dim %x, %c1 : tensor<1x?x64xf32>
  %oi = tensor.empty(%t) : tensor<1x?x64xf32>
  %si = tensor.empty() : tensor<1x2x16x48xf32>
  %o, %s1 = retention.multi_scale %x, %wq, %wk, %wv, %wg, %wo, %pos, %s outs(%oi, %si)
      {chunk_size = 16 : i64, epsilon = 1.0e-6 : f64, form = #retention<form chunkwise>,
       gamma = array<f64: 0.96875, 0.984375>, rotary = #retention<rotary half>, row_divisor = false}
      : (tensor<1x?x64xf32>, tensor<64x32xf32>, tensor<64x32xf32>, tensor<64x96xf32>,
         tensor<64x96xf32>, tensor<96x64xf32>, tensor<1x?xi64>, tensor<1x2x16x48xf32>, tensor<1x?x64xf32>, tensor<1x2x16x48xf32>)
      -> (tensor<1x?x64xf32>, tensor<1x2x16x48xf32>)
  return %o, %s1 : tensor<1x?x64xf32>, tensor<1x2x16x48xf32>
}

// The recurrent form for decode steps.
// CHECK-LABEL: func.func @decode(
//       CHECK:   retention.recurrent {{.+}} : (tensor<?x2x1x32xf32>, tensor<?x2x1x32xf32>, tensor<?x2x1x48xf32>, tensor<?x2x32x48xf32>,
func.func @decode(%x: tensor<?x1x64xf32>, %wq: tensor<64x64xf32>, %wk: tensor<64x64xf32>,
                  %wv: tensor<64x96xf32>, %wg: tensor<64x96xf32>, %wo: tensor<96x64xf32>,
                  %pos: tensor<?x1xi64>, %s: tensor<?x2x32x48xf32>)
    -> (tensor<?x1x64xf32>, tensor<?x2x32x48xf32>) {
  %lcdim1_00 = arith.constant 0 : index
  %ldim1_00 = tensor.dim %x, %lcdim1_00 : tensor<?x1x64xf32>
  %linit1_0 = tensor.empty(%ldim1_00) : tensor<?x1x64xf32>
  %lcdim1_10 = arith.constant 0 : index
  %ldim1_10 = tensor.dim %s, %lcdim1_10 : tensor<?x2x32x48xf32>
  %linit1_1 = tensor.empty(%ldim1_10) : tensor<?x2x32x48xf32>
  %o, %s1 = retention.multi_scale %x, %wq, %wk, %wv, %wg, %wo, %pos, %s outs(%linit1_0, %linit1_1)
      {epsilon = 1.0e-6 : f64, form = #retention<form recurrent>, gamma = array<f64: 0.96875, 0.984375>}
      : (tensor<?x1x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x96xf32>,
         tensor<64x96xf32>, tensor<96x64xf32>, tensor<?x1xi64>, tensor<?x2x32x48xf32>, tensor<?x1x64xf32>, tensor<?x2x32x48xf32>)
      -> (tensor<?x1x64xf32>, tensor<?x2x32x48xf32>)
  return %o, %s1 : tensor<?x1x64xf32>, tensor<?x2x32x48xf32>
}

// In a loop over layers, the position tables (sin/cos, divisors) are built
// once, before the loop; only the work that depends on the layer stays in.
// HOIST-LABEL: func.func @layers(
//       HOIST:   math.cos
//       HOIST:   math.sin
//       HOIST:   math.exp
//       HOIST:   scf.for
//   HOIST-NOT:     math.cos
//   HOIST-NOT:     math.sin
//       HOIST:     retention.chunkwise
//       HOIST:     scf.yield
func.func @layers(%x: tensor<1x?x64xf32>, %w: tensor<64x64xf32>, %wv: tensor<64x96xf32>,
                  %wo: tensor<96x64xf32>, %pos: tensor<1x?xi64>, %s: tensor<1x2x32x48xf32>)
    -> tensor<1x?x64xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %r = scf.for %i = %c0 to %c4 step %c1 iter_args(%h = %x) -> (tensor<1x?x64xf32>) {
    %lcdim2_01 = arith.constant 1 : index
    %ldim2_01 = tensor.dim %h, %lcdim2_01 : tensor<1x?x64xf32>
    %linit2_0 = tensor.empty(%ldim2_01) : tensor<1x?x64xf32>
    %linit2_1 = tensor.empty() : tensor<1x2x32x48xf32>
    %o, %s1 = retention.multi_scale %h, %w, %w, %wv, %wv, %wo, %pos, %s outs(%linit2_0, %linit2_1)
        {chunk_size = 16 : i64, epsilon = 1.0e-6 : f64, form = #retention<form chunkwise>,
         gamma = array<f64: 0.96875, 0.984375>}
        : (tensor<1x?x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x96xf32>,
           tensor<64x96xf32>, tensor<96x64xf32>, tensor<1x?xi64>, tensor<1x2x32x48xf32>, tensor<1x?x64xf32>, tensor<1x2x32x48xf32>)
        -> (tensor<1x?x64xf32>, tensor<1x2x32x48xf32>)
    scf.yield %o : tensor<1x?x64xf32>
  }
  return %r : tensor<1x?x64xf32>
}
