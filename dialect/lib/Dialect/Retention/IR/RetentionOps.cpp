//===- RetentionOps.cpp - retention op verifiers --------------------------===//
//
// Shape, element-type and attribute checks shared by the three forms. ODS
// checks element types of each operand on its own; everything that relates
// operands to each other lives here so that messages can name both sides.
//
//===----------------------------------------------------------------------===//

#include "retention/Dialect/Retention/IR/RetentionOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"

#include <cmath>

using namespace mlir;
using namespace mlir::retention;

namespace {

/// A tensor operand or result being checked, with the name users see.
struct Named {
  StringRef name;
  RankedTensorType type;
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

  LogicalResult gamma(ArrayRef<double> gamma, const Named &q) {
    int64_t heads = q.type.getDimSize(1);
    if (!ShapedType::isDynamic(heads) &&
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

/// Verifies everything the three forms share. `finalState` is null for the
/// parallel form.
template <typename OpTy> LogicalResult verifyForm(OpTy op, Value finalState) {
  FormVerifier check(op.getOperation());
  auto named = [](StringRef name, Value v) {
    return Named{name, cast<RankedTensorType>(v.getType())};
  };
  Named q = named("q", op.getQ()), k = named("k", op.getK()),
        v = named("v", op.getV());
  Named o = named("o", op.getO());

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
  if (finalState && failed(check.state(named("final_state", finalState), q, v)))
    return failure();
  return success(succeeded(check.gamma(op.getGamma(), q)) &&
                 succeeded(check.scale(op.getScale().convertToDouble())));
}

} // namespace

LogicalResult ParallelOp::verify() { return verifyForm(*this, Value()); }

LogicalResult RecurrentOp::verify() {
  return verifyForm(*this, getFinalState());
}

LogicalResult ChunkwiseOp::verify() {
  return verifyForm(*this, getFinalState());
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
    auto t = cast<RankedTensorType>(v.getType());
    if (t.getRank() == rank)
      return success();
    return op->emitOpError() << "'" << name << "' must have rank " << rank
                             << " " << layoutStr << ", but has type " << t;
  }
  /// dim `i` of `v` must be `expected` (unless either is dynamic).
  LogicalResult dim(StringRef name, Value v, unsigned i, int64_t expected,
                    StringRef what) {
    int64_t got = cast<RankedTensorType>(v.getType()).getDimSize(i);
    if (compatible(got, expected))
      return success();
    return op->emitOpError()
           << "'" << name << "' has " << what << " = " << dimStr(got)
           << " (dim " << i << " of " << v.getType() << "), expected "
           << dimStr(expected);
  }
  LogicalResult staticDim(StringRef name, Value v, unsigned i, StringRef what) {
    if (!cast<RankedTensorType>(v.getType()).isDynamicDim(i))
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
    return cast<RankedTensorType>(v.getType()).getDimSize(i);
  }

private:
  Operation *op;
};

} // namespace

LogicalResult RotateOp::verify() {
  LayerVerifier c(*this);
  Value x = getX(), pos = getPositions(), out = getOut();
  if (failed(c.rank("x", x, 3, "[B, T, H*dk]")) ||
      failed(c.rank("positions", pos, 2, "[B, T]")) ||
      failed(c.rank("out", out, 4, "[B, H, T, dk]")) ||
      failed(c.staticDim("out", out, 1, "H")) ||
      failed(c.staticDim("out", out, 3, "dk")))
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
  Value y = getY(), g = getG(), pos = getPositions(), out = getOut();
  if (failed(c.rank("y", y, 4, "[B, H, T, dv]")) ||
      failed(c.rank("g", g, 3, "[B, T, H*dv]")) ||
      failed(c.rank("positions", pos, 2, "[B, T]")) ||
      failed(c.staticDim("y", y, 1, "H")) ||
      failed(c.staticDim("y", y, 3, "dv")) || failed(c.decays(getGamma())))
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
  if (out.getType() != g.getType())
    return emitOpError() << "the result type " << out.getType()
                         << " must be the type of 'g', " << g.getType();
  if (!(getEpsilon().convertToDouble() >= 0.0))
    return emitOpError() << "'epsilon' must be >= 0";
  return success();
}

LogicalResult MultiScaleOp::verify() {
  LayerVerifier c(*this);
  Value x = getX();
  if (failed(c.rank("x", x, 3, "[B, T, d]")) ||
      failed(c.staticDim("x", x, 2, "d")) || failed(c.decays(getGamma())))
    return failure();
  const int64_t d = c.size(x, 2), H = getGamma().size();
  if (d % H)
    return emitOpError() << "d = " << d << " is not divisible by the " << H
                         << " heads of 'gamma'";
  const struct {
    StringRef name;
    Value v;
  } mats[] = {{"wq", getWq()},
              {"wk", getWk()},
              {"wv", getWv()},
              {"wg", getWg()},
              {"wo", getWo()}};
  for (auto m : mats)
    if (failed(c.rank(m.name, m.v, 2, "[in, out]")))
      return failure();
  if (failed(c.staticDim("wv", getWv(), 1, "Dv")))
    return failure();
  const int64_t Dv = c.size(getWv(), 1);
  if (Dv % H)
    return emitOpError() << "Dv = " << Dv << " (dim 1 of 'wv') is not "
                         << "divisible by the " << H << " heads of 'gamma'";
  if (failed(c.dim("wq", getWq(), 0, d, "d")) ||
      failed(c.dim("wq", getWq(), 1, d, "d")) ||
      failed(c.dim("wk", getWk(), 0, d, "d")) ||
      failed(c.dim("wk", getWk(), 1, d, "d")) ||
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
      failed(c.dim("state", s, 2, d / H, "dk")) ||
      failed(c.dim("state", s, 3, Dv / H, "dv")))
    return failure();
  if ((d / H) % 2)
    return emitOpError() << "the key head dim dk = " << d / H
                         << " must be even (pairs are rotated)";
  if (getOut().getType() != x.getType() ||
      getFinalState().getType() != s.getType())
    return emitOpError() << "results must have the types of 'x' and 'state'";
  if (getForm() != "chunkwise" && getForm() != "recurrent")
    return emitOpError() << "unknown form '" << getForm()
                         << "' (expected chunkwise or recurrent)";
  if (getChunkSize() <= 0)
    return emitOpError() << "'chunk_size' must be positive, got "
                         << getChunkSize();
  if (!(getEpsilon().convertToDouble() >= 0.0))
    return emitOpError() << "'epsilon' must be >= 0";
  return success();
}

#include "retention/Dialect/Retention/IR/RetentionInterfaces.cpp.inc"

#define GET_OP_CLASSES
#include "retention/Dialect/Retention/IR/RetentionOps.cpp.inc"
