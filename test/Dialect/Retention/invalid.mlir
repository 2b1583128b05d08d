// RUN: retnet-opt %s -split-input-file -verify-diagnostics
//
// One case per verifier branch of the retention ops; each names the problem.

// q rank
func.func @f(%q: tensor<2x8x4xf32>, %k: tensor<2x8x4xf32>, %v: tensor<2x8x6xf32>) {
  %oinit0 = tensor.empty() : tensor<2x8x6xf32>
  // expected-error @+1 {{'q' must have rank 4 [B, H, T, dk], but has rank 3 ('tensor<2x8x4xf32>')}}
  %o = retention.parallel %q, %k, %v outs(%oinit0) {gamma = array<f64: 0.5, 0.75>}
      : (tensor<2x8x4xf32>, tensor<2x8x4xf32>, tensor<2x8x6xf32>, tensor<2x8x6xf32>) -> tensor<2x8x6xf32>
  return
}

// -----

// k rank
func.func @f(%q: tensor<1x2x8x4xf32>, %k: tensor<1x2x8x4x1xf32>, %v: tensor<1x2x8x6xf32>) {
  %oinit1 = tensor.empty() : tensor<1x2x8x6xf32>
  // expected-error @+1 {{'k' must have rank 4 [B, H, T, dk], but has rank 5 ('tensor<1x2x8x4x1xf32>')}}
  %o = retention.parallel %q, %k, %v outs(%oinit1) {gamma = array<f64: 0.5, 0.75>}
      : (tensor<1x2x8x4xf32>, tensor<1x2x8x4x1xf32>, tensor<1x2x8x6xf32>, tensor<1x2x8x6xf32>) -> tensor<1x2x8x6xf32>
  return
}

// -----

// v rank
func.func @f(%q: tensor<1x2x8x4xf32>, %k: tensor<1x2x8x4xf32>, %v: tensor<2x8x6xf32>) {
  %oinit2 = tensor.empty() : tensor<1x2x8x6xf32>
  // expected-error @+1 {{'v' must have rank 4 [B, H, T, dv], but has rank 3 ('tensor<2x8x6xf32>')}}
  %o = retention.parallel %q, %k, %v outs(%oinit2) {gamma = array<f64: 0.5, 0.75>}
      : (tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<2x8x6xf32>, tensor<1x2x8x6xf32>) -> tensor<1x2x8x6xf32>
  return
}

// -----

// state rank
func.func @f(%q: tensor<1x2x8x4xf32>, %k: tensor<1x2x8x4xf32>, %v: tensor<1x2x8x6xf32>, %s: tensor<2x4x6xf32>) {
  %oinit3 = tensor.empty() : tensor<1x2x8x6xf32>
  // expected-error @+1 {{'state' must have rank 4 [B, H, dk, dv], but has rank 3 ('tensor<2x4x6xf32>')}}
  %o = retention.parallel %q, %k, %v, %s outs(%oinit3) {gamma = array<f64: 0.5, 0.75>}
      : (tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x6xf32>, tensor<2x4x6xf32>, tensor<1x2x8x6xf32>) -> tensor<1x2x8x6xf32>
  return
}

// -----

// o rank
func.func @f(%q: tensor<1x2x8x4xf32>, %k: tensor<1x2x8x4xf32>, %v: tensor<1x2x8x6xf32>) {
  %oinit4 = tensor.empty() : tensor<1x2x48xf32>
  // expected-error @+1 {{'o' must have rank 4 [B, H, T, dv], but has rank 3 ('tensor<1x2x48xf32>')}}
  %o = retention.parallel %q, %k, %v outs(%oinit4) {gamma = array<f64: 0.5, 0.75>}
      : (tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x6xf32>, tensor<1x2x48xf32>) -> tensor<1x2x48xf32>
  return
}

// -----

// final_state rank
func.func @f(%q: tensor<1x2x8x4xf32>, %k: tensor<1x2x8x4xf32>, %v: tensor<1x2x8x6xf32>) {
  %oinit5 = tensor.empty() : tensor<1x2x8x6xf32>
  %sinit5 = tensor.empty() : tensor<1x2x24xf32>
  // expected-error @+1 {{'final_state' must have rank 4 [B, H, dk, dv], but has rank 3 ('tensor<1x2x24xf32>')}}
  %o, %fs = retention.recurrent %q, %k, %v outs(%oinit5, %sinit5) {gamma = array<f64: 0.5, 0.75>}
      : (tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x6xf32>, tensor<1x2x8x6xf32>, tensor<1x2x24xf32>) -> (tensor<1x2x8x6xf32>, tensor<1x2x24xf32>)
  return
}

// -----

// q elt type
func.func @f(%q: tensor<1x2x8x4xi32>, %k: tensor<1x2x8x4xi32>, %v: tensor<1x2x8x6xi32>) {
  %oinit6 = tensor.empty() : tensor<1x2x8x6xi32>
  // expected-error @+1 {{operand #0 must be ranked tensor of 32-bit float or 16-bit float or bfloat16 type values or memref of 32-bit float or 16-bit float or bfloat16 type values, but got 'tensor<1x2x8x4xi32>'}}
  %o = retention.parallel %q, %k, %v outs(%oinit6) {gamma = array<f64: 0.5, 0.75>}
      : (tensor<1x2x8x4xi32>, tensor<1x2x8x4xi32>, tensor<1x2x8x6xi32>, tensor<1x2x8x6xi32>) -> tensor<1x2x8x6xi32>
  return
}

// -----

// q f64
func.func @f(%q: tensor<1x2x8x4xf64>, %k: tensor<1x2x8x4xf64>, %v: tensor<1x2x8x6xf64>) {
  %oinit7 = tensor.empty() : tensor<1x2x8x6xf64>
  // expected-error @+1 {{operand #0 must be ranked tensor of 32-bit float or 16-bit float or bfloat16 type values or memref of 32-bit float or 16-bit float or bfloat16 type values, but got 'tensor<1x2x8x4xf64>'}}
  %o = retention.parallel %q, %k, %v outs(%oinit7) {gamma = array<f64: 0.5, 0.75>}
      : (tensor<1x2x8x4xf64>, tensor<1x2x8x4xf64>, tensor<1x2x8x6xf64>, tensor<1x2x8x6xf64>) -> tensor<1x2x8x6xf64>
  return
}

// -----

// unranked
func.func @f(%q: tensor<*xf32>, %k: tensor<1x2x8x4xf32>, %v: tensor<1x2x8x6xf32>) {
  %oinit8 = tensor.empty() : tensor<1x2x8x6xf32>
  // expected-error @+1 {{operand #0 must be ranked tensor of 32-bit float or 16-bit float or bfloat16 type values or memref of 32-bit float or 16-bit float or bfloat16 type values, but got 'tensor<*xf32>'}}
  %o = retention.parallel %q, %k, %v outs(%oinit8) {gamma = array<f64: 0.5, 0.75>}
      : (tensor<*xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x6xf32>, tensor<1x2x8x6xf32>) -> tensor<1x2x8x6xf32>
  return
}

// -----

// state f16
func.func @f(%q: tensor<1x2x8x4xf32>, %k: tensor<1x2x8x4xf32>, %v: tensor<1x2x8x6xf32>, %s: tensor<1x2x4x6xf16>) {
  %oinit9 = tensor.empty() : tensor<1x2x8x6xf32>
  // expected-error @+1 {{operand #3 must be ranked tensor of 32-bit float values or memref of 32-bit float values, but got 'tensor<1x2x4x6xf16>'}}
  %o = retention.parallel %q, %k, %v, %s outs(%oinit9) {gamma = array<f64: 0.5, 0.75>}
      : (tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x6xf32>, tensor<1x2x4x6xf16>, tensor<1x2x8x6xf32>) -> tensor<1x2x8x6xf32>
  return
}

// -----

// final_state bf16
func.func @f(%q: tensor<1x2x8x4xf32>, %k: tensor<1x2x8x4xf32>, %v: tensor<1x2x8x6xf32>) {
  %oinit10 = tensor.empty() : tensor<1x2x8x6xf32>
  %sinit10 = tensor.empty() : tensor<1x2x4x6xbf16>
  // expected-error @+1 {{'final_state' has element type 'bf16', but the state is f32}}
  %o, %fs = retention.recurrent %q, %k, %v outs(%oinit10, %sinit10) {gamma = array<f64: 0.5, 0.75>}
      : (tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x6xf32>, tensor<1x2x8x6xf32>, tensor<1x2x4x6xbf16>) -> (tensor<1x2x8x6xf32>, tensor<1x2x4x6xbf16>)
  return
}

// -----

// k elt mismatch
func.func @f(%q: tensor<1x2x8x4xf32>, %k: tensor<1x2x8x4xf16>, %v: tensor<1x2x8x6xf32>) {
  %oinit11 = tensor.empty() : tensor<1x2x8x6xf32>
  // expected-error @+1 {{'k' has element type 'f16', but 'q' has 'f32': q, k and v must share one element type}}
  %o = retention.parallel %q, %k, %v outs(%oinit11) {gamma = array<f64: 0.5, 0.75>}
      : (tensor<1x2x8x4xf32>, tensor<1x2x8x4xf16>, tensor<1x2x8x6xf32>, tensor<1x2x8x6xf32>) -> tensor<1x2x8x6xf32>
  return
}

// -----

// v elt mismatch
func.func @f(%q: tensor<1x2x8x4xbf16>, %k: tensor<1x2x8x4xbf16>, %v: tensor<1x2x8x6xf16>) {
  %oinit12 = tensor.empty() : tensor<1x2x8x6xbf16>
  // expected-error @+1 {{'v' has element type 'f16', but 'q' has 'bf16': q, k and v must share one element type}}
  %o = retention.parallel %q, %k, %v outs(%oinit12) {gamma = array<f64: 0.5, 0.75>}
      : (tensor<1x2x8x4xbf16>, tensor<1x2x8x4xbf16>, tensor<1x2x8x6xf16>, tensor<1x2x8x6xbf16>) -> tensor<1x2x8x6xbf16>
  return
}

// -----

// o elt mismatch
func.func @f(%q: tensor<1x2x8x4xf32>, %k: tensor<1x2x8x4xf32>, %v: tensor<1x2x8x6xf32>) {
  %oinit13 = tensor.empty() : tensor<1x2x8x6xf16>
  // expected-error @+1 {{'o' has element type 'f16', but 'q' has 'f32': the output has the input element type}}
  %o = retention.parallel %q, %k, %v outs(%oinit13) {gamma = array<f64: 0.5, 0.75>}
      : (tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x6xf32>, tensor<1x2x8x6xf16>) -> tensor<1x2x8x6xf16>
  return
}

// -----

// k B
func.func @f(%q: tensor<1x2x8x4xf32>, %k: tensor<2x2x8x4xf32>, %v: tensor<1x2x8x6xf32>) {
  %oinit14 = tensor.empty() : tensor<1x2x8x6xf32>
  // expected-error @+1 {{'k' has B = 2 (dim 0 of 'tensor<2x2x8x4xf32>'), but 'q' has B = 1 (dim 0 of 'tensor<1x2x8x4xf32>')}}
  %o = retention.parallel %q, %k, %v outs(%oinit14) {gamma = array<f64: 0.5, 0.75>}
      : (tensor<1x2x8x4xf32>, tensor<2x2x8x4xf32>, tensor<1x2x8x6xf32>, tensor<1x2x8x6xf32>) -> tensor<1x2x8x6xf32>
  return
}

// -----

// k H
func.func @f(%q: tensor<1x2x8x4xf32>, %k: tensor<1x3x8x4xf32>, %v: tensor<1x2x8x6xf32>) {
  %oinit15 = tensor.empty() : tensor<1x2x8x6xf32>
  // expected-error @+1 {{'k' has H = 3 (dim 1 of 'tensor<1x3x8x4xf32>'), but 'q' has H = 2 (dim 1 of 'tensor<1x2x8x4xf32>')}}
  %o = retention.parallel %q, %k, %v outs(%oinit15) {gamma = array<f64: 0.5, 0.75>}
      : (tensor<1x2x8x4xf32>, tensor<1x3x8x4xf32>, tensor<1x2x8x6xf32>, tensor<1x2x8x6xf32>) -> tensor<1x2x8x6xf32>
  return
}

// -----

// k T
func.func @f(%q: tensor<1x2x8x4xf32>, %k: tensor<1x2x9x4xf32>, %v: tensor<1x2x8x6xf32>) {
  %oinit16 = tensor.empty() : tensor<1x2x8x6xf32>
  // expected-error @+1 {{'k' has T = 9 (dim 2 of 'tensor<1x2x9x4xf32>'), but 'q' has T = 8 (dim 2 of 'tensor<1x2x8x4xf32>')}}
  %o = retention.parallel %q, %k, %v outs(%oinit16) {gamma = array<f64: 0.5, 0.75>}
      : (tensor<1x2x8x4xf32>, tensor<1x2x9x4xf32>, tensor<1x2x8x6xf32>, tensor<1x2x8x6xf32>) -> tensor<1x2x8x6xf32>
  return
}

// -----

// k dk
func.func @f(%q: tensor<1x2x8x4xf32>, %k: tensor<1x2x8x5xf32>, %v: tensor<1x2x8x6xf32>) {
  %oinit17 = tensor.empty() : tensor<1x2x8x6xf32>
  // expected-error @+1 {{'k' has dk = 5 (dim 3 of 'tensor<1x2x8x5xf32>'), but 'q' has dk = 4 (dim 3 of 'tensor<1x2x8x4xf32>')}}
  %o = retention.parallel %q, %k, %v outs(%oinit17) {gamma = array<f64: 0.5, 0.75>}
      : (tensor<1x2x8x4xf32>, tensor<1x2x8x5xf32>, tensor<1x2x8x6xf32>, tensor<1x2x8x6xf32>) -> tensor<1x2x8x6xf32>
  return
}

// -----

// v B
func.func @f(%q: tensor<1x2x8x4xf32>, %k: tensor<1x2x8x4xf32>, %v: tensor<3x2x8x6xf32>) {
  %oinit18 = tensor.empty() : tensor<1x2x8x6xf32>
  // expected-error @+1 {{'v' has B = 3 (dim 0 of 'tensor<3x2x8x6xf32>'), but 'q' has B = 1 (dim 0 of 'tensor<1x2x8x4xf32>')}}
  %o = retention.parallel %q, %k, %v outs(%oinit18) {gamma = array<f64: 0.5, 0.75>}
      : (tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<3x2x8x6xf32>, tensor<1x2x8x6xf32>) -> tensor<1x2x8x6xf32>
  return
}

// -----

// v H
func.func @f(%q: tensor<1x2x8x4xf32>, %k: tensor<1x2x8x4xf32>, %v: tensor<1x1x8x6xf32>) {
  %oinit19 = tensor.empty() : tensor<1x2x8x6xf32>
  // expected-error @+1 {{'v' has H = 1 (dim 1 of 'tensor<1x1x8x6xf32>'), but 'q' has H = 2 (dim 1 of 'tensor<1x2x8x4xf32>')}}
  %o = retention.parallel %q, %k, %v outs(%oinit19) {gamma = array<f64: 0.5, 0.75>}
      : (tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x1x8x6xf32>, tensor<1x2x8x6xf32>) -> tensor<1x2x8x6xf32>
  return
}

// -----

// v T
func.func @f(%q: tensor<1x2x8x4xf32>, %k: tensor<1x2x8x4xf32>, %v: tensor<1x2x7x6xf32>) {
  %oinit20 = tensor.empty() : tensor<1x2x8x6xf32>
  // expected-error @+1 {{'v' has T = 7 (dim 2 of 'tensor<1x2x7x6xf32>'), but 'q' has T = 8 (dim 2 of 'tensor<1x2x8x4xf32>')}}
  %o = retention.parallel %q, %k, %v outs(%oinit20) {gamma = array<f64: 0.5, 0.75>}
      : (tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x7x6xf32>, tensor<1x2x8x6xf32>) -> tensor<1x2x8x6xf32>
  return
}

// -----

// state B
func.func @f(%q: tensor<1x2x8x4xf32>, %k: tensor<1x2x8x4xf32>, %v: tensor<1x2x8x6xf32>, %s: tensor<2x2x4x6xf32>) {
  %oinit21 = tensor.empty() : tensor<1x2x8x6xf32>
  // expected-error @+1 {{'state' has B = 2 (dim 0 of 'tensor<2x2x4x6xf32>'), but 'q' has B = 1 (dim 0 of 'tensor<1x2x8x4xf32>')}}
  %o = retention.parallel %q, %k, %v, %s outs(%oinit21) {gamma = array<f64: 0.5, 0.75>}
      : (tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x6xf32>, tensor<2x2x4x6xf32>, tensor<1x2x8x6xf32>) -> tensor<1x2x8x6xf32>
  return
}

// -----

// state H
func.func @f(%q: tensor<1x2x8x4xf32>, %k: tensor<1x2x8x4xf32>, %v: tensor<1x2x8x6xf32>, %s: tensor<1x4x4x6xf32>) {
  %oinit22 = tensor.empty() : tensor<1x2x8x6xf32>
  // expected-error @+1 {{'state' has H = 4 (dim 1 of 'tensor<1x4x4x6xf32>'), but 'q' has H = 2 (dim 1 of 'tensor<1x2x8x4xf32>')}}
  %o = retention.parallel %q, %k, %v, %s outs(%oinit22) {gamma = array<f64: 0.5, 0.75>}
      : (tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x6xf32>, tensor<1x4x4x6xf32>, tensor<1x2x8x6xf32>) -> tensor<1x2x8x6xf32>
  return
}

// -----

// state dk
func.func @f(%q: tensor<1x2x8x4xf32>, %k: tensor<1x2x8x4xf32>, %v: tensor<1x2x8x6xf32>, %s: tensor<1x2x6x6xf32>) {
  %oinit23 = tensor.empty() : tensor<1x2x8x6xf32>
  // expected-error @+1 {{'state' has dk = 6 (dim 2 of 'tensor<1x2x6x6xf32>'), but 'q' has dk = 4 (dim 3 of 'tensor<1x2x8x4xf32>')}}
  %o = retention.parallel %q, %k, %v, %s outs(%oinit23) {gamma = array<f64: 0.5, 0.75>}
      : (tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x6xf32>, tensor<1x2x6x6xf32>, tensor<1x2x8x6xf32>) -> tensor<1x2x8x6xf32>
  return
}

// -----

// state dv
func.func @f(%q: tensor<1x2x8x4xf32>, %k: tensor<1x2x8x4xf32>, %v: tensor<1x2x8x6xf32>, %s: tensor<1x2x4x4xf32>) {
  %oinit24 = tensor.empty() : tensor<1x2x8x6xf32>
  // expected-error @+1 {{'state' has dv = 4 (dim 3 of 'tensor<1x2x4x4xf32>'), but 'v' has dv = 6 (dim 3 of 'tensor<1x2x8x6xf32>')}}
  %o = retention.parallel %q, %k, %v, %s outs(%oinit24) {gamma = array<f64: 0.5, 0.75>}
      : (tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x6xf32>, tensor<1x2x4x4xf32>, tensor<1x2x8x6xf32>) -> tensor<1x2x8x6xf32>
  return
}

// -----

// o B
func.func @f(%q: tensor<1x2x8x4xf32>, %k: tensor<1x2x8x4xf32>, %v: tensor<1x2x8x6xf32>) {
  %oinit25 = tensor.empty() : tensor<2x2x8x6xf32>
  // expected-error @+1 {{'o' has B = 2 (dim 0 of 'tensor<2x2x8x6xf32>'), but 'q' has B = 1 (dim 0 of 'tensor<1x2x8x4xf32>')}}
  %o = retention.parallel %q, %k, %v outs(%oinit25) {gamma = array<f64: 0.5, 0.75>}
      : (tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x6xf32>, tensor<2x2x8x6xf32>) -> tensor<2x2x8x6xf32>
  return
}

// -----

// o H
func.func @f(%q: tensor<1x2x8x4xf32>, %k: tensor<1x2x8x4xf32>, %v: tensor<1x2x8x6xf32>) {
  %oinit26 = tensor.empty() : tensor<1x1x8x6xf32>
  // expected-error @+1 {{'o' has H = 1 (dim 1 of 'tensor<1x1x8x6xf32>'), but 'q' has H = 2 (dim 1 of 'tensor<1x2x8x4xf32>')}}
  %o = retention.parallel %q, %k, %v outs(%oinit26) {gamma = array<f64: 0.5, 0.75>}
      : (tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x6xf32>, tensor<1x1x8x6xf32>) -> tensor<1x1x8x6xf32>
  return
}

// -----

// o T
func.func @f(%q: tensor<1x2x8x4xf32>, %k: tensor<1x2x8x4xf32>, %v: tensor<1x2x8x6xf32>) {
  %oinit27 = tensor.empty() : tensor<1x2x16x6xf32>
  // expected-error @+1 {{'o' has T = 16 (dim 2 of 'tensor<1x2x16x6xf32>'), but 'q' has T = 8 (dim 2 of 'tensor<1x2x8x4xf32>')}}
  %o = retention.parallel %q, %k, %v outs(%oinit27) {gamma = array<f64: 0.5, 0.75>}
      : (tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x6xf32>, tensor<1x2x16x6xf32>) -> tensor<1x2x16x6xf32>
  return
}

// -----

// o dv
func.func @f(%q: tensor<1x2x8x4xf32>, %k: tensor<1x2x8x4xf32>, %v: tensor<1x2x8x6xf32>) {
  %oinit28 = tensor.empty() : tensor<1x2x8x4xf32>
  // expected-error @+1 {{'o' has dv = 4 (dim 3 of 'tensor<1x2x8x4xf32>'), but 'v' has dv = 6 (dim 3 of 'tensor<1x2x8x6xf32>')}}
  %o = retention.parallel %q, %k, %v outs(%oinit28) {gamma = array<f64: 0.5, 0.75>}
      : (tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x6xf32>, tensor<1x2x8x4xf32>) -> tensor<1x2x8x4xf32>
  return
}

// -----

// final_state dk
func.func @f(%q: tensor<1x2x8x4xf32>, %k: tensor<1x2x8x4xf32>, %v: tensor<1x2x8x6xf32>) {
  %oinit29 = tensor.empty() : tensor<1x2x8x6xf32>
  %sinit29 = tensor.empty() : tensor<1x2x6x6xf32>
  // expected-error @+1 {{'final_state' has dk = 6 (dim 2 of 'tensor<1x2x6x6xf32>'), but 'q' has dk = 4 (dim 3 of 'tensor<1x2x8x4xf32>')}}
  %o, %fs = retention.recurrent %q, %k, %v outs(%oinit29, %sinit29) {gamma = array<f64: 0.5, 0.75>}
      : (tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x6xf32>, tensor<1x2x8x6xf32>, tensor<1x2x6x6xf32>) -> (tensor<1x2x8x6xf32>, tensor<1x2x6x6xf32>)
  return
}

// -----

// final_state dv
func.func @f(%q: tensor<1x2x8x4xf32>, %k: tensor<1x2x8x4xf32>, %v: tensor<1x2x8x6xf32>) {
  %oinit30 = tensor.empty() : tensor<1x2x8x6xf32>
  %sinit30 = tensor.empty() : tensor<1x2x4x7xf32>
  // expected-error @+1 {{'final_state' has dv = 7 (dim 3 of 'tensor<1x2x4x7xf32>'), but 'v' has dv = 6 (dim 3 of 'tensor<1x2x8x6xf32>')}}
  %o, %fs = retention.chunkwise %q, %k, %v outs(%oinit30, %sinit30) {chunk_size = 16 : i64, gamma = array<f64: 0.5, 0.75>}
      : (tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x6xf32>, tensor<1x2x8x6xf32>, tensor<1x2x4x7xf32>) -> (tensor<1x2x8x6xf32>, tensor<1x2x4x7xf32>)
  return
}

// -----

// final_state dv, with dynamic B and T elsewhere (static dims are still checked)
func.func @f(%q: tensor<?x2x?x4xf32>, %k: tensor<?x2x?x4xf32>, %v: tensor<?x2x?x6xf32>) {
  %cdim31_00 = arith.constant 0 : index
  %dim31_00 = tensor.dim %q, %cdim31_00 : tensor<?x2x?x4xf32>
  %cdim31_02 = arith.constant 2 : index
  %dim31_02 = tensor.dim %q, %cdim31_02 : tensor<?x2x?x4xf32>
  %oinit31 = tensor.empty(%dim31_00, %dim31_02) : tensor<?x2x?x6xf32>
  %cdim31_10 = arith.constant 0 : index
  %dim31_10 = tensor.dim %q, %cdim31_10 : tensor<?x2x?x4xf32>
  %sinit31 = tensor.empty(%dim31_10) : tensor<?x2x4x8xf32>
  // expected-error @+1 {{'final_state' has dv = 8 (dim 3 of 'tensor<?x2x4x8xf32>'), but 'v' has dv = 6 (dim 3 of 'tensor<?x2x?x6xf32>')}}
  %o, %fs = retention.chunkwise %q, %k, %v outs(%oinit31, %sinit31) {chunk_size = 16 : i64, gamma = array<f64: 0.5, 0.75>}
      : (tensor<?x2x?x4xf32>, tensor<?x2x?x4xf32>, tensor<?x2x?x6xf32>, tensor<?x2x?x6xf32>, tensor<?x2x4x8xf32>) -> (tensor<?x2x?x6xf32>, tensor<?x2x4x8xf32>)
  return
}

// -----

// gamma count
func.func @f(%q: tensor<1x2x8x4xf32>, %k: tensor<1x2x8x4xf32>, %v: tensor<1x2x8x6xf32>) {
  %oinit32 = tensor.empty() : tensor<1x2x8x6xf32>
  // expected-error @+1 {{'gamma' has 3 values, but 'q' has H = 2 heads ('tensor<1x2x8x4xf32>'): one decay per head is required}}
  %o = retention.parallel %q, %k, %v outs(%oinit32) {gamma = array<f64: 0.5, 0.75, 0.9>}
      : (tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x6xf32>, tensor<1x2x8x6xf32>) -> tensor<1x2x8x6xf32>
  return
}

// -----

// gamma empty dyn
func.func @f(%q: tensor<1x?x8x4xf32>, %k: tensor<1x?x8x4xf32>, %v: tensor<1x?x8x6xf32>) {
  %cdim33_01 = arith.constant 1 : index
  %dim33_01 = tensor.dim %q, %cdim33_01 : tensor<1x?x8x4xf32>
  %oinit33 = tensor.empty(%dim33_01) : tensor<1x?x8x6xf32>
  // expected-error @+1 {{'gamma' must hold one decay per head, but is empty}}
  %o = retention.parallel %q, %k, %v outs(%oinit33) {gamma = array<f64>}
      : (tensor<1x?x8x4xf32>, tensor<1x?x8x4xf32>, tensor<1x?x8x6xf32>, tensor<1x?x8x6xf32>) -> tensor<1x?x8x6xf32>
  return
}

// -----

// gamma > 1
func.func @f(%q: tensor<1x2x8x4xf32>, %k: tensor<1x2x8x4xf32>, %v: tensor<1x2x8x6xf32>) {
  %oinit34 = tensor.empty() : tensor<1x2x8x6xf32>
  // expected-error @+1 {{'gamma' of head 1 is 1.500000e+00, outside (0, 1]}}
  %o = retention.parallel %q, %k, %v outs(%oinit34) {gamma = array<f64: 0.5, 1.5>}
      : (tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x6xf32>, tensor<1x2x8x6xf32>) -> tensor<1x2x8x6xf32>
  return
}

// -----

// gamma 0
func.func @f(%q: tensor<1x2x8x4xf32>, %k: tensor<1x2x8x4xf32>, %v: tensor<1x2x8x6xf32>) {
  %oinit35 = tensor.empty() : tensor<1x2x8x6xf32>
  %sinit35 = tensor.empty() : tensor<1x2x4x6xf32>
  // expected-error @+1 {{'gamma' of head 0 is 0.000000e+00, outside (0, 1]}}
  %o, %fs = retention.recurrent %q, %k, %v outs(%oinit35, %sinit35) {gamma = array<f64: 0.0, 0.5>}
      : (tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x6xf32>, tensor<1x2x8x6xf32>, tensor<1x2x4x6xf32>) -> (tensor<1x2x8x6xf32>, tensor<1x2x4x6xf32>)
  return
}

// -----

// gamma negative
func.func @f(%q: tensor<1x2x8x4xf32>, %k: tensor<1x2x8x4xf32>, %v: tensor<1x2x8x6xf32>) {
  %oinit36 = tensor.empty() : tensor<1x2x8x6xf32>
  %sinit36 = tensor.empty() : tensor<1x2x4x6xf32>
  // expected-error @+1 {{'gamma' of head 0 is -5.000000e-01, outside (0, 1]}}
  %o, %fs = retention.chunkwise %q, %k, %v outs(%oinit36, %sinit36) {chunk_size = 4 : i64, gamma = array<f64: -0.5, 0.5>}
      : (tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x6xf32>, tensor<1x2x8x6xf32>, tensor<1x2x4x6xf32>) -> (tensor<1x2x8x6xf32>, tensor<1x2x4x6xf32>)
  return
}

// -----

// gamma nan
func.func @f(%q: tensor<1x2x8x4xf32>, %k: tensor<1x2x8x4xf32>, %v: tensor<1x2x8x6xf32>) {
  %oinit37 = tensor.empty() : tensor<1x2x8x6xf32>
  // expected-error @+1 {{'gamma' of head 1 is nan, outside (0, 1]}}
  %o = retention.parallel %q, %k, %v outs(%oinit37) {gamma = array<f64: 0.5, 0x7FF8000000000000>}
      : (tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x6xf32>, tensor<1x2x8x6xf32>) -> tensor<1x2x8x6xf32>
  return
}

// -----

// gamma missing
func.func @f(%q: tensor<1x2x8x4xf32>, %k: tensor<1x2x8x4xf32>, %v: tensor<1x2x8x6xf32>) {
  %oinit38 = tensor.empty() : tensor<1x2x8x6xf32>
  // expected-error @+1 {{requires attribute 'gamma'}}
  %o = retention.parallel %q, %k, %v outs(%oinit38) {scale = 2.0 : f64}
      : (tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x6xf32>, tensor<1x2x8x6xf32>) -> tensor<1x2x8x6xf32>
  return
}

// -----

// gamma wrong type
func.func @f(%q: tensor<1x2x8x4xf32>, %k: tensor<1x2x8x4xf32>, %v: tensor<1x2x8x6xf32>) {
  %oinit39 = tensor.empty() : tensor<1x2x8x6xf32>
  // expected-error @+1 {{attribute 'gamma' failed to satisfy constraint: f64 dense array attribute}}
  %o = retention.parallel %q, %k, %v outs(%oinit39) {gamma = array<i64: 1, 1>}
      : (tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x6xf32>, tensor<1x2x8x6xf32>) -> tensor<1x2x8x6xf32>
  return
}

// -----

// scale inf
func.func @f(%q: tensor<1x2x8x4xf32>, %k: tensor<1x2x8x4xf32>, %v: tensor<1x2x8x6xf32>) {
  %oinit40 = tensor.empty() : tensor<1x2x8x6xf32>
  // expected-error @+1 {{'scale' must be finite, but is INF}}
  %o = retention.parallel %q, %k, %v outs(%oinit40) {gamma = array<f64: 0.5, 0.5>, scale = 0x7FF0000000000000 : f64}
      : (tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x6xf32>, tensor<1x2x8x6xf32>) -> tensor<1x2x8x6xf32>
  return
}

// -----

// scale wrong type
func.func @f(%q: tensor<1x2x8x4xf32>, %k: tensor<1x2x8x4xf32>, %v: tensor<1x2x8x6xf32>) {
  %oinit41 = tensor.empty() : tensor<1x2x8x6xf32>
  // expected-error @+1 {{attribute 'scale' failed to satisfy constraint: 64-bit float attribute}}
  %o = retention.parallel %q, %k, %v outs(%oinit41) {gamma = array<f64: 0.5, 0.5>, scale = 2 : i64}
      : (tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x6xf32>, tensor<1x2x8x6xf32>) -> tensor<1x2x8x6xf32>
  return
}

// -----

// chunk_size 0
func.func @f(%q: tensor<1x2x8x4xf32>, %k: tensor<1x2x8x4xf32>, %v: tensor<1x2x8x6xf32>) {
  %oinit42 = tensor.empty() : tensor<1x2x8x6xf32>
  %sinit42 = tensor.empty() : tensor<1x2x4x6xf32>
  // expected-error @+1 {{attribute 'chunk_size' failed to satisfy constraint: 64-bit signless integer attribute whose value is positive}}
  %o, %fs = retention.chunkwise %q, %k, %v outs(%oinit42, %sinit42) {chunk_size = 0 : i64, gamma = array<f64: 0.5, 0.5>}
      : (tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x6xf32>, tensor<1x2x8x6xf32>, tensor<1x2x4x6xf32>) -> (tensor<1x2x8x6xf32>, tensor<1x2x4x6xf32>)
  return
}

// -----

// chunk_size negative
func.func @f(%q: tensor<1x2x8x4xf32>, %k: tensor<1x2x8x4xf32>, %v: tensor<1x2x8x6xf32>) {
  %oinit43 = tensor.empty() : tensor<1x2x8x6xf32>
  %sinit43 = tensor.empty() : tensor<1x2x4x6xf32>
  // expected-error @+1 {{attribute 'chunk_size' failed to satisfy constraint: 64-bit signless integer attribute whose value is positive}}
  %o, %fs = retention.chunkwise %q, %k, %v outs(%oinit43, %sinit43) {chunk_size = -64 : i64, gamma = array<f64: 0.5, 0.5>}
      : (tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x6xf32>, tensor<1x2x8x6xf32>, tensor<1x2x4x6xf32>) -> (tensor<1x2x8x6xf32>, tensor<1x2x4x6xf32>)
  return
}

// -----

// chunk_size missing
func.func @f(%q: tensor<1x2x8x4xf32>, %k: tensor<1x2x8x4xf32>, %v: tensor<1x2x8x6xf32>) {
  %oinit44 = tensor.empty() : tensor<1x2x8x6xf32>
  %sinit44 = tensor.empty() : tensor<1x2x4x6xf32>
  // expected-error @+1 {{requires attribute 'chunk_size'}}
  %o, %fs = retention.chunkwise %q, %k, %v outs(%oinit44, %sinit44) {gamma = array<f64: 0.5, 0.5>}
      : (tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x6xf32>, tensor<1x2x8x6xf32>, tensor<1x2x4x6xf32>) -> (tensor<1x2x8x6xf32>, tensor<1x2x4x6xf32>)
  return
}

// -----

// A custom-form type list that does not match the operands.
func.func @f(%q: tensor<1x2x8x4xf32>, %v: tensor<1x2x8x6xf32>) {
  %oinit45 = tensor.empty() : tensor<1x2x8x6xf32>
  // expected-error @+1 {{number of operands and types do not match: got 4 operands and 3 types}}
  %o = retention.parallel %q, %q, %v outs(%oinit45) {gamma = array<f64: 0.5, 0.75>}
      : (tensor<1x2x8x4xf32>, tensor<1x2x8x6xf32>, tensor<1x2x8x6xf32>) -> tensor<1x2x8x6xf32>
  return
}

// -----

// The recurrent form has two inits (and results).
func.func @f(%q: tensor<1x2x8x4xf32>, %v: tensor<1x2x8x6xf32>, %o0: tensor<1x2x8x6xf32>) {
  // expected-error @+1 {{expects 2 inits (o, final_state) in 'outs', but has 1}}
  %o = retention.recurrent %q, %q, %v outs(%o0) {gamma = array<f64: 0.5, 0.75>}
      : (tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x6xf32>, tensor<1x2x8x6xf32>) -> tensor<1x2x8x6xf32>
  return
}

// -----

// Results follow the inits.
func.func @f(%q: tensor<1x2x8x4xf32>, %v: tensor<1x2x8x6xf32>, %o0: tensor<1x2x8x6xf32>) {
  // expected-error @+1 {{result type 'tensor<1x2x8x?xf32>' differs from its init's type 'tensor<1x2x8x6xf32>'}}
  %o = retention.parallel %q, %q, %v outs(%o0) {gamma = array<f64: 0.5, 0.75>}
      : (tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x6xf32>, tensor<1x2x8x6xf32>) -> tensor<1x2x8x?xf32>
  return
}

// -----

// Tensors and memrefs do not mix.
func.func @f(%q: tensor<1x2x8x4xf32>, %v: tensor<1x2x8x6xf32>, %o0: memref<1x2x8x6xf32>) {
  // expected-error @+1 {{operands must be all tensors or all memrefs}}
  retention.parallel %q, %q, %v outs(%o0) {gamma = array<f64: 0.5, 0.75>}
      : (tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x6xf32>, memref<1x2x8x6xf32>) -> ()
  return
}

// -----

// On memrefs there are no results.
func.func @f(%q: memref<1x2x8x4xf32>, %v: memref<1x2x8x6xf32>, %o0: memref<1x2x8x6xf32>) {
  // expected-error @+1 {{on memrefs has no results}}
  %o = retention.parallel %q, %q, %v outs(%o0) {gamma = array<f64: 0.5, 0.75>}
      : (memref<1x2x8x4xf32>, memref<1x2x8x4xf32>, memref<1x2x8x6xf32>, memref<1x2x8x6xf32>) -> tensor<1x2x8x6xf32>
  return
}

// -----

// A head offset lets gamma hold more decays than the op has heads, not fewer.
func.func @f(%q: tensor<1x2x8x4xf32>, %v: tensor<1x2x8x6xf32>, %o0: tensor<1x2x8x6xf32>, %h: index) {
  // expected-error @+1 {{'gamma' has 1 values, fewer than the H = 2 heads of 'q'}}
  %o = retention.parallel %q, %q, %v head_offset(%h) outs(%o0) {gamma = array<f64: 0.5>}
      : (tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x6xf32>, index, tensor<1x2x8x6xf32>) -> tensor<1x2x8x6xf32>
  return
}

// -----

// At most one initial state.
func.func @f(%q: tensor<1x2x8x4xf32>, %v: tensor<1x2x8x6xf32>, %s: tensor<1x2x4x6xf32>) {
  %oinit46 = tensor.empty() : tensor<1x2x8x6xf32>
  // expected-error @+1 {{expected 'outs'}}
  %o = retention.parallel %q, %q, %v, %s, %s outs(%oinit46) {gamma = array<f64: 0.5, 0.75>}
      : (tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x6xf32>, tensor<1x2x4x6xf32>, tensor<1x2x4x6xf32>, tensor<1x2x8x6xf32>) -> tensor<1x2x8x6xf32>
  return
}
