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

#include "retention/Dialect/Retention/IR/RetentionInterfaces.cpp.inc"

#define GET_OP_CLASSES
#include "retention/Dialect/Retention/IR/RetentionOps.cpp.inc"
