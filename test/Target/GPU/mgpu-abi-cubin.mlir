// REQUIRES: ptxas
// With cubins (format=bin, assembled by ptxas) the module is loaded with
// mgpuModuleLoad(data, size); the runtime exports it with that arity.
//
// RUN: retnet-opt %S/Inputs/mgpu-abi-probe.mlir --gpu-lower-to-nvvm-pipeline="cubin-chip=sm_90a cubin-features=+ptx80 cubin-format=bin" \
// RUN:   | mlir-translate --mlir-to-llvmir > %t.ll
// RUN: retnet-cuda-info --abi > %t.abi
// RUN: %python %S/check_mgpu_abi.py %t.ll %t.abi | FileCheck %s
//
// CHECK: ok mgpuModuleLoad 2
// CHECK: all match
