//===- GPUChunkwiseMMA.cpp - chunkwise retention on tensor cores ----------===//
//
// Rewrites `retention.chunkwise` and `retention.parallel` ops on bf16/f16
// inputs with static shapes into hand-scheduled `gpu.launch`es (marked
// `retention.microkernel`) on mma.sync tensor cores, in one of two
// schedules of flash-linear-attention's retention kernels: "fused chunk"
// (one launch) or "chunked" (chunk_fwd_h + chunk_fwd_o: two launches). All
// forms compute the same result (DESIGN.md §2), so the kernels pick their
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
// Fused schedule, per block = (dv tile of BV columns, batch·head), 4 warps:
//   S (f32, dk x BV) lives in registers: warp w owns rows [w·dk/4, (w+1)·dk/4)
//   as mma C fragments; S16, a 16-bit copy in shared memory, feeds the cross
//   term. Per chunk of C = 64 tokens (L valid, L < C only in the last):
//   1. stage Q_c, K_c [C x dk], V_c and V_c ⊙ ζ (ζ_j = γ^(L−1−j)) [C x BV]
//      global -> shared with 16-byte loads, rows >= L zero; barrier (one
//      stage; see "Pipelining" for two);
//   2. (chunkOutput) warp w, rows 16w..16w+15: A = Q K^T (ldmatrix Q as A,
//      K as the "col" B operand), A ⊙ D in registers (D[i,j] = γ^(i−j),
//      i >= j, else 0), the f32 C fragments of two adjacent n8 tiles rounded
//      to 16 bit are the A fragment of one k16 step of P V (ldmatrix.trans
//      V); O = P V + ξ ⊙ (Q S16) (ξ_i = γ^(i+1), ldmatrix.trans S16), rows
//      < L stored × scale;
//   3. (stateUpdate) S = γ^L S + K^T (V ⊙ ζ) (K^T: ldmatrix.trans of the K
//      tile as A); barrier (every warp has read S16 and the tiles); write
//      S16.
//   After the last chunk S is stored (f32). Shared rows are padded by 16
//   bytes, so the 8 row addresses of each ldmatrix hit distinct bank groups.
//
// Chunked schedule: the fused grid is (dv/BV) x (B·H) whatever T is (at
// B=4, H=16, dk=dv=128: 128 blocks, under one per SM of an H200, each
// walking T/64 chunks serially). Instead:
//   state kernel, grid (dk/64, dv/BVs, B·H), 4 warps: a 64 x BVs slice of
//     S in f32 registers (warp w: rows 16w..16w+15); per chunk c: store S
//     (= S_{c−1}, the state entering chunk c) rounded to 16 bit into
//     states[b, h, c, :, :] (a [B, H, NC, dk, dv] buffer allocated around
//     the launches), stage K_c's dk slice and V_c ⊙ ζ, barrier, step 3,
//     barrier. After the last chunk S (f32) is the final state. BVs = 64
//     when (dk/64)(dv/64)·B·H >= 2 · sm-count, else 32.
//   output kernel, grid (dv/BV, NC, B·H), 4 warps: stage Q_c, K_c, V_c and
//     states[b, h, c, :, v tile] (as S16), barrier, step 2.
//   The states buffer costs 2 · B·H·NC·dk·dv · 2 bytes of traffic (written
//   once, read once) and that much device memory.
// Pipelining (option `stages`, default 2): the fused and the state kernel
//   bring each chunk's tiles (Q, K, V; the state kernel K's slice and V) in
//   with cp.async (16 bytes, L1 bypassed; rows >= L read 0 bytes from a
//   clamped, valid address and are zero-filled) into one of two buffers:
//   chunk 0 before the loop; in chunk c's iteration, chunk c + 1 into buffer
//   (c + 1) % 2 (last read in iteration c − 1, which ended with a barrier),
//   commit_group, wait_group 1 (chunk c's group has landed), barrier, then
//   the math on buffer c % 2. A copy cannot scale, so V ⊙ ζ is not staged:
//   step 3 scales V's B fragments in registers (f32 product rounded to 16
//   bit, the staged copy's exact numerics). A kernel keeps one stage when
//   the doubled tiles exceed 227 KB or cost residency (fewer than
//   min(2, one-stage blocks) per SM by shared memory): the fused dk = 256,
//   BV = 32 kernel (96 KB -> 162 KB, two blocks per SM -> one).
//   commit_group / wait_group are inline asm like the barrier (the nvgpu
//   ops have no memory-effect interface either).
// Selection (option `schedule`, default auto): auto takes the chunked
// schedule when the fused grid has fewer than two blocks per SM,
// dv/BV · B·H < 2 · sm-count (default 132, an H200), and T >= 4 · C;
// else the fused one.
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
// test/tools/mma-fragment-model.py simulates both schedules lane by lane
// with the same address formulas and checks them against a float64
// reference.
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
  int64_t batch, heads, tokens, dk, dv, bv, bvState;
  Type elt;
  int64_t numChunks() const { return (tokens + kChunk - 1) / kChunk; }
};

/// The kernel's shape for `op`, or failure when the op is left to the
/// generic path. `bvState` (the state kernel's value tile) is 0 when the
/// requested one does not fit: the chunked schedule is then unavailable.
FailureOr<Shape> matchShape(Operation *op, int64_t blockV, int64_t stateBlockV,
                            int64_t smCount) {
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
           0,
           elt};
  if (sh.tokens < 1 || sh.dk % 64 != 0 || sh.dk > 256)
    return failure();
  sh.bv = blockV > 0 ? blockV : (sh.dk <= 128 ? 64 : 32);
  if ((sh.bv != 16 && sh.bv != 32 && sh.bv != 64) || sh.dv % sh.bv != 0)
    return failure();
  if (sh.batch * sh.heads > 65535)
    return failure();
  // State kernel: 64-column tiles when they alone give two blocks per SM,
  // else 32 (twice the blocks).
  int64_t bh = sh.batch * sh.heads;
  if (bh > 65535) // (batch, head) is a grid y or z dimension
    return failure();
  sh.bvState = stateBlockV;
  if (stateBlockV <= 0)
    sh.bvState =
        sh.dv % 64 == 0 && (sh.dk / 64) * (sh.dv / 64) * bh >= 2 * smCount
            ? 64
            : (sh.dv % 32 == 0 ? 32 : 16);
  if ((sh.bvState != 16 && sh.bvState != 32 && sh.bvState != 64) ||
      sh.dv % sh.bvState != 0 || sh.numChunks() > 65535)
    sh.bvState = 0;
  return sh;
}

enum class Schedule { Fused, Chunked };

/// The schedule rule (see the header): chunked when the fused grid has
/// fewer than two blocks per SM and there are at least four chunks.
Schedule pickSchedule(const Shape &sh, StringRef schedule, int64_t smCount) {
  if (schedule == "fused" || sh.bvState == 0)
    return Schedule::Fused;
  if (schedule == "chunked")
    return Schedule::Chunked;
  int64_t fusedBlocks = sh.dv / sh.bv * sh.batch * sh.heads;
  return fusedBlocks < 2 * smCount && sh.tokens >= 4 * kChunk
             ? Schedule::Chunked
             : Schedule::Fused;
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

  /// A PTX statement without operands, as side-effecting inline asm.
  void asmStatement(StringRef text) {
    LLVM::InlineAsmOp::create(b, loc, Type(), ValueRange(), text, "",
                              /*has_side_effects=*/true,
                              /*is_align_stack=*/false,
                              LLVM::tailcallkind::TailCallKind::None,
                              LLVM::AsmDialectAttr(), ArrayAttr());
  }
  void barrier() { asmStatement("bar.sync 0;"); }

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

  /// log2 γ of head `hi`: a select chain over the distinct decays.
  Value headLog2(ArrayRef<float> lgs, Value hi) {
    Value lg = f(lgs[0]);
    for (size_t h = 1; h < lgs.size(); ++h) {
      if (lgs[h] == lgs[0])
        continue;
      Value isH =
          arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, hi, idx(h));
      lg = arith::SelectOp::create(b, loc, isH, f(lgs[h]), lg);
    }
    return lg;
  }

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

  /// ζ_row = γ^(lenF − 1 − row) for an f32 row index (rows >= len get
  /// γ^0: their data is zero, and γ^(negative) may overflow to inf).
  Value zeta(Value rowF, Value lenF, Value lg) {
    Value e = arith::SubFOp::create(
        b, loc, arith::SubFOp::create(b, loc, lenF, f(1.0)), rowF);
    return pow(arith::MaximumFOp::create(b, loc, e, f(0.0)), lg);
  }

  /// Copies a [rows][cols] tile (cols a multiple of 8) into shared `dst` with
  /// 16-byte loads spread over the block; `at(row, col)` gives the source
  /// indices of tile element (row, col); rows >= `valid` (when given) are
  /// zero. With `zetaDst`, the rows scaled by ζ_row = γ^(lenF − 1 − row)
  /// go there too (`dst` may then be null).
  void stage(Value tid, Value src,
             function_ref<SmallVector<Value>(Value, Value)> at, int64_t rows,
             int64_t cols, Value valid, Value dst, Value zetaDst = Value(),
             Value lenF = Value(), Value lg = Value()) {
    VectorType v8 = VectorType::get({8}, sh.elt);
    forEachPiece(tid, rows, cols, [&](Value r, Value col) {
      auto load = [&]() -> Value {
        auto ld = vector::LoadOp::create(b, loc, v8, src, at(r, col));
        ld.setAlignment(16);
        return ld;
      };
      Value x;
      if (!valid) {
        x = load();
      } else {
        Value in =
            arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, r, valid);
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
  /// issued, not waited for. Rows >= `valid` read nothing (source size 0,
  /// from a clamped, valid address) and are zero-filled.
  void stageAsync(Value tid, Value src,
                  function_ref<SmallVector<Value>(Value, Value)> at,
                  int64_t rows, int64_t cols, Value valid, Value dst) {
    forEachPiece(tid, rows, cols, [&](Value r, Value col) {
      Value in =
          arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, r, valid);
      Value srcRow = arith::SelectOp::create(b, loc, in, r, idx(0));
      Value n = arith::SelectOp::create(b, loc, in, idx(8), idx(0));
      nvgpu::DeviceAsyncCopyOp::create(
          b, loc, nvgpu::DeviceAsyncTokenType::get(b.getContext()), dst,
          ValueRange{r, col}, src, at(srcRow, col), b.getIndexAttr(8), n,
          b.getUnitAttr());
    });
  }
  /// cp.async.commit_group: the copies issued since the last commit form a
  /// group (possibly empty). cp.async.wait_group n: every group of this
  /// thread but the n most recent ones has landed. Side-effecting inline asm
  /// like the barrier: nvgpu.device_async_create_group / _wait have no
  /// memory-effect interface either (buffer-deallocation-pipeline rejects
  /// them).
  void commit() { asmStatement("cp.async.commit_group;"); }
  void waitGroups(int64_t pending) {
    asmStatement("cp.async.wait_group " + std::to_string(pending) + ";");
  }

  /// Column 2t + 8nt of C fragment n-tile nt.
  Value fragCol(int64_t nt) { return add(mul(t, 2), 8 * nt); }

  /// Stores mTiles x nTiles C fragments (index mt·nTiles + nt) into `mem`
  /// at prefix..., row0 + g + 16mt + 8r, col0 + 2t + 8nt (col0 may be
  /// null), as `elt` (f32 or rounded to 16 bit).
  void storeFrags(ValueRange acc, int64_t mTiles, int64_t nTiles, Value mem,
                  ValueRange prefix, Value row0, Value col0, Type elt) {
    bool round = elt != f32;
    for (int64_t mt = 0; mt < mTiles; ++mt)
      for (int64_t nt = 0; nt < nTiles; ++nt)
        for (int64_t r = 0; r < 2; ++r) {
          Value x = vector::ExtractOp::create(b, loc, acc[mt * nTiles + nt],
                                              ArrayRef<int64_t>{r});
          if (round)
            x = arith::TruncFOp::create(b, loc, VectorType::get({2}, elt), x);
          SmallVector<Value> at(prefix);
          at.push_back(add(add(row0, g), 16 * mt + 8 * r));
          at.push_back(col0 ? add(col0, fragCol(nt)) : fragCol(nt));
          vector::StoreOp::create(b, loc, x, mem, at)
              .setAlignment(round ? 4 : 8);
        }
  }
  /// The C fragments storeFrags would store, loaded from an f32 `mem`.
  SmallVector<Value> loadFrags(int64_t mTiles, int64_t nTiles, Value mem,
                               ValueRange prefix, Value row0, Value col0) {
    VectorType v2f = VectorType::get({2}, f32);
    SmallVector<Value> acc;
    for (int64_t mt = 0; mt < mTiles; ++mt)
      for (int64_t nt = 0; nt < nTiles; ++nt) {
        Value c = zeroC();
        for (int64_t r = 0; r < 2; ++r) {
          SmallVector<Value> at(prefix);
          at.push_back(add(add(row0, g), 16 * mt + 8 * r));
          at.push_back(add(col0, fragCol(nt)));
          auto x = vector::LoadOp::create(b, loc, v2f, mem, at);
          x.setAlignment(8);
          c = vector::InsertOp::create(b, loc, x, c, ArrayRef<int64_t>{r});
        }
        acc.push_back(c);
      }
    return acc;
  }

  /// Chunk output (step 2) for the chunk at token c0 staged in qs, ks
  /// [C][dk] and vs [C][BV], with s16 [dk][BV] the 16-bit state entering the
  /// chunk: this warp's 16 query rows of
  ///   O = scale · ((Q K^T ⊙ D) V + ξ ⊙ (Q S16)),
  /// rows < T stored into om[bi, hi, token, v0 + ...] as `oElt`.
  void chunkOutput(Value qs, Value ks, Value vs, Value s16, Value c0, Value lg,
                   double scale, Value om, Value bi, Value hi, Value v0,
                   Type oElt) {
    int64_t nTiles = sh.bv / 8;
    VectorType v2f = VectorType::get({2}, f32);
    // A = Q K^T and O = Q S16 in one pass over dk (each Q fragment is
    // loaded once).
    Value r0 = mul(warp, 16);
    SmallVector<Value> sc(kChunk / 8, zeroC());
    SmallVector<Value> o(nTiles, zeroC());
    for (int64_t kk = 0; kk < sh.dk / 16; ++kk) {
      auto [ar, ac] = addrA(r0, 16 * kk);
      Value a = ldm(qs, ar, ac, false);
      for (int64_t np = 0; np < kChunk / 16; ++np) {
        auto [br, bc] = addrBnk(16 * np, 16 * kk);
        Value bx = ldm(ks, br, bc, false);
        for (int64_t h = 0; h < 2; ++h)
          sc[2 * np + h] = mma(a, half(bx, h), sc[2 * np + h]);
      }
      for (int64_t np = 0; np < sh.bv / 16; ++np) {
        auto [br, bc] = addrBkn(16 * kk, 16 * np);
        Value bx = ldm(s16, br, bc, true);
        for (int64_t h = 0; h < 2; ++h)
          o[2 * np + h] = mma(a, half(bx, h), o[2 * np + h]);
      }
    }
    // Cross term rows scaled by ξ_i = γ^(i+1): C-fragment row r is
    // i = r0 + g + 8r.
    Value rowA = add(r0, g);
    SmallVector<Value> rowsXi;
    for (int64_t r = 0; r < 2; ++r) {
      Value i = add(rowA, 8 * r);
      Value xi = pow(arith::AddFOp::create(b, loc, toF32(i), f(1.0)), lg);
      rowsXi.push_back(vector::BroadcastOp::create(b, loc, v2f, xi));
    }
    Value xiv = fromRows(cType(), rowsXi);
    for (Value &x : o)
      x = arith::MulFOp::create(b, loc, x, xiv);
    // Decay and causal mask on the C fragments: element (r, e) of n-tile
    // nt is row i = r0 + g + 8r, column j = 8nt + 2t + e.
    Value base =
        arith::SubIOp::create(b, loc, rowA, mul(t, 2)); // i − j at r=e=nt=0
    Value baseI = arith::IndexCastOp::create(b, loc, b.getI32Type(), base);
    Value zf = f(0.0);
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
          Value p = pow(arith::SIToFPOp::create(b, loc, f32, d), lg);
          w.push_back(arith::SelectOp::create(b, loc, causal, p, zf));
        }
      Value wv = fromRows(
          cType(),
          {vector::FromElementsOp::create(b, loc, v2f, ValueRange{w[0], w[1]}),
           vector::FromElementsOp::create(b, loc, v2f,
                                          ValueRange{w[2], w[3]})});
      sc[nt] = arith::MulFOp::create(b, loc, sc[nt], wv);
    }
    // O += P V: the C fragments of n-tiles 2kk, 2kk+1 are the A fragment
    // of k-step kk (A registers 0,1 = tile 2kk rows g, g+8; 2,3 = 2kk+1).
    VectorType b2 = bType();
    for (int64_t kk = 0; kk < kChunk / 16; ++kk) {
      Value lo = arith::TruncFOp::create(b, loc, b2, sc[2 * kk]);
      Value hiT = arith::TruncFOp::create(b, loc, b2, sc[2 * kk + 1]);
      Value a =
          fromRows(aType(), {row(lo, 0), row(lo, 1), row(hiT, 0), row(hiT, 1)});
      for (int64_t np = 0; np < sh.bv / 16; ++np) {
        auto [br, bc] = addrBkn(16 * kk, 16 * np);
        Value bx = ldm(vs, br, bc, true);
        for (int64_t h = 0; h < 2; ++h)
          o[2 * np + h] = mma(a, half(bx, h), o[2 * np + h]);
      }
    }
    // Rows of this chunk (< T), × scale, in the output element type.
    Value sv = vector::BroadcastOp::create(b, loc, v2f, f(scale));
    for (int64_t r = 0; r < 2; ++r) {
      Value tok = add(add(c0, rowA), 8 * r);
      Value in = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, tok,
                                       idx(sh.tokens));
      auto ifOp = scf::IfOp::create(b, loc, in);
      OpBuilder::InsertionGuard g2(b);
      b.setInsertionPointToStart(ifOp.thenBlock());
      for (int64_t nt = 0; nt < nTiles; ++nt) {
        Value ov =
            vector::ExtractOp::create(b, loc, o[nt], ArrayRef<int64_t>{r});
        Value y = arith::MulFOp::create(b, loc, ov, sv);
        Value yt =
            arith::TruncFOp::create(b, loc, VectorType::get({2}, oElt), y);
        vector::StoreOp::create(b, loc, yt, om,
                                ValueRange{bi, hi, tok, add(v0, fragCol(nt))})
            .setAlignment(4);
      }
    }
  }

  /// State update (step 3) on this warp's accumulators, rows sRow0 + 16mt
  /// of the staged K tile's columns:  S = γ^len S + K^T (V ⊙ ζ). `vzs` holds
  /// V ⊙ ζ, or (zetaInRegs) V itself: its B fragments are then scaled by
  /// ζ_k in registers (k = 16kk + 2t + 8(i % 2) + {0,1} for register i of
  /// the .x4 load), rounded to 16 bit as the staged copy is, and each is
  /// loaded once for all mTiles (kk outermost).
  void stateUpdate(MutableArrayRef<Value> acc, Value ks, Value vzs, Value sRow0,
                   int64_t mTiles, int64_t nTiles, Value lenF, Value lg,
                   bool zetaInRegs = false) {
    Value gl = pow(lenF, lg);
    Value glv = vector::BroadcastOp::create(b, loc, cType(), gl);
    for (Value &s : acc)
      s = arith::MulFOp::create(b, loc, s, glv);
    auto kTA = [&](int64_t mt, int64_t kk) {
      auto [ar, ac] = addrAt(16 * kk, add(sRow0, 16 * mt));
      return ldm(ks, ar, ac, true);
    };
    auto vB = [&](int64_t kk, int64_t np) {
      auto [br, bc] = addrBkn(16 * kk, 16 * np);
      return ldm(vzs, br, bc, true);
    };
    auto step = [&](Value a, Value bx, int64_t mt, int64_t np) {
      for (int64_t h = 0; h < 2; ++h) {
        Value &s = acc[mt * nTiles + 2 * np + h];
        s = mma(a, half(bx, h), s);
      }
    };
    if (!zetaInRegs) {
      for (int64_t mt = 0; mt < mTiles; ++mt)
        for (int64_t kk = 0; kk < kChunk / 16; ++kk) {
          Value a = kTA(mt, kk);
          for (int64_t np = 0; np < nTiles / 2; ++np)
            step(a, vB(kk, np), mt, np);
        }
      return;
    }
    VectorType x4f = VectorType::get({4, 2}, f32);
    VectorType v2f = VectorType::get({2}, f32);
    for (int64_t kk = 0; kk < kChunk / 16; ++kk) {
      // ζ of this lane's k rows: registers 0, 2 rows 16kk + 2t + {0,1},
      // registers 1, 3 those + 8.
      Value k0F = toF32(add(mul(t, 2), 16 * kk));
      SmallVector<Value> zRows;
      for (int64_t up = 0; up < 2; ++up) {
        SmallVector<Value> z;
        for (int64_t e = 0; e < 2; ++e)
          z.push_back(zeta(arith::AddFOp::create(b, loc, k0F, f(8 * up + e)),
                           lenF, lg));
        zRows.push_back(vector::FromElementsOp::create(b, loc, v2f, z));
      }
      Value zx4 = fromRows(x4f, {zRows[0], zRows[1], zRows[0], zRows[1]});
      SmallVector<Value> as;
      for (int64_t mt = 0; mt < mTiles; ++mt)
        as.push_back(kTA(mt, kk));
      for (int64_t np = 0; np < nTiles / 2; ++np) {
        Value xf = arith::ExtFOp::create(b, loc, x4f, vB(kk, np));
        Value bx = arith::TruncFOp::create(
            b, loc, aType(), arith::MulFOp::create(b, loc, xf, zx4));
        for (int64_t mt = 0; mt < mTiles; ++mt)
          step(as[mt], bx, mt, np);
      }
    }
  }
};

/// What the kernels read and write (buffers), per op.
struct Operands {
  Value q, k, v, s0; // s0 null without an initial state
  Value o, sOut;     // sOut null without a final state
  Type oElt;
  SmallVector<float> lgs; // log2 γ per head
  double scale;
};

struct GPUChunkwiseMMAPass
    : mlir::retention::impl::RetentionGPUChunkwiseMMAPassBase<
          GPUChunkwiseMMAPass> {
  using Base::Base;

  void runOnOperation() override {
    if (schedule != "auto" && schedule != "fused" && schedule != "chunked") {
      getOperation().emitError("retention-gpu-chunkwise-mma: schedule must be "
                               "auto, fused or chunked, not '")
          << schedule << "'";
      return signalPassFailure();
    }
    if (stages != 1 && stages != 2) {
      getOperation().emitError(
          "retention-gpu-chunkwise-mma: stages must be 1 or 2, not ")
          << static_cast<int64_t>(stages);
      return signalPassFailure();
    }
    SmallVector<Operation *> ops;
    getOperation().walk([&](Operation *op) {
      if (isa<retention::ChunkwiseOp, retention::ParallelOp>(op))
        ops.push_back(op);
    });
    for (Operation *op : ops) {
      FailureOr<Shape> sh = matchShape(op, blockV, stateBlockV, smCount);
      if (succeeded(sh))
        rewrite(op, *sh, pickSchedule(*sh, schedule, smCount));
    }
  }

  void rewrite(Operation *op, const Shape &sh, Schedule sched) {
    auto form = cast<retention::RetentionFormOpInterface>(op);
    OpBuilder b(op);
    Location loc = op->getLoc();
    Value finalState = form.getFinalStateOrNull();

    // Inputs as row-major buffers of any offset and strides (no copy of a
    // slice); results written straight into the buffer they materialize in
    // when that is their only use.
    Operands ops;
    ops.q = retention::kernel::readBuffer(b, loc, form.getQ());
    ops.k = retention::kernel::readBuffer(b, loc, form.getK());
    ops.v = retention::kernel::readBuffer(b, loc, form.getV());
    if (form.getState())
      ops.s0 = retention::kernel::readBuffer(b, loc, form.getState());
    ops.oElt = cast<ShapedType>(op->getResult(0).getType()).getElementType();
    retention::kernel::ResultBuffer oBuf =
        retention::kernel::resultBuffer(b, op, op->getResult(0), {});
    retention::kernel::ResultBuffer sBuf =
        finalState ? retention::kernel::resultBuffer(b, op, finalState, {})
                   : retention::kernel::ResultBuffer{};
    ops.o = oBuf.memref;
    ops.sOut = sBuf.memref;
    for (double g : form.getGamma())
      ops.lgs.push_back(static_cast<float>(std::log2(g)));
    ops.scale = form.getScale().convertToDouble();

    // The tiles are staged with 16-byte cp.async copies and the results
    // stored in 8- and 16-byte vectors: views that are only element-aligned
    // take the generic path instead (checked at run time).
    SmallVector<std::pair<unsigned, Value>> results = {{0, ops.o}};
    if (finalState)
      results.push_back(
          {cast<OpResult>(finalState).getResultNumber(), ops.sOut});
    scf::IfOp guard = retention::kernel::ifAlignedElseGeneric(
        b, op, {ops.q, ops.k, ops.v, ops.s0, ops.o, ops.sOut}, results);
    b.setInsertionPoint(guard.thenBlock()->getTerminator());

    KernelEmitter em(b, loc, sh);
    if (sched == Schedule::Fused) {
      emitFused(em, ops);
    } else {
      // S_{c−1} of every chunk, 16-bit: written by the state kernel, read
      // by the output kernel.
      Value states = memref::AllocOp::create(
          b, loc,
          MemRefType::get({sh.batch, sh.heads, sh.numChunks(), sh.dk, sh.dv},
                          sh.elt));
      emitStateKernel(em, ops, states);
      emitOutputKernel(em, ops, states);
    }

    if (oBuf.tensor)
      op->getResult(0).replaceAllUsesWith(oBuf.tensor);
    if (finalState && sBuf.tensor)
      finalState.replaceAllUsesWith(sBuf.tensor);
    op->erase();
  }

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

  /// First token and valid length min(T − c0, C) of chunk `c`.
  static std::pair<Value, Value> chunkStart(KernelEmitter &em, Value c) {
    Value c0 = em.mul(c, kChunk);
    Value left = arith::SubIOp::create(em.b, em.loc, em.idx(em.sh.tokens), c0);
    return {c0, arith::MinUIOp::create(em.b, em.loc, left, em.idx(kChunk))};
  }

  /// Source indices of a [C][cols] token tile of a [B, H, T, *] input: row
  /// r, column col -> (bi, hi, c0 + r, col0 + col).
  static auto tokenAt(KernelEmitter &em, Value bi, Value hi, Value c0,
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
  };

  /// Tile shapes of one stage (one buffer per tile and copy).
  static SmallVector<std::pair<int64_t, int64_t>>
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
  static int64_t stagedBytes(ArrayRef<ChunkTile> tiles, int64_t stages) {
    return stages * KernelEmitter::sharedBytes(stageShapes(tiles, stages));
  }

  /// Shared memory per SM and per block of an H200 (sm_90), and what each
  /// resident block reserves.
  static constexpr int64_t kSharedPerSM = 228 * 1024;
  static constexpr int64_t kSharedPerBlock = 227 * 1024;
  static constexpr int64_t kSharedReserved = 1024;
  static int64_t blocksPerSM(int64_t bytes) {
    return kSharedPerSM / (bytes + kSharedReserved);
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
                      tile.cols, len, view);
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
                   tile.cols, len, plain.back(), zeta.back(), lenF, lg);
        }
      } else {
        // Chunk c + 1 into the buffer chunk c − 1 used (every warp is past
        // it: the barrier that ended that iteration).
        OpBuilder &b = em.b;
        Value next = em.add(c, 1);
        Value more = arith::CmpIOp::create(b, em.loc, arith::CmpIPredicate::ult,
                                           next, em.idx(em.sh.numChunks()));
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

  /// A launch of 128 threads on grid (x, y, z) with `smemBytes` of dynamic
  /// shared memory; `body` builds the kernel at the start of its region.
  static void launch(KernelEmitter &em, int64_t x, int64_t y, int64_t z,
                     int64_t smemBytes,
                     function_ref<void(gpu::LaunchOp)> body) {
    OpBuilder &b = em.b;
    Location loc = em.loc;
    Value one = em.idx(1);
    Value smemSize = arith::ConstantOp::create(
        b, loc, b.getI32IntegerAttr(static_cast<int32_t>(smemBytes)));
    auto op = gpu::LaunchOp::create(b, loc, em.idx(x), em.idx(y), em.idx(z),
                                    em.idx(kThreads), one, one, smemSize);
    op->setAttr("retention.microkernel", b.getUnitAttr());
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(&op.getBody().front());
    body(op);
    gpu::TerminatorOp::create(b, loc);
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
    auto loop = scf::ForOp::create(b, loc, em.idx(0), em.idx(em.sh.numChunks()),
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
    SmallVector<Value> state =
        ops.s0 ? em.loadFrags(mTiles, nTiles, ops.s0, {bi, hi}, sRow0, v0)
               : SmallVector<Value>(mTiles * nTiles, em.zeroC());
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
    if (ops.sOut)
      em.storeFrags(last, mTiles, nTiles, ops.sOut, {bi, hi}, sRow0, v0,
                    b.getF32Type());
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

} // namespace
