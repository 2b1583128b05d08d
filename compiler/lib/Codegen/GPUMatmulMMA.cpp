//===- GPUMatmulMMA.cpp - 16-bit GEMMs on mma.sync tensor cores ----------===//
//
// C[M, N] (f32) = (or +=) A[M, K] · B[K, N] with A and B bf16 (or f16), B
// row-major [K, N] (the weights), M known only at run time (tokens of a
// prefill times sequences). One launch:
//
//   grid (ceil(M / 64), ceil(N / 64)), 4 warps; block (i, j) computes the
//   64 x 64 tile C[64i.., 64j..], warp w the 32 x 32 quarter at rows
//   32(w / 2), columns 32(w % 2): 2 x 4 m16n8 f32 accumulators.
//   Over K in steps of BK = 32 (16 when K is not a multiple of 32): the
//   A tile [64][BK] and the B tile [BK][64] come in with cp.async (16 bytes
//   per copy, L1 bypassed; rows of A >= M and columns of B >= N read
//   nothing and are zero-filled) into one of two buffers, one step ahead:
//   step s + 1 is issued before step s's math (its buffer was last read in
//   step s − 1, which ended with a barrier), then wait_group 1 (step s's
//   copies landed), barrier, the math, barrier.
//   Per k16: A fragments by ldmatrix.x4 from the [m][k] tile, B fragments
//   by ldmatrix.x4.trans from the [k][n] tile (two n8 tiles per load),
//   eight m16n8k16 products per warp.
//   Epilogue: each lane's C fragment pairs (two adjacent f32 columns) are
//   stored, rows < M and columns < N only; added to C first unless C = A·B.
//
// Shared rows are padded by 16 bytes (kPad), so the eight row addresses of
// each ldmatrix fall in distinct 16-byte bank groups. Shared memory: two
// stages of (64 x (BK + 8) + BK x 72) 16-bit elements, 19 KB at BK = 32.
// The fragment layouts and helpers are the retention kernels' (MMAFragments.h,
// MMAStaging.h).
//
//===----------------------------------------------------------------------===//

#include "MatmulKernels.h"

#include "MMAStaging.h"

using namespace mlir;
using namespace mlir::retention::mma;

namespace {
constexpr int64_t kTileM = 64, kTileN = 64; // block tile
constexpr int64_t kWarpM = 32, kWarpN = 32; // warp tile
constexpr int64_t kFragsM = kWarpM / 16, kFragsN = kWarpN / 8;
} // namespace

bool mlir::retention::mma::matmulFits(Type a, Type w, Type c) {
  auto at = dyn_cast<MemRefType>(a), wt = dyn_cast<MemRefType>(w),
       ct = dyn_cast<MemRefType>(c);
  if (!at || !wt || !ct || at.getRank() != 2 || wt.getRank() != 2 ||
      ct.getRank() != 2 || !wt.hasStaticShape())
    return false;
  Type elt = wt.getElementType();
  return (elt.isBF16() || elt.isF16()) && at.getElementType() == elt &&
         ct.getElementType().isF32() && wt.getDimSize(0) % 16 == 0 &&
         wt.getDimSize(1) % 8 == 0 && at.getDimSize(1) == wt.getDimSize(0);
}

void mlir::retention::mma::emitMatmul(OpBuilder &b, Location loc, Value a,
                                      Value w, Value c, Value m, bool zeroC,
                                      const Epilogue &epilogue) {
  auto wType = cast<MemRefType>(w.getType());
  const int64_t k = wType.getDimSize(0), n = wType.getDimSize(1);
  const int64_t bk = k % 32 == 0 ? 32 : 16, steps = k / bk;
  Shape sh{};
  sh.elt = wType.getElementType();
  KernelEmitter em(b, loc, sh);
  // One stage: the A tile, then the B tile.
  const SmallVector<std::pair<int64_t, int64_t>> shapes = {
      {kTileM, bk + kPad}, {bk, kTileN + kPad}};
  const int64_t stageBytes = KernelEmitter::sharedBytes(shapes);
  const int64_t stages = steps > 1 ? 2 : 1;

  Value blocksM = em.div(em.add(m, kTileM - 1), kTileM);
  Value blocksN = em.idx((n + kTileN - 1) / kTileN);
  launchBlocks(
      em, blocksM, blocksN, em.idx(1), stages * stageBytes,
      [&](gpu::LaunchOp launch) {
        Value tid = launch.getThreadIds().x;
        em.setLane(tid);
        em.sharedTiles({});
        Value m0 = em.mul(launch.getBlockIds().x, kTileM);
        Value n0 = em.mul(launch.getBlockIds().y, kTileN);
        Value rowsLeft = arith::SubIOp::create(b, loc, m, m0);
        Value colsLeft = arith::SubIOp::create(b, loc, em.idx(n), n0);
        Value wm = em.mul(em.div(em.warp, 2), kWarpM);
        Value wn = em.mul(em.rem(em.warp, 2), kWarpN);
        auto buffer = [&](Value which) {
          return em.tileViews(shapes, em.mul(which, stageBytes));
        };
        // Step s's tiles into buffer `which`: issued, not waited for.
        auto prefetch = [&](Value s, Value which) {
          SmallVector<Value> views = buffer(which);
          Value k0 = em.mul(s, bk);
          em.stageAsync(
              tid, a,
              [&](Value r, Value col) -> SmallVector<Value> {
                return {em.add(m0, r), em.add(k0, col)};
              },
              kTileM, bk, rowsLeft, views[0]);
          em.stageAsync(
              tid, w,
              [&](Value r, Value col) -> SmallVector<Value> {
                return {em.add(k0, r), em.add(n0, col)};
              },
              bk, kTileN, Value(), views[1],
              n % kTileN == 0 ? Value() : colsLeft);
        };
        prefetch(em.idx(0), em.idx(0));
        em.commit();

        SmallVector<Value> init(kFragsM * kFragsN, em.zeroC());
        auto loop = scf::ForOp::create(
            b, loc, em.idx(0), em.idx(steps), em.idx(1), init,
            [&](OpBuilder &, Location, Value s, ValueRange accIn) {
              SmallVector<Value> acc(accIn.begin(), accIn.end());
              if (stages > 1) {
                Value next = em.add(s, 1);
                auto more = scf::IfOp::create(
                    b, loc,
                    em.cmp(arith::CmpIPredicate::ult, next, em.idx(steps)));
                OpBuilder::InsertionGuard g(b);
                b.setInsertionPointToStart(more.thenBlock());
                prefetch(next, em.rem(next, 2));
              }
              // Every group but the newest (step s + 1's, maybe empty).
              em.commit();
              em.waitGroups(1);
              em.barrier();
              SmallVector<Value> views =
                  buffer(stages > 1 ? em.rem(s, 2) : em.idx(0));
              for (int64_t kk = 0; kk < bk / 16; ++kk) {
                SmallVector<Value> af;
                for (int64_t mt = 0; mt < kFragsM; ++mt) {
                  auto [row, col] = em.addrA(em.add(wm, 16 * mt), 16 * kk);
                  af.push_back(em.ldm(views[0], row, col, /*trans=*/false));
                }
                for (int64_t np = 0; np < kFragsN / 2; ++np) {
                  auto [row, col] = em.addrBkn(16 * kk, 16 * np);
                  Value bx =
                      em.ldm(views[1], row, em.add(col, wn), /*trans=*/true);
                  for (int64_t h = 0; h < 2; ++h)
                    for (int64_t mt = 0; mt < kFragsM; ++mt) {
                      Value &d = acc[mt * kFragsN + 2 * np + h];
                      d = em.mma(af[mt], em.half(bx, h), d);
                    }
                }
              }
              // Every warp is done with this buffer before step s + 2's
              // copies overwrite it.
              em.barrier();
              scf::YieldOp::create(b, loc, acc);
            });

        // Epilogue: rows < M, columns < N (whole n8 tiles: N % 8 == 0).
        VectorType v2 = VectorType::get({2}, em.f32);
        for (int64_t mt = 0; mt < kFragsM; ++mt)
          for (int64_t nt = 0; nt < kFragsN; ++nt)
            for (int64_t r = 0; r < 2; ++r) {
              Value row =
                  em.add(em.add(m0, em.add(wm, em.g)), 16 * mt + 8 * r);
              Value col = em.add(em.add(n0, wn), em.fragCol(nt));
              Value in = arith::AndIOp::create(
                  b, loc, em.cmp(arith::CmpIPredicate::ult, row, m),
                  em.cmp(arith::CmpIPredicate::ult, col, em.idx(n)));
              auto store = scf::IfOp::create(b, loc, in);
              OpBuilder::InsertionGuard g(b);
              b.setInsertionPointToStart(store.thenBlock());
              Value x = vector::ExtractOp::create(
                  b, loc, loop.getResult(mt * kFragsN + nt),
                  ArrayRef<int64_t>{r});
              if (!zeroC) {
                auto old = vector::LoadOp::create(b, loc, v2, c,
                                                  ValueRange{row, col});
                old.setAlignment(8);
                x = arith::AddFOp::create(b, loc, old, x);
              }
              epilogue.store(b, loc, x, c, row, col, 8);
            }
      });
}
