// The harness itself must be able to fail: output computed from other inputs
// (another seed), a missing tensor, or garbage is rejected.
//
// DEFINE: %{case} = --batch 1 --heads 2 --tokens 9 --dk 16 --dv 16 --chunk 4 --state
// RUN: retnet-check gen %{case} --seed 1 > %t.mlir
// RUN: retnet-opt %t.mlir --retention-cpu-pipeline | %mlir_cpu_run > %t.out
// RUN: retnet-check verify %{case} --seed 1 < %t.out | FileCheck %s --check-prefix=SAME
// RUN: not retnet-check verify %{case} --seed 2 < %t.out | FileCheck %s --check-prefix=OTHER
// RUN: head -n 20 %t.out | not retnet-check verify %{case} --seed 1 | FileCheck %s --check-prefix=SHORT
// RUN: not retnet-check verify %{case} --tol nan 2>&1 | FileCheck %s --check-prefix=BADFLAG

// SAME: PASS
// OTHER: FAIL chunkwise.o vs float64 reference
// OTHER: ok   chunkwise.o vs parallel.o
// OTHER: FAIL
// SHORT: FAIL: expected 5 printed tensors, found
// BADFLAG: --tol needs a number, got 'nan'
