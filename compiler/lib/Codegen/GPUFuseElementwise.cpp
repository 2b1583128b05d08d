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
// First, a reduction over a few steps (a rotation's pairs) is unrolled into
// an elementwise op (UnrollShortReduction), so it too fuses. An elementwise
// op reading a collapse of an elementwise op's result runs over the
// uncollapsed loops (upstream's reshape-by-expansion, restricted to that),
// so the rotation and its 16-bit cast are one op; a transpose that moves
// only unit dimensions (one token's value heads) becomes reshapes.
//
// Last, matmuls of one A (a layer's q, k, v, g projections) are moved next
// to each other with their epilogue generics (gatherSiblings), so that
// retention-gpu-matmul runs them as one launch.
//
//===----------------------------------------------------------------------===//

#include "retention/Conversion/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/ReshapeOpsUtils.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Interfaces/ValueBoundsOpInterface.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "llvm/ADT/SetVector.h"

namespace mlir::retention {
#define GEN_PASS_DEF_RETENTIONGPUFUSEELEMENTWISEPASS
#include "retention/Conversion/Passes.h.inc"
} // namespace mlir::retention

using namespace mlir;

namespace {

bool allParallel(linalg::GenericOp op) {
  return op && op.getNumLoops() == op.getNumParallelLoops();
}

/// The longest reduction unrolled into an elementwise op.
constexpr int64_t kMaxUnrolled = 4;

/// A generic on tensors whose one reduction loop has a short static range
/// (a rotation: the sum over a pair) becomes an elementwise generic over
/// the other loops: each input the reduction indexes is read once per
/// step at that step's constant index, and the body runs once per step on
/// the running value, from the output's initial value (the fill's scalar
/// when the output is a fill). Then it is one kernel that fuses with its
/// neighbours, not a fill, a copy and a reduction kernel.
struct UnrollShortReduction : OpRewritePattern<linalg::GenericOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(linalg::GenericOp g,
                                PatternRewriter &rewriter) const override {
    if (!g.hasPureTensorSemantics() || g.getNumReductionLoops() != 1 ||
        g.getNumDpsInits() != 1 || g.getNumLoops() < 2)
      return failure();
    unsigned r = 0;
    for (auto [i, it] : llvm::enumerate(g.getIteratorTypesArray()))
      if (it == utils::IteratorType::reduction)
        r = i;
    int64_t steps = g.getStaticLoopRanges()[r];
    if (ShapedType::isDynamic(steps) || steps > kMaxUnrolled)
      return failure();
    for (Operation &op : g.getRegion().front().without_terminator())
      if (op.getNumRegions() != 0)
        return failure();
    MLIRContext *ctx = g.getContext();
    const unsigned n = g.getNumLoops();
    // Loop d of the old op is loop dim(d) of the new one (d != r).
    auto dim = [&](unsigned d) { return d < r ? d : d - 1; };
    auto rewrite = [&](AffineMap map, int64_t step) {
      SmallVector<AffineExpr> results;
      for (AffineExpr e : map.getResults()) {
        DenseMap<AffineExpr, AffineExpr> subst;
        for (unsigned d = 0; d < n; ++d)
          subst[getAffineDimExpr(d, ctx)] =
              d == r ? getAffineConstantExpr(step, ctx)
                     : getAffineDimExpr(dim(d), ctx);
        results.push_back(e.replace(subst));
      }
      return AffineMap::get(n - 1, 0, results, ctx);
    };
    // Inputs: once, or once per step where the reduction indexes them.
    SmallVector<Value> inputs;
    SmallVector<AffineMap> maps;
    SmallVector<SmallVector<unsigned>> argOf; // [input][step] -> new input
    for (OpOperand *in : g.getDpsInputOperands()) {
      AffineMap map = g.getMatchingIndexingMap(in);
      argOf.emplace_back();
      if (!map.isFunctionOfDim(r)) {
        argOf.back().assign(steps, inputs.size());
        inputs.push_back(in->get());
        maps.push_back(rewrite(map, 0));
        continue;
      }
      for (int64_t k = 0; k < steps; ++k) {
        argOf.back().push_back(inputs.size());
        inputs.push_back(in->get());
        maps.push_back(rewrite(map, k));
      }
    }
    OpOperand *out = g.getDpsInitOperand(0);
    AffineMap outMap = g.getMatchingIndexingMap(out);
    if (outMap.isFunctionOfDim(r))
      return failure();
    maps.push_back(rewrite(outMap, 0));
    // A filled output: start from the scalar, write into an empty tensor.
    Value init = out->get(), start;
    if (auto fill = init.getDefiningOp<linalg::FillOp>()) {
      start = fill.getInputs()[0];
      init = fill.getOutputs()[0];
    }
    SmallVector<utils::IteratorType> iterators(n - 1,
                                               utils::IteratorType::parallel);
    Location loc = g.getLoc();
    Block &old = g.getRegion().front();
    auto fused = linalg::GenericOp::create(
        rewriter, loc, g->getResultTypes(), inputs, ValueRange{init}, maps,
        iterators, [&](OpBuilder &b, Location l, ValueRange args) {
          Value acc = start ? start : args.back();
          for (int64_t k = 0; k < steps; ++k) {
            IRMapping map;
            for (auto [i, ids] : llvm::enumerate(argOf))
              map.map(old.getArgument(i), args[ids[k]]);
            map.map(old.getArguments().back(), acc);
            for (Operation &op : old.without_terminator()) {
              if (auto index = dyn_cast<linalg::IndexOp>(op)) {
                Value v = index.getDim() == r
                              ? arith::ConstantIndexOp::create(b, l, k).getResult()
                              : linalg::IndexOp::create(
                                    b, l, dim(index.getDim()))
                                    .getResult();
                map.map(index.getResult(), v);
                continue;
              }
              b.clone(op, map);
            }
            acc = map.lookupOrDefault(old.getTerminator()->getOperand(0));
          }
          linalg::YieldOp::create(b, l, acc);
        });
    rewriter.replaceOp(g, fused->getResults());
    return success();
  }
};

/// A transpose that moves only unit dimensions (the value heads of one
/// token: ?x1xHxD to ?xHx1xD) keeps every element where it is: it becomes
/// a collapse to the other dimensions and an expand, no kernel.
struct TransposeOfUnitDims : OpRewritePattern<linalg::TransposeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(linalg::TransposeOp op,
                                PatternRewriter &rewriter) const override {
    auto in = dyn_cast<RankedTensorType>(op.getInput().getType());
    auto out = dyn_cast<RankedTensorType>(op->getResult(0).getType());
    if (!op.hasPureTensorSemantics() || !in || !out)
      return failure();
    SmallVector<int64_t> kept;
    int64_t last = -1;
    for (int64_t d : op.getPermutation()) {
      if (in.getDimSize(d) == 1)
        continue;
      if (d < last)
        return failure();
      last = d;
      kept.push_back(in.getDimSize(d));
    }
    if (kept.empty() || static_cast<int64_t>(kept.size()) == in.getRank())
      return failure();
    auto mid = RankedTensorType::get(kept, in.getElementType());
    auto collapse = getReassociationIndicesForReshape(in, mid);
    auto expand = getReassociationIndicesForReshape(out, mid);
    if (!collapse || !expand)
      return failure();
    Value flat = tensor::CollapseShapeOp::create(rewriter, op.getLoc(), mid,
                                                 op.getInput(), *collapse);
    rewriter.replaceOpWithNewOp<tensor::ExpandShapeOp>(op, out, flat,
                                                       *expand);
    return success();
  }
};

/// The elementwise generic that is a matmul's result's one user in its
/// block (its epilogue in retention-gpu-matmul), if any.
linalg::GenericOp epilogueOf(linalg::MatmulOp m) {
  if (!m->getResult(0).hasOneUse())
    return {};
  auto g = dyn_cast<linalg::GenericOp>(*m->getResult(0).user_begin());
  return g && allParallel(g) && g->getBlock() == m->getBlock()
             ? g
             : linalg::GenericOp();
}

/// Moves `roots` (ops of one block after `target`, with no memory effects
/// unless they are roots) up to just after `target`, with what they need
/// from between (the ops defining their operands and those of their
/// bodies, which must have no memory effects), in block order. Returns
/// false (nothing moved) if something they need from between is not
/// movable or uses a result of `stop`.
bool moveUpAfter(Operation *target, ArrayRef<Operation *> roots,
                 Operation *stop = nullptr) {
  Block *block = target->getBlock();
  llvm::SetVector<Operation *> need;
  SmallVector<Operation *> work(roots.begin(), roots.end());
  bool usesStop = false;
  auto from = [&](Value v) {
    Operation *def = v.getDefiningOp();
    usesStop |= def && def == stop;
    if (def && def->getBlock() == block && target->isBeforeInBlock(def))
      work.push_back(def);
  };
  while (!work.empty()) {
    Operation *op = work.pop_back_val();
    if (!need.insert(op))
      continue;
    if (!llvm::is_contained(roots, op) && !isMemoryEffectFree(op))
      return false;
    // Operands, and values the bodies use from above.
    op->walk([&](Operation *nested) {
      for (Value v : nested->getOperands())
        from(v);
    });
    if (usesStop)
      return false;
  }
  SmallVector<Operation *> ordered(need.begin(), need.end());
  llvm::sort(ordered,
             [](Operation *x, Operation *y) { return x->isBeforeInBlock(y); });
  Operation *after = target;
  for (Operation *op : ordered) {
    op->moveAfter(after);
    after = op;
  }
  return true;
}

/// Matmuls reading the same activations (a layer's q, k, v and g
/// projections of the normalized x) are brought next to each other, each
/// with its epilogue generic: retention-gpu-matmul runs such siblings as
/// one launch. A sibling moves up to just after the previous one's
/// epilogue with what it needs from between (weight views, its zero fill,
/// empties: ops without memory effects; moveUpAfter); what it jumps over
/// (the previous one's rotation) runs after it instead.
void gatherSiblings(Block &block) {
  SmallVector<linalg::MatmulOp> matmuls;
  for (Operation &op : block)
    if (auto m = dyn_cast<linalg::MatmulOp>(op);
        m && m.hasPureTensorSemantics())
      matmuls.push_back(m);
  DenseMap<Value, Operation *> tail;
  for (linalg::MatmulOp m : matmuls) {
    Value a = m.getInputs()[0];
    linalg::GenericOp epilogue = epilogueOf(m);
    Operation *last = epilogue ? epilogue.getOperation() : m.getOperation();
    auto it = tail.find(a);
    if (it != tail.end() && it->second->isBeforeInBlock(m))
      moveUpAfter(it->second, {m, last});
    tail[a] = last;
  }
}

/// An elementwise generic that may share a kernel with another: not a
/// matmul's epilogue (retention-gpu-matmul takes it) nor the scale after
/// a row's sum (retention-gpu-row-reductions takes it).
bool mergeable(linalg::GenericOp g) {
  if (!g || !g.hasPureTensorSemantics() || !allParallel(g))
    return false;
  for (Value in : g.getDpsInputs()) {
    Operation *def = in.getDefiningOp();
    if (isa_and_nonnull<linalg::MatmulOp>(def))
      return false;
    if (auto p = dyn_cast_or_null<linalg::GenericOp>(def);
        p && p.getNumReductionLoops() != 0)
      return false;
  }
  return true;
}

/// Whether `x` and `y` run over the same loops: equal static ranges, the
/// dynamic ones proven equal through their first inits (read at
/// permutations).
bool sameLoops(linalg::GenericOp x, linalg::GenericOp y) {
  if (x.getNumLoops() != y.getNumLoops() ||
      x.getStaticLoopRanges() != y.getStaticLoopRanges())
    return false;
  OpOperand *ix = x.getDpsInitOperand(0), *iy = y.getDpsInitOperand(0);
  AffineMap mx = x.getMatchingIndexingMap(ix),
            my = y.getMatchingIndexingMap(iy);
  if (!mx.isPermutation() || !my.isPermutation())
    return false;
  SmallVector<int64_t> ranges = x.getStaticLoopRanges();
  for (unsigned d = 0; d < ranges.size(); ++d) {
    if (!ShapedType::isDynamic(ranges[d]))
      continue;
    AffineExpr loop = getAffineDimExpr(d, x.getContext());
    FailureOr<bool> equal = ValueBoundsConstraintSet::areEqual(
        {ix->get(), static_cast<int64_t>(*mx.getResultPosition(loop))},
        {iy->get(), static_cast<int64_t>(*my.getResultPosition(loop))});
    if (failed(equal) || !*equal)
      return false;
  }
  return true;
}

/// Two elementwise generics over the same loops, the second not reading
/// the first (the q and k rotations): the second, with what it needs, moves
/// up next to the first, and both become one generic with both's operands
/// and results: one kernel.
void mergeSiblingGenerics(Block &block) {
  SmallVector<linalg::GenericOp> generics;
  for (Operation &op : block)
    if (auto g = dyn_cast<linalg::GenericOp>(op); mergeable(g))
      generics.push_back(g);
  for (size_t i = 0; i + 1 < generics.size(); ++i) {
    linalg::GenericOp x = generics[i], y = generics[i + 1];
    if (!sameLoops(x, y) || !moveUpAfter(x, {y}, x))
      continue;
    OpBuilder b(y);
    SmallVector<Value> ins(x.getDpsInputs()), outs(x.getDpsInits());
    llvm::append_range(ins, y.getDpsInputs());
    llvm::append_range(outs, y.getDpsInits());
    SmallVector<AffineMap> maps;
    for (linalg::GenericOp g : {x, y})
      for (OpOperand *in : g.getDpsInputOperands())
        maps.push_back(g.getMatchingIndexingMap(in));
    for (linalg::GenericOp g : {x, y})
      for (OpOperand &init : g.getDpsInitsMutable())
        maps.push_back(g.getMatchingIndexingMap(&init));
    SmallVector<Type> types(x->getResultTypes());
    llvm::append_range(types, y->getResultTypes());
    const unsigned nx = x.getNumDpsInputs(), ny = y.getNumDpsInputs();
    const unsigned ox = x.getNumDpsInits();
    auto merged = linalg::GenericOp::create(
        b, y.getLoc(), types, ins, outs, maps, x.getIteratorTypesArray(),
        [&](OpBuilder &nb, Location loc, ValueRange args) {
          SmallVector<Value> yields;
          auto inline_ = [&](linalg::GenericOp g, unsigned in0,
                             unsigned out0) {
            Block &body = g.getRegion().front();
            IRMapping map;
            for (unsigned k = 0; k < g.getNumDpsInputs(); ++k)
              map.map(body.getArgument(k), args[in0 + k]);
            for (unsigned k = 0; k < g.getNumDpsInits(); ++k)
              map.map(body.getArgument(g.getNumDpsInputs() + k),
                      args[out0 + k]);
            for (Operation &op : body.without_terminator())
              nb.clone(op, map);
            for (Value v : body.getTerminator()->getOperands())
              yields.push_back(map.lookupOrDefault(v));
          };
          inline_(x, 0, nx + ny);
          inline_(y, nx, nx + ny + ox);
          linalg::YieldOp::create(nb, loc, yields);
        });
    x->replaceAllUsesWith(
        merged->getResults().take_front(x->getNumResults()));
    y->replaceAllUsesWith(
        merged->getResults().drop_front(x->getNumResults()));
    x->erase();
    y->erase();
    // The merged op may merge again with the next.
    generics[i + 1] = merged;
  }
}

struct GPUFuseElementwisePass
    : mlir::retention::impl::RetentionGPUFuseElementwisePassBase<
          GPUFuseElementwisePass> {
  void runOnOperation() override {
    {
      RewritePatternSet unroll(&getContext());
      unroll.add<UnrollShortReduction>(&getContext());
      if (failed(applyPatternsGreedily(getOperation(), std::move(unroll))))
        return signalPassFailure();
    }
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
    // An elementwise op reading a collapse of an elementwise op's result
    // (the rotation's pairs ?x4x1x16x2 read as ?x4x1x32 by the cast) runs
    // over the uncollapsed loops instead: then the two fuse.
    linalg::ControlFusionFn throughCollapse = [](OpOperand *operand) {
      auto collapse = operand->get().getDefiningOp<tensor::CollapseShapeOp>();
      auto consumer = dyn_cast<linalg::GenericOp>(operand->getOwner());
      return collapse && allParallel(consumer) && collapse->hasOneUse() &&
             allParallel(
                 collapse.getSrc().getDefiningOp<linalg::GenericOp>()) &&
             collapse.getSrc().hasOneUse();
    };
    linalg::populateFoldReshapeOpsByExpansionPatterns(patterns,
                                                      throughCollapse);
    patterns.add<TransposeOfUnitDims>(&getContext());
    // The expansion asks the producer for its dynamic sizes: those come
    // from its init instead, so the producer keeps its one use.
    tensor::DimOp::getCanonicalizationPatterns(patterns, &getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
    getOperation().walk([](Block *block) {
      gatherSiblings(*block);
      mergeSiblingGenerics(*block);
    });
  }
};

} // namespace
