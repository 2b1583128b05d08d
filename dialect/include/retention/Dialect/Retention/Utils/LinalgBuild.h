//===- LinalgBuild.h - small builders for linalg on tensors -----*- C++ -*-===//
//
// The few constructions that the model importer and the layer decomposition
// both spell many times: an f32 tensor.empty / zero fill, a linalg.generic
// whose body is one expression, and a matmul into a fresh zero accumulator.
//
//===----------------------------------------------------------------------===//

#ifndef RETENTION_DIALECT_RETENTION_UTILS_LINALGBUILD_H
#define RETENTION_DIALECT_RETENTION_UTILS_LINALGBUILD_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

namespace mlir::retention {

/// Iterator types, short: generics here list one per loop.
constexpr utils::IteratorType kPar = utils::IteratorType::parallel;
constexpr utils::IteratorType kRed = utils::IteratorType::reduction;

inline Value buildEmpty(OpBuilder &b, Location loc,
                        ArrayRef<OpFoldResult> sizes, Type elt) {
  return tensor::EmptyOp::create(b, loc, sizes, elt);
}

inline Value buildZeros(OpBuilder &b, Location loc,
                        ArrayRef<OpFoldResult> sizes) {
  Type f32 = b.getF32Type();
  Value zero = arith::ConstantOp::create(b, loc, b.getF32FloatAttr(0.0f));
  return linalg::FillOp::create(b, loc, ValueRange{zero},
                                ValueRange{buildEmpty(b, loc, sizes, f32)})
      .getResult(0);
}

/// A linalg.generic into `init` whose region yields `body(args)`.
inline Value
buildGeneric(OpBuilder &b, Location loc, Value init, ValueRange inputs,
             ArrayRef<AffineMap> maps, ArrayRef<utils::IteratorType> iters,
             function_ref<Value(OpBuilder &, Location, ValueRange)> body) {
  return linalg::GenericOp::create(
             b, loc, TypeRange{init.getType()}, inputs, ValueRange{init}, maps,
             iters,
             [&](OpBuilder &nb, Location l, ValueRange args) {
               linalg::YieldOp::create(nb, l, body(nb, l, args));
             })
      .getResult(0);
}

/// x [M, K] · w [K, N] into a zero-filled f32 accumulator.
inline Value buildMatmul(OpBuilder &b, Location loc, Value x, Value w) {
  OpFoldResult m = tensor::getMixedSize(b, loc, x, 0);
  OpFoldResult n = tensor::getMixedSize(b, loc, w, 1);
  Value acc = buildZeros(b, loc, {m, n});
  return linalg::MatmulOp::create(b, loc, TypeRange{acc.getType()},
                                  ValueRange{x, w}, ValueRange{acc})
      .getResult(0);
}

/// `x` as f32 inside a linalg body (an extension of a 16-bit value).
inline Value buildExtF32(OpBuilder &b, Location loc, Value x) {
  Type f32 = b.getF32Type();
  return x.getType() == f32 ? x : arith::ExtFOp::create(b, loc, f32, x);
}

/// `x` (an f32 tensor) rounded elementwise into `dest` (a 16-bit tensor of
/// its shape): the 16-bit activations between a layer's ops.
inline Value buildCastTo(OpBuilder &b, Location loc, Value x, Value dest) {
  auto type = cast<RankedTensorType>(x.getType());
  Type elt = cast<RankedTensorType>(dest.getType()).getElementType();
  AffineMap id = b.getMultiDimIdentityMap(type.getRank());
  return buildGeneric(
      b, loc, dest, {x}, {id, id},
      SmallVector<utils::IteratorType>(type.getRank(), kPar),
      [&](OpBuilder &nb, Location l, ValueRange a) -> Value {
        return arith::TruncFOp::create(nb, l, elt, a[0]);
      });
}

/// `x` (an f32 tensor) in element type `elt` (f16 or bf16), into a new
/// tensor.
inline Value buildCastTo(OpBuilder &b, Location loc, Value x, Type elt) {
  auto type = cast<RankedTensorType>(x.getType());
  SmallVector<OpFoldResult> sizes;
  for (int64_t i = 0; i < type.getRank(); ++i)
    sizes.push_back(tensor::getMixedSize(b, loc, x, i));
  return buildCastTo(b, loc, x, buildEmpty(b, loc, sizes, elt));
}

/// An affine map of `numDims` dims with `results`.
inline AffineMap buildMap(MLIRContext *ctx, unsigned numDims,
                          ArrayRef<AffineExpr> results) {
  return AffineMap::get(numDims, 0, results, ctx);
}

/// The map (d0, …) → (d_ids[0], d_ids[1], …).
inline AffineMap buildDimMap(MLIRContext *ctx, unsigned numDims,
                             ArrayRef<unsigned> ids) {
  SmallVector<AffineExpr> e;
  for (unsigned i : ids)
    e.push_back(getAffineDimExpr(i, ctx));
  return AffineMap::get(numDims, 0, e, ctx);
}

} // namespace mlir::retention

#endif // RETENTION_DIALECT_RETENTION_UTILS_LINALGBUILD_H
