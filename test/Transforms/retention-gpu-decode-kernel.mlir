// RUN: retnet-opt %s --retention-gpu-decode-kernel --split-input-file -canonicalize -cse | FileCheck %s
// RUN: retnet-opt %s --retention-gpu-decode-kernel="min-threads=1" --split-input-file -canonicalize -cse | FileCheck %s --check-prefix=FEW

// A decode step at the paper's head size (dk 256, dv 512), dynamic batch:
// chosen at run time. One sequence: 8 heads x 128 column quads = 1024
// threads, so dk splits into 32 slices of 8 rows (32768 threads). From 2
// sequences on, 16 slices of 16 rows (the most rows per thread) are enough:
// half the partial-sum traffic. Loop 1 keeps the thread's state quads in
// registers (16-byte loads and stores) and writes partial outputs; loop 2
// sums the partials into the bf16 output.
// CHECK-LABEL: func.func @decode_paper_size
// CHECK-DAG:     %[[V:.*]] = bufferization.to_buffer %arg2 read_only : tensor<?x8x1x512xbf16> to memref<?x8x1x512xbf16, strided<[?, ?, ?, 1], offset: ?>>
// CHECK-DAG:     %[[S:.*]] = bufferization.to_buffer %arg3 read_only : tensor<?x8x256x512xf32> to memref<?x8x256x512xf32, strided<[?, ?, ?, 1], offset: ?>>
// CHECK-DAG:     %[[O:.*]] = memref.alloc(%[[B:.*]]) : memref<?x8x1x512xbf16>
// CHECK-DAG:     %[[OT:.*]] = bufferization.to_tensor %[[O]] restrict writable
// CHECK-DAG:     %[[S1:.*]] = memref.alloc(%[[B]]) : memref<?x8x256x512xf32>
// CHECK-DAG:     %[[ST:.*]] = bufferization.to_tensor %[[S1]] restrict writable
// CHECK:         %[[MANY:.*]] = arith.cmpi uge, %[[B]], %c2
// CHECK:         scf.if %[[MANY]] {
// CHECK:           %[[P16:.*]] = memref.alloc(%[[B]]) : memref<16x?x8x1x512xf32>
// CHECK:           scf.parallel (%{{.*}}, %{{.*}}, %{{.*}}) = (%c0, %c0, %c0) to (%[[B]], %c8, %c2048)
// CHECK-COUNT-16:    vector.load %[[S]][{{.*}}] {alignment = 16 : i64}
// CHECK-COUNT-16:    vector.store %{{.*}}, %[[S1]]{{.*}} {alignment = 16 : i64}
// CHECK:           scf.for %{{.*}} = %c0 to %c16 step %c1
// CHECK:         } else {
// CHECK:           %[[PART:.*]] = memref.alloc(%[[B]]) : memref<32x?x8x1x512xf32>
// CHECK:           scf.parallel (%{{.*}}, %{{.*}}, %{{.*}}) = (%c0, %c0, %c0) to (%[[B]], %c8, %c4096)
// CHECK-COUNT-8:     vector.load %[[S]][{{.*}}] {alignment = 16 : i64} : memref<?x8x256x512xf32, strided<[?, ?, ?, 1], offset: ?>>, vector<4xf32>
// CHECK:             vector.load %[[V]]{{.*}} {alignment = 8 : i64} : memref<?x8x1x512xbf16, strided<[?, ?, ?, 1], offset: ?>>, vector<4xbf16>
// CHECK-COUNT-8:     vector.fma
// CHECK:             vector.store %{{.*}}, %[[PART]]{{.*}} {alignment = 16 : i64}
// CHECK-COUNT-8:     vector.store %{{.*}}, %[[S1]]{{.*}} {alignment = 16 : i64} : memref<?x8x256x512xf32>, vector<4xf32>
// CHECK:           scf.parallel (%{{.*}}, %{{.*}}, %{{.*}}) = (%c0, %c0, %c0) to (%[[B]], %c8, %c128)
// CHECK:             scf.for %{{.*}} = %c0 to %c32 step %c1
// CHECK:               vector.load %[[PART]]
// CHECK:             arith.truncf %{{.*}} : vector<4xf32> to vector<4xbf16>
// CHECK:             vector.store %{{.*}}, %[[O]]
// CHECK:         }
// CHECK:         return %[[OT]], %[[ST]]
// With one thread enough, each thread takes at most 16 rows: dk 256 is 16
// slices whatever the batch, no run-time choice (the one scf.if is the
// alignment check).
// FEW-LABEL:   func.func @decode_paper_size
// FEW:           scf.if
// FEW-NOT:       scf.if
// FEW:           memref.alloc(%{{.*}}) : memref<16x?x8x1x512xf32>
// FEW-NOT:       scf.if
// FEW:         } else {
// FEW-NEXT:      retention.recurrent
// FEW-LABEL:   func.func @into_destinations
func.func @decode_paper_size(%q: tensor<?x8x1x256xbf16>, %k: tensor<?x8x1x256xbf16>,
                             %v: tensor<?x8x1x512xbf16>, %s: tensor<?x8x256x512xf32>)
    -> (tensor<?x8x1x512xbf16>, tensor<?x8x256x512xf32>) {
  %cdim0_00 = arith.constant 0 : index
  %dim0_00 = tensor.dim %q, %cdim0_00 : tensor<?x8x1x256xbf16>
  %oinit0 = tensor.empty(%dim0_00) : tensor<?x8x1x512xbf16>
  %cdim0_10 = arith.constant 0 : index
  %dim0_10 = tensor.dim %q, %cdim0_10 : tensor<?x8x1x256xbf16>
  %sinit0 = tensor.empty(%dim0_10) : tensor<?x8x256x512xf32>
  %o, %s1 = retention.recurrent %q, %k, %v, %s outs(%oinit0, %sinit0)
      {gamma = array<f64: 0.96875, 0.984375, 0.9921875, 0.99609375, 0.5, 0.6, 0.7, 0.8>, scale = 0.5 : f64}
      : (tensor<?x8x1x256xbf16>, tensor<?x8x1x256xbf16>, tensor<?x8x1x512xbf16>, tensor<?x8x256x512xf32>, tensor<?x8x1x512xbf16>, tensor<?x8x256x512xf32>)
      -> (tensor<?x8x1x512xbf16>, tensor<?x8x256x512xf32>)
  return %o, %s1 : tensor<?x8x1x512xbf16>, tensor<?x8x256x512xf32>
}

// -----

// Results materialized into buffers (a model's state output, a kernel's
// destination arguments) are written there directly: no second buffer and
// no copy. No initial state: the state quads start at zero. Batch 512 x 4
// heads x 16 quads is enough threads, dk 16 fits one thread: no split, loop
// 1 writes the output itself.
// CHECK-LABEL: func.func @into_destinations
// CHECK-NOT:     memref.alloc
// CHECK:         %[[SV:.*]] = memref.subview %arg4[1, 0, 0, 0, 0]
// CHECK:         scf.parallel (%{{.*}}, %{{.*}}, %{{.*}}) = (%c0, %c0, %c0) to (%c512, %c4, %c16)
// CHECK:           scf.for %{{.*}} = %c0 to %c3 step %c1
// CHECK:             vector.store %{{.*}}, %arg3
// CHECK-COUNT-16:  vector.store %{{.*}}, %[[SV]]
// CHECK-NOT:     scf.parallel
// Views that are only element-aligned: the op itself, materialized into the
// same destinations.
// CHECK:         } else {
// CHECK-NEXT:      %[[GO:.*]], %[[GS:.*]] = retention.recurrent
// CHECK-NEXT:      bufferization.materialize_in_destination %[[GO]] in restrict writable
// CHECK-NEXT:      bufferization.materialize_in_destination %[[GS]] in restrict writable
// CHECK-NEXT:    }
// CHECK-NEXT:    return
func.func @into_destinations(%q: tensor<512x4x3x16xf32>, %k: tensor<512x4x3x16xf32>,
                             %v: tensor<512x4x3x64xf32>, %o_out: memref<512x4x3x64xf32>,
                             %states: memref<2x512x4x16x64xf32>) {
  %oinit1 = tensor.empty() : tensor<512x4x3x64xf32>
  %sinit1 = tensor.empty() : tensor<512x4x16x64xf32>
  %o, %s1 = retention.recurrent %q, %k, %v outs(%oinit1, %sinit1) {gamma = array<f64: 0.5, 0.6, 0.7, 0.8>}
      : (tensor<512x4x3x16xf32>, tensor<512x4x3x16xf32>, tensor<512x4x3x64xf32>, tensor<512x4x3x64xf32>, tensor<512x4x16x64xf32>)
      -> (tensor<512x4x3x64xf32>, tensor<512x4x16x64xf32>)
  bufferization.materialize_in_destination %o in restrict writable %o_out
      : (tensor<512x4x3x64xf32>, memref<512x4x3x64xf32>) -> ()
  %layer = memref.subview %states[1, 0, 0, 0, 0] [1, 512, 4, 16, 64] [1, 1, 1, 1, 1]
      : memref<2x512x4x16x64xf32> to memref<512x4x16x64xf32, strided<[4096, 1024, 64, 1], offset: 2097152>>
  bufferization.materialize_in_destination %s1 in restrict writable %layer
      : (tensor<512x4x16x64xf32>, memref<512x4x16x64xf32, strided<[4096, 1024, 64, 1], offset: 2097152>>) -> ()
  return
}

// -----

// Left to the generic lowering: a dynamic or too long token count, value
// rows that are not whole 16-byte quads.
// CHECK-LABEL: func.func @left_alone
// CHECK-COUNT-3: retention.recurrent
// CHECK-NOT:     scf.parallel
func.func @left_alone(%q: tensor<1x1x?x16xf32>, %v: tensor<1x1x?x16xf32>,
                      %q17: tensor<1x1x17x16xf32>, %v17: tensor<1x1x17x16xf32>,
                      %q1: tensor<1x1x1x16xf32>, %v6: tensor<1x1x1x6xf32>)
    -> (tensor<1x1x?x16xf32>, tensor<1x1x17x16xf32>, tensor<1x1x1x6xf32>) {
  %cdim2_02 = arith.constant 2 : index
  %dim2_02 = tensor.dim %q, %cdim2_02 : tensor<1x1x?x16xf32>
  %oinit2 = tensor.empty(%dim2_02) : tensor<1x1x?x16xf32>
  %sinit2 = tensor.empty() : tensor<1x1x16x16xf32>
  %o, %s = retention.recurrent %q, %q, %v outs(%oinit2, %sinit2) {gamma = array<f64: 0.5>}
      : (tensor<1x1x?x16xf32>, tensor<1x1x?x16xf32>, tensor<1x1x?x16xf32>, tensor<1x1x?x16xf32>, tensor<1x1x16x16xf32>)
      -> (tensor<1x1x?x16xf32>, tensor<1x1x16x16xf32>)
  %oinit3 = tensor.empty() : tensor<1x1x17x16xf32>
  %sinit3 = tensor.empty() : tensor<1x1x16x16xf32>
  %o17, %s17 = retention.recurrent %q17, %q17, %v17 outs(%oinit3, %sinit3) {gamma = array<f64: 0.5>}
      : (tensor<1x1x17x16xf32>, tensor<1x1x17x16xf32>, tensor<1x1x17x16xf32>, tensor<1x1x17x16xf32>, tensor<1x1x16x16xf32>)
      -> (tensor<1x1x17x16xf32>, tensor<1x1x16x16xf32>)
  %oinit4 = tensor.empty() : tensor<1x1x1x6xf32>
  %sinit4 = tensor.empty() : tensor<1x1x16x6xf32>
  %o6, %s6 = retention.recurrent %q1, %q1, %v6 outs(%oinit4, %sinit4) {gamma = array<f64: 0.5>}
      : (tensor<1x1x1x16xf32>, tensor<1x1x1x16xf32>, tensor<1x1x1x6xf32>, tensor<1x1x1x6xf32>, tensor<1x1x16x6xf32>)
      -> (tensor<1x1x1x6xf32>, tensor<1x1x16x6xf32>)
  return %o, %o17, %o6 : tensor<1x1x?x16xf32>, tensor<1x1x17x16xf32>, tensor<1x1x1x6xf32>
}
