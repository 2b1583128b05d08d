// RUN: retnet-opt %s --pass-pipeline="builtin.module(func.func(retention-gpu-place-buffers))" | FileCheck %s
// RUN: retnet-opt %s --pass-pipeline="builtin.module(func.func(retention-gpu-place-buffers,retention-gpu-emulate-on-host))" | FileCheck %s --check-prefix=EMU
// RUN: retnet-opt %s --pass-pipeline="builtin.module(func.func(retention-gpu-place-buffers{host-shared=false}))" | FileCheck %s --check-prefix=DEV
// RUN: retnet-opt %s --pass-pipeline="builtin.module(func.func(retention-gpu-place-buffers{host-shared=false},retention-gpu-emulate-on-host))" | FileCheck %s --check-prefix=EMU
//
// retention-gpu-place-buffers: a buffer outside the parallel loops lives in
// managed memory (or, host-shared=false, device memory: the async gpu.alloc
// on a stream, the only form gpu-to-llvm lowers for it) and is freed with
// the async gpu.dealloc between two waits (likewise); a per-thread
// temporary goes to the stack. retention-gpu-emulate-on-host undoes the device placement for
// testing on a CPU: host allocation and free, no waits, the stack buffers
// untouched.

// CHECK-LABEL: func.func @buffers(
// CHECK:         %[[M:.*]] = gpu.alloc host_shared (%{{.*}}) : memref<?xf32>
// CHECK:         scf.forall
// CHECK:           memref.alloca() : memref<4xf32>
// CHECK-NOT:       dealloc
// CHECK:         }
// CHECK:         %[[READY:.*]] = gpu.wait async
// CHECK:         %[[FREED:.*]] = gpu.dealloc async [%[[READY]]] %[[M]] : memref<?xf32>
// CHECK:         gpu.wait [%[[FREED]]]
// CHECK-NOT:     memref.dealloc

// DEV-LABEL: func.func @buffers(
// DEV:         %[[S:.*]] = gpu.wait async
// DEV:         %[[M:.*]], %[[A:.*]] = gpu.alloc async [%[[S]]] (%{{.*}}) : memref<?xf32>
// DEV:         gpu.wait [%[[A]]]
// DEV-NOT:     host_shared
// DEV:         scf.forall
// DEV:           memref.alloca() : memref<4xf32>
// DEV:         %[[READY:.*]] = gpu.wait async
// DEV:         %[[FREED:.*]] = gpu.dealloc async [%[[READY]]] %[[M]] : memref<?xf32>
// DEV:         gpu.wait [%[[FREED]]]

// EMU-LABEL: func.func @buffers(
// EMU:         %[[M:.*]] = memref.alloc(%{{.*}}) {alignment = 64 : i64} : memref<?xf32>
// EMU:         memref.alloca() : memref<4xf32>
// EMU:         memref.dealloc %[[M]] : memref<?xf32>
// EMU-NOT:     gpu.

func.func @buffers(%n: index, %out: memref<?xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %f = arith.constant 2.0 : f32
  %tmp = memref.alloc(%n) : memref<?xf32>
  scf.forall (%i) in (%n) {
    %priv = memref.alloc() : memref<4xf32>
    memref.store %f, %priv[%c0] : memref<4xf32>
    %v = memref.load %priv[%c0] : memref<4xf32>
    memref.store %v, %tmp[%i] : memref<?xf32>
    memref.dealloc %priv : memref<4xf32>
  }
  memref.copy %tmp, %out : memref<?xf32> to memref<?xf32>
  memref.dealloc %tmp : memref<?xf32>
  return
}
