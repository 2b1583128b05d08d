// RUN: retnet-opt %s --pass-pipeline="builtin.module(func.func(retention-gpu-lower-linalg))" | FileCheck %s
//
// Host-level linalg ops become one scf.parallel over their parallel
// dimensions (a kernel each, later) with the reductions sequential inside;
// a copy becomes such a loop too (never a host copy of device memory). An op
// inside a tile loop becomes sequential loops of the thread owning the tile.

// CHECK-LABEL: func.func @host_ops(
// CHECK-SAME:    %[[A:[a-z0-9]+]]: memref<?x64xf32>, %[[B:[a-z0-9]+]]: memref<64x32xf32>, %[[C:[a-z0-9]+]]: memref<?x32xf32>, %[[D:[a-z0-9]+]]: memref<?x32xf32>
// CHECK:         scf.parallel (%[[M:.*]], %[[N:.*]]) = ({{.*}}) to (%{{.*}}, %{{.*}}) step
// CHECK:           scf.for %[[K:.*]] = %{{.*}} to %{{.*}} step
// CHECK:             memref.load %[[A]]
// CHECK:             memref.load %[[B]]
// CHECK:             arith.mulf
// CHECK:             arith.addf
// CHECK:             memref.store %{{.*}}, %[[C]]
// The copy: a parallel loop nest with one load and one store per element.
// CHECK:         scf.parallel
// CHECK-NOT:       scf.for
// CHECK:           %[[X:.*]] = memref.load %[[C]]
// CHECK:           memref.store %[[X]], %[[D]]
// CHECK-NOT:     memref.copy
// CHECK-NOT:     linalg.
// CHECK:         return
func.func @host_ops(%a: memref<?x64xf32>, %b: memref<64x32xf32>, %c: memref<?x32xf32>, %d: memref<?x32xf32>) {
  linalg.matmul ins(%a, %b : memref<?x64xf32>, memref<64x32xf32>) outs(%c : memref<?x32xf32>)
  memref.copy %c, %d : memref<?x32xf32> to memref<?x32xf32>
  return
}

// CHECK-LABEL: func.func @in_tile(
// CHECK:         scf.forall
// CHECK-NOT:       scf.parallel
// CHECK:           scf.for
// CHECK:             arith.addf
// CHECK-NOT:     linalg.
func.func @in_tile(%a: memref<4x8xf32>, %s: memref<4xf32>) {
  scf.forall (%i) in (4) {
    %row = memref.subview %a[%i, 0] [1, 8] [1, 1] : memref<4x8xf32> to memref<8xf32, strided<[1], offset: ?>>
    %out = memref.subview %s[%i] [1] [1] : memref<4xf32> to memref<f32, strided<[], offset: ?>>
    linalg.reduce ins(%row : memref<8xf32, strided<[1], offset: ?>>) outs(%out : memref<f32, strided<[], offset: ?>>) dimensions = [0]
      (%x: f32, %acc: f32) {
        %y = arith.addf %x, %acc : f32
        linalg.yield %y : f32
      }
  }
  return
}
