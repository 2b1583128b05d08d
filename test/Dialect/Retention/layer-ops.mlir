// RUN: retnet-opt %s | FileCheck %s
// RUN: retnet-opt %s --mlir-print-op-generic | retnet-opt | FileCheck %s
// The layer ops round-trip in custom and generic form.

// CHECK-LABEL: func.func @layer(
func.func @layer(%x: tensor<1x?x64xf32>, %wq: tensor<64x64xf32>, %wk: tensor<64x64xf32>,
                 %wv: tensor<64x96xf32>, %wg: tensor<64x96xf32>, %wo: tensor<96x64xf32>,
                 %pos: tensor<1x?xi64>, %s: tensor<1x2x32x48xf32>)
    -> (tensor<1x?x64xf32>, tensor<1x2x32x48xf32>) {
  // CHECK: retention.multi_scale %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}} outs(%{{.+}}, %{{.+}}) {chunk_size = 16 : i64, epsilon = 9.9999999999999995E-7 : f64, form = #retention<form chunkwise>, gamma = array<f64: 9.687500e-01, 9.843750e-01>}
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

// CHECK-LABEL: func.func @parts(
func.func @parts(%x: tensor<4x1x64xf32>, %pos: tensor<4x1xi64>, %y: tensor<4x2x1x48xf32>,
                 %g: tensor<4x1x96xf32>) -> (tensor<4x2x1x32xf32>, tensor<4x1x96xf32>) {
  // CHECK: retention.rotate %{{.+}}, %{{.+}} outs(%{{.+}}) {scale = 1.250000e-01 : f64, theta_base = 5.000000e+05 : f64} : (tensor<4x1x64xf32>, tensor<4x1xi64>, tensor<4x2x1x32xf32>) -> tensor<4x2x1x32xf32>
  %linit1_0 = tensor.empty() : tensor<4x2x1x32xf32>
  %r = retention.rotate %x, %pos outs(%linit1_0) {scale = 0.125 : f64, theta_base = 500000.0 : f64}
      : (tensor<4x1x64xf32>, tensor<4x1xi64>, tensor<4x2x1x32xf32>) -> tensor<4x2x1x32xf32>
  // CHECK: retention.group_norm %{{.+}}, %{{.+}}, %{{.+}} outs(%{{.+}}) {epsilon = 1.000000e-05 : f64, gamma = array<f64: 5.000000e-01, 7.500000e-01>}
  %linit2_0 = tensor.empty() : tensor<4x1x96xf32>
  %n = retention.group_norm %y, %g, %pos outs(%linit2_0) {epsilon = 1.0e-5 : f64, gamma = array<f64: 0.5, 0.75>}
      : (tensor<4x2x1x48xf32>, tensor<4x1x96xf32>, tensor<4x1xi64>, tensor<4x1x96xf32>) -> tensor<4x1x96xf32>
  return %r, %n : tensor<4x2x1x32xf32>, tensor<4x1x96xf32>
}
