// Executed on the CPU: every combination of B in {1,2}, H in {1,3}, dk in {16,64},
// dv in {16,128}, C in {16,64}, with and without an initial state, at T = 1.
// Each case runs the three forms on the same random inputs (from retnet-check's
// seed, not typed here) and checks outputs and final states against the float64
// reference (relative L2 <= 1e-5) and against each other.
//
// DEFINE: %{case} =
// DEFINE: %{check} = retnet-check gen %{case} > %t.mlir && retnet-opt %t.mlir --retention-cpu-pipeline | %mlir_cpu_run > %t.out && retnet-check verify %{case} < %t.out

// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 1 --dk 16 --dv 16 --chunk 16 --scale 1.0 --seed 1
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 1 --dk 16 --dv 16 --chunk 16 --state --scale 1.0 --seed 2
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 1 --dk 16 --dv 16 --chunk 64 --scale 0.125 --seed 3
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 1 --dk 16 --dv 16 --chunk 64 --state --scale 1.0 --seed 4
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 1 --dk 16 --dv 128 --chunk 16 --scale 1.0 --seed 5
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 1 --dk 16 --dv 128 --chunk 16 --state --scale 0.125 --seed 6
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 1 --dk 16 --dv 128 --chunk 64 --scale 1.0 --seed 7
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 1 --dk 16 --dv 128 --chunk 64 --state --scale 1.0 --seed 8
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 1 --dk 64 --dv 16 --chunk 16 --scale 0.125 --seed 9
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 1 --dk 64 --dv 16 --chunk 16 --state --scale 1.0 --seed 10
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 1 --dk 64 --dv 16 --chunk 64 --scale 1.0 --seed 11
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 1 --dk 64 --dv 16 --chunk 64 --state --scale 0.125 --seed 12
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 1 --dk 64 --dv 128 --chunk 16 --scale 1.0 --seed 13
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 1 --dk 64 --dv 128 --chunk 16 --state --scale 1.0 --seed 14
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 1 --dk 64 --dv 128 --chunk 64 --scale 0.125 --seed 15
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 1 --dk 64 --dv 128 --chunk 64 --state --scale 1.0 --seed 16
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 1 --dk 16 --dv 16 --chunk 16 --scale 1.0 --seed 17
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 1 --dk 16 --dv 16 --chunk 16 --state --scale 0.125 --seed 18
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 1 --dk 16 --dv 16 --chunk 64 --scale 1.0 --seed 19
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 1 --dk 16 --dv 16 --chunk 64 --state --scale 1.0 --seed 20
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 1 --dk 16 --dv 128 --chunk 16 --scale 0.125 --seed 21
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 1 --dk 16 --dv 128 --chunk 16 --state --scale 1.0 --seed 22
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 1 --dk 16 --dv 128 --chunk 64 --scale 1.0 --seed 23
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 1 --dk 16 --dv 128 --chunk 64 --state --scale 0.125 --seed 24
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 1 --dk 64 --dv 16 --chunk 16 --scale 1.0 --seed 25
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 1 --dk 64 --dv 16 --chunk 16 --state --scale 1.0 --seed 26
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 1 --dk 64 --dv 16 --chunk 64 --scale 0.125 --seed 27
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 1 --dk 64 --dv 16 --chunk 64 --state --scale 1.0 --seed 28
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 1 --dk 64 --dv 128 --chunk 16 --scale 1.0 --seed 29
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 1 --dk 64 --dv 128 --chunk 16 --state --scale 0.125 --seed 30
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 1 --dk 64 --dv 128 --chunk 64 --scale 1.0 --seed 31
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 1 --dk 64 --dv 128 --chunk 64 --state --scale 1.0 --seed 32
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 1 --dk 16 --dv 16 --chunk 16 --scale 0.125 --seed 33
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 1 --dk 16 --dv 16 --chunk 16 --state --scale 1.0 --seed 34
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 1 --dk 16 --dv 16 --chunk 64 --scale 1.0 --seed 35
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 1 --dk 16 --dv 16 --chunk 64 --state --scale 0.125 --seed 36
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 1 --dk 16 --dv 128 --chunk 16 --scale 1.0 --seed 37
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 1 --dk 16 --dv 128 --chunk 16 --state --scale 1.0 --seed 38
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 1 --dk 16 --dv 128 --chunk 64 --scale 0.125 --seed 39
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 1 --dk 16 --dv 128 --chunk 64 --state --scale 1.0 --seed 40
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 1 --dk 64 --dv 16 --chunk 16 --scale 1.0 --seed 41
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 1 --dk 64 --dv 16 --chunk 16 --state --scale 0.125 --seed 42
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 1 --dk 64 --dv 16 --chunk 64 --scale 1.0 --seed 43
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 1 --dk 64 --dv 16 --chunk 64 --state --scale 1.0 --seed 44
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 1 --dk 64 --dv 128 --chunk 16 --scale 0.125 --seed 45
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 1 --dk 64 --dv 128 --chunk 16 --state --scale 1.0 --seed 46
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 1 --dk 64 --dv 128 --chunk 64 --scale 1.0 --seed 47
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 1 --dk 64 --dv 128 --chunk 64 --state --scale 0.125 --seed 48
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 1 --dk 16 --dv 16 --chunk 16 --scale 1.0 --seed 49
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 1 --dk 16 --dv 16 --chunk 16 --state --scale 1.0 --seed 50
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 1 --dk 16 --dv 16 --chunk 64 --scale 0.125 --seed 51
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 1 --dk 16 --dv 16 --chunk 64 --state --scale 1.0 --seed 52
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 1 --dk 16 --dv 128 --chunk 16 --scale 1.0 --seed 53
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 1 --dk 16 --dv 128 --chunk 16 --state --scale 0.125 --seed 54
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 1 --dk 16 --dv 128 --chunk 64 --scale 1.0 --seed 55
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 1 --dk 16 --dv 128 --chunk 64 --state --scale 1.0 --seed 56
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 1 --dk 64 --dv 16 --chunk 16 --scale 0.125 --seed 57
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 1 --dk 64 --dv 16 --chunk 16 --state --scale 1.0 --seed 58
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 1 --dk 64 --dv 16 --chunk 64 --scale 1.0 --seed 59
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 1 --dk 64 --dv 16 --chunk 64 --state --scale 0.125 --seed 60
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 1 --dk 64 --dv 128 --chunk 16 --scale 1.0 --seed 61
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 1 --dk 64 --dv 128 --chunk 16 --state --scale 1.0 --seed 62
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 1 --dk 64 --dv 128 --chunk 64 --scale 0.125 --seed 63
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 1 --dk 64 --dv 128 --chunk 64 --state --scale 1.0 --seed 64
// RUN: %{check}
