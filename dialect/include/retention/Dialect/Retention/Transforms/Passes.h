//===- Passes.h - retention dialect passes ----------------------*- C++ -*-===//
//
// Declarations and registration of the retention dialect's passes.
//
//===----------------------------------------------------------------------===//

#ifndef RETENTION_DIALECT_RETENTION_TRANSFORMS_PASSES_H
#define RETENTION_DIALECT_RETENTION_TRANSFORMS_PASSES_H

#include "mlir/Pass/Pass.h"

namespace mlir::retention {

#define GEN_PASS_DECL
#define GEN_PASS_REGISTRATION
#include "retention/Dialect/Retention/Transforms/Passes.h.inc"

} // namespace mlir::retention

#endif // RETENTION_DIALECT_RETENTION_TRANSFORMS_PASSES_H
