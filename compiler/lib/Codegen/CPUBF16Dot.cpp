//===- CPUBF16Dot.cpp - bf16 matmul tiles as vdpbf16ps --------------------===//
//
// vector.contract (m,k)x(k,n)->(m,n) of extf(bf16) operands → one
// x86vector.avx512.dot per (row, pair of k, 16 columns): the weights of k and
// k+1 interleaved per column, the row's two activations broadcast as a 32-bit
// pair. The f32 accumulator is the contraction's.
//
//===----------------------------------------------------------------------===//

#include "retention/Conversion/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Dialect/X86Vector/X86VectorDialect.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::retention {
#define GEN_PASS_DEF_RETENTIONCPUBF16DOTPASS
#include "retention/Conversion/Passes.h.inc"
} // namespace mlir::retention

using namespace mlir;

namespace {

constexpr int64_t kLanes = 16; // f32 lanes of one vdpbf16ps (512 bits)

/// The bf16 vector that `v` widens (arith.extf of a 2-D bf16 vector), or null.
Value bf16Source(Value v) {
  auto ext = v.getDefiningOp<arith::ExtFOp>();
  if (!ext)
    return {};
  auto type = dyn_cast<VectorType>(ext.getIn().getType());
  if (!type || type.getRank() != 2 || !type.getElementType().isBF16() ||
      type.isScalable())
    return {};
  return ext.getIn();
}

struct ContractToBF16Dot : OpRewritePattern<vector::ContractionOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(vector::ContractionOp op,
                                PatternRewriter &rewriter) const override {
    if (op.getKind() != vector::CombiningKind::ADD)
      return rewriter.notifyMatchFailure(op, "not a plain sum");
    MLIRContext *ctx = op.getContext();
    AffineExpr m, n, k;
    bindDims(ctx, m, n, k);
    SmallVector<AffineMap> maps = {AffineMap::get(3, 0, {m, k}, ctx),
                                   AffineMap::get(3, 0, {k, n}, ctx),
                                   AffineMap::get(3, 0, {m, n}, ctx)};
    if (op.getIndexingMapsArray() != maps ||
        op.getIteratorTypesArray() !=
            SmallVector<vector::IteratorType>{vector::IteratorType::parallel,
                                              vector::IteratorType::parallel,
                                              vector::IteratorType::reduction})
      return rewriter.notifyMatchFailure(op, "not (m,k)x(k,n)->(m,n)");
    Value lhs = bf16Source(op.getLhs()), rhs = bf16Source(op.getRhs());
    auto accType = dyn_cast<VectorType>(op.getAccType());
    if (!lhs || !rhs || !accType || !accType.getElementType().isF32())
      return rewriter.notifyMatchFailure(op, "operands are not widened bf16");
    ArrayRef<int64_t> lhsShape = cast<VectorType>(lhs.getType()).getShape();
    int64_t rows = lhsShape[0], depth = lhsShape[1],
            cols = accType.getShape()[1];
    if (depth % 2 || cols % kLanes)
      return rewriter.notifyMatchFailure(op, "odd depth or partial lanes");

    Location loc = op.getLoc();
    Type bf16 = rewriter.getBF16Type(), i32 = rewriter.getI32Type();
    auto lanesF32 = VectorType::get({kLanes}, rewriter.getF32Type());
    auto lanesI32 = VectorType::get({kLanes}, i32);
    auto packed = VectorType::get({2 * kLanes}, bf16);
    int64_t pairs = depth / 2, blocks = cols / kLanes;

    // Weights: rows k and k+1 of each 16-column block, interleaved so that
    // 32-bit lane j holds column j's pair; shared by every output row.
    SmallVector<Value> rhsRows;
    for (int64_t r = 0; r < depth; ++r)
      rhsRows.push_back(vector::ExtractOp::create(rewriter, loc, rhs, r));
    SmallVector<Value> weights; // [pair][block]
    for (int64_t p = 0; p < pairs; ++p)
      for (int64_t b = 0; b < blocks; ++b) {
        auto slice = [&](Value row) {
          return vector::ExtractStridedSliceOp::create(
              rewriter, loc, row, ArrayRef<int64_t>{b * kLanes},
              ArrayRef<int64_t>{kLanes}, ArrayRef<int64_t>{1});
        };
        Value even = slice(rhsRows[2 * p]), odd = slice(rhsRows[2 * p + 1]);
        weights.push_back(
            vector::InterleaveOp::create(rewriter, loc, even, odd));
      }

    Value result = op.getAcc();
    for (int64_t i = 0; i < rows; ++i) {
      Value lhsRow = vector::ExtractOp::create(rewriter, loc, lhs, i);
      Value accRow = vector::ExtractOp::create(rewriter, loc, op.getAcc(), i);
      SmallVector<Value> acc;
      for (int64_t b = 0; b < blocks; ++b)
        acc.push_back(vector::ExtractStridedSliceOp::create(
            rewriter, loc, accRow, ArrayRef<int64_t>{b * kLanes},
            ArrayRef<int64_t>{kLanes}, ArrayRef<int64_t>{1}));
      for (int64_t p = 0; p < pairs; ++p) {
        // The row's activations k, k+1 as one i32, in every lane.
        Value two = vector::ExtractStridedSliceOp::create(
            rewriter, loc, lhsRow, ArrayRef<int64_t>{2 * p},
            ArrayRef<int64_t>{2}, ArrayRef<int64_t>{1});
        Value word = vector::BitCastOp::create(
            rewriter, loc, VectorType::get({1}, i32), two);
        Value scalar = vector::ExtractOp::create(rewriter, loc, word, 0);
        Value splat = vector::BroadcastOp::create(rewriter, loc, lanesI32,
                                                  scalar);
        Value activations =
            vector::BitCastOp::create(rewriter, loc, packed, splat);
        for (int64_t b = 0; b < blocks; ++b)
          acc[b] = x86vector::DotBF16Op::create(rewriter, loc, lanesF32,
                                                acc[b], activations,
                                                weights[p * blocks + b]);
      }
      for (int64_t b = 0; b < blocks; ++b)
        accRow = vector::InsertStridedSliceOp::create(
            rewriter, loc, acc[b], accRow, ArrayRef<int64_t>{b * kLanes},
            ArrayRef<int64_t>{1});
      result = vector::InsertOp::create(rewriter, loc, accRow, result, i);
    }
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct CPUBF16DotPass
    : mlir::retention::impl::RetentionCPUBF16DotPassBase<CPUBF16DotPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<ContractToBF16Dot>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace
