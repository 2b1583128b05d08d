// The execution harness compiles the three forms ahead of time (pipeline,
// mlir-translate, llc, system linker) into a shared library, runs it on
// random inputs with poisoned outputs, and checks it against the float64
// reference: f32 (1e-5) and bf16 (1e-2) on the CPU.
//
// RUN: retnet-harness --target cpu --batch 2 --heads 3 --tokens 100 --dk 16 --dv 128 --chunk 16 --state --scale 0.5 --seed 5 | FileCheck %s --check-prefix=F32
// RUN: retnet-harness --target cpu --dtype bf16 --batch 1 --heads 3 --tokens 257 --dk 64 --dv 16 --chunk 64 --seed 6 | FileCheck %s --check-prefix=BF16
// F32: ok   cpu/f32 chunkwise.o vs float64 reference
// F32: PASS
// BF16: ok   cpu/bf16 chunkwise.o vs float64 reference {{.*}}(tol 0.01)
// BF16: PASS
//
// The CUDA target on a machine without a driver: one clear line, exit 1.
// RUN: not env RETNET_LIBCUDA=/nonexistent/libcuda.so.1 retnet-harness --target cuda --batch 1 --heads 1 --tokens 7 --dk 16 --dv 16 --chunk 4 2>&1 | FileCheck %s --check-prefix=NODRIVER
// NODRIVER: retnet-harness: target cuda: cannot load the CUDA driver (/nonexistent/libcuda.so.1)
//
// Against the recording fake driver the whole CUDA path runs: cubins
// embedded, library linked with the runtime, module loaded, kernels
// launched (they do nothing there), so the poisoned outputs stay NaN and the
// harness fails. This is what makes an unwritten output visible on a GPU.
// RUN: not env RETNET_LIBCUDA=%fake_libcuda retnet-harness --target cuda --batch 1 --heads 2 --tokens 7 --dk 16 --dv 16 --chunk 4 --state 2>&1 | FileCheck %s --check-prefix=FAKE
// FAKE: FAIL cuda/f32 chunkwise.o vs float64 reference rel_l2=nan
// FAKE: FAIL
