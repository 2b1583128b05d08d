//===- CPULowerStridedCopies.cpp - strided memref.copy → linalg.copy ------===//
//
// A copy lowers to llvm.memcpy only when both sides are contiguous; any other
// would become a call into the MLIR runner-utils library, which compiled
// models must not need. Those become linalg.copy (loops after
// convert-linalg-to-loops).
//
//===----------------------------------------------------------------------===//

#include "retention/Conversion/Passes.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::retention {
#define GEN_PASS_DEF_RETENTIONCPULOWERSTRIDEDCOPIESPASS
#include "retention/Conversion/Passes.h.inc"
} // namespace mlir::retention

using namespace mlir;

namespace {

struct CPULowerStridedCopiesPass
    : mlir::retention::impl::RetentionCPULowerStridedCopiesPassBase<
          CPULowerStridedCopiesPass> {
  void runOnOperation() override {
    SmallVector<memref::CopyOp> copies;
    getOperation().walk([&](memref::CopyOp op) {
      auto src = cast<MemRefType>(op.getSource().getType());
      auto dst = cast<MemRefType>(op.getTarget().getType());
      if (!src.getLayout().isIdentity() || !dst.getLayout().isIdentity())
        copies.push_back(op);
    });
    IRRewriter rewriter(&getContext());
    for (memref::CopyOp op : copies) {
      rewriter.setInsertionPoint(op);
      linalg::CopyOp::create(rewriter, op.getLoc(), op.getSource(),
                             op.getTarget());
      rewriter.eraseOp(op);
    }
  }
};

} // namespace
