//===- GPUMapParallelLoops.cpp - (batch, head, dv) loops → blocks, threads ===//
//
// Tiles the innermost dimension of each outermost scf.parallel by the block
// size and attaches explicit block/thread mappings for
// convert-parallel-loops-to-gpu. A loop of more than three dimensions (a
// whole model's 4-D head-split tensors) first has its leading dimensions
// collapsed into one.
//
//===----------------------------------------------------------------------===//

#include "retention/Conversion/Passes.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/GPU/Transforms/ParallelLoopMapper.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Transforms/Transforms.h"
#include "mlir/Dialect/SCF/Utils/Utils.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include "llvm/ADT/SetVector.h"

namespace mlir::retention {
#define GEN_PASS_DEF_RETENTIONGPUMAPPARALLELLOOPSPASS
#include "retention/Conversion/Passes.h.inc"
} // namespace mlir::retention

using namespace mlir;

namespace {

struct GPUMapParallelLoopsPass
    : mlir::retention::impl::RetentionGPUMapParallelLoopsPassBase<
          GPUMapParallelLoopsPass> {
  using Base::Base;

  /// Folds the constant index arithmetic (arith.muli, affine.min) that
  /// computes `values`, transitively: tiling and collapsing build bounds as
  /// products and minima of constants. Only those ops: a canonicalize pass
  /// would also drop unit dimensions and with them the mapping attributes.
  void foldBounds(ValueRange values) {
    llvm::SetVector<Operation *> ops;
    SmallVector<Value> work(values);
    while (!work.empty())
      if (Operation *def = work.pop_back_val().getDefiningOp();
          def && isa<arith::MulIOp, affine::AffineMinOp>(def) &&
          ops.insert(def))
        llvm::append_range(work, def->getOperands());
    RewritePatternSet patterns(&getContext());
    affine::AffineMinOp::getCanonicalizationPatterns(patterns, &getContext());
    GreedyRewriteConfig config;
    config.setStrictness(GreedyRewriteStrictness::ExistingAndNewOps);
    SmallVector<Operation *> producersFirst(llvm::reverse(ops));
    (void)applyOpPatternsGreedily(producersFirst, std::move(patterns), config);
  }

  void runOnOperation() override {
    SmallVector<scf::ParallelOp> roots;
    getOperation().walk([&](scf::ParallelOp op) {
      if (!op->getParentOfType<scf::ParallelOp>())
        roots.push_back(op);
    });
    MLIRContext *ctx = &getContext();
    AffineMap id = AffineMap::getMultiDimIdentityMap(1, ctx);
    auto dim = [&](gpu::Processor p) {
      return gpu::ParallelLoopDimMappingAttr::get(ctx, p, id, id);
    };
    IRRewriter rewriter(ctx);
    for (scf::ParallelOp op : roots) {
      unsigned n = op.getNumLoops();
      if (n > 3) {
        // A grid has three dimensions: the leading n - 2 become one (the
        // last two keep their own, the last one on threads).
        std::vector<unsigned> leading;
        for (unsigned i = 0; i + 2 < n; ++i)
          leading.push_back(i);
        std::vector<std::vector<unsigned>> dims = {leading, {n - 2}, {n - 1}};
        Operation *next = op->getNextNode();
        collapseParallelLoops(rewriter, op, dims);
        op = cast<scf::ParallelOp>(next->getPrevNode());
        n = 3;
        // The collapsed bounds are products (1 * 7, 2 * 3): folded, the
        // thread count below sees static trip counts.
        foldBounds(op.getUpperBound());
      }
      // Threads along the last dimension: the largest divisor of a static
      // trip count not above the block size.
      int64_t threads = blockSize;
      std::optional<int64_t> lb =
          getConstantIntValue(op.getLowerBound()[n - 1]);
      std::optional<int64_t> ub =
          getConstantIntValue(op.getUpperBound()[n - 1]);
      std::optional<int64_t> st = getConstantIntValue(op.getStep()[n - 1]);
      if (lb && ub && st && *st > 0) {
        int64_t trips = (*ub - *lb + *st - 1) / *st;
        threads = std::max<int64_t>(1, std::min(threads, trips));
        while (trips % threads)
          --threads;
      }
      SmallVector<int64_t> tiles(n, 1);
      tiles[n - 1] = threads;
      auto [outer, inner] =
          scf::tileParallelLoop(op, tiles, /*noMinMaxBounds=*/false);
      // convert-parallel-loops-to-gpu needs a constant among the results of
      // the affine.min bounding a thread dimension.
      SmallVector<Value> bounds(outer.getStep());
      llvm::append_range(bounds, inner.getUpperBound());
      foldBounds(bounds);
      // Blocks: the last dimension is x (it varies fastest), then y, z.
      SmallVector<gpu::ParallelLoopDimMappingAttr> blocks, thread;
      const gpu::Processor blockIds[] = {gpu::Processor::BlockX,
                                         gpu::Processor::BlockY,
                                         gpu::Processor::BlockZ};
      for (unsigned i = 0; i < n; ++i)
        blocks.push_back(dim(blockIds[n - 1 - i]));
      for (unsigned i = 0; i < n; ++i)
        thread.push_back(dim(i == n - 1 ? gpu::Processor::ThreadX
                                        : gpu::Processor::Sequential));
      if (failed(gpu::setMappingAttr(outer, blocks)) ||
          failed(gpu::setMappingAttr(inner, thread)))
        return signalPassFailure();
      // Loops nested inside run sequentially on each thread.
      inner.getBody()->walk([&](scf::ParallelOp nested) {
        SmallVector<gpu::ParallelLoopDimMappingAttr> seq(
            nested.getNumLoops(), dim(gpu::Processor::Sequential));
        (void)gpu::setMappingAttr(nested, seq);
      });
    }
  }
};

} // namespace
