//===- CPUPipeline.cpp - retention ops on tensors → LLVM dialect (host) ---===//
//
// The CPU pipeline: the same tiled IR as the GPU path (convert-retention-to-
// linalg), then bufferization, vectorization and the upstream conversions to
// the LLVM dialect. Stages are spelled as textual pass pipelines so that the
// sequence reads like the command line that reproduces it.
//
//===----------------------------------------------------------------------===//

#include "retention/Pipelines/Pipelines.h"

#include "AddPipeline.h"

#include "mlir/Pass/PassRegistry.h"

using namespace mlir;
using namespace mlir::retention;
using mlir::retention::detail::PipelineErrorFn;

LogicalResult mlir::retention::buildRetentionCPUPipeline(
    OpPassManager &pm, const RetentionCPUPipelineOptions &options,
    PipelineErrorFn error) {
  detail::StageAppender addPipeline(pm, "retention-cpu-pipeline", error);
  if (options.form != "none" && options.form != "auto" &&
      options.form != "parallel" && options.form != "chunkwise" &&
      options.form != "recurrent") {
    error("retention-cpu-pipeline: form must be none, auto, parallel, "
          "chunkwise or recurrent, not '" +
          options.form + "'");
    return failure();
  }
  if (options.chunkSize <= 0 || options.dvTile < 0 || options.threads < 0) {
    error("retention-cpu-pipeline: chunk-size must be positive and dv-tile, "
          "threads non-negative");
    return failure();
  }
  if (options.vectorBits != 256 && options.vectorBits != 512) {
    error("retention-cpu-pipeline: vector-bits must be 256 or 512, not " +
          std::to_string(options.vectorBits));
    return failure();
  }
  std::string forms;
  if (options.form != "none")
    forms = "retention-select-form{form=" + options.form +
            " chunk-size=" + std::to_string(options.chunkSize) + "},";

  // 1. Retention → tiled linalg/scf on tensors (target-neutral). Results are
  //    built in their destinations where the program names one
  //    (eliminate-empty-tensors). That runs before CSE: CSE merges equal
  //    tensor.empty ops (o and the final state when their shapes match), and
  //    eliminating a merged empty makes two results share one buffer.
  // 0. Layer ops (multi_scale, rotate, group_norm) → core ops + linalg; the
  //    tables that depend only on positions leave the layer loop.
  addPipeline("retention-decompose-layers,loop-invariant-code-motion,"
                  "canonicalize,cse");
  addPipeline(forms + "convert-retention-to-linalg{dv-tile=" +
                      std::to_string(options.dvTile) +
                      "},eliminate-empty-tensors,canonicalize,cse");
  // 2. CPU codegen of the linalg ops inside the tiles; matmuls on int8
  //    weights read them as int8 (a no-op for other models).
  addPipeline("func.func(retention-fold-dequant),canonicalize");
  //    AVX2 has half of AVX-512's 32 vector registers, at half the width:
  //    the peeled row tile of a prefill matmul (rows x vector-tile f32
  //    accumulators: 8 x 32 = 16 zmm on AVX-512) is 6 x 16 there (12 ymm,
  //    leaving 4 for the weight row and the broadcasts; 8 x 16 spilled, and
  //    ran the example model's 512-token prefill at 22k tokens/s on Zen 3
  //    against 32k for 6 x 16 and 16k for the AVX-512 tile).
  std::string tiles = options.vectorBits < 512 ? " vector-tile=16 rows=6" : "";
  //    Without vdpbf16ps, bf16 activations are widened once per matmul input
  //    rather than in every register tile (retention-cpu-vectorize).
  if (!options.bf16Dot)
    tiles += " widen-bf16=true";
  if (options.vectorize)
    addPipeline("func.func(retention-cpu-vectorize{threads=" +
                        std::to_string(options.openmp ? options.threads : 0) +
                        tiles + "}," +
                        (options.bf16Dot ? "retention-cpu-bf16-dot," : "") +
                        "retention-cpu-approximate-math),"
                        "canonicalize,cse,"
                        "loop-invariant-subset-hoisting,canonicalize");
  // 3. Bufferize; buffers created inside loops are freed where they die.
  addPipeline("one-shot-bufferize{bufferize-function-boundaries "
              "allow-return-allocs-from-loops "
              "function-boundary-type-conversion=identity-layout-map},"
              "buffer-deallocation-pipeline,convert-bufferization-to-memref,"
              "canonicalize,cse,"
              // No memrefCopy calls: compiled code needs no MLIR library.
              "func.func(retention-cpu-lower-strided-copies)");
  // 4. Loops: the (batch, head, dv) forall on threads or sequential.
  addPipeline(options.openmp
                      ? "func.func(retention-cpu-serial-loops),"
                        "scf-forall-to-parallel,convert-scf-to-openmp,"
                        // Inlines the alloca scopes around parallel bodies,
                        // which hold no allocas (heap buffers only).
                        "canonicalize"
                      : "scf-forall-to-for");
  // 5. To the LLVM dialect.
  mlir::retention::detail::addHostLLVMLowering(addPipeline);
  return addPipeline.result();
}

namespace {
/// Registers `build` as the pipeline `name`: options parsed from the
/// command line, and every error (a bad option) a diagnostic through the
/// pass manager's handler, not a crash.
template <typename Options>
void registerPipeline(
    StringRef name, StringRef description,
    LogicalResult (*build)(OpPassManager &, const Options &,
                           PipelineErrorFn)) {
  registerPassPipeline(
      name, description,
      [build](OpPassManager &pm, StringRef text,
              function_ref<LogicalResult(const Twine &)> errorHandler) {
        std::unique_ptr<Options> options = Options::createFromString(text);
        if (!options)
          return failure();
        return build(pm, *options,
                     [&](const Twine &message) { (void)errorHandler(message); });
      },
      [](function_ref<void(const mlir::detail::PassOptions &)> optHandler) {
        optHandler(Options());
      });
}
} // namespace

void mlir::retention::registerRetentionPipelines() {
  static bool registered = false;
  if (registered)
    return;
  registered = true;
  registerPipeline<RetentionCPUPipelineOptions>(
      "retention-cpu-pipeline",
      "Lower a module of func.func on tensors using retention and upstream "
      "ops to the LLVM dialect (host CPU)",
      buildRetentionCPUPipeline);
  registerPipeline<RetentionNVVMPipelineOptions>(
      "retention-nvvm-pipeline",
      "Lower a module of func.func on tensors using retention ops to host "
      "code calling the mgpu* runtime and gpu.binary ops for an NVIDIA GPU",
      buildRetentionNVVMPipeline);
}
