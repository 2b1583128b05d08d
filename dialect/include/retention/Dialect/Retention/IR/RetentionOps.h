//===- RetentionOps.h - retention dialect operations ------------*- C++ -*-===//
//
// Declares the core retention ops (parallel, recurrent, chunkwise).
//
//===----------------------------------------------------------------------===//

#ifndef RETENTION_DIALECT_RETENTION_IR_RETENTIONOPS_H
#define RETENTION_DIALECT_RETENTION_IR_RETENTIONOPS_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/Dialect/Bufferization/IR/BufferizableOpInterface.h"
#include "mlir/Dialect/Linalg/IR/LinalgInterfaces.h"
#include "mlir/Interfaces/DestinationStyleOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Interfaces/TilingInterface.h"
#include "retention/Dialect/Retention/IR/RetentionDialect.h"

#include "retention/Dialect/Retention/IR/RetentionEnums.h.inc"

#define GET_ATTRDEF_CLASSES
#include "retention/Dialect/Retention/IR/RetentionAttrs.h.inc"

#include "retention/Dialect/Retention/IR/RetentionInterfaces.h.inc"

#define GET_OP_CLASSES
#include "retention/Dialect/Retention/IR/RetentionOps.h.inc"

namespace mlir::retention {
/// Empty tensors for a form op's inits: o [B, H, T, dv] in q's element type
/// and, when `stateful`, the final state [B, H, dk, dv] in f32, sized like
/// q and v.
SmallVector<Value> createFormInits(OpBuilder &b, Location loc, Value q,
                                   Value v, bool stateful);

/// The decomposition of a form op on tensors into linalg/scf/tensor ops
/// (linalg::AggregatedOpInterface): the values that replace its results,
/// built before it. An op of one batch row and one head decomposes in
/// place; a larger one inside an scf.forall over its (batch, head) pairs.
/// Fails on memrefs.
FailureOr<SmallVector<Value>> decomposeForm(RetentionFormOpInterface op,
                                            OpBuilder &b);
} // namespace mlir::retention

#endif // RETENTION_DIALECT_RETENTION_IR_RETENTIONOPS_H
