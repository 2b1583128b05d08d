//===- RetentionBase.td - retention dialect definition -----*- tablegen -*-===//
//
// The `retention` dialect: RetNet's retention operator (arXiv 2307.08621) in
// its three equivalent computation forms.
//
//===----------------------------------------------------------------------===//

#ifndef RETENTION_DIALECT_RETENTION_IR_RETENTIONBASE_TD
#define RETENTION_DIALECT_RETENTION_IR_RETENTIONBASE_TD

include "mlir/IR/OpBase.td"

def Retention_Dialect : Dialect {
  let name = "retention";
  let cppNamespace = "::mlir::retention";
  let summary = "RetNet retention in its parallel, recurrent and chunkwise forms";
  let description = [{
    Retention replaces attention in RetNet. Per (batch, head), with a decay
    `gamma` in (0, 1] per head:

    ```
    S_t = gamma * S_{t-1} + k_t^T v_t        (S_{-1} = S_in, zero when absent)
    o_t = scale * q_t S_t
    ```

    equivalently `o_t = scale * (sum_{s<=t} gamma^(t-s) (q_t . k_s) v_s
    + gamma^(t+1) q_t S_in)`. The three ops state the same function computed
    three ways; which way is a compiler decision (`retention-select-form`).
    Inputs `q`, `k`, `v` are f32, f16 or bf16 tensors; the state is f32.
  }];
  let dependentDialects = ["::mlir::tensor::TensorDialect"];
}

class Retention_Op<string mnemonic, list<Trait> traits = []>
    : Op<Retention_Dialect, mnemonic, traits>;

#endif // RETENTION_DIALECT_RETENTION_IR_RETENTIONBASE_TD
