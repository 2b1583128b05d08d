// RUN: retnet-opt %s -split-input-file --retention-select-form | FileCheck %s --check-prefix=AUTO
// RUN: retnet-opt %s -split-input-file --retention-select-form="form=auto chunk-size=16" | FileCheck %s --check-prefix=AUTO16
// RUN: retnet-opt %s -split-input-file --retention-select-form="form=parallel" | FileCheck %s --check-prefix=PAR
// RUN: retnet-opt %s -split-input-file --retention-select-form="form=chunkwise chunk-size=32" | FileCheck %s --check-prefix=CHUNK
// RUN: retnet-opt %s -split-input-file --retention-select-form="form=recurrent" | FileCheck %s --check-prefix=REC
// RUN: not retnet-opt %s --retention-select-form="form=diagonal" 2>&1 | FileCheck %s --check-prefix=BADFORM
// RUN: not retnet-opt %s --retention-select-form="chunk-size=0" 2>&1 | FileCheck %s --check-prefix=BADCHUNK

// BADFORM: unknown form 'diagonal' (expected auto, parallel, chunkwise or recurrent)
// BADCHUNK: chunk-size must be positive, got 0

// A 40-token prompt given in the parallel form, with a scale and a state.
// AUTO-LABEL: func.func @prompt40(
//  AUTO-SAME:     %[[Q:[^:]*]]: tensor<1x2x40x8xf32>, %[[K:[^:]*]]: tensor<1x2x40x8xf32>, %[[V:[^:]*]]: tensor<1x2x40x4xf32>, %[[S:[^:]*]]: tensor<1x2x8x4xf32>
//       AUTO:   %[[O:.*]] = retention.parallel %[[Q]], %[[K]], %[[V]], %[[S]] outs({{.*}}) {gamma = array<f64: 5.000000e-01, 7.500000e-01>, scale = 2.500000e-01 : f64}
//       AUTO:   return %[[O]]
// AUTO16-LABEL: func.func @prompt40(
//       AUTO16:   %[[O:.*]], %{{.*}} = retention.chunkwise %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} outs({{.*}}) {chunk_size = 16 : i64, gamma = array<f64: 5.000000e-01, 7.500000e-01>, scale = 2.500000e-01 : f64}
//       AUTO16:   return %[[O]]
// PAR-LABEL: func.func @prompt40(
//       PAR:   retention.parallel
// CHUNK-LABEL: func.func @prompt40(
//  CHUNK-SAME:     %[[Q:[^:]*]]: tensor<1x2x40x8xf32>, %[[K:[^:]*]]: tensor<1x2x40x8xf32>, %[[V:[^:]*]]: tensor<1x2x40x4xf32>, %[[S:[^:]*]]: tensor<1x2x8x4xf32>
//       CHUNK:   %[[O:.*]], %{{.*}} = retention.chunkwise %[[Q]], %[[K]], %[[V]], %[[S]] outs({{.*}}) {chunk_size = 32 : i64, gamma = array<f64: 5.000000e-01, 7.500000e-01>, scale = 2.500000e-01 : f64}
//  CHUNK-SAME:     -> (tensor<1x2x40x4xf32>, tensor<1x2x8x4xf32>)
//       CHUNK:   return %[[O]]
// REC-LABEL: func.func @prompt40(
//       REC:   %[[O:.*]], %{{.*}} = retention.recurrent {{.*}}scale = 2.500000e-01
//   REC-NOT:   retention.parallel
//       REC:   return %[[O]]
func.func @prompt40(%q: tensor<1x2x40x8xf32>, %k: tensor<1x2x40x8xf32>,
                    %v: tensor<1x2x40x4xf32>, %s: tensor<1x2x8x4xf32>)
    -> tensor<1x2x40x4xf32> {
  %oinit0 = tensor.empty() : tensor<1x2x40x4xf32>
  %o = retention.parallel %q, %k, %v, %s outs(%oinit0) {gamma = array<f64: 0.5, 0.75>, scale = 0.25 : f64}
      : (tensor<1x2x40x8xf32>, tensor<1x2x40x8xf32>, tensor<1x2x40x4xf32>,
         tensor<1x2x8x4xf32>, tensor<1x2x40x4xf32>) -> tensor<1x2x40x4xf32>
  return %o : tensor<1x2x40x4xf32>
}

// -----

// One token: auto picks the recurrent form whatever the op was.
// AUTO-LABEL: func.func @decode_step(
//       AUTO:   %[[O:.*]], %[[S1:.*]] = retention.recurrent
//   AUTO-NOT:   retention.chunkwise
//       AUTO:   return %[[O]], %[[S1]]
// AUTO16-LABEL: func.func @decode_step(
//       AUTO16:   retention.recurrent
// PAR-LABEL: func.func @decode_step(
//       PAR:   %[[O:.*]], %[[S1:.*]] = retention.chunkwise {{.*}} {chunk_size = 1 : i64
//       PAR:   return %[[O]], %[[S1]]
// CHUNK-LABEL: func.func @decode_step(
//       CHUNK:   retention.chunkwise {{.*}} {chunk_size = 32 : i64
// REC-LABEL: func.func @decode_step(
//       REC:   retention.recurrent
func.func @decode_step(%q: tensor<4x1x1x8xbf16>, %v: tensor<4x1x1x16xbf16>,
                       %s: tensor<4x1x8x16xf32>)
    -> (tensor<4x1x1x16xbf16>, tensor<4x1x8x16xf32>) {
  %oinit1 = tensor.empty() : tensor<4x1x1x16xbf16>
  %sinit1 = tensor.empty() : tensor<4x1x8x16xf32>
  %o, %s1 = retention.chunkwise %q, %q, %v, %s outs(%oinit1, %sinit1) {chunk_size = 64 : i64, gamma = array<f64: 0.96875>}
      : (tensor<4x1x1x8xbf16>, tensor<4x1x1x8xbf16>, tensor<4x1x1x16xbf16>,
         tensor<4x1x8x16xf32>, tensor<4x1x1x16xbf16>, tensor<4x1x8x16xf32>) -> (tensor<4x1x1x16xbf16>, tensor<4x1x8x16xf32>)
  return %o, %s1 : tensor<4x1x1x16xbf16>, tensor<4x1x8x16xf32>
}

// -----

// A long prompt whose final state is carried on: chunkwise; asking for the
// parallel form gives one chunk of T tokens (the parallel form plus the state).
// AUTO-LABEL: func.func @long_prompt(
//       AUTO:   %[[O:.*]], %[[S1:.*]] = retention.chunkwise {{.*}} {chunk_size = 64 : i64
//       AUTO:   return %[[O]], %[[S1]]
// PAR-LABEL: func.func @long_prompt(
//       PAR:   %[[O:.*]], %[[S1:.*]] = retention.chunkwise {{.*}} {chunk_size = 1000 : i64
//       PAR:   return %[[O]], %[[S1]]
// REC-LABEL: func.func @long_prompt(
//       REC:   %[[O:.*]], %[[S1:.*]] = retention.recurrent
//       REC:   return %[[O]], %[[S1]]
func.func @long_prompt(%q: tensor<1x1x1000x8xf16>, %v: tensor<1x1x1000x8xf16>)
    -> (tensor<1x1x1000x8xf16>, tensor<1x1x8x8xf32>) {
  %oinit2 = tensor.empty() : tensor<1x1x1000x8xf16>
  %sinit2 = tensor.empty() : tensor<1x1x8x8xf32>
  %o, %s = retention.recurrent %q, %q, %v outs(%oinit2, %sinit2) {gamma = array<f64: 0.96875>}
      : (tensor<1x1x1000x8xf16>, tensor<1x1x1000x8xf16>, tensor<1x1x1000x8xf16>, tensor<1x1x1000x8xf16>, tensor<1x1x8x8xf32>)
      -> (tensor<1x1x1000x8xf16>, tensor<1x1x8x8xf32>)
  return %o, %s : tensor<1x1x1000x8xf16>, tensor<1x1x8x8xf32>
}

// -----

// The final state is unused: asking for the parallel form drops it.
// PAR-LABEL: func.func @state_unused(
//       PAR:   %[[O:.*]] = retention.parallel
//  PAR-SAME:     -> tensor<1x1x100x8xf32>
//       PAR:   return %[[O]]
// AUTO-LABEL: func.func @state_unused(
//       AUTO:   retention.chunkwise {{.*}} {chunk_size = 64 : i64
func.func @state_unused(%q: tensor<1x1x100x8xf32>) -> tensor<1x1x100x8xf32> {
  %oinit3 = tensor.empty() : tensor<1x1x100x8xf32>
  %sinit3 = tensor.empty() : tensor<1x1x8x8xf32>
  %o, %s = retention.chunkwise %q, %q, %q outs(%oinit3, %sinit3) {chunk_size = 16 : i64, gamma = array<f64: 0.9>}
      : (tensor<1x1x100x8xf32>, tensor<1x1x100x8xf32>, tensor<1x1x100x8xf32>, tensor<1x1x100x8xf32>, tensor<1x1x8x8xf32>)
      -> (tensor<1x1x100x8xf32>, tensor<1x1x8x8xf32>)
  return %o : tensor<1x1x100x8xf32>
}

// -----

// Dynamic T: auto picks chunkwise; parallel cannot carry a used state with an
// unknown T, so that op stays as it is.
// AUTO-LABEL: func.func @dynamic_tokens(
//       AUTO:   retention.chunkwise {{.*}} {chunk_size = 64 : i64
// PAR-LABEL: func.func @dynamic_tokens(
//       PAR:   retention.recurrent
// CHUNK-LABEL: func.func @dynamic_tokens(
//       CHUNK:   retention.chunkwise {{.*}} {chunk_size = 32 : i64
func.func @dynamic_tokens(%q: tensor<1x1x?x8xf32>, %s: tensor<1x1x8x8xf32>)
    -> (tensor<1x1x?x8xf32>, tensor<1x1x8x8xf32>) {
  %cdim4_02 = arith.constant 2 : index
  %dim4_02 = tensor.dim %q, %cdim4_02 : tensor<1x1x?x8xf32>
  %oinit4 = tensor.empty(%dim4_02) : tensor<1x1x?x8xf32>
  %sinit4 = tensor.empty() : tensor<1x1x8x8xf32>
  %o, %s1 = retention.recurrent %q, %q, %q, %s outs(%oinit4, %sinit4) {gamma = array<f64: 0.9>}
      : (tensor<1x1x?x8xf32>, tensor<1x1x?x8xf32>, tensor<1x1x?x8xf32>,
         tensor<1x1x8x8xf32>, tensor<1x1x?x8xf32>, tensor<1x1x8x8xf32>) -> (tensor<1x1x?x8xf32>, tensor<1x1x8x8xf32>)
  return %o, %s1 : tensor<1x1x?x8xf32>, tensor<1x1x8x8xf32>
}
