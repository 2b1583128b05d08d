//===- SelectForm.cpp - choose the computation form of retention ops ------===//
//
// The paper's equivalence of the three forms as a compiler transformation: any
// retention op is rewritten into the form the options ask for. A custom pass
// because the choice is retention-specific; it only swaps ops of this dialect.
//
//===----------------------------------------------------------------------===//

#include "retention/Dialect/Retention/IR/RetentionOps.h"
#include "retention/Dialect/Retention/Transforms/Passes.h"

#include "mlir/IR/PatternMatch.h"

namespace mlir::retention {
#define GEN_PASS_DEF_RETENTIONSELECTFORMPASS
#include "retention/Dialect/Retention/Transforms/Passes.h.inc"
} // namespace mlir::retention

using namespace mlir;
using namespace mlir::retention;

namespace {

enum class Form { Parallel, Chunkwise, Recurrent };

/// The form `op` has now, and for chunkwise its chunk size.
Form currentForm(Operation *op) {
  if (isa<ParallelOp>(op))
    return Form::Parallel;
  return isa<RecurrentOp>(op) ? Form::Recurrent : Form::Chunkwise;
}

/// Creates `form` with the operands and attributes of `op` and replaces it.
/// The parallel form has no final state: callers only ask for it when the
/// final state of `op` is unused.
void rewriteInto(IRRewriter &rewriter, RetentionFormOpInterface op, Form form,
                 int64_t chunkSize) {
  Operation *old = op.getOperation();
  Form from = currentForm(old);
  if (form == from &&
      (form != Form::Chunkwise ||
       int64_t(cast<ChunkwiseOp>(old).getChunkSize()) == chunkSize))
    return;

  rewriter.setInsertionPoint(old);
  Location loc = old->getLoc();
  // Inits: the op's own; a parallel op has no final-state init to take.
  SmallVector<Value> inits = {op.getOInit()};
  if (form != Form::Parallel)
    inits.push_back(op.getFinalStateInit()
                        ? op.getFinalStateInit()
                        : createFormInits(rewriter, loc, op.getQ(), op.getV(),
                                          /*stateful=*/true)[1]);
  double scale = op.getScale().convertToDouble();

  Operation *created;
  switch (form) {
  case Form::Parallel:
    created = ParallelOp::create(rewriter, loc, op.getQ(), op.getK(),
                                 op.getV(), op.getState(), inits, op.getGamma(),
                                 scale, op.getHeadOffset());
    break;
  case Form::Recurrent:
    created = RecurrentOp::create(rewriter, loc, op.getQ(), op.getK(),
                                  op.getV(), op.getState(), inits,
                                  op.getGamma(), scale, op.getHeadOffset());
    break;
  case Form::Chunkwise:
    created = ChunkwiseOp::create(rewriter, loc, op.getQ(), op.getK(),
                                  op.getV(), op.getState(), inits,
                                  op.getGamma(), scale, op.getHeadOffset(),
                                  chunkSize);
    break;
  }
  // Results correspond one to one; a parallel op's missing state is unused.
  SmallVector<Value> replacements(created->getResults());
  replacements.resize(old->getNumResults(), Value());
  for (auto [from, to] : llvm::zip(old->getResults(), replacements))
    if (to)
      rewriter.replaceAllUsesWith(from, to);
  rewriter.eraseOp(old);
}

struct SelectFormPass
    : mlir::retention::impl::RetentionSelectFormPassBase<SelectFormPass> {
  using Base::Base;

  void runOnOperation() override {
    std::optional<Form> requested;
    if (form == "parallel")
      requested = Form::Parallel;
    else if (form == "chunkwise")
      requested = Form::Chunkwise;
    else if (form == "recurrent")
      requested = Form::Recurrent;
    else if (form != "auto") {
      getOperation()->emitError()
          << "retention-select-form: unknown form '" << form
          << "' (expected auto, parallel, chunkwise or recurrent)";
      return signalPassFailure();
    }
    if (chunkSize <= 0) {
      getOperation()->emitError()
          << "retention-select-form: chunk-size must be positive, got "
          << static_cast<int64_t>(chunkSize);
      return signalPassFailure();
    }

    SmallVector<RetentionFormOpInterface> ops;
    getOperation()->walk(
        [&](RetentionFormOpInterface op) { ops.push_back(op); });
    IRRewriter rewriter(&getContext());
    for (RetentionFormOpInterface op : ops)
      select(rewriter, op, requested);
  }

  void select(IRRewriter &rewriter, RetentionFormOpInterface op,
              std::optional<Form> requested) {
    if (!op.getO()) // on memrefs: bufferized, its form is final
      return;
    int64_t tokens = cast<ShapedType>(op.getQ().getType()).getDimSize(2);
    bool dynamicT = ShapedType::isDynamic(tokens);
    Form target;
    if (requested) {
      target = *requested;
    } else if (tokens == 1) {
      target = Form::Recurrent;
    } else if (!dynamicT && tokens <= chunkSize) {
      target = Form::Parallel;
    } else {
      target = Form::Chunkwise;
    }

    int64_t chunk = chunkSize;
    Value finalState = op.getFinalStateOrNull();
    if (target == Form::Parallel && finalState && !finalState.use_empty()) {
      // The parallel form has no state; one chunk of T tokens is the parallel
      // form plus the state update.
      if (dynamicT)
        return;
      target = Form::Chunkwise;
      chunk = tokens;
    }
    rewriteInto(rewriter, op, target, chunk);
  }
};

} // namespace
