//===- GPUMapParallelLoops.cpp - (batch, head, dv) loops → blocks, threads ===//
//
// Tiles the innermost dimension of each outermost scf.parallel by the block
// size and attaches explicit block/thread mappings for
// convert-parallel-loops-to-gpu. A loop of more than three dimensions (a
// whole model's 4-D head-split tensors) first has its leading dimensions
// collapsed into one. The driver allows 2^31-1 blocks on grid x but only
// 65535 on y and z: a dimension with a dynamic block count (the rows of a
// prefill of 100000 tokens) goes on x.
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

#include <numeric>

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
      auto collapse = [&](std::vector<std::vector<unsigned>> dims) {
        Operation *next = op->getNextNode();
        collapseParallelLoops(rewriter, op, dims);
        op = cast<scf::ParallelOp>(next->getPrevNode());
        n = unsigned(dims.size());
        // The collapsed bounds are products (1 * 7, 2 * 3): folded, the
        // thread count below sees static trip counts.
        foldBounds(op.getUpperBound());
      };
      auto staticTrips = [&](unsigned i) -> std::optional<int64_t> {
        std::optional<int64_t> lb = getConstantIntValue(op.getLowerBound()[i]);
        std::optional<int64_t> ub = getConstantIntValue(op.getUpperBound()[i]);
        std::optional<int64_t> st = getConstantIntValue(op.getStep()[i]);
        if (!lb || !ub || !st || *st <= 0)
          return std::nullopt;
        return (*ub - *lb + *st - 1) / *st;
      };
      if (n > 3) {
        // A grid has three dimensions: the leading n - 2 become one (the
        // last two keep their own, the last one on threads).
        std::vector<unsigned> leading;
        for (unsigned i = 0; i + 2 < n; ++i)
          leading.push_back(i);
        collapse({leading, {n - 2}, {n - 1}});
      }
      auto threadsFor = [&](unsigned last) {
        // Threads along the last dimension: the largest divisor of a static
        // trip count not above the block size.
        int64_t t = blockSize;
        if (std::optional<int64_t> trips = staticTrips(last)) {
          t = std::max<int64_t>(1, std::min(t, *trips));
          while (*trips % t)
            --t;
        }
        return t;
      };
      int64_t threads = threadsFor(n - 1);
      // Grid y and z allow 65535 blocks, x 2^31 - 1. A dimension whose
      // block count is dynamic (rows of a prefill, the decode batch) or
      // above 65535 goes on x; the others keep their order on y and z. Two
      // or more such dimensions are collapsed into one first.
      constexpr int64_t kMaxGridYZ = 65535;
      auto blocksFit = [&](unsigned i) {
        std::optional<int64_t> trips = staticTrips(i);
        int64_t per = i == n - 1 ? threads : 1;
        return trips && (*trips + per - 1) / per <= kMaxGridYZ;
      };
      SmallVector<unsigned> big;
      for (unsigned i = 0; i < n; ++i)
        if (!blocksFit(i))
          big.push_back(i);
      if (big.size() > 1) {
        std::vector<unsigned> leading(n - 1);
        std::iota(leading.begin(), leading.end(), 0u);
        if (blocksFit(n - 1)) {
          collapse({leading, {n - 1}});
        } else {
          leading.push_back(n - 1);
          collapse({leading});
          threads = threadsFor(0);
        }
        big.assign({0});
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
      // Blocks: the big dimension (if any) on x, the others from the last
      // (it varies fastest) on the remaining processors in x, y, z order.
      SmallVector<gpu::ParallelLoopDimMappingAttr> thread;
      SmallVector<gpu::ParallelLoopDimMappingAttr> blocks(
          n, dim(gpu::Processor::BlockX));
      const gpu::Processor blockIds[] = {gpu::Processor::BlockX,
                                         gpu::Processor::BlockY,
                                         gpu::Processor::BlockZ};
      unsigned nextId = 0;
      if (!big.empty())
        blocks[big[0]] = dim(blockIds[nextId++]);
      for (int i = int(n) - 1; i >= 0; --i)
        if (big.empty() || unsigned(i) != big[0])
          blocks[i] = dim(blockIds[nextId++]);
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
