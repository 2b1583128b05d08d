//===- RetentionOps.cpp - retention op verifiers --------------------------===//
//
// Shape, element-type and attribute checks shared by the three forms. ODS
// checks element types of each operand on its own; everything that relates
// operands to each other lives here so that messages can name both sides.
//
//===----------------------------------------------------------------------===//

#include "retention/Dialect/Retention/IR/RetentionOps.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/IR/OpImplementation.h"

#include <cmath>

using namespace mlir;
using namespace mlir::retention;

namespace {

/// A tensor or memref operand or result being checked, with the name users
/// see.
struct Named {
  StringRef name;
  ShapedType type;
};

/// Dimension names for [B, H, T, dk|dv] (inputs, outputs) and [B, H, dk, dv]
/// (states).
constexpr StringLiteral kSeqDims[] = {"B", "H", "T", "dk"};
constexpr StringLiteral kValueDims[] = {"B", "H", "T", "dv"};
constexpr StringLiteral kStateDims[] = {"B", "H", "dk", "dv"};

std::string layout(ArrayRef<StringLiteral> dims) {
  std::string s = "[";
  llvm::raw_string_ostream os(s);
  llvm::interleave(dims, os, ", ");
  return s + "]";
}

/// Dimensions must agree unless one side is dynamic.
bool compatible(int64_t a, int64_t b) {
  return ShapedType::isDynamic(a) || ShapedType::isDynamic(b) || a == b;
}

std::string dimStr(int64_t d) {
  return ShapedType::isDynamic(d) ? std::string("?") : std::to_string(d);
}

class FormVerifier {
public:
  explicit FormVerifier(Operation *op) : op(op) {}

  LogicalResult rank(const Named &x, ArrayRef<StringLiteral> dims) {
    if (x.type.getRank() == 4)
      return success();
    return op->emitOpError()
           << "'" << x.name << "' must have rank 4 " << layout(dims)
           << ", but has rank " << x.type.getRank() << " (" << x.type << ")";
  }

  /// Checks dim `xIdx` of `x` (called `dimName`) against dim `refIdx` of
  /// `ref`.
  LogicalResult dim(const Named &x, unsigned xIdx, const Named &ref,
                    unsigned refIdx, StringRef dimName) {
    int64_t got = x.type.getDimSize(xIdx);
    int64_t want = ref.type.getDimSize(refIdx);
    if (compatible(got, want))
      return success();
    return op->emitOpError()
           << "'" << x.name << "' has " << dimName << " = " << dimStr(got)
           << " (dim " << xIdx << " of " << x.type << "), but '" << ref.name
           << "' has " << dimName << " = " << dimStr(want) << " (dim " << refIdx
           << " of " << ref.type << ")";
  }

  LogicalResult sameElementType(const Named &x, const Named &ref,
                                StringRef rule) {
    if (x.type.getElementType() == ref.type.getElementType())
      return success();
    return op->emitOpError()
           << "'" << x.name << "' has element type " << x.type.getElementType()
           << ", but '" << ref.name << "' has " << ref.type.getElementType()
           << ": " << rule;
  }

  /// A [B, H, dk, dv] state against q (B, H, dk) and v (dv).
  LogicalResult state(const Named &s, const Named &q, const Named &v) {
    if (failed(rank(s, kStateDims)) || failed(dim(s, 0, q, 0, "B")) ||
        failed(dim(s, 1, q, 1, "H")) || failed(dim(s, 2, q, 3, "dk")) ||
        failed(dim(s, 3, v, 3, "dv")))
      return failure();
    return success();
  }

  /// A [B, H, T, dv] output against q (B, H, T) and v (dv).
  LogicalResult output(const Named &o, const Named &q, const Named &v) {
    if (failed(rank(o, kValueDims)) || failed(dim(o, 0, q, 0, "B")) ||
        failed(dim(o, 1, q, 1, "H")) || failed(dim(o, 2, q, 2, "T")) ||
        failed(dim(o, 3, v, 3, "dv")))
      return failure();
    return sameElementType(o, q, "the output has the input element type");
  }

  LogicalResult gamma(ArrayRef<double> gamma, const Named &q, bool offset) {
    int64_t heads = q.type.getDimSize(1);
    if (offset && !ShapedType::isDynamic(heads) &&
        static_cast<int64_t>(gamma.size()) < heads)
      return op->emitOpError()
             << "'gamma' has " << gamma.size() << " values, fewer than the H = "
             << heads << " heads of '" << q.name << "' (" << q.type << ")";
    if (!offset && !ShapedType::isDynamic(heads) &&
        static_cast<int64_t>(gamma.size()) != heads)
      return op->emitOpError()
             << "'gamma' has " << gamma.size() << " values, but '" << q.name
             << "' has H = " << heads << " heads (" << q.type
             << "): one decay per head is required";
    if (gamma.empty())
      return op->emitOpError() << "'gamma' must hold one decay per head, "
                                  "but is empty";
    for (auto [h, g] : llvm::enumerate(gamma))
      if (!(g > 0.0 && g <= 1.0))
        return op->emitOpError()
               << "'gamma' of head " << h << " is " << g << ", outside (0, 1]";
    return success();
  }

  LogicalResult scale(double s) {
    if (std::isfinite(s))
      return success();
    return op->emitOpError() << "'scale' must be finite, but is " << s;
  }

private:
  Operation *op;
};

/// Verifies everything the three forms share. `stateful` is false for the
/// parallel form (one init, no final state).
/// Destination-passing style: all shaped operands tensors with one result
/// per init (of the init's type), or all memrefs without results.
LogicalResult verifyDestinationStyle(Operation *op, Value first,
                                     ValueRange inits) {
  bool tensors = isa<TensorType>(first.getType());
  for (Value v : op->getOperands())
    if (isa<ShapedType>(v.getType()) && isa<TensorType>(v.getType()) != tensors)
      return op->emitOpError()
             << "operands must be all tensors or all memrefs, but "
             << first.getType() << " and " << v.getType() << " are mixed";
  if (!tensors) {
    if (op->getNumResults() != 0)
      return op->emitOpError() << "on memrefs has no results";
    return success();
  }
  if (op->getNumResults() != inits.size())
    return op->emitOpError() << "on tensors has one result per init ("
                             << inits.size() << "), but has "
                             << op->getNumResults();
  for (auto [init, result] : llvm::zip(inits, op->getResults()))
    if (init.getType() != result.getType())
      return op->emitOpError() << "result type " << result.getType()
                               << " differs from its init's type "
                               << init.getType();
  return success();
}

template <typename OpTy> LogicalResult verifyForm(OpTy op, bool stateful) {
  FormVerifier check(op.getOperation());
  auto named = [](StringRef name, Value v) {
    return Named{name, cast<ShapedType>(v.getType())};
  };
  // Destination-passing style: all tensors with one result per init, or
  // all memrefs without results.
  size_t inits = stateful ? 2 : 1;
  if (op.getInits().size() != inits)
    return op.emitOpError() << "expects " << inits << " init"
                            << (inits > 1 ? "s (o, final_state)" : " (o)")
                            << " in 'outs', but has " << op.getInits().size();
  if (failed(verifyDestinationStyle(op, op.getQ(), op.getInits())))
    return failure();

  Named q = named("q", op.getQ()), k = named("k", op.getK()),
        v = named("v", op.getV());
  Named o = named("o", op.getOInit());

  if (failed(check.rank(q, kSeqDims)) || failed(check.rank(k, kSeqDims)) ||
      failed(check.rank(v, kValueDims)))
    return failure();
  constexpr StringLiteral kShared = "q, k and v must share one element type";
  if (failed(check.sameElementType(k, q, kShared)) ||
      failed(check.sameElementType(v, q, kShared)))
    return failure();
  for (unsigned i = 0; i < 4; ++i)
    if (failed(check.dim(k, i, q, i, kSeqDims[i])))
      return failure();
  for (unsigned i = 0; i < 3; ++i)
    if (failed(check.dim(v, i, q, i, kValueDims[i])))
      return failure();
  if (Value s = op.getState())
    if (failed(check.state(named("state", s), q, v)))
      return failure();
  if (failed(check.output(o, q, v)))
    return failure();
  if (Value fs = op.getFinalStateInit()) {
    Named f = named("final_state", fs);
    if (failed(check.state(f, q, v)))
      return failure();
    if (!f.type.getElementType().isF32())
      return op.emitOpError() << "'final_state' has element type "
                              << f.type.getElementType()
                              << ", but the state is f32";
  }
  return success(
      succeeded(check.gamma(op.getGamma(), q, bool(op.getHeadOffset()))) &&
      succeeded(check.scale(op.getScale().convertToDouble())));
}

/// `source`[offsets, sizes] (unit strides): an extract_slice of a tensor or a
/// subview of a memref.
Value sliceOf(OpBuilder &b, Location loc, Value source,
              ArrayRef<OpFoldResult> offsets, ArrayRef<OpFoldResult> sizes,
              SmallVectorImpl<Operation *> &slices) {
  SmallVector<OpFoldResult> strides(offsets.size(), b.getIndexAttr(1));
  Operation *slice;
  if (isa<TensorType>(source.getType()))
    slice = tensor::ExtractSliceOp::create(b, loc, source, offsets, sizes,
                                           strides);
  else
    slice =
        memref::SubViewOp::create(b, loc, source, offsets, sizes, strides);
  slices.push_back(slice);
  return slice->getResult(0);
}

OpFoldResult dimOf(OpBuilder &b, Location loc, Value v, int64_t d) {
  if (isa<TensorType>(v.getType()))
    return tensor::getMixedSize(b, loc, v, d);
  return memref::getMixedSize(b, loc, v, d);
}

} // namespace

namespace {
void buildForm(OpBuilder &b, OperationState &st, Value q, Value k, Value v,
               Value state, ValueRange inits, ArrayRef<double> gamma,
               double scale, Value headOffset, int64_t chunkSize) {
  st.addOperands({q, k, v});
  if (state)
    st.addOperands(state);
  if (headOffset)
    st.addOperands(headOffset);
  st.addOperands(inits);
  st.addAttribute("operandSegmentSizes",
                  b.getDenseI32ArrayAttr({1, 1, 1, state ? 1 : 0,
                                          headOffset ? 1 : 0,
                                          int32_t(inits.size())}));
  st.addAttribute("gamma", b.getDenseF64ArrayAttr(gamma));
  st.addAttribute("scale", b.getF64FloatAttr(scale));
  if (chunkSize > 0)
    st.addAttribute("chunk_size", b.getI64IntegerAttr(chunkSize));
  if (isa<TensorType>(q.getType()))
    for (Value init : inits)
      st.addTypes(init.getType());
}
} // namespace

void ParallelOp::build(OpBuilder &b, OperationState &st, Value q, Value k,
                       Value v, Value state, ValueRange inits,
                       ArrayRef<double> gamma, double scale, Value headOffset,
                       int64_t) {
  buildForm(b, st, q, k, v, state, inits, gamma, scale, headOffset, 0);
}
void RecurrentOp::build(OpBuilder &b, OperationState &st, Value q, Value k,
                        Value v, Value state, ValueRange inits,
                        ArrayRef<double> gamma, double scale, Value headOffset,
                        int64_t) {
  buildForm(b, st, q, k, v, state, inits, gamma, scale, headOffset, 0);
}
void ChunkwiseOp::build(OpBuilder &b, OperationState &st, Value q, Value k,
                        Value v, Value state, ValueRange inits,
                        ArrayRef<double> gamma, double scale, Value headOffset,
                        int64_t chunkSize) {
  buildForm(b, st, q, k, v, state, inits, gamma, scale, headOffset,
            chunkSize > 0 ? chunkSize : 64);
}

SmallVector<Value> mlir::retention::createFormInits(OpBuilder &b, Location loc,
                                                    Value q, Value v,
                                                    bool stateful) {
  SmallVector<OpFoldResult> qs = tensor::getMixedSizes(b, loc, q);
  OpFoldResult dv = tensor::getMixedSize(b, loc, v, 3);
  Type elt = cast<ShapedType>(q.getType()).getElementType();
  SmallVector<Value> inits = {
      tensor::EmptyOp::create(b, loc, {qs[0], qs[1], qs[2], dv}, elt)};
  if (stateful)
    inits.push_back(tensor::EmptyOp::create(b, loc, {qs[0], qs[1], qs[3], dv},
                                            b.getF32Type()));
  return inits;
}

LogicalResult ParallelOp::verify() { return verifyForm(*this, false); }
LogicalResult RecurrentOp::verify() { return verifyForm(*this, true); }
LogicalResult ChunkwiseOp::verify() { return verifyForm(*this, true); }

//===----------------------------------------------------------------------===//
// Interfaces of the form ops: memory effects, tiling, bufferization
//===----------------------------------------------------------------------===//

namespace {

/// On memrefs the op reads q, k, v and the state and writes its inits (it
/// does not read them); on tensors it has no effects.
template <typename OpTy>
void formEffects(
    OpTy op,
    SmallVectorImpl<SideEffects::EffectInstance<MemoryEffects::Effect>> &fx) {
  for (OpOperand &operand : op->getOpOperands()) {
    if (!isa<MemRefType>(operand.get().getType()))
      continue;
    if (op.isDpsInit(&operand))
      fx.emplace_back(MemoryEffects::Write::get(), &operand,
                      SideEffects::DefaultResource::get());
    else
      fx.emplace_back(MemoryEffects::Read::get(), &operand,
                      SideEffects::DefaultResource::get());
  }
}

/// The iteration domain is (batch, head, value column): every point is
/// independent. q and k follow (batch, head), v, the state, the output and
/// the final state follow all three, over all T and dk.
SmallVector<Range> formDomain(RetentionFormOpInterface op, OpBuilder &b) {
  Location loc = op->getLoc();
  OpFoldResult zero = b.getIndexAttr(0), one = b.getIndexAttr(1);
  return {Range{zero, dimOf(b, loc, op.getQ(), 0), one},
          Range{zero, dimOf(b, loc, op.getQ(), 1), one},
          Range{zero, dimOf(b, loc, op.getV(), 3), one}};
}

/// The tile of result `n` (0: o [B, H, T, dv], 1: final state [B, H, dk, dv])
/// for the iteration-domain tile (offsets, sizes).
void formResultTile(RetentionFormOpInterface op, OpBuilder &b, unsigned n,
                    ArrayRef<OpFoldResult> offsets,
                    ArrayRef<OpFoldResult> sizes,
                    SmallVector<OpFoldResult> &resultOffsets,
                    SmallVector<OpFoldResult> &resultSizes) {
  Location loc = op->getLoc();
  OpFoldResult third = n == 0 ? dimOf(b, loc, op.getQ(), 2)
                              : dimOf(b, loc, op.getQ(), 3);
  resultOffsets = {offsets[0], offsets[1], b.getIndexAttr(0), offsets[2]};
  resultSizes = {sizes[0], sizes[1], third, sizes[2]};
}

FailureOr<TilingResult> formTile(RetentionFormOpInterface op, OpBuilder &b,
                                 ArrayRef<OpFoldResult> offsets,
                                 ArrayRef<OpFoldResult> sizes) {
  Location loc = op->getLoc();
  OpFoldResult zero = b.getIndexAttr(0);
  Value q = op.getQ();
  OpFoldResult tokens = dimOf(b, loc, q, 2), dk = dimOf(b, loc, q, 3);
  SmallVector<Operation *> slices;
  auto seq = [&](Value x) {
    return sliceOf(b, loc, x, {offsets[0], offsets[1], zero, zero},
                   {sizes[0], sizes[1], tokens, dk}, slices);
  };
  auto values = [&](Value x) {
    return sliceOf(b, loc, x, {offsets[0], offsets[1], zero, offsets[2]},
                   {sizes[0], sizes[1], tokens, sizes[2]}, slices);
  };
  auto states = [&](Value x) {
    return sliceOf(b, loc, x, {offsets[0], offsets[1], zero, offsets[2]},
                   {sizes[0], sizes[1], dk, sizes[2]}, slices);
  };
  // The tile's first head is head_offset + offsets[1] of gamma.
  AffineExpr d0, d1;
  bindDims(b.getContext(), d0, d1);
  Value headOffset = getValueOrCreateConstantIndexOp(
      b, loc,
      op.getHeadOffset()
          ? affine::makeComposedFoldedAffineApply(
                b, loc, d0 + d1, {op.getHeadOffset(), offsets[1]})
          : offsets[1]);

  SmallVector<Value> operands = {seq(op.getQ()), seq(op.getK()),
                                 values(op.getV())};
  if (Value s = op.getState())
    operands.push_back(states(s));
  operands.push_back(headOffset);
  operands.push_back(values(op.getOInit()));
  if (Value fs = op.getFinalStateInit())
    operands.push_back(states(fs));

  SmallVector<Type> resultTypes;
  if (isa<TensorType>(q.getType()))
    for (Value init : ArrayRef(operands).take_back(op.getFinalStateInit() ? 2
                                                                          : 1))
      resultTypes.push_back(init.getType());
  OperationState state(loc, op->getName());
  state.addOperands(operands);
  state.addTypes(resultTypes);
  for (NamedAttribute attr : op->getAttrs())
    if (attr.getName() != "operandSegmentSizes")
      state.addAttribute(attr.getName(), attr.getValue());
  state.addAttribute("operandSegmentSizes",
                     b.getDenseI32ArrayAttr(
                         {1, 1, 1, op.getState() ? 1 : 0, 1,
                          op.getFinalStateInit() ? 2 : 1}));
  Operation *tiled = b.create(state);
  return TilingResult{{tiled},
                      SmallVector<Value>(tiled->getResults()),
                      slices};
}

} // namespace

#define RETENTION_FORM_INTERFACES(OpTy)                                        \
  SmallVector<utils::IteratorType> OpTy::getLoopIteratorTypes() {              \
    return SmallVector<utils::IteratorType>(3, utils::IteratorType::parallel); \
  }                                                                            \
  SmallVector<Range> OpTy::getIterationDomain(OpBuilder &b) {                  \
    return formDomain(*this, b);                                               \
  }                                                                            \
  FailureOr<TilingResult> OpTy::getTiledImplementation(                        \
      OpBuilder &b, ArrayRef<OpFoldResult> offsets,                            \
      ArrayRef<OpFoldResult> sizes) {                                          \
    return formTile(*this, b, offsets, sizes);                                 \
  }                                                                            \
  LogicalResult OpTy::getResultTilePosition(                                   \
      OpBuilder &b, unsigned n, ArrayRef<OpFoldResult> offsets,                \
      ArrayRef<OpFoldResult> sizes, SmallVector<OpFoldResult> &resultOffsets,  \
      SmallVector<OpFoldResult> &resultSizes) {                                \
    formResultTile(*this, b, n, offsets, sizes, resultOffsets, resultSizes);   \
    return success();                                                          \
  }                                                                            \
  LogicalResult OpTy::getIterationDomainTileFromResultTile(                    \
      OpBuilder &b, unsigned n, ArrayRef<OpFoldResult> offsets,                \
      ArrayRef<OpFoldResult> sizes,                                            \
      SmallVectorImpl<OpFoldResult> &domainOffsets,                            \
      SmallVectorImpl<OpFoldResult> &domainSizes) {                            \
    /* A result tile must span T (o) or dk (final state) whole. */             \
    domainOffsets.assign({offsets[0], offsets[1], offsets[3]});                \
    domainSizes.assign({sizes[0], sizes[1], sizes[3]});                        \
    return success();                                                          \
  }                                                                            \
  FailureOr<TilingResult> OpTy::generateResultTileValue(                       \
      OpBuilder &b, unsigned n, ArrayRef<OpFoldResult> offsets,                \
      ArrayRef<OpFoldResult> sizes) {                                          \
    SmallVector<OpFoldResult> domainOffsets, domainSizes;                      \
    if (failed(getIterationDomainTileFromResultTile(                           \
            b, n, offsets, sizes, domainOffsets, domainSizes)))                \
      return failure();                                                        \
    return formTile(*this, b, domainOffsets, domainSizes);                     \
  }                                                                            \
  FailureOr<SmallVector<Value>> OpTy::decomposeOperation(OpBuilder &b) {      \
    return decomposeForm(*this, b);                                            \
  }                                                                            \
  void OpTy::getAsmResultNames(OpAsmSetValueNameFn setName) {                 \
    if (getNumResults() > 0)                                                   \
      setName(getResult(0), "o");                                              \
    if (getNumResults() > 1)                                                   \
      setName(getResult(1), "final_state");                                    \
  }

namespace {
/// The same op on the operands' buffers, without results; its results are
/// replaced by the init buffers.
LogicalResult bufferizeForm(Operation *op, RewriterBase &rewriter,
                            const bufferization::BufferizationOptions &options,
                            bufferization::BufferizationState &state) {
  OpBuilder::InsertionGuard guard(rewriter);
  rewriter.setInsertionPoint(op);
  SmallVector<Value> operands;
  for (Value v : op->getOperands()) {
    if (!isa<TensorType>(v.getType())) {
      operands.push_back(v);
      continue;
    }
    FailureOr<Value> buffer =
        bufferization::getBuffer(rewriter, v, options, state);
    if (failed(buffer))
      return failure();
    operands.push_back(*buffer);
  }
  OperationState st(op->getLoc(), op->getName());
  st.addOperands(operands);
  st.addAttributes(op->getAttrs());
  rewriter.create(st);
  auto dps = cast<DestinationStyleOpInterface>(op);
  SmallVector<Value> inits;
  for (OpOperand &init : dps.getDpsInitsMutable())
    inits.push_back(operands[init.getOperandNumber()]);
  bufferization::replaceOpWithBufferizedValues(rewriter, op, inits);
  return success();
}

/// A constant head offset folds into `gamma`: the op keeps its own heads'
/// decays and loses the operand (what tiling over heads with a static
/// offset leaves).
template <typename OpTy>
struct FoldConstantHeadOffset : OpRewritePattern<OpTy> {
  using OpRewritePattern<OpTy>::OpRewritePattern;
  LogicalResult matchAndRewrite(OpTy op,
                                PatternRewriter &rewriter) const override {
    Value offset = op.getHeadOffset();
    std::optional<int64_t> c = offset ? getConstantIntValue(offset)
                                      : std::nullopt;
    int64_t heads = op.getNumHeads();
    if (!c || ShapedType::isDynamic(heads) || *c < 0 ||
        *c + heads > int64_t(op.getGamma().size()))
      return failure();
    rewriter.modifyOpInPlace(op, [&] {
      op.setGamma(op.getGamma().slice(*c, heads));
      op.getHeadOffsetMutable().clear();
    });
    return success();
  }
};
} // namespace

RETENTION_FORM_INTERFACES(ParallelOp)
RETENTION_FORM_INTERFACES(RecurrentOp)
RETENTION_FORM_INTERFACES(ChunkwiseOp)

void ParallelOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                             MLIRContext *context) {
  results.add<FoldConstantHeadOffset<ParallelOp>>(context);
}
void RecurrentOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                              MLIRContext *context) {
  results.add<FoldConstantHeadOffset<RecurrentOp>>(context);
}
void ChunkwiseOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                              MLIRContext *context) {
  results.add<FoldConstantHeadOffset<ChunkwiseOp>>(context);
}

//===----------------------------------------------------------------------===//
// Layer-level ops
//===----------------------------------------------------------------------===//

namespace {

/// Checks of the layer ops: each names the operand, the dimension and both
/// values.
class LayerVerifier {
public:
  explicit LayerVerifier(Operation *op) : op(op) {}

  LogicalResult rank(StringRef name, Value v, int64_t rank,
                     StringRef layoutStr) {
    auto t = cast<ShapedType>(v.getType());
    if (t.getRank() == rank)
      return success();
    return op->emitOpError() << "'" << name << "' must have rank " << rank
                             << " " << layoutStr << ", but has type " << t;
  }
  /// dim `i` of `v` must be `expected` (unless either is dynamic).
  LogicalResult dim(StringRef name, Value v, unsigned i, int64_t expected,
                    StringRef what) {
    int64_t got = cast<ShapedType>(v.getType()).getDimSize(i);
    if (compatible(got, expected))
      return success();
    return op->emitOpError()
           << "'" << name << "' has " << what << " = " << dimStr(got)
           << " (dim " << i << " of " << v.getType() << "), expected "
           << dimStr(expected);
  }
  LogicalResult staticDim(StringRef name, Value v, unsigned i, StringRef what) {
    if (!cast<ShapedType>(v.getType()).isDynamicDim(i))
      return success();
    return op->emitOpError() << "'" << name << "' must have a static " << what
                             << " (dim " << i << " of " << v.getType() << ")";
  }
  LogicalResult decays(ArrayRef<double> gamma) {
    if (gamma.empty())
      return op->emitOpError() << "'gamma' needs one decay per head, got none";
    for (auto [h, g] : llvm::enumerate(gamma))
      if (!(g > 0.0 && g < 1.0))
        return op->emitOpError()
               << "gamma[" << h << "] = " << g << " must be in (0, 1)";
    return success();
  }
  int64_t size(Value v, unsigned i) {
    return cast<ShapedType>(v.getType()).getDimSize(i);
  }
  /// `name` must have the shape and element type of `ref` (types may
  /// differ in memref layouts).
  LogicalResult sameShape(StringRef name, Value v, StringRef refName,
                          Value ref) {
    auto a = cast<ShapedType>(v.getType()), r = cast<ShapedType>(ref.getType());
    if (a.getShape() == r.getShape() && a.getElementType() == r.getElementType())
      return success();
    return op->emitOpError() << "'" << name << "' has type " << a
                             << ", but must have the shape and element type "
                                "of '"
                             << refName << "', " << r;
  }
  /// `name` must have the element type of `ref` (activations and weights of
  /// a layer share one type).
  LogicalResult sameElementType(StringRef name, Value v, StringRef refName,
                                Value ref) {
    Type a = cast<ShapedType>(v.getType()).getElementType(),
         r = cast<ShapedType>(ref.getType()).getElementType();
    if (a == r)
      return success();
    return op->emitOpError() << "'" << name << "' has element type " << a
                             << ", but '" << refName << "' has " << r
                             << ": a layer's activations and weights share "
                                "one element type";
  }

private:
  Operation *op;
};

} // namespace

LogicalResult RotateOp::verify() {
  LayerVerifier c(*this);
  Value x = getX(), pos = getPositions(), out = getInit();
  if (failed(verifyDestinationStyle(*this, x, getInit())))
    return failure();
  if (failed(c.rank("x", x, 3, "[B, T, H*dk]")) ||
      failed(c.rank("positions", pos, 2, "[B, T]")) ||
      failed(c.rank("out", out, 4, "[B, H, T, dk]")) ||
      failed(c.staticDim("out", out, 1, "H")) ||
      failed(c.staticDim("out", out, 3, "dk")))
    return failure();
  if (failed(c.sameElementType("out", out, "x", x)))
    return failure();
  int64_t H = c.size(out, 1), dk = c.size(out, 3);
  if (dk % 2)
    return emitOpError() << "the key head dim dk = " << dk
                         << " must be even (pairs are rotated)";
  if (failed(c.dim("positions", pos, 0, c.size(x, 0), "B")) ||
      failed(c.dim("positions", pos, 1, c.size(x, 1), "T")) ||
      failed(c.dim("out", out, 0, c.size(x, 0), "B")) ||
      failed(c.dim("out", out, 2, c.size(x, 1), "T")) ||
      failed(c.dim("x", x, 2, H * dk, "H*dk")))
    return failure();
  double scale = getScale().convertToDouble(),
         base = getThetaBase().convertToDouble();
  if (!(std::isfinite(scale) && scale > 0.0) ||
      !(std::isfinite(base) && base > 0.0))
    return emitOpError() << "'scale' and 'theta_base' must be positive and "
                            "finite, got "
                         << scale << " and " << base;
  return success();
}

LogicalResult GroupNormOp::verify() {
  LayerVerifier c(*this);
  Value y = getY(), g = getG(), pos = getPositions(), out = getInit();
  if (failed(verifyDestinationStyle(*this, y, getInit())))
    return failure();
  if (failed(c.rank("y", y, 4, "[B, H, T, dv]")) ||
      failed(c.rank("g", g, 3, "[B, T, H*dv]")) ||
      failed(c.rank("positions", pos, 2, "[B, T]")) ||
      failed(c.staticDim("y", y, 1, "H")) ||
      failed(c.staticDim("y", y, 3, "dv")) || failed(c.decays(getGamma())))
    return failure();
  if (failed(c.sameElementType("g", g, "y", y)))
    return failure();
  int64_t H = c.size(y, 1), dv = c.size(y, 3);
  if (int64_t(getGamma().size()) != H)
    return emitOpError() << "'gamma' has " << getGamma().size()
                         << " decays, but 'y' has H = " << H << " heads";
  if (failed(c.dim("g", g, 0, c.size(y, 0), "B")) ||
      failed(c.dim("g", g, 1, c.size(y, 2), "T")) ||
      failed(c.dim("g", g, 2, H * dv, "H*dv")) ||
      failed(c.dim("positions", pos, 0, c.size(y, 0), "B")) ||
      failed(c.dim("positions", pos, 1, c.size(y, 2), "T")))
    return failure();
  if (failed(c.sameShape("init", out, "g", g)))
    return failure();
  if (!(getEpsilon().convertToDouble() >= 0.0))
    return emitOpError() << "'epsilon' must be >= 0";
  return success();
}

LogicalResult MultiScaleOp::verify() {
  LayerVerifier c(*this);
  Value x = getX();
  if (failed(verifyDestinationStyle(*this, x, getDpsInits())))
    return failure();
  if (failed(c.rank("x", x, 3, "[B, T, d]")) ||
      failed(c.staticDim("x", x, 2, "d")) || failed(c.decays(getGamma())))
    return failure();
  const int64_t d = c.size(x, 2), H = getGamma().size();
  const struct {
    StringRef name;
    Value v;
  } mats[] = {{"wq", getWq()},
              {"wk", getWk()},
              {"wv", getWv()},
              {"wg", getWg()},
              {"wo", getWo()}};
  for (auto m : mats)
    if (failed(c.rank(m.name, m.v, 2, "[in, out]")) ||
        failed(c.sameElementType(m.name, m.v, "x", x)))
      return failure();
  if (failed(c.staticDim("wq", getWq(), 1, "Dk")) ||
      failed(c.staticDim("wv", getWv(), 1, "Dv")))
    return failure();
  const int64_t Dk = c.size(getWq(), 1), Dv = c.size(getWv(), 1);
  if (Dk % H)
    return emitOpError() << "Dk = " << Dk << " (dim 1 of 'wq') is not "
                         << "divisible by the " << H << " heads of 'gamma'";
  if (Dv % H)
    return emitOpError() << "Dv = " << Dv << " (dim 1 of 'wv') is not "
                         << "divisible by the " << H << " heads of 'gamma'";
  if (failed(c.dim("wq", getWq(), 0, d, "d")) ||
      failed(c.dim("wk", getWk(), 0, d, "d")) ||
      failed(c.dim("wk", getWk(), 1, Dk, "Dk")) ||
      failed(c.dim("wv", getWv(), 0, d, "d")) ||
      failed(c.dim("wg", getWg(), 0, d, "d")) ||
      failed(c.dim("wg", getWg(), 1, Dv, "Dv")) ||
      failed(c.dim("wo", getWo(), 0, Dv, "Dv")) ||
      failed(c.dim("wo", getWo(), 1, d, "d")))
    return failure();
  Value pos = getPositions(), s = getState();
  if (failed(c.rank("positions", pos, 2, "[B, T]")) ||
      failed(c.dim("positions", pos, 0, c.size(x, 0), "B")) ||
      failed(c.dim("positions", pos, 1, c.size(x, 1), "T")) ||
      failed(c.rank("state", s, 4, "[B, H, dk, dv]")) ||
      failed(c.dim("state", s, 0, c.size(x, 0), "B")) ||
      failed(c.dim("state", s, 1, H, "H")) ||
      failed(c.dim("state", s, 2, Dk / H, "dk")) ||
      failed(c.dim("state", s, 3, Dv / H, "dv")))
    return failure();
  if ((Dk / H) % 2)
    return emitOpError() << "the key head dim dk = " << Dk / H
                         << " must be even (pairs are rotated)";
  if (failed(c.sameShape("out_init", getOutInit(), "x", x)) ||
      failed(c.sameShape("state_init", getStateInit(), "state", s)))
    return failure();
  if (getForm() == LayerForm::Recurrent && getChunkSize())
    return emitOpError() << "'chunk_size' applies to the chunkwise form only, "
                            "but the form is recurrent";
  if (!(getEpsilon().convertToDouble() >= 0.0))
    return emitOpError() << "'epsilon' must be >= 0";
  return success();
}

//===----------------------------------------------------------------------===//
// Tiling of the layer ops
//===----------------------------------------------------------------------===//

namespace {

/// `v` sliced to `offsets`/`sizes` along the dims `dims` and whole along the
/// others.
Value sliceDims(OpBuilder &b, Location loc, Value v, ArrayRef<int64_t> dims,
                ArrayRef<OpFoldResult> offsets, ArrayRef<OpFoldResult> sizes,
                SmallVectorImpl<Operation *> &slices) {
  int64_t rank = cast<ShapedType>(v.getType()).getRank();
  SmallVector<OpFoldResult> off(rank, b.getIndexAttr(0)), size;
  for (int64_t i = 0; i < rank; ++i)
    size.push_back(dimOf(b, loc, v, i));
  for (auto [k, d] : llvm::enumerate(dims)) {
    off[d] = offsets[k];
    size[d] = sizes[k];
  }
  return sliceOf(b, loc, v, off, size, slices);
}

/// The whole range of each dim `dims` of `v`, as an iteration domain.
SmallVector<Range> domainOf(OpBuilder &b, Location loc, Value v,
                            ArrayRef<int64_t> dims) {
  SmallVector<Range> domain;
  for (int64_t d : dims)
    domain.push_back(
        Range{b.getIndexAttr(0), dimOf(b, loc, v, d), b.getIndexAttr(1)});
  return domain;
}

/// The same layer op on `operands` (its operands' tiles, in order), its
/// results typed like the tiles of its inits.
TilingResult cloneOnTiles(OpBuilder &b, Operation *op, ArrayRef<Value> operands,
                          SmallVector<Operation *> slices) {
  OperationState st(op->getLoc(), op->getName());
  st.addOperands(operands);
  st.addAttributes(op->getAttrs());
  for (OpOperand &init :
       cast<DestinationStyleOpInterface>(op).getDpsInitsMutable())
    if (isa<TensorType>(init.get().getType()))
      st.addTypes(operands[init.getOperandNumber()].getType());
  Operation *tiled = b.create(st);
  return TilingResult{
      {tiled}, SmallVector<Value>(tiled->getResults()), std::move(slices)};
}

SmallVector<utils::IteratorType> allParallel(unsigned n) {
  return SmallVector<utils::IteratorType>(n, utils::IteratorType::parallel);
}

/// The tile of `op` that produces result `n`'s tile (offsets, sizes): the
/// iteration-domain tile it maps to, tiled (what producer fusion asks for).
template <typename OpTy>
FailureOr<TilingResult> tileOfResultTile(OpTy op, OpBuilder &b, unsigned n,
                                         ArrayRef<OpFoldResult> offsets,
                                         ArrayRef<OpFoldResult> sizes) {
  SmallVector<OpFoldResult> domainOffsets, domainSizes;
  if (failed(op.getIterationDomainTileFromResultTile(
          b, n, offsets, sizes, domainOffsets, domainSizes)))
    return failure();
  return op.getTiledImplementation(b, domainOffsets, domainSizes);
}

} // namespace

// rotate: domain (batch, head, token) over out [B, H, T, dk]; a tile reads
// x [B, T, H*dk] at columns [h*dk, (h + hs)*dk).
SmallVector<utils::IteratorType> RotateOp::getLoopIteratorTypes() {
  return allParallel(3);
}
SmallVector<Range> RotateOp::getIterationDomain(OpBuilder &b) {
  return domainOf(b, getLoc(), getInit(), {0, 1, 2});
}
FailureOr<TilingResult>
RotateOp::getTiledImplementation(OpBuilder &b, ArrayRef<OpFoldResult> offsets,
                                 ArrayRef<OpFoldResult> sizes) {
  if (!getConstantIntValue(sizes[1]))
    return emitOpError() << "a head tile must have a static size (the heads "
                            "are static in the types); use a tile size "
                            "that divides H = "
                         << cast<ShapedType>(getInit().getType()).getDimSize(1);
  Location loc = getLoc();
  const int64_t dk = cast<ShapedType>(getInit().getType()).getDimSize(3);
  AffineExpr h = b.getAffineDimExpr(0);
  OpFoldResult col =
      affine::makeComposedFoldedAffineApply(b, loc, h * dk, {offsets[1]});
  OpFoldResult cols =
      b.getIndexAttr(*getConstantIntValue(sizes[1]) * dk);
  SmallVector<Operation *> slices;
  Value x = sliceDims(b, loc, getX(), {0, 1, 2},
                      {offsets[0], offsets[2], col}, {sizes[0], sizes[2], cols},
                      slices);
  Value pos = sliceDims(b, loc, getPositions(), {0, 1},
                        {offsets[0], offsets[2]}, {sizes[0], sizes[2]}, slices);
  Value init = sliceDims(b, loc, getInit(), {0, 1, 2}, offsets, sizes, slices);
  return cloneOnTiles(b, *this, {x, pos, init}, std::move(slices));
}
LogicalResult RotateOp::getResultTilePosition(
    OpBuilder &b, unsigned, ArrayRef<OpFoldResult> offsets,
    ArrayRef<OpFoldResult> sizes, SmallVector<OpFoldResult> &resultOffsets,
    SmallVector<OpFoldResult> &resultSizes) {
  resultOffsets = {offsets[0], offsets[1], offsets[2], b.getIndexAttr(0)};
  resultSizes = {sizes[0], sizes[1], sizes[2],
                 dimOf(b, getLoc(), getInit(), 3)};
  return success();
}
LogicalResult RotateOp::getIterationDomainTileFromResultTile(
    OpBuilder &, unsigned, ArrayRef<OpFoldResult> offsets,
    ArrayRef<OpFoldResult> sizes, SmallVectorImpl<OpFoldResult> &domainOffsets,
    SmallVectorImpl<OpFoldResult> &domainSizes) {
  // A result tile spans dk whole (pairs rotate together).
  domainOffsets.assign({offsets[0], offsets[1], offsets[2]});
  domainSizes.assign({sizes[0], sizes[1], sizes[2]});
  return success();
}
FailureOr<TilingResult>
RotateOp::generateResultTileValue(OpBuilder &b, unsigned n,
                                  ArrayRef<OpFoldResult> offsets,
                                  ArrayRef<OpFoldResult> sizes) {
  return tileOfResultTile(*this, b, n, offsets, sizes);
}

// group_norm: domain (batch, token) over out [B, T, H*dv]; every tile
// normalizes all heads of its rows.
SmallVector<utils::IteratorType> GroupNormOp::getLoopIteratorTypes() {
  return allParallel(2);
}
SmallVector<Range> GroupNormOp::getIterationDomain(OpBuilder &b) {
  return domainOf(b, getLoc(), getInit(), {0, 1});
}
FailureOr<TilingResult>
GroupNormOp::getTiledImplementation(OpBuilder &b,
                                    ArrayRef<OpFoldResult> offsets,
                                    ArrayRef<OpFoldResult> sizes) {
  Location loc = getLoc();
  SmallVector<Operation *> slices;
  Value y = sliceDims(b, loc, getY(), {0, 2}, offsets, sizes, slices);
  Value g = sliceDims(b, loc, getG(), {0, 1}, offsets, sizes, slices);
  Value pos = sliceDims(b, loc, getPositions(), {0, 1}, offsets, sizes, slices);
  Value init = sliceDims(b, loc, getInit(), {0, 1}, offsets, sizes, slices);
  return cloneOnTiles(b, *this, {y, g, pos, init}, std::move(slices));
}
LogicalResult GroupNormOp::getResultTilePosition(
    OpBuilder &b, unsigned, ArrayRef<OpFoldResult> offsets,
    ArrayRef<OpFoldResult> sizes, SmallVector<OpFoldResult> &resultOffsets,
    SmallVector<OpFoldResult> &resultSizes) {
  resultOffsets = {offsets[0], offsets[1], b.getIndexAttr(0)};
  resultSizes = {sizes[0], sizes[1], dimOf(b, getLoc(), getInit(), 2)};
  return success();
}
LogicalResult GroupNormOp::getIterationDomainTileFromResultTile(
    OpBuilder &, unsigned, ArrayRef<OpFoldResult> offsets,
    ArrayRef<OpFoldResult> sizes, SmallVectorImpl<OpFoldResult> &domainOffsets,
    SmallVectorImpl<OpFoldResult> &domainSizes) {
  // A result tile spans a row's heads whole (each is normalized across dv).
  domainOffsets.assign({offsets[0], offsets[1]});
  domainSizes.assign({sizes[0], sizes[1]});
  return success();
}
FailureOr<TilingResult>
GroupNormOp::generateResultTileValue(OpBuilder &b, unsigned n,
                                     ArrayRef<OpFoldResult> offsets,
                                     ArrayRef<OpFoldResult> sizes) {
  return tileOfResultTile(*this, b, n, offsets, sizes);
}

// multi_scale: domain (batch); a tile takes its sequences' rows, positions
// and states and the whole weights.
SmallVector<utils::IteratorType> MultiScaleOp::getLoopIteratorTypes() {
  return allParallel(1);
}
SmallVector<Range> MultiScaleOp::getIterationDomain(OpBuilder &b) {
  return domainOf(b, getLoc(), getX(), {0});
}
FailureOr<TilingResult>
MultiScaleOp::getTiledImplementation(OpBuilder &b,
                                     ArrayRef<OpFoldResult> offsets,
                                     ArrayRef<OpFoldResult> sizes) {
  Location loc = getLoc();
  SmallVector<Operation *> slices;
  auto rows = [&](Value v) {
    return sliceDims(b, loc, v, {0}, offsets, sizes, slices);
  };
  return cloneOnTiles(b, *this,
                      {rows(getX()), getWq(), getWk(), getWv(), getWg(),
                       getWo(), rows(getPositions()), rows(getState()),
                       rows(getOutInit()), rows(getStateInit())},
                      std::move(slices));
}
LogicalResult MultiScaleOp::getResultTilePosition(
    OpBuilder &b, unsigned n, ArrayRef<OpFoldResult> offsets,
    ArrayRef<OpFoldResult> sizes, SmallVector<OpFoldResult> &resultOffsets,
    SmallVector<OpFoldResult> &resultSizes) {
  Value init = n == 0 ? getOutInit() : getStateInit();
  int64_t rank = cast<ShapedType>(init.getType()).getRank();
  resultOffsets.assign(rank, b.getIndexAttr(0));
  resultSizes.clear();
  for (int64_t i = 0; i < rank; ++i)
    resultSizes.push_back(dimOf(b, getLoc(), init, i));
  resultOffsets[0] = offsets[0];
  resultSizes[0] = sizes[0];
  return success();
}
LogicalResult MultiScaleOp::getIterationDomainTileFromResultTile(
    OpBuilder &, unsigned, ArrayRef<OpFoldResult> offsets,
    ArrayRef<OpFoldResult> sizes, SmallVectorImpl<OpFoldResult> &domainOffsets,
    SmallVectorImpl<OpFoldResult> &domainSizes) {
  // A result tile spans its sequences whole (tokens depend on each other).
  domainOffsets.assign({offsets[0]});
  domainSizes.assign({sizes[0]});
  return success();
}
FailureOr<TilingResult>
MultiScaleOp::generateResultTileValue(OpBuilder &b, unsigned n,
                                      ArrayRef<OpFoldResult> offsets,
                                      ArrayRef<OpFoldResult> sizes) {
  return tileOfResultTile(*this, b, n, offsets, sizes);
}

// Memory effects and bufferization of the form and layer ops: on memrefs
// they read their inputs and write their inits (not reading them); on
// tensors one-shot-bufferize keeps them, writing the init buffers in place.
#define RETENTION_DPS_BUFFERIZATION(OpTy)                                    \
  void OpTy::getEffects(                                                       \
      SmallVectorImpl<SideEffects::EffectInstance<MemoryEffects::Effect>>      \
          &fx) {                                                               \
    formEffects(*this, fx);                                                    \
  }                                                                            \
  bool OpTy::bufferizesToMemoryRead(OpOperand &operand,                        \
                                    const bufferization::AnalysisState &) {    \
    return !isDpsInit(&operand);                                               \
  }                                                                            \
  bool OpTy::bufferizesToMemoryWrite(OpOperand &operand,                       \
                                     const bufferization::AnalysisState &) {   \
    return isDpsInit(&operand);                                                \
  }                                                                            \
  bufferization::AliasingValueList OpTy::getAliasingValues(                    \
      OpOperand &operand, const bufferization::AnalysisState &) {              \
    if (!isDpsInit(&operand))                                                  \
      return {};                                                               \
    return {{getTiedOpResult(&operand),                                        \
             bufferization::BufferRelation::Equivalent}};                      \
  }                                                                            \
  LogicalResult OpTy::bufferize(RewriterBase &rewriter,                        \
                                const bufferization::BufferizationOptions &o,  \
                                bufferization::BufferizationState &state) {   \
    return bufferizeForm(*this, rewriter, o, state);                           \
  }

RETENTION_DPS_BUFFERIZATION(ParallelOp)
RETENTION_DPS_BUFFERIZATION(RecurrentOp)
RETENTION_DPS_BUFFERIZATION(ChunkwiseOp)
RETENTION_DPS_BUFFERIZATION(RotateOp)
RETENTION_DPS_BUFFERIZATION(GroupNormOp)
RETENTION_DPS_BUFFERIZATION(MultiScaleOp)

#include "retention/Dialect/Retention/IR/RetentionInterfaces.cpp.inc"

#define GET_OP_CLASSES
#include "retention/Dialect/Retention/IR/RetentionOps.cpp.inc"
