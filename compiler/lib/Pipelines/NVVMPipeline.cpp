//===- NVVMPipeline.cpp - retention ops on tensors → NVVM gpu.binary ------===//
//
// The CUDA pipeline. Layer ops of whole models are decomposed first. Then
// the hand-scheduled kernels take the ops they fit: tensor cores for
// chunkwise and parallel ops on 16-bit inputs (retention-gpu-chunkwise-mma),
// the split-state decode kernel for recurrent ops over few tokens
// (retention-gpu-decode-kernel), and after bufferization the split-K path
// for matmuls with few rows (retention-gpu-matmul). Everything else
// is the correct-first lowering: every other linalg op (matmuls, norms,
// gathers, epilogues) one kernel with a thread per output element of its
// parallel dimensions, and every remaining retention op in the recurrent
// form, which all three forms equal: one GPU thread per value column j of a
// (batch, head) pair keeps S[:, j] in the final-state buffer (coalesced
// across the block's threads) and runs over the tokens, reading each
// token's q and k rows from shared memory where the block staged them;
// blocks cover (batch, head, dv / block-size). Then upstream's NVVM
// lowering and gpu-module-to-binary (ptxas for format=bin).
//
//===----------------------------------------------------------------------===//

#include "retention/Pipelines/Pipelines.h"

#include "AddPipeline.h"

#include "mlir/Pass/PassRegistry.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"

#include <cstdlib>

using namespace mlir;

namespace {
void addPipeline(OpPassManager &pm, const std::string &stage) {
  mlir::retention::detail::addPipeline(pm, "retention-nvvm-pipeline", stage);
}

/// Kernels that use math functions without a PTX instruction (sin, cos,
/// erf...) link the CUDA toolkit's libdevice, which MLIR finds through
/// $CUDA_ROOT, $CUDA_HOME or $CUDA_PATH only. When none is set, the toolkit
/// is taken from the ptxas found in PATH (or /usr/local/cuda).
void locateCudaToolkit() {
  for (const char *var : {"CUDA_ROOT", "CUDA_HOME", "CUDA_PATH"})
    if (const char *v = std::getenv(var); v && *v)
      return;
  llvm::SmallVector<std::string> candidates;
  if (llvm::ErrorOr<std::string> ptxas =
          llvm::sys::findProgramByName("ptxas")) {
    llvm::SmallString<256> real;
    if (!llvm::sys::fs::real_path(*ptxas, real))
      candidates.push_back(
          llvm::sys::path::parent_path(llvm::sys::path::parent_path(real))
              .str());
  }
  candidates.push_back("/usr/local/cuda");
  for (const std::string &dir : candidates) {
    llvm::SmallString<256> libdevice(dir);
    llvm::sys::path::append(libdevice, "nvvm", "libdevice", "libdevice.10.bc");
    if (llvm::sys::fs::is_regular_file(libdevice)) {
      ::setenv("CUDA_ROOT", dir.c_str(), /*overwrite=*/0);
      return;
    }
  }
}
} // namespace

void mlir::retention::buildRetentionNVVMPipeline(
    OpPassManager &pm, const RetentionNVVMPipelineOptions &options) {
  if (options.format != "bin" && options.format != "isa")
    llvm::report_fatal_error("retention-nvvm-pipeline: format must be bin "
                             "or isa, not '" +
                                 llvm::Twine(options.format) + "'",
                             /*gen_crash_diag=*/false);
  locateCudaToolkit();
  // 0. Layer ops (whole models) → core ops + linalg; position tables leave
  //    the layer loop.
  addPipeline(pm, "retention-decompose-layers,loop-invariant-code-motion,"
                  "canonicalize,cse");
  // 1. Hand-scheduled kernels where they apply: tensor cores for chunkwise
  //    and parallel ops on 16-bit inputs, the split-state decode kernel for
  //    recurrent ops over few tokens.
  if (options.mma && !options.emulate)
    addPipeline(pm, "func.func(retention-gpu-chunkwise-mma{schedule=" +
                        options.mmaSchedule +
                        " stages=" + std::to_string(options.mmaStages) + "})");
  if (options.decodeMaxTokens > 0)
    addPipeline(pm, "func.func(retention-gpu-decode-kernel{max-tokens=" +
                        std::to_string(options.decodeMaxTokens) +
                        " min-threads=" +
                        std::to_string(options.decodeMinThreads) + "})");
  //    Everything else: one thread per value column: the recurrent form, dv
  //    tiles of 1.
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
              "canonicalize,cse,func.func(retention-gpu-matmul),"
              "func.func(retention-gpu-lower-linalg),scf-forall-to-parallel,"
              // After the linalg ops are loops: a constant table they read
              // is then taken inside the loop (a device global after
              // outlining), not passed in as a host address.
              "func.func(retention-gpu-place-buffers),"
              "func.func(retention-gpu-map-parallel-loops{block-size=" +
                  std::to_string(options.blockSize) + "})");
  if (options.emulate) {
    // The mapped loops, run on the host: what the kernels compute, checked
    // on machines without a GPU.
    addPipeline(pm, "func.func(retention-gpu-emulate-on-host)");
    mlir::retention::detail::addHostLLVMLowering(pm, "retention-nvvm-pipeline");
    return;
  }
  addPipeline(pm, "convert-parallel-loops-to-gpu,canonicalize,cse,"
                  // Shared-memory tiles; after outlining, their host-side
                  // globals are unused and must go (no host address space).
                  "retention-gpu-stage-shared,gpu-kernel-outlining,symbol-dce");
  // 3. Upstream: outline kernels, NVVM, serialize, host calls to mgpu*.
  addPipeline(pm, "gpu-lower-to-nvvm-pipeline{cubin-chip=" + options.chip +
                      " cubin-features=" + options.features +
                      " opt-level=" + std::to_string(options.optLevel) +
                      " cubin-format=" + options.format + "}");
}
