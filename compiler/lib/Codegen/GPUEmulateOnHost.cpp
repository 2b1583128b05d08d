//===- GPUEmulateOnHost.cpp - GPU buffers back to host memory (testing) ---===//
//
// For testing the GPU mapping on a machine without a GPU: after
// retention-gpu-map-parallel-loops, the program is loops with block/thread
// mappings over buffers from gpu.alloc. This pass turns those buffers back
// into host allocations (gpu.alloc → memref.alloc, async gpu.dealloc →
// memref.dealloc, gpu.wait dropped), so that the CPU lowering runs the very
// loops the GPU would run (sequentially) and their results can be compared
// with a reference.
//
//===----------------------------------------------------------------------===//

#include "retention/Conversion/Passes.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::retention {
#define GEN_PASS_DEF_RETENTIONGPUEMULATEONHOSTPASS
#include "retention/Conversion/Passes.h.inc"
} // namespace mlir::retention

using namespace mlir;

namespace {

struct GPUEmulateOnHostPass
    : mlir::retention::impl::RetentionGPUEmulateOnHostPassBase<
          GPUEmulateOnHostPass> {
  void runOnOperation() override {
    IRRewriter rewriter(&getContext());
    // Waits that only consume tokens, and waits that produce one.
    SmallVector<gpu::WaitOp> consumers, producers;
    SmallVector<gpu::DeallocOp> deallocs;
    SmallVector<gpu::AllocOp> allocs;
    getOperation().walk([&](Operation *op) {
      if (auto w = dyn_cast<gpu::WaitOp>(op))
        (w.getAsyncToken() ? producers : consumers).push_back(w);
      else if (auto d = dyn_cast<gpu::DeallocOp>(op))
        deallocs.push_back(d);
      else if (auto a = dyn_cast<gpu::AllocOp>(op))
        allocs.push_back(a);
    });
    auto fail = [&](Operation *op, const char *what) {
      op->emitError("retention-gpu-emulate-on-host: ") << what;
      signalPassFailure();
    };
    // Waits that only consume tokens go first, then the deallocations and
    // allocations (device ones are async), then the waits that produced
    // their tokens.
    for (gpu::WaitOp wait : consumers)
      rewriter.eraseOp(wait);
    for (gpu::DeallocOp dealloc : deallocs) {
      if (dealloc.getAsyncToken() && !dealloc.getAsyncToken().use_empty())
        return fail(dealloc, "a gpu.dealloc token is still used");
      rewriter.setInsertionPoint(dealloc);
      memref::DeallocOp::create(rewriter, dealloc.getLoc(),
                                dealloc.getMemref());
      rewriter.eraseOp(dealloc);
    }
    for (gpu::AllocOp alloc : allocs) {
      if (alloc.getAsyncToken() && !alloc.getAsyncToken().use_empty())
        return fail(alloc, "a gpu.alloc token is still used");
      rewriter.setInsertionPoint(alloc);
      auto host = memref::AllocOp::create(
          rewriter, alloc.getLoc(), alloc.getMemref().getType(),
          alloc.getDynamicSizes(), ValueRange(),
          rewriter.getI64IntegerAttr(64));
      rewriter.replaceAllUsesWith(alloc.getMemref(), host.getResult());
      rewriter.eraseOp(alloc);
    }
    for (gpu::WaitOp wait : producers) {
      if (!wait.getAsyncToken().use_empty())
        return fail(wait, "a gpu.wait token is still used");
      rewriter.eraseOp(wait);
    }
  }
};

} // namespace
