// Executed on CUDA (bf16): shapes that take the hand-scheduled kernels of
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
// REDEFINE: %{case} = --batch 1 --heads 2 --tokens 1 --dk 64 --dv 64 --chunk 64 --state --scale 1.0 --seed 2602
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 2 --tokens 16 --dk 128 --dv 128 --chunk 64 --state --scale 0.125 --seed 2603
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 63 --dk 64 --dv 128 --chunk 64 --scale 1.0 --seed 2604
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 64 --dk 128 --dv 64 --chunk 64 --state --scale 0.5 --seed 2605
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 65 --dk 256 --dv 256 --chunk 64 --state --scale 0.0625 --seed 2606
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 2 --tokens 100 --dk 192 --dv 64 --chunk 64 --scale 1.0 --seed 2607
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 2 --tokens 129 --dk 256 --dv 512 --chunk 64 --state --scale 0.0625 --seed 2608
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 2 --tokens 300 --dk 128 --dv 128 --chunk 64 --state --scale 0.125 --seed 2609
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 2 --tokens 300 --dk 64 --dv 64 --chunk 64 --scale 1.0 --seed 2610
// RUN: %{check}
// Shapes of the large cases (GPU only, forms-bf16-kernels-large.mlir) cut
// to what the simulator runs in seconds, each schedule still taken: chunked
// (T >= 256 with a small grid) for dk 128 and 256 and BV 32/64, fused, and
// one stage of cp.async (mma-stages=1) for both schedules.
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 320 --dk 256 --dv 64 --chunk 64 --state --scale 0.0625 --seed 2615
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 2 --tokens 260 --dk 128 --dv 256 --chunk 64 --scale 0.125 --seed 2616
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 4 --tokens 200 --dk 128 --dv 128 --chunk 64 --scale 0.088388 --seed 2617
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 256 --dk 256 --dv 512 --chunk 64 --state --scale 0.0625 --seed 2618
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 2 --tokens 130 --dk 128 --dv 64 --chunk 64 --state --scale 0.125 --seed 2619 --pipeline-options mma-stages=1
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 300 --dk 64 --dv 128 --chunk 64 --state --scale 0.125 --seed 2620 --pipeline-options mma-stages=1
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 100 --dk 192 --dv 64 --chunk 64 --state --scale 0.125 --seed 2621 --pipeline-options mma-schedule=chunked
// RUN: %{check}
