//===- GPUGemv.cpp - split-K GEMV partials with the activations in shared -===//
//
// The partial products of retention-gpu-matmul's split-K path (a decode
// step's matmuls: few rows) as one hand-built launch:
//
//   part[s, m, n] = Σ_{k in slice s} A[m, k] · B[k, n]
//
//   grid (ceil(N / (32 V)), S, ceil(M / G)), 4 warps; V = 16 bytes of B's
//   type (4 f32, 8 bf16/f16) columns per lane, G rows of A per block (1 or
//   4). The block brings its G rows of A over its slice of K into shared
//   memory (as f32, 256 values of K per row at a time, coalesced; rows >= M
//   clamped to the last), then lane l of warp w streams columns
//   V(32 bx + l) .. + V of B over the rows k = 4w + 16j .. + 3 of each
//   staged piece (four independent 16-byte loads in flight; a warp reads 512
//   contiguous bytes of a B row) and multiplies them by the staged A values
//   (shared-memory broadcasts). The four warps' sums meet in shared memory;
//   warp r of the block then adds them for row r of the group and stores
//   its V columns of part[s] (rows < M).
//
// Every byte of B is read once per block of G rows, A once per block
// (the loop form read one A value per 16 bytes of B: a quarter more global
// bytes than the weights at bf16), and splitting K four ways inside the
// block gives four times the threads per slice of partial sums written. With
// one slice (S = 1 at run time) it writes C itself, C = A·B or C += A·B: no
// partial buffer and no second launch. With several, it can sum them too:
// each block, once its partial sums are stored (and fenced, membar.gl),
// counts itself done (atom.add on a counter of its block of columns and
// group of rows, in a zero-initialized global of the module); the block
// that counts last fences again, adds part[0..S) in slice order (the same
// order whichever block is last: deterministic), stores C through the
// epilogue and resets the counter for the next launch, which stream order
// keeps from overlapping this one. No second launch to sum the slices.
//
// With a prologue (an RMSNorm writes A: Σ_k x[m, k]² into a zero buffer,
// then A = f(x, that sum, weights) elementwise), the block first sums its
// rows of x itself (thread t takes k = t, t + 128, ..; butterfly shuffles;
// the four warps' sums in shared memory, added in one order by every
// thread), then stages f's values instead of loading A; the blocks of the
// first block of columns also store them into A for readers after the
// launch. The norm's launch and A's round trip through global memory go;
// each block reads its rows of x whole (K f32 values per row, small next
// to B), and keeps them in shared memory when they fit (16 KB: K up to
// 1024 at four rows, 4096 at one), so that staging reads x there.
//
//===----------------------------------------------------------------------===//

#include "MatmulKernels.h"

#include "IndexBuilder.h"
#include "RowSums.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/SymbolTable.h"

using namespace mlir;

namespace {
constexpr int64_t kWarps = 4;
constexpr int64_t kThreads = 32 * kWarps;
constexpr int64_t kStaged = 256; // values of K per row staged at a time
constexpr int64_t kUnroll = 4;   // rows of B per step of a warp
constexpr int64_t kMaxCache = 16384; // bytes of a prologue's rows of x kept
} // namespace

int64_t mlir::retention::mma::gemvColumns(Type w) {
  auto type = cast<MemRefType>(w);
  int64_t v = 16 / (type.getElementTypeBitWidth() / 8);
  int64_t n = type.getDimSize(1);
  while (v > 1 && (ShapedType::isDynamic(n) || n % v != 0))
    v /= 2;
  return v;
}

int64_t mlir::retention::mma::gemvThreadsPerSlice(Type w, int64_t n) {
  return kWarps * (n / gemvColumns(w));
}

void mlir::retention::mma::emitGemvPartials(OpBuilder &b, Location loc,
                                            Value a, Value w, Value part,
                                            Value m, Value rowsPerSlice,
                                            Value slices, int64_t group,
                                            bool intoC, bool accumulate,
                                            const Epilogue &epilogue) {
  emitGemvGroup(b, loc, a, {GemvJob{w, part, epilogue}}, m, rowsPerSlice,
                slices, group, intoC, accumulate);
}

void mlir::retention::mma::emitGemvGroup(OpBuilder &b, Location loc, Value a,
                                         ArrayRef<GemvJob> jobs, Value m,
                                         Value rowsPerSlice, Value slices,
                                         int64_t group, bool intoC,
                                         bool accumulate,
                                         const Prologue &prologue,
                                         int64_t sumRows) {
  kernel::IndexBuilder e(b, loc);
  auto wType = cast<MemRefType>(jobs.front().w.getType());
  const int64_t k = wType.getDimSize(0);
  // Columns per lane: the fewest any job's N allows (16 bytes of B when
  // every N is a multiple of them).
  int64_t v = gemvColumns(wType);
  for (const GemvJob &job : jobs)
    v = std::min(v, gemvColumns(job.w.getType()));
  const unsigned wAlign = v * wType.getElementTypeBitWidth() / 8;
  const unsigned fAlign = v * 4; // f32 vectors of V: sums, partials, C
  Type f32 = b.getF32Type();
  VectorType vf = VectorType::get({v}, f32);
  VectorType vw = VectorType::get({v}, wType.getElementType());
  Type aElt = cast<MemRefType>(a.getType()).getElementType();

  // Shared: staged A [G][256], then the warps' sums [4][G][32][V] (f32),
  // then (prologue) the warps' sums of the norm [4][G].
  const int64_t stagedBytes = group * kStaged * 4;
  const int64_t sumBytes = kWarps * group * 32 * v * 4;
  const int64_t normBytes = prologue ? kWarps * group * 4 : 0;
  // (sumRows) whether this block is the last of its column block: i32.
  const int64_t flagBytes = sumRows > 0 ? 4 : 0;
  // (prologue) The block's rows of the norm's input x [G][K], which both of
  // its bodies read at (m, k), when they fit in kMaxCache bytes: the norm's
  // pass reads them whole anyway, and the staging then reads them there.
  Value xValue;
  if (prologue) {
    auto sum = cast<linalg::GenericOp>(prologue.sum);
    auto apply = cast<linalg::GenericOp>(prologue.apply);
    for (OpOperand *in : sum.getDpsInputOperands())
      for (OpOperand *other : apply.getDpsInputOperands())
        if (!xValue && in->get() == other->get() &&
            sum.getMatchingIndexingMap(in).isIdentity() &&
            apply.getMatchingIndexingMap(other).isIdentity())
          xValue = in->get();
  }
  Type xElt = xValue ? cast<MemRefType>(xValue.getType()).getElementType()
                     : Type();
  if (xValue && group * k * (xElt.getIntOrFloatBitWidth() / 8) > kMaxCache)
    xValue = {};
  const int64_t cacheOffset =
      (stagedBytes + sumBytes + normBytes + flagBytes + 15) / 16 * 16;
  const int64_t cacheBytes =
      xValue ? group * k * (xElt.getIntOrFloatBitWidth() / 8) : 0;
  // Blocks of columns: each job's after the previous one's, but for a job
  // with the previous one's columns (in the same blocks, after it).
  SmallVector<SmallVector<const GemvJob *>> units;
  SmallVector<int64_t> firstBlock = {0};
  for (const GemvJob &job : jobs) {
    if (job.withPrevious && !units.empty()) {
      units.back().push_back(&job);
      continue;
    }
    units.push_back({&job});
    firstBlock.push_back(
        firstBlock.back() +
        (cast<MemRefType>(job.w.getType()).getDimSize(1) + 32 * v - 1) /
            (32 * v));
  }
  Value groups = e.div(e.add(m, group - 1), group);
  // (sumRows) The counters: one per block of columns and group of rows.
  memref::GlobalOp counters;
  if (sumRows > 0)
    counters = kernel::counterGlobal(
        b, loc, "__retention_gemv_counters",
        firstBlock.back() * ((sumRows + group - 1) / group));
  OpBuilder::InsertionGuard guard(b);
  gpu::LaunchOp launch = e.launch(e.idx(firstBlock.back()), slices, groups,
                                  kThreads,
                                  cacheBytes ? cacheOffset + cacheBytes
                                             : stagedBytes + sumBytes +
                                                   normBytes + flagBytes);
  Value staged = e.sharedView({group, kStaged}, f32, 0);
  Value sums = e.sharedView({kWarps, group, 32, v}, f32, stagedBytes);

  Value tid = launch.getThreadIds().x;
  Value lane = e.rem(tid, 32), warp = e.div(tid, 32);
  Value bx0 = launch.getBlockIds().x;
  Value s = launch.getBlockIds().y;
  Value g = launch.getBlockIds().z;
  Value lastRow = arith::SubIOp::create(b, loc, m, e.idx(1));
  SmallVector<Value> rowIn;
  for (int64_t r = 0; r < group; ++r) {
    Value row = e.add(e.mul(g, group), r);
    rowIn.push_back(group == 1 ? row : e.min(row, lastRow));
  }
  Value k1 = e.min(e.add(e.mul(s, rowsPerSlice), rowsPerSlice), e.idx(k));
  Value k0 = e.min(e.mul(s, rowsPerSlice), k1);
  Value zeros = arith::ConstantOp::create(
      b, loc, DenseElementsAttr::get(vf, b.getF32FloatAttr(0.0f)));

  // The prologue's row sums (the norm's statistic of each row of the
  // group): thread t adds columns t, t + 128, .. of the row, then the warp
  // (shuffles) and the four warps (shared memory, in one order: every
  // thread gets the same total).
  SmallVector<Value> totals;
  Value xCache = xValue ? e.sharedView({group, k}, xElt, cacheOffset) : Value();
  // The body arguments of one of the prologue's ops at (row, k) (row r of
  // the group): x from the cache when `cached` (else from global memory,
  // kept in the cache when there is one), `given` for operand `givenOperand`.
  auto prologueArgs = [&](linalg::GenericOp g, ArrayRef<Value> ivs, Value r,
                          bool cached, unsigned givenOperand, Value given) {
    Block &bodyBlock = g.getRegion().front();
    SmallVector<Value> args;
    for (OpOperand &in : g->getOpOperands()) {
      Value arg;
      if (bodyBlock.getArgument(in.getOperandNumber()).use_empty())
        arg = nullptr;
      else if (in.getOperandNumber() == givenOperand)
        arg = given;
      else if (xCache && in.get() == xValue &&
               g.getMatchingIndexingMap(&in).isIdentity()) {
        if (cached) {
          arg = memref::LoadOp::create(b, loc, xCache, ValueRange{r, ivs[1]});
        } else {
          arg = kernel::loadOperandAt(b, loc, g, in, ivs);
          memref::StoreOp::create(b, loc, arg, xCache, ValueRange{r, ivs[1]});
        }
      } else
        arg = kernel::loadOperandAt(b, loc, g, in, ivs);
      args.push_back(arg);
    }
    return args;
  };
  if (prologue) {
    auto sum = cast<linalg::GenericOp>(prologue.sum);
    Value partial = e.sharedView({kWarps, group}, f32, stagedBytes + sumBytes);
    const unsigned accArg = sum.getNumDpsInputs();
    for (int64_t r = 0; r < group; ++r) {
      auto loop = scf::ForOp::create(
          b, loc, tid, e.idx(k), e.idx(kThreads), ValueRange{e.f(0.0)},
          [&](OpBuilder &, Location, Value c, ValueRange acc) {
            SmallVector<Value> ivs = {rowIn[r], c};
            scf::YieldOp::create(
                b, loc,
                kernel::inlineBody(b, sum,
                                   prologueArgs(sum, ivs, e.idx(r),
                                                /*cached=*/false, accArg,
                                                acc[0]),
                                   ivs));
          });
      Value acc = e.warpSum(loop.getResult(0));
      auto first = scf::IfOp::create(
          b, loc, e.cmp(arith::CmpIPredicate::eq, lane, e.idx(0)));
      OpBuilder::InsertionGuard g2(b);
      b.setInsertionPointToStart(first.thenBlock());
      memref::StoreOp::create(b, loc, acc, partial,
                              ValueRange{warp, e.idx(r)});
    }
    gpu::BarrierOp::create(b, loc);
    for (int64_t r = 0; r < group; ++r) {
      Value total =
          memref::LoadOp::create(b, loc, partial, ValueRange{e.idx(0), e.idx(r)});
      for (int64_t q = 1; q < kWarps; ++q)
        total = arith::AddFOp::create(
            b, loc, total,
            memref::LoadOp::create(b, loc, partial,
                                   ValueRange{e.idx(q), e.idx(r)}));
      totals.push_back(total);
    }
  }

  // One job's blocks (`bx` counts them from its first).
  auto body = [&](const GemvJob &job, Value bx) {
    Value w = job.w, part = job.part;
    const int64_t n = cast<MemRefType>(w.getType()).getDimSize(1);
    Value col = e.mul(e.add(e.mul(bx, 32), lane), v);
    Value colIn = e.cmp(arith::CmpIPredicate::ult, col, e.idx(n));

    // Over the slice, kStaged rows of K at a time (block-uniform bounds: every
    // thread reaches the barriers).
    auto chunks = scf::ForOp::create(
        b, loc, k0, k1, e.idx(kStaged), SmallVector<Value>(group, zeros),
        [&](OpBuilder &, Location, Value kc, ValueRange accIn) {
          Value len =
              e.min(e.idx(kStaged), arith::SubIOp::create(b, loc, k1, kc));
          // Every warp is done with the previous piece.
          gpu::BarrierOp::create(b, loc);
          auto copy = scf::ForOp::create(b, loc, tid, e.mul(len, group),
                                         e.idx(kThreads));
          {
            OpBuilder::InsertionGuard g2(b);
            b.setInsertionPointToStart(copy.getBody());
            Value i = copy.getInductionVar();
            Value r = e.div(i, len), kk = e.rem(i, len);
            Value row = rowIn[0];
            Value total = prologue ? totals[0] : Value();
            for (int64_t q = 1; q < group; ++q) {
              Value isQ = e.cmp(arith::CmpIPredicate::eq, r, e.idx(q));
              row = arith::SelectOp::create(b, loc, isQ, rowIn[q], row);
              if (prologue)
                total =
                    arith::SelectOp::create(b, loc, isQ, totals[q], total);
            }
            Value x;
            if (prologue) {
              auto apply = cast<linalg::GenericOp>(prologue.apply);
              SmallVector<Value> ivs = {row, e.add(kc, kk)};
              x = kernel::inlineBody(
                  b, apply,
                  prologueArgs(apply, ivs, r, /*cached=*/true,
                               prologue.applyInput, total),
                  ivs);
            } else {
              x = memref::LoadOp::create(b, loc, a,
                                         ValueRange{row, e.add(kc, kk)});
            }
            if (prologue) {
              // A itself, for readers after the launch: from the blocks of
              // the first columns, rows < M (clamped duplicates skipped).
              Value rowOf = e.add(e.mul(g, group), r);
              auto keep = scf::IfOp::create(
                  b, loc,
                  arith::AndIOp::create(
                      b, loc, e.cmp(arith::CmpIPredicate::eq, bx0, e.idx(0)),
                      e.cmp(arith::CmpIPredicate::ult, rowOf, m)));
              OpBuilder::InsertionGuard g3(b);
              b.setInsertionPointToStart(keep.thenBlock());
              memref::StoreOp::create(b, loc, x, a,
                                      ValueRange{rowOf, e.add(kc, kk)});
            }
            if (aElt != f32)
              x = arith::ExtFOp::create(b, loc, f32, x);
            memref::StoreOp::create(b, loc, x, staged, ValueRange{r, kk});
          }
          gpu::BarrierOp::create(b, loc);
          // This lane's columns (inside N) times the staged values, over the
          // warp's rows of the piece.
          SmallVector<Type> accTypes(group, vf);
          auto mine = scf::IfOp::create(b, loc, accTypes, colIn,
                                        /*withElseRegion=*/true);
          {
            OpBuilder::InsertionGuard g2(b);
            b.setInsertionPointToStart(mine.elseBlock());
            scf::YieldOp::create(b, loc, accIn);
            b.setInsertionPointToStart(mine.thenBlock());
            auto steps = scf::ForOp::create(
                b, loc, e.mul(warp, kUnroll), len, e.idx(kUnroll * kWarps),
                accIn, [&](OpBuilder &, Location, Value kk, ValueRange acc) {
                  SmallVector<Value> bs;
                  for (int64_t u = 0; u < kUnroll; ++u) {
                    Value x = vector::LoadOp::create(
                        b, loc, vw, w, ValueRange{e.add(e.add(kc, kk), u), col},
                        /*nontemporal=*/false, llvm::MaybeAlign(wAlign));
                    bs.push_back(vw == vf ? x
                                          : arith::ExtFOp::create(b, loc, vf, x)
                                                .getResult());
                  }
                  SmallVector<Value> next(acc.begin(), acc.end());
                  for (int64_t r = 0; r < group; ++r)
                    for (int64_t u = 0; u < kUnroll; ++u) {
                      Value x = memref::LoadOp::create(
                          b, loc, staged, ValueRange{e.idx(r), e.add(kk, u)});
                      next[r] = vector::FMAOp::create(
                          b, loc, vector::BroadcastOp::create(b, loc, vf, x),
                          bs[u], next[r]);
                    }
                  scf::YieldOp::create(b, loc, next);
                });
            scf::YieldOp::create(b, loc, steps.getResults());
          }
          scf::YieldOp::create(b, loc, mine.getResults());
        });

    // The four warps' sums: into shared, then warp r adds them for row r of
    // the group (16-byte f32 stores of V columns; rows < M).
    for (int64_t r = 0; r < group; ++r)
      vector::StoreOp::create(b, loc, chunks.getResult(r), sums,
                              ValueRange{warp, e.idx(r), lane, e.idx(0)},
                              /*nontemporal=*/false, llvm::MaybeAlign(fAlign));
    gpu::BarrierOp::create(b, loc);
    Value row = e.add(e.mul(g, group), warp);
    Value store = arith::AndIOp::create(
        b, loc,
        arith::AndIOp::create(
            b, loc, colIn,
            e.cmp(arith::CmpIPredicate::ult, warp, e.idx(group))),
        e.cmp(arith::CmpIPredicate::ult, row, m));
    auto ifStore = scf::IfOp::create(b, loc, store);
    b.setInsertionPointToStart(ifStore.thenBlock());
    Value total = zeros;
    for (int64_t q = 0; q < kWarps; ++q)
      total = arith::AddFOp::create(
          b, loc, total,
          vector::LoadOp::create(b, loc, vf, sums,
                                 ValueRange{e.idx(q), warp, lane, e.idx(0)},
                                 /*nontemporal=*/false, llvm::MaybeAlign(fAlign)));
    SmallVector<Value> at = {s, row, col};
    if (intoC) {
      at.erase(at.begin());
      if (accumulate)
        total = arith::AddFOp::create(
            b, loc,
            vector::LoadOp::create(b, loc, vf, part, at, /*nontemporal=*/false,
                                   llvm::MaybeAlign(fAlign)),
            total);
    }
    if (intoC)
      job.epilogue.store(b, loc, total, part, row, col, fAlign);
    else
      vector::StoreOp::create(b, loc, total, part, at,
                              /*nontemporal=*/false, llvm::MaybeAlign(fAlign));
    b.setInsertionPointAfter(ifStore);
  };

  // (sumRows) The slices' sums, by the last block of this block of columns
  // and group of rows to finish: every thread's partial sums are visible
  // GPU-wide (fence) before thread 0 counts the block done; the block
  // that counts S - 1 reads every slice's (fence again), adds them in slice
  // order, stores C through the epilogue, and resets the counter.
  auto sumSlices = [&](ArrayRef<const GemvJob *> js, Value bx) {
    Value counter = memref::GetGlobalOp::create(
        b, loc, counters.getType(), counters.getSymName());
    Value at = e.add(e.mul(g, firstBlock.back()), bx0);
    Value flag =
        e.sharedView({1}, b.getI32Type(), stagedBytes + sumBytes + normBytes);
    Value last = e.lastToArrive(counter, at, slices, flag, tid);
    auto ifLast = scf::IfOp::create(b, loc, last);
    OpBuilder::InsertionGuard g2(b);
    b.setInsertionPointToStart(ifLast.thenBlock());
    NVVM::MembarOp::create(b, loc, NVVM::MemScopeKind::GPU);
    Value row = e.add(e.mul(g, group), warp);
    for (const GemvJob *job : js) {
      const int64_t n = cast<MemRefType>(job->w.getType()).getDimSize(1);
      Value col = e.mul(e.add(e.mul(bx, 32), lane), v);
      Value store = arith::AndIOp::create(
          b, loc,
          arith::AndIOp::create(
              b, loc, e.cmp(arith::CmpIPredicate::ult, col, e.idx(n)),
              e.cmp(arith::CmpIPredicate::ult, warp, e.idx(group))),
          e.cmp(arith::CmpIPredicate::ult, row, m));
      auto ifStore = scf::IfOp::create(b, loc, store);
      OpBuilder::InsertionGuard g3(b);
      b.setInsertionPointToStart(ifStore.thenBlock());
      Value init = accumulate ? vector::LoadOp::create(
                                    b, loc, vf, job->c, ValueRange{row, col},
                                    /*nontemporal=*/false, llvm::MaybeAlign(fAlign))
                                    .getResult()
                              : zeros;
      auto total = scf::ForOp::create(
          b, loc, e.idx(0), slices, e.idx(1), ValueRange{init},
          [&](OpBuilder &, Location, Value sl, ValueRange acc) {
            scf::YieldOp::create(
                b, loc,
                ValueRange{arith::AddFOp::create(
                    b, loc, acc[0],
                    vector::LoadOp::create(b, loc, vf, job->part,
                                           ValueRange{sl, row, col},
                                           /*nontemporal=*/false,
                                           llvm::MaybeAlign(fAlign)))});
          });
      job->epilogue.store(b, loc, total.getResult(0), job->c, row, col, fAlign);
    }
    e.resetCounter(counter, at, tid);
  };

  // The unit of this block: a block-uniform branch (the barriers inside).
  // Its jobs one after the other: a barrier between (the warps' sums of
  // the last are read before the next writes them, even without a piece
  // of K to stage).
  auto unit = [&](ArrayRef<const GemvJob *> js, Value bx) {
    for (auto [i, job] : llvm::enumerate(js)) {
      if (i != 0)
        gpu::BarrierOp::create(b, loc);
      body(*job, bx);
    }
    if (sumRows > 0)
      sumSlices(js, bx);
  };
  Value bx = launch.getBlockIds().x;
  for (size_t j = 0; j + 1 < units.size(); ++j) {
    auto mine = scf::IfOp::create(
        b, loc, e.cmp(arith::CmpIPredicate::ult, bx, e.idx(firstBlock[j + 1])),
        /*withElseRegion=*/true);
    b.setInsertionPoint(mine.thenBlock()->getTerminator());
    unit(units[j], e.sub(bx, firstBlock[j]));
    b.setInsertionPoint(mine.elseBlock()->getTerminator());
  }
  unit(units.back(), e.sub(bx, firstBlock[units.size() - 1]));
  b.setInsertionPointToEnd(&launch.getBody().back());
  gpu::TerminatorOp::create(b, loc);
}
