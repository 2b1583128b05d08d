//===- RetentionDecomposition.cpp - form ops → linalg/scf/tensor ----------===//
//
// The form ops' decomposition (linalg::AggregatedOpInterface): each
// (batch, head) tile of a retention op becomes the form's own loop over
// chunks or tokens built from linalg.generic ops on tensors (DESIGN.md §3).
// A tile of one batch row and one head (what convert-retention-to-linalg's
// upstream tiling leaves) decomposes in place; a larger op gets an
// scf.forall over its (batch, head) pairs around the same body. Everything
// emitted is upstream.
//
//===----------------------------------------------------------------------===//

#include "retention/Dialect/Retention/IR/RetentionOps.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include <cmath>

using namespace mlir;
using namespace mlir::retention;

namespace {

using utils::IteratorType;
using BodyFn =
    function_ref<Value(OpBuilder &, Location, Value x, Value i, Value j)>;

/// Emits the linalg ops of one (batch, head, dv tile) of a retention op. All
/// arithmetic is in f32; `lg` is log2(gamma) of the head, so that
/// gamma^e = exp2(e * lg) is computed where it is used (null for the
/// recurrent form, which multiplies by gamma itself).
class TileEmitter {
public:
  TileEmitter(OpBuilder &b, Location loc, double scale, Value lg)
      : b(b), loc(loc), f32(b.getF32Type()), scale(scale), lg(lg) {}

  OpBuilder &b;
  Location loc;
  Type f32;
  double scale;
  Value lg;

  static Value ext(OpBuilder &nb, Location l, Value x) {
    Type f32 = nb.getF32Type();
    return x.getType() == f32 ? x : arith::ExtFOp::create(nb, l, f32, x);
  }

  Value constF32(OpBuilder &nb, Location l, double x) {
    return arith::ConstantOp::create(nb, l, nb.getF32FloatAttr(x));
  }

  /// gamma^e for an f32 exponent e.
  Value decay(OpBuilder &nb, Location l, Value e) {
    return math::Exp2Op::create(nb, l, arith::MulFOp::create(nb, l, e, lg));
  }

  static Value indexToF32(OpBuilder &nb, Location l, Value i) {
    Value i64 = arith::IndexCastOp::create(nb, l, nb.getI64Type(), i);
    return arith::SIToFPOp::create(nb, l, nb.getF32Type(), i64);
  }

  Value zeros(ArrayRef<OpFoldResult> sizes) {
    Value empty = tensor::EmptyOp::create(b, loc, sizes, f32);
    return linalg::FillOp::create(b, loc, constF32(b, loc, 0.0), empty)
        .getResult(0);
  }

  AffineMap map(ArrayRef<unsigned> dims, unsigned numDims = 3) {
    SmallVector<AffineExpr> exprs;
    for (unsigned d : dims)
      exprs.push_back(b.getAffineDimExpr(d));
    return AffineMap::get(numDims, 0, exprs, b.getContext());
  }

  /// acc[d0, d1] += lhs[lhsMap] * rhs[rhsMap], reducing over d2.
  Value contract(Value lhs, AffineMap lhsMap, Value rhs, AffineMap rhsMap,
                 Value acc) {
    SmallVector<AffineMap> maps = {lhsMap, rhsMap, map({0, 1})};
    SmallVector<IteratorType> iters = {IteratorType::parallel,
                                       IteratorType::parallel,
                                       IteratorType::reduction};
    auto op = linalg::GenericOp::create(
        b, loc, acc.getType(), ValueRange{lhs, rhs}, ValueRange{acc}, maps,
        iters, /*doc=*/"", /*libraryCall=*/"",
        [](OpBuilder &nb, Location l, ValueRange args) {
          Value p = arith::MulFOp::create(nb, l, ext(nb, l, args[0]),
                                          ext(nb, l, args[1]));
          linalg::YieldOp::create(
              nb, l, Value(arith::AddFOp::create(nb, l, args[2], p)));
        });
    return op.getResult(0);
  }

  /// out[i, j] = fn(in[i, j] as f32, i, j) for a 2-D `in`. With `inPlace`
  /// (`in` must be f32) the result overwrites `in`, so that a loop-carried
  /// state stays in one buffer.
  Value map2d(Value in, BodyFn fn, bool inPlace = false) {
    SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, in);
    AffineMap id = b.getMultiDimIdentityMap(2);
    SmallVector<IteratorType> iters(2, IteratorType::parallel);
    auto body = [&](OpBuilder &nb, Location l, ValueRange args) {
      Value i = linalg::IndexOp::create(nb, l, 0);
      Value j = linalg::IndexOp::create(nb, l, 1);
      linalg::YieldOp::create(nb, l, fn(nb, l, ext(nb, l, args[0]), i, j));
    };
    if (inPlace)
      return linalg::GenericOp::create(
                 b, loc, in.getType(), ValueRange{}, ValueRange{in},
                 SmallVector<AffineMap>{id}, iters, "", "", body)
          .getResult(0);
    Value out = tensor::EmptyOp::create(b, loc, sizes, f32);
    return linalg::GenericOp::create(
               b, loc, out.getType(), ValueRange{in}, ValueRange{out},
               SmallVector<AffineMap>{id, id}, iters, "", "", body)
        .getResult(0);
  }

  /// Converts an f32 tensor to `elementType` (a copy only when they differ).
  Value truncate(Value x, Type elementType) {
    if (elementType == f32)
      return x;
    auto type = cast<RankedTensorType>(x.getType());
    SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, x);
    Value out = tensor::EmptyOp::create(b, loc, sizes, elementType);
    AffineMap id = b.getMultiDimIdentityMap(type.getRank());
    SmallVector<IteratorType> iters(type.getRank(), IteratorType::parallel);
    return linalg::GenericOp::create(
               b, loc, out.getType(), ValueRange{x}, ValueRange{out},
               SmallVector<AffineMap>{id, id}, iters, "", "",
               [&](OpBuilder &nb, Location l, ValueRange args) {
                 linalg::YieldOp::create(nb, l,
                                         Value(arith::TruncFOp::create(
                                             nb, l, elementType, args[0])));
               })
        .getResult(0);
  }

  struct Step {
    Value o;     ///< [n, dvT] f32
    Value state; ///< [dk, dvT] f32, null without an update
  };

  /// One chunk of n tokens (DESIGN.md §2, chunkwise):
  ///   O = scale·[((Q Kᵀ) ⊙ D) V + (Q ⊙ ξ) S],   ξ_i = γ^(i+1)
  ///   S' = γ^n S + Kᵀ (V ⊙ ζ),                   ζ_j = γ^(n−1−j)
  /// `state` may be null (zero); `update` = false skips S'.
  Step chunk(Value q, Value k, Value v, Value state, bool update) {
    OpFoldResult n = tensor::getMixedSize(b, loc, q, 0);
    OpFoldResult dvT = tensor::getMixedSize(b, loc, v, 1);
    // A = Q Kᵀ, then P = scale · A ⊙ D with D[i,j] = γ^(i−j) for i ≥ j.
    Value a = contract(q, map({0, 2}), k, map({1, 2}), zeros({n, n}));
    Value p = map2d(
        a, [&](OpBuilder &nb, Location l, Value x, Value i, Value j) -> Value {
          Value causal =
              arith::CmpIOp::create(nb, l, arith::CmpIPredicate::sge, i, j);
          Value dist = indexToF32(nb, l, arith::SubIOp::create(nb, l, i, j));
          Value w = arith::MulFOp::create(nb, l, decay(nb, l, dist),
                                          constF32(nb, l, scale));
          return arith::SelectOp::create(nb, l, causal,
                                         arith::MulFOp::create(nb, l, x, w),
                                         constF32(nb, l, 0.0));
        });
    Value o = contract(p, map({0, 2}), v, map({2, 1}), zeros({n, dvT}));
    if (state) {
      Value qx = map2d(
          q, [&](OpBuilder &nb, Location l, Value x, Value i, Value) -> Value {
            Value e = arith::AddFOp::create(nb, l, indexToF32(nb, l, i),
                                            constF32(nb, l, 1.0));
            Value w = arith::MulFOp::create(nb, l, decay(nb, l, e),
                                            constF32(nb, l, scale));
            return arith::MulFOp::create(nb, l, x, w);
          });
      o = contract(qx, map({0, 2}), state, map({2, 1}), o);
    }
    if (!update)
      return {o, Value()};

    Value nF = indexToF32(b, loc, getValueOrCreateConstantIndexOp(b, loc, n));
    Value vz = map2d(
        v, [&](OpBuilder &nb, Location l, Value x, Value j, Value) -> Value {
          Value e = arith::SubFOp::create(
              nb, l, arith::SubFOp::create(nb, l, nF, constF32(nb, l, 1.0)),
              indexToF32(nb, l, j));
          return arith::MulFOp::create(nb, l, x, decay(nb, l, e));
        });
    Value decayed;
    if (state) {
      decayed = map2d(
          state,
          [&](OpBuilder &nb, Location l, Value x, Value, Value) -> Value {
            return arith::MulFOp::create(nb, l, x, decay(nb, l, nF));
          },
          /*inPlace=*/true);
    } else {
      OpFoldResult dk = tensor::getMixedSize(b, loc, k, 1);
      decayed = zeros({dk, dvT});
    }
    Value next = contract(k, map({2, 0}), vz, map({2, 1}), decayed);
    return {o, next};
  }

  /// One token of the recurrent form, as one linalg.generic over (l, m) in
  /// [0, dk) x [0, dvT) so that the state is read and written in one pass:
  ///   S'[l, m] = γ S[l, m] + k[l] v[m]        (written into `state`)
  ///   o[m]    += scale · q[l] · S'[l, m]      (l is the reduction)
  /// q, k: [dk]; v: [dvT]; state: [dk, dvT]. S is `stateIn` when given (the
  /// first token reads the op's initial state and writes the final-state
  /// buffer directly), else `state` itself (in place).
  Step token(Value q, Value k, Value v, Value state, Value gamma,
             Value stateIn = Value()) {
    OpFoldResult dvT = tensor::getMixedSize(b, loc, v, 0);
    auto m2 = [&](ArrayRef<unsigned> dims) { return map(dims, 2); };
    SmallVector<Value> ins = {q, k, v};
    SmallVector<AffineMap> maps = {m2({0}), m2({0}), m2({1})};
    if (stateIn) {
      ins.push_back(stateIn);
      maps.push_back(m2({0, 1}));
    }
    maps.append({m2({0, 1}), m2({1})});
    Value oInit = zeros({dvT});
    SmallVector<IteratorType> iters = {IteratorType::reduction,
                                       IteratorType::parallel};
    bool fromInput = bool(stateIn);
    auto op = linalg::GenericOp::create(
        b, loc, TypeRange{state.getType(), oInit.getType()}, ins,
        ValueRange{state, oInit}, maps, iters, "", "",
        [&](OpBuilder &nb, Location l, ValueRange args) {
          // args: q, k, v, [S], S'(out), o(out)
          Value acc = args.back();
          Value s = fromInput ? args[3] : args[args.size() - 2];
          Value kv = arith::MulFOp::create(nb, l, ext(nb, l, args[1]),
                                           ext(nb, l, args[2]));
          Value next = arith::AddFOp::create(
              nb, l, arith::MulFOp::create(nb, l, s, gamma), kv);
          Value qs = arith::MulFOp::create(nb, l, ext(nb, l, args[0]),
                                           constF32(nb, l, scale));
          Value o = arith::AddFOp::create(
              nb, l, acc, arith::MulFOp::create(nb, l, qs, next));
          linalg::YieldOp::create(nb, l, ValueRange{next, o});
        });
    return {op.getResult(1), op.getResult(0)};
  }
};

/// The slice [b, h, off2 : off2+size2, off3 : off3+size3] of a 4-D tensor,
/// rank-reduced to `rank` dimensions (2, or 1 when size2 is the unit 1).
Value slice4(OpBuilder &b, Location loc, Value src, OpFoldResult bi,
             OpFoldResult hi,
             OpFoldResult off2, OpFoldResult size2, OpFoldResult off3,
             OpFoldResult size3, unsigned rank = 2) {
  OpFoldResult one = b.getIndexAttr(1);
  SmallVector<OpFoldResult> offsets = {bi, hi, off2, off3};
  SmallVector<OpFoldResult> sizes = {one, one, size2, size3};
  SmallVector<OpFoldResult> strides(4, one);
  auto type = tensor::ExtractSliceOp::inferCanonicalRankReducedResultType(
      rank, cast<RankedTensorType>(src.getType()), sizes);
  return tensor::ExtractSliceOp::create(b, loc, type, src, offsets, sizes,
                                        strides);
}

/// Inserts a 2-D (or 1-D) tile into a 2-D tensor at [off0, off1].
Value insert2(OpBuilder &b, Location loc, Value tile, Value dest,
              OpFoldResult off0, OpFoldResult off1) {
  auto type = cast<RankedTensorType>(tile.getType());
  OpFoldResult one = b.getIndexAttr(1);
  SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, tile);
  if (type.getRank() == 1)
    sizes.insert(sizes.begin(), one);
  return tensor::InsertSliceOp::create(b, loc, tile, dest, {off0, off1}, sizes,
                                       {one, one});
}

OpFoldResult mul(OpBuilder &b, Location loc, OpFoldResult x, int64_t c) {
  AffineExpr d0 = b.getAffineDimExpr(0);
  return affine::makeComposedFoldedAffineApply(b, loc, d0 * c, {x});
}

template <typename SliceFn, typename VSliceFn>
std::pair<Value, Value>
emitChunkLoop(OpBuilder &rewriter, Location loc, TileEmitter &em,
              ChunkwiseOp op, Value q, Value k, SliceFn qs, VSliceFn vs,
              Value oTile, Value state, OpFoldResult tokens,
              Type elementType) {
  int64_t c = op.getChunkSize();
  OpFoldResult chunk = rewriter.getIndexAttr(c);
  AffineExpr t = rewriter.getAffineDimExpr(0);
  OpFoldResult full = affine::makeComposedFoldedAffineApply(
      rewriter, loc, t.floorDiv(c), {tokens});
  OpFoldResult rem =
      affine::makeComposedFoldedAffineApply(rewriter, loc, t % c, {tokens});

  auto step = [&](OpFoldResult t0, OpFoldResult n, Value o, Value s) {
    TileEmitter::Step st =
        em.chunk(qs(q, t0, n), qs(k, t0, n), vs(t0, n), s, true);
    Value oNew = insert2(rewriter, loc, em.truncate(st.o, elementType), o, t0,
                         rewriter.getIndexAttr(0));
    return std::make_pair(oNew, st.state);
  };

  std::optional<int64_t> fullStatic = getConstantIntValue(full);
  if (!fullStatic || *fullStatic > 0) {
    Value lb = arith::ConstantIndexOp::create(rewriter, loc, 0);
    Value ub = getValueOrCreateConstantIndexOp(rewriter, loc, full);
    Value one = arith::ConstantIndexOp::create(rewriter, loc, 1);
    auto loop = scf::ForOp::create(
        rewriter, loc, lb, ub, one, ValueRange{oTile, state},
        [&](OpBuilder &, Location, Value iv, ValueRange iter) {
          auto [o, s] =
              step(mul(rewriter, loc, iv, c), chunk, iter[0], iter[1]);
          scf::YieldOp::create(rewriter, loc, ValueRange{o, s});
        });
    oTile = loop.getResult(0);
    state = loop.getResult(1);
  }
  // The last, shorter chunk (an empty step when T divides by C at run time).
  std::optional<int64_t> remStatic = getConstantIntValue(rem);
  if (!remStatic || *remStatic > 0)
    std::tie(oTile, state) =
        step(mul(rewriter, loc, full, c), rem, oTile, state);
  return {oTile, state};
}

/// The recurrent form's loop over tokens, with `gamma` the head's decay.
/// `state` is the final-state tile;
/// with `stateIn` (the initial state) the first token is peeled so that it
/// reads `stateIn` and writes `state`, and no copy of the state is made.
std::pair<Value, Value>
emitTokenLoop(OpBuilder &rewriter, Location loc, TileEmitter &em,
              Value gamma, Value q, Value k, Value v, OpFoldResult bi,
              OpFoldResult hi,
              OpFoldResult d0, OpFoldResult dk, OpFoldResult dvT, Value oTile,
              Value state, Value stateIn, OpFoldResult tokens,
              Type elementType) {
  OpFoldResult zero = rewriter.getIndexAttr(0),
               one = rewriter.getIndexAttr(1);
  auto step = [&](Value t, Value o, Value s, Value in) {
    Value qt = slice4(rewriter, loc, q, bi, hi, t, one, zero, dk, 1);
    Value kt = slice4(rewriter, loc, k, bi, hi, t, one, zero, dk, 1);
    Value vt = slice4(rewriter, loc, v, bi, hi, t, one, d0, dvT, 1);
    TileEmitter::Step st = em.token(qt, kt, vt, s, gamma, in);
    Value oNew =
        insert2(rewriter, loc, em.truncate(st.o, elementType), o, t, zero);
    return std::make_pair(oNew, st.state);
  };
  Value lb = arith::ConstantIndexOp::create(rewriter, loc, 0);
  if (stateIn) {
    std::tie(oTile, state) = step(lb, oTile, state, stateIn);
    lb = arith::ConstantIndexOp::create(rewriter, loc, 1);
  }
  Value ub = getValueOrCreateConstantIndexOp(rewriter, loc, tokens);
  std::optional<int64_t> count = getConstantIntValue(tokens);
  if (stateIn && count && *count == 1)
    return {oTile, state};
  Value one1 = arith::ConstantIndexOp::create(rewriter, loc, 1);
  auto loop = scf::ForOp::create(
      rewriter, loc, lb, ub, one1, ValueRange{oTile, state},
      [&](OpBuilder &, Location, Value t, ValueRange iter) {
        auto [o, s] = step(t, iter[0], iter[1], Value());
        scf::YieldOp::create(rewriter, loc, ValueRange{o, s});
      });
  return {loop.getResult(0), loop.getResult(1)};
}


/// One (batch, head) tile of `op`, rows `bi`, head `hi` of its operands:
/// the output tile [T, dv] and (with a final state) the state tile
/// [dk, dv]. `oDest` and `sDest` are the 4-D tensors the tiles are
/// written into (the inits, or the loop's shared outputs).
std::pair<Value, Value> emitTile(OpBuilder &rewriter, RetentionFormOpInterface op,
                                 OpFoldResult bi, OpFoldResult hi, Value oDest,
                                 Value sDest) {
  Location loc = op.getLoc();
  Value q = op.getQ(), k = op.getK(), v = op.getV(), s0 = op.getState();
  Type elementType = cast<ShapedType>(q.getType()).getElementType();
  OpFoldResult tokens = tensor::getMixedSize(rewriter, loc, q, 2);
  OpFoldResult dk = tensor::getMixedSize(rewriter, loc, q, 3);
  OpFoldResult dvT = tensor::getMixedSize(rewriter, loc, v, 3);
  OpFoldResult zero = rewriter.getIndexAttr(0);
  OpFoldResult d0 = rewriter.getIndexAttr(0);

  // Per head, read once per tile: log2(γ) for the powers of γ that the
  // chunk forms compute, γ itself for the recurrent form (no exp2, which a
  // GPU kernel could only get from libdevice). Head hi of a tiled op is
  // head head_offset + hi of gamma.
  bool recurrent = isa<RecurrentOp>(op.getOperation());
  SmallVector<float> table;
  for (double g : op.getGamma())
    table.push_back(static_cast<float>(recurrent ? g : std::log2(g)));
  auto tableType =
      RankedTensorType::get({int64_t(table.size())}, rewriter.getF32Type());
  Value headTable = arith::ConstantOp::create(
      rewriter, loc, DenseElementsAttr::get(tableType, ArrayRef(table)));
  Value headIndex = getValueOrCreateConstantIndexOp(rewriter, loc, hi);
  if (Value offset = op.getHeadOffset())
    headIndex = getConstantIntValue(hi) == 0
                    ? offset
                    : arith::AddIOp::create(rewriter, loc, headIndex, offset)
                          .getResult();
  Value perHead =
      tensor::ExtractOp::create(rewriter, loc, headTable, headIndex);
  TileEmitter em(rewriter, loc, op.getScale().convertToDouble(),
                 recurrent ? Value() : perHead);

  Value state;
  if (s0)
    state = slice4(rewriter, loc, s0, bi, hi, zero, dk, d0, dvT);
  else if (isa<ChunkwiseOp>(op.getOperation()))
    state = em.zeros({dk, dvT});
  Value oTile = slice4(rewriter, loc, oDest, bi, hi, zero, tokens, d0, dvT);

  auto qs = [&](Value src, OpFoldResult t0, OpFoldResult n) {
    return slice4(rewriter, loc, src, bi, hi, t0, n, zero, dk);
  };
  auto vs = [&](OpFoldResult t0, OpFoldResult n) {
    return slice4(rewriter, loc, v, bi, hi, t0, n, d0, dvT);
  };

  if (isa<ParallelOp>(op.getOperation())) {
    TileEmitter::Step st = em.chunk(qs(q, zero, tokens), qs(k, zero, tokens),
                                    vs(zero, tokens), state, false);
    oTile = insert2(rewriter, loc, em.truncate(st.o, elementType), oTile, zero,
                    zero);
    return {oTile, Value()};
  }
  if (auto chunkOp = dyn_cast<ChunkwiseOp>(op.getOperation()))
    return emitChunkLoop(rewriter, loc, em, chunkOp, q, k, qs, vs, oTile,
                         state, tokens, elementType);
  // The state lives in the final-state buffer from the first token on.
  Value dest = slice4(rewriter, loc, sDest, bi, hi, zero, dk, d0, dvT);
  Value stateIn;
  if (s0)
    stateIn = state;
  else
    dest = linalg::FillOp::create(rewriter, loc,
                                  em.constF32(rewriter, loc, 0.0), dest)
               .getResult(0);
  return emitTokenLoop(rewriter, loc, em, perHead, q, k, v, bi, hi, d0, dk,
                       dvT, oTile, dest, stateIn, tokens, elementType);
}

/// The 4-D sizes of a tile's result slot in `dest`: [1, 1, n, dv].
SmallVector<OpFoldResult> slot(OpBuilder &b, Location loc, Value dest) {
  SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, dest);
  sizes[0] = sizes[1] = b.getIndexAttr(1);
  return sizes;
}

} // namespace

FailureOr<SmallVector<Value>>
mlir::retention::decomposeForm(RetentionFormOpInterface op, OpBuilder &b) {
  if (!op.getO())
    return failure(); // on memrefs: decomposition is on tensors
  Location loc = op.getLoc();
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPoint(op);
  bool stateful = bool(op.getFinalStateInit());
  SmallVector<Value> inits = {op.getOInit()};
  if (stateful)
    inits.push_back(op.getFinalStateInit());
  OpFoldResult zero = b.getIndexAttr(0), one = b.getIndexAttr(1);
  auto q = cast<ShapedType>(op.getQ().getType());

  // One (batch, head): the tile in place, inserted into the inits.
  if (q.getDimSize(0) == 1 && q.getDimSize(1) == 1) {
    auto [o, s] = emitTile(b, op, zero, zero, inits[0],
                           stateful ? inits[1] : Value());
    SmallVector<OpFoldResult> offsets(4, zero), strides(4, one);
    SmallVector<Value> results = {tensor::InsertSliceOp::create(
        b, loc, o, inits[0], offsets, slot(b, loc, inits[0]), strides)};
    if (stateful)
      results.push_back(tensor::InsertSliceOp::create(
          b, loc, s, inits[1], offsets, slot(b, loc, inits[1]), strides));
    return results;
  }

  // Else every (batch, head) pair in parallel.
  auto forall = scf::ForallOp::create(
      b, loc, SmallVector<OpFoldResult>{zero, zero},
      SmallVector<OpFoldResult>{tensor::getMixedSize(b, loc, op.getQ(), 0),
                                tensor::getMixedSize(b, loc, op.getQ(), 1)},
      SmallVector<OpFoldResult>{one, one}, inits, std::nullopt);
  b.setInsertionPoint(forall.getTerminator());
  Value bi = forall.getInductionVar(0), hi = forall.getInductionVar(1);
  ValueRange shared = forall.getRegionIterArgs();
  auto [o, s] = emitTile(b, op, bi, hi, shared[0],
                         stateful ? shared[1] : Value());
  b.setInsertionPointToStart(forall.getTerminator().getBody());
  SmallVector<OpFoldResult> offsets = {bi, hi, zero, zero}, strides(4, one);
  tensor::ParallelInsertSliceOp::create(b, loc, o, shared[0], offsets,
                                        slot(b, loc, shared[0]), strides);
  if (stateful)
    tensor::ParallelInsertSliceOp::create(b, loc, s, shared[1], offsets,
                                          slot(b, loc, shared[1]), strides);
  return SmallVector<Value>(forall.getResults());
}
