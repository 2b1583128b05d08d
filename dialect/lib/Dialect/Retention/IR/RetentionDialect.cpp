//===- RetentionDialect.cpp - retention dialect registration
//---------------===//
//
// Registers the retention ops with the dialect.
//
//===----------------------------------------------------------------------===//

#include "retention/Dialect/Retention/IR/RetentionDialect.h"
#include "retention/Dialect/Retention/IR/RetentionOps.h"

using namespace mlir;
using namespace mlir::retention;

#include "retention/Dialect/Retention/IR/RetentionOpsDialect.cpp.inc"

void RetentionDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "retention/Dialect/Retention/IR/RetentionOps.cpp.inc"
      >();
}
