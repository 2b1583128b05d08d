// RUN: retnet-opt %s -split-input-file --retention-gpu-stage-shared | FileCheck %s
// RUN: retnet-opt %s -split-input-file --retention-gpu-stage-shared="max-bytes=256" | FileCheck %s --check-prefix=BUDGET

// A row every thread of the block reads (offsets from block ids and a
// uniform loop) is copied cooperatively into shared memory, published with a
// barrier, read from there, and protected by a barrier after the loop.
// CHECK: memref.global "private" @[[$SMEM:__retention_smem_[0-9]+]] : memref<64xf32, #gpu.address_space<workgroup>>
// CHECK-LABEL: func.func @uniform_row(
//       CHECK:   scf.for %[[T:.*]] = %c0 to %c100 step %c1 {
//       CHECK:     %[[ROW:.*]] = memref.subview %{{.*}}[%{{.*}}, %[[T]], 0] [1, 1, 64]
//       CHECK:     %[[BUF:.*]] = memref.get_global @[[$SMEM]]
//       CHECK:     %[[TID:.*]] = gpu.thread_id x
//       CHECK:     %[[NT:.*]] = gpu.block_dim x
//       CHECK:     scf.for %[[I:.*]] = %[[TID]] to %{{.*}} step %[[NT]] {
//       CHECK:       %[[X:.*]] = memref.load %[[ROW]][%[[I]]]
//       CHECK:       memref.store %[[X]], %[[BUF]][%[[I]]]
//       CHECK:     gpu.barrier
//       CHECK:     scf.for %[[L:.*]] = %c0 to %c64 step %c1 iter_args({{.*}}) -> (f32) {
//       CHECK:       memref.load %[[BUF]][%[[L]]] : memref<64xf32, #gpu.address_space<workgroup>>
//       CHECK:     }
//  CHECK-NEXT:     gpu.barrier
// BUDGET-LABEL: func.func @uniform_row(
//       BUDGET:   memref.get_global
func.func @uniform_row(%q: memref<3x100x64xf32>, %o: memref<3x100x128xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c3 = arith.constant 3 : index
  %c64 = arith.constant 64 : index
  %c100 = arith.constant 100 : index
  %c128 = arith.constant 128 : index
  %zero = arith.constant 0.0 : f32
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c3, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c128, %sy = %c1, %sz = %c1) {
    scf.for %t = %c0 to %c100 step %c1 {
      %row = memref.subview %q[%bx, %t, 0] [1, 1, 64] [1, 1, 1]
          : memref<3x100x64xf32> to memref<64xf32, strided<[1], offset: ?>>
      %sum = scf.for %l = %c0 to %c64 step %c1 iter_args(%acc = %zero) -> (f32) {
        %x = memref.load %row[%l] : memref<64xf32, strided<[1], offset: ?>>
        %a = arith.addf %acc, %x : f32
        scf.yield %a : f32
      }
      memref.store %sum, %o[%bx, %t, %tx] : memref<3x100x128xf32>
    }
    gpu.terminator
  }
  return
}

// -----

// Not staged: a row that depends on the thread, a row of an input the kernel
// writes, and a loop under a thread-dependent branch (a barrier there would
// hang the block).
// CHECK-LABEL: func.func @left_alone(
//   CHECK-NOT:   gpu.barrier
//   CHECK-NOT:   memref.get_global
// BUDGET-LABEL: func.func @left_alone(
func.func @left_alone(%q: memref<128x64xf32>, %w: memref<4x64xf32>, %o: memref<128xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c64 = arith.constant 64 : index
  %c128 = arith.constant 128 : index
  %zero = arith.constant 0.0 : f32
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c128, %sy = %c1, %sz = %c1) {
    %mine = memref.subview %q[%tx, 0] [1, 64] [1, 1]
        : memref<128x64xf32> to memref<64xf32, strided<[1], offset: ?>>
    %s1 = scf.for %l = %c0 to %c64 step %c1 iter_args(%acc = %zero) -> (f32) {
      %x = memref.load %mine[%l] : memref<64xf32, strided<[1], offset: ?>>
      %a = arith.addf %acc, %x : f32
      scf.yield %a : f32
    }
    %shared = memref.subview %w[%bx, 0] [1, 64] [1, 1]
        : memref<4x64xf32> to memref<64xf32, strided<[1], offset: ?>>
    %s2 = scf.for %l = %c0 to %c64 step %c1 iter_args(%acc = %s1) -> (f32) {
      %x = memref.load %shared[%l] : memref<64xf32, strided<[1], offset: ?>>
      %a = arith.addf %acc, %x : f32
      scf.yield %a : f32
    }
    memref.store %s2, %w[%bx, %tx] : memref<4x64xf32>
    %cond = arith.cmpi ult, %tx, %c64 : index
    scf.if %cond {
      %row = memref.subview %q[%bx, 0] [1, 64] [1, 1]
          : memref<128x64xf32> to memref<64xf32, strided<[1], offset: ?>>
      %s3 = scf.for %l = %c0 to %c64 step %c1 iter_args(%acc = %zero) -> (f32) {
        %x = memref.load %row[%l] : memref<64xf32, strided<[1], offset: ?>>
        %a = arith.addf %acc, %x : f32
        scf.yield %a : f32
      }
      memref.store %s3, %o[%tx] : memref<128xf32>
    }
    gpu.terminator
  }
  return
}

// -----

// Over the budget: 512 bytes of rows with max-bytes=256 stage only the first.
// BUDGET-LABEL: func.func @budget(
//       BUDGET:   memref.get_global
//   BUDGET-NOT:   memref.get_global
// CHECK-LABEL: func.func @budget(
//   CHECK-COUNT-2:   memref.get_global
func.func @budget(%q: memref<2x64xf32>, %o: memref<128xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c64 = arith.constant 64 : index
  %c128 = arith.constant 128 : index
  %zero = arith.constant 0.0 : f32
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c128, %sy = %c1, %sz = %c1) {
    %r0 = memref.subview %q[0, 0] [1, 64] [1, 1] : memref<2x64xf32> to memref<64xf32, strided<[1]>>
    %r1 = memref.subview %q[1, 0] [1, 64] [1, 1] : memref<2x64xf32> to memref<64xf32, strided<[1], offset: 64>>
    %s = scf.for %l = %c0 to %c64 step %c1 iter_args(%acc = %zero) -> (f32) {
      %x = memref.load %r0[%l] : memref<64xf32, strided<[1]>>
      %y = memref.load %r1[%l] : memref<64xf32, strided<[1], offset: 64>>
      %m = arith.mulf %x, %y : f32
      %a = arith.addf %acc, %m : f32
      scf.yield %a : f32
    }
    memref.store %s, %o[%tx] : memref<128xf32>
    gpu.terminator
  }
  return
}
