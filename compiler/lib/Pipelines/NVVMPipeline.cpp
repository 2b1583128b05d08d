//===- NVVMPipeline.cpp - retention ops on tensors → NVVM gpu.binary ------===//
//
// The CUDA pipeline. Layer ops of whole models are decomposed first. Then
// the hand-scheduled kernels take the ops they fit: tensor cores for
// chunkwise and parallel ops on 16-bit inputs (retention-gpu-chunkwise-mma),
// the split-state decode kernel for recurrent ops over few tokens, one
// launch with the rotation before it and the group norm and gate after
// (retention-gpu-decode-kernel), and after bufferization the split-K path
// for matmuls with few rows and, for 16-bit ones with more than 16 rows,
// tensor-core GEMM kernels (retention-gpu-matmul). Everything else
// is the correct-first lowering: every other linalg op (matmuls, norms,
// gathers, epilogues) one kernel with a thread per output element of its
// parallel dimensions, and every remaining retention op in the recurrent
// form, which all three forms equal: one GPU thread per value column j of a
// (batch, head) pair keeps S[:, j] in the final-state buffer (coalesced
// across the block's threads) and runs over the tokens, reading each
// token's q and k rows from shared memory where the block staged them;
// blocks cover (batch, head, dv / block-size). Then upstream's NVVM
// lowering and gpu-module-to-binary (ptxas for format=bin). The tensor-core
// kernels are chosen on tensors and built on buffers, after bufferization
// and deallocation (retention-gpu-chunkwise-mma, retention-gpu-expand-mma).
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

using mlir::retention::detail::PipelineErrorFn;

namespace {
/// The CUDA toolkit the kernels' libdevice (for math functions without a
/// PTX instruction: sin, cos, erf...) and ptxas come from: empty when
/// $CUDA_ROOT, $CUDA_HOME or $CUDA_PATH names one (upstream reads those),
/// else the one of the ptxas found in PATH, or /usr/local/cuda, when it has
/// a libdevice. Passed to gpu-module-to-binary (its `toolkit` option): the
/// process environment is left alone.
std::string locateCudaToolkit() {
  for (const char *var : {"CUDA_ROOT", "CUDA_HOME", "CUDA_PATH"})
    if (const char *v = std::getenv(var); v && *v)
      return "";
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
    if (llvm::sys::fs::is_regular_file(libdevice))
      return dir;
  }
  return "";
}
} // namespace

LogicalResult mlir::retention::buildRetentionNVVMPipeline(
    OpPassManager &pm, const RetentionNVVMPipelineOptions &options,
    PipelineErrorFn error) {
  detail::StageAppender addPipeline(pm, "retention-nvvm-pipeline", error);
  if (options.format != "bin" && options.format != "isa" &&
      options.format != "llvm") {
    error("retention-nvvm-pipeline: format must be bin, isa or llvm, not '" +
          options.format + "'");
    return failure();
  }
  if (options.blockSize <= 0 || options.blockSize > 1024 ||
      options.blockSize % 32 != 0) {
    error("retention-nvvm-pipeline: block-size must be a multiple of 32 in "
          "[32, 1024], not " +
          llvm::Twine(options.blockSize));
    return failure();
  }
  if (options.mmaSchedule != "auto" && options.mmaSchedule != "fused" &&
      options.mmaSchedule != "chunked") {
    error("retention-nvvm-pipeline: mma-schedule must be auto, fused or "
          "chunked, not '" +
          options.mmaSchedule + "'");
    return failure();
  }
  if (options.mmaStages != 1 && options.mmaStages != 2) {
    error("retention-nvvm-pipeline: mma-stages must be 1 or 2, not " +
          llvm::Twine(options.mmaStages));
    return failure();
  }
  if (options.decodeMaxTokens < 0 || options.decodeMinThreads <= 0) {
    error("retention-nvvm-pipeline: decode-max-tokens must be >= 0 and "
          "decode-min-threads positive");
    return failure();
  }
  // 0. Layer ops (whole models) → core ops + linalg; position tables leave
  //    the layer loop.
  //    Chains of elementwise generics (a cast, then a residual add) become
  //    one generic: one kernel, or a matmul's epilogue (retention-gpu-matmul).
  addPipeline("retention-decompose-layers,loop-invariant-code-motion,"
              "canonicalize,cse,func.func(retention-gpu-fuse-elementwise),"
              "canonicalize,cse");
  // 1. Hand-scheduled kernels where they apply: tensor cores for chunkwise
  //    and parallel ops on 16-bit inputs (claimed here on tensors, built
  //    after bufferization), the split-state decode kernel for recurrent ops
  //    over few tokens.
  if (options.mma && !options.emulate)
    addPipeline("func.func(retention-gpu-chunkwise-mma{schedule=" +
                options.mmaSchedule +
                " stages=" + std::to_string(options.mmaStages) + "})");
  if (options.decodeMaxTokens > 0)
    addPipeline("retention-gpu-decode-kernel{max-tokens=" +
                std::to_string(options.decodeMaxTokens) + " min-threads=" +
                std::to_string(options.decodeMinThreads) +
                " launch=" + (options.emulate ? "false" : "true") + "}");
  //    Everything else: one thread per value column: the recurrent form, dv
  //    tiles of 1.
  addPipeline("retention-select-form{form=recurrent},"
              "convert-retention-to-linalg{dv-tile=1},"
              "eliminate-empty-tensors,canonicalize,cse");
  // 2. Buffers: device buffers for results and layer temporaries (freed
  //    where they die), per-thread temporaries on the stack. The tensor-core
  //    kernels are built on them. Then loops: host-level linalg ops become
  //    parallel loops (one kernel each), tile bodies sequential loops; the
  //    parallel ones map to blocks and threads.
  addPipeline("one-shot-bufferize{bufferize-function-boundaries "
              "allow-return-allocs-from-loops "
              "function-boundary-type-conversion=identity-layout-map},"
              "buffer-deallocation-pipeline,convert-bufferization-to-memref,"
              "canonicalize,cse,func.func(retention-gpu-expand-mma),"
              "retention-gpu-matmul{mma-min-rows=" +
              std::string(options.mma && !options.emulate ? "16" : "0") +
              " gemv-kernel=" + (options.emulate ? "false" : "true") + "},"
              // Norm statistics: block reductions (a kernel of their own;
              // the emulation runs loops only).
              + std::string(options.emulate
                                ? ""
                                : "func.func(retention-gpu-row-reductions),") +
              "func.func(retention-gpu-lower-linalg),scf-forall-to-parallel,"
              // After the linalg ops are loops: a constant table they read
              // is then taken inside the loop (a device global after
              // outlining), not passed in as a host address.
              "func.func(retention-gpu-place-buffers{host-shared=" +
              std::string(options.deviceMemory ? "false" : "true") + "}),"
              "func.func(retention-gpu-map-parallel-loops{block-size=" +
              std::to_string(options.blockSize) + "})");
  if (options.emulate) {
    // The mapped loops, run on the host: what the kernels compute, checked
    // on machines without a GPU.
    addPipeline("func.func(retention-gpu-emulate-on-host)");
    mlir::retention::detail::addHostLLVMLowering(addPipeline);
    return addPipeline.result();
  }
  addPipeline("convert-parallel-loops-to-gpu,canonicalize,cse,"
              // Shared-memory tiles; after outlining, their host-side
              // globals are unused and must go (no host address space).
              "retention-gpu-stage-shared,"
              // Constants and the index arithmetic on them move into the
              // launches: shapes are immediates in the kernels, not
              // parameters.
              "gpu-launch-sink-index-computations,"
              "gpu-kernel-outlining,symbol-dce,"
              // One gpu.module per distinct kernel, not per launch site:
              // the entry points launch the same projections and norms.
              "retention-gpu-dedup-kernels");
  // 3. Upstream's NVVM lowering (gpu-lower-to-nvvm-pipeline's passes, with
  //    the toolkit passed to gpu-module-to-binary), serialization, host
  //    calls to mgpu*.
  std::string toolkit = locateCudaToolkit();
  addPipeline(
      "convert-nvgpu-to-nvvm,gpu-kernel-outlining,"
      "convert-vector-to-scf,convert-scf-to-cf,convert-nvvm-to-llvm,"
      "convert-func-to-llvm,expand-strided-metadata,"
      "nvvm-attach-target{chip=" +
      options.chip + " features=" + options.features +
      " O=" + std::to_string(options.optLevel) +
      "},lower-affine,convert-arith-to-llvm,convert-index-to-llvm,"
      "canonicalize,cse,"
      "gpu.module(convert-gpu-to-nvvm,canonicalize,cse,"
      "reconcile-unrealized-casts),"
      "gpu-to-llvm,gpu-module-to-binary{format=" +
      options.format + (toolkit.empty() ? "" : " toolkit=" + toolkit) +
      "},convert-math-to-llvm,canonicalize,cse,reconcile-unrealized-casts");
  return addPipeline.result();
}
