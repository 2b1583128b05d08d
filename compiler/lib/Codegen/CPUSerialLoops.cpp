//===- CPUSerialLoops.cpp - one thread for functions marked serial --------===//
//
// Functions with the `retention.serial` unit attribute run their scf.forall
// loops as scf.for, so that OpenMP lowering leaves them on one thread.
//
//===----------------------------------------------------------------------===//

#include "retention/Conversion/Passes.h"

#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Transforms/Transforms.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::retention {
#define GEN_PASS_DEF_RETENTIONCPUSERIALLOOPSPASS
#include "retention/Conversion/Passes.h.inc"
} // namespace mlir::retention

using namespace mlir;

namespace {

struct CPUSerialLoopsPass
    : mlir::retention::impl::RetentionCPUSerialLoopsPassBase<
          CPUSerialLoopsPass> {
  void runOnOperation() override {
    func::FuncOp func = getOperation();
    if (!func->hasAttr("retention.serial"))
      return;
    SmallVector<scf::ForallOp> loops;
    func.walk([&](scf::ForallOp op) { loops.push_back(op); });
    IRRewriter rewriter(&getContext());
    // Innermost first: the walk is post-order.
    for (scf::ForallOp op : loops) {
      rewriter.setInsertionPoint(op);
      if (failed(scf::forallToForLoop(rewriter, op))) {
        op.emitError("retention-cpu-serial-loops: cannot serialize");
        return signalPassFailure();
      }
    }
  }
};

} // namespace
