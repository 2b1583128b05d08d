//===- RetentionOps.td - retention dialect operations ------*- tablegen -*-===//
//
// The core retention ops (parallel, recurrent and chunkwise forms) and the
// layer-level ops around them (rotate, group_norm, multi_scale).
//
//===----------------------------------------------------------------------===//

#ifndef RETENTION_DIALECT_RETENTION_IR_RETENTIONOPS_TD
#define RETENTION_DIALECT_RETENTION_IR_RETENTIONOPS_TD

include "retention/Dialect/Retention/IR/RetentionBase.td"
include "retention/Dialect/Retention/IR/RetentionInterfaces.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/IR/OpAsmInterface.td"
include "mlir/Interfaces/DestinationStyleOpInterface.td"
include "mlir/Interfaces/TilingInterface.td"
include "mlir/Dialect/Linalg/IR/LinalgInterfaces.td"
include "mlir/Dialect/Bufferization/IR/BufferizableOpInterface.td"
include "mlir/IR/CommonAttrConstraints.td"
include "mlir/IR/CommonTypeConstraints.td"

// Element types are constrained here; ranks and dimensions are checked by the
// C++ verifier, which can name the operand and the dimension that disagree.
// The form ops are in destination-passing style: on tensors (results tied to
// the `outs` inits) before bufferization, on memrefs (no results) after.
def Retention_InputTensor : RankedTensorOf<[F32, F16, BF16]>;
def Retention_StateTensor : RankedTensorOf<[F32]>;
def Retention_Input : AnyTypeOf<[Retention_InputTensor,
                                 MemRefOf<[F32, F16, BF16]>]>;
def Retention_State : AnyTypeOf<[Retention_StateTensor, MemRefOf<[F32]>]>;
def Retention_Init : AnyTypeOf<[Retention_InputTensor,
                                MemRefOf<[F32, F16, BF16]>]>;

// Arguments shared by the three forms.
defvar Retention_CommonArgs = (ins
  Retention_Input:$q,
  Retention_Input:$k,
  Retention_Input:$v,
  Optional<Retention_State>:$state,
  Optional<Index>:$head_offset,
  Variadic<Retention_Init>:$inits,
  DenseF64ArrayAttr:$gamma,
  DefaultValuedAttr<F64Attr, "1.0">:$scale
);

class Retention_FormOp<string mnemonic, list<Trait> traits = []>
    : Retention_Op<mnemonic, !listconcat(traits, [
        AttrSizedOperandSegments, Retention_FormOpInterface,
        DeclareOpInterfaceMethods<OpAsmOpInterface, ["getAsmResultNames"]>,
        DestinationStyleOpInterface,
        DeclareOpInterfaceMethods<MemoryEffectsOpInterface>,
        DeclareOpInterfaceMethods<TilingInterface,
            ["getIterationDomain", "getLoopIteratorTypes",
             "getTiledImplementation", "getResultTilePosition",
             "getIterationDomainTileFromResultTile",
             "generateResultTileValue"]>,
        DeclareOpInterfaceMethods<AggregatedOpInterface,
            ["decomposeOperation"]>,
        DeclareOpInterfaceMethods<BufferizableOpInterface,
            ["bufferizesToMemoryRead", "bufferizesToMemoryWrite",
             "getAliasingValues", "bufferize"]>])> {
  let arguments = Retention_CommonArgs;
  let results = (outs Variadic<AnyRankedTensor>:$results);
  let assemblyFormat = [{
    $q `,` $k `,` $v (`,` $state^)?
    (`head_offset` `(` $head_offset^ `)`)?
    `outs` `(` $inits `)` attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
  let hasCanonicalizer = 1;
  let skipDefaultBuilders = 1;
  // Result types follow the inits (none on memrefs); `state` and
  // `headOffset` may be null.
  let builders = [
    OpBuilder<(ins "::mlir::Value":$q, "::mlir::Value":$k, "::mlir::Value":$v,
                   "::mlir::Value":$state, "::mlir::ValueRange":$inits,
                   "::llvm::ArrayRef<double>":$gamma, "double":$scale,
                   CArg<"::mlir::Value", "{}">:$headOffset,
                   CArg<"int64_t", "0">:$chunkSize)>,
    // The generic builder (parsing, cloning).
    OpBuilder<(ins "::mlir::TypeRange":$resultTypes,
                   "::mlir::ValueRange":$operands,
                   CArg<"::llvm::ArrayRef<::mlir::NamedAttribute>", "{}">:$attributes), [{
      $_state.addOperands(operands);
      $_state.addAttributes(attributes);
      $_state.addTypes(resultTypes);
    }]>
  ];

  code commonExtraClassDeclaration = [{
    /// Number of heads H, or ShapedType::kDynamic.
    int64_t getNumHeads() {
      return ::llvm::cast<::mlir::ShapedType>(getQ().getType()).getDimSize(1);
    }
    /// Element type shared by q, k, v and the output.
    ::mlir::Type getInputElementType() {
      return ::llvm::cast<::mlir::ShapedType>(getQ().getType())
          .getElementType();
    }
    /// The output's init [B, H, T, dv].
    ::mlir::Value getOInit() { return getInits()[0]; }
    /// The final state's init [B, H, dk, dv], or null (the parallel form).
    ::mlir::Value getFinalStateInit() {
      return getInits().size() > 1 ? getInits()[1] : ::mlir::Value();
    }
    /// The output [B, H, T, dv] (null on memrefs).
    ::mlir::Value getO() {
      return getNumResults() > 0 ? getResult(0) : ::mlir::Value();
    }
    ::mlir::MutableOperandRange getDpsInitsMutable() {
      return getInitsMutable();
    }
  }];
  let extraClassDeclaration = commonExtraClassDeclaration;
}

def Retention_ParallelOp : Retention_FormOp<"parallel"> {
  let summary = "retention in the parallel (quadratic, fully parallel) form";
  let description = [{
    Computes retention for every (batch, head) as one masked product:

    ```
    O = scale * (((Q K^T) .* D) V + (Q .* xi) S_in)
    D[t, s] = gamma^(t-s) if t >= s else 0,   xi_t = gamma^(t+1)
    ```

    with `q, k : [B, H, T, dk]`, `v : [B, H, T, dv]`, the optional initial
    state `state : [B, H, dk, dv]` (f32, zero when absent) and the output
    `o : [B, H, T, dv]` in the input element type, written into the one
    init of `outs` (destination-passing style: on tensors the result is tied
    to it; on memrefs the op has no result). `gamma` holds one decay per head,
    each in (0, 1]; `scale` defaults to 1.0. With `head_offset(%h)` (what
    tiling over heads produces) head i of this op uses `gamma[%h + i]`, and
    `gamma` may hold more decays than the op has heads. O(T^2) work; best for
    short sequences. Accumulation is in f32 whatever the input type.

    Example:

    ```mlir
    %o = retention.parallel %q, %k, %v outs(%init) {gamma = array<f64: 0.96875, 0.984375>}
        : (tensor<1x2x64x32xf32>, tensor<1x2x64x32xf32>, tensor<1x2x64x16xf32>,
           tensor<1x2x64x16xf32>) -> tensor<1x2x64x16xf32>
    ```
  }];
}

def Retention_RecurrentOp : Retention_FormOp<"recurrent"> {
  let summary = "retention in the recurrent (one token at a time) form";
  let description = [{
    Runs the recurrence token by token for every (batch, head):

    ```
    S_t = gamma * S_{t-1} + k_t^T v_t        (S_{-1} = state, zero when absent)
    o_t = scale * q_t S_t
    final_state = S_{T-1}
    ```

    Shapes as for `retention.parallel`; `outs` holds two inits, the output's
    and the final state's (`[B, H, dk, dv]`, f32). O(1) work and memory per
    token: the decoding form (usually T = 1).

    Example:

    ```mlir
    %o, %s1 = retention.recurrent %q, %k, %v, %s0 outs(%oi, %si)
        {gamma = array<f64: 0.96875>, scale = 0.5 : f64}
        : (tensor<8x1x1x64xbf16>, tensor<8x1x1x64xbf16>, tensor<8x1x1x128xbf16>,
           tensor<8x1x64x128xf32>, tensor<8x1x1x128xbf16>, tensor<8x1x64x128xf32>)
        -> (tensor<8x1x1x128xbf16>, tensor<8x1x64x128xf32>)
    ```
  }];
  let extraClassDeclaration = commonExtraClassDeclaration # [{
    /// The final state [B, H, dk, dv] (null on memrefs).
    ::mlir::Value getFinalState() {
      return getNumResults() > 1 ? getResult(1) : ::mlir::Value();
    }
  }];
}

def Retention_ChunkwiseOp : Retention_FormOp<"chunkwise"> {
  let summary = "retention in the chunkwise recurrent form";
  let description = [{
    Splits the T tokens into chunks of `chunk_size` = C tokens (the last chunk
    may be shorter). Inside a chunk it uses the parallel form, across chunks
    the recurrence on the state:

    ```
    O_c = scale * [((Q_c K_c^T) .* D_C) V_c + (Q_c .* xi) S_(c-1)],  xi_i = gamma^(i+1)
    S_c = gamma^C S_(c-1) + K_c^T (V_c .* zeta),                    zeta_j = gamma^(C-1-j)
    ```

    (for a last chunk of n < C tokens, C is replaced by n). Shapes and inits
    as for `retention.recurrent`. Linear cost in T and parallel inside
    chunks: the prefill form for long prompts.

    Example:

    ```mlir
    %o, %s1 = retention.chunkwise %q, %k, %v outs(%oi, %si)
        {chunk_size = 64 : i64, gamma = array<f64: 0.96875, 0.984375>}
        : (tensor<1x2x?x32xf16>, tensor<1x2x?x32xf16>, tensor<1x2x?x16xf16>,
           tensor<1x2x?x16xf16>, tensor<1x2x32x16xf32>)
        -> (tensor<1x2x?x16xf16>, tensor<1x2x32x16xf32>)
    ```
  }];
  let arguments = !con(Retention_CommonArgs,
                       (ins ConfinedAttr<I64Attr, [IntPositive]>:$chunk_size));
  let extraClassDeclaration = commonExtraClassDeclaration # [{
    /// The final state [B, H, dk, dv] (null on memrefs).
    ::mlir::Value getFinalState() {
      return getNumResults() > 1 ? getResult(1) : ::mlir::Value();
    }
  }];
}

//===----------------------------------------------------------------------===//
// Layer-level ops: the multi-scale retention layer around the core forms.
// `retention-decompose-layers` rewrites them into a core form op and linalg.
//===----------------------------------------------------------------------===//

// Activations and weights of the layer ops: f32, f16 or bf16, one type per
// op; products accumulate in f32, statistics (norms, rotations) are f32.
// On tensors before bufferization (results tied to the `outs` inits), on
// memrefs (no results) after: one-shot-bufferize keeps the layer ops.
def Retention_LayerTensor : AnyTypeOf<[RankedTensorOf<[F32, F16, BF16]>,
                                       MemRefOf<[F32, F16, BF16]>]>;
def Retention_PositionTensor : AnyTypeOf<[RankedTensorOf<[I64]>,
                                          MemRefOf<[I64]>]>;

def Retention_RotateOp : Retention_Op<"rotate", [
    DeclareOpInterfaceMethods<MemoryEffectsOpInterface>,
    DeclareOpInterfaceMethods<BufferizableOpInterface,
        ["bufferizesToMemoryRead", "bufferizesToMemoryWrite",
         "getAliasingValues", "bufferize"]>,
    DestinationStyleOpInterface,
    DeclareOpInterfaceMethods<TilingInterface,
        ["getIterationDomain", "getLoopIteratorTypes",
         "getTiledImplementation", "getResultTilePosition",
         "getIterationDomainTileFromResultTile",
         "generateResultTileValue"]>,
    DeclareOpInterfaceMethods<AggregatedOpInterface, ["decomposeOperation"]>]> {
  let summary = "split heads and rotate query/key pairs by their absolute position";
  let description = [{
    `x : [B, T, H*dk]` (f32, f16 or bf16; the result has its type) →
    `[B, H, T, dk]`: the heads are split off and
    each pair (a_i, b_i) of a head is rotated by +n·θ_i, n =
    `positions[b, t]` (i64 `[B, T]`), i = 0 … dk/2−1:

    ```
    out[a_i] = scale * (x[a_i] cos(nθ_i) − x[b_i] sin(nθ_i))
    out[b_i] = scale * (x[b_i] cos(nθ_i) + x[a_i] sin(nθ_i))
    ```

    `rotary` picks the pairs and frequencies:
    `#retention<rotary interleaved>` (the default; torchscale's xPos-free
    rotation): a_i = 2i, b_i = 2i+1, θ_i = `theta_base`^(−i/(dk/2−1));
    `#retention<rotary half>` (flash-linear-attention's, GPT-NeoX style):
    a_i = i, b_i = i + dk/2, θ_i = `theta_base`^(−2i/dk).
    `scale` folds the key scaling dk^−0.5 in. dk is even.

    Tiling (`TilingInterface`): parallel over (batch, head, token); a tile
    reads the rows of `x` and `positions` it covers and writes whole dk
    rows. A head tile must have a static size (heads and dk are static in
    the types).

    ```mlir
    %qr = retention.rotate %q, %pos outs(%init) {scale = 1.0 : f64, theta_base = 10000.0 : f64}
        : (tensor<1x?x64xf32>, tensor<1x?xi64>, tensor<1x2x?x32xf32>) -> tensor<1x2x?x32xf32>
    ```
  }];
  let arguments = (ins Retention_LayerTensor:$x,
                       Retention_PositionTensor:$positions,
                       Retention_LayerTensor:$init,
                       DefaultValuedAttr<F64Attr, "1.0">:$scale,
                       DefaultValuedAttr<F64Attr, "10000.0">:$theta_base,
                       DefaultValuedAttr<Retention_RotaryAttr,
                           "::mlir::retention::Rotary::Interleaved">:$rotary);
  let results = (outs Variadic<AnyRankedTensor>:$results);
  let assemblyFormat = [{
    $x `,` $positions `outs` `(` $init `)` attr-dict `:`
    functional-type(operands, results)
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    ::mlir::MutableOperandRange getDpsInitsMutable() { return getInitMutable(); }
    /// The output: the result on tensors, the init buffer on memrefs.
    ::mlir::Value getOut() {
      return getNumResults() ? getResult(0) : getInit();
    }
  }];
}

def Retention_GroupNormOp : Retention_Op<"group_norm", [
    DeclareOpInterfaceMethods<MemoryEffectsOpInterface>,
    DeclareOpInterfaceMethods<BufferizableOpInterface,
        ["bufferizesToMemoryRead", "bufferizesToMemoryWrite",
         "getAliasingValues", "bufferize"]>,
    DestinationStyleOpInterface,
    DeclareOpInterfaceMethods<TilingInterface,
        ["getIterationDomain", "getLoopIteratorTypes",
         "getTiledImplementation", "getResultTilePosition",
         "getIterationDomainTileFromResultTile",
         "generateResultTileValue"]>,
    DeclareOpInterfaceMethods<AggregatedOpInterface, ["decomposeOperation"]>]> {
  let summary = "per-head RMSNorm of retention's output with the row divisor and the swish gate";
  let description = [{
    `y : [B, H, T, dv]` (a core op's output), `g : [B, T, H*dv]` (the gate
    projection), `positions : [B, T]` → `[B, T, H*dv]`:

    ```
    out[b, t, h*dv + j] = silu(g[b, t, h*dv + j]) * RMSNorm_dv(y[b, h, t, :] / δ_h(n))[j]
    δ_h(n)² = Σ_{s≤n} γ_h^(n−s) = (1 − γ_h^(n+1)) / (1 − γ_h),   n = positions[b, t]
    RMSNorm_dv(z) = z / sqrt(mean(z²) + epsilon)                  (no weight)
    ```

    One decay per head in `gamma`. The divisor is torchscale's
    (DESIGN.md §2): it cancels in the norm except through epsilon. With
    `row_divisor = false` (flash-linear-attention's layer) δ_h = 1 and
    `gamma` is not read.

    Tiling (`TilingInterface`): parallel over (batch, token); every tile
    normalizes all heads of its rows (each head's decay is in `gamma`).

    ```mlir
    %n = retention.group_norm %y, %g, %pos outs(%init) {epsilon = 1.0e-6 : f64, gamma = array<f64: 0.96875, 0.984375>}
        : (tensor<1x2x?x32xf32>, tensor<1x?x64xf32>, tensor<1x?xi64>, tensor<1x?x64xf32>) -> tensor<1x?x64xf32>
    ```
  }];
  let arguments = (ins Retention_LayerTensor:$y, Retention_LayerTensor:$g,
                       Retention_PositionTensor:$positions,
                       Retention_LayerTensor:$init,
                       DenseF64ArrayAttr:$gamma, F64Attr:$epsilon,
                       DefaultValuedAttr<BoolAttr, "true">:$row_divisor);
  let results = (outs Variadic<AnyRankedTensor>:$results);
  let assemblyFormat = [{
    $y `,` $g `,` $positions `outs` `(` $init `)` attr-dict `:`
    functional-type(operands, results)
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    ::mlir::MutableOperandRange getDpsInitsMutable() { return getInitMutable(); }
    /// The output: the result on tensors, the init buffer on memrefs.
    ::mlir::Value getOut() {
      return getNumResults() ? getResult(0) : getInit();
    }
  }];
}

def Retention_MultiScaleOp : Retention_Op<"multi_scale", [
    DeclareOpInterfaceMethods<MemoryEffectsOpInterface>,
    DeclareOpInterfaceMethods<BufferizableOpInterface,
        ["bufferizesToMemoryRead", "bufferizesToMemoryWrite",
         "getAliasingValues", "bufferize"]>,
    DestinationStyleOpInterface,
    DeclareOpInterfaceMethods<TilingInterface,
        ["getIterationDomain", "getLoopIteratorTypes",
         "getTiledImplementation", "getResultTilePosition",
         "getIterationDomainTileFromResultTile",
         "generateResultTileValue"]>,
    DeclareOpInterfaceMethods<AggregatedOpInterface, ["decomposeOperation"]>]> {
  let summary = "the multi-scale retention layer (torchscale's, or fla's by attributes)";
  let description = [{
    `x : [B, T, d]` (the normed residual stream; f32, f16 or bf16, the
    weights and the output of the same type, every product accumulated in
    f32 and rounded once), weights stored `[in, out]`:
    `wq, wk : [d, Dk]`, `wv, wg : [d, Dv]`, `wo : [Dv, d]`; `positions :
    [B, T]` (i64, absolute), `state : [B, H, dk, dv]` (f32) with H =
    |gamma|, dk = Dk/H, dv = Dv/H. Results: `out : [B, T, d]` and the final
    state. With `rotate` and `group_norm` as defined by those ops:

    ```
    q = rotate(x wq, positions);  k = rotate(x wk, positions, scale = dk^−0.5)
    v = heads(x wv);              g = x wg
    y, final_state = retention(q, k, v, state)   (scale 1; the form below)
    out = group_norm(y, g, positions) wo
    ```

    The variants of trained checkpoints are attributes passed to the ops
    they change: `rotary` to both rotations (default interleaved, torchscale;
    `half` for flash-linear-attention) and `row_divisor` to the group norm
    (default true; false for flash-linear-attention). fla's learned
    group-norm weight, shared by the heads, is folded into `wo`'s rows by
    whoever packs the weights (`norm(y) ⊙ w` then `wo` equals `norm(y)` then
    `diag(w) wo`).

    Destination-passing style: `out` and the final state are written into
    the two inits of `outs`. `form` picks the core op the layer decomposes
    into:
    `#retention<form chunkwise>` (with `chunk_size`, default 64; a chunk at
    least T long is the parallel form plus the state update) or
    `#retention<form recurrent>` (which takes no `chunk_size`).

    Tiling (`TilingInterface`): parallel over the batch (a sequence's
    tokens depend on each other through the state); a tile takes its
    sequences' rows, positions and states and the whole weights.

    ```mlir
    %o, %s1 = retention.multi_scale %x, %wq, %wk, %wv, %wg, %wo, %pos, %s0 outs(%oi, %si)
        {chunk_size = 64 : i64, epsilon = 1.0e-6 : f64, form = #retention<form chunkwise>,
         gamma = array<f64: 0.96875, 0.984375>}
        : (tensor<1x?x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x96xf32>,
           tensor<64x96xf32>, tensor<96x64xf32>, tensor<1x?xi64>, tensor<1x2x32x48xf32>,
           tensor<1x?x64xf32>, tensor<1x2x32x48xf32>)
        -> (tensor<1x?x64xf32>, tensor<1x2x32x48xf32>)
    ```
  }];
  let arguments = (ins Retention_LayerTensor:$x, Retention_LayerTensor:$wq,
                       Retention_LayerTensor:$wk, Retention_LayerTensor:$wv,
                       Retention_LayerTensor:$wg, Retention_LayerTensor:$wo,
                       Retention_PositionTensor:$positions,
                       Retention_State:$state,
                       Retention_LayerTensor:$out_init,
                       Retention_State:$state_init,
                       DenseF64ArrayAttr:$gamma, F64Attr:$epsilon,
                       Retention_LayerFormAttr:$form,
                       OptionalAttr<ConfinedAttr<I64Attr, [IntPositive]>>:$chunk_size,
                       DefaultValuedAttr<Retention_RotaryAttr,
                           "::mlir::retention::Rotary::Interleaved">:$rotary,
                       DefaultValuedAttr<BoolAttr, "true">:$row_divisor);
  let results = (outs Variadic<AnyRankedTensor>:$results);
  let assemblyFormat = [{
    $x `,` $wq `,` $wk `,` $wv `,` $wg `,` $wo `,` $positions `,` $state
    `outs` `(` $out_init `,` $state_init `)` attr-dict `:`
    functional-type(operands, results)
  }];
  let extraClassDeclaration = [{
    ::mlir::MutableOperandRange getDpsInitsMutable() {
      return ::mlir::MutableOperandRange(getOperation(),
                                         getOutInitMutable().getOperandNumber(),
                                         2);
    }
    /// The output and the final state: results on tensors, the init
    /// buffers on memrefs.
    ::mlir::Value getOut() {
      return getNumResults() ? getResult(0) : getOutInit();
    }
    ::mlir::Value getFinalState() {
      return getNumResults() ? getResult(1) : getStateInit();
    }
  }];
  let hasVerifier = 1;
}

#endif // RETENTION_DIALECT_RETENTION_IR_RETENTIONOPS_TD
