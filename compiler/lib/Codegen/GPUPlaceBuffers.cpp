//===- GPUPlaceBuffers.cpp - result buffers on the GPU, temporaries private ===//
//
// Result buffers (allocated outside the parallel loops) become device memory
// (or CUDA managed memory, `host-shared`, where host code reads them);
// per-thread temporaries inside the loops move to the stack (local
// memory in the kernel). Each memref.dealloc of a result buffer becomes an
// async gpu.dealloc between two gpu.wait ops (the form gpu-to-llvm lowers).
//
//===----------------------------------------------------------------------===//

#include "retention/Conversion/Passes.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::retention {
#define GEN_PASS_DEF_RETENTIONGPUPLACEBUFFERSPASS
#include "retention/Conversion/Passes.h.inc"
} // namespace mlir::retention

using namespace mlir;

namespace {

struct GPUPlaceBuffersPass
    : mlir::retention::impl::RetentionGPUPlaceBuffersPassBase<
          GPUPlaceBuffersPass> {
  using Base::Base;
  void runOnOperation() override {
    SmallVector<memref::AllocOp> allocs;
    getOperation().walk([&](memref::AllocOp op) {
      // Inside a hand-written launch an alloc is the kernel's own business.
      if (!op->getParentOfType<gpu::LaunchOp>())
        allocs.push_back(op);
    });
    IRRewriter rewriter(&getContext());
    for (memref::AllocOp alloc : allocs) {
      rewriter.setInsertionPoint(alloc);
      MemRefType type = alloc.getType();
      if (!alloc->getParentOfType<scf::ParallelOp>() &&
          !alloc->getParentOfType<scf::ForallOp>()) {
        Location loc = alloc.getLoc();
        Type token = gpu::AsyncTokenType::get(rewriter.getContext());
        gpu::AllocOp buffer;
        if (hostShared) {
          buffer = gpu::AllocOp::create(
              rewriter, loc, type, /*asyncToken=*/Type(),
              /*asyncDependencies=*/ValueRange(), alloc.getDynamicSizes(),
              /*symbolOperands=*/ValueRange(), /*hostShared=*/true);
        } else {
          // gpu-to-llvm lowers device allocations only in the async form
          // with one dependency: a stream, the allocation, a wait.
          Value stream = gpu::WaitOp::create(rewriter, loc, token, ValueRange())
                             .getAsyncToken();
          buffer = gpu::AllocOp::create(
              rewriter, loc, type, token, ValueRange{stream},
              alloc.getDynamicSizes(), /*symbolOperands=*/ValueRange(),
              /*hostShared=*/false);
          gpu::WaitOp::create(rewriter, loc, Type(),
                              ValueRange{buffer.getAsyncToken()});
        }
        for (Operation *user : llvm::make_early_inc_range(alloc->getUsers()))
          if (auto dealloc = dyn_cast<memref::DeallocOp>(user)) {
            // gpu-to-llvm lowers only the async form of gpu.dealloc: wait
            // for the stream, free, wait for the free.
            rewriter.setInsertionPoint(dealloc);
            Location loc = dealloc.getLoc();
            Value ready =
                gpu::WaitOp::create(rewriter, loc, token, ValueRange())
                    .getAsyncToken();
            Value freed =
                gpu::DeallocOp::create(rewriter, loc, token, ValueRange{ready},
                                       buffer.getMemref())
                    .getAsyncToken();
            gpu::WaitOp::create(rewriter, loc, Type(), ValueRange{freed});
            rewriter.eraseOp(dealloc);
          }
        rewriter.replaceOp(alloc, buffer.getMemref());
        continue;
      }
      if (!type.hasStaticShape()) {
        alloc.emitError("retention-gpu-place-buffers: a dynamically sized "
                        "temporary inside a kernel is not supported");
        return signalPassFailure();
      }
      rewriter.replaceOpWithNewOp<memref::AllocaOp>(alloc, type,
                                                    alloc.getAlignmentAttr());
    }
    // Constant tables (memref.get_global) read inside the loops (or the
    // hand-built launches: a norm's fused epilogue) are taken inside them, so the kernel refers to the global itself (which kernel
    // outlining copies into the GPU module), not to a host address.
    SmallVector<memref::GetGlobalOp> globals;
    getOperation().walk([&](memref::GetGlobalOp op) { globals.push_back(op); });
    for (memref::GetGlobalOp global : globals) {
      for (OpOperand &use : llvm::make_early_inc_range(global->getUses())) {
        Operation *user = use.getOwner();
        if (!user->getParentOfType<scf::ParallelOp>() &&
            !user->getParentOfType<scf::ForallOp>() &&
            !user->getParentOfType<gpu::LaunchOp>())
          continue;
        rewriter.setInsertionPoint(user);
        use.set(rewriter.clone(*global)->getResult(0));
      }
      if (global->use_empty())
        rewriter.eraseOp(global);
    }
    // Deallocations of what moved to the stack.
    getOperation().walk([&](memref::DeallocOp op) {
      if (op.getMemref().getDefiningOp<memref::AllocaOp>())
        op.erase();
    });
  }
};

} // namespace
