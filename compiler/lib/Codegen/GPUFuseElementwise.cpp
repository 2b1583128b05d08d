//===- GPUFuseElementwise.cpp - chains of elementwise generics → one ------===//
//
// On the GPU every host-level linalg op becomes a kernel of its own. The
// layer decomposition leaves chains such as a 16-bit cast of a projection
// followed by the residual add; upstream's elementwise fusion folds such a
// producer into its consumer. It is restricted here to what is safe for the
// hand-scheduled kernels: producer and consumer are `linalg.generic` ops
// with only parallel loops, the producer's result has no other use and the
// consumer reads it at a permutation of its loops (no recomputation: a
// table read at a broadcast stays its own op). Named ops (matmuls, which retention-gpu-matmul takes) and
// reshapes are not touched.
//
//===----------------------------------------------------------------------===//

#include "retention/Conversion/Passes.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::retention {
#define GEN_PASS_DEF_RETENTIONGPUFUSEELEMENTWISEPASS
#include "retention/Conversion/Passes.h.inc"
} // namespace mlir::retention

using namespace mlir;

namespace {

bool allParallel(linalg::GenericOp op) {
  return op && op.getNumLoops() == op.getNumParallelLoops();
}

struct GPUFuseElementwisePass
    : mlir::retention::impl::RetentionGPUFuseElementwisePassBase<
          GPUFuseElementwisePass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    linalg::ControlFusionFn control = [](OpOperand *operand) {
      auto producer = operand->get().getDefiningOp<linalg::GenericOp>();
      auto consumer = dyn_cast<linalg::GenericOp>(operand->getOwner());
      // A producer read at a broadcast (a table per row) is not fused:
      // every element would recompute its row's value.
      return allParallel(producer) && allParallel(consumer) &&
             producer->getNumResults() == 1 && operand->get().hasOneUse() &&
             consumer.getMatchingIndexingMap(operand).isPermutation();
    };
    linalg::populateElementwiseOpsFusionPatterns(patterns, control);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace
