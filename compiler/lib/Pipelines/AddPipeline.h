//===- AddPipeline.h - append a textual stage to a pass manager -*- C++ -*-===//
//
// The pipelines spell their stages as textual pass pipelines, so that each
// reads like the command line that reproduces it; this parses one into `pm`.
//
//===----------------------------------------------------------------------===//

#ifndef RETENTION_LIB_PIPELINES_ADDPIPELINE_H
#define RETENTION_LIB_PIPELINES_ADDPIPELINE_H

#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "llvm/Support/ErrorHandling.h"
#include "llvm/Support/raw_ostream.h"

#include <string>

namespace mlir::retention::detail {

/// Appends `stage` to `pm`; a stage that does not parse (a bad option value
/// reaching it) ends the process with one line naming `pipeline`.
inline void addPipeline(OpPassManager &pm, llvm::StringRef pipeline,
                        const std::string &stage) {
  std::string errors;
  llvm::raw_string_ostream os(errors);
  if (failed(parsePassPipeline(stage, pm, os)))
    llvm::report_fatal_error(llvm::Twine(pipeline) + ": cannot build stage '" +
                                 stage + "': " + errors,
                             /*gen_crash_diag=*/false);
}

} // namespace mlir::retention::detail

#endif // RETENTION_LIB_PIPELINES_ADDPIPELINE_H
