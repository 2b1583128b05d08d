// RUN: retnet-opt %s -split-input-file -allow-unregistered-dialect --retention-gpu-dedup-kernels | FileCheck %s

// Two kernels equal but for their module and function names (what every
// layer's launch of the same projection is after outlining): both launches
// go to the first; a kernel that stores a different constant stays its own.
// CHECK-LABEL: func.func @layers(
//       CHECK:   gpu.launch_func @layer0_kernel::@layer0_kernel
//  CHECK-SAME:     args(%{{.*}} : memref<16xf32>)
//       CHECK:   gpu.launch_func @layer0_kernel::@layer0_kernel
//  CHECK-SAME:     args(%{{.*}} : memref<16xf32>)
//       CHECK:   gpu.launch_func @scaled_kernel::@scaled_kernel
//       CHECK: gpu.module @layer0_kernel {
//  CHECK-NOT: gpu.module @decode_kernel
//       CHECK: gpu.module @scaled_kernel {
//       CHECK:   arith.constant 3.000000e+00 : f32
module attributes {gpu.container_module} {
  func.func @layers(%a: memref<16xf32>, %b: memref<16xf32>) {
    %c1 = arith.constant 1 : index
    %c16 = arith.constant 16 : index
    gpu.launch_func @layer0_kernel::@layer0_kernel blocks in (%c1, %c1, %c1) threads in (%c16, %c1, %c1) args(%a : memref<16xf32>)
    gpu.launch_func @decode_kernel::@decode_kernel blocks in (%c1, %c1, %c1) threads in (%c16, %c1, %c1) args(%b : memref<16xf32>)
    gpu.launch_func @scaled_kernel::@scaled_kernel blocks in (%c1, %c1, %c1) threads in (%c16, %c1, %c1) args(%a : memref<16xf32>)
    return
  }
  gpu.module @layer0_kernel {
    gpu.func @layer0_kernel(%arg0: memref<16xf32>) kernel {
      %t = gpu.thread_id x
      %x = memref.load %arg0[%t] : memref<16xf32>
      %c = arith.constant 2.000000e+00 : f32
      %y = arith.mulf %x, %c : f32
      memref.store %y, %arg0[%t] : memref<16xf32>
      gpu.return
    }
  }
  gpu.module @decode_kernel {
    gpu.func @decode_kernel(%arg0: memref<16xf32>) kernel {
      %t = gpu.thread_id x
      %x = memref.load %arg0[%t] : memref<16xf32>
      %c = arith.constant 2.000000e+00 : f32
      %y = arith.mulf %x, %c : f32
      memref.store %y, %arg0[%t] : memref<16xf32>
      gpu.return
    }
  }
  gpu.module @scaled_kernel {
    gpu.func @scaled_kernel(%arg0: memref<16xf32>) kernel {
      %t = gpu.thread_id x
      %x = memref.load %arg0[%t] : memref<16xf32>
      %c = arith.constant 3.000000e+00 : f32
      %y = arith.mulf %x, %c : f32
      memref.store %y, %arg0[%t] : memref<16xf32>
      gpu.return
    }
  }
}

// -----

// Device globals (shared-memory tiles, constant tables) are compared by
// content, not by name: the two modules below differ only in their global's
// name and are merged; the third's table holds other values and is kept.
// CHECK-LABEL: func.func @globals(
//       CHECK:   gpu.launch_func @a_kernel::@a_kernel
//       CHECK:   gpu.launch_func @a_kernel::@a_kernel
//       CHECK:   gpu.launch_func @c_kernel::@c_kernel
//       CHECK: gpu.module @a_kernel {
//       CHECK:   memref.global "private" constant @table_a : memref<2xf32> = dense<[1.000000e+00, 2.000000e+00]>
//   CHECK-NOT: gpu.module @b_kernel
//       CHECK: gpu.module @c_kernel {
//       CHECK:   memref.global "private" constant @table_c : memref<2xf32> = dense<[1.000000e+00, 5.000000e-01]>
module attributes {gpu.container_module} {
  func.func @globals(%a: memref<2xf32>) {
    %c1 = arith.constant 1 : index
    %c2 = arith.constant 2 : index
    gpu.launch_func @a_kernel::@a_kernel blocks in (%c1, %c1, %c1) threads in (%c2, %c1, %c1) args(%a : memref<2xf32>)
    gpu.launch_func @b_kernel::@b_kernel blocks in (%c1, %c1, %c1) threads in (%c2, %c1, %c1) args(%a : memref<2xf32>)
    gpu.launch_func @c_kernel::@c_kernel blocks in (%c1, %c1, %c1) threads in (%c2, %c1, %c1) args(%a : memref<2xf32>)
    return
  }
  gpu.module @a_kernel {
    memref.global "private" constant @table_a : memref<2xf32> = dense<[1.0, 2.0]>
    gpu.func @a_kernel(%arg0: memref<2xf32>) kernel {
      %t = gpu.thread_id x
      %g = memref.get_global @table_a : memref<2xf32>
      %x = memref.load %g[%t] : memref<2xf32>
      memref.store %x, %arg0[%t] : memref<2xf32>
      gpu.return
    }
  }
  gpu.module @b_kernel {
    memref.global "private" constant @table_b : memref<2xf32> = dense<[1.0, 2.0]>
    gpu.func @b_kernel(%arg0: memref<2xf32>) kernel {
      %t = gpu.thread_id x
      %g = memref.get_global @table_b : memref<2xf32>
      %x = memref.load %g[%t] : memref<2xf32>
      memref.store %x, %arg0[%t] : memref<2xf32>
      gpu.return
    }
  }
  gpu.module @c_kernel {
    memref.global "private" constant @table_c : memref<2xf32> = dense<[1.0, 0.5]>
    gpu.func @c_kernel(%arg0: memref<2xf32>) kernel {
      %t = gpu.thread_id x
      %g = memref.get_global @table_c : memref<2xf32>
      %x = memref.load %g[%t] : memref<2xf32>
      memref.store %x, %arg0[%t] : memref<2xf32>
      gpu.return
    }
  }
}

// -----

// A module that something other than a launch names keeps its identity,
// even when its code equals another's.
// CHECK-LABEL: func.func @pinned(
//       CHECK:   gpu.launch_func @first_kernel::@first_kernel
//       CHECK:   gpu.launch_func @named_kernel::@named_kernel
//       CHECK: gpu.module @first_kernel {
//       CHECK: gpu.module @named_kernel {
module attributes {gpu.container_module} {
  func.func @pinned(%a: memref<16xf32>) {
    %c1 = arith.constant 1 : index
    gpu.launch_func @first_kernel::@first_kernel blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%a : memref<16xf32>)
    gpu.launch_func @named_kernel::@named_kernel blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%a : memref<16xf32>)
    "test.profile"() {kernel = @named_kernel::@named_kernel} : () -> ()
    return
  }
  gpu.module @first_kernel {
    gpu.func @first_kernel(%arg0: memref<16xf32>) kernel {
      gpu.return
    }
  }
  gpu.module @named_kernel {
    gpu.func @named_kernel(%arg0: memref<16xf32>) kernel {
      gpu.return
    }
  }
}

// -----

// A declaration is known by its name: kernels that call different external
// functions are different kernels, however alike their code.
// CHECK-LABEL: func.func @externals(
//       CHECK:   gpu.launch_func @calls_a::@calls_a
//       CHECK:   gpu.launch_func @calls_b::@calls_b
//       CHECK: gpu.module @calls_a {
//       CHECK:   func.func private @ext_a(f32) -> f32
//       CHECK: gpu.module @calls_b {
//       CHECK:   func.func private @ext_b(f32) -> f32
module attributes {gpu.container_module} {
  func.func @externals(%a: memref<16xf32>) {
    %c1 = arith.constant 1 : index
    gpu.launch_func @calls_a::@calls_a blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%a : memref<16xf32>)
    gpu.launch_func @calls_b::@calls_b blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%a : memref<16xf32>)
    return
  }
  gpu.module @calls_a {
    func.func private @ext_a(f32) -> f32
    gpu.func @calls_a(%arg0: memref<16xf32>) kernel {
      %c0 = arith.constant 0 : index
      %x = memref.load %arg0[%c0] : memref<16xf32>
      %y = func.call @ext_a(%x) : (f32) -> f32
      memref.store %y, %arg0[%c0] : memref<16xf32>
      gpu.return
    }
  }
  gpu.module @calls_b {
    func.func private @ext_b(f32) -> f32
    gpu.func @calls_b(%arg0: memref<16xf32>) kernel {
      %c0 = arith.constant 0 : index
      %x = memref.load %arg0[%c0] : memref<16xf32>
      %y = func.call @ext_b(%x) : (f32) -> f32
      memref.store %y, %arg0[%c0] : memref<16xf32>
      gpu.return
    }
  }
}
