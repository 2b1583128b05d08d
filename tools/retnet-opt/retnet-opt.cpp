//===- retnet-opt.cpp - the retention compiler's opt driver ---------------===//
//
// mlir-opt with the retention dialect and its passes added to every upstream
// dialect, extension and pass.
//
//===----------------------------------------------------------------------===//

#include "mlir/IR/DialectRegistry.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "retention/Conversion/Passes.h"
#include "retention/Dialect/Retention/IR/RetentionDialect.h"
#include "retention/Dialect/Retention/Transforms/Passes.h"
#include "retention/Pipelines/Pipelines.h"

int main(int argc, char **argv) {
  mlir::registerAllPasses();
  mlir::retention::registerRetentionPasses();
  mlir::retention::registerRetentionConversionPasses();
  mlir::retention::registerRetentionPipelines();

  mlir::DialectRegistry registry;
  mlir::registerAllDialects(registry);
  mlir::registerAllExtensions(registry);
  // gpu-module-to-binary translates device code to LLVM IR in process.
  mlir::registerAllToLLVMIRTranslations(registry);
  registry.insert<mlir::retention::RetentionDialect>();

  return mlir::asMainReturnCode(mlir::MlirOptMain(
      argc, argv, "RetNet retention compiler: optimizer driver\n", registry));
}
