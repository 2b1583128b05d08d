// RUN: retnet-opt %s --pass-pipeline="builtin.module(func.func(retention-gpu-map-parallel-loops))" | FileCheck %s
// RUN: retnet-opt %s --pass-pipeline="builtin.module(func.func(retention-gpu-map-parallel-loops),convert-parallel-loops-to-gpu)" | FileCheck %s --check-prefix=LAUNCH
//
// Loops of whole models: more than three parallel dimensions (collapsed into
// a grid of three, with static trip counts kept static), dynamic row counts
// (a block per row tile, guarded), and a dynamic last dimension (tiles of the
// block size whose bound keeps the constant convert-parallel-loops-to-gpu
// needs). Every loop becomes a launch; none is left on the host.

// 2x3x5x7: the leading 2x3 become one dimension of 6 blocks (z), 5 blocks
// (y), and 7 threads (all of the last dimension: no idle thread).
// CHECK: #[[$MIN:.*]] = affine_map<(d0)[s0] -> (-d0 + s0, 128)>
// CHECK-LABEL: func.func @four_dims(
// CHECK:         scf.parallel ({{.*}}) = ({{.*}}) to (%c6{{[_0-9]*}}, %c5{{[_0-9]*}}, %c7{{[_0-9]*}}) step (%c1{{[_0-9]*}}, %c1{{[_0-9]*}}, %c7{{[_0-9]*}})
// CHECK:           scf.parallel
// CHECK:             arith.remsi {{.*}}, %{{.*}}
// CHECK:             memref.store
// CHECK:           } {mapping = [#gpu.loop_dim_map<processor = sequential{{.*}}>, #gpu.loop_dim_map<processor = sequential{{.*}}>, #gpu.loop_dim_map<processor = thread_x{{.*}}>]}
// CHECK:         } {mapping = [#gpu.loop_dim_map<processor = block_z{{.*}}>, #gpu.loop_dim_map<processor = block_y{{.*}}>, #gpu.loop_dim_map<processor = block_x{{.*}}>]}
func.func @four_dims(%m: memref<2x3x5x7xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c3 = arith.constant 3 : index
  %c5 = arith.constant 5 : index
  %c7 = arith.constant 7 : index
  %f = arith.constant 1.0 : f32
  scf.parallel (%a, %b, %c, %d) = (%c0, %c0, %c0, %c0) to (%c2, %c3, %c5, %c7) step (%c1, %c1, %c1, %c1) {
    memref.store %f, %m[%a, %b, %c, %d] : memref<2x3x5x7xf32>
  }
  return

// Rows dynamic, 300 columns: 100 threads (largest divisor of 300 up to 128).
// The dynamic row count goes on grid x (up to 2^31 - 1 blocks; y and z allow
// 65535: a prefill of more than 65535 rows must launch).
// CHECK-LABEL: func.func @dynamic_rows(
// CHECK:         scf.parallel ({{.*}}) = ({{.*}}) to (%dim, %c300) step (%c1, %c100{{[_0-9]*}})
// CHECK:           scf.parallel ({{.*}}) = ({{.*}}) to (%{{.*}}, %c100{{[_0-9]*}})
// CHECK:           } {mapping = [#gpu.loop_dim_map<processor = sequential{{.*}}>, #gpu.loop_dim_map<processor = thread_x{{.*}}>]}
// CHECK:         } {mapping = [#gpu.loop_dim_map<processor = block_x{{.*}}>, #gpu.loop_dim_map<processor = block_y{{.*}}>]}
}
func.func @dynamic_rows(%m: memref<?x300xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c300 = arith.constant 300 : index
  %n = memref.dim %m, %c0 : memref<?x300xf32>
  %f = arith.constant 1.0 : f32
  scf.parallel (%i, %j) = (%c0, %c0) to (%n, %c300) step (%c1, %c1) {
    memref.store %f, %m[%i, %j] : memref<?x300xf32>
  }
  return

// 100000 static rows (over the y limit) go on x too.
// CHECK-LABEL: func.func @many_rows(
// CHECK:         } {mapping = [#gpu.loop_dim_map<processor = block_x{{.*}}>, #gpu.loop_dim_map<processor = block_y{{.*}}>]}
}
func.func @many_rows(%m: memref<100000x64xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c64 = arith.constant 64 : index
  %c100000 = arith.constant 100000 : index
  %f = arith.constant 1.0 : f32
  scf.parallel (%i, %j) = (%c0, %c0) to (%c100000, %c64) step (%c1, %c1) {
    memref.store %f, %m[%i, %j] : memref<100000x64xf32>
  }
  return

// (batch, tokens, d) with dynamic tokens: tokens on x, d tiles on y, batch
// on z (no collapse: the static dimensions keep their own).
// CHECK-LABEL: func.func @dynamic_middle(
// CHECK:         } {mapping = [#gpu.loop_dim_map<processor = block_z{{.*}}>, #gpu.loop_dim_map<processor = block_x{{.*}}>, #gpu.loop_dim_map<processor = block_y{{.*}}>]}
}
func.func @dynamic_middle(%m: memref<2x?x64xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c64 = arith.constant 64 : index
  %n = memref.dim %m, %c1 : memref<2x?x64xf32>
  %f = arith.constant 1.0 : f32
  scf.parallel (%b, %i, %j) = (%c0, %c0, %c0) to (%c2, %n, %c64) step (%c1, %c1, %c1) {
    memref.store %f, %m[%b, %i, %j] : memref<2x?x64xf32>
  }
  return

// A dynamic last dimension: tiles of 128 threads, the last one partial; the
// bound is min(n - i, 128), with the constant among the results.
// CHECK-LABEL: func.func @dynamic_last(
// CHECK:         scf.parallel ({{.*}}) = ({{.*}}) to (%{{.*}}) step (%{{.*}})
// CHECK:           %[[B:.*]] = affine.min #[[$MIN]](
// CHECK:           scf.parallel ({{.*}}) = ({{.*}}) to (%[[B]])

// LAUNCH-COUNT-5: gpu.launch blocks
// LAUNCH-NOT:     scf.parallel
}
func.func @dynamic_last(%m: memref<?xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = memref.dim %m, %c0 : memref<?xf32>
  %f = arith.constant 1.0 : f32
  scf.parallel (%i) = (%c0) to (%n) step (%c1) {
    memref.store %f, %m[%i] : memref<?xf32>
  }
  return
}
