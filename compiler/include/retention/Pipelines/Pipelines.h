//===- Pipelines.h - named retention compilation pipelines ------*- C++ -*-===//
//
// The pipelines that retnet-opt registers and retnet-compile runs; one
// definition of each, shared by every tool.
//
//===----------------------------------------------------------------------===//

#ifndef RETENTION_PIPELINES_PIPELINES_H
#define RETENTION_PIPELINES_PIPELINES_H

#include "mlir/Pass/PassOptions.h"
#include "mlir/Support/LLVM.h"
#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/ADT/Twine.h"

#include <string>

namespace mlir {
class OpPassManager;
namespace retention {

struct RetentionCPUPipelineOptions
    : public PassPipelineOptions<RetentionCPUPipelineOptions> {
  PassOptions::Option<std::string> form{
      *this, "form",
      llvm::cl::desc("Run retention-select-form first with this form "
                     "(auto, parallel, chunkwise, recurrent); 'none' keeps "
                     "each op's own form"),
      llvm::cl::init("none")};
  PassOptions::Option<int64_t> chunkSize{
      *this, "chunk-size",
      llvm::cl::desc("Chunk size for retention-select-form"),
      llvm::cl::init(64)};
  PassOptions::Option<int64_t> dvTile{
      *this, "dv-tile",
      llvm::cl::desc("Tile of the value dimension in the (batch, head, dv) "
                     "scf.forall (0: whole dv)"),
      llvm::cl::init(0)};
  PassOptions::Option<bool> vectorize{
      *this, "vectorize",
      llvm::cl::desc("Tile and vectorize the linalg ops (else scalar loops)"),
      llvm::cl::init(true)};
  PassOptions::Option<int64_t> threads{
      *this, "threads",
      llvm::cl::desc("With openmp: split each matmul's output columns into "
                     "this many chunks run on OpenMP threads (0: no split)"),
      llvm::cl::init(0)};
  PassOptions::Option<bool> openmp{
      *this, "openmp",
      llvm::cl::desc("Run the (batch, head, dv) loop on OpenMP threads; the "
                     "program then needs libomp at run time"),
      llvm::cl::init(false)};
  PassOptions::Option<bool> bf16Dot{
      *this, "bf16-dot",
      llvm::cl::desc("bf16 matmul tiles as AVX-512 BF16 dot products "
                     "(retention-cpu-bf16-dot; the CPU needs AVX512_BF16); "
                     "without it, bf16 activations are widened to f32 once "
                     "per matmul input (retention-cpu-vectorize widen-bf16)"),
      llvm::cl::init(false)};
  PassOptions::Option<int64_t> vectorBits{
      *this, "vector-bits",
      llvm::cl::desc("Vector register width of the target CPU: 512 "
                     "(AVX-512) or 256 (AVX2); sizes the register tiles"),
      llvm::cl::init(512)};
};

struct RetentionNVVMPipelineOptions
    : public PassPipelineOptions<RetentionNVVMPipelineOptions> {
  PassOptions::Option<std::string> chip{
      *this, "chip", llvm::cl::desc("Target GPU (ptxas --gpu-name)"),
      llvm::cl::init("sm_90a")};
  PassOptions::Option<std::string> features{
      *this, "features", llvm::cl::desc("PTX features (sm_90a needs +ptx80)"),
      llvm::cl::init("+ptx80")};
  PassOptions::Option<int> optLevel{
      *this, "opt-level",
      llvm::cl::desc("Optimization level of the device code"),
      llvm::cl::init(3)};
  PassOptions::Option<std::string> format{
      *this, "format",
      llvm::cl::desc("bin: cubin assembled by ptxas; isa: PTX text; llvm: "
                     "the device code's LLVM bitcode (for inspection)"),
      llvm::cl::init("bin")};
  PassOptions::Option<int64_t> blockSize{*this, "block-size",
                                         llvm::cl::desc("Threads per block"),
                                         llvm::cl::init(128)};
  PassOptions::Option<bool> emulate{
      *this, "emulate",
      llvm::cl::desc("Testing without a GPU: stop after the loops are mapped "
                     "to blocks and threads and lower those loops for the "
                     "host CPU instead (retention-gpu-emulate-on-host)"),
      llvm::cl::init(false)};
  PassOptions::Option<bool> mma{
      *this, "mma",
      llvm::cl::desc("Chunkwise and parallel ops on bf16/f16 as tensor-core "
                     "kernels (retention-gpu-chunkwise-mma; not with "
                     "emulate)"),
      llvm::cl::init(true)};
  PassOptions::Option<std::string> mmaSchedule{
      *this, "mma-schedule",
      llvm::cl::desc("Schedule of the tensor-core kernels: auto, fused or "
                     "chunked (retention-gpu-chunkwise-mma schedule)"),
      llvm::cl::init("auto")};
  PassOptions::Option<int64_t> mmaStages{
      *this, "mma-stages",
      llvm::cl::desc("Shared-memory buffers per chunk tile of the tensor-core "
                     "kernels (retention-gpu-chunkwise-mma stages)"),
      llvm::cl::init(2)};
  PassOptions::Option<int64_t> decodeMaxTokens{
      *this, "decode-max-tokens",
      llvm::cl::desc("Recurrent ops with at most this many tokens as the "
                     "bandwidth-bound decode kernel "
                     "(retention-gpu-decode-kernel); 0: never"),
      llvm::cl::init(16)};
  PassOptions::Option<int64_t> decodeMinThreads{
      *this, "decode-min-threads",
      llvm::cl::desc("The decode kernel splits dk until this many threads "
                     "run (retention-gpu-decode-kernel min-threads)"),
      llvm::cl::init(32768)};
  PassOptions::Option<bool> deviceMemory{
      *this, "device-memory",
      llvm::cl::desc("Result buffers in device memory (whole models: host "
                     "code reads only the arguments it is given) instead of "
                     "CUDA managed memory (what mlir-runner tests that print "
                     "results need)"),
      llvm::cl::init(false)};
};

/// Func-on-tensors module using retention and upstream ops → LLVM dialect
/// that mlir-runner executes with the upstream runner-utils libraries.
/// Bad options are reported through `error` (one line each) and fail.
LogicalResult
buildRetentionCPUPipeline(OpPassManager &pm,
                          const RetentionCPUPipelineOptions &options,
                          llvm::function_ref<void(const llvm::Twine &)> error);

/// Func-on-tensors module using retention ops → LLVM dialect host code with
/// gpu.binary ops for `chip`; the host code calls the mgpu* runtime. Bad
/// options are reported through `error` (one line each) and fail.
LogicalResult
buildRetentionNVVMPipeline(OpPassManager &pm,
                           const RetentionNVVMPipelineOptions &options,
                           llvm::function_ref<void(const llvm::Twine &)> error);

/// Registers --retention-cpu-pipeline and --retention-nvvm-pipeline (once per
/// process).
void registerRetentionPipelines();

} // namespace retention
} // namespace mlir

#endif // RETENTION_PIPELINES_PIPELINES_H
