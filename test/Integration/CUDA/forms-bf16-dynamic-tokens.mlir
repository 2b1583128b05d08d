// Executed on CUDA (bf16): the tensor-core chunkwise kernel (fused schedule)
// where a whole model's prefill needs it: T known only at run time
// (--dynamic-tokens: `?` in the kernel's types; the kernel walks
// ceil(T / 64) chunks and stores rows < T), and key widths below 64 (16,
// 32, 48: Q and K staged with zero columns up to 64, the state's rows past
// dk zero and never stored), value widths that only a 16-column tile
// divides (48), with and without an initial state, T from 1 to 130. Through
// retnet-harness: outputs poisoned before each run; chunkwise, parallel and
// recurrent forms against the float64 reference and each other (relative
// L2, bf16 1e-2). Each case's kernels hold mma.sync: the chunkwise and
// parallel ops took the tensor-core kernel (the recurrent one has none).
//
// DEFINE: %{case} =
// DEFINE: %{check} = retnet-harness --target cuda %cuda_binary --dtype bf16 --work-dir %t %{case} | FileCheck %s && FileCheck %s --check-prefix=MMA < %t/kernel.llvm.mlir
// CHECK: ok {{.*}}chunkwise.o vs float64 reference
// CHECK: PASS
// MMA: mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32
// RUN: rm -rf %t && mkdir -p %t

// dk = 64: T dynamic only.
// REDEFINE: %{case} = --batch 2 --heads 2 --tokens 100 --dk 64 --dv 64 --chunk 16 --state --scale 0.125 --seed 4101 --dynamic-tokens
// RUN: %{check}
// dk = 32 (the example model's), static and dynamic T, 1 to 130 tokens.
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 100 --dk 32 --dv 64 --chunk 16 --state --scale 0.25 --seed 4102
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 130 --dk 32 --dv 64 --chunk 16 --scale 0.25 --seed 4103 --dynamic-tokens
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 4 --tokens 1 --dk 32 --dv 64 --chunk 16 --state --scale 0.25 --seed 4104 --dynamic-tokens
// RUN: %{check}
// dk = 16, dv = 16 (the golden models' heads), and dk = dv = 48.
// REDEFINE: %{case} = --batch 3 --heads 3 --tokens 7 --dk 16 --dv 16 --chunk 4 --scale 0.25 --seed 4105 --dynamic-tokens
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 2 --tokens 65 --dk 48 --dv 48 --chunk 16 --state --scale 0.25 --seed 4106 --dynamic-tokens
// RUN: %{check}
