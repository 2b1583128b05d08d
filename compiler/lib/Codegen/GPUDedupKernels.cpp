//===- GPUDedupKernels.cpp - merge identical outlined kernels -------------===//
//
// Outlining gives every launch site a gpu.module of its own, so a kernel
// that each entry point launches (projections, norms) is compiled once per
// site. This keeps one gpu.module per distinct kernel and points the
// launches at it.
//
//===----------------------------------------------------------------------===//

#include "retention/Conversion/Passes.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/SymbolTable.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/xxhash.h"

namespace mlir::retention {
#define GEN_PASS_DEF_RETENTIONGPUDEDUPKERNELSPASS
#include "retention/Conversion/Passes.h.inc"
} // namespace mlir::retention

using namespace mlir;

namespace {

/// The symbols a gpu.module defines directly (its kernels, device globals),
/// in order.
SmallVector<Operation *> symbolsOf(gpu::GPUModuleOp module) {
  SmallVector<Operation *> symbols;
  for (Operation &op : module.getBody()->getOperations())
    if (isa<SymbolOpInterface>(op))
      symbols.push_back(&op);
  return symbols;
}

/// The module in the generic form with its own name and every symbol it
/// defines renamed by position: equal text means the same kernel code.
/// Declarations keep their names (an external function is known by it).
std::string canonicalText(gpu::GPUModuleOp module) {
  OwningOpRef<gpu::GPUModuleOp> copy(
      cast<gpu::GPUModuleOp>(module->clone()));
  MLIRContext *ctx = module.getContext();
  for (auto [i, symbol] : llvm::enumerate(symbolsOf(*copy))) {
    if (cast<SymbolOpInterface>(symbol).isDeclaration())
      continue;
    auto name = StringAttr::get(ctx, "s" + llvm::Twine(i));
    // Renames the references inside the module too (a kernel reading a
    // device global by name).
    if (failed(SymbolTable::replaceAllSymbolUses(symbol, name, *copy)))
      return std::string();
    SymbolTable::setSymbolName(symbol, name);
  }
  SymbolTable::setSymbolName(*copy, StringAttr::get(ctx, "m"));
  std::string text;
  llvm::raw_string_ostream os(text);
  copy->print(os, OpPrintingFlags().printGenericOpForm());
  return text;
}

struct GPUDedupKernelsPass
    : mlir::retention::impl::RetentionGPUDedupKernelsPassBase<
          GPUDedupKernelsPass> {
  void runOnOperation() override {
    ModuleOp top = getOperation();

    // Modules that something other than a launch refers to keep their
    // identity (renaming such a use is not this pass's business).
    llvm::StringSet<> pinned;
    if (std::optional<SymbolTable::UseRange> uses =
            SymbolTable::getSymbolUses(&top.getBodyRegion())) {
      for (const SymbolTable::SymbolUse &use : *uses)
        if (!isa<gpu::LaunchFuncOp>(use.getUser()))
          pinned.insert(use.getSymbolRef().getRootReference().getValue());
    } else {
      return; // an unknown op may hold symbol references: merge nothing
    }

    // Distinct kernels by the hash of their text; equal hashes compare the
    // text itself.
    struct Kept {
      gpu::GPUModuleOp module;
      std::string text;
    };
    llvm::DenseMap<uint64_t, SmallVector<Kept, 1>> kept;
    DenseMap<Attribute, SymbolRefAttr> redirect;
    SmallVector<gpu::GPUModuleOp> merged;
    for (auto module : top.getOps<gpu::GPUModuleOp>()) {
      std::string text = canonicalText(module);
      if (text.empty() || pinned.contains(module.getName()))
        continue;
      SmallVector<Kept, 1> &bucket = kept[llvm::xxh3_64bits(text)];
      auto same = llvm::find_if(
          bucket, [&](const Kept &k) { return k.text == text; });
      if (same == bucket.end()) {
        bucket.push_back({module, std::move(text)});
        continue;
      }
      // Same text, so the symbols correspond by position.
      for (auto [from, to] :
           llvm::zip_equal(symbolsOf(module), symbolsOf(same->module))) {
        auto nested = [](gpu::GPUModuleOp m, Operation *symbol) {
          return SymbolRefAttr::get(
              m.getNameAttr(),
              {FlatSymbolRefAttr::get(SymbolTable::getSymbolName(symbol))});
        };
        redirect[nested(module, from)] = nested(same->module, to);
      }
      merged.push_back(module);
    }

    top.walk([&](gpu::LaunchFuncOp launch) {
      if (SymbolRefAttr to = redirect.lookup(launch.getKernelAttr()))
        launch.setKernelAttr(to);
    });
    for (gpu::GPUModuleOp module : merged)
      module.erase();
  }
};

} // namespace
