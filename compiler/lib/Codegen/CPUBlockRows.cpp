//===- CPUBlockRows.cpp - static row blocks for dynamic-row matmuls -------===//
//
// C[M, N] += A[M, K] · B[K, N] with M dynamic becomes
//   C[0:Mb]  as [Mb/R, R, N] += A[0:Mb] as [Mb/R, R, K] · B   (Mb = M − M mod
//   R) C[Mb:M]                  += A[Mb:M] · B
// so the vectorizer sees a static R-row accumulator for all but < R rows.
//
//===----------------------------------------------------------------------===//

#include "retention/Conversion/Passes.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::retention {
#define GEN_PASS_DEF_RETENTIONCPUBLOCKROWSPASS
#include "retention/Conversion/Passes.h.inc"
} // namespace mlir::retention

using namespace mlir;

namespace {

struct CPUBlockRowsPass
    : mlir::retention::impl::RetentionCPUBlockRowsPassBase<CPUBlockRowsPass> {
  using Base::Base;

  void runOnOperation() override {
    if (rows < 2)
      return;
    SmallVector<linalg::MatmulOp> matmuls;
    getOperation().walk([&](linalg::MatmulOp op) {
      if (!op.hasPureTensorSemantics() ||
          !linalg::MatmulOp::isDefaultIndexingMaps(op.getIndexingMaps()))
        return; // transposed or broadcast operands: not this pattern

      auto a = cast<RankedTensorType>(op.getInputs()[0].getType());
      auto b = cast<RankedTensorType>(op.getInputs()[1].getType());
      if (a.isDynamicDim(0) && !a.isDynamicDim(1) && b.hasStaticShape())
        matmuls.push_back(op);
    });
    IRRewriter rewriter(&getContext());
    for (linalg::MatmulOp op : matmuls)
      blockRows(rewriter, op);
  }

  void blockRows(IRRewriter &rw, linalg::MatmulOp op) {
    Location loc = op.getLoc();
    rw.setInsertionPoint(op);
    Value a = op.getInputs()[0], b = op.getInputs()[1], c = op.getOutputs()[0];
    auto aType = cast<RankedTensorType>(a.getType());
    auto bType = cast<RankedTensorType>(b.getType());
    auto cType = cast<RankedTensorType>(c.getType());
    Type elt = cType.getElementType();
    int64_t K = aType.getDimSize(1), N = bType.getDimSize(1), R = rows;
    const int64_t dyn = ShapedType::kDynamic;

    OpFoldResult m = tensor::getMixedSize(rw, loc, a, 0);
    AffineExpr d0 = rw.getAffineDimExpr(0);
    OpFoldResult mb =
        affine::makeComposedFoldedAffineApply(rw, loc, d0.floorDiv(R) * R, {m});
    OpFoldResult groups =
        affine::makeComposedFoldedAffineApply(rw, loc, d0.floorDiv(R), {m});
    OpFoldResult rest =
        affine::makeComposedFoldedAffineApply(rw, loc, d0 % R, {m});
    OpFoldResult zero = rw.getIndexAttr(0), one = rw.getIndexAttr(1);

    auto rowsOf = [&](Value t, OpFoldResult off, OpFoldResult size,
                      int64_t cols) -> Value {
      return tensor::ExtractSliceOp::create(
          rw, loc, t, ArrayRef<OpFoldResult>{off, zero},
          ArrayRef<OpFoldResult>{size, rw.getIndexAttr(cols)},
          ArrayRef<OpFoldResult>{one, one});
    };
    auto blocks = [&](Value t, int64_t cols) -> Value {
      return tensor::ExpandShapeOp::create(
          rw, loc, RankedTensorType::get({dyn, R, cols}, elt), t,
          SmallVector<ReassociationIndices>{{0, 1}, {2}},
          SmallVector<OpFoldResult>{groups, rw.getIndexAttr(R),
                                    rw.getIndexAttr(cols)});
    };

    // The blocked part: (g, r, n, k) over [M/R, R, N, K].
    Value a3 = blocks(rowsOf(a, zero, mb, K), K);
    Value c3 = blocks(rowsOf(c, zero, mb, N), N);
    MLIRContext *ctx = rw.getContext();
    auto dims = [&](ArrayRef<unsigned> ids) {
      SmallVector<AffineExpr> e;
      for (unsigned i : ids)
        e.push_back(getAffineDimExpr(i, ctx));
      return AffineMap::get(4, 0, e, ctx);
    };
    using utils::IteratorType;
    Value main =
        linalg::GenericOp::create(
            rw, loc, TypeRange{c3.getType()}, ValueRange{a3, b}, ValueRange{c3},
            ArrayRef<AffineMap>{dims({0, 1, 3}), dims({3, 2}), dims({0, 1, 2})},
            ArrayRef<IteratorType>{
                IteratorType::parallel, IteratorType::parallel,
                IteratorType::parallel, IteratorType::reduction},
            [&](OpBuilder &nb, Location l, ValueRange args) {
              Value p = arith::MulFOp::create(nb, l, args[0], args[1]);
              linalg::YieldOp::create(
                  nb, l, ValueRange{arith::AddFOp::create(nb, l, p, args[2])});
            })
            .getResult(0);
    Value main2 = tensor::CollapseShapeOp::create(
        rw, loc, main, SmallVector<ReassociationIndices>{{0, 1}, {2}});

    // The remaining M mod R rows.
    Value cRest = rowsOf(c, mb, rest, N);
    Value tail = linalg::MatmulOp::create(rw, loc, TypeRange{cRest.getType()},
                                          ValueRange{rowsOf(a, mb, rest, K), b},
                                          ValueRange{cRest})
                     .getResult(0);

    Value out = tensor::InsertSliceOp::create(
        rw, loc, main2, c, ArrayRef<OpFoldResult>{zero, zero},
        ArrayRef<OpFoldResult>{mb, rw.getIndexAttr(N)},
        ArrayRef<OpFoldResult>{one, one});
    out = tensor::InsertSliceOp::create(
        rw, loc, tail, out, ArrayRef<OpFoldResult>{mb, zero},
        ArrayRef<OpFoldResult>{rest, rw.getIndexAttr(N)},
        ArrayRef<OpFoldResult>{one, one});
    rw.replaceOp(op, out);
  }
};

} // namespace
