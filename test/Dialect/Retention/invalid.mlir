// RUN: retnet-opt %s -split-input-file -verify-diagnostics
//
// One case per verifier branch of the retention ops; each names the problem.

// q rank
func.func @f(%q: tensor<2x8x4xf32>, %k: tensor<2x8x4xf32>, %v: tensor<2x8x6xf32>) {
  // expected-error @+1 {{'q' must have rank 4 [B, H, T, dk], but has rank 3 ('tensor<2x8x4xf32>')}}
  %o = retention.parallel %q, %k, %v {gamma = array<f64: 0.5, 0.75>}
      : (tensor<2x8x4xf32>, tensor<2x8x4xf32>, tensor<2x8x6xf32>) -> tensor<2x8x6xf32>
  return
}

// -----

// k rank
func.func @f(%q: tensor<1x2x8x4xf32>, %k: tensor<1x2x8x4x1xf32>, %v: tensor<1x2x8x6xf32>) {
  // expected-error @+1 {{'k' must have rank 4 [B, H, T, dk], but has rank 5 ('tensor<1x2x8x4x1xf32>')}}
  %o = retention.parallel %q, %k, %v {gamma = array<f64: 0.5, 0.75>}
      : (tensor<1x2x8x4xf32>, tensor<1x2x8x4x1xf32>, tensor<1x2x8x6xf32>) -> tensor<1x2x8x6xf32>
  return
}

// -----

// v rank
func.func @f(%q: tensor<1x2x8x4xf32>, %k: tensor<1x2x8x4xf32>, %v: tensor<2x8x6xf32>) {
  // expected-error @+1 {{'v' must have rank 4 [B, H, T, dv], but has rank 3 ('tensor<2x8x6xf32>')}}
  %o = retention.parallel %q, %k, %v {gamma = array<f64: 0.5, 0.75>}
      : (tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<2x8x6xf32>) -> tensor<1x2x8x6xf32>
  return
}

// -----

// state rank
func.func @f(%q: tensor<1x2x8x4xf32>, %k: tensor<1x2x8x4xf32>, %v: tensor<1x2x8x6xf32>, %s: tensor<2x4x6xf32>) {
  // expected-error @+1 {{'state' must have rank 4 [B, H, dk, dv], but has rank 3 ('tensor<2x4x6xf32>')}}
  %o = retention.parallel %q, %k, %v, %s {gamma = array<f64: 0.5, 0.75>}
      : (tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x6xf32>, tensor<2x4x6xf32>) -> tensor<1x2x8x6xf32>
  return
}

// -----

// o rank
func.func @f(%q: tensor<1x2x8x4xf32>, %k: tensor<1x2x8x4xf32>, %v: tensor<1x2x8x6xf32>) {
  // expected-error @+1 {{'o' must have rank 4 [B, H, T, dv], but has rank 3 ('tensor<1x2x48xf32>')}}
  %o = retention.parallel %q, %k, %v {gamma = array<f64: 0.5, 0.75>}
      : (tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x6xf32>) -> tensor<1x2x48xf32>
  return
}

// -----

// final_state rank
func.func @f(%q: tensor<1x2x8x4xf32>, %k: tensor<1x2x8x4xf32>, %v: tensor<1x2x8x6xf32>) {
  // expected-error @+1 {{'final_state' must have rank 4 [B, H, dk, dv], but has rank 3 ('tensor<1x2x24xf32>')}}
  %o, %fs = retention.recurrent %q, %k, %v {gamma = array<f64: 0.5, 0.75>}
      : (tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x6xf32>) -> (tensor<1x2x8x6xf32>, tensor<1x2x24xf32>)
  return
}

// -----

// q elt type
func.func @f(%q: tensor<1x2x8x4xi32>, %k: tensor<1x2x8x4xi32>, %v: tensor<1x2x8x6xi32>) {
  // expected-error @+1 {{operand #0 must be ranked tensor of 32-bit float or 16-bit float or bfloat16 type values, but got 'tensor<1x2x8x4xi32>'}}
  %o = retention.parallel %q, %k, %v {gamma = array<f64: 0.5, 0.75>}
      : (tensor<1x2x8x4xi32>, tensor<1x2x8x4xi32>, tensor<1x2x8x6xi32>) -> tensor<1x2x8x6xi32>
  return
}

// -----

// q f64
func.func @f(%q: tensor<1x2x8x4xf64>, %k: tensor<1x2x8x4xf64>, %v: tensor<1x2x8x6xf64>) {
  // expected-error @+1 {{operand #0 must be ranked tensor of 32-bit float or 16-bit float or bfloat16 type values, but got 'tensor<1x2x8x4xf64>'}}
  %o = retention.parallel %q, %k, %v {gamma = array<f64: 0.5, 0.75>}
      : (tensor<1x2x8x4xf64>, tensor<1x2x8x4xf64>, tensor<1x2x8x6xf64>) -> tensor<1x2x8x6xf64>
  return
}

// -----

// unranked
func.func @f(%q: tensor<*xf32>, %k: tensor<1x2x8x4xf32>, %v: tensor<1x2x8x6xf32>) {
  // expected-error @+1 {{operand #0 must be ranked tensor of 32-bit float or 16-bit float or bfloat16 type values, but got 'tensor<*xf32>'}}
  %o = retention.parallel %q, %k, %v {gamma = array<f64: 0.5, 0.75>}
      : (tensor<*xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x6xf32>) -> tensor<1x2x8x6xf32>
  return
}

// -----

// state f16
func.func @f(%q: tensor<1x2x8x4xf32>, %k: tensor<1x2x8x4xf32>, %v: tensor<1x2x8x6xf32>, %s: tensor<1x2x4x6xf16>) {
  // expected-error @+1 {{operand #3 must be ranked tensor of 32-bit float values, but got 'tensor<1x2x4x6xf16>'}}
  %o = retention.parallel %q, %k, %v, %s {gamma = array<f64: 0.5, 0.75>}
      : (tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x6xf32>, tensor<1x2x4x6xf16>) -> tensor<1x2x8x6xf32>
  return
}

// -----

// final_state bf16
func.func @f(%q: tensor<1x2x8x4xf32>, %k: tensor<1x2x8x4xf32>, %v: tensor<1x2x8x6xf32>) {
  // expected-error @+1 {{result #1 must be ranked tensor of 32-bit float values, but got 'tensor<1x2x4x6xbf16>'}}
  %o, %fs = retention.recurrent %q, %k, %v {gamma = array<f64: 0.5, 0.75>}
      : (tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x6xf32>) -> (tensor<1x2x8x6xf32>, tensor<1x2x4x6xbf16>)
  return
}

// -----

// k elt mismatch
func.func @f(%q: tensor<1x2x8x4xf32>, %k: tensor<1x2x8x4xf16>, %v: tensor<1x2x8x6xf32>) {
  // expected-error @+1 {{'k' has element type 'f16', but 'q' has 'f32': q, k and v must share one element type}}
  %o = retention.parallel %q, %k, %v {gamma = array<f64: 0.5, 0.75>}
      : (tensor<1x2x8x4xf32>, tensor<1x2x8x4xf16>, tensor<1x2x8x6xf32>) -> tensor<1x2x8x6xf32>
  return
}

// -----

// v elt mismatch
func.func @f(%q: tensor<1x2x8x4xbf16>, %k: tensor<1x2x8x4xbf16>, %v: tensor<1x2x8x6xf16>) {
  // expected-error @+1 {{'v' has element type 'f16', but 'q' has 'bf16': q, k and v must share one element type}}
  %o = retention.parallel %q, %k, %v {gamma = array<f64: 0.5, 0.75>}
      : (tensor<1x2x8x4xbf16>, tensor<1x2x8x4xbf16>, tensor<1x2x8x6xf16>) -> tensor<1x2x8x6xbf16>
  return
}

// -----

// o elt mismatch
func.func @f(%q: tensor<1x2x8x4xf32>, %k: tensor<1x2x8x4xf32>, %v: tensor<1x2x8x6xf32>) {
  // expected-error @+1 {{'o' has element type 'f16', but 'q' has 'f32': the output has the input element type}}
  %o = retention.parallel %q, %k, %v {gamma = array<f64: 0.5, 0.75>}
      : (tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x6xf32>) -> tensor<1x2x8x6xf16>
  return
}

// -----

// k B
func.func @f(%q: tensor<1x2x8x4xf32>, %k: tensor<2x2x8x4xf32>, %v: tensor<1x2x8x6xf32>) {
  // expected-error @+1 {{'k' has B = 2 (dim 0 of 'tensor<2x2x8x4xf32>'), but 'q' has B = 1 (dim 0 of 'tensor<1x2x8x4xf32>')}}
  %o = retention.parallel %q, %k, %v {gamma = array<f64: 0.5, 0.75>}
      : (tensor<1x2x8x4xf32>, tensor<2x2x8x4xf32>, tensor<1x2x8x6xf32>) -> tensor<1x2x8x6xf32>
  return
}

// -----

// k H
func.func @f(%q: tensor<1x2x8x4xf32>, %k: tensor<1x3x8x4xf32>, %v: tensor<1x2x8x6xf32>) {
  // expected-error @+1 {{'k' has H = 3 (dim 1 of 'tensor<1x3x8x4xf32>'), but 'q' has H = 2 (dim 1 of 'tensor<1x2x8x4xf32>')}}
  %o = retention.parallel %q, %k, %v {gamma = array<f64: 0.5, 0.75>}
      : (tensor<1x2x8x4xf32>, tensor<1x3x8x4xf32>, tensor<1x2x8x6xf32>) -> tensor<1x2x8x6xf32>
  return
}

// -----

// k T
func.func @f(%q: tensor<1x2x8x4xf32>, %k: tensor<1x2x9x4xf32>, %v: tensor<1x2x8x6xf32>) {
  // expected-error @+1 {{'k' has T = 9 (dim 2 of 'tensor<1x2x9x4xf32>'), but 'q' has T = 8 (dim 2 of 'tensor<1x2x8x4xf32>')}}
  %o = retention.parallel %q, %k, %v {gamma = array<f64: 0.5, 0.75>}
      : (tensor<1x2x8x4xf32>, tensor<1x2x9x4xf32>, tensor<1x2x8x6xf32>) -> tensor<1x2x8x6xf32>
  return
}

// -----

// k dk
func.func @f(%q: tensor<1x2x8x4xf32>, %k: tensor<1x2x8x5xf32>, %v: tensor<1x2x8x6xf32>) {
  // expected-error @+1 {{'k' has dk = 5 (dim 3 of 'tensor<1x2x8x5xf32>'), but 'q' has dk = 4 (dim 3 of 'tensor<1x2x8x4xf32>')}}
  %o = retention.parallel %q, %k, %v {gamma = array<f64: 0.5, 0.75>}
      : (tensor<1x2x8x4xf32>, tensor<1x2x8x5xf32>, tensor<1x2x8x6xf32>) -> tensor<1x2x8x6xf32>
  return
}

// -----

// v B
func.func @f(%q: tensor<1x2x8x4xf32>, %k: tensor<1x2x8x4xf32>, %v: tensor<3x2x8x6xf32>) {
  // expected-error @+1 {{'v' has B = 3 (dim 0 of 'tensor<3x2x8x6xf32>'), but 'q' has B = 1 (dim 0 of 'tensor<1x2x8x4xf32>')}}
  %o = retention.parallel %q, %k, %v {gamma = array<f64: 0.5, 0.75>}
      : (tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<3x2x8x6xf32>) -> tensor<1x2x8x6xf32>
  return
}

// -----

// v H
func.func @f(%q: tensor<1x2x8x4xf32>, %k: tensor<1x2x8x4xf32>, %v: tensor<1x1x8x6xf32>) {
  // expected-error @+1 {{'v' has H = 1 (dim 1 of 'tensor<1x1x8x6xf32>'), but 'q' has H = 2 (dim 1 of 'tensor<1x2x8x4xf32>')}}
  %o = retention.parallel %q, %k, %v {gamma = array<f64: 0.5, 0.75>}
      : (tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x1x8x6xf32>) -> tensor<1x2x8x6xf32>
  return
}

// -----

// v T
func.func @f(%q: tensor<1x2x8x4xf32>, %k: tensor<1x2x8x4xf32>, %v: tensor<1x2x7x6xf32>) {
  // expected-error @+1 {{'v' has T = 7 (dim 2 of 'tensor<1x2x7x6xf32>'), but 'q' has T = 8 (dim 2 of 'tensor<1x2x8x4xf32>')}}
  %o = retention.parallel %q, %k, %v {gamma = array<f64: 0.5, 0.75>}
      : (tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x7x6xf32>) -> tensor<1x2x8x6xf32>
  return
}

// -----

// state B
func.func @f(%q: tensor<1x2x8x4xf32>, %k: tensor<1x2x8x4xf32>, %v: tensor<1x2x8x6xf32>, %s: tensor<2x2x4x6xf32>) {
  // expected-error @+1 {{'state' has B = 2 (dim 0 of 'tensor<2x2x4x6xf32>'), but 'q' has B = 1 (dim 0 of 'tensor<1x2x8x4xf32>')}}
  %o = retention.parallel %q, %k, %v, %s {gamma = array<f64: 0.5, 0.75>}
      : (tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x6xf32>, tensor<2x2x4x6xf32>) -> tensor<1x2x8x6xf32>
  return
}

// -----

// state H
func.func @f(%q: tensor<1x2x8x4xf32>, %k: tensor<1x2x8x4xf32>, %v: tensor<1x2x8x6xf32>, %s: tensor<1x4x4x6xf32>) {
  // expected-error @+1 {{'state' has H = 4 (dim 1 of 'tensor<1x4x4x6xf32>'), but 'q' has H = 2 (dim 1 of 'tensor<1x2x8x4xf32>')}}
  %o = retention.parallel %q, %k, %v, %s {gamma = array<f64: 0.5, 0.75>}
      : (tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x6xf32>, tensor<1x4x4x6xf32>) -> tensor<1x2x8x6xf32>
  return
}

// -----

// state dk
func.func @f(%q: tensor<1x2x8x4xf32>, %k: tensor<1x2x8x4xf32>, %v: tensor<1x2x8x6xf32>, %s: tensor<1x2x6x6xf32>) {
  // expected-error @+1 {{'state' has dk = 6 (dim 2 of 'tensor<1x2x6x6xf32>'), but 'q' has dk = 4 (dim 3 of 'tensor<1x2x8x4xf32>')}}
  %o = retention.parallel %q, %k, %v, %s {gamma = array<f64: 0.5, 0.75>}
      : (tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x6xf32>, tensor<1x2x6x6xf32>) -> tensor<1x2x8x6xf32>
  return
}

// -----

// state dv
func.func @f(%q: tensor<1x2x8x4xf32>, %k: tensor<1x2x8x4xf32>, %v: tensor<1x2x8x6xf32>, %s: tensor<1x2x4x4xf32>) {
  // expected-error @+1 {{'state' has dv = 4 (dim 3 of 'tensor<1x2x4x4xf32>'), but 'v' has dv = 6 (dim 3 of 'tensor<1x2x8x6xf32>')}}
  %o = retention.parallel %q, %k, %v, %s {gamma = array<f64: 0.5, 0.75>}
      : (tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x6xf32>, tensor<1x2x4x4xf32>) -> tensor<1x2x8x6xf32>
  return
}

// -----

// o B
func.func @f(%q: tensor<1x2x8x4xf32>, %k: tensor<1x2x8x4xf32>, %v: tensor<1x2x8x6xf32>) {
  // expected-error @+1 {{'o' has B = 2 (dim 0 of 'tensor<2x2x8x6xf32>'), but 'q' has B = 1 (dim 0 of 'tensor<1x2x8x4xf32>')}}
  %o = retention.parallel %q, %k, %v {gamma = array<f64: 0.5, 0.75>}
      : (tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x6xf32>) -> tensor<2x2x8x6xf32>
  return
}

// -----

// o H
func.func @f(%q: tensor<1x2x8x4xf32>, %k: tensor<1x2x8x4xf32>, %v: tensor<1x2x8x6xf32>) {
  // expected-error @+1 {{'o' has H = 1 (dim 1 of 'tensor<1x1x8x6xf32>'), but 'q' has H = 2 (dim 1 of 'tensor<1x2x8x4xf32>')}}
  %o = retention.parallel %q, %k, %v {gamma = array<f64: 0.5, 0.75>}
      : (tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x6xf32>) -> tensor<1x1x8x6xf32>
  return
}

// -----

// o T
func.func @f(%q: tensor<1x2x8x4xf32>, %k: tensor<1x2x8x4xf32>, %v: tensor<1x2x8x6xf32>) {
  // expected-error @+1 {{'o' has T = 16 (dim 2 of 'tensor<1x2x16x6xf32>'), but 'q' has T = 8 (dim 2 of 'tensor<1x2x8x4xf32>')}}
  %o = retention.parallel %q, %k, %v {gamma = array<f64: 0.5, 0.75>}
      : (tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x6xf32>) -> tensor<1x2x16x6xf32>
  return
}

// -----

// o dv
func.func @f(%q: tensor<1x2x8x4xf32>, %k: tensor<1x2x8x4xf32>, %v: tensor<1x2x8x6xf32>) {
  // expected-error @+1 {{'o' has dv = 4 (dim 3 of 'tensor<1x2x8x4xf32>'), but 'v' has dv = 6 (dim 3 of 'tensor<1x2x8x6xf32>')}}
  %o = retention.parallel %q, %k, %v {gamma = array<f64: 0.5, 0.75>}
      : (tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x6xf32>) -> tensor<1x2x8x4xf32>
  return
}

// -----

// final_state dk
func.func @f(%q: tensor<1x2x8x4xf32>, %k: tensor<1x2x8x4xf32>, %v: tensor<1x2x8x6xf32>) {
  // expected-error @+1 {{'final_state' has dk = 6 (dim 2 of 'tensor<1x2x6x6xf32>'), but 'q' has dk = 4 (dim 3 of 'tensor<1x2x8x4xf32>')}}
  %o, %fs = retention.recurrent %q, %k, %v {gamma = array<f64: 0.5, 0.75>}
      : (tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x6xf32>) -> (tensor<1x2x8x6xf32>, tensor<1x2x6x6xf32>)
  return
}

// -----

// final_state dv
func.func @f(%q: tensor<1x2x8x4xf32>, %k: tensor<1x2x8x4xf32>, %v: tensor<1x2x8x6xf32>) {
  // expected-error @+1 {{'final_state' has dv = 7 (dim 3 of 'tensor<1x2x4x7xf32>'), but 'v' has dv = 6 (dim 3 of 'tensor<1x2x8x6xf32>')}}
  %o, %fs = retention.chunkwise %q, %k, %v {chunk_size = 16 : i64, gamma = array<f64: 0.5, 0.75>}
      : (tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x6xf32>) -> (tensor<1x2x8x6xf32>, tensor<1x2x4x7xf32>)
  return
}

// -----

// final_state dv, with dynamic B and T elsewhere (static dims are still checked)
func.func @f(%q: tensor<?x2x?x4xf32>, %k: tensor<?x2x?x4xf32>, %v: tensor<?x2x?x6xf32>) {
  // expected-error @+1 {{'final_state' has dv = 8 (dim 3 of 'tensor<?x2x4x8xf32>'), but 'v' has dv = 6 (dim 3 of 'tensor<?x2x?x6xf32>')}}
  %o, %fs = retention.chunkwise %q, %k, %v {chunk_size = 16 : i64, gamma = array<f64: 0.5, 0.75>}
      : (tensor<?x2x?x4xf32>, tensor<?x2x?x4xf32>, tensor<?x2x?x6xf32>) -> (tensor<?x2x?x6xf32>, tensor<?x2x4x8xf32>)
  return
}

// -----

// gamma count
func.func @f(%q: tensor<1x2x8x4xf32>, %k: tensor<1x2x8x4xf32>, %v: tensor<1x2x8x6xf32>) {
  // expected-error @+1 {{'gamma' has 3 values, but 'q' has H = 2 heads ('tensor<1x2x8x4xf32>'): one decay per head is required}}
  %o = retention.parallel %q, %k, %v {gamma = array<f64: 0.5, 0.75, 0.9>}
      : (tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x6xf32>) -> tensor<1x2x8x6xf32>
  return
}

// -----

// gamma empty dyn
func.func @f(%q: tensor<1x?x8x4xf32>, %k: tensor<1x?x8x4xf32>, %v: tensor<1x?x8x6xf32>) {
  // expected-error @+1 {{'gamma' must hold one decay per head, but is empty}}
  %o = retention.parallel %q, %k, %v {gamma = array<f64>}
      : (tensor<1x?x8x4xf32>, tensor<1x?x8x4xf32>, tensor<1x?x8x6xf32>) -> tensor<1x?x8x6xf32>
  return
}

// -----

// gamma > 1
func.func @f(%q: tensor<1x2x8x4xf32>, %k: tensor<1x2x8x4xf32>, %v: tensor<1x2x8x6xf32>) {
  // expected-error @+1 {{'gamma' of head 1 is 1.500000e+00, outside (0, 1]}}
  %o = retention.parallel %q, %k, %v {gamma = array<f64: 0.5, 1.5>}
      : (tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x6xf32>) -> tensor<1x2x8x6xf32>
  return
}

// -----

// gamma 0
func.func @f(%q: tensor<1x2x8x4xf32>, %k: tensor<1x2x8x4xf32>, %v: tensor<1x2x8x6xf32>) {
  // expected-error @+1 {{'gamma' of head 0 is 0.000000e+00, outside (0, 1]}}
  %o, %fs = retention.recurrent %q, %k, %v {gamma = array<f64: 0.0, 0.5>}
      : (tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x6xf32>) -> (tensor<1x2x8x6xf32>, tensor<1x2x4x6xf32>)
  return
}

// -----

// gamma negative
func.func @f(%q: tensor<1x2x8x4xf32>, %k: tensor<1x2x8x4xf32>, %v: tensor<1x2x8x6xf32>) {
  // expected-error @+1 {{'gamma' of head 0 is -5.000000e-01, outside (0, 1]}}
  %o, %fs = retention.chunkwise %q, %k, %v {chunk_size = 4 : i64, gamma = array<f64: -0.5, 0.5>}
      : (tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x6xf32>) -> (tensor<1x2x8x6xf32>, tensor<1x2x4x6xf32>)
  return
}

// -----

// gamma nan
func.func @f(%q: tensor<1x2x8x4xf32>, %k: tensor<1x2x8x4xf32>, %v: tensor<1x2x8x6xf32>) {
  // expected-error @+1 {{'gamma' of head 1 is nan, outside (0, 1]}}
  %o = retention.parallel %q, %k, %v {gamma = array<f64: 0.5, 0x7FF8000000000000>}
      : (tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x6xf32>) -> tensor<1x2x8x6xf32>
  return
}

// -----

// gamma missing
func.func @f(%q: tensor<1x2x8x4xf32>, %k: tensor<1x2x8x4xf32>, %v: tensor<1x2x8x6xf32>) {
  // expected-error @+1 {{requires attribute 'gamma'}}
  %o = retention.parallel %q, %k, %v {scale = 2.0 : f64}
      : (tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x6xf32>) -> tensor<1x2x8x6xf32>
  return
}

// -----

// gamma wrong type
func.func @f(%q: tensor<1x2x8x4xf32>, %k: tensor<1x2x8x4xf32>, %v: tensor<1x2x8x6xf32>) {
  // expected-error @+1 {{attribute 'gamma' failed to satisfy constraint: f64 dense array attribute}}
  %o = retention.parallel %q, %k, %v {gamma = array<i64: 1, 1>}
      : (tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x6xf32>) -> tensor<1x2x8x6xf32>
  return
}

// -----

// scale inf
func.func @f(%q: tensor<1x2x8x4xf32>, %k: tensor<1x2x8x4xf32>, %v: tensor<1x2x8x6xf32>) {
  // expected-error @+1 {{'scale' must be finite, but is INF}}
  %o = retention.parallel %q, %k, %v {gamma = array<f64: 0.5, 0.5>, scale = 0x7FF0000000000000 : f64}
      : (tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x6xf32>) -> tensor<1x2x8x6xf32>
  return
}

// -----

// scale wrong type
func.func @f(%q: tensor<1x2x8x4xf32>, %k: tensor<1x2x8x4xf32>, %v: tensor<1x2x8x6xf32>) {
  // expected-error @+1 {{attribute 'scale' failed to satisfy constraint: 64-bit float attribute}}
  %o = retention.parallel %q, %k, %v {gamma = array<f64: 0.5, 0.5>, scale = 2 : i64}
      : (tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x6xf32>) -> tensor<1x2x8x6xf32>
  return
}

// -----

// chunk_size 0
func.func @f(%q: tensor<1x2x8x4xf32>, %k: tensor<1x2x8x4xf32>, %v: tensor<1x2x8x6xf32>) {
  // expected-error @+1 {{attribute 'chunk_size' failed to satisfy constraint: 64-bit signless integer attribute whose value is positive}}
  %o, %fs = retention.chunkwise %q, %k, %v {chunk_size = 0 : i64, gamma = array<f64: 0.5, 0.5>}
      : (tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x6xf32>) -> (tensor<1x2x8x6xf32>, tensor<1x2x4x6xf32>)
  return
}

// -----

// chunk_size negative
func.func @f(%q: tensor<1x2x8x4xf32>, %k: tensor<1x2x8x4xf32>, %v: tensor<1x2x8x6xf32>) {
  // expected-error @+1 {{attribute 'chunk_size' failed to satisfy constraint: 64-bit signless integer attribute whose value is positive}}
  %o, %fs = retention.chunkwise %q, %k, %v {chunk_size = -64 : i64, gamma = array<f64: 0.5, 0.5>}
      : (tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x6xf32>) -> (tensor<1x2x8x6xf32>, tensor<1x2x4x6xf32>)
  return
}

// -----

// chunk_size missing
func.func @f(%q: tensor<1x2x8x4xf32>, %k: tensor<1x2x8x4xf32>, %v: tensor<1x2x8x6xf32>) {
  // expected-error @+1 {{requires attribute 'chunk_size'}}
  %o, %fs = retention.chunkwise %q, %k, %v {gamma = array<f64: 0.5, 0.5>}
      : (tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x6xf32>) -> (tensor<1x2x8x6xf32>, tensor<1x2x4x6xf32>)
  return
}

// -----

// A custom-form type list that does not match the operands.
func.func @f(%q: tensor<1x2x8x4xf32>, %v: tensor<1x2x8x6xf32>) {
  // expected-error @+1 {{number of operands and types do not match: got 3 operands and 2 types}}
  %o = retention.parallel %q, %q, %v {gamma = array<f64: 0.5, 0.75>}
      : (tensor<1x2x8x4xf32>, tensor<1x2x8x6xf32>) -> tensor<1x2x8x6xf32>
  return
}

// -----

// The recurrent form has two results.
func.func @f(%q: tensor<1x2x8x4xf32>, %v: tensor<1x2x8x6xf32>) {
  // expected-error @+1 {{expected 2 results}}
  %o = "retention.recurrent"(%q, %q, %v) {gamma = array<f64: 0.5, 0.75>}
      : (tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x6xf32>) -> tensor<1x2x8x6xf32>
  return
}

// -----

// At most one initial state.
func.func @f(%q: tensor<1x2x8x4xf32>, %v: tensor<1x2x8x6xf32>, %s: tensor<1x2x4x6xf32>) {
  // expected-error @+1 {{expected ':'}}
  %o = retention.parallel %q, %q, %v, %s, %s {gamma = array<f64: 0.5, 0.75>}
      : (tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x6xf32>, tensor<1x2x4x6xf32>, tensor<1x2x4x6xf32>) -> tensor<1x2x8x6xf32>
  return
}
