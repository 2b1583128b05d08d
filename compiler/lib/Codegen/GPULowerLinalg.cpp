//===- GPULowerLinalg.cpp - linalg on buffers → loops a GPU grid can take -===//
//
// After bufferization, before the parallel loops are mapped to the grid. A
// linalg op at host level (a whole-model matmul, norm, gather, copy...)
// becomes an scf.parallel over its parallel dimensions, with its reductions
// sequential inside: one kernel per op once mapped. A linalg op already
// inside an scf.forall or scf.parallel (the retention tiles) runs as
// sequential loops on the thread that owns the tile. Host-level memref.copy
// becomes linalg.copy first, so no copy is left for the host to do on device
// memory.
//
//===----------------------------------------------------------------------===//

#include "retention/Conversion/Passes.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::retention {
#define GEN_PASS_DEF_RETENTIONGPULOWERLINALGPASS
#include "retention/Conversion/Passes.h.inc"
} // namespace mlir::retention

using namespace mlir;

namespace {

bool insideTile(Operation *op) {
  return op->getParentOfType<scf::ForallOp>() ||
         op->getParentOfType<scf::ParallelOp>();
}

struct GPULowerLinalgPass
    : mlir::retention::impl::RetentionGPULowerLinalgPassBase<
          GPULowerLinalgPass> {
  void runOnOperation() override {
    IRRewriter rewriter(&getContext());
    SmallVector<memref::CopyOp> copies;
    getOperation().walk([&](memref::CopyOp op) { copies.push_back(op); });
    for (memref::CopyOp op : copies) {
      rewriter.setInsertionPoint(op);
      linalg::CopyOp::create(rewriter, op.getLoc(), op.getSource(),
                             op.getTarget());
      rewriter.eraseOp(op);
    }

    SmallVector<linalg::LinalgOp> ops;
    getOperation().walk([&](linalg::LinalgOp op) { ops.push_back(op); });
    for (linalg::LinalgOp op : ops) {
      if (!op.hasPureBufferSemantics()) {
        op.emitError("retention-gpu-lower-linalg: expected a linalg op on "
                     "buffers (run after bufferization)");
        return signalPassFailure();
      }
      rewriter.setInsertionPoint(op);
      bool ok = insideTile(op)
                    ? succeeded(linalg::linalgOpToLoops(rewriter, op))
                    : succeeded(linalg::linalgOpToParallelLoops(rewriter, op));
      if (!ok) {
        op.emitError("retention-gpu-lower-linalg: cannot lower this op to "
                     "loops");
        return signalPassFailure();
      }
      rewriter.eraseOp(op);
    }
  }
};

} // namespace
