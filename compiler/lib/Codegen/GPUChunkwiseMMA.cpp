//===- GPUChunkwiseMMA.cpp - pick the ops for the tensor-core kernels -----===//
//
// retention-gpu-chunkwise-mma: the schedule side of the tensor-core
// retention kernels (design in ChunkwiseMMA.h). On tensors, before
// bufferization: which ops fit (matchShape), which schedule and tiles
// (pickSchedule, the options), and the run-time alignment guard whose
// aligned branch keeps the op on the kernel's buffers, marked for
// retention-gpu-expand-mma (GPUChunkwiseMMAKernels.cpp), and whose other
// branch keeps it on tensors for the generic path.
//
//===----------------------------------------------------------------------===//

#include "ChunkwiseMMA.h"
#include "KernelBuffers.h"
#include "retention/Conversion/Passes.h"
#include "retention/Dialect/Retention/IR/RetentionOps.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

namespace mlir::retention {
#define GEN_PASS_DEF_RETENTIONGPUCHUNKWISEMMAPASS
#include "retention/Conversion/Passes.h.inc"
} // namespace mlir::retention

using namespace mlir;
using namespace mlir::retention::mma;


FailureOr<Shape> mlir::retention::mma::matchShape(Operation *op, int64_t blockV, int64_t stateBlockV,
                            int64_t smCount) {
  auto form = cast<retention::RetentionFormOpInterface>(op);
  if (form.getHeadOffset()) // a tile of heads: the kernels index gamma by head
    return failure();
  auto q = cast<ShapedType>(form.getQ().getType());
  auto k = cast<ShapedType>(form.getK().getType());
  auto v = cast<ShapedType>(form.getV().getType());
  Type elt = q.getElementType();
  if (!elt.isBF16() && !elt.isF16())
    return failure();
  // Every dimension static but T (the tokens of a prefill: the fused
  // schedule walks its chunks at run time).
  if (q.getRank() != 4 || k.getRank() != 4 || v.getRank() != 4)
    return failure();
  for (ShapedType t : {q, k, v})
    for (int64_t d : {0, 1, 3})
      if (t.isDynamicDim(d))
        return failure();
  const bool dynamicT = q.isDynamicDim(2);
  if (k.getDimSize(2) != q.getDimSize(2) || v.getDimSize(2) != q.getDimSize(2))
    return failure();
  if (Value s = form.getState())
    if (!cast<ShapedType>(s.getType()).hasStaticShape())
      return failure();
  Shape sh{q.getDimSize(0),
           q.getDimSize(1),
           q.getDimSize(2),
           q.getDimSize(3),
           v.getDimSize(3),
           0,
           0,
           elt};
  sh.dkData = sh.dk;
  if (sh.dk < 64 && sh.dk % 16 == 0)
    sh.dk = 64; // zero-padded in the kernels
  if ((!dynamicT && sh.tokens < 1) || sh.dk % 64 != 0 || sh.dk > 256)
    return failure();
  // The value tile: 64 columns up to dk = 128, else 32 (the state's
  // registers); a smaller one when it does not divide dv.
  sh.bv = blockV > 0 ? blockV : (sh.dk <= 128 ? 64 : 32);
  while (blockV <= 0 && sh.bv > 16 && sh.dv % sh.bv != 0)
    sh.bv /= 2;
  if ((sh.bv != 16 && sh.bv != 32 && sh.bv != 64) || sh.dv % sh.bv != 0)
    return failure();
  if (sh.batch * sh.heads > 65535)
    return failure();
  // State kernel: 64-column tiles when they alone give two blocks per SM,
  // else 32 (twice the blocks).
  int64_t bh = sh.batch * sh.heads;
  if (bh > 65535) // (batch, head) is a grid y or z dimension
    return failure();
  sh.bvState = stateBlockV;
  if (stateBlockV <= 0)
    sh.bvState =
        sh.dv % 64 == 0 && (sh.dk / 64) * (sh.dv / 64) * bh >= 2 * smCount
            ? 64
            : (sh.dv % 32 == 0 ? 32 : 16);
  if ((sh.bvState != 16 && sh.bvState != 32 && sh.bvState != 64) ||
      sh.dv % sh.bvState != 0 || dynamicT || sh.padded() ||
      sh.numChunks() > 65535)
    sh.bvState = 0;
  return sh;
}

Schedule mlir::retention::mma::pickSchedule(const Shape &sh, StringRef schedule, int64_t smCount) {
  if (schedule == "fused" || sh.bvState == 0)
    return Schedule::Fused;
  if (schedule == "chunked")
    return Schedule::Chunked;
  int64_t fusedBlocks = sh.dv / sh.bv * sh.batch * sh.heads;
  return fusedBlocks < 2 * smCount && sh.tokens >= 4 * kChunk
             ? Schedule::Chunked
             : Schedule::Fused;
}

namespace {

struct GPUChunkwiseMMAPass
    : mlir::retention::impl::RetentionGPUChunkwiseMMAPassBase<
          GPUChunkwiseMMAPass> {
  using Base::Base;

  void runOnOperation() override {
    if (schedule != "auto" && schedule != "fused" && schedule != "chunked") {
      getOperation().emitError("retention-gpu-chunkwise-mma: schedule must be "
                               "auto, fused or chunked, not '")
          << schedule << "'";
      return signalPassFailure();
    }
    if (stages != 1 && stages != 2) {
      getOperation().emitError(
          "retention-gpu-chunkwise-mma: stages must be 1 or 2, not ")
          << static_cast<int64_t>(stages);
      return signalPassFailure();
    }
    SmallVector<Operation *> ops;
    getOperation().walk([&](Operation *op) {
      auto form = dyn_cast<retention::RetentionFormOpInterface>(op);
      if (form && form.getO() && // on tensors (not yet claimed)
          isa<retention::ChunkwiseOp, retention::ParallelOp>(op))
        ops.push_back(op);
    });
    for (Operation *op : ops) {
      FailureOr<Shape> sh = matchShape(op, blockV, stateBlockV, smCount);
      if (succeeded(sh))
        claim(op, *sh, pickSchedule(*sh, schedule, smCount));
    }
  }

  /// Replaces `op` by the alignment guard: the aligned branch holds `op` on
  /// the kernel's buffers, marked with its schedule.
  void claim(Operation *op, const Shape &sh, Schedule sched) {
    auto form = cast<retention::RetentionFormOpInterface>(op);
    OpBuilder b(op);
    Location loc = op->getLoc();
    Value finalState = form.getFinalStateOrNull();

    // Inputs as row-major buffers of any offset and strides (no copy of a
    // slice); results written straight into the buffer they materialize in
    // when that is their only use.
    Operands ops;
    ops.q = retention::kernel::readBuffer(b, loc, form.getQ());
    ops.k = retention::kernel::readBuffer(b, loc, form.getK());
    ops.v = retention::kernel::readBuffer(b, loc, form.getV());
    if (form.getState())
      ops.s0 = retention::kernel::readBuffer(b, loc, form.getState());
    SmallVector<Value> oSizes;
    if (ShapedType::isDynamic(sh.tokens))
      oSizes.push_back(tensor::DimOp::create(b, loc, form.getQ(), 2));
    retention::kernel::ResultBuffer oBuf =
        retention::kernel::resultBuffer(b, op, op->getResult(0), oSizes);
    retention::kernel::ResultBuffer sBuf =
        finalState ? retention::kernel::resultBuffer(b, op, finalState, {})
                   : retention::kernel::ResultBuffer{};
    ops.o = oBuf.memref;
    ops.sOut = sBuf.memref;

    // The tiles are staged with 16-byte cp.async copies and the results
    // stored in 8- and 16-byte vectors: views that are only element-aligned
    // take the generic path instead (checked at run time).
    SmallVector<std::pair<unsigned, Value>> results = {{0, ops.o}};
    if (finalState)
      results.push_back(
          {cast<OpResult>(finalState).getResultNumber(), ops.sOut});
    scf::IfOp guard = retention::kernel::ifAlignedElseGeneric(
        b, op, {ops.q, ops.k, ops.v, ops.s0, ops.o, ops.sOut}, results);
    b.setInsertionPoint(guard.thenBlock()->getTerminator());

    // The op on the buffers: what retention-gpu-expand-mma builds.
    SmallVector<Value> inits = {ops.o};
    if (ops.sOut)
      inits.push_back(ops.sOut);
    double scale = form.getScale().convertToDouble();
    Operation *kernel;
    if (auto chunkwise = dyn_cast<retention::ChunkwiseOp>(op))
      kernel = retention::ChunkwiseOp::create(
          b, loc, ops.q, ops.k, ops.v, ops.s0, inits, form.getGamma(), scale,
          Value(), chunkwise.getChunkSize());
    else
      kernel = retention::ParallelOp::create(b, loc, ops.q, ops.k, ops.v,
                                             ops.s0, inits, form.getGamma(),
                                             scale);
    kernel->setAttr(
        kKernelAttr,
        b.getDictionaryAttr(
            {b.getNamedAttr("schedule",
                            b.getStringAttr(sched == Schedule::Fused
                                                ? "fused"
                                                : "chunked")),
             b.getNamedAttr("block_v", b.getI64IntegerAttr(sh.bv)),
             b.getNamedAttr("state_block_v", b.getI64IntegerAttr(sh.bvState)),
             b.getNamedAttr("stages", b.getI64IntegerAttr(stages))}));

    if (oBuf.tensor)
      op->getResult(0).replaceAllUsesWith(oBuf.tensor);
    if (finalState && sBuf.tensor)
      finalState.replaceAllUsesWith(sBuf.tensor);
    op->erase();
  }
};

} // namespace
