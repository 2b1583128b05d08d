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
    An op that computes core retention in one of its forms: operands q, k, v
    and an optional initial state; result o and, for the chunkwise and
    recurrent forms, the final state.
  }];
  let methods = [
    InterfaceMethod<"Queries [B, H, T, dk].", "::mlir::Value", "getQ">,
    InterfaceMethod<"Keys [B, H, T, dk].", "::mlir::Value", "getK">,
    InterfaceMethod<"Values [B, H, T, dv].", "::mlir::Value", "getV">,
    InterfaceMethod<"Initial state [B, H, dk, dv], or null.", "::mlir::Value",
                    "getState">,
    InterfaceMethod<"Output [B, H, T, dv].", "::mlir::Value", "getO">,
    InterfaceMethod<"One decay per head.", "::llvm::ArrayRef<double>",
                    "getGamma">,
    InterfaceMethod<"Output scale.", "::llvm::APFloat", "getScale">,
    InterfaceMethod<"Final state [B, H, dk, dv], or null for the parallel form.",
                    "::mlir::Value", "getFinalStateOrNull", (ins), [{}], [{
      return $_op->getNumResults() > 1 ? $_op->getResult(1) : ::mlir::Value();
    }]>,
  ];
}

#endif // RETENTION_DIALECT_RETENTION_IR_RETENTIONINTERFACES_TD
