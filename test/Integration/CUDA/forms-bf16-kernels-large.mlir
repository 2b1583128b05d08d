// REQUIRES: cuda-gpu
// Executed on an NVIDIA GPU only (bf16): the large shapes of
// forms-bf16-kernels.mlir (T = 1000 and 2048; the simulator runs cut
// versions of them there). Shapes that take the hand-scheduled kernels of
// the GPU speed issue. The harness module holds the three forms, so each case
// runs the tensor-core kernel twice (chunkwise and parallel; schedule
// `fused`, or `chunked` where the fused grid is small and T >= 256) and the
// decode kernel or the generic recurrent kernel (T <= 16 or not), all against
// the float64 reference (relative L2 1e-2) and each other. Covers dk 64 to 256,
// BV 32 and 64, T around the chunk size (63, 64, 65), the last-chunk decay,
// T = 1, carried state, and scales.
//
// DEFINE: %{case} =
// DEFINE: %{check} = retnet-harness --target cuda %cuda_binary --dtype bf16 --work-dir %t %{case}
// RUN: rm -rf %t && mkdir -p %t
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 1000 --dk 256 --dv 64 --chunk 64 --state --scale 0.0625 --seed 2611
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 2 --tokens 1000 --dk 128 --dv 256 --chunk 64 --scale 0.125 --seed 2612
// RUN: %{check}
// REDEFINE: %{case} = --batch 4 --heads 16 --tokens 2048 --dk 128 --dv 128 --chunk 64 --scale 0.088388 --seed 2613
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 8 --tokens 2048 --dk 256 --dv 512 --chunk 64 --state --scale 0.0625 --seed 2614
// RUN: %{check}
