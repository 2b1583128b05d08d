// RUN: retnet-opt %s --retention-decompose-layers -verify-diagnostics
//
// The layer ops' decompositions build linalg on tensors: a layer op left
// on memrefs (one-shot-bufferize keeps them) is a diagnostic, not a crash.

func.func @rotate_on_memrefs(%x: memref<1x4x64xf32>, %p: memref<1x4xi64>, %i: memref<1x2x4x32xf32>) {
  // expected-error @+2 {{decomposes on tensors only: decompose the layer ops (retention-decompose-layers) before bufferization}}
  // expected-error @+1 {{could not be decomposed}}
  retention.rotate %x, %p outs(%i) : (memref<1x4x64xf32>, memref<1x4xi64>, memref<1x2x4x32xf32>) -> ()
  return
}
