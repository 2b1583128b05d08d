// Host code that makes LLVM 22's gpu-to-llvm declare every mgpu* function
// it can emit: allocation, copies, memsets (32- and 16-bit), two async chains
// joined (events), a plain and a cluster launch, and a TMA descriptor.
module attributes {gpu.container_module} {
  func.func @probe(%h: memref<16xf32>, %h16: memref<16xf16>, %t: memref<*xf16>) {
    %c1 = arith.constant 1 : index
    %c16 = arith.constant 16 : index
    %c64 = arith.constant 64 : index
    %one = arith.constant 1.0 : f32
    %half = arith.constant 1.0 : f16
    %a = gpu.wait async
    %b = gpu.wait async
    %d, %ta = gpu.alloc async [%a] () : memref<16xf32>
    %e, %tb = gpu.alloc async [%b] () : memref<16xf16>
    %t1 = gpu.memcpy async [%ta] %d, %h : memref<16xf32>, memref<16xf32>
    %t2 = gpu.memset async [%t1] %d, %one : memref<16xf32>, f32
    %t3 = gpu.memset async [%tb] %e, %half : memref<16xf16>, f16
    %tj = gpu.wait async [%t2, %t3]
    gpu.wait [%tj]
    gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
               threads(%tx, %ty, %tz) in (%sx = %c16, %sy = %c1, %sz = %c1) {
      %v = memref.load %d[%tx] : memref<16xf32>
      memref.store %v, %d[%tx] : memref<16xf32>
      gpu.terminator
    }
    gpu.launch clusters(%cx, %cy, %cz) in (%ncx = %c1, %ncy = %c1, %ncz = %c1)
               blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
               threads(%tx, %ty, %tz) in (%sx = %c16, %sy = %c1, %sz = %c1) {
      %v = memref.load %d[%tx] : memref<16xf32>
      memref.store %v, %d[%tx] : memref<16xf32>
      gpu.terminator
    }
    %desc = nvgpu.tma.create.descriptor %t box[%c64, %c64] : memref<*xf16>
        -> !nvgpu.tensormap.descriptor<tensor = memref<64x64xf16, 3>, swizzle = swizzle_128b,
                                       l2promo = none, oob = zero, interleave = none>
    %w = gpu.wait async
    %t4 = gpu.dealloc async [%w] %d : memref<16xf32>
    %t5 = gpu.dealloc async [%t4] %e : memref<16xf16>
    gpu.wait [%t5]
    return
  }
}
