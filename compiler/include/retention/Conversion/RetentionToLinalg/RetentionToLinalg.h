//===- RetentionToLinalg.h - retention → linalg/scf/tensor ------*- C++ -*-===//
//
// Decomposition of the retention ops into tiled target-neutral IR.
//
//===----------------------------------------------------------------------===//

#ifndef RETENTION_CONVERSION_RETENTIONTOLINALG_RETENTIONTOLINALG_H
#define RETENTION_CONVERSION_RETENTIONTOLINALG_RETENTIONTOLINALG_H

#include "mlir/Pass/Pass.h"

namespace mlir {
class RewritePatternSet;
namespace retention {

#define GEN_PASS_DECL_CONVERTRETENTIONTOLINALGPASS
#include "retention/Conversion/Passes.h.inc"

/// Patterns that rewrite each retention op into an scf.forall over (batch,
/// head, dv tile) of linalg/scf ops on tensors. `dvTile` = 0 keeps dv whole.
void populateRetentionToLinalgConversionPatterns(RewritePatternSet &patterns,
                                                 int64_t dvTile = 0);

} // namespace retention
} // namespace mlir

#endif // RETENTION_CONVERSION_RETENTIONTOLINALG_RETENTIONTOLINALG_H
