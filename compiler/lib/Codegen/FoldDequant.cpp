//===- FoldDequant.cpp - int8 matmuls read int8 weights -------------------===//
//
// x · (sitofp(q) ⊙ s)  →  (x · q) ⊙ s  for a per-column scale s: the
// dequantized f32 matrix is never built, the matmul streams the int8 q.
//
//===----------------------------------------------------------------------===//

#include "retention/Conversion/Passes.h"
#include "retention/Dialect/Retention/Utils/LinalgBuild.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::retention {
#define GEN_PASS_DEF_RETENTIONFOLDDEQUANTPASS
#include "retention/Conversion/Passes.h.inc"
} // namespace mlir::retention

using namespace mlir;
using namespace mlir::retention;

namespace {

/// `g` computes out[k, n] = sitofp(q[k, n]) * s[n] with q of integer
/// elements and s of `out`'s float type: returns (q, s), or nulls.
std::pair<Value, Value> matchDequant(linalg::GenericOp g) {
  if (!g || g.getNumDpsInputs() != 2 || g.getNumDpsInits() != 1 ||
      g.getNumLoops() != 2 || g.getNumReductionLoops() != 0 ||
      !g.hasPureTensorSemantics())
    return {};
  MLIRContext *ctx = g.getContext();
  SmallVector<AffineMap> maps = g.getIndexingMapsArray();
  if (maps[0] != buildDimMap(ctx, 2, {0, 1}) ||
      maps[1] != buildDimMap(ctx, 2, {1}) ||
      maps[2] != buildDimMap(ctx, 2, {0, 1}))
    return {};
  Block &body = g.getRegion().front();
  auto yield = cast<linalg::YieldOp>(body.getTerminator());
  auto mul = yield.getOperand(0).getDefiningOp<arith::MulFOp>();
  if (!mul || body.getOperations().size() != 3)
    return {};
  auto cast = mul.getLhs().getDefiningOp<arith::SIToFPOp>();
  if (!cast || cast.getIn() != body.getArgument(0) ||
      mul.getRhs() != body.getArgument(1))
    return {};
  return {g.getDpsInputs()[0], g.getDpsInputs()[1]};
}

struct FoldDequantIntoMatmul : OpRewritePattern<linalg::MatmulOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(linalg::MatmulOp op,
                                PatternRewriter &rewriter) const override {
    if (!op.hasPureTensorSemantics() || op.getNumDpsInputs() != 2)
      return failure();
    auto [q, s] =
        matchDequant(op.getDpsInputs()[1].getDefiningOp<linalg::GenericOp>());
    if (!q)
      return rewriter.notifyMatchFailure(op, "B is not a dequantization");
    // Only a zero accumulator: C + x·(q⊙s) would need C ⊙ 1/s.
    Value init = op.getDpsInits()[0];
    auto fill = init.getDefiningOp<linalg::FillOp>();
    if (!fill || !matchPattern(fill.getInputs()[0], m_AnyZeroFloat()))
      return rewriter.notifyMatchFailure(op, "accumulator is not zero");
    Location loc = op.getLoc();
    Value acc = linalg::MatmulOp::create(
                    rewriter, loc, TypeRange{init.getType()},
                    ValueRange{op.getDpsInputs()[0], q}, ValueRange{init})
                    .getResult(0);
    auto type = cast<RankedTensorType>(init.getType());
    SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(rewriter, loc, acc);
    MLIRContext *ctx = op.getContext();
    Value scaled = buildGeneric(
        rewriter, loc, buildEmpty(rewriter, loc, sizes, type.getElementType()),
        {acc, s},
        {buildDimMap(ctx, 2, {0, 1}), buildDimMap(ctx, 2, {1}),
         buildDimMap(ctx, 2, {0, 1})},
        {kPar, kPar}, [](OpBuilder &b, Location l, ValueRange a) -> Value {
          return arith::MulFOp::create(b, l, a[0], a[1]);
        });
    rewriter.replaceOp(op, scaled);
    return success();
  }
};

struct FoldDequantPass
    : mlir::retention::impl::RetentionFoldDequantPassBase<FoldDequantPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<FoldDequantIntoMatmul>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace
