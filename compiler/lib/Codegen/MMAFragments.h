//===- MMAFragments.h - mma.sync fragment math of the chunkwise kernels ---===//
//
// The fragment side of the tensor-core retention kernels (ChunkwiseMMA.h):
// lane values, ldmatrix addressing of the four operand kinds, the m16n8k16
// product, and the two per-chunk computations on fragments: a chunk's
// output (step 2) and the state update (step 3). Everything here runs on
// operands already staged in shared memory (MMAStaging.h); layouts as in
// the PTX ISA (see ChunkwiseMMA.h).
//
//===----------------------------------------------------------------------===//

#ifndef RETENTION_CODEGEN_MMAFRAGMENTS_H
#define RETENTION_CODEGEN_MMAFRAGMENTS_H

#include "ChunkwiseMMA.h"
#include "IndexBuilder.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

#include <array>

namespace mlir::retention::mma {

/// Fragment math of one kernel; all helpers build at the current insertion
/// point of `b`.
class FragmentEmitter : public kernel::IndexBuilder {
public:
  FragmentEmitter(OpBuilder &b, Location loc, const Shape &sh)
      : IndexBuilder(b, loc), sh(sh), f32(b.getF32Type()) {}

  Shape sh;
  Type f32;
  /// The token count T at run time (an index; a constant when static):
  /// set before the kernels are built.
  Value tokens;
  /// ceil(T / C), built at the insertion point.
  Value numChunks() { return div(add(tokens, kChunk - 1), kChunk); }
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
  /// `x` through an identity the optimizer cannot see through or hoist (a
  /// register move, not a synchronization: it needs no `convergent`; MLIR
  /// has no op that LLVM may not look through).
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

  Value toF32(Value i) { return indexToF32(i); }
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
    // bf16: NVGPUToNVVM cannot lower nvgpu.mma.sync, so nvvm.mma.sync on
    // the fragments' registers (two bf16 per i32).
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
    SmallVector<Value> acc;
    for (int64_t i = 0; i < 4; ++i)
      acc.push_back(vector::ExtractOp::create(
          b, loc, c, ArrayRef<int64_t>{i / 2, i % 2}));
    auto structType = LLVM::LLVMStructType::getLiteral(
        b.getContext(), SmallVector<Type>(4, f32));
    auto op = NVVM::MmaOp::create(
        b, loc, structType, regs(a, 4), regs(bf, 2), acc,
        ArrayRef<int64_t>{16, 8, 16}, std::nullopt, std::nullopt,
        std::array<NVVM::MMATypes, 2>{NVVM::MMATypes::bf16,
                                      NVVM::MMATypes::bf16},
        std::array<NVVM::MMALayout, 2>{NVVM::MMALayout::row,
                                       NVVM::MMALayout::col});
    SmallVector<Value> d;
    for (int64_t i = 0; i < 4; ++i)
      d.push_back(LLVM::ExtractValueOp::create(b, loc, op.getResult(),
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

  /// ζ_row = γ^(lenF − 1 − row) for an f32 row index (rows >= len get
  /// γ^0: their data is zero, and γ^(negative) may overflow to inf).
  Value zeta(Value rowF, Value lenF, Value lg) {
    Value e = arith::SubFOp::create(
        b, loc, arith::SubFOp::create(b, loc, lenF, f(1.0)), rowF);
    return pow(arith::MaximumFOp::create(b, loc, e, f(0.0)), lg);
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
                                       tokens);
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

} // namespace mlir::retention::mma

#endif // RETENTION_CODEGEN_MMAFRAGMENTS_H
