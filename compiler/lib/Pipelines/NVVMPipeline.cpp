//===- NVVMPipeline.cpp - retention ops on tensors → NVVM gpu.binary ------===//
//
// The CUDA pipeline, first version: correct, not yet fast (the GPU speed
// issue adds tensor-core chunkwise kernels). Every op is computed in the
// recurrent form, which all three forms equal: one GPU thread per value
// column j of a (batch, head) pair keeps S[:, j] in the final-state buffer
// (coalesced across the block's threads) and runs over the tokens, reading
// each token's q and k rows from shared memory where the block staged them;
// blocks cover (batch, head, dv / block-size). Then upstream's NVVM lowering
// and gpu-module-to-binary (ptxas for format=bin).
//
//===----------------------------------------------------------------------===//

#include "retention/Pipelines/Pipelines.h"

#include "AddPipeline.h"

#include "mlir/Pass/PassRegistry.h"

using namespace mlir;

namespace {
void addPipeline(OpPassManager &pm, const std::string &stage) {
  mlir::retention::detail::addPipeline(pm, "retention-nvvm-pipeline", stage);
}
} // namespace

void mlir::retention::buildRetentionNVVMPipeline(
    OpPassManager &pm, const RetentionNVVMPipelineOptions &options) {
  // 0. Layer ops (whole models) → core ops + linalg; position tables leave
  //    the layer loop.
  addPipeline(pm, "retention-decompose-layers,loop-invariant-code-motion,"
                  "canonicalize,cse");
  // 1. One thread per value column: the recurrent form, dv tiles of 1.
  addPipeline(pm, "retention-select-form{form=recurrent},"
                  "convert-retention-to-linalg{dv-tile=1},"
                  "eliminate-empty-tensors,canonicalize,cse");
  // 2. Buffers: device buffers for results and layer temporaries (freed
  //    where they die), per-thread temporaries on the stack. Then loops:
  //    host-level linalg ops become parallel loops (one kernel each), tile
  //    bodies sequential loops; the parallel ones map to blocks and threads.
  addPipeline(pm,
              "one-shot-bufferize{bufferize-function-boundaries "
              "allow-return-allocs-from-loops "
              "function-boundary-type-conversion=identity-layout-map},"
              "buffer-deallocation-pipeline,convert-bufferization-to-memref,"
              "canonicalize,cse,func.func(retention-gpu-place-buffers),"
              "func.func(retention-gpu-lower-linalg),scf-forall-to-parallel,"
              "func.func(retention-gpu-map-parallel-loops{block-size=" +
                  std::to_string(options.blockSize) +
                  "}),convert-parallel-loops-to-gpu,canonicalize,cse,"
                  // Shared-memory tiles; after outlining, their host-side
                  // globals are unused and must go (no host address space).
                  "retention-gpu-stage-shared,gpu-kernel-outlining,symbol-dce");
  // 3. Upstream: outline kernels, NVVM, serialize, host calls to mgpu*.
  if (options.format != "bin" && options.format != "isa")
    llvm::report_fatal_error("retention-nvvm-pipeline: format must be bin "
                             "or isa, not '" +
                                 llvm::Twine(options.format) + "'",
                             /*gen_crash_diag=*/false);
  addPipeline(pm, "gpu-lower-to-nvvm-pipeline{cubin-chip=" + options.chip +
                      " cubin-features=" + options.features +
                      " opt-level=" + std::to_string(options.optLevel) +
                      " cubin-format=" + options.format + "}");
}
