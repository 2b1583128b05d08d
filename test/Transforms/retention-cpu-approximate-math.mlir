// RUN: retnet-opt %s --pass-pipeline="builtin.module(func.func(retention-cpu-approximate-math))" | FileCheck %s

// Vector exp, exp2 and erf become polynomials (no math op left, so no libm
// call per lane); exp2(x) goes through exp(x * ln 2). Scalars keep libm.
// CHECK-LABEL: func.func @vectors(
//   CHECK-NOT:   math.exp
//   CHECK-NOT:   math.erf
//       CHECK:   arith.constant dense<0.693147182> : vector<8xf32>
//   CHECK-NOT:   math.exp
//   CHECK-NOT:   math.erf
//       CHECK:   return
func.func @vectors(%x: vector<8xf32>) -> (vector<8xf32>, vector<8xf32>, vector<8xf32>) {
  %e = math.exp %x : vector<8xf32>
  %e2 = math.exp2 %x : vector<8xf32>
  %f = math.erf %x : vector<8xf32>
  return %e, %e2, %f : vector<8xf32>, vector<8xf32>, vector<8xf32>
}

// CHECK-LABEL: func.func @scalars(
//       CHECK:   math.exp %{{.+}} : f32
//       CHECK:   math.exp2 %{{.+}} : f32
//       CHECK:   math.erf %{{.+}} : f32
func.func @scalars(%x: f32) -> (f32, f32, f32) {
  %e = math.exp %x : f32
  %e2 = math.exp2 %x : f32
  %f = math.erf %x : f32
  return %e, %e2, %f : f32, f32, f32
}
