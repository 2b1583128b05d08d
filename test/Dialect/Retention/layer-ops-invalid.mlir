// RUN: retnet-opt %s -split-input-file -verify-diagnostics
// One case per check of the layer ops' verifiers.

func.func @rotate_rank(%x: tensor<64xf32>, %p: tensor<1x4xi64>) {
  %linit0_0 = tensor.empty() : tensor<1x2x4x32xf32>
  // expected-error @+1 {{'x' must have rank 3 [B, T, H*dk], but has type 'tensor<64xf32>'}}
  %r = retention.rotate %x, %p outs(%linit0_0): (tensor<64xf32>, tensor<1x4xi64>, tensor<1x2x4x32xf32>) -> tensor<1x2x4x32xf32>
  return
}

// -----

func.func @rotate_odd(%x: tensor<1x4x6xf32>, %p: tensor<1x4xi64>) {
  %linit1_0 = tensor.empty() : tensor<1x2x4x3xf32>
  // expected-error @+1 {{the key head dim dk = 3 must be even (pairs are rotated)}}
  %r = retention.rotate %x, %p outs(%linit1_0): (tensor<1x4x6xf32>, tensor<1x4xi64>, tensor<1x2x4x3xf32>) -> tensor<1x2x4x3xf32>
  return
}

// -----

func.func @rotate_width(%x: tensor<1x4x60xf32>, %p: tensor<1x4xi64>) {
  %linit2_0 = tensor.empty() : tensor<1x2x4x32xf32>
  // expected-error @+1 {{'x' has H*dk = 60 (dim 2 of 'tensor<1x4x60xf32>'), expected 64}}
  %r = retention.rotate %x, %p outs(%linit2_0): (tensor<1x4x60xf32>, tensor<1x4xi64>, tensor<1x2x4x32xf32>) -> tensor<1x2x4x32xf32>
  return
}

// -----

func.func @rotate_tokens(%x: tensor<1x4x64xf32>, %p: tensor<1x5xi64>) {
  %linit3_0 = tensor.empty() : tensor<1x2x4x32xf32>
  // expected-error @+1 {{'positions' has T = 5 (dim 1 of 'tensor<1x5xi64>'), expected 4}}
  %r = retention.rotate %x, %p outs(%linit3_0): (tensor<1x4x64xf32>, tensor<1x5xi64>, tensor<1x2x4x32xf32>) -> tensor<1x2x4x32xf32>
  return
}

// -----

func.func @rotate_scale(%x: tensor<1x4x64xf32>, %p: tensor<1x4xi64>) {
  %linit4_0 = tensor.empty() : tensor<1x2x4x32xf32>
  // expected-error @+1 {{'scale' and 'theta_base' must be positive and finite, got 0.000000e+00 and 1.000000e+04}}
  %r = retention.rotate %x, %p outs(%linit4_0) {scale = 0.0 : f64} : (tensor<1x4x64xf32>, tensor<1x4xi64>, tensor<1x2x4x32xf32>) -> tensor<1x2x4x32xf32>
  return
}

// -----

func.func @norm_heads(%y: tensor<1x2x4x48xf32>, %g: tensor<1x4x96xf32>, %p: tensor<1x4xi64>) {
  %linit5_0 = tensor.empty() : tensor<1x4x96xf32>
  // expected-error @+1 {{'gamma' has 3 decays, but 'y' has H = 2 heads}}
  %n = retention.group_norm %y, %g, %p outs(%linit5_0) {epsilon = 1.0e-6 : f64, gamma = array<f64: 0.9, 0.9, 0.9>}
      : (tensor<1x2x4x48xf32>, tensor<1x4x96xf32>, tensor<1x4xi64>, tensor<1x4x96xf32>) -> tensor<1x4x96xf32>
  return
}

// -----

func.func @norm_decay(%y: tensor<1x2x4x48xf32>, %g: tensor<1x4x96xf32>, %p: tensor<1x4xi64>) {
  %linit6_0 = tensor.empty() : tensor<1x4x96xf32>
  // expected-error @+1 {{gamma[1] = 1.000000e+00 must be in (0, 1)}}
  %n = retention.group_norm %y, %g, %p outs(%linit6_0) {epsilon = 1.0e-6 : f64, gamma = array<f64: 0.9, 1.0>}
      : (tensor<1x2x4x48xf32>, tensor<1x4x96xf32>, tensor<1x4xi64>, tensor<1x4x96xf32>) -> tensor<1x4x96xf32>
  return
}

// -----

func.func @norm_gate(%y: tensor<1x2x4x48xf32>, %g: tensor<1x4x90xf32>, %p: tensor<1x4xi64>) {
  %linit7_0 = tensor.empty() : tensor<1x4x90xf32>
  // expected-error @+1 {{'g' has H*dv = 90 (dim 2 of 'tensor<1x4x90xf32>'), expected 96}}
  %n = retention.group_norm %y, %g, %p outs(%linit7_0) {epsilon = 1.0e-6 : f64, gamma = array<f64: 0.9, 0.8>}
      : (tensor<1x2x4x48xf32>, tensor<1x4x90xf32>, tensor<1x4xi64>, tensor<1x4x90xf32>) -> tensor<1x4x90xf32>
  return
}

// -----

func.func @norm_eps(%y: tensor<1x2x4x48xf32>, %g: tensor<1x4x96xf32>, %p: tensor<1x4xi64>) {
  %linit8_0 = tensor.empty() : tensor<1x4x96xf32>
  // expected-error @+1 {{'epsilon' must be >= 0}}
  %n = retention.group_norm %y, %g, %p outs(%linit8_0) {epsilon = -1.0 : f64, gamma = array<f64: 0.9, 0.8>}
      : (tensor<1x2x4x48xf32>, tensor<1x4x96xf32>, tensor<1x4xi64>, tensor<1x4x96xf32>) -> tensor<1x4x96xf32>
  return
}

// -----

func.func @msr_heads(%x: tensor<1x4x64xf32>, %w: tensor<64x64xf32>, %wv: tensor<64x96xf32>,
                     %wo: tensor<96x64xf32>, %p: tensor<1x4xi64>, %s: tensor<1x3x21x32xf32>) {
  %linit9_0 = tensor.empty() : tensor<1x4x64xf32>
  %linit9_1 = tensor.empty() : tensor<1x3x21x32xf32>
  // expected-error @+1 {{Dk = 64 (dim 1 of 'wq') is not divisible by the 3 heads of 'gamma'}}
  %o, %s1 = retention.multi_scale %x, %w, %w, %wv, %wv, %wo, %p, %s outs(%linit9_0, %linit9_1)
      {epsilon = 1.0e-6 : f64, form = #retention<form chunkwise>, gamma = array<f64: 0.9, 0.8, 0.7>}
      : (tensor<1x4x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x96xf32>,
         tensor<64x96xf32>, tensor<96x64xf32>, tensor<1x4xi64>, tensor<1x3x21x32xf32>, tensor<1x4x64xf32>, tensor<1x3x21x32xf32>)
      -> (tensor<1x4x64xf32>, tensor<1x3x21x32xf32>)
  return
}

// -----

func.func @msr_weight(%x: tensor<1x4x64xf32>, %w: tensor<64x64xf32>, %wv: tensor<64x96xf32>,
                      %wo: tensor<90x64xf32>, %p: tensor<1x4xi64>, %s: tensor<1x2x32x48xf32>) {
  %linit10_0 = tensor.empty() : tensor<1x4x64xf32>
  %linit10_1 = tensor.empty() : tensor<1x2x32x48xf32>
  // expected-error @+1 {{'wo' has Dv = 90 (dim 0 of 'tensor<90x64xf32>'), expected 96}}
  %o, %s1 = retention.multi_scale %x, %w, %w, %wv, %wv, %wo, %p, %s outs(%linit10_0, %linit10_1)
      {epsilon = 1.0e-6 : f64, form = #retention<form chunkwise>, gamma = array<f64: 0.9, 0.8>}
      : (tensor<1x4x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x96xf32>,
         tensor<64x96xf32>, tensor<90x64xf32>, tensor<1x4xi64>, tensor<1x2x32x48xf32>, tensor<1x4x64xf32>, tensor<1x2x32x48xf32>)
      -> (tensor<1x4x64xf32>, tensor<1x2x32x48xf32>)
  return
}

// -----

func.func @msr_state(%x: tensor<1x4x64xf32>, %w: tensor<64x64xf32>, %wv: tensor<64x96xf32>,
                     %wo: tensor<96x64xf32>, %p: tensor<1x4xi64>, %s: tensor<1x2x32x32xf32>) {
  %linit11_0 = tensor.empty() : tensor<1x4x64xf32>
  %linit11_1 = tensor.empty() : tensor<1x2x32x32xf32>
  // expected-error @+1 {{'state' has dv = 32 (dim 3 of 'tensor<1x2x32x32xf32>'), expected 48}}
  %o, %s1 = retention.multi_scale %x, %w, %w, %wv, %wv, %wo, %p, %s outs(%linit11_0, %linit11_1)
      {epsilon = 1.0e-6 : f64, form = #retention<form chunkwise>, gamma = array<f64: 0.9, 0.8>}
      : (tensor<1x4x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x96xf32>,
         tensor<64x96xf32>, tensor<96x64xf32>, tensor<1x4xi64>, tensor<1x2x32x32xf32>, tensor<1x4x64xf32>, tensor<1x2x32x32xf32>)
      -> (tensor<1x4x64xf32>, tensor<1x2x32x32xf32>)
  return
}

// -----

func.func @msr_form(%x: tensor<1x4x64xf32>, %w: tensor<64x64xf32>, %wv: tensor<64x96xf32>,
                    %wo: tensor<96x64xf32>, %p: tensor<1x4xi64>, %s: tensor<1x2x32x48xf32>) {
  %linit12_0 = tensor.empty() : tensor<1x4x64xf32>
  %linit12_1 = tensor.empty() : tensor<1x2x32x48xf32>
  // expected-error @+3 {{expected ::mlir::retention::LayerForm to be one of: chunkwise, recurrent}}
  // expected-error @+2 {{failed to parse Retention_LayerFormAttr parameter 'value'}}
  %o, %s1 = retention.multi_scale %x, %w, %w, %wv, %wv, %wo, %p, %s outs(%linit12_0, %linit12_1)
      {epsilon = 1.0e-6 : f64, form = #retention<form parallel>, gamma = array<f64: 0.9, 0.8>}
      : (tensor<1x4x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x96xf32>,
         tensor<64x96xf32>, tensor<96x64xf32>, tensor<1x4xi64>, tensor<1x2x32x48xf32>, tensor<1x4x64xf32>, tensor<1x2x32x48xf32>)
      -> (tensor<1x4x64xf32>, tensor<1x2x32x48xf32>)
  return
}

// -----

func.func @msr_chunk(%x: tensor<1x4x64xf32>, %w: tensor<64x64xf32>, %wv: tensor<64x96xf32>,
                     %wo: tensor<96x64xf32>, %p: tensor<1x4xi64>, %s: tensor<1x2x32x48xf32>) {
  %linit13_0 = tensor.empty() : tensor<1x4x64xf32>
  %linit13_1 = tensor.empty() : tensor<1x2x32x48xf32>
  // expected-error @+2 {{attribute 'chunk_size' failed to satisfy constraint: 64-bit signless integer attribute whose value is positive}}
  %o, %s1 = retention.multi_scale %x, %w, %w, %wv, %wv, %wo, %p, %s outs(%linit13_0, %linit13_1)
      {chunk_size = 0 : i64, epsilon = 1.0e-6 : f64, form = #retention<form chunkwise>, gamma = array<f64: 0.9, 0.8>}
      : (tensor<1x4x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x96xf32>,
         tensor<64x96xf32>, tensor<96x64xf32>, tensor<1x4xi64>, tensor<1x2x32x48xf32>, tensor<1x4x64xf32>, tensor<1x2x32x48xf32>)
      -> (tensor<1x4x64xf32>, tensor<1x2x32x48xf32>)
  return
}

// -----

func.func @msr_recurrent_chunk(%x: tensor<1x4x64xf32>, %w: tensor<64x64xf32>, %wv: tensor<64x96xf32>,
                               %wo: tensor<96x64xf32>, %p: tensor<1x4xi64>, %s: tensor<1x2x32x48xf32>) {
  %linit14_0 = tensor.empty() : tensor<1x4x64xf32>
  %linit14_1 = tensor.empty() : tensor<1x2x32x48xf32>
  // expected-error @+1 {{'chunk_size' applies to the chunkwise form only, but the form is recurrent}}
  %o, %s1 = retention.multi_scale %x, %w, %w, %wv, %wv, %wo, %p, %s outs(%linit14_0, %linit14_1)
      {chunk_size = 16 : i64, epsilon = 1.0e-6 : f64, form = #retention<form recurrent>, gamma = array<f64: 0.9, 0.8>}
      : (tensor<1x4x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x96xf32>,
         tensor<64x96xf32>, tensor<96x64xf32>, tensor<1x4xi64>, tensor<1x2x32x48xf32>, tensor<1x4x64xf32>, tensor<1x2x32x48xf32>)
      -> (tensor<1x4x64xf32>, tensor<1x2x32x48xf32>)
  return
}

// -----

// A layer's activations and weights share one element type.
func.func @msr_mixed(%x: tensor<1x4x64xbf16>, %w: tensor<64x64xf32>, %wv: tensor<64x96xbf16>,
                     %wo: tensor<96x64xbf16>, %p: tensor<1x4xi64>, %s: tensor<1x2x32x48xf32>) {
  %linit15_0 = tensor.empty() : tensor<1x4x64xbf16>
  %linit15_1 = tensor.empty() : tensor<1x2x32x48xf32>
  // expected-error @+1 {{'wq' has element type 'f32', but 'x' has 'bf16': a layer's activations and weights share one element type}}
  %o, %s1 = retention.multi_scale %x, %w, %w, %wv, %wv, %wo, %p, %s outs(%linit15_0, %linit15_1)
      {chunk_size = 16 : i64, epsilon = 1.0e-6 : f64, form = #retention<form chunkwise>, gamma = array<f64: 0.9, 0.8>}
      : (tensor<1x4x64xbf16>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x96xbf16>,
         tensor<64x96xbf16>, tensor<96x64xbf16>, tensor<1x4xi64>, tensor<1x2x32x48xf32>, tensor<1x4x64xbf16>, tensor<1x2x32x48xf32>)
      -> (tensor<1x4x64xbf16>, tensor<1x2x32x48xf32>)
  return
}

// -----

func.func @rotate_mixed(%x: tensor<1x4x64xf16>, %p: tensor<1x4xi64>) {
  %linit16_0 = tensor.empty() : tensor<1x2x4x32xf32>
  // expected-error @+1 {{'out' has element type 'f32', but 'x' has 'f16'}}
  %r = retention.rotate %x, %p outs(%linit16_0): (tensor<1x4x64xf16>, tensor<1x4xi64>, tensor<1x2x4x32xf32>) -> tensor<1x2x4x32xf32>
  return
}

// -----

func.func @group_norm_mixed(%y: tensor<1x2x4x32xbf16>, %g: tensor<1x4x64xf32>, %p: tensor<1x4xi64>) {
  %linit17_0 = tensor.empty() : tensor<1x4x64xf32>
  // expected-error @+1 {{'g' has element type 'f32', but 'y' has 'bf16'}}
  %n = retention.group_norm %y, %g, %p outs(%linit17_0) {epsilon = 1.0e-6 : f64, gamma = array<f64: 0.9, 0.8>}
      : (tensor<1x2x4x32xbf16>, tensor<1x4x64xf32>, tensor<1x4xi64>, tensor<1x4x64xf32>) -> tensor<1x4x64xf32>
  return
}

// -----

func.func @rotate_kinds_mixed(%x: memref<1x4x64xf32>, %p: tensor<1x4xi64>, %i: memref<1x2x4x32xf32>) {
  // expected-error @+1 {{operands must be all tensors or all memrefs, but 'memref<1x4x64xf32>' and 'tensor<1x4xi64>' are mixed}}
  retention.rotate %x, %p outs(%i) : (memref<1x4x64xf32>, tensor<1x4xi64>, memref<1x2x4x32xf32>) -> ()
  return
}

// -----

func.func @group_norm_memref_result(%y: memref<1x2x4x32xf32>, %g: memref<1x4x64xf32>, %p: memref<1x4xi64>, %i: memref<1x4x64xf32>) {
  // expected-error @+1 {{on memrefs has no results}}
  %n = retention.group_norm %y, %g, %p outs(%i) {epsilon = 1.0e-6 : f64, gamma = array<f64: 0.9, 0.8>}
      : (memref<1x2x4x32xf32>, memref<1x4x64xf32>, memref<1x4xi64>, memref<1x4x64xf32>) -> tensor<1x4x64xf32>
  return
}

// -----

func.func @group_norm_init_shape(%y: tensor<1x2x4x32xf32>, %g: tensor<1x4x64xf32>, %p: tensor<1x4xi64>) {
  %i = tensor.empty() : tensor<1x4x32xf32>
  // expected-error @+1 {{'init' has type 'tensor<1x4x32xf32>', but must have the shape and element type of 'g', 'tensor<1x4x64xf32>'}}
  %n = retention.group_norm %y, %g, %p outs(%i) {epsilon = 1.0e-6 : f64, gamma = array<f64: 0.9, 0.8>}
      : (tensor<1x2x4x32xf32>, tensor<1x4x64xf32>, tensor<1x4xi64>, tensor<1x4x32xf32>) -> tensor<1x4x32xf32>
  return
}

// -----

func.func @multi_scale_one_result(%x: tensor<1x4x64xf32>, %w: tensor<64x64xf32>, %wv: tensor<64x96xf32>,
                                  %wo: tensor<96x64xf32>, %p: tensor<1x4xi64>, %s: tensor<1x2x32x48xf32>) {
  %oi = tensor.empty() : tensor<1x4x64xf32>
  // expected-error @+1 {{on tensors has one result per init (2), but has 1}}
  %o = retention.multi_scale %x, %w, %w, %wv, %wv, %wo, %p, %s outs(%oi, %s)
      {epsilon = 1.0e-6 : f64, form = #retention<form recurrent>, gamma = array<f64: 0.9, 0.8>}
      : (tensor<1x4x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x96xf32>, tensor<64x96xf32>,
         tensor<96x64xf32>, tensor<1x4xi64>, tensor<1x2x32x48xf32>, tensor<1x4x64xf32>, tensor<1x2x32x48xf32>)
      -> tensor<1x4x64xf32>
  return
}
