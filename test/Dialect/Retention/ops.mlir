// RUN: retnet-opt %s | retnet-opt | FileCheck %s
// RUN: retnet-opt %s --mlir-print-op-generic | retnet-opt | FileCheck %s
//
// Every op in every operand/attribute combination, custom and generic syntax,
// round-trips through the printer and parser (both printed forms).

// CHECK-LABEL: func.func @parallel_f32(
//  CHECK-SAME:     %[[Q:.*]]: tensor<2x3x7x16xf32>, %[[K:.*]]: tensor<2x3x7x16xf32>, %[[V:.*]]: tensor<2x3x7x8xf32>
//       CHECK:   retention.parallel %[[Q]], %[[K]], %[[V]]
//  CHECK-SAME:     {gamma = array<f64: 9.687500e-01, 9.843750e-01, 5.000000e-01>}
//  CHECK-SAME:     : (tensor<2x3x7x16xf32>, tensor<2x3x7x16xf32>, tensor<2x3x7x8xf32>) -> tensor<2x3x7x8xf32>
func.func @parallel_f32(%q: tensor<2x3x7x16xf32>, %k: tensor<2x3x7x16xf32>,
                        %v: tensor<2x3x7x8xf32>) -> tensor<2x3x7x8xf32> {
  %o = retention.parallel %q, %k, %v {gamma = array<f64: 0.96875, 0.984375, 0.5>}
      : (tensor<2x3x7x16xf32>, tensor<2x3x7x16xf32>, tensor<2x3x7x8xf32>)
      -> tensor<2x3x7x8xf32>
  return %o : tensor<2x3x7x8xf32>
}

// The default scale (1.0) is not printed; any other scale is.
// CHECK-LABEL: func.func @parallel_state_scale_f16(
//  CHECK-SAME:     %[[Q:.*]]: tensor<1x2x64x32xf16>, %[[K:.*]]: tensor<1x2x64x32xf16>, %[[V:.*]]: tensor<1x2x64x16xf16>, %[[S:.*]]: tensor<1x2x32x16xf32>
//       CHECK:   retention.parallel %[[Q]], %[[K]], %[[V]], %[[S]]
//  CHECK-SAME:     {gamma = array<f64: 9.687500e-01, 1.000000e+00>, scale = 1.250000e-01 : f64}
//  CHECK-SAME:     -> tensor<1x2x64x16xf16>
//       CHECK:   retention.parallel %[[Q]], %[[K]], %[[V]], %[[S]]
//  CHECK-SAME:     {gamma = array<f64: 9.687500e-01, 1.000000e+00>} :
func.func @parallel_state_scale_f16(
    %q: tensor<1x2x64x32xf16>, %k: tensor<1x2x64x32xf16>,
    %v: tensor<1x2x64x16xf16>, %s: tensor<1x2x32x16xf32>)
    -> (tensor<1x2x64x16xf16>, tensor<1x2x64x16xf16>) {
  %o = retention.parallel %q, %k, %v, %s
      {gamma = array<f64: 0.96875, 1.0>, scale = 0.125 : f64}
      : (tensor<1x2x64x32xf16>, tensor<1x2x64x32xf16>, tensor<1x2x64x16xf16>,
         tensor<1x2x32x16xf32>) -> tensor<1x2x64x16xf16>
  %d = retention.parallel %q, %k, %v, %s
      {gamma = array<f64: 0.96875, 1.0>, scale = 1.0 : f64}
      : (tensor<1x2x64x32xf16>, tensor<1x2x64x32xf16>, tensor<1x2x64x16xf16>,
         tensor<1x2x32x16xf32>) -> tensor<1x2x64x16xf16>
  return %o, %d : tensor<1x2x64x16xf16>, tensor<1x2x64x16xf16>
}

// CHECK-LABEL: func.func @parallel_dynamic_bf16(
//       CHECK:   retention.parallel %{{.*}}, %{{.*}}, %{{.*}} {gamma = array<f64: 5.000000e-01>}
//  CHECK-SAME:     : (tensor<?x1x?x64xbf16>, tensor<?x1x?x64xbf16>, tensor<?x1x?x?xbf16>) -> tensor<?x1x?x?xbf16>
func.func @parallel_dynamic_bf16(%q: tensor<?x1x?x64xbf16>, %k: tensor<?x1x?x64xbf16>,
                                 %v: tensor<?x1x?x?xbf16>) -> tensor<?x1x?x?xbf16> {
  %o = retention.parallel %q, %k, %v {gamma = array<f64: 0.5>}
      : (tensor<?x1x?x64xbf16>, tensor<?x1x?x64xbf16>, tensor<?x1x?x?xbf16>)
      -> tensor<?x1x?x?xbf16>
  return %o : tensor<?x1x?x?xbf16>
}

// Dynamic H: the gamma count cannot be checked until H is known.
// CHECK-LABEL: func.func @parallel_dynamic_heads(
//       CHECK:   retention.parallel {{.*}} : (tensor<1x?x4x4xf32>, tensor<1x?x4x4xf32>, tensor<1x?x4x4xf32>, tensor<1x?x4x4xf32>) -> tensor<1x?x4x4xf32>
func.func @parallel_dynamic_heads(%q: tensor<1x?x4x4xf32>, %s: tensor<1x?x4x4xf32>)
    -> tensor<1x?x4x4xf32> {
  %o = retention.parallel %q, %q, %q, %s {gamma = array<f64: 0.5, 0.75, 0.875>}
      : (tensor<1x?x4x4xf32>, tensor<1x?x4x4xf32>, tensor<1x?x4x4xf32>,
         tensor<1x?x4x4xf32>) -> tensor<1x?x4x4xf32>
  return %o : tensor<1x?x4x4xf32>
}

// CHECK-LABEL: func.func @recurrent_f32(
//  CHECK-SAME:     %[[Q:.*]]: tensor<4x2x1x16xf32>, %[[K:.*]]: tensor<4x2x1x16xf32>, %[[V:.*]]: tensor<4x2x1x32xf32>
//       CHECK:   %{{.*}}, %{{.*}} = retention.recurrent %[[Q]], %[[K]], %[[V]]
//  CHECK-SAME:     {gamma = array<f64: 9.687500e-01, 9.843750e-01>}
//  CHECK-SAME:     : (tensor<4x2x1x16xf32>, tensor<4x2x1x16xf32>, tensor<4x2x1x32xf32>) -> (tensor<4x2x1x32xf32>, tensor<4x2x16x32xf32>)
func.func @recurrent_f32(%q: tensor<4x2x1x16xf32>, %k: tensor<4x2x1x16xf32>,
                         %v: tensor<4x2x1x32xf32>)
    -> (tensor<4x2x1x32xf32>, tensor<4x2x16x32xf32>) {
  %o, %s = retention.recurrent %q, %k, %v {gamma = array<f64: 0.96875, 0.984375>}
      : (tensor<4x2x1x16xf32>, tensor<4x2x1x16xf32>, tensor<4x2x1x32xf32>)
      -> (tensor<4x2x1x32xf32>, tensor<4x2x16x32xf32>)
  return %o, %s : tensor<4x2x1x32xf32>, tensor<4x2x16x32xf32>
}

// CHECK-LABEL: func.func @recurrent_state_scale_bf16(
//  CHECK-SAME:     %[[S:[^:]*]]: tensor<8x1x64x128xf32>
//       CHECK:   retention.recurrent %{{.*}}, %{{.*}}, %{{.*}}, %[[S]]
//  CHECK-SAME:     {gamma = array<f64: 9.687500e-01>, scale = 5.000000e-01 : f64}
//  CHECK-SAME:     -> (tensor<8x1x1x128xbf16>, tensor<8x1x64x128xf32>)
func.func @recurrent_state_scale_bf16(
    %q: tensor<8x1x1x64xbf16>, %k: tensor<8x1x1x64xbf16>,
    %v: tensor<8x1x1x128xbf16>, %s0: tensor<8x1x64x128xf32>)
    -> (tensor<8x1x1x128xbf16>, tensor<8x1x64x128xf32>) {
  %o, %s1 = retention.recurrent %q, %k, %v, %s0
      {gamma = array<f64: 0.96875>, scale = 0.5 : f64}
      : (tensor<8x1x1x64xbf16>, tensor<8x1x1x64xbf16>, tensor<8x1x1x128xbf16>,
         tensor<8x1x64x128xf32>)
      -> (tensor<8x1x1x128xbf16>, tensor<8x1x64x128xf32>)
  return %o, %s1 : tensor<8x1x1x128xbf16>, tensor<8x1x64x128xf32>
}

// CHECK-LABEL: func.func @recurrent_dynamic_f16(
//       CHECK:   retention.recurrent {{.*}} : (tensor<?x?x?x?xf16>, tensor<?x?x?x?xf16>, tensor<?x?x?x?xf16>, tensor<?x?x?x?xf32>) -> (tensor<?x?x?x?xf16>, tensor<?x?x?x?xf32>)
func.func @recurrent_dynamic_f16(%q: tensor<?x?x?x?xf16>, %s: tensor<?x?x?x?xf32>)
    -> (tensor<?x?x?x?xf16>, tensor<?x?x?x?xf32>) {
  %o, %s1 = retention.recurrent %q, %q, %q, %s {gamma = array<f64: 0.9>}
      : (tensor<?x?x?x?xf16>, tensor<?x?x?x?xf16>, tensor<?x?x?x?xf16>,
         tensor<?x?x?x?xf32>) -> (tensor<?x?x?x?xf16>, tensor<?x?x?x?xf32>)
  return %o, %s1 : tensor<?x?x?x?xf16>, tensor<?x?x?x?xf32>
}

// CHECK-LABEL: func.func @chunkwise_f32(
//  CHECK-SAME:     %[[Q:.*]]: tensor<1x2x100x32xf32>, %[[K:.*]]: tensor<1x2x100x32xf32>, %[[V:.*]]: tensor<1x2x100x16xf32>
//       CHECK:   retention.chunkwise %[[Q]], %[[K]], %[[V]]
//  CHECK-SAME:     {chunk_size = 64 : i64, gamma = array<f64: 9.687500e-01, 9.843750e-01>}
//  CHECK-SAME:     -> (tensor<1x2x100x16xf32>, tensor<1x2x32x16xf32>)
func.func @chunkwise_f32(%q: tensor<1x2x100x32xf32>, %k: tensor<1x2x100x32xf32>,
                         %v: tensor<1x2x100x16xf32>)
    -> (tensor<1x2x100x16xf32>, tensor<1x2x32x16xf32>) {
  %o, %s = retention.chunkwise %q, %k, %v
      {chunk_size = 64 : i64, gamma = array<f64: 0.96875, 0.984375>}
      : (tensor<1x2x100x32xf32>, tensor<1x2x100x32xf32>, tensor<1x2x100x16xf32>)
      -> (tensor<1x2x100x16xf32>, tensor<1x2x32x16xf32>)
  return %o, %s : tensor<1x2x100x16xf32>, tensor<1x2x32x16xf32>
}

// CHECK-LABEL: func.func @chunkwise_state_scale_f16(
//  CHECK-SAME:     %[[S:[^:]*]]: tensor<2x3x16x16xf32>
//       CHECK:   retention.chunkwise %{{.*}}, %{{.*}}, %{{.*}}, %[[S]]
//  CHECK-SAME:     {chunk_size = 16 : i64, gamma = array<f64: 9.687500e-01, 9.843750e-01, 0.9921875>, scale = 2.500000e-01 : f64}
func.func @chunkwise_state_scale_f16(
    %q: tensor<2x3x257x16xf16>, %k: tensor<2x3x257x16xf16>,
    %v: tensor<2x3x257x16xf16>, %s0: tensor<2x3x16x16xf32>)
    -> (tensor<2x3x257x16xf16>, tensor<2x3x16x16xf32>) {
  %o, %s1 = retention.chunkwise %q, %k, %v, %s0
      {chunk_size = 16 : i64, gamma = array<f64: 0.96875, 0.984375, 0.9921875>,
       scale = 0.25 : f64}
      : (tensor<2x3x257x16xf16>, tensor<2x3x257x16xf16>, tensor<2x3x257x16xf16>,
         tensor<2x3x16x16xf32>) -> (tensor<2x3x257x16xf16>, tensor<2x3x16x16xf32>)
  return %o, %s1 : tensor<2x3x257x16xf16>, tensor<2x3x16x16xf32>
}

// CHECK-LABEL: func.func @chunkwise_dynamic_bf16(
//       CHECK:   retention.chunkwise {{.*}} {chunk_size = 128 : i64, gamma = array<f64: 1.000000e+00, 5.000000e-01>}
//  CHECK-SAME:     : (tensor<1x2x?x256xbf16>, tensor<1x2x?x256xbf16>, tensor<1x2x?x512xbf16>) -> (tensor<1x2x?x512xbf16>, tensor<1x2x256x512xf32>)
func.func @chunkwise_dynamic_bf16(%q: tensor<1x2x?x256xbf16>, %k: tensor<1x2x?x256xbf16>,
                                  %v: tensor<1x2x?x512xbf16>)
    -> (tensor<1x2x?x512xbf16>, tensor<1x2x256x512xf32>) {
  %o, %s = retention.chunkwise %q, %k, %v
      {chunk_size = 128 : i64, gamma = array<f64: 1.0, 0.5>}
      : (tensor<1x2x?x256xbf16>, tensor<1x2x?x256xbf16>, tensor<1x2x?x512xbf16>)
      -> (tensor<1x2x?x512xbf16>, tensor<1x2x256x512xf32>)
  return %o, %s : tensor<1x2x?x512xbf16>, tensor<1x2x256x512xf32>
}

// The generic form, as other tools emit it, parses into the same ops.
// CHECK-LABEL: func.func @generic_form(
//  CHECK-SAME:     %[[Q:.*]]: tensor<1x2x8x4xf32>, %[[V:.*]]: tensor<1x2x8x6xf32>, %[[S:.*]]: tensor<1x2x4x6xf32>
//       CHECK:   retention.parallel %[[Q]], %[[Q]], %[[V]] {gamma = array<f64: 9.687500e-01, 9.843750e-01>} :
//       CHECK:   retention.recurrent %[[Q]], %[[Q]], %[[V]], %[[S]] {gamma = array<f64: 9.687500e-01, 9.843750e-01>, scale = 5.000000e-01 : f64} :
//       CHECK:   retention.chunkwise %[[Q]], %[[Q]], %[[V]], %[[S]] {chunk_size = 64 : i64, gamma = array<f64: 9.687500e-01, 9.843750e-01>} :
//       CHECK:   retention.chunkwise %[[Q]], %[[Q]], %[[V]] {chunk_size = 3 : i64, gamma = array<f64: 9.687500e-01, 9.843750e-01>, scale = 2.000000e+00 : f64} :
func.func @generic_form(%q: tensor<1x2x8x4xf32>, %v: tensor<1x2x8x6xf32>,
                        %s: tensor<1x2x4x6xf32>) {
  %0 = "retention.parallel"(%q, %q, %v) {gamma = array<f64: 0.96875, 0.984375>}
      : (tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x6xf32>)
      -> tensor<1x2x8x6xf32>
  %1:2 = "retention.recurrent"(%q, %q, %v, %s)
      {gamma = array<f64: 0.96875, 0.984375>, scale = 0.5 : f64}
      : (tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x6xf32>,
         tensor<1x2x4x6xf32>) -> (tensor<1x2x8x6xf32>, tensor<1x2x4x6xf32>)
  %2:2 = "retention.chunkwise"(%q, %q, %v, %s)
      {chunk_size = 64 : i64, gamma = array<f64: 0.96875, 0.984375>}
      : (tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x6xf32>,
         tensor<1x2x4x6xf32>) -> (tensor<1x2x8x6xf32>, tensor<1x2x4x6xf32>)
  // Properties syntax, as --mlir-print-op-generic prints it.
  %3:2 = "retention.chunkwise"(%q, %q, %v)
      <{chunk_size = 3 : i64, gamma = array<f64: 0.96875, 0.984375>, scale = 2.0 : f64}>
      : (tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x6xf32>)
      -> (tensor<1x2x8x6xf32>, tensor<1x2x4x6xf32>)
  return
}
