//===- GPUMatmul.cpp - matmuls: split-K GEMV or register tiles ----------===//
//
// In a decode step every weight matmul has as many rows as sequences in the
// batch (often one), and reading the weights is all its cost. The generic
// lowering (retention-gpu-lower-linalg) gives it one thread per output
// element, each walking K: N threads at batch 1, with one load in flight
// each, far below what saturates HBM; in a prefill it does one FMA per two
// loads. This pass gives a matmul C[M,N] += A[M,K] · B[K,N] (B row-major;
// C f32; B f32, bf16 or f16, A f32 or B's type, 16-bit values widened to f32
// as they load) a run-time choice:
//
//   if (B's and C's rows are aligned to a quad: 16 bytes of f32, 8 of bf16) {
//     if (M <= max-rows) {        // split-K GEMV
//       S = slices of K (a power of two, from M and N: enough threads;
//           at most K·eb/64, so partial sums stay small next to B);
//       R = rows per slice (a multiple of 4)
//       parallel (g, s, j):  part[s, m, 4j:4j+4] = Σ_{k in slice s} A[m,k] B[k,
//       4j:4j+4] for the four rows m of group g
//                            (quad loads of B, four rows of B per step,
//                            each quad used for the group's four rows)
//       parallel (m, j):     C[m, 4j:4j+4] += Σ_s part[s, m, 4j:4j+4]
//     } else                      // register tiles
//       parallel (i, j):     C[4i:4i+4, 4j:4j+4] += A[4i:4i+4, :] B[:, 4j:4j+4]
//   } else
//     the matmul as it was
//
// With option mma-min-rows > 0, A and B of one 16-bit type and more rows
// than that (rows of A and B 16-byte aligned), the matmul is instead one
// launch on tensor cores (GPUMatmulMMA.cpp), checked first.
//
// Matmuls of one A next to each other (a layer's q, k, v and g projections,
// each C zero first, none writing what another reads) run at few rows as
// one GEMV launch over all their columns (rewriteGroup), split K or not;
// with the GEMV kernel, several slices are summed by the launch's last
// block per block of columns (GPUGemv.cpp), not by a second launch, and an
// RMSNorm writing A right before runs inside the launch (normOf).
//
// A zero fill of C right before the matmul (or a copy into C of a buffer
// zero-filled earlier, what bufferization makes of a fill that several
// matmuls share) is folded in: the kernels then write C = A·B without
// reading C, and the fill's (or copy's) kernel is gone.
//
// with j (four columns each) the fastest loop index, so a warp reads 512
// contiguous bytes of a B row. The loops are scf.parallel that
// retention-gpu-map-parallel-loops maps to the grid; the partial buffer is
// allocated here and freed after the sum (retention-gpu-place-buffers puts
// it in device memory).
//
//===----------------------------------------------------------------------===//

#include "BufferFacts.h"
#include "KernelBuffers.h"
#include "MatmulKernels.h"
#include "QuadLoops.h"
#include "RowSums.h"
#include "retention/Conversion/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

namespace mlir::retention {
#define GEN_PASS_DEF_RETENTIONGPUMATMULPASS
#include "retention/Conversion/Passes.h.inc"
} // namespace mlir::retention

using namespace mlir;
using namespace mlir::retention;

namespace {

using kernel::kLanes;
using kernel::rootOf;
using kernel::ZeroInit;
constexpr int64_t kUnroll = 4; // B rows loaded per step

/// A rank-2 row-major buffer of f32 (or, with `sixteen`, also bf16/f16).
bool rowMajor(Value v, bool sixteen) {
  auto type = dyn_cast<MemRefType>(v.getType());
  if (!type || type.getRank() != 2)
    return false;
  Type et = type.getElementType();
  if (!et.isF32() && !(sixteen && (et.isBF16() || et.isF16())))
    return false;
  return type.getStridesAndOffset().first[1] == 1;
}

/// Bytes of one quad (kLanes elements) of `v`'s element type: the alignment
/// its vector loads need.
int64_t quadBytes(Value v) {
  return kLanes * cast<MemRefType>(v.getType()).getElementTypeBitWidth() / 8;
}

/// C += A·B with a 4 x 4 register tile per thread: four rows of A (the last
/// tile clamps its row indices and stores only rows < M) times one 16-byte
/// column quad of B per step of K: 16 FMAs per four A loads and one B load,
/// where one thread per output element does one FMA per two loads.
void emitTiled(kernel::QuadEmitter &e, Value a, Value w, Value c, Value m,
               int64_t k, int64_t quads, bool zeroC,
               const mma::Epilogue &epilogue) {
  OpBuilder &b = e.b;
  Location loc = e.loc;
  constexpr int64_t kRows = 4;
  Value tiles = e.div(e.add(m, e.idx(kRows - 1)), e.idx(kRows));
  Value last = arith::SubIOp::create(b, loc, e.max(m, e.idx(1)), e.idx(1));
  e.parallel({tiles, e.idx(quads)}, [&](ValueRange iv) {
    Value col = e.mul(iv[1], kLanes);
    SmallVector<Value> rowsOf;
    for (int64_t r = 0; r < kRows; ++r)
      rowsOf.push_back(e.min(e.add(e.mul(iv[0], kRows), e.idx(r)), last));
    SmallVector<Value> init(kRows, e.zeros());
    auto loop = scf::ForOp::create(
        b, loc, e.idx(0), e.idx(k), e.idx(1), init,
        [&](OpBuilder &, Location, Value kk, ValueRange acc) {
          Value bq = e.loadQuad(w, {kk, col});
          SmallVector<Value> next;
          for (int64_t r = 0; r < kRows; ++r) {
            Value ar = e.scalar(a, {rowsOf[r], kk});
            next.push_back(e.fma(e.splat(ar), bq, acc[r]));
          }
          scf::YieldOp::create(b, loc, next);
        });
    for (int64_t r = 0; r < kRows; ++r) {
      Value row = e.add(e.mul(iv[0], kRows), e.idx(r));
      auto inside =
          scf::IfOp::create(b, loc, e.cmp(arith::CmpIPredicate::ult, row, m),
                            /*withElseRegion=*/false);
      OpBuilder::InsertionGuard g(b);
      b.setInsertionPointToStart(inside.thenBlock());
      Value sum = zeroC ? loop.getResult(r)
                        : arith::AddFOp::create(b, loc,
                                                e.loadQuad(c, {row, col}),
                                                loop.getResult(r))
                              .getResult();
      epilogue.store(b, loc, sum, c, row, col, 16);
    }
  });
}

/// Slices of K for the split-K GEMV: the smallest power of two S with
/// `threads`·S >= `minThreads`, at most `maxSlices` (at least 1); and the
/// rows per slice R = ceil(K / S) rounded up to a multiple of `rowStep`.
std::pair<Value, Value> sliceK(kernel::QuadEmitter &e, Value threads,
                               int64_t k, int64_t maxSlices, int64_t rowStep,
                               int64_t minThreads) {
  OpBuilder &b = e.b;
  Location loc = e.loc;
  Value most = e.idx(std::max<int64_t>(1, maxSlices));
  auto sLoop = scf::WhileOp::create(
      b, loc, TypeRange{b.getIndexType()}, ValueRange{e.idx(1)},
      [&](OpBuilder &, Location, ValueRange args) {
        Value s = args[0];
        Value more = arith::AndIOp::create(
            b, loc,
            e.cmp(arith::CmpIPredicate::ult, e.mul(threads, s),
                  e.idx(minThreads)),
            e.cmp(arith::CmpIPredicate::ule, e.mul(s, 2), most));
        scf::ConditionOp::create(b, loc, more, args);
      },
      [&](OpBuilder &, Location, ValueRange args) {
        scf::YieldOp::create(b, loc, ValueRange{e.mul(args[0], 2)});
      });
  Value slices = sLoop.getResult(0);
  Value perSlice = e.div(e.add(e.idx(k), e.add(slices, e.idx(-1))), slices);
  Value rows = e.mul(
      e.div(e.add(perSlice, e.idx(rowStep - 1)), e.idx(rowStep)), rowStep);
  return {slices, rows};
}

/// The elementwise op right after `op` that `op`'s kernel can run as its
/// epilogue (mma::Epilogue), if any. C must be zero first (`init`); the
/// generic must be the next op that touches memory, with two parallel
/// loops, C (the very value, a buffer allocated in the function) as one
/// input at (i, j), one output at (i, j) that is none of A, B, C, other
/// inputs at projections of (i, j) and not the output, and a body of pure
/// ops. C must not be read after the
/// generic, nor before `init.from` in its block (a loop's next iteration),
/// nor after the matmul's loops in an enclosing block: with the epilogue,
/// C is never written.
mma::Epilogue epilogueOf(linalg::MatmulOp op, const ZeroInit &init) {
  // Zero from a fill in the matmul's own block (the order checks below
  // compare positions in it).
  if (!init.zero() || init.from->getBlock() != op->getBlock())
    return {};
  Value a = op.getInputs()[0], w = op.getInputs()[1], c = op.getOutputs()[0];
  auto g = dyn_cast_or_null<linalg::GenericOp>(kernel::nextMemoryOp(op));
  if (!g || !g.hasPureBufferSemantics() || g.getNumLoops() != 2 ||
      g.getNumParallelLoops() != 2 || g.getNumDpsInits() != 1 ||
      g->getNumResults() != 0)
    return {};
  Value d = g.getDpsInits()[0];
  Value rootC = rootOf(c), rootD = rootOf(d);
  // C is a temporary of the function (what the caller sees is written).
  if (!rootC.getDefiningOp<memref::AllocOp>())
    return {};
  if (!g.getMatchingIndexingMap(g.getDpsInitOperand(0)).isIdentity() ||
      !isa<FloatType>(cast<MemRefType>(d.getType()).getElementType()) ||
      rootD == rootC || rootD == rootOf(a) || rootD == rootOf(w))
    return {};
  std::optional<unsigned> cInput;
  for (OpOperand *in : g.getDpsInputOperands()) {
    AffineMap map = g.getMatchingIndexingMap(in);
    if (in->get() == c && map.isIdentity() && !cInput) {
      cInput = in->getOperandNumber();
      continue;
    }
    if (!isa<MemRefType>(in->get().getType()) ||
        !map.isProjectedPermutation() || rootOf(in->get()) == rootC ||
        rootOf(in->get()) == rootD)
      return {};
  }
  if (!cInput)
    return {};
  if (!kernel::pureBody(g))
    return {};
  // Who else touches C, and when.
  Block *block = op->getBlock();
  SmallVector<Operation *> users;
  kernel::usersOf(rootC, users);
  for (Operation *u : users) {
    if (isa<memref::DeallocOp>(u))
      continue;
    Operation *mine = block->findAncestorOpInBlock(*u);
    if (!mine) {
      // Outside the matmul's block: before the loops that hold it.
      Operation *holder = u->getBlock()->findAncestorOpInBlock(*op);
      if (!holder || !u->isBeforeInBlock(holder))
        return {};
      continue;
    }
    if (mine == op || mine == g.getOperation() || mine == init.from)
      continue;
    auto copy = dyn_cast<memref::CopyOp>(mine);
    bool readBetween = copy && rootOf(copy.getSource()) == rootC &&
                       rootOf(copy.getTarget()) != rootC &&
                       init.from->isBeforeInBlock(mine) &&
                       mine->isBeforeInBlock(op);
    if (!readBetween)
      return {};
  }
  return {g.getOperation(), *cInput};
}

} // namespace

void mlir::retention::mma::Epilogue::store(OpBuilder &b, Location loc, Value x,
                                           Value c, Value row, Value col,
                                           unsigned alignment) const {
  if (!op) {
    vector::StoreOp::create(b, loc, x, c, ValueRange{row, col},
                            /*nontemporal=*/false, llvm::MaybeAlign(alignment));
    return;
  }
  auto g = cast<linalg::GenericOp>(op);
  Block &body = g.getRegion().front();
  auto vt = dyn_cast<VectorType>(x.getType());
  const int64_t lanes = vt ? vt.getNumElements() : 1;
  for (int64_t l = 0; l < lanes; ++l) {
    Value j = l == 0 ? col
                     : arith::AddIOp::create(
                           b, loc, col, arith::ConstantIndexOp::create(b, loc, l));
    Value ij[2] = {row, j};
    SmallVector<Value> args;
    for (OpOperand &in : g->getOpOperands()) {
      if (body.getArgument(in.getOperandNumber()).use_empty())
        args.push_back(nullptr);
      else if (in.getOperandNumber() == cInput)
        args.push_back(vt ? vector::ExtractOp::create(b, loc, x,
                                                      ArrayRef<int64_t>{l})
                                .getResult()
                          : x);
      else
        args.push_back(kernel::loadOperandAt(b, loc, g, in, ij));
    }
    memref::StoreOp::create(b, loc, kernel::inlineBody(b, g, args, ij),
                            g.getDpsInits()[0], ValueRange{row, j});
  }
}

namespace {

/// `emit(1)` when M is 1 (one row: no clamped duplicates), else
/// `emit(group)`, each in its branch of an scf.if.
void emitByRows(kernel::QuadEmitter &e, Value m, int64_t group,
                function_ref<void(int64_t)> emit) {
  OpBuilder &b = e.b;
  auto single = scf::IfOp::create(
      b, e.loc, e.cmp(arith::CmpIPredicate::eq, m, e.idx(1)),
      /*withElseRegion=*/true);
  OpBuilder::InsertionGuard g(b);
  b.setInsertionPoint(single.thenBlock()->getTerminator());
  emit(1);
  b.setInsertionPoint(single.elseBlock()->getTerminator());
  emit(group);
}

/// An scf.if on `cond` whose else block runs `op` as it was (after a zero
/// fill of C when it accumulates into zeros, and with its epilogue); the
/// caller emits the kernel into the then block.
scf::IfOp ifElseOriginal(OpBuilder &b, Location loc, Value cond,
                         linalg::MatmulOp op, bool zeroC,
                         const mma::Epilogue &epilogue) {
  auto branch = scf::IfOp::create(b, loc, cond, /*withElseRegion=*/true);
  OpBuilder::InsertionGuard g(b);
  b.setInsertionPoint(branch.elseBlock()->getTerminator());
  if (zeroC)
    kernel::zeroFill(b, loc, op.getOutputs()[0]);
  b.clone(*op);
  if (epilogue.op)
    b.clone(*epilogue.op);
  return branch;
}

/// Bytes of the GEMV kernel's loads of B (its rows must be aligned to
/// them): gemvColumns elements.
int64_t gemvBytes(Value w) {
  auto type = cast<MemRefType>(w.getType());
  return mma::gemvColumns(type) * type.getElementTypeBitWidth() / 8;
}

/// A matmul whose N is not a multiple of 4 (a head over an odd
/// vocabulary, 50 tokens): only the GEMV kernel takes it (narrower vectors
/// of B, gemvColumns), at decode sizes with its rows aligned to them; else
/// the op as it was.
void rewriteNarrow(linalg::MatmulOp op, const ZeroInit &init,
                   const mma::Epilogue &epilogue, int64_t maxRows,
                   int64_t minThreads) {
  const bool zeroC = init.zero();
  Operation *fill = init.redundant;
  OpBuilder b(epilogue.op ? epilogue.op : op.getOperation());
  Location loc = op.getLoc();
  kernel::QuadEmitter e(b, loc);
  Value a = op.getInputs()[0], w = op.getInputs()[1], c = op.getOutputs()[0];
  auto wType = cast<MemRefType>(w.getType());
  int64_t kStatic = wType.getDimSize(0), nStatic = wType.getDimSize(1);
  Value m = memref::DimOp::create(b, loc, a, 0);
  Value use = arith::AndIOp::create(
      b, loc, e.cmp(arith::CmpIPredicate::ule, m, e.idx(maxRows)),
      arith::AndIOp::create(
          b, loc, kernel::rowsAligned(b, loc, w, gemvBytes(w)),
          kernel::rowsAligned(b, loc, c, 4 * mma::gemvColumns(wType))));
  scf::IfOp ifUse = ifElseOriginal(b, loc, use, op, zeroC, epilogue);
  OpBuilder::InsertionGuard g(b);
  b.setInsertionPoint(ifUse.thenBlock()->getTerminator());
  constexpr int64_t kGroup = 4;
  Value groups = e.div(e.add(m, e.idx(kGroup - 1)), e.idx(kGroup));
  auto [slices, rows] =
      sliceK(e,
             e.mul(e.max(groups, e.idx(1)),
                   mma::gemvThreadsPerSlice(wType, nStatic)),
             kStatic, kStatic * wType.getElementTypeBitWidth() / 8 / 256, 16,
             minThreads);
  // One or four rows of A per block; one slice writes C itself, several
  // sum in the launch (the last block of each block of columns).
  auto byRows = [&](function_ref<void(int64_t)> emit) {
    emitByRows(e, m, kGroup, emit);
  };
  auto ifOne = scf::IfOp::create(
      b, loc, e.cmp(arith::CmpIPredicate::eq, slices, e.idx(1)),
      /*withElseRegion=*/true);
  b.setInsertionPoint(ifOne.thenBlock()->getTerminator());
  byRows([&](int64_t group) {
    mma::emitGemvPartials(b, loc, a, w, c, m, rows, slices, group,
                          /*intoC=*/true, /*accumulate=*/!zeroC, epilogue);
  });
  b.setInsertionPoint(ifOne.elseBlock()->getTerminator());
  auto partType = MemRefType::get(
      {ShapedType::kDynamic, ShapedType::kDynamic, nStatic}, e.f32);
  Value part = memref::AllocOp::create(b, loc, partType, ValueRange{slices, m});
  byRows([&](int64_t group) {
    mma::emitGemvGroup(b, loc, a, {mma::GemvJob{w, part, epilogue, false, c}},
                       m, rows, slices, group, /*intoC=*/false,
                       /*accumulate=*/!zeroC, {}, maxRows);
  });
  memref::DeallocOp::create(b, loc, part);
  op.erase();
  if (fill)
    fill->erase();
  if (epilogue.op)
    epilogue.op->erase();
}

/// `init`, `epilogue`: zeroInitOf(op) and epilogueOf(op, init), found
/// before any matmul was rewritten.
void rewrite(linalg::MatmulOp op, const ZeroInit &init,
             const mma::Epilogue &epilogue, int64_t maxRows,
             int64_t minThreads, int64_t mmaMinRows, bool gemvKernel) {
  if (cast<MemRefType>(op.getInputs()[1].getType()).getDimSize(1) % kLanes !=
      0)
    return rewriteNarrow(op, init, epilogue, maxRows, minThreads);
  const bool zeroC = init.zero();
  Operation *fill = init.redundant;
  // At the epilogue when fused: what it reads may be defined after the
  // matmul (views; nothing between touches memory).
  OpBuilder b(epilogue.op ? epilogue.op : op.getOperation());
  Location loc = op.getLoc();
  kernel::QuadEmitter e(b, loc);
  Value a = op.getInputs()[0], w = op.getInputs()[1], c = op.getOutputs()[0];
  int64_t kStatic = cast<MemRefType>(w.getType()).getDimSize(0);
  int64_t nStatic = cast<MemRefType>(w.getType()).getDimSize(1);
  Value m = memref::DimOp::create(b, loc, a, 0);
  Value k = e.idx(kStatic);
  int64_t quads = nStatic / kLanes;

  // Views into the weights buffer: checked at run time.
  Value aligned = arith::AndIOp::create(
      b, loc, kernel::rowsAligned(b, loc, w, quadBytes(w)),
      kernel::rowsAligned(b, loc, c, quadBytes(c)));
  // Unaligned rows: the original matmul (and its fill).
  scf::IfOp alignedIf = ifElseOriginal(b, loc, aligned, op, zeroC, epilogue);
  OpBuilder::InsertionGuard g(b);
  b.setInsertionPoint(alignedIf.thenBlock()->getTerminator());
  // Many rows of 16-bit operands with 16-byte aligned rows: tensor cores.
  if (mmaMinRows > 0 &&
      mma::matmulFits(a.getType(), w.getType(), c.getType())) {
    Value use = arith::AndIOp::create(
        b, loc, e.cmp(arith::CmpIPredicate::ugt, m, e.idx(mmaMinRows)),
        arith::AndIOp::create(b, loc, kernel::rowsAligned(b, loc, a, 16),
                              kernel::rowsAligned(b, loc, w, 16)));
    auto mmaIf = scf::IfOp::create(b, loc, use, /*withElseRegion=*/true);
    b.setInsertionPoint(mmaIf.thenBlock()->getTerminator());
    mma::emitMatmul(b, loc, a, w, c, m, zeroC, epilogue);
    b.setInsertionPoint(mmaIf.elseBlock()->getTerminator());
  }
  Value few = e.cmp(arith::CmpIPredicate::ule, m, e.idx(maxRows));
  auto ifOp = scf::IfOp::create(b, loc, few, /*withElseRegion=*/true);
  // Many rows: register tiles.
  {
    OpBuilder::InsertionGuard g2(b);
    b.setInsertionPoint(ifOp.elseBlock()->getTerminator());
    emitTiled(e, a, w, c, m, kStatic, quads, zeroC, epilogue);
  }
  b.setInsertionPoint(ifOp.thenBlock()->getTerminator());

  // Each thread of the split-K loop takes a group of kGroup rows of A, so
  // a quad of B loaded once serves them all (at batch B a decode step reads
  // the weights ceil(B / kGroup) times, not B times).
  constexpr int64_t kGroup = 4;
  Value groups = e.div(e.add(m, e.idx(kGroup - 1)), e.idx(kGroup));
  Value lastRow = arith::SubIOp::create(b, loc, e.max(m, e.idx(1)), e.idx(1));
  // Slices: the smallest power of two S with groups·S·N/4 ≥ min-threads, at
  // most K·eb/64 for B elements of eb bytes: a slice spans at least 64
  // bytes of every B column (16 f32 or 32 16-bit rows, at least one step of
  // four), so the partial sums written and read again (4 bytes per column,
  // row and slice) stay within 1/16 of the weight bytes per row of A. Rows
  // per slice R = ceil(K / S) rounded up to a multiple of four.
  //
  // With the GEMV kernel (GPUGemv.cpp; B's rows whole 16-byte vectors): four
  // warps per block split each slice again, so a slice has 4 N / V threads
  // (V columns per lane) and S is capped at K·eb/256 (partial sums within
  // 1/64 of B per row of A); slices are rounded to 16 rows (the warps'
  // interleaved steps of four).
  const int64_t gemvV = mma::gemvColumns(w.getType());
  const bool kernelGemv = gemvKernel && nStatic % gemvV == 0;
  int64_t elementBytes =
      cast<MemRefType>(w.getType()).getElementTypeBitWidth() / 8;
  Value threads =
      kernelGemv
          ? e.mul(e.max(groups, e.idx(1)),
                  mma::gemvThreadsPerSlice(w.getType(), nStatic))
          : e.mul(e.max(groups, e.idx(1)), quads);
  auto [slices, rows] =
      sliceK(e, threads, kStatic, kStatic * elementBytes / (kernelGemv ? 256 : 64),
             kernelGemv ? 16 : kUnroll, minThreads);

  // One slice with the GEMV kernel: it writes C itself (no partial buffer,
  // no second launch to sum the slices).
  if (kernelGemv) {
    Value direct = arith::AndIOp::create(
        b, loc, e.cmp(arith::CmpIPredicate::eq, slices, e.idx(1)),
        kernel::rowsAligned(b, loc, w, gemvBytes(w)));
    auto ifDirect = scf::IfOp::create(b, loc, direct, /*withElseRegion=*/true);
    {
      OpBuilder::InsertionGuard g3(b);
      b.setInsertionPoint(ifDirect.thenBlock()->getTerminator());
      auto single = scf::IfOp::create(
          b, loc, e.cmp(arith::CmpIPredicate::eq, m, e.idx(1)),
          /*withElseRegion=*/true);
      b.setInsertionPoint(single.thenBlock()->getTerminator());
      mma::emitGemvPartials(b, loc, a, w, c, m, rows, slices, 1,
                            /*intoC=*/true, /*accumulate=*/!zeroC, epilogue);
      b.setInsertionPoint(single.elseBlock()->getTerminator());
      mma::emitGemvPartials(b, loc, a, w, c, m, rows, slices, kGroup,
                            /*intoC=*/true, /*accumulate=*/!zeroC, epilogue);
    }
    b.setInsertionPoint(ifDirect.elseBlock()->getTerminator());
  }
  auto partType = MemRefType::get(
      {ShapedType::kDynamic, ShapedType::kDynamic, nStatic}, e.f32);
  Value part = memref::AllocOp::create(b, loc, partType, ValueRange{slices, m});
  Value nq = e.idx(quads);

  // 1. Partial products over each slice of K, `group` rows per thread (the
  //    last group clamps its row indices and stores only rows < M). One
  //    row alone (batch 1) gets a one-row group: no clamped duplicates.
  auto partials = [&](int64_t group) {
    Value count = e.div(e.add(m, e.idx(group - 1)), e.idx(group));
    e.parallel({count, e.mul(slices, nq)}, [&](ValueRange iv) {
      SmallVector<Value> rowOf, rowIn;
      for (int64_t r = 0; r < group; ++r) {
        rowOf.push_back(e.add(e.mul(iv[0], group), e.idx(r)));
        rowIn.push_back(group == 1 ? rowOf.back()
                                   : e.min(rowOf.back(), lastRow));
      }
      Value s = e.div(iv[1], nq);
      Value col = e.mul(e.rem(iv[1], nq), kLanes);
      Value k0 = e.mul(s, rows);
      Value k1 = e.min(e.add(k0, rows), k);
      k0 = e.min(k0, k1);
      auto loop = scf::ForOp::create(
          b, loc, k0, k1, e.idx(kUnroll), SmallVector<Value>(group, e.zeros()),
          [&](OpBuilder &, Location, Value kk, ValueRange acc) {
            // Four independent quad loads of B, then their products with
            // every row of the group.
            SmallVector<Value> bs;
            for (int64_t u = 0; u < kUnroll; ++u)
              bs.push_back(e.loadQuad(w, {e.add(kk, e.idx(u)), col}));
            SmallVector<Value> sums(acc.begin(), acc.end());
            for (int64_t r = 0; r < group; ++r)
              for (int64_t u = 0; u < kUnroll; ++u)
                sums[r] = e.fma(
                    e.splat(e.scalar(a, {rowIn[r], e.add(kk, e.idx(u))})),
                    bs[u], sums[r]);
            scf::YieldOp::create(b, loc, sums);
          });
      if (group == 1) {
        e.storeQuad(loop.getResult(0), part, {s, rowOf[0], col});
        return;
      }
      for (int64_t r = 0; r < group; ++r) {
        auto inside = scf::IfOp::create(
            b, loc, e.cmp(arith::CmpIPredicate::ult, rowOf[r], m),
            /*withElseRegion=*/false);
        OpBuilder::InsertionGuard g3(b);
        b.setInsertionPointToStart(inside.thenBlock());
        e.storeQuad(loop.getResult(r), part, {s, rowOf[r], col});
      }
    });
  };
  // One or four rows per group.
  auto byRows = [&](function_ref<void(int64_t)> emit) {
    emitByRows(e, m, kGroup, emit);
  };
  // The kernel when B's rows are 16-byte aligned (run time): it sums the
  // slices itself. Else the loops, then the sum below.
  OpBuilder::InsertionGuard g3(b);
  scf::IfOp ifAligned;
  if (kernelGemv) {
    ifAligned = scf::IfOp::create(
        b, loc, kernel::rowsAligned(b, loc, w, gemvBytes(w)),
        /*withElseRegion=*/true);
    b.setInsertionPoint(ifAligned.thenBlock()->getTerminator());
    byRows([&](int64_t group) {
      mma::emitGemvGroup(b, loc, a, {mma::GemvJob{w, part, epilogue, false, c}},
                         m, rows, slices, group, /*intoC=*/false,
                         /*accumulate=*/!zeroC, {}, maxRows);
    });
    b.setInsertionPoint(ifAligned.elseBlock()->getTerminator());
  }
  byRows(partials);
  // 2. C += Σ_s part[s] (C = Σ_s part[s] after a zero fill).
  e.parallel({m, nq}, [&](ValueRange iv) {
    Value col = e.mul(iv[1], kLanes);
    auto sum = scf::ForOp::create(
        b, loc, e.idx(0), slices, e.idx(1),
        ValueRange{zeroC ? e.zeros() : e.loadQuad(c, {iv[0], col})},
        [&](OpBuilder &, Location, Value s, ValueRange acc) {
          scf::YieldOp::create(
              b, loc,
              ValueRange{arith::AddFOp::create(
                  b, loc, acc[0], e.loadQuad(part, {s, iv[0], col}))});
        });
    epilogue.store(b, loc, sum.getResult(0), c, iv[0], col, 16);
  });
  if (ifAligned)
    b.setInsertionPointAfter(ifAligned);
  memref::DeallocOp::create(b, loc, part);
  op.erase();
  if (fill)
    fill->erase();
  if (epilogue.op)
    epilogue.op->erase();
}

/// A matmul of the pass's work list with what was found for it before any
/// matmul was rewritten.
struct Member {
  linalg::MatmulOp op;
  ZeroInit init;
  mma::Epilogue epilogue;
  /// In a group: its columns computed by the previous member's threads,
  /// after it (its epilogue reads that member's C).
  bool withPrevious = false;
  Operation *last() {
    return epilogue.op ? epilogue.op : op.getOperation();
  }
  Value a() { return op.getInputs()[0]; }
  Value w() { return op.getInputs()[1]; }
  Value c() { return op.getOutputs()[0]; }
  /// The buffers it writes (C, the epilogue's output) and reads (with
  /// `initToo`, also the zero buffer its folded zero init copies, which
  /// only the fallback reads).
  void roots(SmallVectorImpl<Value> &writes, SmallVectorImpl<Value> &reads,
             bool initToo) {
    writes.push_back(rootOf(c()));
    reads.push_back(rootOf(a()));
    reads.push_back(rootOf(w()));
    if (auto copy = dyn_cast_or_null<memref::CopyOp>(init.redundant);
        copy && initToo)
      reads.push_back(rootOf(copy.getSource()));
    if (auto g = cast_or_null<linalg::GenericOp>(epilogue.op)) {
      writes.push_back(rootOf(g.getDpsInits()[0]));
      for (OpOperand *in : g.getDpsInputOperands())
        if (in->getOperandNumber() != epilogue.cInput)
          reads.push_back(rootOf(in->get()));
    }
  }
};

/// Whether `next` can run in one GEMV launch with `group` (matmuls in
/// block order): the same A and K, B of one type in whole 16-byte vectors
/// per lane, C zero first; between the previous member's last op and
/// `next` only ops without memory effects, allocations, `next`'s zero
/// init, and fills, copies and deallocations of buffers no member so far
/// touches; and no member writes what another reads or writes, but for
/// `next`'s epilogue reading the previous member's C (a gate): then `next`
/// runs with the previous member's columns, after it (sets withPrevious).
bool joins(MutableArrayRef<Member> group, Member &next, bool gemvKernel) {
  Member &prev = group.back();
  auto wPrev = cast<MemRefType>(prev.w().getType());
  auto wNext = cast<MemRefType>(next.w().getType());
  if (!gemvKernel || next.op->getBlock() != prev.op->getBlock() ||
      next.a() != prev.a() || !prev.init.zero() || !next.init.zero() ||
      wPrev.getElementType() != wNext.getElementType() ||
      wPrev.getDimSize(0) != wNext.getDimSize(0) ||
      mma::gemvColumns(wPrev) != mma::gemvColumns(wNext) ||
      !prev.last()->isBeforeInBlock(next.op))
    return false;
  SmallVector<SmallVector<Value>> writes, reads;
  auto collect = [&](bool initToo, bool withNext) {
    writes.clear();
    reads.clear();
    for (Member &x : group) {
      writes.emplace_back();
      reads.emplace_back();
      x.roots(writes.back(), reads.back(), initToo);
    }
    if (withNext) {
      writes.emplace_back();
      reads.emplace_back();
      next.roots(writes.back(), reads.back(), initToo);
    }
  };
  collect(/*initToo=*/true, /*withNext=*/false);
  // What comes between stays before the group's launch: it must not touch
  // the members' buffers (they run after it now).
  auto touched = [&](Value root) {
    for (size_t i = 0; i < writes.size(); ++i)
      if (llvm::is_contained(writes[i], root) ||
          llvm::is_contained(reads[i], root))
        return true;
    return false;
  };
  for (Operation *q = prev.last()->getNextNode(); q != next.op.getOperation();
       q = q->getNextNode()) {
    if (q == next.init.redundant || isMemoryEffectFree(q) ||
        isa<memref::AllocOp>(q))
      continue;
    if (!isa<linalg::FillOp, memref::CopyOp, memref::DeallocOp>(q))
      return false;
    for (Value operand : q->getOperands())
      if (isa<MemRefType>(operand.getType()) && touched(rootOf(operand)))
        return false;
  }
  // The members against each other (the fallback keeps their order).
  collect(/*initToo=*/false, /*withNext=*/true);
  // The gate: next's epilogue reads prev's C (which prev's kernel writes:
  // no epilogue of its own) at (i, j), and only there.
  Value gate = rootOf(prev.c());
  bool paired = false;
  if (auto g = cast_or_null<linalg::GenericOp>(next.epilogue.op);
      g && !prev.epilogue.op &&
      wPrev.getDimSize(1) == wNext.getDimSize(1)) {
    for (OpOperand *in : g.getDpsInputOperands()) {
      if (rootOf(in->get()) != gate)
        continue;
      if (in->get() != prev.c() || !g.getMatchingIndexingMap(in).isIdentity())
        return false;
      paired = true;
    }
  }
  const size_t last = writes.size() - 1;
  for (size_t i = 0; i < writes.size(); ++i)
    for (size_t j = 0; j < writes.size(); ++j)
      for (Value x : writes[i]) {
        if (i == j)
          continue;
        bool gateRead = paired && i == last - 1 && j == last && x == gate &&
                        !llvm::is_contained(writes[j], x);
        if (llvm::is_contained(writes[j], x) ||
            (llvm::is_contained(reads[j], x) && !gateRead))
          return false;
      }
  next.withPrevious = paired;
  return true;
}

/// The RMSNorm that writes `group`'s A, which its GEMV launch can compute
/// itself (mma::Prologue), with the zero initialization of the norm's sum:
/// A a buffer allocated in the function, last written before the first
/// member by an elementwise generic (`apply`) that reads the row sum right
/// before it (kernel::isRowSum and applyOf, two loops, the sum over A's K,
/// zero first); the sum read by nothing else (but reads of its zeros that
/// always run before, memref.dim, deallocations after the group); A used
/// by nothing but the members between `apply` and the group's last op, and
/// nothing there (members included) writing what the norm reads. The norm
/// then runs where the group's launch does, in its blocks (they write A
/// for later readers; the sum is not written), or, on the fallback branch,
/// as it was, moved there.
struct Norm {
  mma::Prologue prologue;
  ZeroInit init;
};
std::optional<Norm> normOf(MutableArrayRef<Member> group) {
  Member &first = group.front();
  Value a = first.a();
  auto alloc = a.getDefiningOp<memref::AllocOp>();
  if (!alloc)
    return std::nullopt;
  for (Member &x : group) {
    auto wType = cast<MemRefType>(x.w().getType());
    if (wType.getDimSize(1) % mma::gemvColumns(wType) != 0)
      return std::nullopt;
  }
  Block *block = first.op->getBlock();
  linalg::GenericOp apply;
  for (Operation *q = first.op->getPrevNode(); q && !apply;
       q = q->getPrevNode()) {
    auto g = dyn_cast<linalg::GenericOp>(q);
    if (g && g.getNumDpsInits() == 1 && g.getDpsInits()[0] == a)
      apply = g;
    else if (kernel::mayWrite(q, a))
      return std::nullopt;
  }
  if (!apply || apply.getNumLoops() != 2)
    return std::nullopt;
  Operation *p = apply->getPrevNode();
  while (p && (isMemoryEffectFree(p) || isa<memref::AllocOp>(p)))
    p = p->getPrevNode();
  auto sum = dyn_cast_or_null<linalg::GenericOp>(p);
  if (!sum || sum.getNumLoops() != 2 || !kernel::isRowSum(sum))
    return std::nullopt;
  auto applied = kernel::applyOf(sum);
  const int64_t k = cast<MemRefType>(first.w().getType()).getDimSize(0);
  if (!applied || applied->first != apply ||
      sum.getStaticLoopRanges()[1] != k ||
      cast<MemRefType>(a.getType()).getDimSize(1) != k)
    return std::nullopt;
  Value s = sum.getDpsInits()[0];
  ZeroInit init = kernel::zeroInitOf(sum, s);
  if (!init.zero() || !s.getDefiningOp<memref::AllocOp>())
    return std::nullopt;
  // The sum is read by the norm alone (and its zero before it); A, which
  // the launch writes where the group was, by nothing between.
  Operation *end = group.back().last();
  SmallVector<Operation *> users;
  kernel::usersOf(s, users);
  for (Operation *u : users) {
    Operation *mine = block->findAncestorOpInBlock(*u);
    bool after = mine && isa<memref::DeallocOp>(u) && end->isBeforeInBlock(mine);
    if (u != sum && u != apply && u != init.redundant && u != init.from &&
        !isa<memref::DimOp>(u) && !after && !kernel::runsBefore(u, sum))
      return std::nullopt;
  }
  users.clear();
  kernel::usersOf(a, users);
  for (Operation *u : users) {
    Operation *mine = block->findAncestorOpInBlock(*u);
    if (!mine || isa<memref::DimOp>(u) || !apply->isBeforeInBlock(mine) ||
        end->isBeforeInBlock(mine))
      continue;
    if (!llvm::any_of(group, [&](Member &x) { return x.op == mine; }))
      return std::nullopt;
  }
  // What the norm reads stays unwritten until the group's launch.
  SmallVector<Value> reads;
  for (linalg::GenericOp g : {sum, apply})
    for (OpOperand *in : g.getDpsInputOperands())
      if (in->get() != s)
        reads.push_back(rootOf(in->get()));
  for (Operation *q = apply->getNextNode(); q != end->getNextNode();
       q = q->getNextNode())
    for (Value root : reads)
      if (kernel::mayWrite(q, root))
        return std::nullopt;
  return Norm{{sum, apply, applied->second}, init};
}

/// Sibling matmuls (one A, e.g. a layer's q, k, v and g projections of a
/// decode step; or one matmul whose A an RMSNorm writes, `norm`) as one
/// launch of the GEMV kernel over all their columns, A computed in it when
/// `norm` is set:
///
///   if (M <= max-rows (and <= mma-min-rows when the tensor cores take
///       these matmuls) && every B and C row 16-byte aligned) {
///     S slices of K from the group's threads;
///     S == 1: one launch writing each C (through its epilogue);
///     else:   one launch of partial sums, one launch summing them
///     (a member whose epilogue reads the previous member's C, the up
///     projection times its gate, takes the same columns in the same
///     threads right after it)
///   } else
///     each matmul alone, as rewrite() makes it
void rewriteGroup(MutableArrayRef<Member> group, int64_t maxRows,
                  int64_t minThreads, int64_t mmaMinRows,
                  const std::optional<Norm> &norm) {
  Member &first = group.front();
  OpBuilder b(group.back().last());
  b.setInsertionPointAfter(group.back().last());
  Location loc = first.op.getLoc();
  kernel::QuadEmitter e(b, loc);
  Value a = first.a();
  Value m = memref::DimOp::create(b, loc, a, 0);
  // Rows the tensor cores take (rewrite()) are not the GEMV's.
  bool mma = mmaMinRows > 0;
  for (Member &x : group)
    mma &= mma::matmulFits(x.a().getType(), x.w().getType(), x.c().getType());
  Value ok = e.cmp(arith::CmpIPredicate::ule, m,
                   e.idx(mma ? std::min(maxRows, mmaMinRows) : maxRows));
  for (Member &x : group)
    ok = arith::AndIOp::create(
        b, loc, ok,
        arith::AndIOp::create(
            b, loc, kernel::rowsAligned(b, loc, x.w(), gemvBytes(x.w())),
            kernel::rowsAligned(b, loc, x.c(),
                                4 * mma::gemvColumns(x.w().getType()))));
  auto groupIf = scf::IfOp::create(b, loc, ok, /*withElseRegion=*/true);
  // Otherwise each as it was (the norm first), then rewritten alone.
  Operation *elseEnd = groupIf.elseBlock()->getTerminator();
  mma::Prologue prologue;
  if (norm) {
    prologue = norm->prologue;
    if (norm->init.redundant)
      norm->init.redundant->moveBefore(elseEnd);
    prologue.sum->moveBefore(elseEnd);
    prologue.apply->moveBefore(elseEnd);
  }
  for (Member &x : group) {
    if (x.init.redundant)
      x.init.redundant->moveBefore(elseEnd);
    x.op->moveBefore(elseEnd);
    if (x.epilogue.op)
      x.epilogue.op->moveBefore(elseEnd);
  }

  b.setInsertionPoint(groupIf.thenBlock()->getTerminator());
  auto wType = cast<MemRefType>(first.w().getType());
  const int64_t k = wType.getDimSize(0);
  constexpr int64_t kGroup = 4;
  int64_t threadsPerSlice = 0;
  for (Member &x : group)
    threadsPerSlice += mma::gemvThreadsPerSlice(
        x.w().getType(), cast<MemRefType>(x.w().getType()).getDimSize(1));
  Value groups = e.div(e.add(m, e.idx(kGroup - 1)), e.idx(kGroup));
  auto [slices, rows] = sliceK(
      e, e.mul(e.max(groups, e.idx(1)), threadsPerSlice), k,
      k * wType.getElementTypeBitWidth() / 8 / 256, 16, minThreads);
  // One or four rows of A per block.
  auto launch = [&](ArrayRef<mma::GemvJob> jobs, bool intoC) {
    auto single = scf::IfOp::create(
        b, loc, e.cmp(arith::CmpIPredicate::eq, m, e.idx(1)),
        /*withElseRegion=*/true);
    OpBuilder::InsertionGuard g(b);
    b.setInsertionPoint(single.thenBlock()->getTerminator());
    mma::emitGemvGroup(b, loc, a, jobs, m, rows, slices, 1, intoC,
                       /*accumulate=*/false, prologue,
                       intoC ? 0 : maxRows);
    b.setInsertionPoint(single.elseBlock()->getTerminator());
    mma::emitGemvGroup(b, loc, a, jobs, m, rows, slices, kGroup, intoC,
                       /*accumulate=*/false, prologue,
                       intoC ? 0 : maxRows);
  };
  auto one = scf::IfOp::create(
      b, loc, e.cmp(arith::CmpIPredicate::eq, slices, e.idx(1)),
      /*withElseRegion=*/true);
  {
    OpBuilder::InsertionGuard g(b);
    b.setInsertionPoint(one.thenBlock()->getTerminator());
    SmallVector<mma::GemvJob> jobs;
    for (Member &x : group)
      jobs.push_back({x.w(), x.c(), x.epilogue, x.withPrevious});
    launch(jobs, /*intoC=*/true);
  }
  // Several slices: partial sums, which the launch's last block of each
  // block of columns adds (a unit's members one after the other in the
  // same thread) and stores through the epilogues.
  b.setInsertionPoint(one.elseBlock()->getTerminator());
  SmallVector<mma::GemvJob> jobs;
  for (Member &x : group) {
    int64_t n = cast<MemRefType>(x.w().getType()).getDimSize(1);
    auto partType = MemRefType::get(
        {ShapedType::kDynamic, ShapedType::kDynamic, n}, e.f32);
    jobs.push_back({x.w(),
                    memref::AllocOp::create(b, loc, partType,
                                            ValueRange{slices, m}),
                    x.epilogue, x.withPrevious, x.c()});
  }
  launch(jobs, /*intoC=*/false);
  for (mma::GemvJob &job : jobs)
    memref::DeallocOp::create(b, loc, job.part);
}

struct GPUMatmulPass
    : mlir::retention::impl::RetentionGPUMatmulPassBase<GPUMatmulPass> {
  using Base::Base;
  void runOnOperation() override {
    SmallVector<linalg::MatmulOp> work;
    getOperation().walk([&](linalg::MatmulOp op) {
      if (op->getParentOfType<scf::ParallelOp>() ||
          op->getParentOfType<scf::ForallOp>() ||
          !op.hasPureBufferSemantics() || op.hasUserDefinedMaps())
        return;
      Value a = op.getInputs()[0], w = op.getInputs()[1],
            c = op.getOutputs()[0];
      auto wType = dyn_cast<MemRefType>(w.getType());
      auto aType = dyn_cast<MemRefType>(a.getType());
      // 16-bit weights (and activations of their type or f32) accumulate
      // into an f32 C: quads of B are widened to f32 as they load.
      if (!rowMajor(w, /*sixteen=*/true) || !rowMajor(c, false) || !aType ||
          !(aType.getElementType().isF32() ||
            aType.getElementType() == wType.getElementType()) ||
          !wType.hasStaticShape() ||
          (wType.getDimSize(1) % kLanes != 0 && !gemvKernel) ||
          wType.getDimSize(0) % kUnroll != 0)
        return;
      work.push_back(op);
    });
    // The zero initializations first: a rewritten matmul (an scf.if) would
    // hide a fill before it from the matmuls after it.
    // Epilogues too: the generic after a matmul must still be next to it.
    SmallVector<ZeroInit> inits;
    SmallVector<mma::Epilogue> epilogues;
    for (linalg::MatmulOp op : work) {
      inits.push_back(kernel::zeroInitOf(op, op.getOutputs()[0]));
      epilogues.push_back(fuseEpilogues ? epilogueOf(op, inits.back())
                                        : mma::Epilogue{});
    }
    // Runs of sibling matmuls as one launch each; the rest alone.
    SmallVector<Member> members;
    for (auto [op, init, epilogue] : llvm::zip(work, inits, epilogues))
      members.push_back({op, init, epilogue});
    // The groups and the norms that write their A, found before any is
    // rewritten (a rewritten group hides a fill before it from the next).
    SmallVector<std::pair<size_t, size_t>> groups;
    SmallVector<std::optional<Norm>> norms;
    for (size_t i = 0; i < members.size();) {
      size_t j = i + 1;
      while (groupSiblings && j < members.size() &&
             joins(MutableArrayRef<Member>(members).slice(i, j - i),
                   members[j], gemvKernel))
        ++j;
      groups.push_back({i, j});
      auto group = MutableArrayRef<Member>(members).slice(i, j - i);
      norms.push_back(fuseNorms && gemvKernel && group.front().init.zero()
                          ? normOf(group)
                          : std::nullopt);
      i = j;
    }
    for (auto [range, norm] : llvm::zip(groups, norms)) {
      auto group = MutableArrayRef<Member>(members).slice(
          range.first, range.second - range.first);
      if (group.size() > 1 || norm)
        rewriteGroup(group, maxRows, minThreads, mmaMinRows, norm);
      for (Member &x : group)
        rewrite(x.op, x.init, x.epilogue, maxRows, minThreads, mmaMinRows,
                gemvKernel);
    }
    kernel::eraseUnreadFills(getOperation());
  }
};

} // namespace
