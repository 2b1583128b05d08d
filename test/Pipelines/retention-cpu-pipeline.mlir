// RUN: retnet-opt %s --retention-cpu-pipeline | FileCheck %s
// RUN: retnet-opt %s --retention-cpu-pipeline="openmp=true" | FileCheck %s --check-prefix=OMP
// RUN: retnet-opt %s --retention-cpu-pipeline="vectorize=false" | FileCheck %s --check-prefix=SCALAR
// RUN: retnet-opt %s --retention-cpu-pipeline="form=chunkwise chunk-size=16 dv-tile=8" | FileCheck %s
// RUN: retnet-opt %s --retention-cpu-pipeline | mlir-translate --mlir-to-llvmir | FileCheck %s --check-prefix=LLVMIR
//
// Every form and element type on static shapes lowers to the LLVM dialect
// only, with vectorized FMAs; f16/bf16 are extended to f32 and the output
// truncated back (bf16 in integer arithmetic, so no libgcc builtin is needed).

// CHECK-LABEL: llvm.func @forms_bf16(
// CHECK-DAG:     llvm.intr.fmuladd({{.*}}) : (vector<{{[0-9]+}}xf32>
// CHECK-DAG:     llvm.bitcast {{.*}} : vector<{{[0-9]+}}xbf16> to vector<{{[0-9]+}}xi16>
// CHECK-DAG:     llvm.bitcast {{.*}} : vector<{{[0-9]+}}xi16> to vector<{{[0-9]+}}xbf16>
// CHECK-NOT:     __truncsfbf2
// CHECK-LABEL: llvm.func @forms_f16(
// CHECK-DAG:     llvm.fpext {{.*}} : vector<{{[0-9]+}}xf16> to vector<{{[0-9]+}}xf32>
// CHECK-NOT:   {{(linalg|scf|tensor|vector|memref|arith|func|retention)\.}}

// OMP-LABEL: llvm.func @forms_bf16(
// OMP:         omp.parallel
// OMP:         omp.wsloop

// SCALAR-LABEL: llvm.func @forms_bf16(
// SCALAR-NOT:     vector<
// SCALAR:         llvm.fmul {{.*}} : f32

// LLVMIR: define {{.*}} @forms_bf16(
// LLVMIR: fmuladd.v{{[0-9]+}}f32

func.func @forms_bf16(%q: tensor<2x3x40x16xbf16>, %k: tensor<2x3x40x16xbf16>,
                      %v: tensor<2x3x40x32xbf16>, %s: tensor<2x3x16x32xf32>)
    -> (tensor<2x3x40x32xbf16>, tensor<2x3x40x32xbf16>, tensor<2x3x16x32xf32>,
        tensor<2x3x40x32xbf16>, tensor<2x3x16x32xf32>) {
  %oinit0 = tensor.empty() : tensor<2x3x40x32xbf16>
  %p = retention.parallel %q, %k, %v, %s outs(%oinit0) {gamma = array<f64: 0.96875, 0.984375, 0.5>}
      : (tensor<2x3x40x16xbf16>, tensor<2x3x40x16xbf16>, tensor<2x3x40x32xbf16>,
         tensor<2x3x16x32xf32>, tensor<2x3x40x32xbf16>) -> tensor<2x3x40x32xbf16>
  %oinit1 = tensor.empty() : tensor<2x3x40x32xbf16>
  %sinit1 = tensor.empty() : tensor<2x3x16x32xf32>
  %c, %cs = retention.chunkwise %q, %k, %v, %s outs(%oinit1, %sinit1)
      {chunk_size = 16 : i64, gamma = array<f64: 0.96875, 0.984375, 0.5>, scale = 0.25 : f64}
      : (tensor<2x3x40x16xbf16>, tensor<2x3x40x16xbf16>, tensor<2x3x40x32xbf16>,
         tensor<2x3x16x32xf32>, tensor<2x3x40x32xbf16>, tensor<2x3x16x32xf32>) -> (tensor<2x3x40x32xbf16>, tensor<2x3x16x32xf32>)
  %oinit2 = tensor.empty() : tensor<2x3x40x32xbf16>
  %sinit2 = tensor.empty() : tensor<2x3x16x32xf32>
  %r, %rs = retention.recurrent %q, %k, %v outs(%oinit2, %sinit2) {gamma = array<f64: 0.96875, 0.984375, 0.5>}
      : (tensor<2x3x40x16xbf16>, tensor<2x3x40x16xbf16>, tensor<2x3x40x32xbf16>, tensor<2x3x40x32xbf16>, tensor<2x3x16x32xf32>)
      -> (tensor<2x3x40x32xbf16>, tensor<2x3x16x32xf32>)
  return %p, %c, %cs, %r, %rs : tensor<2x3x40x32xbf16>, tensor<2x3x40x32xbf16>,
      tensor<2x3x16x32xf32>, tensor<2x3x40x32xbf16>, tensor<2x3x16x32xf32>
}

func.func @forms_f16(%q: tensor<1x1x7x8xf16>, %v: tensor<1x1x7x8xf16>)
    -> (tensor<1x1x7x8xf16>, tensor<1x1x8x8xf32>) {
  %oinit3 = tensor.empty() : tensor<1x1x7x8xf16>
  %sinit3 = tensor.empty() : tensor<1x1x8x8xf32>
  %o, %s = retention.chunkwise %q, %q, %v outs(%oinit3, %sinit3) {chunk_size = 4 : i64, gamma = array<f64: 1.0>}
      : (tensor<1x1x7x8xf16>, tensor<1x1x7x8xf16>, tensor<1x1x7x8xf16>, tensor<1x1x7x8xf16>, tensor<1x1x8x8xf32>)
      -> (tensor<1x1x7x8xf16>, tensor<1x1x8x8xf32>)
  return %o, %s : tensor<1x1x7x8xf16>, tensor<1x1x8x8xf32>
}
