//===- RetentionBase.td - retention dialect definition -----*- tablegen -*-===//
//
// The `retention` dialect: RetNet's retention operator (arXiv 2307.08621) in
// its three equivalent computation forms.
//
//===----------------------------------------------------------------------===//

#ifndef RETENTION_DIALECT_RETENTION_IR_RETENTIONBASE_TD
#define RETENTION_DIALECT_RETENTION_IR_RETENTIONBASE_TD

include "mlir/IR/OpBase.td"
include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/EnumAttr.td"

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
  let useDefaultAttributePrinterParser = 1;
  let dependentDialects = ["::mlir::tensor::TensorDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::affine::AffineDialect",
                           "::mlir::linalg::LinalgDialect",
                           "::mlir::math::MathDialect",
                           "::mlir::scf::SCFDialect"];
}

// The core form a retention.multi_scale layer decomposes into.
def Retention_LayerForm : I32EnumAttr<"LayerForm",
    "the core form of a retention.multi_scale layer", [
      I32EnumAttrCase<"Chunkwise", 0, "chunkwise">,
      I32EnumAttrCase<"Recurrent", 1, "recurrent">]> {
  let cppNamespace = "::mlir::retention";
  let genSpecializedAttr = 0;
}
def Retention_LayerFormAttr
    : EnumAttr<Retention_Dialect, Retention_LayerForm, "form">;

// How retention.rotate pairs a head's dims, and its frequencies.
def Retention_Rotary : I32EnumAttr<"Rotary",
    "the pairing and frequencies of retention.rotate", [
      I32EnumAttrCase<"Interleaved", 0, "interleaved">,
      I32EnumAttrCase<"Half", 1, "half">]> {
  let cppNamespace = "::mlir::retention";
  let genSpecializedAttr = 0;
}
def Retention_RotaryAttr
    : EnumAttr<Retention_Dialect, Retention_Rotary, "rotary">;

class Retention_Op<string mnemonic, list<Trait> traits = []>
    : Op<Retention_Dialect, mnemonic, traits>;

#endif // RETENTION_DIALECT_RETENTION_IR_RETENTIONBASE_TD
