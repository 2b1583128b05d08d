// RUN: retnet-opt %s --split-input-file --one-shot-bufferize="bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map" | FileCheck %s
//
// BufferizableOpInterface: one-shot-bufferize keeps the form ops, on memrefs
// (no results): they read q, k, v and the state and write their inits in
// place, so a result returned from the function is its init's buffer.

// CHECK-LABEL: func.func @in_place(
//  CHECK-SAME:     %[[Q:[^:]*]]: memref<1x2x64x32xbf16>, %[[V:[^:]*]]: memref<1x2x64x16xbf16>, %[[S:[^:]*]]: memref<1x2x32x16xf32>, %[[O:[^:]*]]: memref<1x2x64x16xbf16>, %[[F:[^:]*]]: memref<1x2x32x16xf32>
//  CHECK-NEXT:   retention.chunkwise %[[Q]], %[[Q]], %[[V]], %[[S]] outs(%[[O]], %[[F]]) {chunk_size = 32 : i64, gamma = array<f64: 5.000000e-01, 7.500000e-01>}
//  CHECK-SAME:     : (memref<1x2x64x32xbf16>, memref<1x2x64x32xbf16>, memref<1x2x64x16xbf16>, memref<1x2x32x16xf32>, memref<1x2x64x16xbf16>, memref<1x2x32x16xf32>) -> ()
//  CHECK-NEXT:   return %[[O]], %[[F]]
func.func @in_place(%q: tensor<1x2x64x32xbf16>, %v: tensor<1x2x64x16xbf16>,
                    %s: tensor<1x2x32x16xf32>, %o0: tensor<1x2x64x16xbf16> {bufferization.writable = true},
                    %f0: tensor<1x2x32x16xf32> {bufferization.writable = true})
    -> (tensor<1x2x64x16xbf16>, tensor<1x2x32x16xf32>) {
  %o, %f = retention.chunkwise %q, %q, %v, %s outs(%o0, %f0)
      {chunk_size = 32 : i64, gamma = array<f64: 0.5, 0.75>}
      : (tensor<1x2x64x32xbf16>, tensor<1x2x64x32xbf16>, tensor<1x2x64x16xbf16>,
         tensor<1x2x32x16xf32>, tensor<1x2x64x16xbf16>, tensor<1x2x32x16xf32>)
      -> (tensor<1x2x64x16xbf16>, tensor<1x2x32x16xf32>)
  return %o, %f : tensor<1x2x64x16xbf16>, tensor<1x2x32x16xf32>
}

// -----

// An empty init becomes a new buffer. The second op's final-state init is
// the function's state argument, which is not writable (and still read by
// the parallel op): it gets a new buffer, and no copy, since the ops do not
// read their inits. The second op writes its output over the first op's
// (dead by then).
// CHECK-LABEL: func.func @empty_and_conflict(
//  CHECK-SAME:     %[[Q:[^:]*]]: memref<1x1x1x8xf32>, %[[S:[^:]*]]: memref<1x1x8x8xf32>
//       CHECK:   %[[E0:.*]] = memref.alloc() {{.*}} : memref<1x1x1x8xf32>
//       CHECK:   %[[S1:.*]] = memref.alloc() {{.*}} : memref<1x1x8x8xf32>
//       CHECK:   %[[O1:.*]] = memref.alloc() {{.*}} : memref<1x1x1x8xf32>
//       CHECK:   retention.recurrent %[[Q]], %[[Q]], %[[Q]], %[[S]] outs(%[[O1]], %[[S1]])
//   CHECK-NOT:   memref.copy
//       CHECK:   %[[S2:.*]] = memref.alloc() {{.*}} : memref<1x1x8x8xf32>
//       CHECK:   retention.recurrent %[[Q]], %[[Q]], %[[Q]], %[[S1]] outs(%[[O1]], %[[S2]])
//       CHECK:   retention.parallel %[[Q]], %[[Q]], %[[Q]], %[[S]] outs(%[[E0]])
//       CHECK:   return %[[O1]], %[[S2]], %[[S1]], %[[E0]]
func.func @empty_and_conflict(%q: tensor<1x1x1x8xf32>, %s: tensor<1x1x8x8xf32>)
    -> (tensor<1x1x1x8xf32>, tensor<1x1x8x8xf32>, tensor<1x1x8x8xf32>, tensor<1x1x1x8xf32>) {
  %e0 = tensor.empty() : tensor<1x1x1x8xf32>
  %e1 = tensor.empty() : tensor<1x1x8x8xf32>
  %o, %f = retention.recurrent %q, %q, %q, %s outs(%e0, %e1) {gamma = array<f64: 0.5>}
      : (tensor<1x1x1x8xf32>, tensor<1x1x1x8xf32>, tensor<1x1x1x8xf32>, tensor<1x1x8x8xf32>,
         tensor<1x1x1x8xf32>, tensor<1x1x8x8xf32>) -> (tensor<1x1x1x8xf32>, tensor<1x1x8x8xf32>)
  %o2, %f2 = retention.recurrent %q, %q, %q, %f outs(%o, %s) {gamma = array<f64: 0.5>}
      : (tensor<1x1x1x8xf32>, tensor<1x1x1x8xf32>, tensor<1x1x1x8xf32>, tensor<1x1x8x8xf32>,
         tensor<1x1x1x8xf32>, tensor<1x1x8x8xf32>) -> (tensor<1x1x1x8xf32>, tensor<1x1x8x8xf32>)
  %p = retention.parallel %q, %q, %q, %s outs(%e0) {gamma = array<f64: 0.5>}
      : (tensor<1x1x1x8xf32>, tensor<1x1x1x8xf32>, tensor<1x1x1x8xf32>, tensor<1x1x8x8xf32>,
         tensor<1x1x1x8xf32>) -> tensor<1x1x1x8xf32>
  return %o2, %f2, %f, %p : tensor<1x1x1x8xf32>, tensor<1x1x8x8xf32>, tensor<1x1x8x8xf32>, tensor<1x1x1x8xf32>
}

// -----

// The layer ops bufferize the same way: a multi_scale layer, its rotate and
// its group_norm stay, on memrefs, reading their inputs and writing their
// inits in place (the bf16 layer's weights and activations as they were,
// the f32 state beside them).
// CHECK-LABEL: func.func @layers(
//  CHECK-SAME:     %[[X:[^:]*]]: memref<1x8x16xbf16>, %[[W:[^:]*]]: memref<16x16xbf16>, %[[WV:[^:]*]]: memref<16x24xbf16>, %[[WO:[^:]*]]: memref<24x16xbf16>, %[[P:[^:]*]]: memref<1x8xi64>, %[[S:[^:]*]]: memref<1x2x8x12xf32>, %[[OI:[^:]*]]: memref<1x8x16xbf16>, %[[SI:[^:]*]]: memref<1x2x8x12xf32>, %[[RI:[^:]*]]: memref<1x2x8x8xbf16>, %[[Y:[^:]*]]: memref<1x2x8x12xbf16>, %[[G:[^:]*]]: memref<1x8x24xbf16>, %[[NI:[^:]*]]: memref<1x8x24xbf16>
//  CHECK-NEXT:   retention.multi_scale %[[X]], %[[W]], %[[W]], %[[WV]], %[[WV]], %[[WO]], %[[P]], %[[S]] outs(%[[OI]], %[[SI]])
//  CHECK-SAME:     -> ()
//  CHECK-NEXT:   retention.rotate %[[X]], %[[P]] outs(%[[RI]])
//  CHECK-SAME:     : (memref<1x8x16xbf16>, memref<1x8xi64>, memref<1x2x8x8xbf16>) -> ()
//  CHECK-NEXT:   retention.group_norm %[[Y]], %[[G]], %[[P]] outs(%[[NI]])
//  CHECK-SAME:     -> ()
//  CHECK-NEXT:   return %[[OI]], %[[SI]], %[[RI]], %[[NI]]
func.func @layers(%x: tensor<1x8x16xbf16>, %w: tensor<16x16xbf16>, %wv: tensor<16x24xbf16>,
                  %wo: tensor<24x16xbf16>, %p: tensor<1x8xi64>, %s: tensor<1x2x8x12xf32>,
                  %oi: tensor<1x8x16xbf16> {bufferization.writable = true},
                  %si: tensor<1x2x8x12xf32> {bufferization.writable = true},
                  %ri: tensor<1x2x8x8xbf16> {bufferization.writable = true},
                  %y: tensor<1x2x8x12xbf16>, %g: tensor<1x8x24xbf16>,
                  %ni: tensor<1x8x24xbf16> {bufferization.writable = true})
    -> (tensor<1x8x16xbf16>, tensor<1x2x8x12xf32>, tensor<1x2x8x8xbf16>, tensor<1x8x24xbf16>) {
  %o, %f = retention.multi_scale %x, %w, %w, %wv, %wv, %wo, %p, %s outs(%oi, %si)
      {epsilon = 1.0e-6 : f64, form = #retention<form recurrent>, gamma = array<f64: 0.5, 0.75>}
      : (tensor<1x8x16xbf16>, tensor<16x16xbf16>, tensor<16x16xbf16>, tensor<16x24xbf16>,
         tensor<16x24xbf16>, tensor<24x16xbf16>, tensor<1x8xi64>, tensor<1x2x8x12xf32>,
         tensor<1x8x16xbf16>, tensor<1x2x8x12xf32>)
      -> (tensor<1x8x16xbf16>, tensor<1x2x8x12xf32>)
  %r = retention.rotate %x, %p outs(%ri)
      : (tensor<1x8x16xbf16>, tensor<1x8xi64>, tensor<1x2x8x8xbf16>) -> tensor<1x2x8x8xbf16>
  %n = retention.group_norm %y, %g, %p outs(%ni) {epsilon = 1.0e-6 : f64, gamma = array<f64: 0.5, 0.75>}
      : (tensor<1x2x8x12xbf16>, tensor<1x8x24xbf16>, tensor<1x8xi64>, tensor<1x8x24xbf16>) -> tensor<1x8x24xbf16>
  return %o, %f, %r, %n : tensor<1x8x16xbf16>, tensor<1x2x8x12xf32>, tensor<1x2x8x8xbf16>, tensor<1x8x24xbf16>
}
