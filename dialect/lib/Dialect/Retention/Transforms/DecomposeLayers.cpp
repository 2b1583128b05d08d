//===- DecomposeLayers.cpp - layer ops → core retention ops + linalg ------===//
//
// retention-decompose-layers: every layer op (multi_scale, then the rotate
// and group_norm ops it and the input produce) replaced by its
// decomposition (linalg::AggregatedOpInterface,
// IR/RetentionLayerDecomposition.cpp).
//
//===----------------------------------------------------------------------===//

#include "retention/Dialect/Retention/IR/RetentionOps.h"
#include "retention/Dialect/Retention/Transforms/Passes.h"

#include "mlir/IR/PatternMatch.h"

namespace mlir::retention {
#define GEN_PASS_DEF_RETENTIONDECOMPOSELAYERSPASS
#include "retention/Dialect/Retention/Transforms/Passes.h.inc"
} // namespace mlir::retention

using namespace mlir;
using namespace mlir::retention;

namespace {

struct DecomposeLayersPass
    : mlir::retention::impl::RetentionDecomposeLayersPassBase<
          DecomposeLayersPass> {
  using Base::Base;

  void runOnOperation() override {
    IRRewriter rewriter(&getContext());
    // Layers first: they produce the rotate and group_norm ops decomposed
    // next.
    for (bool layers : {true, false}) {
      if (!layers && layersOnly)
        break;
      SmallVector<linalg::AggregatedOpInterface> ops;
      getOperation()->walk([&](Operation *op) {
        if (layers ? isa<MultiScaleOp>(op) : isa<RotateOp, GroupNormOp>(op))
          ops.push_back(cast<linalg::AggregatedOpInterface>(op));
      });
      for (linalg::AggregatedOpInterface op : ops) {
        FailureOr<SmallVector<Value>> values = op.decomposeOperation(rewriter);
        if (failed(values)) {
          op->emitOpError("could not be decomposed");
          return signalPassFailure();
        }
        rewriter.replaceOp(op, *values);
      }
    }
  }
};

} // namespace
