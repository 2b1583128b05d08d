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

#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

#include "retention/Dialect/Retention/IR/RetentionOpsDialect.cpp.inc"

#include "retention/Dialect/Retention/IR/RetentionEnums.cpp.inc"

#define GET_ATTRDEF_CLASSES
#include "retention/Dialect/Retention/IR/RetentionAttrs.cpp.inc"

void RetentionDialect::initialize() {
  addAttributes<
#define GET_ATTRDEF_LIST
#include "retention/Dialect/Retention/IR/RetentionAttrs.cpp.inc"
      >();
  addOperations<
#define GET_OP_LIST
#include "retention/Dialect/Retention/IR/RetentionOps.cpp.inc"
      >();
}
