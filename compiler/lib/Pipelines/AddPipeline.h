//===- AddPipeline.h - append a textual stage to a pass manager -*- C++ -*-===//
//
// The pipelines spell their stages as textual pass pipelines, so that each
// reads like the command line that reproduces it; this parses one into `pm`.
//
//===----------------------------------------------------------------------===//

#ifndef RETENTION_LIB_PIPELINES_ADDPIPELINE_H
#define RETENTION_LIB_PIPELINES_ADDPIPELINE_H

#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/Support/raw_ostream.h"

#include <string>

namespace mlir::retention::detail {

/// How a pipeline builder reports what is wrong with its options.
using PipelineErrorFn = llvm::function_ref<void(const llvm::Twine &)>;

/// Appends the stages of one pipeline to a pass manager; the first stage that
/// does not parse (a bad option value reaching it) is reported through
/// `error` with the pipeline's name, and every later one is skipped.
class StageAppender {
public:
  StageAppender(OpPassManager &pm, llvm::StringRef pipeline,
                PipelineErrorFn error)
      : pm(pm), pipeline(pipeline), error(error) {}

  void operator()(const std::string &stage) {
    if (failed)
      return;
    std::string errors;
    llvm::raw_string_ostream os(errors);
    if (mlir::failed(parsePassPipeline(stage, pm, os))) {
      error(llvm::Twine(pipeline) + ": cannot build stage '" + stage +
            "': " + errors);
      failed = true;
    }
  }
  LogicalResult result() const { return mlir::failure(failed); }

private:
  OpPassManager &pm;
  llvm::StringRef pipeline;
  PipelineErrorFn error;
  bool failed = false;
};

/// Loops, vectors, memrefs and math on the host → the LLVM dialect (the last
/// stage of the CPU pipeline, and of the NVVM pipeline's host emulation).
inline void addHostLLVMLowering(StageAppender &addPipeline) {
  // Vector transfers are fully unrolled: the partial unrolling of
  // convert-vector-to-scf leaves allocas inside loops, which grow the stack
  // on every iteration.
  addPipeline("convert-linalg-to-loops,convert-vector-to-scf{full-unroll=true},"
              // f32 → bf16 in integer arithmetic: no libgcc/compiler-rt
              // builtin (__truncsfbf2) is needed at link or JIT time.
              "arith-expand{include-bf16=true},"
              "lower-affine,convert-scf-to-cf,canonicalize,cse,"
              "expand-strided-metadata,lower-affine,"
              // Math first, on whole vectors: exp, sin, rsqrt... become
              // LLVM intrinsics; what has none (erf) becomes libm calls,
              // unrolled while still in the vector dialect.
              "convert-math-to-llvm,convert-math-to-libm,"
              // x86vector: the AVX-512 BF16 dots of retention-cpu-bf16-dot.
              "convert-vector-to-llvm{vector-contract-lowering=outerproduct "
              "enable-x86vector},"
              "convert-ub-to-llvm,finalize-memref-to-llvm,"
              "convert-arith-to-llvm,convert-index-to-llvm,convert-cf-to-llvm,"
              "convert-openmp-to-llvm,convert-func-to-llvm,"
              "reconcile-unrealized-casts,canonicalize");
}

} // namespace mlir::retention::detail

#endif // RETENTION_LIB_PIPELINES_ADDPIPELINE_H
