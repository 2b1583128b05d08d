// Executed on CUDA: views that are only element-aligned (--offset 1: every
// tensor starts one element into its buffer). The tensor-core chunkwise
// kernels stage tiles with 16-byte cp.async and the decode kernel moves
// 16-byte quads; both check the alignment at run time and otherwise take the
// generic kernels, which give the same results. (Before the check, the
// simulator reported CUDA_ERROR_MISALIGNED_ADDRESS on the first cp.async.)
// The aligned cases next to them take the fast kernels.
//
// DEFINE: %{case} =
// DEFINE: %{check} = retnet-harness --target cuda %cuda_binary --work-dir %t %{case}
// RUN: rm -rf %t && mkdir -p %t

// Fused schedule, decode kernel (T <= 16), bf16 and f32.
// REDEFINE: %{case} = --dtype bf16 --batch 1 --heads 2 --tokens 16 --dk 64 --dv 64 --chunk 64 --state --scale 0.125 --seed 3101 --offset 1
// RUN: %{check}
// REDEFINE: %{case} = --dtype bf16 --batch 2 --heads 1 --tokens 70 --dk 128 --dv 64 --chunk 64 --state --scale 0.125 --seed 3102 --offset 1
// RUN: %{check}
// REDEFINE: %{case} = --dtype f32 --batch 2 --heads 2 --tokens 3 --dk 16 --dv 64 --chunk 16 --state --scale 1.0 --seed 3103 --offset 1
// RUN: %{check}
// Offsets that keep 16-byte alignment (8 bf16, 4 f32 elements): fast path.
// REDEFINE: %{case} = --dtype bf16 --batch 1 --heads 2 --tokens 16 --dk 64 --dv 64 --chunk 64 --state --scale 0.125 --seed 3104 --offset 8
// RUN: %{check}
// REDEFINE: %{case} = --dtype f32 --batch 2 --heads 2 --tokens 3 --dk 16 --dv 64 --chunk 16 --state --scale 1.0 --seed 3105 --offset 4
// RUN: %{check}
