//===- QuadLoops.h - parallel loops over 16-byte column quads -------------===//
//
// The bandwidth-bound kernels built as scf.parallel loops (the decode kernel,
// the matmul kernels) give each thread four consecutive f32 columns: one
// 16-byte vector load or store per row. This is the builder they share:
// index arithmetic, quad loads and stores (16-bit data widened to f32 and
// narrowed back), and the parallel loop itself.
//
//===----------------------------------------------------------------------===//

#ifndef RETENTION_CODEGEN_QUADLOOPS_H
#define RETENTION_CODEGEN_QUADLOOPS_H

#include "IndexBuilder.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/Builders.h"

namespace mlir::retention::kernel {

/// Columns per thread: one 16-byte access of f32.
constexpr int64_t kLanes = 4;

struct QuadEmitter : IndexBuilder {
  Type f32;
  VectorType quad; // vector<4xf32>

  QuadEmitter(OpBuilder &b, Location loc)
      : IndexBuilder(b, loc), f32(b.getF32Type()),
        quad(VectorType::get({kLanes}, b.getF32Type())) {}

  Value toF32(Value x) {
    return x.getType() == f32 ? x : arith::ExtFOp::create(b, loc, f32, x);
  }
  /// A quad (of any float type) as f32.
  Value toF32Quad(Value x) {
    return cast<VectorType>(x.getType()).getElementType() == f32
               ? x
               : arith::ExtFOp::create(b, loc, quad, x).getResult();
  }
  /// One element as f32.
  Value scalar(Value m, ValueRange i) {
    return toF32(memref::LoadOp::create(b, loc, m, i));
  }
  /// Four consecutive elements as f32, aligned to their size (16 bytes for
  /// f32): the rows and offsets of the buffer are whole quads.
  Value loadQuad(Value m, ValueRange i) {
    Type et = cast<MemRefType>(m.getType()).getElementType();
    Value v = vector::LoadOp::create(b, loc, VectorType::get({kLanes}, et), m,
                                     i, /*nontemporal=*/false,
                                     llvm::MaybeAlign(quadBytes(et)));
    return et == f32 ? v : arith::ExtFOp::create(b, loc, quad, v);
  }
  /// Stores an f32 quad in the buffer's element type.
  void storeQuad(Value v, Value m, ValueRange i) {
    Type et = cast<MemRefType>(m.getType()).getElementType();
    if (et != f32)
      v = arith::TruncFOp::create(b, loc, VectorType::get({kLanes}, et), v);
    vector::StoreOp::create(b, loc, v, m, i, /*nontemporal=*/false,
                            llvm::MaybeAlign(quadBytes(et)));
  }
  Value splat(Value x) { return vector::BroadcastOp::create(b, loc, quad, x); }
  Value fma(Value x, Value y, Value acc) {
    return vector::FMAOp::create(b, loc, x, y, acc);
  }
  Value zeros() {
    return arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(quad, b.getF32FloatAttr(0.0f)));
  }
  /// scf.parallel over [0, ub_i) with `body(ivs)` inside.
  void parallel(ValueRange ubs, function_ref<void(ValueRange)> body) {
    SmallVector<Value> lbs(ubs.size(), idx(0)), steps(ubs.size(), idx(1));
    scf::ParallelOp::create(
        b, loc, lbs, ubs, steps,
        [&](OpBuilder &, Location, ValueRange ivs) { body(ivs); });
  }

private:
  static unsigned quadBytes(Type et) {
    return kLanes * et.getIntOrFloatBitWidth() / 8;
  }
};

} // namespace mlir::retention::kernel

#endif // RETENTION_CODEGEN_QUADLOOPS_H
