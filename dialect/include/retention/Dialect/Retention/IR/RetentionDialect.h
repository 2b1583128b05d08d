//===- RetentionDialect.h - retention dialect declaration -------*- C++ -*-===//
//
// Declares the `retention` dialect class.
//
//===----------------------------------------------------------------------===//

#ifndef RETENTION_DIALECT_RETENTION_IR_RETENTIONDIALECT_H
#define RETENTION_DIALECT_RETENTION_IR_RETENTIONDIALECT_H

#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Dialect.h"

#include "retention/Dialect/Retention/IR/RetentionOpsDialect.h.inc"

#endif // RETENTION_DIALECT_RETENTION_IR_RETENTIONDIALECT_H
