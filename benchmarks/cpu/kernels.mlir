// CPU benchmark kernels: the shapes of the issue's CPU benchmark, on memrefs
// in destination-passing style so that no call allocates its outputs.
// Compiled by benchmarks/cpu/CMakeLists.txt with --retention-cpu-pipeline.

func.func @chunkwise_t512(%q: memref<1x8x512x256xf32>, %k: memref<1x8x512x256xf32>, %v: memref<1x8x512x512xf32>,
    %o: memref<1x8x512x512xf32>, %s: memref<1x8x256x512xf32>) attributes {llvm.emit_c_interface} {
  %qt = bufferization.to_tensor %q restrict : memref<1x8x512x256xf32> to tensor<1x8x512x256xf32>
  %kt = bufferization.to_tensor %k restrict : memref<1x8x512x256xf32> to tensor<1x8x512x256xf32>
  %vt = bufferization.to_tensor %v restrict : memref<1x8x512x512xf32> to tensor<1x8x512x512xf32>
  %oinit0 = tensor.empty() : tensor<1x8x512x512xf32>
  %sinit0 = tensor.empty() : tensor<1x8x256x512xf32>
  %ot, %st = retention.chunkwise %qt, %kt, %vt outs(%oinit0, %sinit0) {chunk_size = 64 : i64, gamma = array<f64: 0.96875, 0.984375, 0.9921875, 0.99609375, 0.998046875, 0.9990234375, 0.99951171875, 0.999755859375>}
      : (tensor<1x8x512x256xf32>, tensor<1x8x512x256xf32>, tensor<1x8x512x512xf32>, tensor<1x8x512x512xf32>, tensor<1x8x256x512xf32>) -> (tensor<1x8x512x512xf32>, tensor<1x8x256x512xf32>)
  bufferization.materialize_in_destination %ot in restrict writable %o : (tensor<1x8x512x512xf32>, memref<1x8x512x512xf32>) -> ()
  bufferization.materialize_in_destination %st in restrict writable %s : (tensor<1x8x256x512xf32>, memref<1x8x256x512xf32>) -> ()
  return
}

func.func @chunkwise_t2048(%q: memref<1x8x2048x256xf32>, %k: memref<1x8x2048x256xf32>, %v: memref<1x8x2048x512xf32>,
    %o: memref<1x8x2048x512xf32>, %s: memref<1x8x256x512xf32>) attributes {llvm.emit_c_interface} {
  %qt = bufferization.to_tensor %q restrict : memref<1x8x2048x256xf32> to tensor<1x8x2048x256xf32>
  %kt = bufferization.to_tensor %k restrict : memref<1x8x2048x256xf32> to tensor<1x8x2048x256xf32>
  %vt = bufferization.to_tensor %v restrict : memref<1x8x2048x512xf32> to tensor<1x8x2048x512xf32>
  %oinit1 = tensor.empty() : tensor<1x8x2048x512xf32>
  %sinit1 = tensor.empty() : tensor<1x8x256x512xf32>
  %ot, %st = retention.chunkwise %qt, %kt, %vt outs(%oinit1, %sinit1) {chunk_size = 64 : i64, gamma = array<f64: 0.96875, 0.984375, 0.9921875, 0.99609375, 0.998046875, 0.9990234375, 0.99951171875, 0.999755859375>}
      : (tensor<1x8x2048x256xf32>, tensor<1x8x2048x256xf32>, tensor<1x8x2048x512xf32>, tensor<1x8x2048x512xf32>, tensor<1x8x256x512xf32>) -> (tensor<1x8x2048x512xf32>, tensor<1x8x256x512xf32>)
  bufferization.materialize_in_destination %ot in restrict writable %o : (tensor<1x8x2048x512xf32>, memref<1x8x2048x512xf32>) -> ()
  bufferization.materialize_in_destination %st in restrict writable %s : (tensor<1x8x256x512xf32>, memref<1x8x256x512xf32>) -> ()
  return
}

func.func @chunkwise_t8192(%q: memref<1x8x8192x256xf32>, %k: memref<1x8x8192x256xf32>, %v: memref<1x8x8192x512xf32>,
    %o: memref<1x8x8192x512xf32>, %s: memref<1x8x256x512xf32>) attributes {llvm.emit_c_interface} {
  %qt = bufferization.to_tensor %q restrict : memref<1x8x8192x256xf32> to tensor<1x8x8192x256xf32>
  %kt = bufferization.to_tensor %k restrict : memref<1x8x8192x256xf32> to tensor<1x8x8192x256xf32>
  %vt = bufferization.to_tensor %v restrict : memref<1x8x8192x512xf32> to tensor<1x8x8192x512xf32>
  %oinit2 = tensor.empty() : tensor<1x8x8192x512xf32>
  %sinit2 = tensor.empty() : tensor<1x8x256x512xf32>
  %ot, %st = retention.chunkwise %qt, %kt, %vt outs(%oinit2, %sinit2) {chunk_size = 64 : i64, gamma = array<f64: 0.96875, 0.984375, 0.9921875, 0.99609375, 0.998046875, 0.9990234375, 0.99951171875, 0.999755859375>}
      : (tensor<1x8x8192x256xf32>, tensor<1x8x8192x256xf32>, tensor<1x8x8192x512xf32>, tensor<1x8x8192x512xf32>, tensor<1x8x256x512xf32>) -> (tensor<1x8x8192x512xf32>, tensor<1x8x256x512xf32>)
  bufferization.materialize_in_destination %ot in restrict writable %o : (tensor<1x8x8192x512xf32>, memref<1x8x8192x512xf32>) -> ()
  bufferization.materialize_in_destination %st in restrict writable %s : (tensor<1x8x256x512xf32>, memref<1x8x256x512xf32>) -> ()
  return
}

func.func @decode_b1(%q: memref<1x8x1x256xf32>, %k: memref<1x8x1x256xf32>, %v: memref<1x8x1x512xf32>,
    %s0: memref<1x8x256x512xf32>, %o: memref<1x8x1x512xf32>, %s1: memref<1x8x256x512xf32>) attributes {llvm.emit_c_interface} {
  %qt = bufferization.to_tensor %q restrict : memref<1x8x1x256xf32> to tensor<1x8x1x256xf32>
  %kt = bufferization.to_tensor %k restrict : memref<1x8x1x256xf32> to tensor<1x8x1x256xf32>
  %vt = bufferization.to_tensor %v restrict : memref<1x8x1x512xf32> to tensor<1x8x1x512xf32>
  %st = bufferization.to_tensor %s0 restrict : memref<1x8x256x512xf32> to tensor<1x8x256x512xf32>
  %oinit3 = tensor.empty() : tensor<1x8x1x512xf32>
  %sinit3 = tensor.empty() : tensor<1x8x256x512xf32>
  %ot, %sn = retention.recurrent %qt, %kt, %vt, %st outs(%oinit3, %sinit3) {gamma = array<f64: 0.96875, 0.984375, 0.9921875, 0.99609375, 0.998046875, 0.9990234375, 0.99951171875, 0.999755859375>}
      : (tensor<1x8x1x256xf32>, tensor<1x8x1x256xf32>, tensor<1x8x1x512xf32>, tensor<1x8x256x512xf32>, tensor<1x8x1x512xf32>, tensor<1x8x256x512xf32>) -> (tensor<1x8x1x512xf32>, tensor<1x8x256x512xf32>)
  bufferization.materialize_in_destination %ot in restrict writable %o : (tensor<1x8x1x512xf32>, memref<1x8x1x512xf32>) -> ()
  bufferization.materialize_in_destination %sn in restrict writable %s1 : (tensor<1x8x256x512xf32>, memref<1x8x256x512xf32>) -> ()
  return
}

func.func @decode_b16(%q: memref<16x8x1x256xf32>, %k: memref<16x8x1x256xf32>, %v: memref<16x8x1x512xf32>,
    %s0: memref<16x8x256x512xf32>, %o: memref<16x8x1x512xf32>, %s1: memref<16x8x256x512xf32>) attributes {llvm.emit_c_interface} {
  %qt = bufferization.to_tensor %q restrict : memref<16x8x1x256xf32> to tensor<16x8x1x256xf32>
  %kt = bufferization.to_tensor %k restrict : memref<16x8x1x256xf32> to tensor<16x8x1x256xf32>
  %vt = bufferization.to_tensor %v restrict : memref<16x8x1x512xf32> to tensor<16x8x1x512xf32>
  %st = bufferization.to_tensor %s0 restrict : memref<16x8x256x512xf32> to tensor<16x8x256x512xf32>
  %oinit4 = tensor.empty() : tensor<16x8x1x512xf32>
  %sinit4 = tensor.empty() : tensor<16x8x256x512xf32>
  %ot, %sn = retention.recurrent %qt, %kt, %vt, %st outs(%oinit4, %sinit4) {gamma = array<f64: 0.96875, 0.984375, 0.9921875, 0.99609375, 0.998046875, 0.9990234375, 0.99951171875, 0.999755859375>}
      : (tensor<16x8x1x256xf32>, tensor<16x8x1x256xf32>, tensor<16x8x1x512xf32>, tensor<16x8x256x512xf32>, tensor<16x8x1x512xf32>, tensor<16x8x256x512xf32>) -> (tensor<16x8x1x512xf32>, tensor<16x8x256x512xf32>)
  bufferization.materialize_in_destination %ot in restrict writable %o : (tensor<16x8x1x512xf32>, memref<16x8x1x512xf32>) -> ()
  bufferization.materialize_in_destination %sn in restrict writable %s1 : (tensor<16x8x256x512xf32>, memref<16x8x256x512xf32>) -> ()
  return
}
