// Executed on the CPU: the three forms on random inputs (T = 257), each
// checked against the float64 reference (relative L2 <= 1e-5) and against
// each other. Inputs come from retnet-check's seed, not from this file.
//
// DEFINE: %{case} =
// DEFINE: %{check} = retnet-check gen %{case} > %t.mlir && retnet-opt %t.mlir --retention-cpu-pipeline | %mlir_cpu_run > %t.out && retnet-check verify %{case} < %t.out

// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 257 --dk 16 --dv 16 --chunk 16 --scale 1.0 --seed 17
// RUN: %{check}

// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 257 --dk 16 --dv 128 --chunk 16 --state --scale 0.125 --seed 18
// RUN: %{check}

// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 257 --dk 64 --dv 16 --chunk 64 --scale 1.0 --seed 19
// RUN: %{check}

// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 257 --dk 64 --dv 128 --chunk 64 --state --scale 0.125 --seed 20
// RUN: %{check}
