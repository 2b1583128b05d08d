// Executed on the CPU with T a dynamic dimension (tensor<BxHx?xD>): the chunk
// count and the remainder are computed at run time; the tiles whose sizes
// depend on T stay scalar loops, the others are vectorized.
//
// DEFINE: %{case} =
// DEFINE: %{check} = retnet-check gen %{case} > %t.mlir && retnet-opt %t.mlir --retention-cpu-pipeline | %mlir_cpu_run > %t.out && retnet-check verify %{case} < %t.out

// REDEFINE: %{case} = --dynamic-tokens --batch 1 --heads 3 --tokens 1 --dk 16 --dv 16 --chunk 16 --state --seed 31
// RUN: %{check}

// REDEFINE: %{case} = --dynamic-tokens --batch 2 --heads 1 --tokens 64 --dk 16 --dv 128 --chunk 16 --seed 32
// RUN: %{check}

// REDEFINE: %{case} = --dynamic-tokens --batch 1 --heads 3 --tokens 100 --dk 64 --dv 16 --chunk 64 --state --scale 0.125 --seed 33
// RUN: %{check}
