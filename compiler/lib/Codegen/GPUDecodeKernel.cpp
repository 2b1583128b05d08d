//===- GPUDecodeKernel.cpp - recurrent retention over few tokens ----------===//
//
// A decode step reads each (batch, head)'s f32 state S [dk, dv] once and
// writes it once; it does next to no arithmetic (2 FLOPs per state element
// and token), so it runs at the memory bandwidth or not at all. The generic
// GPU lowering (one thread per value column, looping over dk) gives a decode
// step at batch 1 only H · dv threads and scalar accesses. This pass
// rewrites `retention.recurrent` with few tokens into a kernel in which
// thread (b, h, slice p, column quad c) loads rows [p·R, p·R + R) ×
// columns [4c, 4c + 4) of S with 16-byte vector loads into registers, runs
// the tokens over them
//     S_i ← γ S_i + k_t[i] v_t[4c:4c+4]
//     part_t += scale · q_t[i] · S_i
// writes its four-column share of each output row to a partial buffer
// [P, B, H, T, dv] and stores its S rows (16-byte vector stores); the
// output is o = Σ_p part[p], in the output's element type.
//
// The slice count P is the smallest power of two that gives at least
// `min-threads` threads and R ≤ 16 state rows (64 registers) per thread.
// With a dynamic batch both candidates are emitted and chosen at run time:
// P for one sequence, and from the batch on which the least split (R = 16)
// already gives enough threads, that one (less partial-sum traffic: at the
// paper's head size, 16 instead of 32 slices). Items run over (p, c) with c
// fastest, so a warp's loads cover 512 contiguous bytes of a state row.
//
// With `launch` (the CUDA pipeline) each variant is one hand-built launch,
// and so is the layer around the op in a decode step:
//   - blocks of up to 256 threads, several per (b, h) when its P · dv / 4
//     items need them; the last block of a (b, h) to finish (an atomic
//     count per pair in a zero-initialized module global, reset after; a
//     barrier when the block is alone; one looping block per pair when the
//     batch needs more counters than the global has) adds the partials in
//     slice order;
//   - when o is read only by a norm (the group norm: Σ f(o) over the value
//     columns into a zero fill, then an elementwise op of o and that sum,
//     its weight and the swish gate), that block runs it over each output
//     row (a block reduction of the sum's body, then the elementwise
//     body per element) and writes its result; o is never stored;
//   - when q or k is made by an elementwise op only this op reads (the
//     rotation, through a collapse_shape), every block computes the pair's
//     q and k rows from that op's inputs (its body, inlined) into shared
//     memory and reads them there.
// Rotation, retention, the combination of the slices and the group norm
// with its gate: one launch instead of four. The generic path (views that
// are not 16-byte aligned, checked at run time) keeps every op it
// replaces. Without `launch`, two scf.parallel loops (the state pass, the
// sum of the partials) that retention-gpu-map-parallel-loops maps to
// blocks and threads; `emulate` runs them on the host.
//
// A custom pass: the split of the dk reduction across threads with a
// register-resident state tile and vector accesses is a schedule no
// upstream tiling produces from the linalg form.
//
//===----------------------------------------------------------------------===//

#include "BufferFacts.h"
#include "KernelBuffers.h"
#include "QuadLoops.h"
#include "retention/Conversion/Passes.h"
#include "retention/Dialect/Retention/IR/RetentionOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/Dominance.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/RegionUtils.h"

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

/// The norm of the output that the launch computes too: a sum over o's
/// value columns into a zero-filled row statistic (Σ o², the group norm's),
/// then an elementwise op reading o and that statistic (scale, weight,
/// swish gate) whose result replaces both. o is read by nothing else.
struct OutputNorm {
  linalg::GenericOp sum, apply;
  AffineMap oMap;      // o's indexing map in both (a permutation)
  unsigned oInSum = 0; // operand numbers of o and the statistic
  unsigned oInApply = 0, sumInApply = 0;
};

/// Whether `v` is available before `op`, after moving the side-effect-free
/// ops that compute it (a reshape of a projection's result, made after the
/// recurrent op) there.
bool availableBefore(Value v, Operation *op, DominanceInfo &dom) {
  if (dom.properlyDominates(v, op))
    return true;
  Operation *def = v.getDefiningOp();
  if (!def || def->getBlock() != op->getBlock() || !isMemoryEffectFree(def))
    return false;
  SetVector<Value> used(def->getOperands().begin(), def->getOperands().end());
  getUsedValuesDefinedAbove(def->getRegions(), used);
  for (Value operand : used)
    if (!availableBefore(operand, op, dom))
      return false;
  def->moveBefore(op);
  return true;
}

std::optional<OutputNorm> outputNormOf(RecurrentOp op) {
  Value o = op.getO();
  auto oType = cast<RankedTensorType>(o.getType());
  const unsigned rank = oType.getRank();
  linalg::GenericOp sum, apply;
  for (OpOperand &use : o.getUses()) {
    auto g = dyn_cast<linalg::GenericOp>(use.getOwner());
    if (!g || !g.hasPureTensorSemantics() || g.getNumLoops() != rank ||
        g->getNumResults() != 1 || g.getNumDpsInits() != 1 ||
        !kernel::pureBody(g))
      return std::nullopt;
    linalg::GenericOp &slot = g.getNumReductionLoops() ? sum : apply;
    if (slot)
      return std::nullopt;
    slot = g;
  }
  if (!sum || !apply || sum.getNumDpsInputs() != 1 ||
      sum.getNumReductionLoops() != 1 || apply.getNumReductionLoops() != 0)
    return std::nullopt;
  OutputNorm n{sum, apply};
  n.oInSum = 0;
  n.oMap = sum.getMatchingIndexingMap(sum.getDpsInputOperand(0));
  if (!n.oMap.isPermutation())
    return std::nullopt;
  // The sum: over o's value columns (its last dimension), f32, into a
  // zero fill, its body `f(o) + acc`.
  unsigned columns = n.oMap.getDimPosition(rank - 1);
  if (sum.getIteratorTypesArray()[columns] != utils::IteratorType::reduction)
    return std::nullopt;
  OpOperand *stat = sum.getDpsInitOperand(0);
  AffineMap statMap = sum.getMatchingIndexingMap(stat);
  auto fill = stat->get().getDefiningOp<linalg::FillOp>();
  if (!fill || !matchPattern(fill.getInputs()[0], m_AnyZeroFloat()) ||
      !cast<RankedTensorType>(stat->get().getType()).getElementType().isF32() ||
      !statMap.isProjectedPermutation() || !sum->getResult(0).hasOneUse() ||
      *sum->getResult(0).getUsers().begin() != apply)
    return std::nullopt;
  Block &sumBody = sum.getRegion().front();
  BlockArgument acc = sumBody.getArguments().back();
  auto add =
      sumBody.getTerminator()->getOperand(0).getDefiningOp<arith::AddFOp>();
  if (!add || !acc.hasOneUse() || (add.getLhs() != acc && add.getRhs() != acc))
    return std::nullopt;
  // The elementwise op: o at the same map, the statistic at the sum's
  // output map, other inputs at projections, its output at a permutation
  // (not read), dynamic only where o is (the batch).
  bool sawO = false, sawStat = false;
  for (OpOperand *in : apply.getDpsInputOperands()) {
    AffineMap map = apply.getMatchingIndexingMap(in);
    if (in->get() == o && map == n.oMap && !sawO) {
      sawO = true;
      n.oInApply = in->getOperandNumber();
    } else if (in->get() == sum->getResult(0) && map == statMap && !sawStat) {
      sawStat = true;
      n.sumInApply = in->getOperandNumber();
    } else if (!map.isProjectedPermutation() ||
               !isa<RankedTensorType>(in->get().getType())) {
      return std::nullopt;
    }
  }
  OpOperand *out = apply.getDpsInitOperand(0);
  AffineMap outMap = apply.getMatchingIndexingMap(out);
  if (!sawO || !sawStat || !outMap.isPermutation() ||
      !apply.getRegion().front().getArguments().back().use_empty())
    return std::nullopt;
  auto outType = cast<RankedTensorType>(out->get().getType());
  for (unsigned i = 0; i < rank; ++i) {
    // Output dimension i is loop d, which is o's dimension `at`.
    unsigned d = outMap.getDimPosition(i);
    unsigned at = *n.oMap.getResultPosition(getAffineDimExpr(d, op.getContext()));
    if (outType.getDimSize(i) != oType.getDimSize(at) ||
        (outType.isDynamicDim(i) && at != 0))
      return std::nullopt;
  }
  DominanceInfo dom(op->getParentOp());
  for (OpOperand *in : apply.getDpsInputOperands())
    if (in->get() != o && in->get() != sum->getResult(0) &&
        !availableBefore(in->get(), op, dom))
      return std::nullopt;
  // (The generic path clones the norm's ops after the op: their inits too.)
  // The bodies run in the launch: what they capture too.
  SetVector<Value> captured;
  getUsedValuesDefinedAbove(sum.getRegion(), captured);
  getUsedValuesDefinedAbove(apply.getRegion(), captured);
  captured.insert(stat->get());
  captured.insert(out->get());
  for (Value v : captured)
    if (!availableBefore(v, op, dom))
      return std::nullopt;
  return n;
}

/// q or k made by an elementwise op that only the recurrent op reads
/// (the rotation), possibly through a collapse_shape: the kernel computes
/// the elements it needs from that op's inputs instead of loading them
/// (the rotation's launch and its output's round trip go).
struct Producer {
  tensor::CollapseShapeOp collapse; // null when q or k is the op's result
  linalg::GenericOp generic;
  unsigned result = 0;
  DenseMap<unsigned, Value> inputs; // operand number → its buffer (set later)
};

std::optional<Producer> producerOf(Value operand, RecurrentOp op) {
  Producer p;
  Value v = operand;
  if ((p.collapse = v.getDefiningOp<tensor::CollapseShapeOp>())) {
    auto src = cast<RankedTensorType>(p.collapse.getSrc().getType());
    for (ReassociationIndices group : p.collapse.getReassociationIndices())
      for (int64_t d : ArrayRef(group).drop_front())
        if (src.isDynamicDim(d))
          return std::nullopt;
    v = p.collapse.getSrc();
  }
  p.generic = v.getDefiningOp<linalg::GenericOp>();
  if (!p.generic || !p.generic.hasPureTensorSemantics() ||
      p.generic.getNumParallelLoops() != p.generic.getNumLoops() ||
      !kernel::pureBody(p.generic))
    return std::nullopt;
  p.result = cast<OpResult>(v).getResultNumber();
  if (!p.generic.getIndexingMapMatchingResult(cast<OpResult>(v))
           .isPermutation())
    return std::nullopt;
  for (BlockArgument arg : p.generic.getRegionOutputArgs())
    if (!arg.use_empty())
      return std::nullopt;
  // Inputs at loop indices or constants (a rotation reads the pair
  // (x[2i], x[2i + 1]) as two inputs at [.., i, 0] and [.., i, 1]).
  for (OpOperand *in : p.generic.getDpsInputOperands())
    for (AffineExpr r : p.generic.getMatchingIndexingMap(in).getResults())
      if (!isa<AffineDimExpr, AffineConstantExpr>(r))
        return std::nullopt;
  // Read by the recurrent op only (through collapses read by it only), so
  // that it goes once the op does.
  for (Value r : p.generic->getResults())
    for (Operation *user : r.getUsers()) {
      if (user == op.getOperation())
        continue;
      auto c = dyn_cast<tensor::CollapseShapeOp>(user);
      if (!c || llvm::any_of(c->getUsers(), [&](Operation *u) {
            return u != op.getOperation();
          }))
        return std::nullopt;
    }
  return p;
}

/// Element `idx` (b, h, t, i) of the value `p` makes: the collapsed index
/// split by the source's sizes, the op's loops at it, its inputs loaded
/// there and its body run.
Value computeAt(OpBuilder &b, Location loc, const Producer &p,
                ArrayRef<Value> idx) {
  kernel::IndexBuilder e(b, loc);
  SmallVector<Value> at(idx.begin(), idx.end());
  if (tensor::CollapseShapeOp collapse = p.collapse) {
    auto src = cast<RankedTensorType>(collapse.getSrc().getType());
    at.assign(src.getRank(), Value());
    for (auto [i, group] :
         llvm::enumerate(collapse.getReassociationIndices())) {
      Value rest = idx[i];
      for (int64_t d : llvm::reverse(ArrayRef(group).drop_front())) {
        at[d] = e.rem(rest, src.getDimSize(d));
        rest = e.div(rest, src.getDimSize(d));
      }
      at[group.front()] = rest;
    }
  }
  linalg::GenericOp g = p.generic;
  AffineMap outMap = g.getIndexingMapMatchingResult(g->getResult(p.result));
  SmallVector<Value> ivs(g.getNumLoops());
  for (unsigned j = 0; j < outMap.getNumResults(); ++j)
    ivs[outMap.getDimPosition(j)] = at[j];
  SmallVector<Value> args(g->getNumOperands());
  for (auto [number, buffer] : p.inputs) {
    SmallVector<Value> where;
    for (AffineExpr r : g.getIndexingMapsArray()[number].getResults())
      where.push_back(isa<AffineConstantExpr>(r)
                          ? e.idx(cast<AffineConstantExpr>(r).getValue())
                          : ivs[cast<AffineDimExpr>(r).getPosition()]);
    args[number] = memref::LoadOp::create(b, loc, buffer, where);
  }
  return kernel::inlineBody(b, g, args, ivs, p.result);
}

/// Threads of a launch's block; blocks per (batch, head) when the counters
/// cover every pair (kCounters of them), one that loops otherwise.
constexpr int64_t kBlockThreads = 256;
constexpr int64_t kCounters = 4096;
/// Most shared memory for q and k computed in the launch (dk 256 at 16
/// tokens); beyond it each thread computes the rows it reads.
constexpr int64_t kMaxStagedQK = 32 * 1024;
/// Most shared memory for the partial outputs of a pair one block holds.
constexpr int64_t kMaxSharedPartials = 16 * 1024;

/// `few`: the split for a batch below `many` sequences (at run time when
/// the batch is dynamic), `lots` the one from `many` on (when it differs).
/// `asLaunch`: one hand-built launch per variant (the output's norm fused
/// in when `outputNormOf` finds one), else scf.parallel loops.
void rewrite(RecurrentOp op, Split few, Split lots, int64_t many,
             bool asLaunch) {
  std::optional<OutputNorm> norm =
      asLaunch ? outputNormOf(op) : std::nullopt;
  OpBuilder b(op);
  Location loc = op.getLoc();
  kernel::QuadEmitter e(b, loc);
  auto qType = cast<RankedTensorType>(op.getQ().getType());
  auto vType = cast<RankedTensorType>(op.getV().getType());
  auto oType = cast<RankedTensorType>(op.getO().getType());
  int64_t heads = qType.getDimSize(1), tokens = qType.getDimSize(2),
          dv = vType.getDimSize(3);
  int64_t cols = dv / kLanes;

  // q and k from their buffers, or computed from the rotation's inputs.
  std::optional<Producer> qMade = producerOf(op.getQ(), op);
  std::optional<Producer> kMade = producerOf(op.getK(), op);
  for (std::optional<Producer> *made : {&qMade, &kMade})
    if (*made)
      for (OpOperand *in : (*made)->generic.getDpsInputOperands())
        if (!(*made)->generic.getRegion()
                 .front()
                 .getArgument(in->getOperandNumber())
                 .use_empty())
          (*made)->inputs[in->getOperandNumber()] =
              kernel::readBuffer(b, loc, in->get());
  Value q = qMade ? Value() : kernel::readBuffer(b, loc, op.getQ());
  Value k = kMade ? Value() : kernel::readBuffer(b, loc, op.getK());
  auto element = [&](const std::optional<Producer> &made, Value buffer,
                     ArrayRef<Value> idx) {
    if (!made)
      return e.scalar(buffer, idx);
    return e.toF32(computeAt(b, loc, *made, idx));
  };
  Value v = kernel::readBuffer(b, loc, op.getV());
  Value s0 =
      op.getState() ? kernel::readBuffer(b, loc, op.getState()) : Value();
  ArrayRef<double> gammaList = op.getGamma();
  Value gammas;
  if (!asLaunch) {
    // A table the loops index (a device global once they are kernels).
    SmallVector<float> table;
    for (double g : gammaList)
      table.push_back(static_cast<float>(g));
    auto tableType = RankedTensorType::get({heads}, e.f32);
    gammas = kernel::readBuffer(
        b, loc,
        arith::ConstantOp::create(
            b, loc, DenseElementsAttr::get(tableType, ArrayRef(table))));
  }

  Value batch = memref::DimOp::create(b, loc, v, 0);
  SmallVector<Value> dyn;
  if (qType.isDynamicDim(0))
    dyn.push_back(batch);
  // With the norm fused in, o itself is never stored: its readers go.
  kernel::ResultBuffer o =
      norm ? kernel::ResultBuffer{}
           : kernel::resultBuffer(b, op, op.getO(), dyn);
  kernel::ResultBuffer normed;
  DenseMap<unsigned, Value> applyInputs; // the norm's other inputs
  if (norm) {
    Value result = norm->apply->getResult(0);
    SmallVector<Value> normDyn;
    if (cast<RankedTensorType>(result.getType()).isDynamicDim(0) ||
        llvm::any_of(cast<RankedTensorType>(result.getType()).getShape(),
                     ShapedType::isDynamic))
      normDyn.push_back(batch); // only the batch is (outputNormOf)
    normed = kernel::resultBuffer(b, op, result, normDyn);
    for (OpOperand *in : norm->apply.getDpsInputOperands())
      if (in->getOperandNumber() != norm->oInApply &&
          in->getOperandNumber() != norm->sumInApply &&
          !norm->apply.getRegion()
               .front()
               .getArgument(in->getOperandNumber())
               .use_empty())
        applyInputs[in->getOperandNumber()] =
            kernel::readBuffer(b, loc, in->get());
  }
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

  // One thread's state tile: rows [p·R, p·R + R) × columns [col, col + 4)
  // of (bi, hi)'s state, run over the tokens; `store(t, acc)` takes its
  // share of output row t.
  auto statePass = [&](Value bi, Value hi, Value p, Value col, Value gamma,
                       int64_t rows, function_ref<void(Value, Value)> store,
                       function_ref<Value(unsigned, Value, Value)> qk) {
    Value r0 = e.mul(p, rows);
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
            Value kt = qk(1, t, row);
            Value qt = arith::MulFOp::create(b, loc, qk(0, t, row), scaleV);
            next.push_back(e.fma(
                gamma, s[i], arith::MulFOp::create(b, loc, e.splat(kt), vt)));
            acc = e.fma(e.splat(qt), next.back(), acc);
          }
          store(t, acc);
          scf::YieldOp::create(b, loc, next);
        });
    for (int64_t i = 0; i < rows; ++i)
      e.storeQuad(loop.getResult(i), sOut,
                  {bi, hi, e.add(r0, e.idx(i)), col});
  };

  // The loops (what `emulate` runs).
  auto emitLoops = [&](Split split) {
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
      Value gamma = e.splat(memref::LoadOp::create(b, loc, gammas, hi));
      statePass(
          bi, hi, p, col, gamma, rows,
          [&](Value t, Value acc) {
            if (slices > 1)
              e.storeQuad(acc, partial, {p, bi, hi, t, col});
            else
              e.storeQuad(acc, o.memref, {bi, hi, t, col});
          },
          [&](unsigned which, Value t, Value row) {
            return which == 0 ? element(qMade, q, {bi, hi, t, row})
                              : element(kMade, k, {bi, hi, t, row});
          });
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

  // One launch: blocks of kBlockThreads threads (fewer when a (batch,
  // head) has fewer items), `blocks` of them per (batch, head), each
  // taking a run of its (slice, column quad) items (c fastest). With
  // several slices or the norm, the partial outputs meet in the last block
  // of the (batch, head) (lastToArrive on `counters`, or a barrier when
  // the block is alone): it adds them in slice order, and stores o or
  // runs the norm over each output row (a block reduction of the sum's
  // body, then the elementwise op's body per element).
  auto partialsShared = [&](int64_t slices) {
    return slices * tokens * dv * 4 <= kMaxSharedPartials;
  };
  auto emitLaunch = [&](Split split, int64_t blocks, Value partial,
                        memref::GlobalOp counters) {
    int64_t rows = split.rows, slices = split.slices;
    int64_t items = slices * cols;
    int64_t threads =
        std::min<int64_t>(kBlockThreads, llvm::alignTo(items, 32));
    int64_t per = llvm::divideCeil(items, blocks * threads) * threads;
    int64_t warps = threads / 32;
    bool combine = slices > 1 || norm;
    // q and k computed in the launch (rotated): each block computes its
    // (batch, head)'s rows once, into shared memory (f32), when they fit.
    int64_t dk = qType.getDimSize(3);
    int64_t sumBytes = llvm::alignTo(warps * 4 + 4, 16);
    int64_t qkBytes = 2 * tokens * dk * 4;
    bool stage = (qMade || kMade) && qkBytes <= kMaxStagedQK;
    // Shared memory: the warps' sums and the flag, q and k (staged), the
    // partials (one block per pair, when they fit), the row of o the
    // norm reads twice.
    bool sharedPartials = combine && blocks == 1 && partialsShared(slices);
    int64_t qkOffset = sumBytes;
    int64_t partialOffset = qkOffset + (stage ? qkBytes : 0);
    int64_t rowOffset =
        partialOffset + (sharedPartials ? slices * tokens * dv * 4 : 0);
    int64_t smemBytes = rowOffset + (norm ? dv * 4 : 0);
    OpBuilder::InsertionGuard guard(b);
    gpu::LaunchOp launch =
        e.launch(e.mul(batch, heads * blocks), e.idx(1), e.idx(1), threads,
                 smemBytes);
    Value sums = e.sharedView({warps}, e.f32, 0);
    Value flag = e.sharedView({1}, b.getI32Type(), warps * 4);
    Value tid = launch.getThreadIds().x;
    Value bid = launch.getBlockIds().x;
    Value bh = e.div(bid, blocks), blk = e.rem(bid, blocks);
    Value bi = e.div(bh, heads), hi = e.rem(bh, heads);
    // γ of the head: a chain of selects (no table in device memory).
    Value gamma = e.f(gammaList.back());
    for (int64_t h = heads - 2; h >= 0; --h)
      gamma = arith::SelectOp::create(
          b, loc, e.cmp(arith::CmpIPredicate::eq, hi, e.idx(h)),
          e.f(gammaList[h]), gamma);
    gamma = e.splat(gamma);
    auto qkAt = [&](unsigned which, Value t, Value row) {
      return which == 0 ? element(qMade, q, {bi, hi, t, row})
                        : element(kMade, k, {bi, hi, t, row});
    };
    Value staged;
    if (stage) {
      staged = e.sharedView({2, tokens, dk}, e.f32, qkOffset);
      auto fill = scf::ForOp::create(b, loc, tid, e.idx(tokens * dk),
                                     e.idx(threads));
      {
        OpBuilder::InsertionGuard g(b);
        b.setInsertionPointToStart(fill.getBody());
        Value i = fill.getInductionVar();
        Value t = e.div(i, dk), row = e.rem(i, dk);
        // Both computed before either is stored: the loads they share
        // (the rotation's table) are one load.
        Value both[2] = {qkAt(0, t, row), qkAt(1, t, row)};
        for (unsigned which = 0; which < 2; ++which)
          memref::StoreOp::create(b, loc, both[which], staged,
                                  ValueRange{e.idx(which), t, row});
      }
      gpu::BarrierOp::create(b, loc);
    }

    Value shared =
        sharedPartials
            ? e.sharedView({slices, tokens, dv}, e.f32, partialOffset)
            : Value();
    auto partialAt = [&](Value p, Value t, Value col) -> SmallVector<Value> {
      if (shared)
        return {p, t, col};
      return {p, bi, hi, t, col};
    };
    Value partials = shared ? shared : partial;

    Value first = e.add(e.mul(blk, per), tid);
    Value end = e.min(e.add(e.mul(blk, per), e.idx(per)), e.idx(items));
    auto mine = scf::ForOp::create(b, loc, first, end, e.idx(threads));
    {
      OpBuilder::InsertionGuard g(b);
      b.setInsertionPointToStart(mine.getBody());
      Value it = mine.getInductionVar();
      Value p = e.div(it, cols);
      Value col = e.mul(e.rem(it, cols), kLanes);
      statePass(
          bi, hi, p, col, gamma, rows,
          [&](Value t, Value acc) {
            if (combine)
              e.storeQuad(acc, partials, partialAt(p, t, col));
            else
              e.storeQuad(acc, o.memref, {bi, hi, t, col});
          },
          [&](unsigned which, Value t, Value row) {
            return staged ? memref::LoadOp::create(
                                b, loc, staged, ValueRange{e.idx(which), t, row})
                                .getResult()
                          : qkAt(which, t, row);
          });
    }
    if (!combine) {
      gpu::TerminatorOp::create(b, loc);
      return;
    }
    Value counter;
    if (blocks > 1) {
      counter = memref::GetGlobalOp::create(b, loc, counters.getType(),
                                            counters.getSymName());
      Value last = e.lastToArrive(counter, bh, e.idx(blocks), flag, tid);
      auto ifLast = scf::IfOp::create(b, loc, last);
      b.setInsertionPointToStart(ifLast.thenBlock());
      NVVM::MembarOp::create(b, loc, NVVM::MemScopeKind::GPU);
    } else {
      gpu::BarrierOp::create(b, loc);
    }
    Value row = norm ? e.sharedView({dv}, e.f32, rowOffset) : Value();
    // Output row t's quad j: the slices' partial sums in slice order, in
    // o's element type when the norm reads it.
    Type oElt = oType.getElementType();
    auto quadOf = [&](Value t, Value j) {
      Value col = e.mul(j, kLanes);
      Value total = e.loadQuad(partials, partialAt(e.idx(0), t, col));
      for (int64_t p = 1; p < slices; ++p)
        total = arith::AddFOp::create(
            b, loc, total, e.loadQuad(partials, partialAt(e.idx(p), t, col)));
      if (norm && oElt != e.f32)
        total = arith::TruncFOp::create(
            b, loc, VectorType::get({kLanes}, oElt), total);
      return total;
    };
    // The loop indices of the norm's ops at o[bi, hi, t, c].
    auto loopsAt = [&](Value t, Value c) {
      SmallVector<Value> oIdx = {bi, hi, t, c}, ivs(4);
      for (unsigned i = 0; i < 4; ++i)
        ivs[norm->oMap.getDimPosition(i)] = oIdx[i];
      return ivs;
    };
    auto quads = [&](ValueRange init,
                     function_ref<SmallVector<Value>(Value, ValueRange)> body) {
      return scf::ForOp::create(
          b, loc, tid, e.idx(cols), e.idx(threads), init,
          [&](OpBuilder &, Location, Value j, ValueRange acc) {
            scf::YieldOp::create(b, loc, body(j, acc));
          });
    };
    scf::ForOp::create(
        b, loc, e.idx(0), e.idx(tokens), e.idx(1), ValueRange{},
        [&](OpBuilder &, Location, Value t, ValueRange) {
          if (!norm) {
            quads({}, [&](Value j, ValueRange) {
              e.storeQuad(quadOf(t, j), o.memref,
                          {bi, hi, t, e.mul(j, kLanes)});
              return SmallVector<Value>{};
            });
            scf::YieldOp::create(b, loc);
            return;
          }
          // The row statistic: each thread's quads through the sum's
          // body, then the warp (shuffles) and the warps (shared memory,
          // one order: every thread gets the same total).
          const unsigned accArg = norm->sum.getNumDpsInputs();
          // Each thread keeps its quads of the row (as rounded) for the
          // second pass: the same thread reads them back.
          auto own = quads({e.f(0.0)}, [&](Value j, ValueRange acc) {
            Value quad = quadOf(t, j);
            vector::StoreOp::create(b, loc, e.toF32Quad(quad), row,
                                    ValueRange{e.mul(j, kLanes)});
            Value total = acc[0];
            for (int64_t l = 0; l < kLanes; ++l) {
              SmallVector<Value> ivs = loopsAt(t, e.add(e.mul(j, kLanes), l));
              SmallVector<Value> args(accArg + 1);
              args[norm->oInSum] = vector::ExtractOp::create(b, loc, quad, l);
              args[accArg] = total;
              total = kernel::inlineBody(b, norm->sum, args, ivs);
            }
            return SmallVector<Value>{total};
          });
          Value total = e.blockSum(own.getResult(0), sums, tid, warps);
          // Read by every thread before the next row writes them.
          gpu::BarrierOp::create(b, loc);
          // The elementwise op, element by element.
          linalg::GenericOp apply = norm->apply;
          AffineMap outMap =
              apply.getMatchingIndexingMap(apply.getDpsInitOperand(0));
          quads({}, [&](Value j, ValueRange) {
            Value quad = vector::LoadOp::create(
                b, loc, e.quad, row, ValueRange{e.mul(j, kLanes)});
            if (oElt != e.f32)
              quad = arith::TruncFOp::create(
                  b, loc, VectorType::get({kLanes}, oElt), quad);
            SmallVector<std::pair<Value, SmallVector<Value>>> results;
            for (int64_t l = 0; l < kLanes; ++l) {
              SmallVector<Value> ivs = loopsAt(t, e.add(e.mul(j, kLanes), l));
              SmallVector<Value> args(apply->getNumOperands());
              args[norm->oInApply] = vector::ExtractOp::create(b, loc, quad, l);
              args[norm->sumInApply] = total;
              for (auto [number, buffer] : applyInputs) {
                SmallVector<Value> at;
                for (AffineExpr r :
                     apply.getIndexingMapsArray()[number].getResults())
                  at.push_back(ivs[cast<AffineDimExpr>(r).getPosition()]);
                args[number] = memref::LoadOp::create(b, loc, buffer, at);
              }
              SmallVector<Value> at;
              for (AffineExpr r : outMap.getResults())
                at.push_back(ivs[cast<AffineDimExpr>(r).getPosition()]);
              results.push_back(
                  {kernel::inlineBody(b, apply, args, ivs), std::move(at)});
            }
            // Stored after the four are computed: the loads they share
            // (the row's scale) are one load.
            for (auto &[y, at] : results)
              memref::StoreOp::create(b, loc, y, normed.memref, at);
            return SmallVector<Value>{};
          });
          scf::YieldOp::create(b, loc);
        });
    if (blocks > 1) {
      e.resetCounter(counter, bh, tid);
      b.setInsertionPointToEnd(&launch.getBody().back());
    }
    gpu::TerminatorOp::create(b, loc);
  };

  auto emit = [&](Split split) {
    if (!asLaunch)
      return emitLoops(split);
    int64_t slices = split.slices;
    int64_t items = slices * cols;
    int64_t threads =
        std::min<int64_t>(kBlockThreads, llvm::alignTo(items, 32));
    int64_t blocks = llvm::divideCeil(items, threads);
    bool combine = slices > 1 || norm;
    Value partial;
    // (A block that holds its pair whole keeps the partials in shared
    // memory when they fit.)
    if (combine && !(blocks == 1 && partialsShared(slices))) {
      SmallVector<int64_t> shape = {slices, qType.getDimSize(0), heads, tokens,
                                    dv};
      partial =
          memref::AllocOp::create(b, loc, MemRefType::get(shape, e.f32), dyn);
    }
    if (blocks == 1 || !combine)
      return emitLaunch(split, blocks, partial, {});
    // Several blocks per (batch, head) while the counters cover every pair;
    // beyond that (a batch that fills the GPU anyway) one block each.
    memref::GlobalOp counters = kernel::counterGlobal(
        b, loc, "__retention_decode_counters", kCounters);
    Value fits = e.cmp(arith::CmpIPredicate::ule, e.mul(batch, heads),
                       e.idx(kCounters));
    auto branch = scf::IfOp::create(b, loc, fits, /*withElseRegion=*/true);
    OpBuilder::InsertionGuard g(b);
    b.setInsertionPoint(branch.thenBlock()->getTerminator());
    emitLaunch(split, blocks, partial, counters);
    b.setInsertionPoint(branch.elseBlock()->getTerminator());
    emitLaunch(split, 1, partial, {});
  };

  // 16-byte quads of v, the states and the output: views that are only
  // element-aligned take the generic path instead (checked at run time).
  // With the norm fused in, that path runs the norm's ops after the op.
  SmallVector<std::pair<unsigned, Value>> results;
  if (o.memref)
    results.push_back({cast<OpResult>(op.getO()).getResultNumber(), o.memref});
  if (finalState)
    results.push_back(
        {cast<OpResult>(finalState).getResultNumber(), s1.memref});
  scf::IfOp guard = kernel::ifAlignedElseGeneric(
      b, op, {v, s0, o.memref, sOut}, results, [&](Operation *generic) {
        // The generic path computes q and k itself, from the same inputs.
        {
          OpBuilder::InsertionGuard g(b);
          b.setInsertionPoint(generic);
          for (auto [made, operand] :
               {std::pair(&qMade, op.getQ()), std::pair(&kMade, op.getK())}) {
            if (!*made)
              continue;
            Operation *rot = b.clone(*(*made)->generic);
            Value value = rot->getResult((*made)->result);
            if ((*made)->collapse) {
              IRMapping map;
              map.map((*made)->collapse.getSrc(), value);
              value = b.clone(*(*made)->collapse, map)->getResult(0);
            }
            generic->replaceUsesOfWith(operand, value);
          }
        }
        if (!norm)
          return;
        IRMapping map;
        map.map(op.getO(),
                generic->getResult(cast<OpResult>(op.getO()).getResultNumber()));
        Operation *sum = b.clone(*norm->sum, map);
        map.map(norm->sum->getResult(0), sum->getResult(0));
        Operation *apply = b.clone(*norm->apply, map);
        auto mat = bufferization::MaterializeInDestinationOp::create(
            b, loc, apply->getResult(0), normed.memref);
        mat.setRestrict(true);
        mat.setWritable(true);
      });
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

  if (norm) {
    Value result = norm->apply->getResult(0);
    if (normed.tensor)
      result.replaceAllUsesWith(normed.tensor);
    norm->apply->erase();
    norm->sum->erase();
  }
  if (o.tensor)
    op.getO().replaceAllUsesWith(o.tensor);
  if (finalState && s1.tensor)
    finalState.replaceAllUsesWith(s1.tensor);
  op->erase();
}

/// gpu.barrier and nvvm.memory.barrier order the memory accesses of the
/// threads around them: they read and write memory. Upstream declares no
/// effects for them, and buffer deallocation (which runs after this pass,
/// over the launches it builds on tensors) refuses ops of unknown effects;
/// this model states theirs. (BufferFacts::mayWrite knows they write no
/// buffer themselves.)
template <typename OpT>
struct OrdersMemory
    : MemoryEffectOpInterface::ExternalModel<OrdersMemory<OpT>, OpT> {
  void getEffects(
      Operation *,
      SmallVectorImpl<SideEffects::EffectInstance<MemoryEffects::Effect>>
          &effects) const {
    effects.emplace_back(MemoryEffects::Read::get());
    effects.emplace_back(MemoryEffects::Write::get());
  }
};

struct GPUDecodeKernelPass
    : mlir::retention::impl::RetentionGPUDecodeKernelPassBase<
          GPUDecodeKernelPass> {
  using Base::Base;
  void getDependentDialects(DialectRegistry &registry) const override {
    Base::getDependentDialects(registry);
    registry.addExtension(+[](MLIRContext *ctx, gpu::GPUDialect *) {
      gpu::BarrierOp::attachInterface<OrdersMemory<gpu::BarrierOp>>(*ctx);
    });
    registry.addExtension(+[](MLIRContext *ctx, NVVM::NVVMDialect *) {
      NVVM::MembarOp::attachInterface<OrdersMemory<NVVM::MembarOp>>(*ctx);
    });
  }
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
        rewrite(op, split, split, 0, launch);
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
      rewrite(op, few, lots, many, launch);
    }
  }
};

} // namespace
