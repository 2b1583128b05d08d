//===- RetentionToLinalg.cpp - retention ops → tiled linalg/scf/tensor ----===//
//
// Lowers each retention form op into target-neutral tiled IR (DESIGN.md
// §3) with upstream machinery: scf::tileUsingSCF on the op's TilingInterface
// makes the scf.forall over independent (batch, head, dv tile) triples, and
// the tiled op's decomposition (linalg::AggregatedOpInterface,
// RetentionDecomposition.cpp) becomes the form's own loop over chunks or
// tokens built from linalg.generic ops.
//
//===----------------------------------------------------------------------===//

#include "retention/Conversion/RetentionToLinalg/RetentionToLinalg.h"

#include "retention/Dialect/Retention/IR/RetentionOps.h"

#include "mlir/Dialect/Linalg/IR/LinalgInterfaces.h"
#include "mlir/Dialect/SCF/Transforms/TileUsingInterface.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::retention {
#define GEN_PASS_DEF_CONVERTRETENTIONTOLINALGPASS
#include "retention/Conversion/Passes.h.inc"
} // namespace mlir::retention

using namespace mlir;
using namespace mlir::retention;

namespace {

struct RetentionToLinalg : OpInterfaceRewritePattern<RetentionFormOpInterface> {
  RetentionToLinalg(MLIRContext *ctx, int64_t dvTile)
      : OpInterfaceRewritePattern(ctx), dvTile(dvTile) {}

  LogicalResult matchAndRewrite(RetentionFormOpInterface op,
                                PatternRewriter &rewriter) const override {
    if (!op.getO())
      return rewriter.notifyMatchFailure(op, "on memrefs");
    // One batch row, one head and `dvTile` value columns per tile (all of
    // dv when it is dynamic or not a multiple).
    int64_t dv = cast<ShapedType>(op.getV().getType()).getDimSize(3);
    int64_t dvT = dvTile > 0 && !ShapedType::isDynamic(dv) && dv % dvTile == 0
                      ? dvTile
                      : 0;
    scf::SCFTilingOptions options;
    options.setLoopType(scf::SCFTilingOptions::LoopType::ForallOp);
    options.setTileSizes({rewriter.getIndexAttr(1), rewriter.getIndexAttr(1),
                          rewriter.getIndexAttr(dvT)});
    FailureOr<scf::SCFTilingResult> tiled = scf::tileUsingSCF(
        rewriter, cast<TilingInterface>(op.getOperation()), options);
    if (failed(tiled))
      return rewriter.notifyMatchFailure(op, "tiling failed");
    rewriter.replaceOp(op, tiled->replacements);
    for (Operation *tile : tiled->tiledOps) {
      rewriter.setInsertionPoint(tile);
      FailureOr<SmallVector<Value>> values =
          cast<linalg::AggregatedOpInterface>(tile).decomposeOperation(
              rewriter);
      if (failed(values))
        return tile->emitOpError("could not be decomposed");
      rewriter.replaceOp(tile, *values);
    }
    return success();
  }

  int64_t dvTile;
};

struct ConvertRetentionToLinalgPass
    : mlir::retention::impl::ConvertRetentionToLinalgPassBase<
          ConvertRetentionToLinalgPass> {
  using Base::Base;

  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    populateRetentionToLinalgConversionPatterns(patterns, dvTile);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
    bool left = false;
    // Ops on memrefs are left alone: a target's kernel pass claimed them
    // (retention-gpu-chunkwise-mma) and builds them after bufferization.
    getOperation()->walk([&](RetentionFormOpInterface op) {
      if (!op.getO())
        return;
      op->emitError("retention op was not converted to linalg");
      left = true;
    });
    if (left)
      signalPassFailure();
  }
};

} // namespace

void mlir::retention::populateRetentionToLinalgConversionPatterns(
    RewritePatternSet &patterns, int64_t dvTile) {
  patterns.add<RetentionToLinalg>(patterns.getContext(), dvTile);
}
