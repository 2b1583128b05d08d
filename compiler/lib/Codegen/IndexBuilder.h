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
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/SymbolTable.h"

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
  /// The sum of `x` (f32) over the threads `tid` of a block of `warps`
  /// warps, in every thread: each warp's (warpSum), then the warps' through
  /// `partial` (f32 [warps] in shared memory), added in one order. Every
  /// thread must reach it; `partial` may be written again after a barrier.
  Value blockSum(Value x, Value partial, Value tid, int64_t warps) {
    Value acc = warpSum(x);
    Value lane = rem(tid, 32), warp = div(tid, 32);
    {
      auto first =
          scf::IfOp::create(b, loc, cmp(arith::CmpIPredicate::eq, lane, idx(0)));
      OpBuilder::InsertionGuard g(b);
      b.setInsertionPointToStart(first.thenBlock());
      memref::StoreOp::create(b, loc, acc, partial, ValueRange{warp});
    }
    gpu::BarrierOp::create(b, loc);
    Value total = memref::LoadOp::create(b, loc, partial, ValueRange{idx(0)});
    for (int64_t w = 1; w < warps; ++w)
      total = arith::AddFOp::create(
          b, loc, total,
          memref::LoadOp::create(b, loc, partial, ValueRange{idx(w)}));
    return total;
  }
  /// In a hand-built launch, once every thread has stored its share of a
  /// result in global memory: whether this block is the last of `blocks`
  /// to count itself done on `counter[at]` (an i32 in a zero-initialized
  /// global), as an i1 that every thread of the block gets. The stores are
  /// made visible GPU-wide (membar.gl) before thread `tid` 0 counts (one
  /// atomic add); `flag` (an i32 in shared memory) hands its answer to the
  /// block. The last block then fences again before it reads the others'
  /// shares, and resets the counter for the next launch (resetCounter),
  /// which stream order keeps from overlapping this one.
  Value lastToArrive(Value counter, Value at, Value blocks, Value flag,
                     Value tid) {
    Type i32 = b.getI32Type();
    NVVM::MembarOp::create(b, loc, NVVM::MemScopeKind::GPU);
    gpu::BarrierOp::create(b, loc);
    {
      auto first =
          scf::IfOp::create(b, loc, cmp(arith::CmpIPredicate::eq, tid, idx(0)));
      OpBuilder::InsertionGuard g(b);
      b.setInsertionPointToStart(first.thenBlock());
      Value done = memref::AtomicRMWOp::create(
          b, loc, arith::AtomicRMWKind::addi,
          arith::ConstantOp::create(b, loc, b.getI32IntegerAttr(1)), counter,
          ValueRange{at});
      Value last = arith::CmpIOp::create(
          b, loc, arith::CmpIPredicate::eq, done,
          arith::IndexCastOp::create(b, loc, i32,
                                     arith::SubIOp::create(b, loc, blocks,
                                                           idx(1))));
      memref::StoreOp::create(b, loc, arith::ExtUIOp::create(b, loc, i32, last),
                              flag, ValueRange{idx(0)});
    }
    gpu::BarrierOp::create(b, loc);
    return arith::CmpIOp::create(
        b, loc, arith::CmpIPredicate::ne,
        memref::LoadOp::create(b, loc, flag, ValueRange{idx(0)}),
        arith::ConstantOp::create(b, loc, b.getI32IntegerAttr(0)));
  }
  /// The last block's reset of `counter[at]` (thread `tid` 0).
  void resetCounter(Value counter, Value at, Value tid) {
    auto first =
        scf::IfOp::create(b, loc, cmp(arith::CmpIPredicate::eq, tid, idx(0)));
    OpBuilder::InsertionGuard g(b);
    b.setInsertionPointToStart(first.thenBlock());
    memref::StoreOp::create(
        b, loc, arith::ConstantOp::create(b, loc, b.getI32IntegerAttr(0)),
        counter, ValueRange{at});
  }
  /// An index as f32 (exact below 2^24).
  Value indexToF32(Value i) {
    Value i32 = arith::IndexCastOp::create(b, loc, b.getI32Type(), i);
    return arith::SIToFPOp::create(b, loc, b.getF32Type(), i32);
  }
};

/// `size` zero i32 counters for IndexBuilder::lastToArrive, a new global of
/// the module around `b`'s insertion point (named `name`, made unique):
/// zero at load, and zero again after every launch that uses them.
inline memref::GlobalOp counterGlobal(OpBuilder &b, Location loc,
                                      StringRef name, int64_t size) {
  auto module =
      b.getInsertionBlock()->getParentOp()->getParentOfType<ModuleOp>();
  OpBuilder g(b.getContext()); // created detached, inserted uniquely named
  auto type = MemRefType::get({size}, b.getI32Type());
  auto counters = memref::GlobalOp::create(
      g, loc, name, g.getStringAttr("private"), type,
      DenseElementsAttr::get(
          RankedTensorType::get(type.getShape(), b.getI32Type()),
          b.getI32IntegerAttr(0)),
      /*constant=*/false, g.getI64IntegerAttr(4));
  SymbolTable(module).insert(counters, module.getBody()->begin());
  return counters;
}

} // namespace mlir::retention::kernel

#endif // RETENTION_CODEGEN_INDEXBUILDER_H
