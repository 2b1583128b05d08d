//===- MMAStaging.h - shared-memory staging of the chunkwise kernels ------===//
//
// The memory side of the tensor-core retention kernels (ChunkwiseMMA.h):
// the shared-memory plan (tiles one after the other in dynamic shared
// memory, rows padded by 16 bytes), 16-byte staging loads and cp.async
// copies of token tiles, the async-copy groups and barriers, and the
// one- or two-stage pipeline over chunks (ChunkStager).
//
//===----------------------------------------------------------------------===//

#ifndef RETENTION_CODEGEN_MMASTAGING_H
#define RETENTION_CODEGEN_MMASTAGING_H

#include "MMAFragments.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"

namespace mlir::retention::mma {

/// A kernel's emitter: the fragment math plus the staging.
class KernelEmitter : public FragmentEmitter {
public:
  using FragmentEmitter::FragmentEmitter;

  /// [rows][cols] tiles of 16-bit elements, one after the other in dynamic
  /// shared memory.
  static int64_t sharedBytes(ArrayRef<std::pair<int64_t, int64_t>> tiles) {
    int64_t bytes = 0;
    for (auto [rows, cols] : tiles)
      bytes += rows * cols * 2;
    return bytes;
  }
  /// The dynamic shared memory (i8) the tiles are views of.
  Value smem;
  SmallVector<Value> sharedTiles(ArrayRef<std::pair<int64_t, int64_t>> tiles) {
    auto ws = gpu::AddressSpaceAttr::get(b.getContext(),
                                         gpu::AddressSpace::Workgroup);
    smem = gpu::DynamicSharedMemoryOp::create(
        b, loc,
        MemRefType::get({ShapedType::kDynamic}, b.getI8Type(),
                        MemRefLayoutAttrInterface(), ws));
    return tileViews(tiles, idx(0));
  }
  /// Views of [rows][cols] tiles one after the other from byte `off` of
  /// the shared memory.
  SmallVector<Value> tileViews(ArrayRef<std::pair<int64_t, int64_t>> tiles,
                               Value off) {
    auto ws = gpu::AddressSpaceAttr::get(b.getContext(),
                                         gpu::AddressSpace::Workgroup);
    SmallVector<Value> views;
    int64_t at = 0;
    for (auto [rows, cols] : tiles) {
      views.push_back(memref::ViewOp::create(
          b, loc,
          MemRefType::get({rows, cols}, sh.elt, MemRefLayoutAttrInterface(),
                          ws),
          smem, add(off, at), ValueRange()));
      at += rows * cols * 2;
    }
    return views;
  }


  /// Calls `body(r, col)` for the 16-byte pieces (row r, columns col ..
  /// col + 7) of a [rows][cols] tile (cols a multiple of 8), spread over the
  /// block's threads.
  void forEachPiece(Value tid, int64_t rows, int64_t cols,
                    function_ref<void(Value, Value)> body) {
    int64_t perRow = cols / 8, total = rows * perRow;
    auto copy = scf::ForOp::create(b, loc, tid, idx(total), idx(kThreads));
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(copy.getBody());
    Value i = copy.getInductionVar();
    body(div(i, perRow), mul(rem(i, perRow), 8));
  }

  /// Copies a [rows][cols] tile (cols a multiple of 8) into shared `dst` with
  /// 16-byte loads spread over the block; `at(row, col)` gives the source
  /// indices of tile element (row, col); rows >= `valid` (when given) are
  /// zero. With `zetaDst`, the rows scaled by ζ_row = γ^(lenF − 1 − row)
  /// go there too (`dst` may then be null).
  void stage(Value tid, Value src,
             function_ref<SmallVector<Value>(Value, Value)> at, int64_t rows,
             int64_t cols, Value valid, Value dst, Value zetaDst = Value(),
             Value lenF = Value(), Value lg = Value(),
             int64_t validCols = 0) {
    VectorType v8 = VectorType::get({8}, sh.elt);
    forEachPiece(tid, rows, cols, [&](Value r, Value col) {
      auto load = [&]() -> Value {
        auto ld = vector::LoadOp::create(b, loc, v8, src, at(r, col));
        ld.setAlignment(16);
        return ld;
      };
      Value x;
      if (!valid && validCols <= 0) {
        x = load();
      } else {
        Value in = valid ? arith::CmpIOp::create(
                               b, loc, arith::CmpIPredicate::ult, r, valid)
                               .getResult()
                         : Value();
        if (validCols > 0) {
          Value inCols = arith::CmpIOp::create(
              b, loc, arith::CmpIPredicate::ult, col, idx(validCols));
          in = in ? arith::AndIOp::create(b, loc, in, inCols).getResult()
                  : inCols;
        }
        auto ifOp = scf::IfOp::create(b, loc, TypeRange{v8}, in,
                                      /*withElseRegion=*/true);
        OpBuilder::InsertionGuard g2(b);
        b.setInsertionPointToStart(ifOp.thenBlock());
        scf::YieldOp::create(b, loc, load());
        b.setInsertionPointToStart(ifOp.elseBlock());
        scf::YieldOp::create(
            b, loc,
            arith::ConstantOp::create(
                b, loc, DenseElementsAttr::get(v8, b.getZeroAttr(sh.elt)))
                .getResult());
        x = ifOp.getResult(0);
      }
      if (dst)
        vector::StoreOp::create(b, loc, x, dst, ValueRange{r, col})
            .setAlignment(16);
      if (zetaDst) {
        Value z = zeta(toF32(r), lenF, lg);
        VectorType v8f = VectorType::get({8}, f32);
        Value xf = arith::ExtFOp::create(b, loc, v8f, x);
        Value zs = vector::BroadcastOp::create(b, loc, v8f, z);
        Value y = arith::TruncFOp::create(
            b, loc, v8, arith::MulFOp::create(b, loc, xf, zs));
        vector::StoreOp::create(b, loc, y, zetaDst, ValueRange{r, col})
            .setAlignment(16);
      }
    });
  }

  /// `stage` with cp.async (16 bytes per copy, L1 bypassed): the copies are
  /// issued, not waited for. Pieces in rows >= `valid` (when given) or
  /// starting at columns >= `validCols` (when given) read nothing (source
  /// size 0, from a clamped, valid address: row and column 0 of the tile)
  /// and are zero-filled.
  void stageAsync(Value tid, Value src,
                  function_ref<SmallVector<Value>(Value, Value)> at,
                  int64_t rows, int64_t cols, Value valid, Value dst,
                  Value validCols = Value()) {
    forEachPiece(tid, rows, cols, [&](Value r, Value col) {
      Value in;
      if (valid)
        in = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, r, valid);
      if (validCols) {
        Value inCols = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult,
                                             col, validCols);
        in = in ? arith::AndIOp::create(b, loc, in, inCols).getResult()
                : inCols;
      }
      Value srcRow = r, srcCol = col, n = idx(8);
      if (in) {
        srcRow = valid ? arith::SelectOp::create(b, loc, in, r, idx(0))
                             .getResult()
                       : r;
        srcCol = validCols
                     ? arith::SelectOp::create(b, loc, in, col, idx(0))
                           .getResult()
                     : col;
        n = arith::SelectOp::create(b, loc, in, idx(8), idx(0));
      }
      nvgpu::DeviceAsyncCopyOp::create(
          b, loc, nvgpu::DeviceAsyncTokenType::get(b.getContext()), dst,
          ValueRange{r, col}, src, at(srcRow, srcCol), b.getIndexAttr(8), n,
          b.getUnitAttr());
    });
  }
  /// cp.async.commit_group: the copies issued since the last commit form a
  /// group (possibly empty). cp.async.wait_group n: every group of this
  /// thread but the n most recent ones has landed.
  void commit() { NVVM::CpAsyncCommitGroupOp::create(b, loc); }
  void waitGroups(int64_t pending) {
    NVVM::CpAsyncWaitGroupOp::create(b, loc, static_cast<uint32_t>(pending));
  }
  /// Every thread of the block reaches it before any goes on
  /// (llvm.nvvm.barrier0: convergent, so LLVM keeps it out of divergent
  /// code).
  void barrier() { gpu::BarrierOp::create(b, loc); }
};

/// A launch of kThreads threads (one dimension) on grid (x, y, z) with
/// `smemBytes` of dynamic shared memory, marked `retention.microkernel`;
/// `body` builds the kernel at the start of its region.
inline void launchBlocks(KernelEmitter &em, Value x, Value y, Value z,
                         int64_t smemBytes,
                         function_ref<void(gpu::LaunchOp)> body) {
  OpBuilder::InsertionGuard guard(em.b);
  gpu::LaunchOp op = em.launch(x, y, z, kThreads, smemBytes);
  body(op);
  gpu::TerminatorOp::create(em.b, em.loc);
}

/// First token and valid length min(T − c0, C) of chunk `c`.
inline std::pair<Value, Value> chunkStart(KernelEmitter &em, Value c) {
  Value c0 = em.mul(c, kChunk);
  Value left = arith::SubIOp::create(em.b, em.loc, em.tokens, c0);
  return {c0, arith::MinUIOp::create(em.b, em.loc, left, em.idx(kChunk))};
}

/// Source indices of a [C][cols] token tile of a [B, H, T, *] input: row
/// r, column col -> (bi, hi, c0 + r, col0 + col).
inline auto tokenAt(KernelEmitter &em, Value bi, Value hi, Value c0,
                    Value col0) {
  return [=, &em](Value r, Value col) -> SmallVector<Value> {
    return {bi, hi, em.add(c0, r), em.add(col0, col)};
  };
}

/// A [C][cols] token tile of every chunk: columns col0 .. col0 + cols of
/// the [B, H, T, *] input `src`. `plain`: staged as it is; `zeta`: with
/// one stage, its copy scaled by ζ is staged too (with two stages the
/// consumer scales V in registers: a copy cannot scale, and the plain
/// tile is always staged).
struct ChunkTile {
  Value src;
  int64_t cols;
  bool plain, zeta;
  Value col0 = Value(); // set in the kernel body
  int64_t validCols = 0; // > 0: columns from this one on are zero-filled
};

/// Tile shapes of one stage (one buffer per tile and copy).
inline SmallVector<std::pair<int64_t, int64_t>>
stageShapes(ArrayRef<ChunkTile> tiles, int64_t stages) {
  SmallVector<std::pair<int64_t, int64_t>> shapes;
  for (const ChunkTile &tile : tiles) {
    if (tile.plain || stages > 1)
      shapes.push_back({kChunk, tile.cols + kPad});
    if (tile.zeta && stages == 1)
      shapes.push_back({kChunk, tile.cols + kPad});
  }
  return shapes;
}
inline int64_t stagedBytes(ArrayRef<ChunkTile> tiles, int64_t stages) {
  return stages * KernelEmitter::sharedBytes(stageShapes(tiles, stages));
}

/// Shared memory per SM and per block of an H200 (sm_90), and what each
/// resident block reserves.
constexpr int64_t kSharedPerSM = 228 * 1024;
constexpr int64_t kSharedPerBlock = 227 * 1024;
constexpr int64_t kSharedReserved = 1024;
inline int64_t blocksPerSM(int64_t bytes) {
  return kSharedPerSM / (bytes + kSharedReserved);
}

/// Brings each chunk's tiles into shared memory (from byte `base` on):
/// with one stage, 16-byte loads when the chunk starts; with two, cp.async
/// copies one chunk ahead into the other of two buffers (chunk c in
/// buffer c % 2), so the loads of chunk c + 1 overlap the math of c.
struct ChunkStager {
  KernelEmitter &em;
  SmallVector<ChunkTile> tiles;
  int64_t stages, base;
  Value tid, bi, hi, lg;

  int64_t stageBytes() const {
    return KernelEmitter::sharedBytes(stageShapes(tiles, stages));
  }
  SmallVector<Value> buffer(Value which) {
    Value off = em.add(em.mul(which, stageBytes()), base);
    return em.tileViews(stageShapes(tiles, stages), off);
  }
  /// Issues the copies of chunk `c` into buffer `which` (two stages).
  void prefetch(Value c, Value which) {
    auto [c0, len] = chunkStart(em, c);
    SmallVector<Value> views = buffer(which);
    for (auto [tile, view] : llvm::zip(tiles, views))
      em.stageAsync(tid, tile.src, tokenAt(em, bi, hi, c0, tile.col0), kChunk,
                    tile.cols, len, view,
                    tile.validCols > 0 ? em.idx(tile.validCols) : Value());
  }
  /// Before the chunk loop: chunk 0 on its way (two stages).
  void start() {
    if (stages == 1)
      return;
    prefetch(em.idx(0), em.idx(0));
    em.commit();
  }
  /// In chunk c's iteration (first token c0, len valid rows): chunk c's
  /// tiles in shared memory for every thread, after a barrier. Returns,
  /// per tile, its plain view and its ζ-scaled one (null with two
  /// stages: the consumer scales).
  std::pair<SmallVector<Value>, SmallVector<Value>>
  acquire(Value c, Value c0, Value len, Value lenF) {
    SmallVector<Value> plain, zeta;
    if (stages == 1) {
      SmallVector<Value> views = buffer(em.idx(0));
      unsigned v = 0;
      for (const ChunkTile &tile : tiles) {
        plain.push_back(tile.plain ? views[v++] : Value());
        zeta.push_back(tile.zeta ? views[v++] : Value());
        em.stage(tid, tile.src, tokenAt(em, bi, hi, c0, tile.col0), kChunk,
                 tile.cols, len, plain.back(), zeta.back(), lenF, lg,
                 tile.validCols);
      }
    } else {
      // Chunk c + 1 into the buffer chunk c − 1 used (every warp is past
      // it: the barrier that ended that iteration).
      OpBuilder &b = em.b;
      Value next = em.add(c, 1);
      Value more = arith::CmpIOp::create(b, em.loc, arith::CmpIPredicate::ult,
                                         next, em.numChunks());
      auto ifOp = scf::IfOp::create(b, em.loc, more);
      {
        OpBuilder::InsertionGuard guard(b);
        b.setInsertionPointToStart(ifOp.thenBlock());
        prefetch(next, em.rem(next, 2));
      }
      // Every group but the newest (chunk c + 1's, maybe empty) landed.
      em.commit();
      em.waitGroups(1);
      plain = buffer(em.rem(c, 2));
      zeta.assign(tiles.size(), Value());
    }
    em.barrier();
    return {plain, zeta};
  }
};

} // namespace mlir::retention::mma

#endif // RETENTION_CODEGEN_MMASTAGING_H
