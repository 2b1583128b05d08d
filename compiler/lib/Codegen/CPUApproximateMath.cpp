//===- CPUApproximateMath.cpp - vector exp/erf as polynomials -------------===//
//
// Vector math.exp, math.exp2 and math.erf would become one libm call per
// lane; upstream polynomial approximations keep them in vector registers.
// Scalar ops are left to libm.
//
//===----------------------------------------------------------------------===//

#include "retention/Conversion/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/PatternMatch.h"

#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include <cmath>

namespace mlir::retention {
#define GEN_PASS_DEF_RETENTIONCPUAPPROXIMATEMATHPASS
#include "retention/Conversion/Passes.h.inc"
} // namespace mlir::retention

using namespace mlir;

namespace {

struct CPUApproximateMathPass
    : mlir::retention::impl::RetentionCPUApproximateMathPassBase<
          CPUApproximateMathPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    populateMathPolynomialApproximationPatterns(patterns,
                                                [](StringRef) { return true; });
    // exp2(x) = exp(x · ln 2) on vectors (the decay powers of retention).
    IRRewriter rewriter(&getContext());
    SmallVector<math::Exp2Op> exp2s;
    getOperation().walk([&](math::Exp2Op op) {
      if (isa<VectorType>(op.getType()))
        exp2s.push_back(op);
    });
    for (math::Exp2Op op : exp2s) {
      rewriter.setInsertionPoint(op);
      auto type = cast<VectorType>(op.getType());
      Value ln2 = arith::ConstantOp::create(
          rewriter, op.getLoc(),
          DenseElementsAttr::get(
              type, rewriter.getFloatAttr(type.getElementType(), M_LN2)));
      Value x =
          arith::MulFOp::create(rewriter, op.getLoc(), op.getOperand(), ln2);
      rewriter.replaceOpWithNewOp<math::ExpOp>(op, x);
    }
    // Only vector ops: the patterns are applied to the vector ops alone, so
    // scalar ones keep libm.
    SmallVector<Operation *> vectorOps;
    getOperation().walk([&](Operation *op) {
      if (isa<math::ExpOp, math::ErfOp>(op) &&
          isa<VectorType>(op->getResult(0).getType()))
        vectorOps.push_back(op);
    });
    if (vectorOps.empty())
      return;
    GreedyRewriteConfig config;
    config.setStrictness(GreedyRewriteStrictness::ExistingAndNewOps);
    if (failed(applyOpPatternsGreedily(vectorOps, std::move(patterns), config)))
      return signalPassFailure();
  }
};

} // namespace
