//===- Passes.h - retention conversion passes -------------------*- C++ -*-===//
//
// Declarations and registration of the conversion passes.
//
//===----------------------------------------------------------------------===//

#ifndef RETENTION_CONVERSION_PASSES_H
#define RETENTION_CONVERSION_PASSES_H

#include "retention/Conversion/RetentionToLinalg/RetentionToLinalg.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"

namespace mlir::retention {

#define GEN_PASS_DECL_RETENTIONCPUAPPROXIMATEMATHPASS
#define GEN_PASS_DECL_RETENTIONCPUBLOCKROWSPASS
#define GEN_PASS_DECL_RETENTIONCPUSERIALLOOPSPASS
#define GEN_PASS_DECL_RETENTIONCPULOWERSTRIDEDCOPIESPASS
#define GEN_PASS_DECL_RETENTIONCPUVECTORIZEPASS
#define GEN_PASS_DECL_RETENTIONGPUCHUNKWISEMMAPASS
#define GEN_PASS_DECL_RETENTIONGPUDECODEKERNELPASS
#define GEN_PASS_DECL_RETENTIONGPUEMULATEONHOSTPASS
#define GEN_PASS_DECL_RETENTIONGPUEXPANDMMAPASS
#define GEN_PASS_DECL_RETENTIONGPUFUSEELEMENTWISEPASS
#define GEN_PASS_DECL_RETENTIONGPULOWERLINALGPASS
#define GEN_PASS_DECL_RETENTIONGPUMAPPARALLELLOOPSPASS
#define GEN_PASS_DECL_RETENTIONGPUPLACEBUFFERSPASS
#define GEN_PASS_DECL_RETENTIONGPUMATMULPASS
#define GEN_PASS_DECL_RETENTIONGPUSTAGESHAREDPASS
#include "retention/Conversion/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "retention/Conversion/Passes.h.inc"

} // namespace mlir::retention

#endif // RETENTION_CONVERSION_PASSES_H
