//===- GPUChunkwiseMMAKernels.cpp - the tensor-core retention kernels -----===//
//
// retention-gpu-expand-mma: each chunkwise or parallel op on memrefs that
// retention-gpu-chunkwise-mma marked `retention.mma` becomes its launches:
// one (fused schedule) or two (chunked: state kernel, output kernel, with
// the per-chunk states in a buffer allocated and freed around them). Runs
// after bufferization and deallocation; the design is in ChunkwiseMMA.h.
//
//===----------------------------------------------------------------------===//

#include "MMAStaging.h"
#include "retention/Conversion/Passes.h"
#include "retention/Dialect/Retention/IR/RetentionOps.h"

#include <cmath>

namespace mlir::retention {
#define GEN_PASS_DEF_RETENTIONGPUEXPANDMMAPASS
#include "retention/Conversion/Passes.h.inc"
} // namespace mlir::retention

using namespace mlir;
using namespace mlir::retention::mma;

namespace {

/// The launches of one op; `stages` is the most pipeline stages a kernel
/// may take (1 or 2).
struct KernelBuilder {
  int64_t stages;

  /// What every kernel starts with: lane values, the batch and head of
  /// block index `bh`, log2 γ of the head and the shared tiles.
  struct Prologue {
    Value tid, bi, hi, lg;
    SmallVector<Value> tiles;
  };
  static Prologue prologue(KernelEmitter &em, gpu::LaunchOp launch, Value bh,
                           const Operands &ops,
                           ArrayRef<std::pair<int64_t, int64_t>> tileShapes) {
    Prologue p;
    p.tid = launch.getThreadIds().x;
    p.bi = em.div(bh, em.sh.heads);
    p.hi = em.rem(bh, em.sh.heads);
    em.setLane(p.tid);
    p.lg = em.headLog2(ops.lgs, p.hi);
    p.tiles = em.sharedTiles(tileShapes);
    return p;
  }

  /// Stages of a kernel with `fixed` bytes of other shared tiles: two when
  /// the option asks for them, the doubled tiles fit a block and they do
  /// not cost residency (at least min(2, blocks with one stage) per SM),
  /// else one.
  int64_t stagesFor(int64_t fixed, ArrayRef<ChunkTile> tiles) const {
    if (stages < 2)
      return 1;
    int64_t one = fixed + stagedBytes(tiles, 1);
    int64_t two = fixed + stagedBytes(tiles, 2);
    return two <= kSharedPerBlock &&
                   blocksPerSM(two) >= std::min<int64_t>(blocksPerSM(one), 2)
               ? 2
               : 1;
  }

  /// A launch of 128 threads on grid (x, y, z) (launchBlocks).
  static void launch(KernelEmitter &em, int64_t x, int64_t y, int64_t z,
                     int64_t smemBytes,
                     function_ref<void(gpu::LaunchOp)> body) {
    launchBlocks(em, em.idx(x), em.idx(y), em.idx(z), smemBytes, body);
  }

  /// The loop over chunks that the fused and the state kernel share: `state`
  /// (f32 fragments) carried across chunks, the first chunk's tiles staged
  /// before the loop, and per chunk c: its start and valid length, the lane
  /// values recomputed from an opaque copy of the thread id (otherwise LLVM
  /// hoists the ~100 distinct shared-memory addresses and the decay weights
  /// out of the loop and the kernel spills; in the loop they fold into base
  /// + immediate addressing), the tiles acquired, then `body`, which
  /// updates the fragments in place. The lane values of before the loop are
  /// restored after it. Returns the final fragments.
  using ChunkBody =
      function_ref<void(Value c, Value c0, Value lenF, SmallVector<Value> &acc,
                        ArrayRef<Value> plain, ArrayRef<Value> zeta)>;
  static ValueRange walkChunks(KernelEmitter &em, ChunkStager &stager,
                               Value tid, ValueRange state, ChunkBody body) {
    OpBuilder &b = em.b;
    Location loc = em.loc;
    stager.start();
    KernelEmitter::LaneValues outer = em.laneValues();
    auto loop = scf::ForOp::create(b, loc, em.idx(0), em.numChunks(),
                                   em.idx(1), state);
    {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(loop.getBody());
      Value c = loop.getInductionVar();
      auto [c0, len] = chunkStart(em, c);
      Value lenF = em.toF32(len);
      SmallVector<Value> acc(loop.getRegionIterArgs());
      em.setLane(em.opaque(tid));
      auto [plain, zeta] = stager.acquire(c, c0, len, lenF);
      body(c, c0, lenF, acc, plain, zeta);
      scf::YieldOp::create(b, loc, acc);
    }
    em.setLaneValues(outer);
    return loop.getResults();
  }

  /// The fused schedule: grid (dv/BV, B·H); S in registers across chunks.
  void emitFused(KernelEmitter &em, const Operands &ops) {
    const Shape &sh = em.sh;
    // Shared memory: S16 [dk][BV+pad], then per stage Q, K [C][dk+pad] and
    // V [C][BV+pad] (and Vz [C][BV+pad] with one stage).
    SmallVector<std::pair<int64_t, int64_t>> fixed = {{sh.dk, sh.bv + kPad}};
    SmallVector<ChunkTile> tiles = {{ops.q, sh.dk, true, false},
                                    {ops.k, sh.dk, true, false},
                                    {ops.v, sh.bv, true, true}};
    if (sh.padded()) // zero columns of Q and K past the op's dk
      tiles[0].validCols = tiles[1].validCols = sh.dkData;
    int64_t fixedBytes = KernelEmitter::sharedBytes(fixed);
    int64_t n = stagesFor(fixedBytes, tiles);
    launch(em, sh.dv / sh.bv, sh.batch * sh.heads, 1,
           fixedBytes + stagedBytes(tiles, n), [&](gpu::LaunchOp launch) {
             emitFusedBody(em, launch, ops, fixed, tiles, n);
           });
  }

  void emitFusedBody(KernelEmitter &em, gpu::LaunchOp launch,
                     const Operands &ops,
                     ArrayRef<std::pair<int64_t, int64_t>> fixed,
                     ArrayRef<ChunkTile> tiles, int64_t numStages) {
    OpBuilder &b = em.b;
    const Shape &sh = em.sh;
    Value v0 = em.mul(launch.getBlockIds().x, sh.bv);
    Prologue p = prologue(em, launch, launch.getBlockIds().y, ops, fixed);
    Value tid = p.tid, bi = p.bi, hi = p.hi, lg = p.lg;
    Value s16 = p.tiles[0];
    ChunkStager stager{em,        {tiles.begin(), tiles.end()},
                       numStages, KernelEmitter::sharedBytes(fixed),
                       tid,       bi,
                       hi,        lg};
    stager.tiles[0].col0 = stager.tiles[1].col0 = em.idx(0);
    stager.tiles[2].col0 = v0;

    // State accumulators: warp w owns rows [w·RS, (w+1)·RS), RS = dk/4, as
    // (RS/16) x (BV/8) C fragments, index mt·(BV/8) + nt.
    int64_t rs = sh.dk / kWarps, mTiles = rs / 16, nTiles = sh.bv / 8;
    Value sRow0 = em.mul(em.warp, rs);
    // With a padded dk, warps whose rows are past the op's dk (whole
    // 16-row tiles: dkData % 16 == 0) hold zeros and store nothing.
    Value rowsIn = sh.padded() ? em.cmp(arith::CmpIPredicate::ult, sRow0,
                                        em.idx(sh.dkData))
                               : Value();
    SmallVector<Value> state(mTiles * nTiles, em.zeroC());
    if (ops.s0 && !rowsIn) {
      state = em.loadFrags(mTiles, nTiles, ops.s0, {bi, hi}, sRow0, v0);
    } else if (ops.s0) {
      SmallVector<Type> types(state.size(), em.cType());
      auto ifIn = scf::IfOp::create(b, em.loc, types, rowsIn,
                                    /*withElseRegion=*/true);
      OpBuilder::InsertionGuard g(b);
      b.setInsertionPointToStart(ifIn.thenBlock());
      scf::YieldOp::create(
          b, em.loc,
          em.loadFrags(mTiles, nTiles, ops.s0, {bi, hi}, sRow0, v0));
      b.setInsertionPointToStart(ifIn.elseBlock());
      scf::YieldOp::create(b, em.loc, state);
      state.assign(ifIn.getResults().begin(), ifIn.getResults().end());
    }
    em.storeFrags(state, mTiles, nTiles, s16, {}, sRow0, Value(), sh.elt);

    ValueRange last = walkChunks(
        em, stager, tid, state,
        [&](Value c, Value c0, Value lenF, SmallVector<Value> &acc,
            ArrayRef<Value> plain, ArrayRef<Value> zeta) {
          Value row0 = em.mul(em.warp, rs);
          Value qs = plain[0], ks = plain[1], vs = plain[2];
          // This warp's 16 query rows of O.
          em.chunkOutput(qs, ks, vs, s16, c0, lg, ops.scale, ops.o, bi, hi, v0,
                         ops.oElt);
          // S = γ^len S + K^T (V ⊙ ζ).
          em.stateUpdate(acc, ks, zeta[2] ? zeta[2] : vs, row0, mTiles, nTiles,
                         lenF, lg, /*zetaInRegs=*/!zeta[2]);
          // Every warp has read S16 and the tiles of this chunk.
          em.barrier();
          em.storeFrags(acc, mTiles, nTiles, s16, {}, row0, Value(), sh.elt);
        });
    if (ops.sOut) {
      OpBuilder::InsertionGuard g(b);
      if (rowsIn)
        b.setInsertionPointToStart(
            scf::IfOp::create(b, em.loc, rowsIn).thenBlock());
      em.storeFrags(last, mTiles, nTiles, ops.sOut, {bi, hi}, sRow0, v0,
                    b.getF32Type());
    }
  }

  /// The chunked schedule's state kernel: grid (dk/64, dv/BVs, B·H); a
  /// 64 x BVs slice of S in registers (warp w: rows 16w..16w+15), per chunk
  /// c: states[c] = S (16-bit), then S = γ^L S + K_c^T (V_c ⊙ ζ).
  void emitStateKernel(KernelEmitter &em, const Operands &ops, Value states) {
    const Shape &sh = em.sh;
    // Shared memory, per stage: K [C][64+pad] (this block's dk slice) and
    // V ⊙ ζ [C][BVs+pad] (one stage) or V [C][BVs+pad] (two).
    SmallVector<ChunkTile> tiles = {{ops.k, 64, true, false},
                                    {ops.v, sh.bvState, false, true}};
    int64_t n = stagesFor(0, tiles);
    launch(em, sh.dk / 64, sh.dv / sh.bvState, sh.batch * sh.heads,
           stagedBytes(tiles, n), [&](gpu::LaunchOp launch) {
             OpBuilder &b = em.b;
             Value k0 = em.mul(launch.getBlockIds().x, 64);
             Value v0 = em.mul(launch.getBlockIds().y, sh.bvState);
             Prologue p = prologue(em, launch, launch.getBlockIds().z, ops, {});
             Value tid = p.tid, bi = p.bi, hi = p.hi, lg = p.lg;
             ChunkStager stager{
                 em, {tiles.begin(), tiles.end()}, n, 0, tid, bi, hi, lg};
             stager.tiles[0].col0 = k0;
             stager.tiles[1].col0 = v0;
             int64_t nTiles = sh.bvState / 8;
             Value outerRow0 = em.add(k0, em.mul(em.warp, 16));
             SmallVector<Value> state =
                 ops.s0
                     ? em.loadFrags(1, nTiles, ops.s0, {bi, hi}, outerRow0, v0)
                     : SmallVector<Value>(nTiles, em.zeroC());
             ValueRange last = walkChunks(
                 em, stager, tid, state,
                 [&](Value c, Value c0, Value lenF, SmallVector<Value> &acc,
                     ArrayRef<Value> plain, ArrayRef<Value> zeta) {
                   Value row0 = em.mul(em.warp, 16);
                   // The state entering chunk c.
                   em.storeFrags(acc, 1, nTiles, states, {bi, hi, c},
                                 em.add(k0, row0), v0, sh.elt);
                   em.stateUpdate(acc, plain[0], zeta[1] ? zeta[1] : plain[1],
                                  row0, 1, nTiles, lenF, lg,
                                  /*zetaInRegs=*/!zeta[1]);
                   // Every warp has read the tiles of this chunk.
                   em.barrier();
                 });
             if (ops.sOut)
               em.storeFrags(last, 1, nTiles, ops.sOut, {bi, hi}, outerRow0, v0,
                             b.getF32Type());
           });
  }

  /// The chunked schedule's output kernel: grid (dv/BV, NC, B·H); block
  /// (v tile, c) stages Q_c, K_c, V_c and S_{c−1} = states[c] and computes
  /// O_c like the fused kernel's step 2.
  void emitOutputKernel(KernelEmitter &em, const Operands &ops, Value states) {
    const Shape &sh = em.sh;
    // Shared memory: Q, K [C][dk+pad]; V [C][BV+pad]; S16 [dk][BV+pad].
    SmallVector<std::pair<int64_t, int64_t>> tileShapes = {
        {kChunk, sh.dk + kPad},
        {kChunk, sh.dk + kPad},
        {kChunk, sh.bv + kPad},
        {sh.dk, sh.bv + kPad}};
    launch(em, sh.dv / sh.bv, sh.numChunks(), sh.batch * sh.heads,
           KernelEmitter::sharedBytes(tileShapes), [&](gpu::LaunchOp launch) {
             Value v0 = em.mul(launch.getBlockIds().x, sh.bv);
             Value c = launch.getBlockIds().y;
             Prologue p =
                 prologue(em, launch, launch.getBlockIds().z, ops, tileShapes);
             Value tid = p.tid, bi = p.bi, hi = p.hi;
             ArrayRef<Value> tiles = p.tiles;
             auto [c0, len] = chunkStart(em, c);
             Value zero = em.idx(0);
             em.stage(tid, ops.q, tokenAt(em, bi, hi, c0, zero), kChunk, sh.dk,
                      len, tiles[0]);
             em.stage(tid, ops.k, tokenAt(em, bi, hi, c0, zero), kChunk, sh.dk,
                      len, tiles[1]);
             em.stage(tid, ops.v, tokenAt(em, bi, hi, c0, v0), kChunk, sh.bv,
                      len, tiles[2]);
             em.stage(
                 tid, states,
                 [&](Value r, Value col) -> SmallVector<Value> {
                   return {bi, hi, c, r, em.add(v0, col)};
                 },
                 sh.dk, sh.bv, Value(), tiles[3]);
             em.barrier();
             em.chunkOutput(tiles[0], tiles[1], tiles[2], tiles[3], c0, p.lg,
                            ops.scale, ops.o, bi, hi, v0, ops.oElt);
           });
  }
};

struct GPUExpandMMAPass
    : mlir::retention::impl::RetentionGPUExpandMMAPassBase<GPUExpandMMAPass> {
  void runOnOperation() override {
    SmallVector<Operation *> ops;
    getOperation().walk([&](Operation *op) {
      if (op->hasAttr(kKernelAttr))
        ops.push_back(op);
    });
    for (Operation *op : ops)
      if (failed(expand(op)))
        return signalPassFailure();
  }

  LogicalResult expand(Operation *op) {
    auto form = dyn_cast<retention::RetentionFormOpInterface>(op);
    auto config = op->getAttrOfType<DictionaryAttr>(kKernelAttr);
    auto integer = [&](StringRef name) -> int64_t {
      auto a = config ? config.getAs<IntegerAttr>(name) : IntegerAttr();
      return a ? a.getInt() : -1;
    };
    auto schedule = config ? config.getAs<StringAttr>("schedule") : StringAttr();
    int64_t blockV = integer("block_v"), stateBlockV = integer("state_block_v"),
            stages = integer("stages");
    if (!form || form.getO() || !schedule ||
        (schedule.getValue() != "fused" && schedule.getValue() != "chunked") ||
        blockV <= 0 || stateBlockV < 0 || (stages != 1 && stages != 2))
      return op->emitOpError()
             << "has an invalid '" << kKernelAttr
             << "' (expected a chunkwise or parallel op on memrefs with "
                "{schedule = \"fused\" | \"chunked\", block_v, state_block_v, "
                "stages = 1 | 2}): "
             << (config ? Attribute(config) : op->getAttr(kKernelAttr));
    FailureOr<Shape> sh = matchShape(op, blockV, stateBlockV, /*smCount=*/1);
    bool chunked = schedule.getValue() == "chunked";
    if (failed(sh) || (chunked && sh->bvState == 0))
      return op->emitOpError() << "does not fit the tensor-core kernels its '"
                               << kKernelAttr << "' asks for";

    OpBuilder b(op);
    Location loc = op->getLoc();
    Operands ops;
    ops.q = form.getQ();
    ops.k = form.getK();
    ops.v = form.getV();
    ops.s0 = form.getState();
    ops.o = form.getOInit();
    ops.sOut = form.getFinalStateInit();
    ops.oElt = cast<ShapedType>(ops.o.getType()).getElementType();
    for (double g : form.getGamma())
      ops.lgs.push_back(static_cast<float>(std::log2(g)));
    ops.scale = form.getScale().convertToDouble();

    KernelBuilder kb{stages};
    KernelEmitter em(b, loc, *sh);
    // T: a kernel argument when only known at run time (fused schedule
    // only), else a constant each kernel takes in.
    em.tokens = ShapedType::isDynamic(sh->tokens)
                    ? memref::DimOp::create(b, loc, ops.q, 2).getResult()
                    : em.idx(sh->tokens);
    if (!chunked) {
      kb.emitFused(em, ops);
    } else {
      // S_{c−1} of every chunk, 16-bit: written by the state kernel, read
      // by the output kernel, freed after it.
      Value states = memref::AllocOp::create(
          b, loc,
          MemRefType::get({sh->batch, sh->heads, sh->numChunks(), sh->dk,
                           sh->dv},
                          sh->elt));
      kb.emitStateKernel(em, ops, states);
      kb.emitOutputKernel(em, ops, states);
      memref::DeallocOp::create(b, loc, states);
    }
    op->erase();
    return success();
  }
};

} // namespace
