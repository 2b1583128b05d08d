// REQUIRES: ptxas
// Every op of the dialect's round-trip test that has static shapes, and the
// bundled example, compile to sm_90a cubins that ptxas accepts (format=bin
// runs ptxas inside gpu-module-to-binary; a rejected kernel fails the run).
//
// RUN: retnet-opt %s --retention-nvvm-pipeline | FileCheck %s
// RUN: retnet-opt %S/../../Examples/retention-forms.mlir --retention-nvvm-pipeline | FileCheck %s --check-prefix=EXAMPLE
// RUN: retnet-opt %S/retention-nvvm-pipeline.mlir --retention-nvvm-pipeline="format=bin chip=sm_90a opt-level=1" | FileCheck %s --check-prefix=BIN
//
// No kernel of these modules synchronizes or multiplies on tensor cores in
// inline asm (ptx_resources.py fails on such a block; the only asm left is
// the MMA kernels' opaque register move, see MMAFragments.h).
// RUN: retnet-opt %s --retention-nvvm-pipeline=format=isa -o %t.isa.mlir
// RUN: %python %S/Inputs/ptx_resources.py %ptxas %t.isa.mlir > %t.res
// RUN: retnet-opt %S/../../Examples/retention-forms.mlir --retention-nvvm-pipeline=format=isa -o %t.example.mlir
// RUN: %python %S/Inputs/ptx_resources.py %ptxas %t.example.mlir > %t.res
// RUN: retnet-opt %S/retention-nvvm-pipeline.mlir --retention-nvvm-pipeline=format=isa -o %t.pipeline.mlir
// RUN: %python %S/Inputs/ptx_resources.py %ptxas %t.pipeline.mlir > %t.res
// RUN: retnet-opt %S/retention-decode-kernel.mlir --retention-nvvm-pipeline=format=isa -o %t.decode.mlir
// RUN: %python %S/Inputs/ptx_resources.py %ptxas %t.decode.mlir > %t.res
//
// A chip that CUDA 13's ptxas does not know is a diagnostic, not a crash.
// RUN: not retnet-opt %s --retention-nvvm-pipeline="chip=sm_50" 2>&1 | FileCheck %s --check-prefix=BADCHIP
// BADCHIP: error: `ptxas` invocation failed
// BADCHIP: Value 'sm_50' is not defined for option 'gpu-name'
//
// CHECK-COUNT-4: gpu.binary @{{[a-z_0-9]+}} [#gpu.object<#nvvm.target<O = 3, chip = "sm_90a", features = "+ptx80">, properties = {ISAToBinaryTimeInMs
// EXAMPLE-COUNT-3: gpu.binary @{{[a-z_0-9]+}} [#gpu.object<#nvvm.target<O = 3, chip = "sm_90a"
// BIN-COUNT-3: gpu.binary @{{[a-z_0-9]+}} [#gpu.object<#nvvm.target<O = 1, chip = "sm_90a", features = "+ptx80">

func.func @all_forms(%q: tensor<2x1x257x16xf32>, %v: tensor<2x1x257x32xf32>,
                     %s: tensor<2x1x16x32xf32>, %qb: tensor<1x3x1x64xbf16>,
                     %vb: tensor<1x3x1x16xbf16>)
    -> (tensor<2x1x257x32xf32>, tensor<2x1x257x32xf32>, tensor<2x1x16x32xf32>,
        tensor<1x3x1x16xbf16>, tensor<1x3x64x16xf32>) {
  %oinit0 = tensor.empty() : tensor<2x1x257x32xf32>
  %p = retention.parallel %q, %q, %v, %s outs(%oinit0) {gamma = array<f64: 0.5>}
      : (tensor<2x1x257x16xf32>, tensor<2x1x257x16xf32>, tensor<2x1x257x32xf32>,
         tensor<2x1x16x32xf32>, tensor<2x1x257x32xf32>) -> tensor<2x1x257x32xf32>
  %oinit1 = tensor.empty() : tensor<2x1x257x32xf32>
  %sinit1 = tensor.empty() : tensor<2x1x16x32xf32>
  %c, %cs = retention.chunkwise %q, %q, %v outs(%oinit1, %sinit1) {chunk_size = 16 : i64, gamma = array<f64: 1.0>}
      : (tensor<2x1x257x16xf32>, tensor<2x1x257x16xf32>, tensor<2x1x257x32xf32>, tensor<2x1x257x32xf32>, tensor<2x1x16x32xf32>)
      -> (tensor<2x1x257x32xf32>, tensor<2x1x16x32xf32>)
  %oinit2 = tensor.empty() : tensor<1x3x1x16xbf16>
  %sinit2 = tensor.empty() : tensor<1x3x64x16xf32>
  %r, %rs = retention.recurrent %qb, %qb, %vb outs(%oinit2, %sinit2) {gamma = array<f64: 0.9, 0.8, 0.7>, scale = 0.5 : f64}
      : (tensor<1x3x1x64xbf16>, tensor<1x3x1x64xbf16>, tensor<1x3x1x16xbf16>, tensor<1x3x1x16xbf16>, tensor<1x3x64x16xf32>)
      -> (tensor<1x3x1x16xbf16>, tensor<1x3x64x16xf32>)
  %oinit3 = tensor.empty() : tensor<1x3x1x16xbf16>
  %sinit3 = tensor.empty() : tensor<1x3x64x16xf32>
  %x, %xs = retention.chunkwise %qb, %qb, %vb outs(%oinit3, %sinit3) {chunk_size = 64 : i64, gamma = array<f64: 0.5, 0.25, 1.0>}
      : (tensor<1x3x1x64xbf16>, tensor<1x3x1x64xbf16>, tensor<1x3x1x16xbf16>, tensor<1x3x1x16xbf16>, tensor<1x3x64x16xf32>)
      -> (tensor<1x3x1x16xbf16>, tensor<1x3x64x16xf32>)
  return %p, %c, %cs, %r, %xs : tensor<2x1x257x32xf32>, tensor<2x1x257x32xf32>,
      tensor<2x1x16x32xf32>, tensor<1x3x1x16xbf16>, tensor<1x3x64x16xf32>
}
