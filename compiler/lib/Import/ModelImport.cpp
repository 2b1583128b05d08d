//===- ModelImport.cpp - a RetNet model as MLIR ---------------------------===//
//
// The math is DESIGN.md §2 (torchscale layout; fla's variants through the
// layer op's attributes, docs/fla-format.md), the same as
// runtime/lib/model/ModelReference.cpp, which the golden tests hold to
// torchscale's and fla's logits. Activations are [M, features] with M = B·T rows (one
// of B and T is 1: prefill is one sequence, decode one token per sequence).
// What the math lets us fuse is built fused: the head split, rotation and
// key scale are one generic writing q and k in [B, H, T, dk]; the row
// divisor, per-head RMSNorm and swish gate are one reduction plus one
// elementwise generic reading retention's output in place.
//
//===----------------------------------------------------------------------===//

#include "retention/Import/ModelImport.h"

#include "retention/Dialect/Retention/IR/RetentionDialect.h"
#include "retention/Dialect/Retention/IR/RetentionOps.h"
#include "retention/Dialect/Retention/Utils/LinalgBuild.h"
#include "retnet/WeightLayout.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"
#include "mlir/IR/Verifier.h"

#include <cmath>

using namespace mlir;
using namespace mlir::retention;

namespace {

using utils::IteratorType;

enum class Entry { Parallel, Chunkwise, Recurrent, Decode };

class ModelEmitter {
public:
  ModelEmitter(ImplicitLocOpBuilder &b, const retnet::ModelConfig &c,
               const ModelImportOptions &o)
      : b(b), c(c), opts(o),
        layout(retnet::WeightLayout::forConfig(c, o.weightType)),
        f32(b.getF32Type()), i64(b.getI64Type()),
        int8(o.weightType == retnet::WeightDType::Int8),
        wt(o.weightType == retnet::WeightDType::BF16  ? Type(b.getBF16Type())
           : o.weightType == retnet::WeightDType::F16 ? Type(b.getF16Type())
                                                      : Type(b.getF32Type())) {}

  void emitEntry(Entry entry, StringRef name);
  void emitConstant(StringRef name, int64_t value);

private:
  ImplicitLocOpBuilder &b;
  const retnet::ModelConfig &c;
  ModelImportOptions opts;
  retnet::WeightLayout layout;
  Type f32, i64;
  /// Int8 weights: matrices int8 with f32 scales, everything else f32.
  bool int8;
  /// The weights' element type, and that of the activations that feed the
  /// projections (f32, bf16 or f16; f32 with int8 weights).
  Type wt;

  // Per entry point.
  Entry entry = Entry::Decode;
  Value weights;   ///< tensor<?xwt>
  Value weightsI8; ///< int8 weights: the int8 region, tensor<?xi8>
  OpFoldResult M;  ///< rows: T for prefill, B for decode
  Value positions; ///< tensor<BxTxi64>, absolute position of each token

  bool isDecode() const { return entry == Entry::Decode; }
  OpFoldResult one() { return b.getIndexAttr(1); }
  /// [B, T] with the row count in the dynamic position.
  SmallVector<OpFoldResult> batchTokens() {
    return isDecode() ? SmallVector<OpFoldResult>{M, one()}
                      : SmallVector<OpFoldResult>{one(), M};
  }
  /// An f32 value inside a linalg body rounded to the weights' type.
  Value round(OpBuilder &nb, Location loc, Value v) {
    return wt == f32 ? v : arith::TruncFOp::create(nb, loc, wt, v);
  }
  Value cst(double v) {
    return arith::ConstantOp::create(b, b.getF32FloatAttr(float(v)));
  }
  // Thin wrappers over retention/Dialect/Retention/Utils/LinalgBuild.h.
  Value empty(ArrayRef<OpFoldResult> sizes) {
    return buildEmpty(b, b.getLoc(), sizes, f32);
  }
  Value zeros(ArrayRef<OpFoldResult> sizes) {
    return buildZeros(b, b.getLoc(), sizes);
  }
  AffineMap map(unsigned dims, ArrayRef<AffineExpr> results) {
    return buildMap(b.getContext(), dims, results);
  }
  SmallVector<AffineExpr> dims(ArrayRef<unsigned> ids) {
    SmallVector<AffineExpr> out;
    for (unsigned i : ids)
      out.push_back(b.getAffineDimExpr(i));
    return out;
  }
  Value generic(Value init, ValueRange inputs, ArrayRef<AffineMap> maps,
                ArrayRef<IteratorType> iters,
                function_ref<Value(OpBuilder &, Location, ValueRange)> body) {
    return buildGeneric(b, b.getLoc(), init, inputs, maps, iters, body);
  }

  /// A packed tensor; for a per-layer tensor `layer` is the layer index and
  /// `name` names layer 0's tensor.
  Value weight(const std::string &name, Value layer = {});
  Value matmul(Value x, Value w);
  /// Normed x in `out` (default: the weights' type, for a projection).
  Value rmsNorm(Value x, int64_t width, Value w, Type out = {});
  Value add(Value x, Value y);
  Value embed(Value tokens);
  Value ffn(Value h, Value layer);
  /// [M, n] ↔ [B, T, n]
  Value toBatchTokens(Value x, int64_t n);
  Value toRows(Value x);
};

Value ModelEmitter::weight(const std::string &name, Value layer) {
  const retnet::PackedTensor *t = layout.find(name);
  assert(t && "weight missing from the layout");
  SmallVector<int64_t> shape(t->shape.begin(), t->shape.end());
  if (t->transposed)
    std::reverse(shape.begin(), shape.end());
  // Elements at `offset` (+ layer · stride) of `buffer`, in `shape`.
  auto slice = [&](Value buffer, int64_t offset, int64_t stride,
                   ArrayRef<int64_t> shape) -> Value {
    OpFoldResult at = b.getIndexAttr(offset);
    if (layer)
      at = affine::AffineApplyOp::create(
               b,
               AffineMap::get(1, 0, b.getAffineDimExpr(0) * stride + offset),
               ValueRange{layer})
               .getResult();
    int64_t n = 1;
    for (int64_t s : shape)
      n *= s;
    Value flat = tensor::ExtractSliceOp::create(
        b, buffer, ArrayRef<OpFoldResult>{at},
        ArrayRef<OpFoldResult>{b.getIndexAttr(n)},
        ArrayRef<OpFoldResult>{one()});
    if (shape.size() == 1)
      return flat;
    return tensor::ExpandShapeOp::create(
        b,
        RankedTensorType::get(
            shape, cast<RankedTensorType>(buffer.getType()).getElementType()),
        flat, SmallVector<ReassociationIndices>{{0, 1}});
  };
  if (!t->quantized)
    return slice(weights, t->offset, layout.layerStride, shape);
  // An int8 matrix [K, N] and its N scales, dequantized as an elementwise
  // producer of the matmul that reads it: retention-fold-dequant moves the
  // scale behind the matmul, so the weights stream as int8.
  Value q = slice(weightsI8, t->offset, layout.layerStrideInt8, shape);
  Value scales = slice(weights, t->scaleOffset, layout.layerStride,
                       {t->outChannels()});
  return generic(empty({b.getIndexAttr(shape[0]), b.getIndexAttr(shape[1])}),
                 {q, scales},
                 {map(2, dims({0, 1})), map(2, dims({1})), map(2, dims({0, 1}))},
                 {kPar, kPar},
                 [&](OpBuilder &nb, Location loc, ValueRange a) -> Value {
                   Value w = arith::SIToFPOp::create(nb, loc, f32, a[0]);
                   return arith::MulFOp::create(nb, loc, w, a[1]);
                 });
}

/// x [M, K] · w [K, n], accumulated in f32 (the result is f32).
Value ModelEmitter::matmul(Value x, Value w) {
  return buildMatmul(b, b.getLoc(), x, w);
}

/// x / sqrt(mean(x²) + eps) ⊙ w over the last dim of x [M, width] (f32),
/// in f32, rounded once to `out`.
Value ModelEmitter::rmsNorm(Value x, int64_t width, Value w, Type out) {
  if (!out)
    out = wt;
  Value ss = generic(zeros({M}), {x}, {map(2, dims({0, 1})), map(2, dims({0}))},
                     {kPar, kRed},
                     [&](OpBuilder &nb, Location loc, ValueRange a) -> Value {
                       Value sq = arith::MulFOp::create(nb, loc, a[0], a[0]);
                       return arith::AddFOp::create(nb, loc, sq, a[1]);
                     });
  Value invWidth = cst(1.0 / double(width)), eps = cst(c.layernormEps);
  SmallVector<Value> inputs = {x, ss};
  SmallVector<AffineMap> maps = {map(2, dims({0, 1})), map(2, dims({0}))};
  if (w) {
    inputs.push_back(w);
    maps.push_back(map(2, dims({1})));
  }
  maps.push_back(map(2, dims({0, 1})));
  return generic(
      buildEmpty(b, b.getLoc(), {M, b.getIndexAttr(width)}, out), inputs, maps,
      {kPar, kPar}, [&](OpBuilder &nb, Location loc, ValueRange a) -> Value {
        Value ms = arith::MulFOp::create(nb, loc, a[1], invWidth);
        ms = arith::AddFOp::create(nb, loc, ms, eps);
        Value r = math::RsqrtOp::create(nb, loc, ms);
        Value y = arith::MulFOp::create(nb, loc, a[0], r);
        if (w)
          y = arith::MulFOp::create(nb, loc, y, buildExtF32(nb, loc, a[2]));
        return out == f32 ? y : Value(arith::TruncFOp::create(nb, loc, out, y));
      });
}

/// x + y, accumulated into x's tensor (the residual stream, f32, is updated
/// in place, so the layer loop carries one buffer).
Value ModelEmitter::add(Value x, Value y) {
  AffineMap id = map(2, dims({0, 1}));
  return generic(x, {y}, {id, id}, {kPar, kPar},
                 [&](OpBuilder &nb, Location loc, ValueRange a) -> Value {
                   return arith::AddFOp::create(nb, loc, a[1],
                                                buildExtF32(nb, loc, a[0]));
                 });
}

/// Embedding rows (× sqrt(d) unless no_scale_embedding), optional RMSNorm.
Value ModelEmitter::embed(Value tokens) {
  const int64_t d = c.embedDim;
  Value tableW = weight("embed_tokens.weight");
  Value scale = cst(c.noScaleEmbedding ? 1.0 : std::sqrt(double(d)));
  Value x = generic(empty({M, b.getIndexAttr(d)}), {tokens},
                    {map(2, dims({0})), map(2, dims({0, 1}))}, {kPar, kPar},
                    [&](OpBuilder &nb, Location loc, ValueRange a) -> Value {
                      Value row = arith::IndexCastOp::create(
                          nb, loc, nb.getIndexType(), a[0]);
                      Value col = linalg::IndexOp::create(nb, loc, 1);
                      Value e = tensor::ExtractOp::create(nb, loc, tableW,
                                                          ValueRange{row, col});
                      return arith::MulFOp::create(
                          nb, loc, buildExtF32(nb, loc, e), scale);
                    });
  if (c.layernormEmbedding)
    x = rmsNorm(x, d, weight("layernorm_embedding.weight"), f32);
  return x;
}

Value ModelEmitter::toBatchTokens(Value x, int64_t n) {
  SmallVector<OpFoldResult> bt = batchTokens();
  return tensor::ExpandShapeOp::create(
      b,
      RankedTensorType::get({isDecode() ? ShapedType::kDynamic : 1,
                             isDecode() ? 1 : ShapedType::kDynamic, n},
                            cast<RankedTensorType>(x.getType()).getElementType()),
      x, SmallVector<ReassociationIndices>{{0, 1}, {2}},
      SmallVector<OpFoldResult>{bt[0], bt[1], b.getIndexAttr(n)});
}

Value ModelEmitter::toRows(Value x) {
  return tensor::CollapseShapeOp::create(
      b, x, SmallVector<ReassociationIndices>{{0, 1}, {2}});
}

/// fc2(act(fc1 h) ⊙ gate h), act from the config (swish or exact gelu).
Value ModelEmitter::ffn(Value h, Value layer) {
  std::string p = "layers.0.ffn.";
  const int64_t F = c.ffnDim;
  Value a = matmul(h, weight(p + "fc1.weight", layer));
  Value g = matmul(h, weight(p + "gate.weight", layer));
  bool swish = c.activation == "swish";
  Value oneF = cst(1.0), half = cst(0.5), invSqrt2 = cst(M_SQRT1_2);
  AffineMap id = map(2, dims({0, 1}));
  Value act = generic(
      buildEmpty(b, b.getLoc(), {M, b.getIndexAttr(F)}, wt), {a, g},
      {id, id, id}, {kPar, kPar},
      [&](OpBuilder &nb, Location loc, ValueRange v) -> Value {
        Value x = v[0], y;
        if (swish) {
          Value den = arith::AddFOp::create(
              nb, loc, oneF,
              math::ExpOp::create(nb, loc, arith::NegFOp::create(nb, loc, x)));
          y = arith::DivFOp::create(nb, loc, x, den);
        } else {
          Value e = math::ErfOp::create(
              nb, loc, arith::MulFOp::create(nb, loc, x, invSqrt2));
          y = arith::MulFOp::create(nb, loc,
                                    arith::MulFOp::create(nb, loc, half, x),
                                    arith::AddFOp::create(nb, loc, oneF, e));
        }
        return round(nb, loc, arith::MulFOp::create(nb, loc, y, v[1]));
      });
  return matmul(act, weight(p + "fc2.weight", layer));
}

void ModelEmitter::emitConstant(StringRef name, int64_t value) {
  auto fn = func::FuncOp::create(b, name, b.getFunctionType({}, {i64}));
  fn->setAttr("llvm.emit_c_interface", b.getUnitAttr());
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(fn.addEntryBlock());
  func::ReturnOp::create(
      b, ValueRange{arith::ConstantOp::create(b, b.getI64IntegerAttr(value))});
}

void ModelEmitter::emitEntry(Entry e, StringRef name) {
  entry = e;
  const int64_t d = c.embedDim, H = c.heads, dk = c.keyHeadDim(),
                dv = c.valueHeadDim(), L = c.layers, V = c.vocabSize;
  const int64_t dyn = ShapedType::kDynamic;
  const int64_t batch = isDecode() ? dyn : 1;
  auto stateM = MemRefType::get({batch, L, H, dk, dv}, f32);
  SmallVector<Type> args = {MemRefType::get({dyn}, int8 ? b.getI8Type() : wt),
                            MemRefType::get({dyn}, i64),
                            MemRefType::get({isDecode() ? dyn : 1}, i64),
                            stateM,
                            stateM,
                            MemRefType::get({dyn, V}, f32)};
  auto fn = func::FuncOp::create(b, name, b.getFunctionType(args, {}));
  fn->setAttr("llvm.emit_c_interface", b.getUnitAttr());
  // A decode step of a small model (under 2^24 weights, 64 MiB) takes less
  // than the fork/join of a thread team: keep it on one thread.
  if (isDecode() &&
      retnet::WeightLayout::forConfig(c).totalFloats < (int64_t(1) << 24))
    fn->setAttr("retention.serial", b.getUnitAttr());
  OpBuilder::InsertionGuard guard(b);
  Block *body = fn.addEntryBlock();
  b.setInsertionPointToStart(body);
  Value wM = body->getArgument(0), tokM = body->getArgument(1),
        startM = body->getArgument(2), sInM = body->getArgument(3),
        sOutM = body->getArgument(4), logitsM = body->getArgument(5);

  auto toTensor = [&](Value m) -> Value {
    auto t = cast<MemRefType>(m.getType());
    return bufferization::ToTensorOp::create(
        b, RankedTensorType::get(t.getShape(), t.getElementType()), m,
        /*restrict=*/true);
  };
  if (int8) {
    // One byte buffer: the f32 region, then the int8 region.
    auto region = [&](int64_t byteShift, int64_t n, Type elt) {
      return toTensor(memref::ViewOp::create(
          b, MemRefType::get({n}, elt), wM,
          arith::ConstantIndexOp::create(b, byteShift), ValueRange{}));
    };
    weights = region(0, layout.totalFloats, f32);
    weightsI8 = region(layout.totalFloats * 4, layout.totalInt8, b.getI8Type());
  } else {
    weights = toTensor(wM);
  }
  Value tokens = toTensor(tokM), start = toTensor(startM), sIn = toTensor(sInM);
  Value rows = memref::DimOp::create(b, tokM, 0);
  M = rows;

  // Absolute positions: start + t (prefill) or each sequence's own (decode).
  if (isDecode()) {
    positions = start;
  } else {
    Value s0 = tensor::ExtractOp::create(
        b, start, ValueRange{arith::ConstantIndexOp::create(b, 0)});
    positions =
        linalg::GenericOp::create(
            b, TypeRange{RankedTensorType::get({dyn}, i64)}, ValueRange{},
            ValueRange{
                tensor::EmptyOp::create(b, ArrayRef<OpFoldResult>{M}, i64)},
            ArrayRef<AffineMap>{map(1, dims({0}))},
            ArrayRef<IteratorType>{kPar},
            [&](OpBuilder &nb, Location loc, ValueRange) {
              Value t = linalg::IndexOp::create(nb, loc, 0);
              Value ti =
                  arith::IndexCastOp::create(nb, loc, nb.getI64Type(), t);
              linalg::YieldOp::create(
                  nb, loc, ValueRange{arith::AddIOp::create(nb, loc, s0, ti)});
            })
            .getResult(0);
  }
  // [M] → [B, T]
  SmallVector<OpFoldResult> bt = batchTokens();
  positions = tensor::ExpandShapeOp::create(
      b,
      RankedTensorType::get({isDecode() ? dyn : 1, isDecode() ? 1 : dyn}, i64),
      positions, SmallVector<ReassociationIndices>{{0, 1}},
      SmallVector<OpFoldResult>{bt[0], bt[1]});

  OpFoldResult B = isDecode() ? OpFoldResult(M) : one();
  auto stateT = RankedTensorType::get({batch, H, dk, dv}, f32);
  // Per head γ_h = 1 − 2^(−5−h); the form of this entry point.
  SmallVector<double> gamma;
  for (int64_t h = 0; h < H; ++h)
    gamma.push_back(1.0 - std::ldexp(1.0, int(-5 - h)));
  std::string form = (entry == Entry::Recurrent || entry == Entry::Decode)
                         ? "recurrent"
                         : "chunkwise";
  int64_t chunk = entry == Entry::Parallel ? opts.parallelLimit
                  : opts.chunkSize > 0     ? opts.chunkSize
                                           : c.chunkSize;
  Value x = embed(tokens);
  // The blocks: one loop over layers (identical code, weights and state at
  // layer-dependent offsets), so code size and compile time do not grow
  // with depth.
  Value lb = arith::ConstantIndexOp::create(b, 0),
        ub = arith::ConstantIndexOp::create(b, L),
        step = arith::ConstantIndexOp::create(b, 1);
  auto loop = scf::ForOp::create(
      b, lb, ub, step, ValueRange{x},
      [&](OpBuilder &, Location, Value l, ValueRange iter) {
        Value xl = iter[0];
        const std::string p = "layers.0.";
        // Multi-scale retention (a layer op; retention-decompose-layers
        // expands it into the core form and linalg).
        Value h = rmsNorm(xl, d, weight(p + "retention_layer_norm.weight", l));
        SmallVector<OpFoldResult> offs = {b.getIndexAttr(0), l,
                                          b.getIndexAttr(0), b.getIndexAttr(0),
                                          b.getIndexAttr(0)};
        SmallVector<OpFoldResult> sizes = {B, one(), b.getIndexAttr(H),
                                           b.getIndexAttr(dk),
                                           b.getIndexAttr(dv)};
        SmallVector<OpFoldResult> strides(5, one());
        Value s = tensor::ExtractSliceOp::create(b, stateT, sIn, offs, sizes,
                                                 strides);
        Value h3 = toBatchTokens(h, d);
        // One statement per weight: IR in a fixed order on every compiler.
        Value wq = weight(p + "retention.q_proj.weight", l);
        Value wk = weight(p + "retention.k_proj.weight", l);
        Value wv = weight(p + "retention.v_proj.weight", l);
        Value wg = weight(p + "retention.g_proj.weight", l);
        Value wo = weight(p + "retention.out_proj.weight", l);
        // Destination-passing style: the layer writes fresh inits.
        Value outInit = tensor::EmptyOp::create(
            b, tensor::getMixedSizes(b, b.getLoc(), h3),
            cast<RankedTensorType>(h3.getType()).getElementType());
        Value stateInit = tensor::EmptyOp::create(
            b, tensor::getMixedSizes(b, b.getLoc(), s), b.getF32Type());
        auto layer = MultiScaleOp::create(
            b, TypeRange{h3.getType(), stateT}, h3, wq, wk, wv, wg, wo,
            positions, s, outInit, stateInit, b.getDenseF64ArrayAttr(gamma),
            b.getF64FloatAttr(c.layernormEps),
            LayerFormAttr::get(b.getContext(), form == "recurrent"
                                                   ? LayerForm::Recurrent
                                                   : LayerForm::Chunkwise),
            form == "recurrent" ? IntegerAttr() : b.getI64IntegerAttr(chunk),
            RotaryAttr::get(b.getContext(), c.rotary == retnet::Rotary::Half
                                                ? Rotary::Half
                                                : Rotary::Interleaved),
            b.getBoolAttr(c.rowDivisor));
        auto sliceM = memref::SubViewOp::inferRankReducedResultType(
            {batch, H, dk, dv}, cast<MemRefType>(sOutM.getType()), offs, sizes,
            strides);
        Value dest =
            memref::SubViewOp::create(b, sliceM, sOutM, offs, sizes, strides);
        bufferization::MaterializeInDestinationOp::create(
            b, TypeRange{}, layer.getFinalState(), dest, /*restrict=*/true,
            /*writable=*/true);
        Value attn = toRows(layer.getOut());
        xl = add(xl, attn);
        // GLU feed-forward.
        h = rmsNorm(xl, d, weight(p + "final_layer_norm.weight", l));
        xl = add(xl, ffn(h, l));
        scf::YieldOp::create(b, ValueRange{xl});
      });
  x = loop.getResult(0);
  x = rmsNorm(x, d, weight("layer_norm.weight"));
  Value logits = matmul(x, weight("output_projection.weight"));
  bufferization::MaterializeInDestinationOp::create(
      b, TypeRange{}, logits, logitsM, /*restrict=*/true, /*writable=*/true);
  func::ReturnOp::create(b);
}

} // namespace

void mlir::retention::registerModelImportDialects(DialectRegistry &registry) {
  registry
      .insert<RetentionDialect, affine::AffineDialect, arith::ArithDialect,
              bufferization::BufferizationDialect, func::FuncDialect,
              linalg::LinalgDialect, math::MathDialect, memref::MemRefDialect,
              scf::SCFDialect, tensor::TensorDialect>();
}

OwningOpRef<ModuleOp>
mlir::retention::importModel(MLIRContext *context,
                             const retnet::ModelConfig &config,
                             const ModelImportOptions &options) {
  DialectRegistry registry;
  registerModelImportDialects(registry);
  context->appendDialectRegistry(registry);
  context->loadAllAvailableDialects();

  Location loc = NameLoc::get(StringAttr::get(context, "retnet-model"));
  OwningOpRef<ModuleOp> module = ModuleOp::create(loc);
  ImplicitLocOpBuilder b(loc, context);
  b.setInsertionPointToEnd(module->getBody());
  ModelEmitter emitter(b, config, options);
  emitter.emitEntry(Entry::Parallel, "retnet_artifact_prefill_parallel");
  emitter.emitEntry(Entry::Chunkwise, "retnet_artifact_prefill_chunkwise");
  emitter.emitEntry(Entry::Recurrent, "retnet_artifact_prefill_recurrent");
  emitter.emitEntry(Entry::Decode, "retnet_artifact_decode");
  emitter.emitConstant("retnet_artifact_abi_version",
                       retnet::kArtifactAbiVersion);
  emitter.emitConstant("retnet_artifact_weight_floats",
                       retnet::WeightLayout::forConfig(config).totalFloats);
  emitter.emitConstant("retnet_artifact_target",
                       static_cast<int64_t>(options.target));
  emitter.emitConstant("retnet_artifact_weight_dtype",
                       static_cast<int64_t>(options.weightType));
  emitter.emitConstant("retnet_artifact_chunk_size",
                       options.chunkSize > 0 ? options.chunkSize
                                             : config.chunkSize);
  emitter.emitConstant("retnet_artifact_parallel_limit",
                       options.parallelLimit);
  if (failed(verify(*module)))
    return nullptr;
  return module;
}
