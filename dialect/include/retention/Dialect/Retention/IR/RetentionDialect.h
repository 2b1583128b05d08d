//===- RetentionDialect.h - retention dialect declaration -------*- C++ -*-===//
//
// Declares the `retention` dialect class.
//
//===----------------------------------------------------------------------===//

#ifndef RETENTION_DIALECT_RETENTION_IR_RETENTIONDIALECT_H
#define RETENTION_DIALECT_RETENTION_IR_RETENTIONDIALECT_H

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Dialect.h"

#include "retention/Dialect/Retention/IR/RetentionOpsDialect.h.inc"

#endif // RETENTION_DIALECT_RETENTION_IR_RETENTIONDIALECT_H
