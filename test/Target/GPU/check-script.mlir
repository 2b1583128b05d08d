// benchmarks/gpu/prepare.sh builds a bundle of precompiled CUDA cases, and
// benchmarks/gpu/check.sh runs it where there is a driver but no MLIR. Here
// the driver is the recording fake: every case loads and launches, nothing
// computes, the poisoned outputs stay NaN (the whole model's logits stay
// zero, its greedy tokens differ from the CPU's), so every case fails, the
// table still prints, and the script exits non-zero.
//
// RUN: rm -rf %t && env RETNET_BUILD_DIR=%retnet_obj_root %retnet_src_root/benchmarks/gpu/prepare.sh --quick --no-bench --out %t | FileCheck %s --check-prefix=PREP
// RUN: not env RETNET_GPU_BUNDLE=%t RETNET_LIBCUDA=%fake_libcuda %retnet_src_root/benchmarks/gpu/check.sh 2>&1 | FileCheck %s
// RUN: not env RETNET_GPU_BUNDLE=%t RETNET_LIBCUDA=/nonexistent/libcuda.so.1 %retnet_src_root/benchmarks/gpu/check.sh 2>&1 | FileCheck %s --check-prefix=NODRIVER
//
// PREP: prepare.sh: compiling 26 cases
// PREP: prepare.sh: 1 whole models compiled for CUDA
// PREP: prepare.sh: bundle ready
// CHECK: CUDA: a GPU is usable
// CHECK: check.sh: 33 cases in
// CHECK: FAILED forms-{{.*}} rel_l2=nan
// CHECK: case group {{ *}}passed {{ *}}max rel L2
// CHECK: forms-bf16-t1 {{ *}}0/2 {{ *}}nan
// CHECK: model-swish-h2-dv48 {{ *}}0/4
// CHECK: model-swish-h2-dv48-bf16 {{ *}}0/3
// CHECK: all {{ *}}0/33
// NODRIVER: CUDA: not usable: cannot load the CUDA driver (/nonexistent/libcuda.so.1)
// NODRIVER-NOT: case group
