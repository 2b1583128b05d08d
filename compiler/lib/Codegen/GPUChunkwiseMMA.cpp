//===- GPUChunkwiseMMA.cpp - (in progress) ------------------------------------===//

#include "retention/Conversion/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

namespace mlir::retention {
#define GEN_PASS_DEF_RETENTIONGPUCHUNKWISEMMAPASS
#include "retention/Conversion/Passes.h.inc"
} // namespace mlir::retention

using namespace mlir;

namespace {
struct GPUChunkwiseMMAPass
    : mlir::retention::impl::RetentionGPUChunkwiseMMAPassBase<GPUChunkwiseMMAPass> {
  using Base::Base;
  void runOnOperation() override {}
};
} // namespace
