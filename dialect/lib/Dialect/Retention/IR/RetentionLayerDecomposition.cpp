//===- RetentionLayerDecomposition.cpp - layer ops → core ops + linalg ----===//
//
// The layer ops' decomposition (linalg::AggregatedOpInterface), which
// retention-decompose-layers applies: retention.multi_scale becomes its
// projections (linalg.matmul, f32 accumulation), two retention.rotate, the
// core form op and retention.group_norm; rotate and group_norm become
// linalg.generic ops. Tables that depend only on the position (rotation
// matrices, row divisors) are separate generics so that loop-invariant code
// motion hoists them out of a layer loop and CSE shares them between layers.
//
//===----------------------------------------------------------------------===//

#include "retention/Dialect/Retention/IR/RetentionOps.h"
#include "retention/Dialect/Retention/Utils/LinalgBuild.h"

#include "mlir/Dialect/Math/IR/Math.h"

#include <cmath>

using namespace mlir;
using namespace mlir::retention;

namespace {

using utils::IteratorType;

Value f32Const(OpBuilder &b, Location loc, double v) {
  return arith::ConstantOp::create(b, loc, b.getF32FloatAttr(float(v)));
}

Value table(OpBuilder &b, Location loc, ArrayRef<float> values) {
  auto type = RankedTensorType::get({int64_t(values.size())}, b.getF32Type());
  return arith::ConstantOp::create(b, loc,
                                   DenseElementsAttr::get(type, values));
}

/// rotate: R[b, t, i, k, j] (out_j = Σ_k x_k R[k][j], R = [[c, s], [−s, c]]
/// × scale) from the positions, then one contraction per pair. A head's dk
/// is viewed as [P, 2] (interleaved pairs) or [2, P] (half and half).
Value decomposeRotate(OpBuilder &b, RotateOp op) {
  Location loc = op.getLoc();
  MLIRContext *ctx = b.getContext();
  Value x = op.getX(), pos = op.getPositions();
  auto outType = cast<RankedTensorType>(op.getOut().getType());
  const int64_t H = outType.getDimSize(1), dk = outType.getDimSize(3),
                P = dk / 2;
  // Sizes from the positions: the table then depends on nothing that
  // changes from layer to layer, and LICM can hoist it.
  OpFoldResult B = tensor::getMixedSize(b, loc, pos, 0),
               T = tensor::getMixedSize(b, loc, pos, 1);
  double base = op.getThetaBase().convertToDouble();
  const bool half = op.getRotary() == Rotary::Half;
  SmallVector<float> theta(P);
  for (int64_t i = 0; i < P; ++i)
    theta[i] = float(half    ? std::pow(base, -double(i) / double(P))
                     : P > 1 ? std::pow(base, -double(i) / double(P - 1))
                             : 1.0);
  Value thetaT = table(b, loc, theta);
  Value scale = f32Const(b, loc, op.getScale().convertToDouble());
  OpFoldResult two = b.getIndexAttr(2), pairs = b.getIndexAttr(P);
  Value rot = buildGeneric(
      b, loc, buildEmpty(b, loc, {B, T, pairs, two, two}, b.getF32Type()),
      {pos, thetaT},
      {buildDimMap(ctx, 5, {0, 1}), buildDimMap(ctx, 5, {2}),
       buildDimMap(ctx, 5, {0, 1, 2, 3, 4})},
      {kPar, kPar, kPar, kPar, kPar},
      [&](OpBuilder &nb, Location l, ValueRange a) -> Value {
        Value n = arith::SIToFPOp::create(nb, l, nb.getF32Type(), a[0]);
        Value angle = arith::MulFOp::create(nb, l, n, a[1]);
        Value cs = math::CosOp::create(nb, l, angle);
        Value sn = math::SinOp::create(nb, l, angle);
        Value k = linalg::IndexOp::create(nb, l, 3);
        Value j = linalg::IndexOp::create(nb, l, 4);
        Value zero = arith::ConstantIndexOp::create(nb, l, 0);
        Value diag =
            arith::CmpIOp::create(nb, l, arith::CmpIPredicate::eq, k, j);
        Value k0 =
            arith::CmpIOp::create(nb, l, arith::CmpIPredicate::eq, k, zero);
        Value off = arith::SelectOp::create(nb, l, k0, sn,
                                            arith::NegFOp::create(nb, l, sn));
        Value r = arith::SelectOp::create(nb, l, diag, cs, off);
        return arith::MulFOp::create(nb, l, r, scale);
      });
  // x [B, T, H·dk] as [B, T, H, P, 2] (or [B, T, H, 2, P]); loops
  // (b, h, t, i, j, k): pair i, output member j, input member k.
  auto xType = cast<RankedTensorType>(x.getType());
  Type et = xType.getElementType();
  const int64_t m0 = half ? 2 : P, m1 = half ? P : 2;
  OpFoldResult f0 = half ? two : pairs, f1 = half ? pairs : two;
  Value xe = tensor::ExpandShapeOp::create(
      b, loc,
      RankedTensorType::get(
          {xType.getDimSize(0), xType.getDimSize(1), H, m0, m1}, et),
      x, SmallVector<ReassociationIndices>{{0}, {1}, {2, 3, 4}},
      SmallVector<OpFoldResult>{B, T, b.getIndexAttr(H), f0, f1});
  // The products accumulate in f32: in the init itself when it is f32.
  Value init = op.getInit();
  bool inPlace = outType.getElementType() == b.getF32Type();
  Value acc =
      inPlace
          ? linalg::FillOp::create(
                b, loc, ValueRange{f32Const(b, loc, 0.0)},
                ValueRange{tensor::ExpandShapeOp::create(
                    b, loc,
                    RankedTensorType::get({outType.getDimSize(0), H,
                                           outType.getDimSize(2), m0, m1},
                                          b.getF32Type()),
                    init,
                    SmallVector<ReassociationIndices>{{0}, {1}, {2}, {3, 4}},
                    SmallVector<OpFoldResult>{B, b.getIndexAttr(H), T, f0,
                                              f1})})
                .getResult(0)
          : buildZeros(b, loc, {B, b.getIndexAttr(H), T, f0, f1});
  Value out = buildGeneric(
      b, loc, acc,
      {xe, rot},
      {half ? buildDimMap(ctx, 6, {0, 2, 1, 5, 3})
            : buildDimMap(ctx, 6, {0, 2, 1, 3, 5}),
       buildDimMap(ctx, 6, {0, 2, 3, 5, 4}),
       half ? buildDimMap(ctx, 6, {0, 1, 2, 4, 3})
            : buildDimMap(ctx, 6, {0, 1, 2, 3, 4})},
      {kPar, kPar, kPar, kPar, kPar, kRed},
      [&](OpBuilder &nb, Location l, ValueRange a) -> Value {
        Value p = arith::MulFOp::create(nb, l, buildExtF32(nb, l, a[0]), a[1]);
        return arith::AddFOp::create(nb, l, a[2], p);
      });
  // Accumulated in f32, rounded once to the output's element type.
  Value rotated = tensor::CollapseShapeOp::create(
      b, loc,
      RankedTensorType::get(outType.getShape(), b.getF32Type()), out,
      SmallVector<ReassociationIndices>{{0}, {1}, {2}, {3, 4}});
  return inPlace ? rotated : buildCastTo(b, loc, rotated, init);
}

/// group_norm: 1/δ_h(n) per (b, t, h) from the positions (unless there is
/// no row divisor); Σ y² per (b, t, h); then one elementwise op for norm,
/// divisor and gate.
Value decomposeGroupNorm(OpBuilder &b, GroupNormOp op) {
  Location loc = op.getLoc();
  MLIRContext *ctx = b.getContext();
  Value y = op.getY(), g = op.getG(), pos = op.getPositions();
  auto yType = cast<RankedTensorType>(y.getType());
  const int64_t H = yType.getDimSize(1), dv = yType.getDimSize(3);
  OpFoldResult B = tensor::getMixedSize(b, loc, pos, 0),
               T = tensor::getMixedSize(b, loc, pos, 1), Hf = b.getIndexAttr(H);
  SmallVector<float> logGamma, invOneMinus;
  for (double gm : op.getGamma()) {
    logGamma.push_back(float(std::log(gm)));
    invOneMinus.push_back(float(1.0 / (1.0 - gm)));
  }
  Value oneF = f32Const(b, loc, 1.0);
  const bool divisor = op.getRowDivisor();
  // δ² = (1 − exp((n+1)·ln γ)) / (1 − γ); the table holds 1/δ.
  Value invDelta;
  if (divisor) {
    Value logT = table(b, loc, logGamma), invT = table(b, loc, invOneMinus);
    invDelta = buildGeneric(
        b, loc, buildEmpty(b, loc, {B, T, Hf}, b.getF32Type()),
        {pos, logT, invT},
        {buildDimMap(ctx, 3, {0, 1}), buildDimMap(ctx, 3, {2}),
         buildDimMap(ctx, 3, {2}), buildDimMap(ctx, 3, {0, 1, 2})},
        {kPar, kPar, kPar}, [&](OpBuilder &nb, Location l, ValueRange a) {
          Value n1 = arith::SIToFPOp::create(nb, l, nb.getF32Type(), a[0]);
          n1 = arith::AddFOp::create(nb, l, n1, oneF);
          Value pw = math::ExpOp::create(
              nb, l, arith::MulFOp::create(nb, l, n1, a[1]));
          Value delta2 = arith::MulFOp::create(
              nb, l, arith::SubFOp::create(nb, l, oneF, pw), a[2]);
          return Value(math::RsqrtOp::create(nb, l, delta2));
        });
  }
  // Loops (b, t, h, j) over [B, T, H, dv]; y is read as [B, H, T, dv].
  AffineMap yMap = buildDimMap(ctx, 4, {0, 2, 1, 3});
  AffineMap rowMap = buildDimMap(ctx, 4, {0, 1, 2});
  Value ss = buildGeneric(
      b, loc, buildZeros(b, loc, {B, T, Hf}), {y}, {yMap, rowMap},
      {kPar, kPar, kPar, kRed}, [&](OpBuilder &nb, Location l, ValueRange a) {
        Value yf = buildExtF32(nb, l, a[0]);
        Value sq = arith::MulFOp::create(nb, l, yf, yf);
        return Value(arith::AddFOp::create(nb, l, sq, a[1]));
      });
  auto gType = cast<RankedTensorType>(g.getType());
  Type et = gType.getElementType();
  auto g4Type = RankedTensorType::get(
      {gType.getDimSize(0), gType.getDimSize(1), H, dv}, et);
  Value g4 = tensor::ExpandShapeOp::create(
      b, loc, g4Type, g, SmallVector<ReassociationIndices>{{0}, {1}, {2, 3}},
      SmallVector<OpFoldResult>{B, T, Hf, b.getIndexAttr(dv)});
  Value eps = f32Const(b, loc, op.getEpsilon().convertToDouble());
  Value invDv = f32Const(b, loc, 1.0 / double(dv));
  Value init4 = tensor::ExpandShapeOp::create(
      b, loc, g4Type, op.getInit(),
      SmallVector<ReassociationIndices>{{0}, {1}, {2, 3}},
      SmallVector<OpFoldResult>{B, T, Hf, b.getIndexAttr(dv)});
  SmallVector<Value> inputs = {y, ss, g4};
  SmallVector<AffineMap> maps = {yMap, rowMap,
                                 buildDimMap(ctx, 4, {0, 1, 2, 3})};
  if (divisor) {
    inputs.push_back(invDelta);
    maps.push_back(rowMap);
  }
  maps.push_back(buildDimMap(ctx, 4, {0, 1, 2, 3}));
  Value out = buildGeneric(
      b, loc, init4, inputs, maps, {kPar, kPar, kPar, kPar},
      [&](OpBuilder &nb, Location l, ValueRange a) {
        // (y/δ) · rsqrt(ss/(δ²·dv) + eps) · silu(g), or without δ.
        Value ms = arith::MulFOp::create(nb, l, a[1], invDv);
        Value invD;
        if (divisor) {
          invD = a[3];
          ms = arith::MulFOp::create(nb, l, ms,
                                     arith::MulFOp::create(nb, l, invD, invD));
        }
        Value r =
            math::RsqrtOp::create(nb, l, arith::AddFOp::create(nb, l, ms, eps));
        Value yv = buildExtF32(nb, l, a[0]), gv = buildExtF32(nb, l, a[2]);
        Value normed = arith::MulFOp::create(
            nb, l, yv, divisor ? arith::MulFOp::create(nb, l, r, invD) : r);
        Value den = arith::AddFOp::create(
            nb, l, oneF,
            math::ExpOp::create(nb, l, arith::NegFOp::create(nb, l, gv)));
        Value silu = arith::DivFOp::create(nb, l, gv, den);
        Value res = arith::MulFOp::create(nb, l, normed, silu);
        return et == res.getType()
                   ? res
                   : Value(arith::TruncFOp::create(nb, l, et, res));
      });
  return tensor::CollapseShapeOp::create(
      b, loc, gType, out, SmallVector<ReassociationIndices>{{0}, {1}, {2, 3}});
}

/// multi_scale: projections, rotations, the core form, group norm, output
/// projection (DESIGN.md §2).
SmallVector<Value> decomposeMultiScale(OpBuilder &b, MultiScaleOp op) {
  Location loc = op.getLoc();
  Value x = op.getX(), pos = op.getPositions(), state = op.getState();
  auto xType = cast<RankedTensorType>(x.getType());
  const int64_t d = xType.getDimSize(2), H = op.getGamma().size();
  const int64_t Dk = cast<RankedTensorType>(op.getWq().getType()).getDimSize(1),
                dk = Dk / H;
  const int64_t Dv = cast<RankedTensorType>(op.getWv().getType()).getDimSize(1),
                dv = Dv / H;
  const int64_t bs = xType.getDimSize(0), ts = xType.getDimSize(1);
  // Activations and weights in `et` (f32, f16 or bf16); every product
  // accumulates in f32 and is rounded once to `et`.
  Type et = xType.getElementType();
  auto project = [&](Value in, Value w) {
    Value p = buildMatmul(b, loc, in, w);
    return et == b.getF32Type() ? p : buildCastTo(b, loc, p, et);
  };
  OpFoldResult B = tensor::getMixedSize(b, loc, x, 0),
               T = tensor::getMixedSize(b, loc, x, 1);
  // [B, T, n] ↔ [B·T, n]
  auto flat = [&](Value v) -> Value {
    return tensor::CollapseShapeOp::create(
        b, loc, v, SmallVector<ReassociationIndices>{{0, 1}, {2}});
  };
  auto unflat = [&](Value v, int64_t n) -> Value {
    return tensor::ExpandShapeOp::create(
        b, loc, RankedTensorType::get({bs, ts, n}, et), v,
        SmallVector<ReassociationIndices>{{0, 1}, {2}},
        SmallVector<OpFoldResult>{B, T, b.getIndexAttr(n)});
  };
  Value x2 = flat(x);
  auto rotated = RankedTensorType::get({bs, H, ts, dk}, et);
  auto rotInit = [&] {
    return buildEmpty(b, loc, {B, b.getIndexAttr(H), T, b.getIndexAttr(dk)},
                      et);
  };
  Value q = RotateOp::create(b, loc, TypeRange{rotated},
                             unflat(project(x2, op.getWq()), Dk), pos,
                             rotInit(), b.getF64FloatAttr(1.0),
                             b.getF64FloatAttr(10000.0), op.getRotaryAttr())
                ->getResult(0);
  Value k = RotateOp::create(b, loc, TypeRange{rotated},
                             unflat(project(x2, op.getWk()), Dk), pos,
                             rotInit(),
                             b.getF64FloatAttr(1.0 / std::sqrt(double(dk))),
                             b.getF64FloatAttr(10000.0), op.getRotaryAttr())
                ->getResult(0);
  // v [B·T, Dv] → [B, T, H, dv] → [B, H, T, dv]
  Value v4 = tensor::ExpandShapeOp::create(
      b, loc, RankedTensorType::get({bs, ts, H, dv}, et),
      project(x2, op.getWv()),
      SmallVector<ReassociationIndices>{{0, 1}, {2, 3}},
      SmallVector<OpFoldResult>{B, T, b.getIndexAttr(H), b.getIndexAttr(dv)});
  Value v =
      linalg::TransposeOp::create(
          b, loc, v4,
          buildEmpty(b, loc, {B, b.getIndexAttr(H), T, b.getIndexAttr(dv)},
                     et),
          ArrayRef<int64_t>{0, 2, 1, 3})
          .getResult()[0];
  Value g = unflat(project(x2, op.getWg()), Dv);

  auto gammaAttr = b.getDenseF64ArrayAttr(op.getGamma());
  // The core op writes the layer's final state into its init.
  SmallVector<Value> inits = {
      createFormInits(b, loc, q, v, /*stateful=*/false)[0],
      op.getStateInit()};
  Operation *core =
      op.getForm() == LayerForm::Recurrent
          ? RecurrentOp::create(b, loc, q, k, v, state, inits, op.getGamma(),
                                1.0)
                .getOperation()
          : ChunkwiseOp::create(b, loc, q, k, v, state, inits, op.getGamma(),
                                1.0, Value(), op.getChunkSize().value_or(64))
                .getOperation();
  Value y = core->getResult(0), finalState = core->getResult(1);
  Value normed = GroupNormOp::create(
      b, loc, TypeRange{RankedTensorType::get({bs, ts, Dv}, et)}, y, g, pos,
      buildEmpty(b, loc, {B, T, b.getIndexAttr(Dv)}, et), gammaAttr,
      op.getEpsilonAttr(), op.getRowDivisorAttr())
                     ->getResult(0);
  // The output projection accumulates in f32 (in the init when it is f32)
  // and is rounded once into the layer's init.
  Value outInit = flat(op.getOutInit());
  Value proj;
  if (et == b.getF32Type()) {
    Value acc = linalg::FillOp::create(b, loc, ValueRange{f32Const(b, loc, 0.0)},
                                       ValueRange{outInit})
                    .getResult(0);
    proj = linalg::MatmulOp::create(b, loc, TypeRange{acc.getType()},
                                    ValueRange{flat(normed), op.getWo()},
                                    ValueRange{acc})
               .getResult(0);
  } else {
    proj = buildCastTo(b, loc, buildMatmul(b, loc, flat(normed), op.getWo()),
                       outInit);
  }
  Value out = unflat(proj, d);
  return {out, finalState};
}

/// The decompositions build linalg on tensors: a layer op on memrefs (after
/// one-shot-bufferize) has none.
LogicalResult onTensors(Operation *op) {
  if (op->getNumResults() > 0)
    return success();
  return op->emitOpError()
         << "decomposes on tensors only: decompose the layer ops "
            "(retention-decompose-layers) before bufferization";
}

} // namespace

FailureOr<SmallVector<Value>> RotateOp::decomposeOperation(OpBuilder &b) {
  if (failed(onTensors(*this)))
    return failure();
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPoint(*this);
  return SmallVector<Value>{decomposeRotate(b, *this)};
}

FailureOr<SmallVector<Value>> GroupNormOp::decomposeOperation(OpBuilder &b) {
  if (failed(onTensors(*this)))
    return failure();
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPoint(*this);
  return SmallVector<Value>{decomposeGroupNorm(b, *this)};
}

FailureOr<SmallVector<Value>> MultiScaleOp::decomposeOperation(OpBuilder &b) {
  if (failed(onTensors(*this)))
    return failure();
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPoint(*this);
  return decomposeMultiScale(b, *this);
}
