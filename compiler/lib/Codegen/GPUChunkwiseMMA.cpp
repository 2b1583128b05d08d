//===- GPUChunkwiseMMA.cpp - chunkwise retention on tensor cores ----------===//
//
// Rewrites `retention.chunkwise` and `retention.parallel` ops on bf16/f16
// inputs with static shapes into one hand-scheduled `gpu.launch` (marked
// `retention.microkernel`) that runs the "fused chunk" schedule of
// flash-linear-attention's fused_chunk retention on mma.sync tensor cores.
// All forms compute the same result (DESIGN.md §2), so the kernel picks its
// own chunk size C = 64 whatever the op's chunk_size.
//
// Why a custom pass: upstream MLIR 22 reaches mma.sync only through
// vector.contract -> `--convert-vector-to-gpu=use-nvgpu=true`, which rejects
// bf16 transfer_reads (no bf16 ldmatrix path) and elementwise ops on mma
// fragments (the decay must be applied to the QK^T accumulator in
// registers); and nvgpu.mma.sync does not lower for bf16 (NVGPUToNVVM's
// operand-type deduction has no bf16), so bf16 products are emitted as the
// PTX instruction itself (llvm.inline_asm, pure), f16 ones as nvgpu.mma.sync.
// The barriers are `bar.sync 0` as side-effecting inline asm: the kernel is
// built on tensors before bufferization, and buffer-deallocation-pipeline
// rejects gpu.barrier / nvvm.barrier0 (no memory-effect interface in 22).
//
// Schedule, per block = (dv tile of BV columns, batch·head), 4 warps:
//   S (f32, dk x BV) lives in registers: warp w owns rows [w·dk/4, (w+1)·dk/4)
//   as mma C fragments; S16, a 16-bit copy in shared memory, feeds the cross
//   term. Per chunk of C = 64 tokens (L valid, L < C only in the last):
//   1. stage Q_c, K_c [C x dk], V_c and V_c ⊙ ζ (ζ_j = γ^(L−1−j)) [C x BV]
//      global -> shared with 16-byte loads, rows >= L zero; barrier;
//   2. warp w, rows 16w..16w+15: A = Q K^T (ldmatrix Q as A, K as the "col" B
//      operand), A ⊙ D in registers (D[i,j] = γ^(i−j), i >= j, else 0), the
//      f32 C fragments of two adjacent n8 tiles rounded to 16 bit are the A
//      fragment of one k16 step of P V (ldmatrix.trans V);
//      O = P V + ξ ⊙ (Q S16) (ξ_i = γ^(i+1), ldmatrix.trans S16), rows < L
//      stored × scale;
//   3. S = γ^L S + K^T (V ⊙ ζ) (K^T: ldmatrix.trans of the K tile as A);
//      barrier (every warp has read S16 and the tiles); write S16.
//   After the last chunk S is stored (f32). Shared rows are padded by 16
//   bytes, so the 8 row addresses of each ldmatrix hit distinct bank groups.
//
// Fragment layouts (PTX ISA, "Warp-level matrix load instruction: ldmatrix"
// and "Matrix Fragments for mma.m16n8k16 with floating point type"), with
// g = lane / 4, t = lane % 4:
//   A 16x16: register r holds row g + 8(r % 2), columns 2t + 8(r / 2) + {0,1}
//   B 16x8:  register r holds rows (k) 2t + 8r + {0,1}, column (n) g
//   C 16x8:  register r holds row g + 8r, columns 2t + {0,1}
//   ldmatrix .x4: lanes 8i..8i+7 address the rows of matrix i; register i of
//   a lane is row g, columns 2t+{0,1} of matrix i (with .trans: rows
//   2t+{0,1}, column g).
// test/tools/mma-fragment-model.py simulates this kernel lane by lane with
// the same address formulas and checks it against a float64 reference.
//
//===----------------------------------------------------------------------===//

#include "KernelBuffers.h"
#include "retention/Conversion/Passes.h"
#include "retention/Dialect/Retention/IR/RetentionOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

#include <cmath>

namespace mlir::retention {
#define GEN_PASS_DEF_RETENTIONGPUCHUNKWISEMMAPASS
#include "retention/Conversion/Passes.h.inc"
} // namespace mlir::retention

using namespace mlir;

namespace {

constexpr int64_t kChunk = 64; // tokens per chunk
constexpr int64_t kWarps = 4;  // warps per block
constexpr int64_t kPad = 8;    // elements of padding per shared row (16 B)
constexpr int64_t kThreads = 32 * kWarps;

struct Shape {
  int64_t batch, heads, tokens, dk, dv, bv;
  Type elt;
};

/// The kernel's shape for `op`, or failure when the op is left to the
/// generic path.
FailureOr<Shape> matchShape(Operation *op, int64_t blockV) {
  auto form = cast<retention::RetentionFormOpInterface>(op);
  auto q = cast<RankedTensorType>(form.getQ().getType());
  auto k = cast<RankedTensorType>(form.getK().getType());
  auto v = cast<RankedTensorType>(form.getV().getType());
  Type elt = q.getElementType();
  if (!elt.isBF16() && !elt.isF16())
    return failure();
  if (!q.hasStaticShape() || !k.hasStaticShape() || !v.hasStaticShape() ||
      q.getRank() != 4)
    return failure();
  if (Value s = form.getState())
    if (!cast<RankedTensorType>(s.getType()).hasStaticShape())
      return failure();
  Shape sh{q.getDimSize(0),
           q.getDimSize(1),
           q.getDimSize(2),
           q.getDimSize(3),
           v.getDimSize(3),
           0,
           elt};
  if (sh.tokens < 1 || sh.dk % 64 != 0 || sh.dk > 256)
    return failure();
  sh.bv = blockV > 0 ? blockV : (sh.dk <= 128 ? 64 : 32);
  if ((sh.bv != 16 && sh.bv != 32 && sh.bv != 64) || sh.dv % sh.bv != 0)
    return failure();
  if (sh.batch * sh.heads > 65535)
    return failure();
  return sh;
}

/// Emits the body of one kernel; all helpers build at the current insertion
/// point of `b`.
class KernelEmitter {
public:
  KernelEmitter(OpBuilder &b, Location loc, const Shape &sh)
      : b(b), loc(loc), sh(sh), f32(b.getF32Type()) {}

  OpBuilder &b;
  Location loc;
  Shape sh;
  Type f32;
  // Per-lane values.
  Value lane, warp, g, t, lm16, hi8, lo8, mid8;

  struct LaneValues {
    Value lane, warp, g, t, lm16, hi8, lo8, mid8;
  };
  LaneValues laneValues() { return {lane, warp, g, t, lm16, hi8, lo8, mid8}; }
  void setLaneValues(const LaneValues &v) {
    std::tie(lane, warp, g, t, lm16, hi8, lo8, mid8) =
        std::tie(v.lane, v.warp, v.g, v.t, v.lm16, v.hi8, v.lo8, v.mid8);
  }
  void setLane(Value tid) {
    lane = rem(tid, 32);
    warp = div(tid, 32);
    g = div(lane, 4);
    t = rem(lane, 4);
    lm16 = rem(lane, 16);
    hi8 = mul(div(lane, 16), 8);
    lo8 = rem(lane, 8);
    mid8 = mul(rem(div(lane, 8), 2), 8);
  }
  /// `x` through an identity the optimizer cannot see through or hoist.
  Value opaque(Value x) {
    Type i32 = b.getI32Type();
    Value x32 = arith::IndexCastOp::create(b, loc, i32, x);
    auto op = LLVM::InlineAsmOp::create(
        b, loc, i32, ValueRange{x32}, "mov.b32 $0, $1;", "=r,r",
        /*has_side_effects=*/true, /*is_align_stack=*/false,
        LLVM::tailcallkind::TailCallKind::None, LLVM::AsmDialectAttr(),
        ArrayAttr());
    return arith::IndexCastOp::create(b, loc, b.getIndexType(),
                                      op.getResult(0));
  }

  Value idx(int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); }
  Value f(double v) {
    return arith::ConstantOp::create(b, loc, b.getF32FloatAttr(v));
  }
  Value add(Value x, int64_t c) {
    return c == 0 ? x : arith::AddIOp::create(b, loc, x, idx(c)).getResult();
  }
  Value add(Value x, Value y) { return arith::AddIOp::create(b, loc, x, y); }
  Value mul(Value x, int64_t c) {
    return arith::MulIOp::create(b, loc, x, idx(c));
  }
  Value div(Value x, int64_t c) {
    return arith::DivUIOp::create(b, loc, x, idx(c));
  }
  Value rem(Value x, int64_t c) {
    return arith::RemUIOp::create(b, loc, x, idx(c));
  }
  Value toF32(Value i) {
    Value i32 = arith::IndexCastOp::create(b, loc, b.getI32Type(), i);
    return arith::SIToFPOp::create(b, loc, f32, i32);
  }
  /// γ^e = exp2(e · log2 γ) for an f32 exponent.
  Value pow(Value e, Value lg) {
    return math::Exp2Op::create(b, loc, arith::MulFOp::create(b, loc, e, lg));
  }

  VectorType aType() { return VectorType::get({4, 2}, sh.elt); }
  VectorType bType() { return VectorType::get({2, 2}, sh.elt); }
  VectorType cType() { return VectorType::get({2, 2}, f32); }
  Value zeroC() {
    return arith::ConstantOp::create(b, loc,
                                     DenseElementsAttr::get(cType(), 0.0f));
  }

  void barrier() {
    LLVM::InlineAsmOp::create(b, loc, Type(), ValueRange(), "bar.sync 0;", "",
                              /*has_side_effects=*/true,
                              /*is_align_stack=*/false,
                              LLVM::tailcallkind::TailCallKind::None,
                              LLVM::AsmDialectAttr(), ArrayAttr());
  }

  /// ldmatrix .x4 from shared `mem` at this lane's (row, col).
  Value ldm(Value mem, Value row, Value col, bool trans) {
    return nvgpu::LdMatrixOp::create(b, loc, aType(), mem, ValueRange{row, col},
                                     trans, 4);
  }
  /// n-D vectors are only taken apart and put together row by row (extract
  /// and insert lower to LLVM aggregates; n-D shuffles and bitcasts do not).
  Value row(Value x, int64_t i) {
    return vector::ExtractOp::create(b, loc, x, ArrayRef<int64_t>{i});
  }
  Value fromRows(VectorType type, ArrayRef<Value> rows) {
    Value acc = arith::ConstantOp::create(
        b, loc,
        DenseElementsAttr::get(type, b.getZeroAttr(type.getElementType())));
    for (auto [i, r] : llvm::enumerate(rows))
      acc = vector::InsertOp::create(b, loc, r, acc,
                                     ArrayRef<int64_t>{int64_t(i)});
    return acc;
  }
  /// The B fragment (n8 tile) h of an .x4 load: registers {2h, 2h+1}.
  Value half(Value x4, int64_t h) {
    return fromRows(bType(), {row(x4, 2 * h), row(x4, 2 * h + 1)});
  }

  /// D = A B + C, m16n8k16, f32 accumulation.
  Value mma(Value a, Value bf, Value c) {
    if (sh.elt.isF16())
      return nvgpu::MmaSyncOp::create(b, loc, a, bf, c,
                                      ArrayRef<int64_t>{16, 8, 16});
    // bf16: NVGPUToNVVM cannot lower nvgpu.mma.sync, so the PTX instruction.
    Type i32 = b.getI32Type();
    auto regs = [&](Value x, int64_t n) {
      SmallVector<Value> r;
      for (int64_t i = 0; i < n; ++i) {
        Value asI32 = vector::BitCastOp::create(
            b, loc, VectorType::get({1}, i32), row(x, i));
        r.push_back(
            vector::ExtractOp::create(b, loc, asI32, ArrayRef<int64_t>{0}));
      }
      return r;
    };
    SmallVector<Value> operands = regs(a, 4);
    llvm::append_range(operands, regs(bf, 2));
    for (int64_t i = 0; i < 4; ++i)
      operands.push_back(vector::ExtractOp::create(
          b, loc, c, ArrayRef<int64_t>{i / 2, i % 2}));
    auto structType = LLVM::LLVMStructType::getLiteral(
        b.getContext(), SmallVector<Type>(4, f32));
    auto asmOp = LLVM::InlineAsmOp::create(
        b, loc, structType, operands,
        "mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 "
        "{$0,$1,$2,$3}, {$4,$5,$6,$7}, {$8,$9}, {$10,$11,$12,$13};",
        "=f,=f,=f,=f,r,r,r,r,r,r,f,f,f,f", /*has_side_effects=*/false,
        /*is_align_stack=*/false, LLVM::tailcallkind::TailCallKind::None,
        LLVM::AsmDialectAttr(), ArrayAttr());
    SmallVector<Value> d;
    for (int64_t i = 0; i < 4; ++i)
      d.push_back(LLVM::ExtractValueOp::create(b, loc, asmOp.getResult(0),
                                               ArrayRef<int64_t>{i}));
    VectorType v2 = VectorType::get({2}, f32);
    return fromRows(
        cType(),
        {vector::FromElementsOp::create(b, loc, v2, ValueRange{d[0], d[1]}),
         vector::FromElementsOp::create(b, loc, v2, ValueRange{d[2], d[3]})});
  }

  /// Lane addresses of the four operand kinds (see the model script):
  /// A from a row-major [m][k] tile at (r0, k0).
  std::pair<Value, Value> addrA(Value r0, int64_t k0) {
    return {add(r0, lm16), add(hi8, k0)};
  }
  /// B from an [n][k] tile (K for Q K^T), no .trans; registers {0,1} are
  /// n-tile n0, {2,3} n-tile n0 + 8.
  std::pair<Value, Value> addrBnk(int64_t n0, int64_t k0) {
    return {add(add(hi8, lo8), n0), add(mid8, k0)};
  }
  /// B from a [k][n] tile (V, V ⊙ ζ, S16), .trans.
  std::pair<Value, Value> addrBkn(int64_t k0, int64_t n0) {
    return {add(add(mid8, lo8), k0), add(hi8, n0)};
  }
  /// A = tile^T from a [k][m] tile (K^T in the state update), .trans.
  std::pair<Value, Value> addrAt(int64_t k0, Value m0) {
    return {add(add(hi8, lo8), k0), add(m0, mid8)};
  }
};

struct GPUChunkwiseMMAPass
    : mlir::retention::impl::RetentionGPUChunkwiseMMAPassBase<
          GPUChunkwiseMMAPass> {
  using Base::Base;

  void runOnOperation() override {
    SmallVector<Operation *> ops;
    getOperation().walk([&](Operation *op) {
      if (isa<retention::ChunkwiseOp, retention::ParallelOp>(op))
        ops.push_back(op);
    });
    for (Operation *op : ops) {
      FailureOr<Shape> sh = matchShape(op, blockV);
      if (succeeded(sh))
        rewrite(op, *sh);
    }
  }

  void rewrite(Operation *op, const Shape &sh) {
    auto form = cast<retention::RetentionFormOpInterface>(op);
    OpBuilder b(op);
    Location loc = op->getLoc();
    KernelEmitter em(b, loc, sh);
    Value finalState = form.getFinalStateOrNull();
    bool hasState = bool(form.getState());

    // Inputs as row-major buffers of any offset and strides (no copy of a
    // slice); results written straight into the buffer they materialize in
    // when that is their only use.
    Value qm = retention::kernel::readBuffer(b, loc, form.getQ()),
          km = retention::kernel::readBuffer(b, loc, form.getK()),
          vm = retention::kernel::readBuffer(b, loc, form.getV());
    Value s0m = hasState ? retention::kernel::readBuffer(b, loc, form.getState())
                         : Value();
    Type oElt = cast<ShapedType>(op->getResult(0).getType()).getElementType();
    retention::kernel::ResultBuffer oBuf =
        retention::kernel::resultBuffer(b, op, op->getResult(0), {});
    retention::kernel::ResultBuffer sBuf =
        finalState ? retention::kernel::resultBuffer(b, op, finalState, {})
                   : retention::kernel::ResultBuffer{};
    Value om = oBuf.memref, sm = sBuf.memref;

    // log2 γ per head, selected by the head index inside the kernel.
    SmallVector<float> lgs;
    for (double g : form.getGamma())
      lgs.push_back(static_cast<float>(std::log2(g)));

    // Shared memory: Q, K [C][dk+pad]; V, Vz [C][BV+pad]; S16 [dk][BV+pad].
    int64_t eb = 2;
    int64_t qkRow = sh.dk + kPad, vRow = sh.bv + kPad;
    int64_t qBytes = kChunk * qkRow * eb, vBytes = kChunk * vRow * eb,
            sBytes = sh.dk * vRow * eb;
    int64_t offQ = 0, offK = qBytes, offV = 2 * qBytes, offVz = offV + vBytes,
            offS = offVz + vBytes, smemBytes = offS + sBytes;

    Value one = em.idx(1);
    Value smemSize = arith::ConstantOp::create(
        b, loc, b.getI32IntegerAttr(static_cast<int32_t>(smemBytes)));
    auto launch = gpu::LaunchOp::create(b, loc, em.idx(sh.dv / sh.bv),
                                        em.idx(sh.batch * sh.heads), one,
                                        em.idx(kThreads), one, one, smemSize);
    launch->setAttr("retention.microkernel", b.getUnitAttr());
    {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(&launch.getBody().front());
      emitKernel(em, launch, sh, qm, km, vm, s0m, om, sm, lgs, offQ, offK, offV,
                 offVz, offS, form.getScale().convertToDouble(), oElt);
      gpu::TerminatorOp::create(b, loc);
    }

    if (oBuf.tensor)
      op->getResult(0).replaceAllUsesWith(oBuf.tensor);
    if (finalState && sBuf.tensor)
      finalState.replaceAllUsesWith(sBuf.tensor);
    op->erase();
  }

  void emitKernel(KernelEmitter &em, gpu::LaunchOp launch, const Shape &sh,
                  Value qm, Value km, Value vm, Value s0m, Value om, Value sm,
                  ArrayRef<float> lgs, int64_t offQ, int64_t offK, int64_t offV,
                  int64_t offVz, int64_t offS, double scale, Type oElt) {
    OpBuilder &b = em.b;
    Location loc = em.loc;
    Type f32 = b.getF32Type(), elt = sh.elt;
    auto ws = gpu::AddressSpaceAttr::get(b.getContext(),
                                         gpu::AddressSpace::Workgroup);
    Value tid = launch.getThreadIds().x;
    Value v0 = em.mul(launch.getBlockIds().x, sh.bv);
    Value bh = launch.getBlockIds().y;
    Value bi = em.div(bh, sh.heads), hi = em.rem(bh, sh.heads);
    em.setLane(tid);

    // log2 γ of this block's head.
    Value lg = em.f(lgs[0]);
    for (size_t h = 1; h < lgs.size(); ++h) {
      if (lgs[h] == lgs[0])
        continue;
      Value isH = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, hi,
                                        em.idx(h));
      lg = arith::SelectOp::create(b, loc, isH, em.f(lgs[h]), lg);
    }

    // Shared tiles.
    Value dyn = gpu::DynamicSharedMemoryOp::create(
        b, loc,
        MemRefType::get({ShapedType::kDynamic}, b.getI8Type(),
                        MemRefLayoutAttrInterface(), ws));
    auto view = [&](int64_t off, int64_t rows, int64_t cols) -> Value {
      return memref::ViewOp::create(
          b, loc,
          MemRefType::get({rows, cols}, elt, MemRefLayoutAttrInterface(), ws),
          dyn, em.idx(off), ValueRange());
    };
    Value qs = view(offQ, kChunk, sh.dk + kPad);
    Value ks = view(offK, kChunk, sh.dk + kPad);
    Value vs = view(offV, kChunk, sh.bv + kPad);
    Value vzs = view(offVz, kChunk, sh.bv + kPad);
    Value s16 = view(offS, sh.dk, sh.bv + kPad);

    // State accumulators: warp w owns rows [w·RS, (w+1)·RS), RS = dk/4, as
    // (RS/16) x (BV/8) C fragments, index mt·(BV/8) + nt.
    int64_t rs = sh.dk / kWarps, mTiles = rs / 16, nTiles = sh.bv / 8;
    Value sRow0 = em.mul(em.warp, rs);
    auto fragRow = [&](int64_t mt, int64_t r) {
      return em.add(em.add(sRow0, em.g), 16 * mt + 8 * r);
    };
    auto fragCol = [&](int64_t nt) { return em.add(em.mul(em.t, 2), 8 * nt); };
    VectorType v2f = VectorType::get({2}, f32);
    VectorType v2e = VectorType::get({2}, elt);
    SmallVector<Value> state;
    for (int64_t mt = 0; mt < mTiles; ++mt)
      for (int64_t nt = 0; nt < nTiles; ++nt) {
        if (!s0m) {
          state.push_back(em.zeroC());
          continue;
        }
        Value c = em.zeroC();
        for (int64_t r = 0; r < 2; ++r) {
          auto x = vector::LoadOp::create(
              b, loc, v2f, s0m,
              ValueRange{bi, hi, fragRow(mt, r), em.add(v0, fragCol(nt))});
          x.setAlignment(8);
          c = vector::InsertOp::create(b, loc, x, c, ArrayRef<int64_t>{r});
        }
        state.push_back(c);
      }
    auto writeS16 = [&](ValueRange acc) {
      for (int64_t mt = 0; mt < mTiles; ++mt)
        for (int64_t nt = 0; nt < nTiles; ++nt)
          for (int64_t r = 0; r < 2; ++r) {
            Value x = vector::ExtractOp::create(b, loc, acc[mt * nTiles + nt],
                                                ArrayRef<int64_t>{r});
            Value y = arith::TruncFOp::create(b, loc, v2e, x);
            vector::StoreOp::create(b, loc, y, s16,
                                    ValueRange{fragRow(mt, r), fragCol(nt)})
                .setAlignment(4);
          }
    };
    writeS16(state);

    KernelEmitter::LaneValues outer = em.laneValues();
    Value outerRow0 = sRow0;
    int64_t numChunks = (sh.tokens + kChunk - 1) / kChunk;
    auto loop = scf::ForOp::create(b, loc, em.idx(0), em.idx(numChunks),
                                   em.idx(1), state);
    {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(loop.getBody());
      Value c0 = em.mul(loop.getInductionVar(), kChunk);
      Value left = arith::SubIOp::create(b, loc, em.idx(sh.tokens), c0);
      Value len = arith::MinUIOp::create(b, loc, left, em.idx(kChunk));
      Value lenF = em.toF32(len);
      SmallVector<Value> acc(loop.getRegionIterArgs());
      // Lane-derived values are recomputed from an opaque copy of the
      // thread id in every chunk: otherwise LLVM hoists the ~100 distinct
      // shared-memory addresses (and the decay weights) out of the chunk
      // loop and the kernel spills; in the loop they fold into base +
      // immediate addressing.
      em.setLane(em.opaque(tid));
      sRow0 = em.mul(em.warp, rs);

      // 1. Stage the chunk's tiles (rows >= len are zero).
      VectorType v8 = VectorType::get({8}, elt);
      Value zero8 = arith::ConstantOp::create(
          b, loc, DenseElementsAttr::get(v8, b.getZeroAttr(elt)));
      auto stage = [&](Value src, int64_t cols, Value col0,
                       ArrayRef<Value> dsts, bool scaled) {
        int64_t perRow = cols / 8, total = kChunk * perRow;
        auto copy =
            scf::ForOp::create(b, loc, tid, em.idx(total), em.idx(kThreads));
        OpBuilder::InsertionGuard g2(b);
        b.setInsertionPointToStart(copy.getBody());
        Value i = copy.getInductionVar();
        Value row = em.div(i, perRow), col = em.mul(em.rem(i, perRow), 8);
        Value tok = em.add(c0, row);
        Value in = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, tok,
                                         em.idx(sh.tokens));
        auto ifOp = scf::IfOp::create(b, loc, TypeRange{v8}, in,
                                      /*withElseRegion=*/true);
        {
          OpBuilder::InsertionGuard g3(b);
          b.setInsertionPointToStart(ifOp.thenBlock());
          auto ld = vector::LoadOp::create(
              b, loc, v8, src, ValueRange{bi, hi, tok, em.add(col0, col)});
          ld.setAlignment(16);
          scf::YieldOp::create(b, loc, ld.getResult());
          b.setInsertionPointToStart(ifOp.elseBlock());
          scf::YieldOp::create(b, loc, zero8);
        }
        Value x = ifOp.getResult(0);
        auto st =
            vector::StoreOp::create(b, loc, x, dsts[0], ValueRange{row, col});
        st.setAlignment(16);
        if (scaled) {
          // ζ_row = γ^(len − 1 − row)
          Value e = arith::SubFOp::create(
              b, loc, arith::SubFOp::create(b, loc, lenF, em.f(1.0)),
              em.toF32(row));
          Value z = em.pow(e, lg);
          VectorType v8f = VectorType::get({8}, f32);
          Value xf = arith::ExtFOp::create(b, loc, v8f, x);
          Value zs = vector::BroadcastOp::create(b, loc, v8f, z);
          Value y = arith::TruncFOp::create(
              b, loc, v8, arith::MulFOp::create(b, loc, xf, zs));
          auto st2 =
              vector::StoreOp::create(b, loc, y, dsts[1], ValueRange{row, col});
          st2.setAlignment(16);
        }
      };
      stage(qm, sh.dk, em.idx(0), {qs}, false);
      stage(km, sh.dk, em.idx(0), {ks}, false);
      stage(vm, sh.bv, v0, {vs, vzs}, true);
      em.barrier();

      // 2. This warp's 16 query rows: A = Q K^T and O = Q S16 in one pass
      //    over dk (each Q fragment is loaded once).
      Value r0 = em.mul(em.warp, 16);
      SmallVector<Value> sc(kChunk / 8, em.zeroC());
      SmallVector<Value> o(nTiles, em.zeroC());
      for (int64_t kk = 0; kk < sh.dk / 16; ++kk) {
        auto [ar, ac] = em.addrA(r0, 16 * kk);
        Value a = em.ldm(qs, ar, ac, false);
        for (int64_t np = 0; np < kChunk / 16; ++np) {
          auto [br, bc] = em.addrBnk(16 * np, 16 * kk);
          Value bx = em.ldm(ks, br, bc, false);
          for (int64_t h = 0; h < 2; ++h)
            sc[2 * np + h] = em.mma(a, em.half(bx, h), sc[2 * np + h]);
        }
        for (int64_t np = 0; np < sh.bv / 16; ++np) {
          auto [br, bc] = em.addrBkn(16 * kk, 16 * np);
          Value bx = em.ldm(s16, br, bc, true);
          for (int64_t h = 0; h < 2; ++h)
            o[2 * np + h] = em.mma(a, em.half(bx, h), o[2 * np + h]);
        }
      }
      // Cross term rows scaled by ξ_i = γ^(i+1): C-fragment row r is
      // i = r0 + g + 8r.
      Value rowA = em.add(r0, em.g);
      SmallVector<Value> rowsXi;
      for (int64_t r = 0; r < 2; ++r) {
        Value i = em.add(rowA, 8 * r);
        Value xi =
            em.pow(arith::AddFOp::create(b, loc, em.toF32(i), em.f(1.0)), lg);
        rowsXi.push_back(vector::BroadcastOp::create(b, loc, v2f, xi));
      }
      Value xiv = em.fromRows(em.cType(), rowsXi);
      for (Value &x : o)
        x = arith::MulFOp::create(b, loc, x, xiv);
      // Decay and causal mask on the C fragments: element (r, e) of n-tile
      // nt is row i = r0 + g + 8r, column j = 8nt + 2t + e.
      Value base = arith::SubIOp::create(b, loc, rowA,
                                         em.mul(em.t, 2)); // i − j at r=e=nt=0
      Value baseI = arith::IndexCastOp::create(b, loc, b.getI32Type(), base);
      Value zf = em.f(0.0);
      for (int64_t nt = 0; nt < kChunk / 8; ++nt) {
        SmallVector<Value> w;
        for (int64_t r = 0; r < 2; ++r)
          for (int64_t e = 0; e < 2; ++e) {
            Value d = arith::AddIOp::create(
                b, loc, baseI,
                arith::ConstantOp::create(
                    b, loc, b.getI32IntegerAttr(8 * r - 8 * nt - e)));
            Value causal = arith::CmpIOp::create(
                b, loc, arith::CmpIPredicate::sge, d,
                arith::ConstantOp::create(b, loc, b.getI32IntegerAttr(0)));
            Value p = em.pow(arith::SIToFPOp::create(b, loc, f32, d), lg);
            w.push_back(arith::SelectOp::create(b, loc, causal, p, zf));
          }
        VectorType v2 = VectorType::get({2}, f32);
        Value wv = em.fromRows(
            em.cType(),
            {vector::FromElementsOp::create(b, loc, v2, ValueRange{w[0], w[1]}),
             vector::FromElementsOp::create(b, loc, v2,
                                            ValueRange{w[2], w[3]})});
        sc[nt] = arith::MulFOp::create(b, loc, sc[nt], wv);
      }
      // O += P V: the C fragments of n-tiles 2kk, 2kk+1 are the A fragment
      // of k-step kk (A registers 0,1 = tile 2kk rows g, g+8; 2,3 = 2kk+1).
      VectorType b2 = em.bType();
      for (int64_t kk = 0; kk < kChunk / 16; ++kk) {
        Value lo = arith::TruncFOp::create(b, loc, b2, sc[2 * kk]);
        Value hiT = arith::TruncFOp::create(b, loc, b2, sc[2 * kk + 1]);
        Value a = em.fromRows(em.aType(), {em.row(lo, 0), em.row(lo, 1),
                                           em.row(hiT, 0), em.row(hiT, 1)});
        for (int64_t np = 0; np < sh.bv / 16; ++np) {
          auto [br, bc] = em.addrBkn(16 * kk, 16 * np);
          Value bx = em.ldm(vs, br, bc, true);
          for (int64_t h = 0; h < 2; ++h)
            o[2 * np + h] = em.mma(a, em.half(bx, h), o[2 * np + h]);
        }
      }
      // Rows of this chunk (< T), × scale, in the output element type.
      Value sv = vector::BroadcastOp::create(b, loc, v2f, em.f(scale));
      for (int64_t r = 0; r < 2; ++r) {
        Value tok = em.add(em.add(c0, rowA), 8 * r);
        Value in = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, tok,
                                         em.idx(sh.tokens));
        auto ifOp = scf::IfOp::create(b, loc, in);
        OpBuilder::InsertionGuard g2(b);
        b.setInsertionPointToStart(ifOp.thenBlock());
        for (int64_t nt = 0; nt < nTiles; ++nt) {
          Value ov =
              vector::ExtractOp::create(b, loc, o[nt], ArrayRef<int64_t>{r});
          Value y = arith::MulFOp::create(b, loc, ov, sv);
          Value yt =
              arith::TruncFOp::create(b, loc, VectorType::get({2}, oElt), y);
          vector::StoreOp::create(
              b, loc, yt, om, ValueRange{bi, hi, tok, em.add(v0, fragCol(nt))})
              .setAlignment(4);
        }
      }

      // 3. S = γ^len S + K^T (V ⊙ ζ).
      Value gl = em.pow(lenF, lg);
      Value glv = vector::BroadcastOp::create(b, loc, em.cType(), gl);
      for (Value &s : acc)
        s = arith::MulFOp::create(b, loc, s, glv);
      for (int64_t mt = 0; mt < mTiles; ++mt) {
        Value m0 = em.add(sRow0, 16 * mt);
        for (int64_t kk = 0; kk < kChunk / 16; ++kk) {
          auto [ar, ac] = em.addrAt(16 * kk, m0);
          Value a = em.ldm(ks, ar, ac, true);
          for (int64_t np = 0; np < sh.bv / 16; ++np) {
            auto [br, bc] = em.addrBkn(16 * kk, 16 * np);
            Value bx = em.ldm(vzs, br, bc, true);
            for (int64_t h = 0; h < 2; ++h) {
              Value &s = acc[mt * nTiles + 2 * np + h];
              s = em.mma(a, em.half(bx, h), s);
            }
          }
        }
      }
      // Every warp has read S16 and the tiles of this chunk.
      em.barrier();
      writeS16(acc);
      scf::YieldOp::create(b, loc, acc);
    }

    em.setLaneValues(outer);
    sRow0 = outerRow0;
    if (sm) {
      for (int64_t mt = 0; mt < mTiles; ++mt)
        for (int64_t nt = 0; nt < nTiles; ++nt)
          for (int64_t r = 0; r < 2; ++r) {
            Value x = vector::ExtractOp::create(
                b, loc, loop.getResult(mt * nTiles + nt), ArrayRef<int64_t>{r});
            vector::StoreOp::create(
                b, loc, x, sm,
                ValueRange{bi, hi, fragRow(mt, r), em.add(v0, fragCol(nt))})
                .setAlignment(8);
          }
    }
  }
};

} // namespace
