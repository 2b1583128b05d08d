//===- GPURowReductions.cpp - norms as block reductions, one launch each --===//
//
// The layer decomposition states a norm as two linalg.generic ops: a sum
// over the innermost loop (Σ x², per row: RMSNorm's mean square, the group
// norm's per-head one) into a zero-filled buffer, then an elementwise op
// that reads the row's sum (scale, weight, gate). The generic lowering made
// the sum one thread per row walking the row serially (2048 dependent
// loads at d = 2048) and the two ops, plus the fill, three kernels.
//
// This pass (on buffers, after retention-gpu-matmul) builds each such
// reduction as one launch, a block of W warps per row of the sum (W =
// the row's length / 64, from 1 to 4: at least two values per lane):
//
//   acc   = Σ_{r = tid, tid + 32 W, ..} body(inputs at (row, r))  per thread
//   acc  += shfl.xor(acc, 16, 8, 4, 2, 1)                         per warp
//   total = Σ_w shared[w] (+ the old value unless it was zero,
//           read before the barrier)                              per block
//   out[row] = total                                              thread 0
//
// and, when the op right after it is the elementwise generic reading the
// row's sum (same rows; its output at the loop indices, the rows checked
// equal at run time), that op too in the same block on `total`: columns
// tid, tid + 32 W, .. of the row. The zero fill (or copy of a zero buffer)
// before the sum is folded in, as for matmuls.
//
// An RMSNorm whose output only feeds a decode step's projections is not
// here by then: retention-gpu-matmul computes it inside their GEMV launch
// (this pass builds the fallback branch's copy).
//
//===----------------------------------------------------------------------===//

#include "BufferFacts.h"
#include "IndexBuilder.h"
#include "RowSums.h"
#include "retention/Conversion/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

#include <algorithm>

namespace mlir::retention {
#define GEN_PASS_DEF_RETENTIONGPUROWREDUCTIONSPASS
#include "retention/Conversion/Passes.h.inc"
} // namespace mlir::retention

using namespace mlir;
using namespace mlir::retention;
using kernel::rootOf;
using kernel::applyOf;
using kernel::bodyArgs;
using kernel::isRowSum;

namespace {

constexpr int64_t kMaxWarps = 4;

struct RowReduction {
  linalg::GenericOp sum;
  kernel::ZeroInit init;
  /// The elementwise op on the row's sum, fused when set.
  linalg::GenericOp apply;
  /// Its operand that reads the sum.
  unsigned applyInput = 0;
};

/// The launch: one block per row of the sum's output.
void emitLaunch(OpBuilder &b, Location loc, RowReduction r,
                Value rows, ArrayRef<Value> rowDims) {
  kernel::IndexBuilder e(b, loc);
  linalg::GenericOp sum = r.sum;
  Value sumOut = sum.getDpsInits()[0];
  const unsigned n = sum.getNumLoops();
  const int64_t reduced = sum.getStaticLoopRanges().back();
  // At least two values per lane, at most four warps: a short row (a small
  // model's) does not pay for idle warps' shuffles and barrier.
  const int64_t warps =
      std::clamp<int64_t>(reduced / 64, 1, kMaxWarps);
  const int64_t threads = 32 * warps;
  Type f32 = b.getF32Type();

  OpBuilder::InsertionGuard guard(b);
  gpu::LaunchOp launch = e.launch(rows, e.idx(1), e.idx(1), threads, warps * 4);
  Value partial = e.sharedView({warps}, f32, 0);

  Value tid = launch.getThreadIds().x;
  // The row's indices, the last fastest.
  SmallVector<Value> idx(n - 1);
  Value rest = launch.getBlockIds().x;
  for (int i = int(n) - 2; i >= 0; --i) {
    idx[i] = i == 0 ? rest : e.rem(rest, rowDims[i]);
    if (i > 0)
      rest = e.div(rest, rowDims[i]);
  }
  auto at = [&](Value last) {
    SmallVector<Value> ivs(idx);
    ivs.push_back(last);
    return ivs;
  };

  // This thread's share of the row.
  const unsigned accArg = sum.getNumDpsInputs();
  auto loop = scf::ForOp::create(
      b, loc, tid, e.idx(reduced), e.idx(threads), ValueRange{e.f(0.0)},
      [&](OpBuilder &, Location, Value c, ValueRange acc) {
        SmallVector<Value> ivs = at(c);
        scf::YieldOp::create(
            b, loc,
            kernel::inlineBody(b, sum,
                               bodyArgs(b, loc, sum, ivs, accArg, acc[0]),
                               ivs));
      });
  // The old value (unless it was zero), read before the block's barrier:
  // thread 0 overwrites it after.
  Value old = r.init.zero()
                  ? Value()
                  : memref::LoadOp::create(b, loc, sumOut, idx).getResult();
  // The warp's, then the block's (every thread adds the warps' in one order).
  Value total = e.blockSum(loop.getResult(0), partial, tid, warps);
  if (old)
    total = arith::AddFOp::create(b, loc, old, total);
  {
    auto first = scf::IfOp::create(
        b, loc, e.cmp(arith::CmpIPredicate::eq, tid, e.idx(0)));
    OpBuilder::InsertionGuard g(b);
    b.setInsertionPointToStart(first.thenBlock());
    memref::StoreOp::create(b, loc, total, sumOut, idx);
  }

  // The elementwise op on the row, on `total`.
  if (linalg::GenericOp apply = r.apply) {
    Value out = apply.getDpsInits()[0];
    Value cols = memref::DimOp::create(b, loc, out, n - 1);
    scf::ForOp::create(
        b, loc, tid, cols, e.idx(threads), ValueRange{},
        [&](OpBuilder &, Location, Value c, ValueRange) {
          SmallVector<Value> ivs = at(c);
          Value y = kernel::inlineBody(
              b, apply, bodyArgs(b, loc, apply, ivs, r.applyInput, total),
              ivs);
          memref::StoreOp::create(b, loc, y, out, ivs);
          scf::YieldOp::create(b, loc);
        });
  }
  gpu::TerminatorOp::create(b, loc);
}

void rewrite(RowReduction r) {
  linalg::GenericOp sum = r.sum;
  // At the elementwise op when fused: what it reads may be defined after
  // the sum (views; nothing between touches memory).
  OpBuilder b(r.apply ? r.apply.getOperation() : sum.getOperation());
  Location loc = sum.getLoc();
  kernel::IndexBuilder e(b, loc);
  Value sumOut = sum.getDpsInits()[0];
  const unsigned n = sum.getNumLoops();
  SmallVector<Value> rowDims;
  Value rows = e.idx(1);
  for (unsigned i = 0; i + 1 < n; ++i) {
    rowDims.push_back(memref::DimOp::create(b, loc, sumOut, i));
    rows = e.mul(rows, rowDims.back());
  }
  // Fused only where the elementwise op covers the same rows (checked here,
  // at run time); an empty batch launches nothing.
  Value same = arith::ConstantOp::create(b, loc, b.getBoolAttr(true));
  if (r.apply) {
    Value out = r.apply.getDpsInits()[0];
    for (unsigned i = 0; i + 1 < n; ++i)
      same = arith::AndIOp::create(
          b, loc, same,
          e.cmp(arith::CmpIPredicate::eq,
                memref::DimOp::create(b, loc, out, i), rowDims[i]));
  }
  Value go = arith::AndIOp::create(
      b, loc, same, e.cmp(arith::CmpIPredicate::ugt, rows, e.idx(0)));
  auto ifOp = scf::IfOp::create(b, loc, go, /*withElseRegion=*/true);
  {
    OpBuilder::InsertionGuard g(b);
    b.setInsertionPoint(ifOp.elseBlock()->getTerminator());
    if (r.init.zero())
      kernel::zeroFill(b, loc, sumOut);
    b.clone(*sum);
    if (r.apply)
      b.clone(*r.apply);
    b.setInsertionPoint(ifOp.thenBlock()->getTerminator());
    emitLaunch(b, loc, r, rows, rowDims);
  }
  if (r.apply)
    r.apply->erase();
  sum->erase();
  if (r.init.redundant)
    r.init.redundant->erase();
}

struct GPURowReductionsPass
    : mlir::retention::impl::RetentionGPURowReductionsPassBase<
          GPURowReductionsPass> {
  void runOnOperation() override {
    SmallVector<RowReduction> work;
    getOperation().walk([&](linalg::GenericOp g) {
      if (g->getParentOfType<scf::ParallelOp>() ||
          g->getParentOfType<scf::ForallOp>() ||
          g->getParentOfType<gpu::LaunchOp>() || !isRowSum(g))
        return;
      RowReduction r;
      r.sum = g;
      r.init = kernel::zeroInitOf(g, g.getDpsInits()[0]);
      if (auto apply = applyOf(g)) {
        r.apply = apply->first;
        r.applyInput = apply->second;
      }
      work.push_back(r);
    });
    for (RowReduction &r : work)
      rewrite(r);
    kernel::eraseUnreadFills(getOperation());
  }
};

} // namespace
