//===- RetentionInterfaces.td - retention op interfaces ----*- tablegen -*-===//
//
// One interface over the three forms, so that passes handle them uniformly.
//
//===----------------------------------------------------------------------===//

#ifndef RETENTION_DIALECT_RETENTION_IR_RETENTIONINTERFACES_TD
#define RETENTION_DIALECT_RETENTION_IR_RETENTIONINTERFACES_TD

include "mlir/IR/OpBase.td"

def Retention_FormOpInterface : OpInterface<"RetentionFormOpInterface"> {
  let cppNamespace = "::mlir::retention";
  let description = [{
    An op that computes core retention in one of its forms: operands q, k, v,
    an optional initial state and an optional head offset (into `gamma`);
    inits (destination-passing style) for o and, for the chunkwise and
    recurrent forms, the final state; on tensors one result per init.
  }];
  let methods = [
    InterfaceMethod<"Queries [B, H, T, dk].", "::mlir::Value", "getQ">,
    InterfaceMethod<"Keys [B, H, T, dk].", "::mlir::Value", "getK">,
    InterfaceMethod<"Values [B, H, T, dv].", "::mlir::Value", "getV">,
    InterfaceMethod<"Initial state [B, H, dk, dv], or null.", "::mlir::Value",
                    "getState">,
    InterfaceMethod<"The first head's index into gamma, or null (0).",
                    "::mlir::Value", "getHeadOffset">,
    InterfaceMethod<"Output [B, H, T, dv] (null on memrefs).", "::mlir::Value",
                    "getO">,
    InterfaceMethod<"The output's init [B, H, T, dv].", "::mlir::Value",
                    "getOInit">,
    InterfaceMethod<"The final state's init [B, H, dk, dv], or null.",
                    "::mlir::Value", "getFinalStateInit">,
    InterfaceMethod<"One decay per head.", "::llvm::ArrayRef<double>",
                    "getGamma">,
    InterfaceMethod<"Output scale.", "::llvm::APFloat", "getScale">,
    InterfaceMethod<"Final state [B, H, dk, dv], or null (the parallel form, memrefs).",
                    "::mlir::Value", "getFinalStateOrNull", (ins), [{}], [{
      return $_op->getNumResults() > 1 ? $_op->getResult(1) : ::mlir::Value();
    }]>,
  ];
}

#endif // RETENTION_DIALECT_RETENTION_IR_RETENTIONINTERFACES_TD
