//===- GPUDecodeKernel.cpp - recurrent retention over few tokens ----------===//
//
// A decode step reads each (batch, head)'s f32 state S [dk, dv] once and
// writes it once; it does next to no arithmetic (2 FLOPs per state element
// and token), so it runs at the memory bandwidth or not at all. The generic
// GPU lowering (one thread per value column, looping over dk) gives a decode
// step at batch 1 only H · dv threads and scalar accesses. This pass
// rewrites `retention.recurrent` with few tokens into two parallel loops on
// buffers:
//
//   1. over (b, h, slice p, column quad c): the thread loads rows
//      [p·R, p·R + R) × columns [4c, 4c + 4) of S with 16-byte vector loads
//      into registers, runs the tokens over them
//          S_i ← γ S_i + k_t[i] v_t[4c:4c+4]
//          part_t += scale · q_t[i] · S_i
//      writes its four-column share of each output row to a partial buffer
//      [P, B, H, T, dv] and stores its S rows (16-byte vector stores);
//   2. over (b, h, t, c): o = Σ_p part[p] in the output's element type.
//
// With P = 1 (enough threads without splitting dk) loop 1 writes o itself.
// The slice count P is the smallest power of two that gives at least
// `min-threads` threads and R ≤ 16 state rows (64 registers) per thread.
// With a dynamic batch both candidates are emitted and chosen at run time:
// P for one sequence, and from the batch on which the least split (R = 16)
// already gives enough threads, that one (less partial-sum traffic: at the
// paper's head size, 16 instead of 32 slices). Thread indices run over (p, c)
// with c fastest, so a warp's loads cover 512 contiguous bytes of a state row.
// Both loops are plain scf.parallel that retention-gpu-map-parallel-loops
// maps to blocks and threads; `emulate` runs them on the host.
//
// A custom pass: the split of the dk reduction across threads with a
// register-resident state tile and vector accesses is a schedule no
// upstream tiling produces from the linalg form.
//
//===----------------------------------------------------------------------===//

#include "KernelBuffers.h"
#include "QuadLoops.h"
#include "retention/Conversion/Passes.h"
#include "retention/Dialect/Retention/IR/RetentionOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/PatternMatch.h"

#include <limits>

namespace mlir::retention {
#define GEN_PASS_DEF_RETENTIONGPUDECODEKERNELPASS
#include "retention/Conversion/Passes.h.inc"
} // namespace mlir::retention

using namespace mlir;
using namespace mlir::retention;

namespace {

using kernel::kLanes;            // value columns per thread (16 bytes of f32)
constexpr int64_t kMaxRows = 16; // state rows per thread
// At least this many rows per thread when splitting for threads: each
// thread reads its rows of q and k and a quad of v per token (per lane, a
// broadcast within the warp) and writes a partial output quad; at 8 rows
// that is under a third of the state bytes it moves.
constexpr int64_t kMinRows = 8;

/// The schedule of one op: rows per thread R and slices P = dk / R.
struct Split {
  int64_t rows, slices;
};

/// True when `op` is rewritten: static heads, tokens (at most
/// `maxTokens`), dk and dv (whole 16-byte quads), f32 state.
bool eligible(RecurrentOp op, int64_t maxTokens) {
  auto qType = cast<RankedTensorType>(op.getQ().getType());
  auto vType = cast<RankedTensorType>(op.getV().getType());
  int64_t heads = qType.getDimSize(1), tokens = qType.getDimSize(2),
          dk = qType.getDimSize(3), dv = vType.getDimSize(3);
  if (ShapedType::isDynamic(heads) || ShapedType::isDynamic(tokens) ||
      ShapedType::isDynamic(dk) || ShapedType::isDynamic(dv) ||
      tokens > maxTokens || dv % kLanes != 0)
    return false;
  if (Value s = op.getState())
    if (!cast<RankedTensorType>(s.getType()).getElementType().isF32())
      return false;
  return true;
}

/// The split for `batch` sequences: the fewest slices (a power of two
/// dividing dk) that give at least `minThreads` threads, with at most
/// kMaxRows rows per thread.
Split chooseSplit(RecurrentOp op, int64_t batch, int64_t minThreads) {
  auto qType = cast<RankedTensorType>(op.getQ().getType());
  int64_t heads = qType.getDimSize(1), dk = qType.getDimSize(3),
          dv = cast<RankedTensorType>(op.getV().getType()).getDimSize(3);
  int64_t threads = batch * heads * (dv / kLanes);
  int64_t slices = 1;
  auto canHalve = [&] { return dk % (2 * slices) == 0; };
  while (canHalve() && (dk / slices > kMaxRows ||
                        (threads * slices < minThreads && dk / slices > kMinRows)))
    slices *= 2;
  return Split{dk / slices, slices};
}

/// `few`: the split for a batch below `many` sequences (at run time when
/// the batch is dynamic), `lots` the one from `many` on (when it differs).
void rewrite(RecurrentOp op, Split few, Split lots, int64_t many) {
  OpBuilder b(op);
  Location loc = op.getLoc();
  kernel::QuadEmitter e(b, loc);
  auto qType = cast<RankedTensorType>(op.getQ().getType());
  auto vType = cast<RankedTensorType>(op.getV().getType());
  int64_t heads = qType.getDimSize(1), tokens = qType.getDimSize(2),
          dv = vType.getDimSize(3);
  int64_t cols = dv / kLanes;

  Value q = kernel::readBuffer(b, loc, op.getQ());
  Value k = kernel::readBuffer(b, loc, op.getK());
  Value v = kernel::readBuffer(b, loc, op.getV());
  Value s0 =
      op.getState() ? kernel::readBuffer(b, loc, op.getState()) : Value();
  SmallVector<float> table;
  for (double g : op.getGamma())
    table.push_back(static_cast<float>(g));
  auto tableType = RankedTensorType::get({heads}, e.f32);
  Value gammas = kernel::readBuffer(
      b, loc,
      arith::ConstantOp::create(
          b, loc, DenseElementsAttr::get(tableType, ArrayRef(table))));

  Value batch = memref::DimOp::create(b, loc, q, 0);
  SmallVector<Value> dyn;
  if (qType.isDynamicDim(0))
    dyn.push_back(batch);
  kernel::ResultBuffer o = kernel::resultBuffer(b, op, op.getO(), dyn);
  Value finalState = op.getFinalStateOrNull();
  kernel::ResultBuffer s1 = finalState
                                ? kernel::resultBuffer(b, op, finalState, dyn)
                                : kernel::ResultBuffer{};
  Value sOut = s1.memref;
  if (!sOut) { // no final state result: the state still needs a home
    auto stateType = RankedTensorType::get(
        {qType.getDimSize(0), heads, qType.getDimSize(3), dv}, e.f32);
    sOut = memref::AllocOp::create(
        b, loc, MemRefType::get(stateType.getShape(), e.f32), dyn);
  }
  double scale = op.getScale().convertToDouble();

  auto emit = [&](Split split) {
    int64_t rows = split.rows, slices = split.slices;
    Value partial = o.memref;
    if (slices > 1) {
      SmallVector<int64_t> shape = {slices, qType.getDimSize(0), heads, tokens,
                                    dv};
      partial =
          memref::AllocOp::create(b, loc, MemRefType::get(shape, e.f32), dyn);
    }
    // 1. The state pass.
    e.parallel({batch, e.idx(heads), e.idx(slices * cols)}, [&](ValueRange iv) {
      Value bi = iv[0], hi = iv[1];
      Value p = e.div(iv[2], e.idx(cols));
      Value col = e.mul(e.rem(iv[2], e.idx(cols)), kLanes);
      Value r0 = e.mul(p, rows);
      Value gamma = e.splat(memref::LoadOp::create(b, loc, gammas, hi));
      Value scaleV = arith::ConstantOp::create(
          b, loc, b.getF32FloatAttr(static_cast<float>(scale)));
      SmallVector<Value> state;
      for (int64_t i = 0; i < rows; ++i)
        state.push_back(s0 ? e.loadQuad(s0, {bi, hi, e.add(r0, e.idx(i)), col})
                           : e.zeros());
      auto loop = scf::ForOp::create(
          b, loc, e.idx(0), e.idx(tokens), e.idx(1), state,
          [&](OpBuilder &, Location, Value t, ValueRange s) {
            Value vt = e.loadQuad(v, {bi, hi, t, col});
            Value acc = e.zeros();
            SmallVector<Value> next;
            for (int64_t i = 0; i < rows; ++i) {
              Value row = e.add(r0, e.idx(i));
              Value kt = e.scalar(k, {bi, hi, t, row});
              Value qt = arith::MulFOp::create(
                  b, loc, e.scalar(q, {bi, hi, t, row}), scaleV);
              next.push_back(e.fma(
                  gamma, s[i], arith::MulFOp::create(b, loc, e.splat(kt), vt)));
              acc = e.fma(e.splat(qt), next.back(), acc);
            }
            if (slices > 1)
              e.storeQuad(acc, partial, {p, bi, hi, t, col});
            else
              e.storeQuad(acc, o.memref, {bi, hi, t, col});
            scf::YieldOp::create(b, loc, next);
          });
      for (int64_t i = 0; i < rows; ++i)
        e.storeQuad(loop.getResult(i), sOut,
                    {bi, hi, e.add(r0, e.idx(i)), col});
    });

    // 2. The partial outputs summed.
    if (slices > 1)
      e.parallel(
          {batch, e.idx(heads), e.idx(tokens * cols)}, [&](ValueRange iv) {
            Value t = e.div(iv[2], e.idx(cols));
            Value col = e.mul(e.rem(iv[2], e.idx(cols)), kLanes);
            auto sum =
                scf::ForOp::create(
                    b, loc, e.idx(0), e.idx(slices), e.idx(1),
                    ValueRange{e.zeros()},
                    [&](OpBuilder &, Location, Value p, ValueRange acc) {
                      Value x = e.loadQuad(partial, {p, iv[0], iv[1], t, col});
                      scf::YieldOp::create(
                          b, loc,
                          ValueRange{arith::AddFOp::create(b, loc, acc[0], x)});
                    })
                    .getResult(0);
            e.storeQuad(sum, o.memref, {iv[0], iv[1], t, col});
          });
  };

  // 16-byte quads of v, the states and the output: views that are only
  // element-aligned take the generic path instead (checked at run time).
  SmallVector<std::pair<unsigned, Value>> results = {
      {cast<OpResult>(op.getO()).getResultNumber(), o.memref}};
  if (finalState)
    results.push_back(
        {cast<OpResult>(finalState).getResultNumber(), s1.memref});
  scf::IfOp guard =
      kernel::ifAlignedElseGeneric(b, op, {v, s0, o.memref, sOut}, results);
  b.setInsertionPoint(guard.thenBlock()->getTerminator());

  if (few.slices == lots.slices) {
    emit(few);
  } else {
    // A dynamic batch: big batches need less splitting (less partial-sum
    // traffic), small ones more (enough threads).
    Value big = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::uge, batch,
                                      e.idx(many));
    auto branch = scf::IfOp::create(b, loc, big, /*withElseRegion=*/true);
    OpBuilder::InsertionGuard g(b);
    b.setInsertionPoint(branch.thenBlock()->getTerminator());
    emit(lots);
    b.setInsertionPoint(branch.elseBlock()->getTerminator());
    emit(few);
  }

  if (o.tensor)
    op.getO().replaceAllUsesWith(o.tensor);
  if (finalState && s1.tensor)
    finalState.replaceAllUsesWith(s1.tensor);
  op->erase();
}

struct GPUDecodeKernelPass
    : mlir::retention::impl::RetentionGPUDecodeKernelPassBase<
          GPUDecodeKernelPass> {
  using Base::Base;
  void runOnOperation() override {
    SmallVector<RecurrentOp> work;
    getOperation().walk([&](RecurrentOp op) {
      if (eligible(op, maxTokens))
        work.push_back(op);
    });
    for (RecurrentOp op : work) {
      int64_t batch = cast<RankedTensorType>(op.getQ().getType()).getDimSize(0);
      if (!ShapedType::isDynamic(batch)) {
        Split split = chooseSplit(op, batch, minThreads);
        rewrite(op, split, split, 0);
        continue;
      }
      // Dynamic: the split for one sequence, and from the batch on which
      // the least splitting (rows capped) gives enough threads.
      Split few = chooseSplit(op, 1, minThreads);
      Split lots =
          chooseSplit(op, std::numeric_limits<int32_t>::max(), minThreads);
      auto vType = cast<RankedTensorType>(op.getV().getType());
      int64_t perSeq =
          cast<RankedTensorType>(op.getQ().getType()).getDimSize(1) *
          (vType.getDimSize(3) / kLanes) * lots.slices;
      int64_t many = (minThreads + perSeq - 1) / perSeq;
      rewrite(op, few, lots, many);
    }
  }
};

} // namespace
