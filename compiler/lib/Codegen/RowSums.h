//===- RowSums.h - a row sum and the elementwise op on it --------*- C++ -*-===//
//
// The layer decomposition states a norm as two linalg.generic ops on
// buffers: a sum over the innermost loop (Σ x², per row) into a zero-filled
// buffer, then an elementwise op that reads the row's sum (scale, weight,
// gate). retention-gpu-row-reductions builds such a pair as one block
// reduction per row; retention-gpu-matmul computes an RMSNorm feeding a
// decode step's projections inside their GEMV launch instead. These are the
// shapes both recognize and the way both run the bodies.
//
//===----------------------------------------------------------------------===//

#ifndef RETENTION_CODEGEN_ROWSUMS_H
#define RETENTION_CODEGEN_ROWSUMS_H

#include "BufferFacts.h"

#include <optional>

namespace mlir::retention::kernel {

/// Shortest sum built as a block reduction: a warp's lanes. Shorter ones (a
/// rotation's pairs) stay one thread per output.
constexpr int64_t kMinRowSum = 32;

/// Whether `map`'s results are its first `n` dimensions in order.
inline bool leadingDims(AffineMap map, unsigned n) {
  if (map.getNumResults() != n)
    return false;
  for (unsigned i = 0; i < n; ++i)
    if (map.getResult(i) != getAffineDimExpr(i, map.getContext()))
      return false;
  return true;
}

/// A sum over the innermost loop of at least a warp's length (static):
/// every other loop parallel, one f32
/// output indexed by the parallel loops, inputs at projections of the
/// loops, a pure body that yields `f + out` with `out` used only there.
inline bool isRowSum(linalg::GenericOp g) {
  const unsigned n = g.getNumLoops();
  if (!g.hasPureBufferSemantics() || n < 2 || g.getNumDpsInits() != 1 ||
      g->getNumResults() != 0 || g.getNumReductionLoops() != 1 ||
      g.getIteratorTypesArray().back() != utils::IteratorType::reduction)
    return false;
  OpOperand *out = g.getDpsInitOperand(0);
  auto outType = dyn_cast<MemRefType>(out->get().getType());
  if (!outType || !outType.getElementType().isF32() ||
      !leadingDims(g.getMatchingIndexingMap(out), n - 1))
    return false;
  for (OpOperand *in : g.getDpsInputOperands())
    if (!isa<MemRefType>(in->get().getType()) ||
        !g.getMatchingIndexingMap(in).isProjectedPermutation())
      return false;
  // Short sums (a rotation's pairs) stay one thread per output: a block
  // per row would be mostly idle lanes and shuffles.
  int64_t reduced = g.getStaticLoopRanges().back();
  if (ShapedType::isDynamic(reduced) || reduced < kMinRowSum ||
      !pureBody(g))
    return false;
  Block &body = g.getRegion().front();
  BlockArgument acc = body.getArguments().back();
  auto add = body.getTerminator()->getOperand(0).getDefiningOp<arith::AddFOp>();
  return add && acc.hasOneUse() &&
         (add.getLhs() == acc || add.getRhs() == acc);
}

/// The elementwise generic right after `sum` that reads its output at the
/// row (see the file comment), if it can share the launch: output at the
/// loop indices, no input of the sum written (other rows may still read
/// them), its own output read only at the element it writes.
inline std::optional<std::pair<linalg::GenericOp, unsigned>>
applyOf(linalg::GenericOp sum) {
  const unsigned n = sum.getNumLoops();
  auto g = dyn_cast_or_null<linalg::GenericOp>(nextMemoryOp(sum));
  if (!g || !g.hasPureBufferSemantics() || g.getNumLoops() != n ||
      g.getNumParallelLoops() != n || g.getNumDpsInits() != 1 ||
      g->getNumResults() != 0 || !pureBody(g))
    return std::nullopt;
  OpOperand *out = g.getDpsInitOperand(0);
  if (!g.getMatchingIndexingMap(out).isIdentity())
    return std::nullopt;
  Value rootOut = rootOf(out->get());
  Value sumOut = sum.getDpsInits()[0];
  for (OpOperand *in : sum.getDpsInputOperands())
    if (rootOf(in->get()) == rootOut)
      return std::nullopt;
  if (rootOf(sumOut) == rootOut)
    return std::nullopt;
  std::optional<unsigned> reads;
  for (OpOperand *in : g.getDpsInputOperands()) {
    AffineMap map = g.getMatchingIndexingMap(in);
    if (in->get() == sumOut && leadingDims(map, n - 1) && !reads) {
      reads = in->getOperandNumber();
      continue;
    }
    if (!isa<MemRefType>(in->get().getType()) ||
        !map.isProjectedPermutation() ||
        (rootOf(in->get()) == rootOut && !map.isIdentity()))
      return std::nullopt;
  }
  if (!reads)
    return std::nullopt;
  return std::make_pair(g, *reads);
}

/// Block arguments of `g`'s body: loads at `ivs` where used, `given` for
/// operand `givenOperand`.
inline SmallVector<Value> bodyArgs(OpBuilder &b, Location loc, linalg::GenericOp g,
                            ArrayRef<Value> ivs, unsigned givenOperand,
                            Value given) {
  Block &body = g.getRegion().front();
  SmallVector<Value> args;
  for (OpOperand &in : g->getOpOperands()) {
    if (body.getArgument(in.getOperandNumber()).use_empty())
      args.push_back(nullptr);
    else if (in.getOperandNumber() == givenOperand)
      args.push_back(given);
    else
      args.push_back(loadOperandAt(b, loc, g, in, ivs));
  }
  return args;
}

} // namespace mlir::retention::kernel

#endif // RETENTION_CODEGEN_ROWSUMS_H
