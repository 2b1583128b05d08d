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
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
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
  Value sub(Value x, int64_t c) {
    return c == 0 ? x : arith::SubIOp::create(b, loc, x, idx(c)).getResult();
  }
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
  /// A hand-built launch: grid (x, y, z) of one-dimensional blocks of
  /// `threads`, `smemBytes` of dynamic shared memory, marked
  /// `retention.microkernel` (the passes after it leave it alone). The
  /// insertion point moves to the start of its body; the caller restores it
  /// (an InsertionGuard) and ends the body with gpu.terminator.
  gpu::LaunchOp launch(Value x, Value y, Value z, int64_t threads,
                       int64_t smemBytes) {
    auto op = gpu::LaunchOp::create(
        b, loc, x, y, z, idx(threads), idx(1), idx(1),
        arith::ConstantOp::create(b, loc,
                                  b.getI32IntegerAttr(int32_t(smemBytes))));
    op->setAttr("retention.microkernel", b.getUnitAttr());
    b.setInsertionPointToStart(&op.getBody().front());
    return op;
  }
  /// A `shape` x `elt` view at byte `offset` of the block's dynamic shared
  /// memory (inside a launch).
  Value sharedView(ArrayRef<int64_t> shape, Type elt, int64_t offset) {
    auto ws = gpu::AddressSpaceAttr::get(b.getContext(),
                                         gpu::AddressSpace::Workgroup);
    Value smem = gpu::DynamicSharedMemoryOp::create(
        b, loc,
        MemRefType::get({ShapedType::kDynamic}, b.getI8Type(),
                        MemRefLayoutAttrInterface(), ws));
    return memref::ViewOp::create(
        b, loc, MemRefType::get(shape, elt, MemRefLayoutAttrInterface(), ws),
        smem, idx(offset), ValueRange());
  }
  /// The sum of `x` (f32) over the 32 lanes of the warp, in every lane
  /// (butterfly shuffles: each lane adds the same values in the same order).
  Value warpSum(Value x) {
    for (int32_t off = 16; off >= 1; off /= 2) {
      Value other = gpu::ShuffleOp::create(
                        b, loc, x,
                        arith::ConstantOp::create(b, loc,
                                                  b.getI32IntegerAttr(off)),
                        arith::ConstantOp::create(b, loc,
                                                  b.getI32IntegerAttr(32)),
                        gpu::ShuffleMode::XOR)
                        .getShuffleResult();
      x = arith::AddFOp::create(b, loc, x, other);
    }
    return x;
  }
  /// An index as f32 (exact below 2^24).
  Value indexToF32(Value i) {
    Value i32 = arith::IndexCastOp::create(b, loc, b.getI32Type(), i);
    return arith::SIToFPOp::create(b, loc, b.getF32Type(), i32);
  }
};

} // namespace mlir::retention::kernel

#endif // RETENTION_CODEGEN_INDEXBUILDER_H
