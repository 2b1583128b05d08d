// Executed on CUDA: an elementwise op over 70000 x 64 elements. Its row
// dimension has more blocks than grid y or z allow (65535), so it must go on
// grid x (retention-gpu-map-parallel-loops). Before that rule the launch was
// grid (1, 70000, 1) and the driver refused it (CUDA_ERROR_INVALID_VALUE).
//
// RUN: retnet-opt %s --retention-nvvm-pipeline=format=isa -o %t.mlir
// RUN: mlir-runner %t.mlir -e main -entry-point-result=void -shared-libs=%retnet_cuda_runtime,%mlir_runner_utils,%mlir_c_runner_utils | FileCheck %s
// CHECK: 1
// CHECK-NEXT: 70062
// CHECK-NEXT: 34999.5

#map = affine_map<(d0, d1) -> (d0, d1)>
func.func @main() {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c63 = arith.constant 63 : index
  %c34999 = arith.constant 34999 : index
  %c69999 = arith.constant 69999 : index
  %in = memref.alloc() : memref<70000x64xf32>
  %out = memref.alloc() : memref<70000x64xf32>
  // in[i][j] = j, out[i][j] = in[i][j] + i: every row distinct.
  linalg.generic {indexing_maps = [#map], iterator_types = ["parallel", "parallel"]}
      outs(%in : memref<70000x64xf32>) {
  ^bb0(%x: f32):
    %j = linalg.index 1 : index
    %ji = arith.index_cast %j : index to i64
    %jf = arith.sitofp %ji : i64 to f32
    linalg.yield %jf : f32
  }
  linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel", "parallel"]}
      ins(%in : memref<70000x64xf32>) outs(%out : memref<70000x64xf32>) {
  ^bb0(%x: f32, %y: f32):
    %i = linalg.index 0 : index
    %ii = arith.index_cast %i : index to i64
    %if = arith.sitofp %ii : i64 to f32
    %s = arith.addf %x, %if : f32
    linalg.yield %s : f32
  }
  %a = memref.load %out[%c0, %c1] : memref<70000x64xf32>
  %b = memref.load %out[%c69999, %c63] : memref<70000x64xf32>
  %half = arith.constant 0.5 : f32
  %m = memref.load %out[%c34999, %c0] : memref<70000x64xf32>
  %c = arith.addf %m, %half : f32
  vector.print %a : f32
  vector.print %b : f32
  vector.print %c : f32
  return
}
