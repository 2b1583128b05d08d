//===- RetentionOps.td - retention dialect operations ------*- tablegen -*-===//
//
// The core retention ops: parallel, recurrent and chunkwise forms.
//
//===----------------------------------------------------------------------===//

#ifndef RETENTION_DIALECT_RETENTION_IR_RETENTIONOPS_TD
#define RETENTION_DIALECT_RETENTION_IR_RETENTIONOPS_TD

include "retention/Dialect/Retention/IR/RetentionBase.td"
include "retention/Dialect/Retention/IR/RetentionInterfaces.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/IR/CommonAttrConstraints.td"
include "mlir/IR/CommonTypeConstraints.td"

// Element types are constrained here; ranks and dimensions are checked by the
// C++ verifier, which can name the operand and the dimension that disagree.
def Retention_InputTensor : RankedTensorOf<[F32, F16, BF16]>;
def Retention_StateTensor : RankedTensorOf<[F32]>;

// Arguments shared by the three forms.
defvar Retention_CommonArgs = (ins
  Retention_InputTensor:$q,
  Retention_InputTensor:$k,
  Retention_InputTensor:$v,
  Optional<Retention_StateTensor>:$state,
  DenseF64ArrayAttr:$gamma,
  DefaultValuedAttr<F64Attr, "1.0">:$scale
);

class Retention_FormOp<string mnemonic, list<Trait> traits = []>
    : Retention_Op<mnemonic, !listconcat(traits, [Pure, Retention_FormOpInterface])> {
  let assemblyFormat = [{
    $q `,` $k `,` $v (`,` $state^)? attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;

  code commonExtraClassDeclaration = [{
    /// Number of heads H, or ShapedType::kDynamic.
    int64_t getNumHeads() { return getQ().getType().getDimSize(1); }
    /// Element type shared by q, k, v and the output.
    ::mlir::Type getInputElementType() {
      return getQ().getType().getElementType();
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
    state `state : [B, H, dk, dv]` (f32, zero when absent) and the result
    `o : [B, H, T, dv]` in the input element type. `gamma` holds one decay per
    head, each in (0, 1]; `scale` defaults to 1.0. O(T^2) work; best for short
    sequences. Accumulation is in f32 whatever the input type.

    Example:

    ```mlir
    %o = retention.parallel %q, %k, %v {gamma = array<f64: 0.96875, 0.984375>}
        : (tensor<1x2x64x32xf32>, tensor<1x2x64x32xf32>, tensor<1x2x64x16xf32>)
        -> tensor<1x2x64x16xf32>
    ```
  }];
  let arguments = Retention_CommonArgs;
  let results = (outs Retention_InputTensor:$o);
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

    Shapes as for `retention.parallel`; `final_state : [B, H, dk, dv]` is f32.
    O(1) work and memory per token: the decoding form (usually T = 1).

    Example:

    ```mlir
    %o, %s1 = retention.recurrent %q, %k, %v, %s0
        {gamma = array<f64: 0.96875>, scale = 0.5 : f64}
        : (tensor<8x1x1x64xbf16>, tensor<8x1x1x64xbf16>, tensor<8x1x1x128xbf16>,
           tensor<8x1x64x128xf32>)
        -> (tensor<8x1x1x128xbf16>, tensor<8x1x64x128xf32>)
    ```
  }];
  let arguments = Retention_CommonArgs;
  let results = (outs Retention_InputTensor:$o,
                      Retention_StateTensor:$final_state);
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

    (for a last chunk of n < C tokens, C is replaced by n). Shapes as for
    `retention.recurrent`. Linear cost in T and parallel inside chunks: the
    prefill form for long prompts.

    Example:

    ```mlir
    %o, %s1 = retention.chunkwise %q, %k, %v
        {chunk_size = 64 : i64, gamma = array<f64: 0.96875, 0.984375>}
        : (tensor<1x2x?x32xf16>, tensor<1x2x?x32xf16>, tensor<1x2x?x16xf16>)
        -> (tensor<1x2x?x16xf16>, tensor<1x2x32x16xf32>)
    ```
  }];
  let arguments = !con(Retention_CommonArgs,
                       (ins ConfinedAttr<I64Attr, [IntPositive]>:$chunk_size));
  let results = (outs Retention_InputTensor:$o,
                      Retention_StateTensor:$final_state);
}

#endif // RETENTION_DIALECT_RETENTION_IR_RETENTIONOPS_TD
