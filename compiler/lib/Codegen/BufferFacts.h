//===- BufferFacts.h - what the buffer-level kernel builders ask ---------===//
//
// retention-gpu-matmul and retention-gpu-row-reductions build kernels for
// linalg ops on buffers and fold their neighbours in: the zero fill (or the
// copy of a zero-filled buffer) before an op that accumulates, the
// elementwise generic after it. These are the questions they ask of the
// buffers (what a view is a view of, who writes it, is it zero here) and the
// one way they run a generic's body on values of their own.
//
//===----------------------------------------------------------------------===//

#ifndef RETENTION_CODEGEN_BUFFERFACTS_H
#define RETENTION_CODEGEN_BUFFERFACTS_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/FunctionInterfaces.h"
#include "mlir/Interfaces/LoopLikeInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

namespace mlir::retention::kernel {

/// The buffer `v` is a view of (or `v` itself): through view-like ops and
/// any other pure op that makes a memref of one memref operand
/// (memref.transpose, casts).
inline Value rootOf(Value v) {
  while (Operation *def = v.getDefiningOp()) {
    if (auto view = dyn_cast<ViewLikeOpInterface>(def)) {
      v = view.getViewSource();
      continue;
    }
    Value only;
    for (Value operand : def->getOperands())
      if (isa<BaseMemRefType>(operand.getType()))
        only = only ? Value() : operand;
    if (!only || !isMemoryEffectFree(def) || def->getNumResults() != 1)
      break;
    v = only;
  }
  return v;
}

/// A linalg.fill of `buffer` with 0.
inline bool isZeroFillOf(Operation *op, Value buffer) {
  auto fill = dyn_cast_or_null<linalg::FillOp>(op);
  if (!fill || !fill.hasPureBufferSemantics() ||
      fill.getOutputs()[0] != buffer)
    return false;
  auto zero = fill.getInputs()[0].getDefiningOp<arith::ConstantOp>();
  auto value = zero ? dyn_cast<FloatAttr>(zero.getValue()) : FloatAttr();
  return value && value.getValue().isZero();
}

/// False unless `op` surely writes no memory under `root` (a buffer
/// allocated in the function). An op without a memory-effect interface
/// (scf.for, scf.if, gpu.launch, gpu.barrier) writes it only if handed it
/// or if an op in its body does.
inline bool mayWrite(Operation *op, Value root) {
  if (isMemoryEffectFree(op))
    return false;
  // Barriers and fences order other ops' accesses; they write nothing.
  if (isa<gpu::BarrierOp, NVVM::MembarOp>(op))
    return false;
  // Inline assembly reaches an allocation of the function only through
  // pointer operands (the tensor-core kernels' opaque register moves have
  // none, but side effects so that nothing hoists them).
  if (auto asmOp = dyn_cast<LLVM::InlineAsmOp>(op))
    return llvm::any_of(asmOp->getOperandTypes(), [](Type t) {
      return isa<LLVM::LLVMPointerType>(t);
    });
  auto iface = dyn_cast<MemoryEffectOpInterface>(op);
  if (!iface) {
    // Its body's effects, and (without an interface to ask) whatever it is
    // handed: `root` (an allocation of the function) is reached through
    // operands only.
    for (Value operand : op->getOperands())
      if (isa<BaseMemRefType>(operand.getType()) && rootOf(operand) == root)
        return true;
    for (Region &region : op->getRegions())
      for (Operation &nested : region.getOps())
        if (mayWrite(&nested, root))
          return true;
    return false;
  }
  SmallVector<MemoryEffects::EffectInstance> effects;
  iface.getEffects(effects);
  for (const auto &e : effects)
    if (isa<MemoryEffects::Write>(e.getEffect()) &&
        (!e.getValue() || rootOf(e.getValue()) == root))
      return true;
  return false;
}

/// What makes an output buffer C zero just before the op that accumulates
/// into it (a matmul, a reduction), if anything does.
struct ZeroInit {
  /// The zero fill of C, or (what bufferization makes of one zero fill
  /// shared by several ops) the copy into C of a buffer zero-filled
  /// earlier: the kernel then makes it redundant (it is erased).
  Operation *redundant = nullptr;
  /// The op after which C is zero: `redundant`, or a zero fill of C itself
  /// earlier in the block (C is that shared zero buffer, written in place
  /// by its last user), which stays.
  Operation *from = nullptr;
  bool zero() const { return from != nullptr; }
};

/// The zero fill of `buffer` that last wrote memory under `root` before
/// `op`, if one did: searched back through `op`'s block and out of the
/// loops and branches holding it (which must then not write `root`
/// anywhere in their bodies: a later iteration would run after it).
inline Operation *zeroFillBefore(Operation *op, Value buffer, Value root) {
  for (Operation *at = op; at; at = at->getParentOp()) {
    for (Operation *q = at->getPrevNode(); q; q = q->getPrevNode()) {
      if (isZeroFillOf(q, buffer))
        return q;
      if (mayWrite(q, root))
        return nullptr;
    }
    Operation *parent = at->getParentOp();
    if (!parent || isa<FunctionOpInterface>(parent) || mayWrite(parent, root))
      return nullptr;
  }
  return nullptr;
}

/// The op's kernel then needs neither that kernel nor a read of C. Ops
/// between that touch no memory are skipped.
inline ZeroInit zeroInitOf(Operation *op, Value c) {
  Operation *p = op->getPrevNode();
  while (p && isMemoryEffectFree(p))
    p = p->getPrevNode();
  if (!p)
    return {};
  if (isZeroFillOf(p, c))
    return {p, p};
  if (auto copy = dyn_cast<memref::CopyOp>(p); copy && copy.getTarget() == c) {
    Value src = copy.getSource();
    if (zeroFillBefore(copy, src, rootOf(src)))
      return {copy, copy};
    return {};
  }
  // C itself zero-filled earlier, only read since.
  if (Operation *fill = zeroFillBefore(op, c, rootOf(c)))
    return {nullptr, fill};
  return {};
}

/// Every op that uses `root` or a view of it.
inline void usersOf(Value root, SmallVectorImpl<Operation *> &users) {
  for (OpOperand &use : root.getUses()) {
    Operation *u = use.getOwner();
    if (auto view = dyn_cast<ViewLikeOpInterface>(u);
        view && view.getViewSource() == root) {
      for (Value r : u->getResults())
        if (isa<BaseMemRefType>(r.getType()))
          usersOf(r, users);
      continue;
    }
    users.push_back(u);
  }
}

/// Whether every run of `u` sees `buffer` as a later fill of all of it left
/// it, never as `fill` did: such a fill comes before `u` in its block (or
/// in a block holding it), with neither `fill` nor a region holding `fill`
/// between. What a kernel's fallback reads after filling its own C.
inline bool overwrittenBefore(Operation *u, Value buffer, Operation *fill) {
  for (Operation *at = u; at; at = at->getParentOp()) {
    if (at != u && at->isAncestor(fill))
      return false;
    for (Operation *q = at->getPrevNode(); q; q = q->getPrevNode()) {
      if (q->isAncestor(fill))
        return false;
      auto other = dyn_cast<linalg::FillOp>(q);
      if (other && other.hasPureBufferSemantics() &&
          other.getOutputs()[0] == buffer)
        return true;
    }
    if (isa_and_nonnull<FunctionOpInterface>(at->getParentOp()))
      return false;
  }
  return false;
}

/// Whether `u` always runs before `fill`: it comes first in the block
/// where their ancestors meet, and no loop holds that block.
inline bool runsBefore(Operation *u, Operation *fill) {
  for (Operation *at = u; at; at = at->getParentOp()) {
    Operation *f = at->getBlock()->findAncestorOpInBlock(*fill);
    if (!f)
      continue;
    if (f == at)
      return false;
    for (Operation *p = at->getParentOp(); p; p = p->getParentOp())
      if (isa<LoopLikeOpInterface>(p))
        return false;
    return at->isBeforeInBlock(f);
  }
  return false;
}

/// Erases the fills of buffers allocated in `root`'s body that nothing
/// reads: after kernels folded a zero fill in (or stopped writing a zero
/// buffer in place), the fill that fed them may have no reader left.
inline void eraseUnreadFills(Operation *root) {
  SmallVector<linalg::FillOp> fills;
  root->walk([&](linalg::FillOp fill) {
    if (fill.hasPureBufferSemantics())
      fills.push_back(fill);
  });
  for (linalg::FillOp fill : fills) {
    Value buffer = rootOf(fill.getOutputs()[0]);
    if (!buffer.getDefiningOp<memref::AllocOp>())
      continue;
    SmallVector<Operation *> users;
    usersOf(buffer, users);
    if (llvm::all_of(users, [&](Operation *u) {
          return isa<linalg::FillOp, memref::DeallocOp, memref::DimOp,
                     memref::ExtractAlignedPointerAsIndexOp,
                     memref::ExtractStridedMetadataOp>(u) ||
                 runsBefore(u, fill) || overwrittenBefore(u, buffer, fill);
        }))
      fill->erase();
  }
}

/// A zero fill of `c` at `b`: what a kernel's fallback (the op as it was)
/// runs instead of the zero initialization the kernel folded in, so that
/// the zero buffer it came from (if any) is no longer read.
inline void zeroFill(OpBuilder &b, Location loc, Value c) {
  Type elt = cast<MemRefType>(c.getType()).getElementType();
  Value zero = arith::ConstantOp::create(b, loc, b.getZeroAttr(elt));
  linalg::FillOp::create(b, loc, zero, c);
}

/// The first op after `op` that touches memory other than by allocating a
/// fresh buffer (null at the block's end).
inline Operation *nextMemoryOp(Operation *op) {
  Operation *next = op->getNextNode();
  while (next && (isMemoryEffectFree(next) || isa<memref::AllocOp>(next)))
    next = next->getNextNode();
  return next;
}

/// Whether `g`'s body can run anywhere: no regions, no memory effects.
inline bool pureBody(linalg::GenericOp g) {
  for (Operation &op : g.getRegion().front().without_terminator())
    if (op.getNumRegions() != 0 || !isMemoryEffectFree(&op))
      return false;
  return true;
}

/// Loads operand `in` of `g` at its indexing map applied to the loop
/// indices `ivs` (a projected permutation).
inline Value loadOperandAt(OpBuilder &b, Location loc, linalg::GenericOp g,
                           OpOperand &in, ArrayRef<Value> ivs) {
  SmallVector<Value> at;
  for (AffineExpr r : g.getMatchingIndexingMap(&in).getResults())
    at.push_back(ivs[cast<AffineDimExpr>(r).getPosition()]);
  return memref::LoadOp::create(b, loc, in.get(), at);
}

/// Runs `g`'s body (pureBody) at `b` on the block argument values `args`
/// (null where the body does not use the argument) with loop indices `ivs`
/// (for linalg.index); returns the value yielded for result `result`.
inline Value inlineBody(OpBuilder &b, linalg::GenericOp g,
                        ArrayRef<Value> args, ArrayRef<Value> ivs,
                        unsigned result = 0) {
  Block &body = g.getRegion().front();
  IRMapping map;
  for (auto [arg, v] : llvm::zip(body.getArguments(), args))
    if (v)
      map.map(arg, v);
  for (Operation &o : body.without_terminator()) {
    if (auto index = dyn_cast<linalg::IndexOp>(o)) {
      map.map(index.getResult(), ivs[index.getDim()]);
      continue;
    }
    b.clone(o, map);
  }
  return map.lookupOrDefault(body.getTerminator()->getOperand(result));
}

} // namespace mlir::retention::kernel

#endif // RETENTION_CODEGEN_BUFFERFACTS_H
