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
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "retention/Dialect/Retention/IR/RetentionDialect.h"

#include "retention/Dialect/Retention/IR/RetentionInterfaces.h.inc"

#define GET_OP_CLASSES
#include "retention/Dialect/Retention/IR/RetentionOps.h.inc"

#endif // RETENTION_DIALECT_RETENTION_IR_RETENTIONOPS_H
