// The CPU benchmark's prefill projection, compiled as retnet-compile
// --threads compiles a model's matmuls (its columns split across the
// cores' OpenMP threads; benchmarks/CMakeLists.txt).

// A prefill projection: a prompt's rows (dynamic, as in a compiled model)
// times an xl-sized weight matrix (d = 2048 to the FFN's 3456).
func.func @projection(%x: memref<?x2048xf32>, %w: memref<2048x3456xf32>,
    %o: memref<?x3456xf32>) attributes {llvm.emit_c_interface} {
  %c0 = arith.constant 0 : index
  %xt = bufferization.to_tensor %x restrict : memref<?x2048xf32> to tensor<?x2048xf32>
  %wt = bufferization.to_tensor %w restrict : memref<2048x3456xf32> to tensor<2048x3456xf32>
  %m = tensor.dim %xt, %c0 : tensor<?x2048xf32>
  %e = tensor.empty(%m) : tensor<?x3456xf32>
  %z = arith.constant 0.0 : f32
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<?x3456xf32>) -> tensor<?x3456xf32>
  %r = linalg.matmul ins(%xt, %wt : tensor<?x2048xf32>, tensor<2048x3456xf32>) outs(%f : tensor<?x3456xf32>) -> tensor<?x3456xf32>
  bufferization.materialize_in_destination %r in restrict writable %o : (tensor<?x3456xf32>, memref<?x3456xf32>) -> ()
  return
}
