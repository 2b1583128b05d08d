// Executed on the CPU: every combination of B in {1,2}, H in {1,3}, dk in {16,64},
// dv in {16,128}, C in {16,64}, with and without an initial state, at T = 7.
// Each case runs the three forms on the same random inputs (from retnet-check's
// seed, not typed here) and checks outputs and final states against the float64
// reference (relative L2 <= 1e-5) and against each other.
//
// DEFINE: %{case} =
// DEFINE: %{check} = retnet-check gen %{case} > %t.mlir && retnet-opt %t.mlir --retention-cpu-pipeline | %mlir_cpu_run > %t.out && retnet-check verify %{case} < %t.out

// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 7 --dk 16 --dv 16 --chunk 16 --scale 1.0 --seed 65
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 7 --dk 16 --dv 16 --chunk 16 --state --scale 0.125 --seed 66
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 7 --dk 16 --dv 16 --chunk 64 --scale 1.0 --seed 67
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 7 --dk 16 --dv 16 --chunk 64 --state --scale 1.0 --seed 68
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 7 --dk 16 --dv 128 --chunk 16 --scale 0.125 --seed 69
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 7 --dk 16 --dv 128 --chunk 16 --state --scale 1.0 --seed 70
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 7 --dk 16 --dv 128 --chunk 64 --scale 1.0 --seed 71
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 7 --dk 16 --dv 128 --chunk 64 --state --scale 0.125 --seed 72
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 7 --dk 64 --dv 16 --chunk 16 --scale 1.0 --seed 73
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 7 --dk 64 --dv 16 --chunk 16 --state --scale 1.0 --seed 74
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 7 --dk 64 --dv 16 --chunk 64 --scale 0.125 --seed 75
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 7 --dk 64 --dv 16 --chunk 64 --state --scale 1.0 --seed 76
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 7 --dk 64 --dv 128 --chunk 16 --scale 1.0 --seed 77
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 7 --dk 64 --dv 128 --chunk 16 --state --scale 0.125 --seed 78
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 7 --dk 64 --dv 128 --chunk 64 --scale 1.0 --seed 79
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 1 --tokens 7 --dk 64 --dv 128 --chunk 64 --state --scale 1.0 --seed 80
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 7 --dk 16 --dv 16 --chunk 16 --scale 0.125 --seed 81
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 7 --dk 16 --dv 16 --chunk 16 --state --scale 1.0 --seed 82
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 7 --dk 16 --dv 16 --chunk 64 --scale 1.0 --seed 83
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 7 --dk 16 --dv 16 --chunk 64 --state --scale 0.125 --seed 84
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 7 --dk 16 --dv 128 --chunk 16 --scale 1.0 --seed 85
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 7 --dk 16 --dv 128 --chunk 16 --state --scale 1.0 --seed 86
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 7 --dk 16 --dv 128 --chunk 64 --scale 0.125 --seed 87
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 7 --dk 16 --dv 128 --chunk 64 --state --scale 1.0 --seed 88
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 7 --dk 64 --dv 16 --chunk 16 --scale 1.0 --seed 89
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 7 --dk 64 --dv 16 --chunk 16 --state --scale 0.125 --seed 90
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 7 --dk 64 --dv 16 --chunk 64 --scale 1.0 --seed 91
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 7 --dk 64 --dv 16 --chunk 64 --state --scale 1.0 --seed 92
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 7 --dk 64 --dv 128 --chunk 16 --scale 0.125 --seed 93
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 7 --dk 64 --dv 128 --chunk 16 --state --scale 1.0 --seed 94
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 7 --dk 64 --dv 128 --chunk 64 --scale 1.0 --seed 95
// RUN: %{check}
// REDEFINE: %{case} = --batch 1 --heads 3 --tokens 7 --dk 64 --dv 128 --chunk 64 --state --scale 0.125 --seed 96
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 7 --dk 16 --dv 16 --chunk 16 --scale 1.0 --seed 97
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 7 --dk 16 --dv 16 --chunk 16 --state --scale 1.0 --seed 98
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 7 --dk 16 --dv 16 --chunk 64 --scale 0.125 --seed 99
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 7 --dk 16 --dv 16 --chunk 64 --state --scale 1.0 --seed 100
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 7 --dk 16 --dv 128 --chunk 16 --scale 1.0 --seed 101
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 7 --dk 16 --dv 128 --chunk 16 --state --scale 0.125 --seed 102
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 7 --dk 16 --dv 128 --chunk 64 --scale 1.0 --seed 103
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 7 --dk 16 --dv 128 --chunk 64 --state --scale 1.0 --seed 104
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 7 --dk 64 --dv 16 --chunk 16 --scale 0.125 --seed 105
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 7 --dk 64 --dv 16 --chunk 16 --state --scale 1.0 --seed 106
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 7 --dk 64 --dv 16 --chunk 64 --scale 1.0 --seed 107
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 7 --dk 64 --dv 16 --chunk 64 --state --scale 0.125 --seed 108
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 7 --dk 64 --dv 128 --chunk 16 --scale 1.0 --seed 109
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 7 --dk 64 --dv 128 --chunk 16 --state --scale 1.0 --seed 110
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 7 --dk 64 --dv 128 --chunk 64 --scale 0.125 --seed 111
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 1 --tokens 7 --dk 64 --dv 128 --chunk 64 --state --scale 1.0 --seed 112
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 7 --dk 16 --dv 16 --chunk 16 --scale 1.0 --seed 113
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 7 --dk 16 --dv 16 --chunk 16 --state --scale 0.125 --seed 114
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 7 --dk 16 --dv 16 --chunk 64 --scale 1.0 --seed 115
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 7 --dk 16 --dv 16 --chunk 64 --state --scale 1.0 --seed 116
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 7 --dk 16 --dv 128 --chunk 16 --scale 0.125 --seed 117
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 7 --dk 16 --dv 128 --chunk 16 --state --scale 1.0 --seed 118
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 7 --dk 16 --dv 128 --chunk 64 --scale 1.0 --seed 119
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 7 --dk 16 --dv 128 --chunk 64 --state --scale 0.125 --seed 120
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 7 --dk 64 --dv 16 --chunk 16 --scale 1.0 --seed 121
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 7 --dk 64 --dv 16 --chunk 16 --state --scale 1.0 --seed 122
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 7 --dk 64 --dv 16 --chunk 64 --scale 0.125 --seed 123
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 7 --dk 64 --dv 16 --chunk 64 --state --scale 1.0 --seed 124
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 7 --dk 64 --dv 128 --chunk 16 --scale 1.0 --seed 125
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 7 --dk 64 --dv 128 --chunk 16 --state --scale 0.125 --seed 126
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 7 --dk 64 --dv 128 --chunk 64 --scale 1.0 --seed 127
// RUN: %{check}
// REDEFINE: %{case} = --batch 2 --heads 3 --tokens 7 --dk 64 --dv 128 --chunk 64 --state --scale 1.0 --seed 128
// RUN: %{check}
