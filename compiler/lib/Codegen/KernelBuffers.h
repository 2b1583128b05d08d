//===- KernelBuffers.h - buffers of hand-scheduled retention kernels ------===//
//
// Before bufferization, retention-gpu-decode-kernel replaces a retention op
// on tensors by loops on buffers, and retention-gpu-chunkwise-mma by the op
// on buffers (built into launches after bufferization). These helpers give
// them their operands as buffers and their results a place to live: where a result's only use
// materializes it into a buffer (a whole model's state output, a
// destination-passing kernel argument), the kernel writes that buffer
// directly instead of a new one that would then be copied.
//
//===----------------------------------------------------------------------===//

#ifndef RETENTION_CODEGEN_KERNELBUFFERS_H
#define RETENTION_CODEGEN_KERNELBUFFERS_H

#include "IndexBuilder.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/Dominance.h"

namespace mlir::retention::kernel {

/// A memref type of `tensorType`'s shape and element type whose strides and
/// offset are dynamic except a unit innermost stride: any row-major buffer
/// of the tensor casts to it without a copy.
inline MemRefType rowMajorView(RankedTensorType tensorType) {
  int64_t rank = tensorType.getRank();
  SmallVector<int64_t> strides(rank, ShapedType::kDynamic);
  if (rank > 0)
    strides.back() = 1;
  auto layout = StridedLayoutAttr::get(tensorType.getContext(),
                                       ShapedType::kDynamic, strides);
  return MemRefType::get(tensorType.getShape(), tensorType.getElementType(),
                         layout);
}

/// `tensor` read as a buffer (read only).
inline Value readBuffer(OpBuilder &b, Location loc, Value tensor) {
  auto type = cast<RankedTensorType>(tensor.getType());
  return bufferization::ToBufferOp::create(b, loc, rowMajorView(type), tensor,
                                           /*read_only=*/true);
}

/// Where the kernel writes `result` (a result of `op`, about to be
/// replaced): the destination of its only use when that is a
/// `bufferization.materialize_in_destination` into a buffer (taken again
/// before `op` when its subview is defined later; the materialization is
/// erased), else a new buffer of its shape (`dynamicSizes` for its dynamic
/// dimensions), with `tensor` the value that replaces `result` (null when
/// the materialization was its only use).
struct ResultBuffer {
  Value memref;
  Value tensor; // replacement of the op's result, or null
};

inline ResultBuffer resultBuffer(OpBuilder &b, Operation *op, Value result,
                                 ValueRange dynamicSizes) {
  Location loc = op->getLoc();
  auto type = cast<RankedTensorType>(result.getType());
  if (result.hasOneUse()) {
    auto mat = dyn_cast<bufferization::MaterializeInDestinationOp>(
        *result.getUsers().begin());
    Value dest = mat ? mat.getDest() : Value();
    auto destType = dest ? dyn_cast<MemRefType>(dest.getType()) : MemRefType();
    if (destType &&
        memref::CastOp::areCastCompatible(destType, rowMajorView(type))) {
      DominanceInfo dom(op->getParentOp());
      Value at = dest;
      if (!dom.properlyDominates(dest, op)) {
        // A subview made for the materialization: make it again before op.
        auto sv = dest.getDefiningOp<memref::SubViewOp>();
        bool movable = sv && llvm::all_of(sv->getOperands(), [&](Value v) {
                         return dom.properlyDominates(v, op);
                       });
        at = movable ? b.clone(*sv)->getResult(0) : Value();
      }
      if (at) {
        at = memref::CastOp::create(b, loc, rowMajorView(type), at);
        mat->erase();
        return {at, Value()};
      }
    }
  }
  auto allocType = MemRefType::get(type.getShape(), type.getElementType());
  Value alloc = memref::AllocOp::create(b, loc, allocType, dynamicSizes);
  Value asTensor = bufferization::ToTensorOp::create(
      b, loc, type, alloc, /*restrict=*/true, /*writable=*/true);
  Value view = memref::CastOp::create(b, loc, rowMajorView(type), alloc);
  return {view, asTensor};
}

/// True at run time when `buffer`'s first element and every row start
/// (each stride but the innermost, which is 1) are `bytes`-aligned: what a
/// kernel's `bytes`-wide vector accesses and cp.async copies need. Views
/// with dynamic offsets and strides may be only element-aligned.
inline Value rowsAligned(OpBuilder &b, Location loc, Value buffer,
                         int64_t bytes = 16) {
  auto type = cast<MemRefType>(buffer.getType());
  IndexBuilder ib(b, loc);
  int64_t elementBytes = type.getElementTypeBitWidth() / 8;
  auto meta = memref::ExtractStridedMetadataOp::create(b, loc, buffer);
  Value base = memref::ExtractAlignedPointerAsIndexOp::create(b, loc, buffer);
  // OR of every byte offset that must be aligned: aligned iff its low bits
  // are zero.
  Value bits = ib.add(base, ib.mul(meta.getOffset(), elementBytes));
  for (int64_t i = 0; i + 1 < type.getRank(); ++i)
    if (type.getDimSize(i) != 1) // a unit dimension's stride is never used
      bits = arith::OrIOp::create(b, loc, bits,
                                  ib.mul(meta.getStrides()[i], elementBytes));
  Value low = arith::AndIOp::create(b, loc, bits, ib.idx(bytes - 1));
  return ib.cmp(arith::CmpIPredicate::eq, low, ib.idx(0));
}

/// A hand-scheduled kernel that replaces `op` only when every buffer in
/// `buffers` is 16-byte aligned (rowsAligned), checked at run time:
/// returns an scf.if whose then block is for the kernel (the caller emits it
/// there) and whose else block runs a clone of `op` (the generic path),
/// each of its results materialized into the buffer the kernel would have
/// written (`results`: result number → buffer), then `alsoElse` on the
/// clone (ops the kernel fused in, cloned after it).
inline scf::IfOp
ifAlignedElseGeneric(OpBuilder &b, Operation *op, ValueRange buffers,
                     ArrayRef<std::pair<unsigned, Value>> results,
                     function_ref<void(Operation *)> alsoElse = nullptr) {
  Location loc = op->getLoc();
  Value ok;
  for (Value buffer : buffers) {
    if (!buffer)
      continue;
    Value aligned = rowsAligned(b, loc, buffer);
    ok = ok ? arith::AndIOp::create(b, loc, ok, aligned).getResult() : aligned;
  }
  auto branch = scf::IfOp::create(b, loc, ok, /*withElseRegion=*/true);
  OpBuilder::InsertionGuard g(b);
  b.setInsertionPoint(branch.elseBlock()->getTerminator());
  Operation *generic = b.clone(*op);
  for (auto [number, buffer] : results) {
    auto mat = bufferization::MaterializeInDestinationOp::create(
        b, loc, generic->getResult(number), buffer);
    mat.setRestrict(true);
    mat.setWritable(true);
  }
  if (alsoElse)
    alsoElse(generic);
  return branch;
}

} // namespace mlir::retention::kernel

#endif // RETENTION_CODEGEN_KERNELBUFFERS_H
