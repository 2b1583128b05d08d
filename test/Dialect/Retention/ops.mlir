// RUN: retnet-opt %s | retnet-opt | FileCheck %s
// RUN: retnet-opt %s --mlir-print-op-generic | retnet-opt | FileCheck %s
//
// Every op in every operand/attribute combination, custom and generic syntax,
// round-trips through the printer and parser (both printed forms).

// CHECK-LABEL: func.func @parallel_f32(
//  CHECK-SAME:     %[[Q:.*]]: tensor<2x3x7x16xf32>, %[[K:.*]]: tensor<2x3x7x16xf32>, %[[V:.*]]: tensor<2x3x7x8xf32>
//       CHECK:   retention.parallel %[[Q]], %[[K]], %[[V]]
//  CHECK-SAME:     {gamma = array<f64: 9.687500e-01, 9.843750e-01, 5.000000e-01>}
//  CHECK-SAME:     : (tensor<2x3x7x16xf32>, tensor<2x3x7x16xf32>, tensor<2x3x7x8xf32>, tensor<2x3x7x8xf32>) -> tensor<2x3x7x8xf32>
func.func @parallel_f32(%q: tensor<2x3x7x16xf32>, %k: tensor<2x3x7x16xf32>,
                        %v: tensor<2x3x7x8xf32>) -> tensor<2x3x7x8xf32> {
  %oinit0 = tensor.empty() : tensor<2x3x7x8xf32>
  %o = retention.parallel %q, %k, %v outs(%oinit0) {gamma = array<f64: 0.96875, 0.984375, 0.5>}
      : (tensor<2x3x7x16xf32>, tensor<2x3x7x16xf32>, tensor<2x3x7x8xf32>, tensor<2x3x7x8xf32>)
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
  %oinit1 = tensor.empty() : tensor<1x2x64x16xf16>
  %o = retention.parallel %q, %k, %v, %s outs(%oinit1)
      {gamma = array<f64: 0.96875, 1.0>, scale = 0.125 : f64}
      : (tensor<1x2x64x32xf16>, tensor<1x2x64x32xf16>, tensor<1x2x64x16xf16>,
         tensor<1x2x32x16xf32>, tensor<1x2x64x16xf16>) -> tensor<1x2x64x16xf16>
  %oinit2 = tensor.empty() : tensor<1x2x64x16xf16>
  %d = retention.parallel %q, %k, %v, %s outs(%oinit2)
      {gamma = array<f64: 0.96875, 1.0>, scale = 1.0 : f64}
      : (tensor<1x2x64x32xf16>, tensor<1x2x64x32xf16>, tensor<1x2x64x16xf16>,
         tensor<1x2x32x16xf32>, tensor<1x2x64x16xf16>) -> tensor<1x2x64x16xf16>
  return %o, %d : tensor<1x2x64x16xf16>, tensor<1x2x64x16xf16>
}

// CHECK-LABEL: func.func @parallel_dynamic_bf16(
//       CHECK:   retention.parallel %{{.*}}, %{{.*}}, %{{.*}} outs({{.*}}) {gamma = array<f64: 5.000000e-01>}
//  CHECK-SAME:     : (tensor<?x1x?x64xbf16>, tensor<?x1x?x64xbf16>, tensor<?x1x?x?xbf16>, tensor<?x1x?x?xbf16>) -> tensor<?x1x?x?xbf16>
func.func @parallel_dynamic_bf16(%q: tensor<?x1x?x64xbf16>, %k: tensor<?x1x?x64xbf16>,
                                 %v: tensor<?x1x?x?xbf16>) -> tensor<?x1x?x?xbf16> {
  %cdim3_00 = arith.constant 0 : index
  %dim3_00 = tensor.dim %q, %cdim3_00 : tensor<?x1x?x64xbf16>
  %cdim3_02 = arith.constant 2 : index
  %dim3_02 = tensor.dim %q, %cdim3_02 : tensor<?x1x?x64xbf16>
  %cdim3_03 = arith.constant 3 : index
  %dim3_03 = tensor.dim %v, %cdim3_03 : tensor<?x1x?x?xbf16>
  %oinit3 = tensor.empty(%dim3_00, %dim3_02, %dim3_03) : tensor<?x1x?x?xbf16>
  %o = retention.parallel %q, %k, %v outs(%oinit3) {gamma = array<f64: 0.5>}
      : (tensor<?x1x?x64xbf16>, tensor<?x1x?x64xbf16>, tensor<?x1x?x?xbf16>, tensor<?x1x?x?xbf16>)
      -> tensor<?x1x?x?xbf16>
  return %o : tensor<?x1x?x?xbf16>
}

// Dynamic H: the gamma count cannot be checked until H is known.
// CHECK-LABEL: func.func @parallel_dynamic_heads(
//       CHECK:   retention.parallel {{.*}} : (tensor<1x?x4x4xf32>, tensor<1x?x4x4xf32>, tensor<1x?x4x4xf32>, tensor<1x?x4x4xf32>, tensor<1x?x4x4xf32>) -> tensor<1x?x4x4xf32>
func.func @parallel_dynamic_heads(%q: tensor<1x?x4x4xf32>, %s: tensor<1x?x4x4xf32>)
    -> tensor<1x?x4x4xf32> {
  %cdim4_01 = arith.constant 1 : index
  %dim4_01 = tensor.dim %q, %cdim4_01 : tensor<1x?x4x4xf32>
  %oinit4 = tensor.empty(%dim4_01) : tensor<1x?x4x4xf32>
  %o = retention.parallel %q, %q, %q, %s outs(%oinit4) {gamma = array<f64: 0.5, 0.75, 0.875>}
      : (tensor<1x?x4x4xf32>, tensor<1x?x4x4xf32>, tensor<1x?x4x4xf32>,
         tensor<1x?x4x4xf32>, tensor<1x?x4x4xf32>) -> tensor<1x?x4x4xf32>
  return %o : tensor<1x?x4x4xf32>
}

// CHECK-LABEL: func.func @recurrent_f32(
//  CHECK-SAME:     %[[Q:.*]]: tensor<4x2x1x16xf32>, %[[K:.*]]: tensor<4x2x1x16xf32>, %[[V:.*]]: tensor<4x2x1x32xf32>
//       CHECK:   %{{.*}}, %{{.*}} = retention.recurrent %[[Q]], %[[K]], %[[V]]
//  CHECK-SAME:     {gamma = array<f64: 9.687500e-01, 9.843750e-01>}
//  CHECK-SAME:     : (tensor<4x2x1x16xf32>, tensor<4x2x1x16xf32>, tensor<4x2x1x32xf32>, tensor<4x2x1x32xf32>, tensor<4x2x16x32xf32>) -> (tensor<4x2x1x32xf32>, tensor<4x2x16x32xf32>)
func.func @recurrent_f32(%q: tensor<4x2x1x16xf32>, %k: tensor<4x2x1x16xf32>,
                         %v: tensor<4x2x1x32xf32>)
    -> (tensor<4x2x1x32xf32>, tensor<4x2x16x32xf32>) {
  %oinit5 = tensor.empty() : tensor<4x2x1x32xf32>
  %sinit5 = tensor.empty() : tensor<4x2x16x32xf32>
  %o, %s = retention.recurrent %q, %k, %v outs(%oinit5, %sinit5) {gamma = array<f64: 0.96875, 0.984375>}
      : (tensor<4x2x1x16xf32>, tensor<4x2x1x16xf32>, tensor<4x2x1x32xf32>, tensor<4x2x1x32xf32>, tensor<4x2x16x32xf32>)
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
  %oinit6 = tensor.empty() : tensor<8x1x1x128xbf16>
  %sinit6 = tensor.empty() : tensor<8x1x64x128xf32>
  %o, %s1 = retention.recurrent %q, %k, %v, %s0 outs(%oinit6, %sinit6)
      {gamma = array<f64: 0.96875>, scale = 0.5 : f64}
      : (tensor<8x1x1x64xbf16>, tensor<8x1x1x64xbf16>, tensor<8x1x1x128xbf16>,
         tensor<8x1x64x128xf32>, tensor<8x1x1x128xbf16>, tensor<8x1x64x128xf32>)
      -> (tensor<8x1x1x128xbf16>, tensor<8x1x64x128xf32>)
  return %o, %s1 : tensor<8x1x1x128xbf16>, tensor<8x1x64x128xf32>
}

// CHECK-LABEL: func.func @recurrent_dynamic_f16(
//       CHECK:   retention.recurrent {{.*}} : (tensor<?x?x?x?xf16>, tensor<?x?x?x?xf16>, tensor<?x?x?x?xf16>, tensor<?x?x?x?xf32>, tensor<?x?x?x?xf16>, tensor<?x?x?x?xf32>) -> (tensor<?x?x?x?xf16>, tensor<?x?x?x?xf32>)
func.func @recurrent_dynamic_f16(%q: tensor<?x?x?x?xf16>, %s: tensor<?x?x?x?xf32>)
    -> (tensor<?x?x?x?xf16>, tensor<?x?x?x?xf32>) {
  %cdim7_00 = arith.constant 0 : index
  %dim7_00 = tensor.dim %q, %cdim7_00 : tensor<?x?x?x?xf16>
  %cdim7_01 = arith.constant 1 : index
  %dim7_01 = tensor.dim %q, %cdim7_01 : tensor<?x?x?x?xf16>
  %cdim7_02 = arith.constant 2 : index
  %dim7_02 = tensor.dim %q, %cdim7_02 : tensor<?x?x?x?xf16>
  %cdim7_03 = arith.constant 3 : index
  %dim7_03 = tensor.dim %q, %cdim7_03 : tensor<?x?x?x?xf16>
  %oinit7 = tensor.empty(%dim7_00, %dim7_01, %dim7_02, %dim7_03) : tensor<?x?x?x?xf16>
  %cdim7_10 = arith.constant 0 : index
  %dim7_10 = tensor.dim %q, %cdim7_10 : tensor<?x?x?x?xf16>
  %cdim7_11 = arith.constant 1 : index
  %dim7_11 = tensor.dim %q, %cdim7_11 : tensor<?x?x?x?xf16>
  %cdim7_12 = arith.constant 3 : index
  %dim7_12 = tensor.dim %q, %cdim7_12 : tensor<?x?x?x?xf16>
  %cdim7_13 = arith.constant 3 : index
  %dim7_13 = tensor.dim %q, %cdim7_13 : tensor<?x?x?x?xf16>
  %sinit7 = tensor.empty(%dim7_10, %dim7_11, %dim7_12, %dim7_13) : tensor<?x?x?x?xf32>
  %o, %s1 = retention.recurrent %q, %q, %q, %s outs(%oinit7, %sinit7) {gamma = array<f64: 0.9>}
      : (tensor<?x?x?x?xf16>, tensor<?x?x?x?xf16>, tensor<?x?x?x?xf16>,
         tensor<?x?x?x?xf32>, tensor<?x?x?x?xf16>, tensor<?x?x?x?xf32>) -> (tensor<?x?x?x?xf16>, tensor<?x?x?x?xf32>)
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
  %oinit8 = tensor.empty() : tensor<1x2x100x16xf32>
  %sinit8 = tensor.empty() : tensor<1x2x32x16xf32>
  %o, %s = retention.chunkwise %q, %k, %v outs(%oinit8, %sinit8)
      {chunk_size = 64 : i64, gamma = array<f64: 0.96875, 0.984375>}
      : (tensor<1x2x100x32xf32>, tensor<1x2x100x32xf32>, tensor<1x2x100x16xf32>, tensor<1x2x100x16xf32>, tensor<1x2x32x16xf32>)
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
  %oinit9 = tensor.empty() : tensor<2x3x257x16xf16>
  %sinit9 = tensor.empty() : tensor<2x3x16x16xf32>
  %o, %s1 = retention.chunkwise %q, %k, %v, %s0 outs(%oinit9, %sinit9)
      {chunk_size = 16 : i64, gamma = array<f64: 0.96875, 0.984375, 0.9921875>,
       scale = 0.25 : f64}
      : (tensor<2x3x257x16xf16>, tensor<2x3x257x16xf16>, tensor<2x3x257x16xf16>,
         tensor<2x3x16x16xf32>, tensor<2x3x257x16xf16>, tensor<2x3x16x16xf32>) -> (tensor<2x3x257x16xf16>, tensor<2x3x16x16xf32>)
  return %o, %s1 : tensor<2x3x257x16xf16>, tensor<2x3x16x16xf32>
}

// CHECK-LABEL: func.func @chunkwise_dynamic_bf16(
//       CHECK:   retention.chunkwise {{.*}} {chunk_size = 128 : i64, gamma = array<f64: 1.000000e+00, 5.000000e-01>}
//  CHECK-SAME:     : (tensor<1x2x?x256xbf16>, tensor<1x2x?x256xbf16>, tensor<1x2x?x512xbf16>, tensor<1x2x?x512xbf16>, tensor<1x2x256x512xf32>) -> (tensor<1x2x?x512xbf16>, tensor<1x2x256x512xf32>)
func.func @chunkwise_dynamic_bf16(%q: tensor<1x2x?x256xbf16>, %k: tensor<1x2x?x256xbf16>,
                                  %v: tensor<1x2x?x512xbf16>)
    -> (tensor<1x2x?x512xbf16>, tensor<1x2x256x512xf32>) {
  %cdim10_02 = arith.constant 2 : index
  %dim10_02 = tensor.dim %q, %cdim10_02 : tensor<1x2x?x256xbf16>
  %oinit10 = tensor.empty(%dim10_02) : tensor<1x2x?x512xbf16>
  %sinit10 = tensor.empty() : tensor<1x2x256x512xf32>
  %o, %s = retention.chunkwise %q, %k, %v outs(%oinit10, %sinit10)
      {chunk_size = 128 : i64, gamma = array<f64: 1.0, 0.5>}
      : (tensor<1x2x?x256xbf16>, tensor<1x2x?x256xbf16>, tensor<1x2x?x512xbf16>, tensor<1x2x?x512xbf16>, tensor<1x2x256x512xf32>)
      -> (tensor<1x2x?x512xbf16>, tensor<1x2x256x512xf32>)
  return %o, %s : tensor<1x2x?x512xbf16>, tensor<1x2x256x512xf32>
}

// The generic form, as other tools emit it, parses into the same ops.
// CHECK-LABEL: func.func @generic_form(
//  CHECK-SAME:     %[[Q:.*]]: tensor<1x2x8x4xf32>, %[[V:.*]]: tensor<1x2x8x6xf32>, %[[S:.*]]: tensor<1x2x4x6xf32>, %[[O:.*]]: tensor<1x2x8x6xf32>, %[[F:.*]]: tensor<1x2x4x6xf32>
//       CHECK:   retention.parallel %[[Q]], %[[Q]], %[[V]] outs(%[[O]]) {gamma = array<f64: 9.687500e-01, 9.843750e-01>} :
//       CHECK:   retention.recurrent %[[Q]], %[[Q]], %[[V]], %[[S]] outs(%[[O]], %[[F]]) {gamma = array<f64: 9.687500e-01, 9.843750e-01>, scale = 5.000000e-01 : f64} :
//       CHECK:   retention.chunkwise %[[Q]], %[[Q]], %[[V]], %[[S]] outs(%[[O]], %[[F]]) {chunk_size = 64 : i64, gamma = array<f64: 9.687500e-01, 9.843750e-01>} :
//       CHECK:   retention.chunkwise %[[Q]], %[[Q]], %[[V]] outs(%[[O]], %[[F]]) {chunk_size = 3 : i64, gamma = array<f64: 9.687500e-01, 9.843750e-01>, scale = 2.000000e+00 : f64} :
func.func @generic_form(%q: tensor<1x2x8x4xf32>, %v: tensor<1x2x8x6xf32>,
                        %s: tensor<1x2x4x6xf32>, %o: tensor<1x2x8x6xf32>,
                        %f: tensor<1x2x4x6xf32>) {
  %0 = "retention.parallel"(%q, %q, %v, %o)
      {gamma = array<f64: 0.96875, 0.984375>,
       operandSegmentSizes = array<i32: 1, 1, 1, 0, 0, 1>}
      : (tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x6xf32>,
         tensor<1x2x8x6xf32>) -> tensor<1x2x8x6xf32>
  %1:2 = "retention.recurrent"(%q, %q, %v, %s, %o, %f)
      {gamma = array<f64: 0.96875, 0.984375>, scale = 0.5 : f64,
       operandSegmentSizes = array<i32: 1, 1, 1, 1, 0, 2>}
      : (tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x6xf32>,
         tensor<1x2x4x6xf32>, tensor<1x2x8x6xf32>, tensor<1x2x4x6xf32>)
      -> (tensor<1x2x8x6xf32>, tensor<1x2x4x6xf32>)
  %2:2 = "retention.chunkwise"(%q, %q, %v, %s, %o, %f)
      {chunk_size = 64 : i64, gamma = array<f64: 0.96875, 0.984375>,
       operandSegmentSizes = array<i32: 1, 1, 1, 1, 0, 2>}
      : (tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x6xf32>,
         tensor<1x2x4x6xf32>, tensor<1x2x8x6xf32>, tensor<1x2x4x6xf32>)
      -> (tensor<1x2x8x6xf32>, tensor<1x2x4x6xf32>)
  // Properties syntax, as --mlir-print-op-generic prints it.
  %3:2 = "retention.chunkwise"(%q, %q, %v, %o, %f)
      <{chunk_size = 3 : i64, gamma = array<f64: 0.96875, 0.984375>, scale = 2.0 : f64,
        operandSegmentSizes = array<i32: 1, 1, 1, 0, 0, 2>}>
      : (tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x6xf32>,
         tensor<1x2x8x6xf32>, tensor<1x2x4x6xf32>)
      -> (tensor<1x2x8x6xf32>, tensor<1x2x4x6xf32>)
  return
}

// On memrefs (after bufferization) the ops have no results and write their
// inits.
// CHECK-LABEL: func.func @on_memrefs(
//       CHECK:   retention.chunkwise %{{.*}}, %{{.*}}, %{{.*}} head_offset(%{{.*}}) outs(%{{.*}}, %{{.*}}) {chunk_size = 64 : i64, gamma = array<f64: 9.687500e-01, 9.843750e-01, 5.000000e-01>} : (memref<1x2x8x4xbf16>, memref<1x2x8x4xbf16>, memref<1x2x8x6xbf16>, index, memref<1x2x8x6xbf16>, memref<1x2x4x6xf32>) -> ()
func.func @on_memrefs(%q: memref<1x2x8x4xbf16>, %v: memref<1x2x8x6xbf16>,
                      %o: memref<1x2x8x6xbf16>, %f: memref<1x2x4x6xf32>,
                      %h: index) {
  retention.chunkwise %q, %q, %v head_offset(%h) outs(%o, %f)
      {chunk_size = 64 : i64, gamma = array<f64: 0.96875, 0.984375, 0.5>}
      : (memref<1x2x8x4xbf16>, memref<1x2x8x4xbf16>, memref<1x2x8x6xbf16>,
         index, memref<1x2x8x6xbf16>, memref<1x2x4x6xf32>) -> ()
  return
}
