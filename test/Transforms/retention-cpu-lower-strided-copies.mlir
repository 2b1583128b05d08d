// RUN: retnet-opt %s --pass-pipeline="builtin.module(func.func(retention-cpu-lower-strided-copies))" | FileCheck %s
// RUN: retnet-opt %s --pass-pipeline="builtin.module(func.func(retention-cpu-lower-strided-copies),convert-linalg-to-loops,expand-strided-metadata,lower-affine,convert-scf-to-cf,finalize-memref-to-llvm,convert-arith-to-llvm,convert-cf-to-llvm,convert-func-to-llvm,reconcile-unrealized-casts)" | FileCheck %s --check-prefix=LLVM

// A copy from or to a strided view would call memrefCopy from the MLIR
// runner-utils library; it becomes linalg.copy. Contiguous copies stay
// memref.copy (llvm.memcpy).
// CHECK-LABEL: func.func @copies(
//       CHECK:   linalg.copy ins(%{{.+}} : memref<4x8xf32, strided<[16, 1], offset: ?>>) outs(%{{.+}} : memref<4x8xf32>)
//       CHECK:   linalg.copy ins(%{{.+}} : memref<4x8xf32>) outs(%{{.+}} : memref<4x8xf32, strided<[16, 1], offset: ?>>)
//       CHECK:   memref.copy %{{.+}}, %{{.+}} : memref<4x8xf32> to memref<4x8xf32>
// LLVM-NOT: memrefCopy
func.func @copies(%big: memref<4x16xf32>, %a: memref<4x8xf32>, %b: memref<4x8xf32>, %i: index) {
  %v = memref.subview %big[0, %i] [4, 8] [1, 1] : memref<4x16xf32> to memref<4x8xf32, strided<[16, 1], offset: ?>>
  memref.copy %v, %a : memref<4x8xf32, strided<[16, 1], offset: ?>> to memref<4x8xf32>
  memref.copy %a, %v : memref<4x8xf32> to memref<4x8xf32, strided<[16, 1], offset: ?>>
  memref.copy %a, %b : memref<4x8xf32> to memref<4x8xf32>
  return
}
