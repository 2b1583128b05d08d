//===- IndexBuilder.h - index and f32 arithmetic for kernel builders ------===//
//
// The hand-scheduled kernels (retention-gpu-chunkwise-mma's, the decode and
// matmul loops, the alignment guards) compute lane, tile and row indices at
// a builder's insertion point. This is the one helper they share, so that
// every kernel spells `x * c + d` the same way.
//
//===----------------------------------------------------------------------===//

#ifndef RETENTION_CODEGEN_INDEXBUILDER_H
#define RETENTION_CODEGEN_INDEXBUILDER_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/Builders.h"

namespace mlir::retention::kernel {

/// Index (unsigned: every kernel index is non-negative) and f32 arithmetic
/// at the current insertion point of `b`.
struct IndexBuilder {
  OpBuilder &b;
  Location loc;

  IndexBuilder(OpBuilder &b, Location loc) : b(b), loc(loc) {}

  Value idx(int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); }
  /// An f32 constant.
  Value f(double v) {
    return arith::ConstantOp::create(b, loc, b.getF32FloatAttr(v));
  }
  Value add(Value x, Value y) { return arith::AddIOp::create(b, loc, x, y); }
  /// x + c; x itself for c = 0.
  Value add(Value x, int64_t c) { return c == 0 ? x : add(x, idx(c)); }
  Value mul(Value x, Value y) { return arith::MulIOp::create(b, loc, x, y); }
  Value mul(Value x, int64_t c) { return mul(x, idx(c)); }
  Value div(Value x, Value y) { return arith::DivUIOp::create(b, loc, x, y); }
  Value div(Value x, int64_t c) { return div(x, idx(c)); }
  Value rem(Value x, Value y) { return arith::RemUIOp::create(b, loc, x, y); }
  Value rem(Value x, int64_t c) { return rem(x, idx(c)); }
  Value min(Value x, Value y) { return arith::MinUIOp::create(b, loc, x, y); }
  Value max(Value x, Value y) { return arith::MaxUIOp::create(b, loc, x, y); }
  Value cmp(arith::CmpIPredicate p, Value x, Value y) {
    return arith::CmpIOp::create(b, loc, p, x, y);
  }
  /// An index as f32 (exact below 2^24).
  Value indexToF32(Value i) {
    Value i32 = arith::IndexCastOp::create(b, loc, b.getI32Type(), i);
    return arith::SIToFPOp::create(b, loc, b.getF32Type(), i32);
  }
};

} // namespace mlir::retention::kernel

#endif // RETENTION_CODEGEN_INDEXBUILDER_H
