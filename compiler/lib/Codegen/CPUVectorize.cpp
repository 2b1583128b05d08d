//===- CPUVectorize.cpp - register tiling and vectorization of linalg -----===//
//
// Tiles every linalg op of a function to register-sized tiles with upstream
// TilingInterface (scf.for) and vectorizes each tile with the upstream linalg
// vectorizer; tile sizes divide static ranges, so no tile is partial. A
// contraction over a dynamic row range is first tiled by `rows` and the loop
// peeled (upstream scf::peelForLoopAndSimplifyBounds), so all but its last
// tile are static. Tiles of dynamic shape stay scalar (a remark each with
// remark-scalar). Contractions end as vector.contract.
//
//===----------------------------------------------------------------------===//

#include "retention/Conversion/Passes.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Affine/Utils.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Transforms/TileUsingInterface.h"
#include "mlir/Dialect/SCF/Transforms/Transforms.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Dialect/Vector/Transforms/LoweringPatterns.h"
#include "mlir/Dialect/Vector/Transforms/VectorRewritePatterns.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "llvm/ADT/bit.h"

namespace mlir::retention {
#define GEN_PASS_DEF_RETENTIONCPUVECTORIZEPASS
#include "retention/Conversion/Passes.h.inc"
} // namespace mlir::retention

using namespace mlir;

namespace {

/// The narrowest element type an op reads, in bits (its weights' in a
/// projection: 8 for int8, 16 for bf16), at most 32.
unsigned narrowestInputBits(linalg::LinalgOp op) {
  unsigned bits = 32;
  for (Value in : op.getDpsInputs())
    if (auto type = dyn_cast<ShapedType>(in.getType());
        type && type.getElementType().isIntOrFloat())
      bits = std::min(bits, type.getElementTypeBitWidth());
  return bits;
}

struct CPUVectorizePass
    : mlir::retention::impl::RetentionCPUVectorizePassBase<CPUVectorizePass> {
  using Base::Base;

  /// Tile sizes for `op`: reduction loops by reductionTile, the innermost
  /// parallel loop by vectorTile, other parallel loops by rowTile. On a
  /// static range the size is lowered to the largest divisor of the range, so
  /// every tile is full and vectorizes without masks (a remainder chunk of
  /// 36 tokens gets 6 x 18 tiles rather than 8 x 32 ones with masks). A
  /// dynamic range is tiled by 1.
  SmallVector<int64_t> tileSizes(linalg::LinalgOp op) {
    SmallVector<utils::IteratorType> iters = op.getIteratorTypesArray();
    SmallVector<int64_t> ranges = op.getStaticLoopRanges();
    int64_t innerParallel = -1;
    for (auto [i, it] : llvm::enumerate(iters))
      if (it == utils::IteratorType::parallel)
        innerParallel = i;
    SmallVector<int64_t> sizes;
    for (auto [i, it] : llvm::enumerate(iters)) {
      int64_t t = it == utils::IteratorType::reduction ? reductionTile
                  : int64_t(i) == innerParallel        ? vectorTile
                                                       : rowTile;
      if (!ShapedType::isDynamic(ranges[i])) {
        t = std::max<int64_t>(std::min(t, ranges[i]), 1);
        while (ranges[i] % t)
          --t;
      } else {
        // A dynamic range (tokens, batch) is tiled by 1, so that the tile
        // stays static and vectorizes without masks over its static dims.
        t = 1;
      }
      sizes.push_back(t);
    }
    // A contraction computing one row at a time (a decode step's matvec):
    // nothing to reuse across rows, so the weights stream once and the
    // memory bus bounds it. Each step reads 256 bytes (four 64-byte lines)
    // of 4 consecutive weight rows: 64 f32 or 128 bf16 columns, whose f32
    // accumulators (4 or 8 vectors) and 4-row operand tile stay in
    // registers. Wider tiles spill the accumulator on every reduction step
    // (xl decode: 8 x 256 bf16 ran at 0.5 of the bandwidth floor, 4 x 128 at
    // 0.9; benchmarks/model/run.py measures it). The column count is the
    // widest power-of-two multiple of 16 lanes that divides N.
    if (op.getNumReductionLoops() > 0 && innerParallel >= 0 &&
        !ShapedType::isDynamic(ranges[innerParallel])) {
      bool oneRow = true;
      for (auto [i, it] : llvm::enumerate(iters))
        if (it == utils::IteratorType::parallel &&
            int64_t(i) != innerParallel && sizes[i] != 1)
          oneRow = false;
      unsigned bits = narrowestInputBits(op);
      int64_t n = ranges[innerParallel], lanes = 16,
              cols = 256 * 8 / std::max(bits, 8u);
      if (oneRow && n % lanes == 0) {
        // Powers of two only: LLVM's x86 back end legalizes a loop-carried
        // accumulator of 3, 6 or 12 vectors (48, 96, 192 lanes) through
        // scalar inserts and stack spills (llc -mcpu=znver5: 0 inserts at
        // 128 lanes, 360 at 192). xl int8 decode, whose 3456-wide matrices
        // took 192 columns: 0.62 of the floor before, ~0.8 with 128.
        for (int64_t t =
                 llvm::bit_floor(uint64_t(std::min<int64_t>(cols, n) / lanes));
             t > 0; t /= 2)
          if ((n / lanes) % t == 0) {
            sizes[innerParallel] = t * lanes;
            break;
          }
        for (auto [i, it] : llvm::enumerate(iters))
          if (it == utils::IteratorType::reduction &&
              !ShapedType::isDynamic(ranges[i]) && ranges[i] % 4 == 0)
            sizes[i] = 4;
      }
    }
    return sizes;
  }

  /// True when only tensor.empty ops stand between `producer` and `consumer`
  /// in one block: fusing then moves no read of the producer's operands past
  /// a write (the chunk step updates its state in place after using it).
  static bool adjacent(Operation *producer, Operation *consumer) {
    if (producer->getBlock() != consumer->getBlock())
      return false;
    for (Operation *op = producer->getNextNode(); op && op != consumer;
         op = op->getNextNode())
      if (!isa<tensor::EmptyOp>(op))
        return false;
    return true;
  }

  /// Tiles each elementwise consumer of a contraction (the decay mask on
  /// Q Kᵀ) and fuses the contraction into its tile loop, so the consumer runs
  /// on the accumulator tile while it is in registers instead of on the whole
  /// score matrix afterwards.
  LogicalResult fuseEpilogues(func::FuncOp func, IRRewriter &rewriter) {
    SmallVector<linalg::GenericOp> consumers;
    func.walk([&](linalg::GenericOp op) {
      if (!op.hasPureTensorSemantics() || op.getNumReductionLoops() != 0 ||
          op.getNumDpsInputs() != 1)
        return;
      auto producer =
          op.getDpsInputOperand(0)->get().getDefiningOp<linalg::LinalgOp>();
      // A contraction over dynamic rows is not fused: peelRows gives it
      // rows-high tiles, which the consumer's 1-row tiles would undo.
      if (producer && producer.getNumReductionLoops() == 1 &&
          producer->hasOneUse() && (rows < 2 || dynamicRowLoop(producer) < 0) &&
          producer.getNumLoops() == op.getNumLoops() + 1 &&
          adjacent(producer, op))
        consumers.push_back(op);
    });
    for (linalg::GenericOp op : consumers) {
      scf::SCFTilingOptions tiling;
      tiling.setTileSizes(getAsIndexOpFoldResult(
          &getContext(), tileSizes(cast<linalg::LinalgOp>(*op))));
      scf::SCFTileAndFuseOptions options;
      options.setTilingOptions(tiling);
      rewriter.setInsertionPoint(op);
      FailureOr<scf::SCFTileAndFuseResult> fused =
          scf::tileConsumerAndFuseProducersUsingSCF(
              rewriter, cast<TilingInterface>(op.getOperation()), options);
      if (failed(fused))
        return op.emitError("retention-cpu-vectorize: fusing the epilogue "
                            "into its contraction failed");
      for (OpResult res : op->getResults())
        if (Value r = fused->replacements.lookup(res))
          rewriter.replaceAllUsesWith(res, r);
      rewriter.eraseOp(op);
      for (Operation *producer : fused->fusedProducers)
        if (producer->use_empty())
          rewriter.eraseOp(producer);
    }
    return success();
  }

  /// Replaces `op` by scf.if (work >= minWork) { op } else { op }, the work
  /// being staticWork times the product of its `dynamicDims` ranges at run
  /// time; returns the two clones (then, else).
  std::pair<linalg::LinalgOp, linalg::LinalgOp>
  guardByWork(linalg::LinalgOp op, ArrayRef<unsigned> dynamicDims,
              int64_t staticWork, int64_t minWork, IRRewriter &rewriter) {
    Location loc = op.getLoc();
    rewriter.setInsertionPoint(op);
    SmallVector<Range> loopRanges = op.createLoopRanges(rewriter, loc);
    Value work = arith::ConstantIndexOp::create(rewriter, loc, 1);
    for (unsigned d : dynamicDims)
      work = arith::MulIOp::create(
          rewriter, loc, work,
          getValueOrCreateConstantIndexOp(rewriter, loc, loopRanges[d].size));
    Value needed = arith::ConstantIndexOp::create(
        rewriter, loc, (minWork + staticWork - 1) / staticWork);
    Value big = arith::CmpIOp::create(rewriter, loc, arith::CmpIPredicate::uge,
                                      work, needed);
    auto ifOp = scf::IfOp::create(rewriter, loc, op->getResultTypes(), big,
                                  /*withElseRegion=*/true);
    rewriter.setInsertionPointToStart(&ifOp.getThenRegion().front());
    Operation *parallel = rewriter.clone(*op);
    scf::YieldOp::create(rewriter, loc, parallel->getResults());
    rewriter.setInsertionPointToStart(&ifOp.getElseRegion().front());
    Operation *serial = rewriter.clone(*op);
    scf::YieldOp::create(rewriter, loc, serial->getResults());
    rewriter.replaceOp(op, ifOp.getResults());
    return {cast<linalg::LinalgOp>(parallel), cast<linalg::LinalgOp>(serial)};
  }

  /// Row-wise ops over a dynamic row range (norms, activations, residual
  /// adds over the tokens of a prompt: every loop parallel, or parallel
  /// rows over an inner reduction) that are not already inside a parallel
  /// loop: the rows split into `threads` blocks under an scf.forall when
  /// there are at least kMinRowWork elements (scf.if at run time). Without
  /// this, one thread ran them while the others waited (the example
  /// model's 512-token prefill on two threads: 128k -> 137k tokens/s, 1.64x
  /// -> 1.78x one thread). Returns the ops to tile.
  SmallVector<linalg::LinalgOp>
  splitRowsAcrossThreads(ArrayRef<linalg::LinalgOp> ops, IRRewriter &rewriter) {
    constexpr int64_t kMinRowWork = int64_t(1) << 15;
    SmallVector<linalg::LinalgOp> out;
    for (linalg::LinalgOp op : ops) {
      SmallVector<utils::IteratorType> iters = op.getIteratorTypesArray();
      SmallVector<int64_t> ranges = op.getStaticLoopRanges();
      bool rowWise = !iters.empty() &&
                     iters[0] == utils::IteratorType::parallel &&
                     ShapedType::isDynamic(ranges[0]) &&
                     !op->getParentOfType<scf::ForallOp>();
      int64_t staticWork = 1;
      for (auto [i, r] : llvm::enumerate(ranges)) {
        if (i == 0)
          continue;
        // The other loops static; reductions only inside (a row's sum),
        // and no contraction (those split by columns above).
        if (ShapedType::isDynamic(r) ||
            (iters[i] == utils::IteratorType::reduction &&
             op.getNumReductionLoops() != 1) ||
            isa<linalg::MatmulOp>(op.getOperation()))
          rowWise = false;
        else
          staticWork *= r;
      }
      if (!rowWise || staticWork < 16 ||
          (op.getNumReductionLoops() == 1 &&
           linalg::isaContractionOpInterface(op))) {
        out.push_back(op);
        continue;
      }
      auto [parallel, serial] =
          guardByWork(op, {0u}, staticWork, kMinRowWork, rewriter);
      out.push_back(serial);
      SmallVector<OpFoldResult> numThreads(parallel.getNumLoops(),
                                           rewriter.getIndexAttr(0));
      numThreads[0] = rewriter.getIndexAttr(threads);
      scf::SCFTilingOptions options;
      options.setNumThreads(numThreads);
      options.setLoopType(scf::SCFTilingOptions::LoopType::ForallOp);
      rewriter.setInsertionPoint(parallel);
      FailureOr<scf::SCFTilingResult> tiled = scf::tileUsingSCF(
          rewriter, cast<TilingInterface>(parallel.getOperation()), options);
      if (failed(tiled)) {
        out.push_back(parallel);
        continue;
      }
      rewriter.replaceOp(parallel, tiled->replacements);
      for (Operation *t : tiled->tiledOps)
        out.push_back(cast<linalg::LinalgOp>(t));
    }
    return out;
  }

  /// Contractions whose innermost parallel range splits into `threads`
  /// chunks of whole vectors are first tiled by an scf.forall over those
  /// chunks (one per thread after convert-scf-to-openmp); the register
  /// tiling below then works inside each chunk. Returns the ops to tile.
  SmallVector<linalg::LinalgOp>
  splitAcrossThreads(ArrayRef<linalg::LinalgOp> ops, IRRewriter &rewriter) {
    SmallVector<linalg::LinalgOp> out;
    for (linalg::LinalgOp op : ops) {
      SmallVector<utils::IteratorType> iters = op.getIteratorTypesArray();
      SmallVector<int64_t> ranges = op.getStaticLoopRanges();
      int64_t inner = -1;
      for (auto [i, it] : llvm::enumerate(iters))
        if (it == utils::IteratorType::parallel)
          inner = i;
      if (op.getNumReductionLoops() == 0 || inner < 0 ||
          ShapedType::isDynamic(ranges[inner]) ||
          ranges[inner] % (threads * 16) != 0) {
        out.push_back(op);
        continue;
      }
      // Threads pay off above ~4M multiply-adds per op (a fork/join costs
      // microseconds). With dynamic ranges (decode batch, prompt length)
      // that is decided at run time: scf.if (work >= threshold) { split }
      // else { one thread }.
      constexpr int64_t kMinWork = int64_t(1) << 22;
      int64_t staticWork = 1;
      SmallVector<unsigned> dynamicDims;
      for (auto [i, r] : llvm::enumerate(ranges)) {
        if (ShapedType::isDynamic(r))
          dynamicDims.push_back(i);
        else
          staticWork *= r;
      }
      if (staticWork < kMinWork && dynamicDims.empty()) {
        out.push_back(op);
        continue;
      }
      if (staticWork < kMinWork) {
        auto [parallel, serial] =
            guardByWork(op, dynamicDims, staticWork, kMinWork, rewriter);
        op = parallel;
        out.push_back(serial);
      }
      SmallVector<int64_t> chunk(op.getNumLoops(), 0);
      chunk[inner] = ranges[inner] / threads;
      scf::SCFTilingOptions options;
      options.setTileSizes(getAsIndexOpFoldResult(&getContext(), chunk));
      options.setLoopType(scf::SCFTilingOptions::LoopType::ForallOp);
      rewriter.setInsertionPoint(op);
      FailureOr<scf::SCFTilingResult> tiled = scf::tileUsingSCF(
          rewriter, cast<TilingInterface>(op.getOperation()), options);
      if (failed(tiled)) {
        out.push_back(op);
        continue;
      }
      rewriter.replaceOp(op, tiled->replacements);
      for (Operation *t : tiled->tiledOps)
        out.push_back(cast<linalg::LinalgOp>(t));
    }
    return out;
  }

  /// The loop a 2-D contraction's rows can be peeled over: of its two
  /// parallel loops (rows, columns) the outer one, when that is its only
  /// dynamic range (the tokens of a prompt or the sequences of a decode
  /// batch times a weight matrix), or -1. Contractions with more parallel
  /// loops (the rotation's pair products) keep their 1-row tiles: a
  /// `rows`-high tile of them would be `rows` times a register file.
  static int64_t dynamicRowLoop(linalg::LinalgOp op) {
    if (op.getNumReductionLoops() == 0 || op.getNumParallelLoops() != 2)
      return -1;
    SmallVector<utils::IteratorType> iters = op.getIteratorTypesArray();
    SmallVector<int64_t> ranges = op.getStaticLoopRanges();
    int64_t dynamic = -1, innerParallel = -1;
    for (auto [i, r] : llvm::enumerate(ranges)) {
      if (iters[i] == utils::IteratorType::parallel)
        innerParallel = i;
      if (!ShapedType::isDynamic(r))
        continue;
      if (dynamic >= 0)
        return -1; // two dynamic ranges (T x T scores): tiled by 1 below
      dynamic = i;
    }
    if (dynamic < 0 || dynamic == innerParallel ||
        iters[dynamic] != utils::IteratorType::parallel)
      return -1;
    return dynamic;
  }

  /// bf16 activations widened once (`widen-bf16`, for CPUs without
  /// AVX512_BF16): a contraction over dynamic rows whose rows' operand x is
  /// bf16 and whose body only widens it (arith.extf to f32) reads an f32
  /// copy of x instead, made by one elementwise op right after x is defined
  /// and shared by every such contraction of x (the q, k, v and gate
  /// projections of one normed input). The register tile then broadcasts f32
  /// activations straight from memory as the f32 and int8 models do, where
  /// widening them per tile made the AVX2 back end keep the widened tile in
  /// registers, broadcast it by shuffles and spill the accumulators
  /// (512x2048 by 2048x3456 on Zen 3, 2 threads: 70-77 GFLOP/s with bf16
  /// activations, 119-146 with f32 ones). The values are the same (widening
  /// is exact); only x's bytes double. Returns the ops to tile.
  SmallVector<linalg::LinalgOp>
  widenActivations(ArrayRef<linalg::LinalgOp> ops, IRRewriter &rewriter) {
    SmallVector<linalg::LinalgOp> out;
    DenseMap<Value, Value> widened;
    for (linalg::LinalgOp op : ops) {
      auto xType = op.getNumDpsInputs() == 0
                       ? RankedTensorType()
                       : dyn_cast<RankedTensorType>(
                             op.getDpsInputOperand(0)->get().getType());
      if (!widenBF16 || dynamicRowLoop(op) < 0 || !xType ||
          !xType.getElementType().isBF16()) {
        out.push_back(op);
        continue;
      }
      // The body must use x only through extf to f32.
      auto widensOnly = [](linalg::LinalgOp o) {
        BlockArgument arg = o.getMatchingBlockArgument(o.getDpsInputOperand(0));
        return llvm::all_of(arg.getUsers(), [](Operation *user) {
          auto ext = dyn_cast<arith::ExtFOp>(user);
          return ext && ext.getType().isF32();
        });
      };
      if (!widensOnly(op)) {
        out.push_back(op);
        continue;
      }
      if (!isa<linalg::GenericOp>(op.getOperation())) {
        rewriter.setInsertionPoint(op);
        FailureOr<linalg::GenericOp> generic =
            linalg::generalizeNamedOp(rewriter, op);
        if (failed(generic)) {
          out.push_back(op);
          continue;
        }
        op = *generic;
      }
      Value x = op.getDpsInputOperand(0)->get();
      Value &wide = widened[x];
      if (!wide) {
        OpBuilder::InsertionGuard guard(rewriter);
        rewriter.setInsertionPointAfterValue(x);
        Location loc = x.getLoc();
        auto f32Type = xType.clone(rewriter.getF32Type());
        Value empty = tensor::EmptyOp::create(
            rewriter, loc, tensor::getMixedSizes(rewriter, loc, x),
            rewriter.getF32Type());
        AffineMap id = rewriter.getMultiDimIdentityMap(xType.getRank());
        auto widen = linalg::GenericOp::create(
            rewriter, loc, TypeRange{f32Type}, ValueRange{x},
            ValueRange{empty}, ArrayRef<AffineMap>{id, id},
            SmallVector<utils::IteratorType>(xType.getRank(),
                                             utils::IteratorType::parallel),
            [](OpBuilder &b, Location l, ValueRange args) {
              linalg::YieldOp::create(
                  b, l, arith::ExtFOp::create(b, l, b.getF32Type(), args[0])
                            .getResult());
            });
        wide = widen.getResult(0);
        out.insert(out.begin(), cast<linalg::LinalgOp>(widen.getOperation()));
      }
      OpOperand *operand = op.getDpsInputOperand(0);
      BlockArgument arg = op.getMatchingBlockArgument(operand);
      rewriter.modifyOpInPlace(op, [&] {
        operand->set(wide);
        arg.setType(rewriter.getF32Type());
      });
      // The body's extf of x now widens f32 to f32: x itself replaces it.
      for (Operation *user : llvm::make_early_inc_range(arg.getUsers()))
        rewriter.replaceOp(user, arg);
      out.push_back(op);
    }
    return out;
  }

  /// Tiles `op` by `sizes` (0: not tiled) with scf.for loops and replaces
  /// it; returns the one tiled op, or failure.
  FailureOr<linalg::LinalgOp>
  tileOnce(linalg::LinalgOp op, ArrayRef<int64_t> sizes, IRRewriter &rewriter) {
    scf::SCFTilingOptions options;
    options.setTileSizes(getAsIndexOpFoldResult(&getContext(), sizes));
    rewriter.setInsertionPoint(op);
    FailureOr<scf::SCFTilingResult> tiled = scf::tileUsingSCF(
        rewriter, cast<TilingInterface>(op.getOperation()), options);
    if (failed(tiled) || tiled->tiledOps.size() != 1)
      return failure();
    rewriter.replaceOp(op, tiled->replacements);
    return cast<linalg::LinalgOp>(tiled->tiledOps.front());
  }

  /// Column panels: a contraction over dynamic rows (x · W, tokens times a
  /// weight matrix) gets an outer scf.for over blocks of W's columns: the
  /// widest multiple of 256 bytes of a row (and of `vectorTile`) dividing
  /// them whose K x block panel of W fits `panelBytes`. The row loop then
  /// runs inside a block: the panel is read from memory once and every row
  /// tile rereads it from L2, instead of every row tile streaming all of W
  /// (xl prefill, K = 2048: 64-65 -> 75-79 tokens/s). Returns the tiled op,
  /// or failure when there is nothing to block (one block, or no static W).
  FailureOr<linalg::LinalgOp> blockColumns(linalg::LinalgOp op, int64_t kBlock,
                                           IRRewriter &rewriter) {
    if (panelBytes <= 0)
      return failure();
    SmallVector<utils::IteratorType> iters = op.getIteratorTypesArray();
    SmallVector<int64_t> ranges = op.getStaticLoopRanges();
    int64_t inner = -1, k = 1;
    for (auto [i, it] : llvm::enumerate(iters)) {
      if (it == utils::IteratorType::parallel)
        inner = i;
      else if (ShapedType::isDynamic(ranges[i]))
        return failure();
      else
        k *= ranges[i];
    }
    if (inner < 0 || ShapedType::isDynamic(ranges[inner]) || vectorTile < 1)
      return failure();
    // The panel the row tiles share is one reduction block high.
    if (!ShapedType::isDynamic(kBlock))
      k = std::min(k, kBlock);
    unsigned bits = narrowestInputBits(op);
    // At least one decode-step tile wide (256 bytes of a weight row, see
    // tileSizes), so that a batch of one still reads whole lines per row.
    int64_t n = ranges[inner], bytes = std::max<int64_t>(bits / 8, 1);
    // The widest multiple of `least` that divides n and whose panel fits
    // (`least` itself when none does), or 0 when `least` does not divide n.
    auto widest = [&](int64_t least) {
      int64_t block = 0;
      for (int64_t b = least; b < n; b += least)
        if (n % b == 0 && (b == least || k * b * bytes <= panelBytes))
          block = b;
      return block;
    };
    int64_t line = std::max<int64_t>(vectorTile, 256 / bytes);
    int64_t block = widest(line);
    // No multiple of 256 bytes divides the columns (a thread's half of the
    // xl FFN's 3456: 1728 = 27 x 64): blocks of the widest power-of-two
    // multiple of vectorTile that divides them, which is the column tile a
    // batch of one then gets in them as it did without blocks (the FFN
    // matmul in bf16 on Zen 3, 2 threads: 105-122 GFLOP/s without blocks,
    // 124-132 in blocks of 192 columns).
    if (block == 0) {
      int64_t pow2 = vectorTile;
      while (2 * pow2 <= line && n % (2 * pow2) == 0)
        pow2 *= 2;
      block = widest(pow2);
    }
    if (block == 0)
      return failure();
    SmallVector<int64_t> sizes(op.getNumLoops(), 0);
    sizes[inner] = block;
    return tileOnce(op, sizes, rewriter);
  }

  /// The reduction block of a contraction over dynamic rows (x · W, reduced
  /// over a static K): the widest multiple of `reductionTile` dividing K
  /// whose `rows` x block tile of x fits `kBlockBytes`, or K when it fits
  /// whole (or no such divisor is at least 64). blockReduction loops over
  /// these blocks outside the row loop, so a row tile's slice of x stays in L1
  /// while every column tile of a panel reads it, and the panel of W that
  /// the rows share is block x columns (blockColumns fits that to L2). A
  /// whole K of a row tile (6 x 2048 f32: 48 KiB) does not fit L1, and the
  /// panel of 64 columns over K = 2048 (512 KiB) not L2.
  int64_t reductionBlock(linalg::LinalgOp op) {
    SmallVector<utils::IteratorType> iters = op.getIteratorTypesArray();
    SmallVector<int64_t> ranges = op.getStaticLoopRanges();
    int64_t red = -1;
    for (auto [i, it] : llvm::enumerate(iters))
      if (it == utils::IteratorType::reduction)
        red = red < 0 ? int64_t(i) : -2;
    if (red < 0 || ShapedType::isDynamic(ranges[red]))
      return ShapedType::kDynamic;
    auto xType = dyn_cast<ShapedType>(op.getDpsInputs().front().getType());
    int64_t k = ranges[red];
    if (kBlockBytes <= 0 || !xType || !xType.getElementType().isIntOrFloat())
      return k;
    int64_t step = std::max<int64_t>(reductionTile, 1),
            bytes = std::max<int64_t>(xType.getElementTypeBitWidth() / 8, 1),
            height = std::max<int64_t>(rows, 1), block = k;
    if (height * k * bytes <= kBlockBytes)
      return k;
    for (int64_t b = step; b < k; b += step)
      if (k % b == 0 && height * b * bytes <= kBlockBytes)
        block = b;
    // Short blocks (K = 1032 has none between 24 and 344) would pay the
    // accumulators' round trip every few steps: K stays whole.
    return block >= 64 ? block : k;
  }

  /// Tiles `op`'s one reduction loop by `block` (scf.for; the accumulators
  /// are read and written once per block). Failure when there is nothing to
  /// tile (the block is the whole range).
  FailureOr<linalg::LinalgOp> blockReduction(linalg::LinalgOp op, int64_t block,
                                             IRRewriter &rewriter) {
    SmallVector<utils::IteratorType> iters = op.getIteratorTypesArray();
    SmallVector<int64_t> ranges = op.getStaticLoopRanges();
    SmallVector<int64_t> sizes(op.getNumLoops(), 0);
    bool tile = false;
    for (auto [i, it] : llvm::enumerate(iters))
      if (it == utils::IteratorType::reduction &&
          !ShapedType::isDynamic(block) && !ShapedType::isDynamic(ranges[i]) &&
          block < ranges[i]) {
        sizes[i] = block;
        tile = true;
      }
    if (!tile)
      return failure();
    return tileOnce(op, sizes, rewriter);
  }

  /// Tiles `op`'s dynamic row loop by `rows` (scf.for) and peels the last,
  /// partial iteration off (scf::peelForLoopAndSimplifyBounds); the full
  /// tiles' slices are then folded to static shapes (canonicalization of
  /// just the main loop's body), so the register tiling below gets a static
  /// `rows`-high accumulator for every full tile. The dynamic remainder of
  /// fewer than `rows` rows is peeled the same way by rows / 2 (when that
  /// is at least 2), and what is left is tiled by 1: a batch of 16 on 6-row
  /// tiles runs 6 + 6 + 3 + 1, each tile reading the weights once, where
  /// four 1-row tiles read them four times. Returns the linalg ops that
  /// replace `op`, or `op` when it has no such loop.
  FailureOr<SmallVector<linalg::LinalgOp>> peelRows(linalg::LinalgOp op,
                                                    IRRewriter &rewriter) {
    int64_t loop = dynamicRowLoop(op);
    if (rows < 2 || loop < 0)
      return SmallVector<linalg::LinalgOp>{op};
    int64_t kBlock = reductionBlock(op);
    if (FailureOr<linalg::LinalgOp> block = blockColumns(op, kBlock, rewriter);
        succeeded(block))
      op = *block;
    if (FailureOr<linalg::LinalgOp> block =
            blockReduction(op, kBlock, rewriter);
        succeeded(block))
      op = *block;
    SmallVector<linalg::LinalgOp> out;
    for (int64_t size = rows; size >= 2; size /= 2) {
      FailureOr<linalg::LinalgOp> rest = peelBy(op, loop, size, out, rewriter);
      if (failed(rest))
        return failure();
      op = *rest;
      if (!op)
        break;
    }
    if (op)
      out.push_back(op);
    return out;
  }

  /// Tiles `op`'s row loop by `size` and peels it: the ops of the full,
  /// static tiles go to `out`; returns the op of the partial tile (null
  /// when the loop has none).
  FailureOr<linalg::LinalgOp> peelBy(linalg::LinalgOp op, int64_t loop,
                                     int64_t size,
                                     SmallVectorImpl<linalg::LinalgOp> &out,
                                     IRRewriter &rewriter) {
    SmallVector<int64_t> sizes(op.getNumLoops(), 0);
    sizes[loop] = size;
    scf::SCFTilingOptions options;
    options.setTileSizes(getAsIndexOpFoldResult(&getContext(), sizes));
    rewriter.setInsertionPoint(op);
    FailureOr<scf::SCFTilingResult> tiled = scf::tileUsingSCF(
        rewriter, cast<TilingInterface>(op.getOperation()), options);
    if (failed(tiled) || tiled->loops.size() != 1)
      return op.emitError("retention-cpu-vectorize: tiling the dynamic rows "
                          "by ")
             << size << " failed";
    rewriter.replaceOp(op, tiled->replacements);
    auto full = cast<scf::ForOp>(tiled->loops.front());
    scf::ForOp partial;
    if (failed(scf::peelForLoopAndSimplifyBounds(rewriter, full, partial)))
      partial = nullptr;

    // The full tiles' sizes are now the constant `size`: fold them into the
    // slice and op types.
    SmallVector<Operation *> body;
    full.getBody()->walk([&](Operation *o) { body.push_back(o); });
    GreedyRewriteConfig config;
    config.setStrictness(GreedyRewriteStrictness::ExistingAndNewOps);
    (void)applyOpPatternsGreedily(body, canonicalization, config);

    full->walk([&](linalg::LinalgOp o) {
      if (o.hasPureTensorSemantics())
        out.push_back(o);
    });
    linalg::LinalgOp rest;
    if (!partial)
      return rest;
    // The partial tile's row count (an affine.apply of the loop bound and
    // the induction variable) as arith ops: tiling it again then bounds the
    // next tiles by min(size, count - iv) of that value rather than an
    // affine.min composed through the outer loop, which the next peel could
    // not prove equal to `size` in its full tiles.
    Block *partialBody = partial.getBody();
    for (auto apply : llvm::make_early_inc_range(
             partialBody->getOps<affine::AffineApplyOp>())) {
      rewriter.setInsertionPoint(apply);
      std::optional<SmallVector<Value, 8>> expanded = affine::expandAffineMap(
          rewriter, apply.getLoc(), apply.getAffineMap(),
          llvm::to_vector_of<Value>(apply.getMapOperands()));
      if (expanded && expanded->size() == 1)
        rewriter.replaceOp(apply, expanded->front());
    }
    partial->walk([&](linalg::LinalgOp o) {
      if (!o.hasPureTensorSemantics())
        return;
      if (rest)
        out.push_back(o);
      else
        rest = o;
    });
    return rest;
  }

  /// Every loaded dialect's and registered op's canonicalization patterns,
  /// frozen once per pass instance: peelBy folds each full row tile's body
  /// with them (three times per contraction over dynamic rows).
  FrozenRewritePatternSet canonicalization;

  LogicalResult initialize(MLIRContext *context) override {
    RewritePatternSet patterns(context);
    for (Dialect *dialect : context->getLoadedDialects())
      dialect->getCanonicalizationPatterns(patterns);
    for (RegisteredOperationName name : context->getRegisteredOperations())
      name.getCanonicalizationPatterns(patterns, context);
    canonicalization = FrozenRewritePatternSet(std::move(patterns));
    return success();
  }

  void runOnOperation() override {
    func::FuncOp func = getOperation();
    IRRewriter rewriter(&getContext());
    if (failed(fuseEpilogues(func, rewriter)))
      return signalPassFailure();

    SmallVector<linalg::LinalgOp> ops;
    func.walk([&](linalg::LinalgOp op) {
      if (op.hasPureTensorSemantics())
        ops.push_back(op);
    });

    ops = widenActivations(ops, rewriter);
    if (threads > 1 && !func->hasAttr("retention.serial")) {
      ops = splitAcrossThreads(ops, rewriter);
      ops = splitRowsAcrossThreads(ops, rewriter);
    }

    SmallVector<linalg::LinalgOp> peeled;
    for (linalg::LinalgOp op : ops) {
      FailureOr<SmallVector<linalg::LinalgOp>> tiles = peelRows(op, rewriter);
      if (failed(tiles))
        return signalPassFailure();
      llvm::append_range(peeled, *tiles);
    }
    ops = std::move(peeled);

    for (linalg::LinalgOp op : ops) {
      SmallVector<int64_t> sizes = tileSizes(op);
      scf::SCFTilingOptions options;
      options.setTileSizes(getAsIndexOpFoldResult(&getContext(), sizes));
      rewriter.setInsertionPoint(op);
      FailureOr<scf::SCFTilingResult> tiled = scf::tileUsingSCF(
          rewriter, cast<TilingInterface>(op.getOperation()), options);
      if (failed(tiled)) {
        op.emitError("retention-cpu-vectorize: tiling failed");
        return signalPassFailure();
      }
      rewriter.replaceOp(op, tiled->replacements);

      for (Operation *tile : tiled->tiledOps) {
        // Dynamic tiles (dynamic T) stay scalar loops.
        if (cast<linalg::LinalgOp>(tile).hasDynamicShape()) {
          if (remarkScalar)
            tile->emitRemark("retention-cpu-vectorize: left scalar: the tile "
                             "has a dynamic shape");
          continue;
        }
        rewriter.setInsertionPoint(tile);
        FailureOr<linalg::VectorizationResult> vectorized =
            linalg::vectorize(rewriter, tile);
        if (failed(vectorized)) {
          if (remarkScalar)
            tile->emitRemark("retention-cpu-vectorize: left scalar: the "
                             "linalg vectorizer refused the tile");
          continue; // left to convert-linalg-to-loops
        }
        rewriter.replaceOp(tile, vectorized->replacements);
      }
    }

    // mul + multi_reduction → vector.contract; simple transfers.
    RewritePatternSet patterns(&getContext());
    vector::populateVectorReductionToContractPatterns(patterns);
    vector::populateVectorTransferPermutationMapLoweringPatterns(patterns);
    vector::populateSinkVectorOpsPatterns(patterns);
    if (failed(applyPatternsGreedily(func, std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace
