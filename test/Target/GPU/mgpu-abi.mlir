// The runtime exports every mgpu* function that the installed MLIR's
// gpu-to-llvm declares, with the same number of parameters (catches ABI
// drift when LLVM is upgraded).
//
// RUN: retnet-opt %S/Inputs/mgpu-abi-probe.mlir --gpu-lower-to-nvvm-pipeline="cubin-chip=sm_90a cubin-features=+ptx80 cubin-format=isa" \
// RUN:   | mlir-translate --mlir-to-llvmir > %t.ll
// RUN: retnet-cuda-info --abi > %t.abi
// RUN: %python %S/check_mgpu_abi.py %t.ll %t.abi | FileCheck %s
// The check fails on drift: a changed arity, a missing export.
// RUN: sed -e 's/^mgpuMemAlloc 3$/mgpuMemAlloc 2/' -e '/^mgpuMemset16 /d' %t.abi > %t.drift
// RUN: not %python %S/check_mgpu_abi.py %t.ll %t.drift | FileCheck %s --check-prefix=DRIFT
//
// DRIFT-DAG: ARITY mgpuMemAlloc: declared with 3 parameters, exported with 2
// DRIFT-DAG: MISSING mgpuMemset16: declared with 4 parameters, not exported
// DRIFT: 18 declared, DRIFT
//
// CHECK-DAG: ok mgpuLaunchKernel 12
// CHECK-DAG: ok mgpuLaunchClusterKernel 14
// CHECK-DAG: ok mgpuModuleLoadJIT 2
// CHECK-DAG: ok mgpuMemAlloc 3
// CHECK-DAG: ok mgpuMemset16 4
// CHECK-DAG: ok mgpuStreamWaitEvent 2
// CHECK-DAG: ok mgpuTensorMapEncodeTiledMemref 8
// CHECK: 18 declared, all match
