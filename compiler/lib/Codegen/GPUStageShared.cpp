//===- GPUStageShared.cpp - block-uniform input tiles in shared memory ----===//
//
// Every thread of a block reads the same q_t and k_t rows; this stages such
// rows in shared memory with a cooperative copy and barriers.
//
//===----------------------------------------------------------------------===//

#include "retention/Conversion/Passes.h"

#include "mlir/Analysis/SliceAnalysis.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/SymbolTable.h"
#include "llvm/ADT/MapVector.h"

namespace mlir::retention {
#define GEN_PASS_DEF_RETENTIONGPUSTAGESHAREDPASS
#include "retention/Conversion/Passes.h.inc"
} // namespace mlir::retention

using namespace mlir;

namespace {

/// The memref a chain of subviews starts from.
Value baseOf(Value m) {
  while (auto sv = m.getDefiningOp<memref::SubViewOp>())
    m = sv.getSource();
  return m;
}

/// True when `v` does not depend on the launch's thread ids.
bool blockUniform(Value v, gpu::LaunchOp launch) {
  SetVector<Operation *> slice;
  BackwardSliceOptions options;
  options.omitBlockArguments = false;
  options.inclusive = true;
  auto threadArg = [&](Value x) {
    auto arg = dyn_cast<BlockArgument>(x);
    if (!arg || arg.getOwner() != &launch.getBody().front())
      return false;
    gpu::KernelDim3 t = launch.getThreadIds();
    return x == t.x || x == t.y || x == t.z;
  };
  if (threadArg(v))
    return false;
  if (Operation *def = v.getDefiningOp()) {
    (void)getBackwardSlice(def, &slice, options);
    for (Operation *op : slice) {
      if (isa<gpu::ThreadIdOp, gpu::LaneIdOp>(op))
        return false;
      for (Value operand : op->getOperands())
        if (threadArg(operand))
          return false;
    }
  }
  return true;
}

struct GPUStageSharedPass
    : mlir::retention::impl::RetentionGPUStageSharedPassBase<
          GPUStageSharedPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    // Every parallel loop must have become a launch by now: one left behind
    // would run on the host, element by element over device memory.
    WalkResult unmapped = module.walk([&](scf::ParallelOp loop) {
      if (loop->getParentOfType<gpu::LaunchOp>())
        return WalkResult::advance();
      loop.emitError("retention-gpu-stage-shared: this parallel loop was not "
                     "mapped to a GPU launch (convert-parallel-loops-to-gpu "
                     "left it on the host)");
      return WalkResult::interrupt();
    });
    if (unmapped.wasInterrupted())
      return signalPassFailure();
    SymbolTable symbols(module);
    int counter = 0;
    module.walk([&](gpu::LaunchOp launch) {
      // Hand-scheduled kernels (retention-gpu-chunkwise-mma) manage their
      // own shared memory.
      if (launch->hasAttr("retention.microkernel"))
        return;
      // Bases that the kernel writes are not staged.
      DenseSet<Value> written;
      launch.walk(
          [&](memref::StoreOp st) { written.insert(baseOf(st.getMemRef())); });
      int64_t used = 0;
      SmallVector<scf::ForOp> loops;
      launch.walk([&](scf::ForOp loop) { loops.push_back(loop); });
      for (scf::ForOp loop : loops) {
        if (!uniformlyReached(loop, launch))
          continue;
        // Tiles read by loads directly in this loop's body, in program order.
        llvm::MapVector<Value, SmallVector<memref::LoadOp>> tiles;
        for (auto load : loop.getBody()->getOps<memref::LoadOp>()) {
          auto sv = load.getMemRef().getDefiningOp<memref::SubViewOp>();
          if (!sv || sv->getBlock() != loop->getBlock())
            continue;
          MemRefType type = sv.getType();
          if (type.getRank() != 1 || !type.hasStaticShape() ||
              written.contains(baseOf(sv.getSource())) ||
              !launch->isProperAncestor(sv) ||
              !llvm::all_of(sv.getOperands(),
                            [&](Value x) { return blockUniform(x, launch); }))
            continue;
          tiles[sv.getResult()].push_back(load);
        }
        OpBuilder b(loop);
        bool staged = false;
        for (auto &[tile, loads] : tiles)
          staged |= stage(b, launch, loop, tile, loads, symbols, used, counter);
        if (!staged)
          continue;
        // Publish the copies; after the loop, keep the next copy (the next
        // iteration of an enclosing loop) from overwriting them early.
        gpu::BarrierOp::create(b, loop.getLoc());
        b.setInsertionPointAfter(loop);
        gpu::BarrierOp::create(b, loop.getLoc());
      }
    });
  }

  /// Every thread reaches `loop` the same number of times: only loops with
  /// block-uniform bounds enclose it inside the launch (a barrier in
  /// divergent code would hang the block).
  static bool uniformlyReached(scf::ForOp loop, gpu::LaunchOp launch) {
    for (Operation *op = loop; op != launch.getOperation();
         op = op->getParentOp()) {
      auto f = dyn_cast<scf::ForOp>(op);
      if (!f || !blockUniform(f.getLowerBound(), launch) ||
          !blockUniform(f.getUpperBound(), launch) ||
          !blockUniform(f.getStep(), launch))
        return false;
    }
    return true;
  }

  /// Copies `tile` cooperatively into a new shared buffer before `loop`
  /// (at `b`) and makes `loads` read the buffer. False when over budget.
  bool stage(OpBuilder &b, gpu::LaunchOp launch, scf::ForOp loop, Value tile,
             ArrayRef<memref::LoadOp> loads, SymbolTable &symbols,
             int64_t &used, int &counter) {
    auto type = cast<MemRefType>(tile.getType());
    int64_t n = type.getDimSize(0);
    int64_t bytes = n * type.getElementTypeBitWidth() / 8;
    if (used + bytes > maxBytes)
      return false;
    used += bytes;
    MLIRContext *ctx = &getContext();
    auto shared = MemRefType::get(
        {n}, type.getElementType(), MemRefLayoutAttrInterface(),
        gpu::AddressSpaceAttr::get(ctx, gpu::AddressSpace::Workgroup));

    ModuleOp module = getOperation();
    OpBuilder g = OpBuilder::atBlockBegin(module.getBody());
    auto global = memref::GlobalOp::create(
        g, launch.getLoc(), "__retention_smem_" + std::to_string(counter++),
        g.getStringAttr("private"), shared, Attribute(),
        /*constant=*/false, g.getI64IntegerAttr(16));
    symbols.insert(global);

    Location loc = loop.getLoc();
    Value buf =
        memref::GetGlobalOp::create(b, loc, shared, global.getSymName());
    Value tid = gpu::ThreadIdOp::create(b, loc, gpu::Dimension::x);
    Value threads = gpu::BlockDimOp::create(b, loc, gpu::Dimension::x);
    Value ub = arith::ConstantIndexOp::create(b, loc, n);
    scf::ForOp::create(b, loc, tid, ub, threads, ValueRange(),
                       [&](OpBuilder &nb, Location l, Value i, ValueRange) {
                         Value x = memref::LoadOp::create(nb, l, tile, i);
                         memref::StoreOp::create(nb, l, x, buf, i);
                         scf::YieldOp::create(nb, l);
                       });
    for (memref::LoadOp load : loads)
      load.getMemrefMutable().assign(buf);
    return true;
  }
};

} // namespace
