//===- retnet-compile.cpp - a RetNet model directory → shared library -----===//
//
//   retnet-compile MODEL_DIR -o OUT [--target cpu|cuda] [--chip SM]
//                  [--emit mlir|llvm|ptx|lib] [--chunk-size N]
//                  [--parallel-limit N] [--threads]
//
// Imports the model (compiler/Import), lowers it with the CPU pipeline (or,
// for cuda, the NVVM pipeline: kernels → PTX → cubin by ptxas, embedded in
// the host code), translates to LLVM IR, optimizes and emits an object for
// the host CPU in process, and links it into one shared library with the
// system C compiler driver. A CUDA artifact calls the mgpu* functions that
// libretnet_cuda_runtime provides (the runtime loads it first). OUT is written
// through a temporary file and renamed, so a failed run leaves no partial
// artifact.
//
//===----------------------------------------------------------------------===//

#include "retention/Conversion/Passes.h"
#include "retention/Dialect/Retention/Transforms/Passes.h"
#include "retention/Import/ModelImport.h"
#include "retention/Pipelines/Pipelines.h"
#include "retnet/Error.h"
#include "retnet/ModelConfig.h"
#include "retnet/Safetensors.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"
#include "mlir/Target/LLVMIR/Export.h"

#include "llvm/Config/llvm-config.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/Target/TargetOptions.h"
#include "llvm/TargetParser/Host.h"

#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <unistd.h>

namespace {

struct Options {
  std::string modelDir, output, target = "cpu", emit = "lib", chip = "sm_90a";
  std::string gpuBinary = "cubin", dtype; // empty: the target's default
  std::string weights; // empty, or "int8"
  int64_t chunkSize = 0, parallelLimit = 8192;
  bool threads = false, quiet = false;
  bool bf16Dot = true; // --no-bf16-dot clears it
};

const char *kUsage =
    "usage: retnet-compile MODEL_DIR -o OUT [options]\n"
    "\n"
    "Compiles the RetNet model in MODEL_DIR (its config.json; weights are\n"
    "not compiled in) into one shared library with the entry points that\n"
    "retnet-run and the C API load.\n"
    "\n"
    "options:\n"
    "  -o FILE               output file (required)\n"
    "  --target cpu|cuda     code for the host CPU (default) or an NVIDIA\n"
    "                        GPU (kernels as cubins inside the library;\n"
    "                        needs ptxas from the CUDA toolkit)\n"
    "  --chip SM             GPU of --target cuda (default sm_90a)\n"
    "  --gpu-binary cubin|ptx\n"
    "                        how the kernels are embedded (cuda): cubins by\n"
    "                        ptxas (default), or PTX text that the driver\n"
    "                        compiles at load time (what the PTX simulator,\n"
    "                        build/sim/libcuda.so.1, executes)\n"
    "  --emit mlir|llvm|ptx|lib\n"
    "                        imported model MLIR, host LLVM IR, the GPU\n"
    "                        kernels' PTX (cuda), or the shared library\n"
    "                        (default)\n"
    "  --dtype f32|bf16|f16  element type of the weights (the runtime\n"
    "                        converts the checkpoint at load) and of the\n"
    "                        activations that feed the projections; every\n"
    "                        product accumulates in f32, and the residual\n"
    "                        stream, state, norm statistics and logits are\n"
    "                        f32 (default: f32 for the cpu target; for cuda\n"
    "                        the checkpoint's 16-bit type, bf16 for an f32\n"
    "                        checkpoint)\n"
    "  --weights int8        weight-only int8 quantization (cpu target): the\n"
    "                        runtime quantizes every projection matrix and\n"
    "                        the output head at load, symmetric, one f32\n"
    "                        scale per output channel; activations and the\n"
    "                        embedding stay f32 (a quarter of f32's weight\n"
    "                        bytes per decoded token)\n"
    "  --chunk-size N        chunk of the chunkwise prefill (default: the\n"
    "                        config's recurrent_chunk_size)\n"
    "  --parallel-limit N    longest prompt the parallel prefill handles in\n"
    "                        one chunk (default 8192)\n"
    "  --threads             use every core of this machine: matmul columns\n"
    "                        and (batch, head) loops on OpenMP threads (the\n"
    "                        library then needs LLVM's libomp)\n"
    "  --no-bf16-dot         bf16 matmuls widen both operands to f32 and\n"
    "                        use FMAs even on a CPU with AVX512_BF16 (by\n"
    "                        default --dtype bf16 on such a CPU computes\n"
    "                        them with vdpbf16ps: two products per f32 lane)\n"
    "  -q, --quiet           no progress lines\n"
    "  --version             compiler version (part of the cache key)\n"
    "  -h, --help            this text\n";

/// Prints the error line (escaped once more as a whole: it holds no raw
/// bytes of the input, however the message was built) and exits.
[[noreturn]] void fail(const std::string &msg) {
  std::fprintf(stderr, "retnet-compile: error: %s\n",
               retnet::printable(msg, retnet::kMaxErrorLine).c_str());
  std::exit(1);
}

int64_t parseInt(const std::string &flag, const std::string &v) {
  char *end = nullptr;
  long long n = std::strtoll(v.c_str(), &end, 10);
  if (v.empty() || *end || n <= 0 || n > (1ll << 30))
    fail(flag + " expects a positive integer, got " + retnet::quote(v));
  return n;
}

Options parseArgs(int argc, char **argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc)
        fail("missing value after " + a);
      return argv[++i];
    };
    if (a == "--version") {
      std::printf("retnet-compile %s (LLVM %s)\n", RETNET_VERSION,
                  LLVM_VERSION_STRING);
      std::exit(0);
    } else if (a == "-h" || a == "--help") {
      std::fputs(kUsage, stdout);
      std::exit(0);
    } else if (a == "-o") {
      o.output = value();
    } else if (a == "--target") {
      o.target = value();
    } else if (a == "--chip") {
      o.chip = value();
    } else if (a == "--emit") {
      o.emit = value();
    } else if (a == "--gpu-binary") {
      o.gpuBinary = value();
    } else if (a == "--dtype") {
      o.dtype = value();
    } else if (a == "--weights") {
      o.weights = value();
    } else if (a == "--chunk-size") {
      o.chunkSize = parseInt(a, value());
    } else if (a == "--parallel-limit") {
      o.parallelLimit = parseInt(a, value());
    } else if (a == "--threads") {
      o.threads = true;
    } else if (a == "--no-bf16-dot") {
      o.bf16Dot = false;
    } else if (a == "-q" || a == "--quiet") {
      o.quiet = true;
    } else if (!a.empty() && a[0] == '-') {
      fail("unknown option " + retnet::quote(a) + " (see --help)");
    } else if (o.modelDir.empty()) {
      o.modelDir = a;
    } else {
      fail("more than one model directory given (" +
           retnet::quotePath(o.modelDir) + ", " + retnet::quotePath(a) + ")");
    }
  }
  if (o.modelDir.empty())
    fail("no model directory given (see --help)");
  if (o.output.empty())
    fail("no output file given (-o FILE)");
  if (o.target != "cpu" && o.target != "cuda")
    fail("unknown --target " + retnet::quote(o.target) +
         " (expected cpu or cuda)");
  if (o.emit != "mlir" && o.emit != "llvm" && o.emit != "ptx" &&
      o.emit != "lib")
    fail("unknown --emit " + retnet::quote(o.emit) +
         " (expected mlir, llvm, ptx or lib)");
  if (o.emit == "ptx" && o.target != "cuda")
    fail("--emit ptx needs --target cuda");
  if (!o.dtype.empty() && o.dtype != "f32" && o.dtype != "bf16" &&
      o.dtype != "f16")
    fail("unknown --dtype " + retnet::quote(o.dtype) +
         " (expected f32, bf16 or f16)");
  if (!o.weights.empty() && o.weights != "int8")
    fail("unknown --weights " + retnet::quote(o.weights) + " (expected int8)");
  if (!o.weights.empty() && o.target == "cuda")
    fail("--weights int8 is for --target cpu (the cuda target takes "
         "--dtype bf16|f16)");
  if (!o.weights.empty() && !o.dtype.empty() && o.dtype != "f32")
    fail("--weights int8 computes in f32; it takes no --dtype " +
         retnet::quote(o.dtype));
  if (o.gpuBinary != "cubin" && o.gpuBinary != "ptx")
    fail("unknown --gpu-binary " + retnet::quote(o.gpuBinary) +
         " (expected cubin or ptx)");
  if (o.target == "cuda" && o.threads)
    fail("--threads is for --target cpu");
  if (o.chip.rfind("sm_", 0) != 0 || o.chip.size() < 5 ||
      o.chip.find_first_not_of("0123456789", 3) < o.chip.size() - 1 ||
      !std::isdigit(static_cast<unsigned char>(o.chip[3])))
    fail("--chip expects an NVIDIA GPU name like sm_90a or sm_80, got " +
         retnet::quote(o.chip));
  return o;
}

class Progress {
public:
  explicit Progress(bool quiet) : quiet(quiet) {}
  void step(const std::string &what) {
    if (quiet)
      return;
    auto now = std::chrono::steady_clock::now();
    std::fprintf(stderr, "retnet-compile: [%6.2fs] %s\n",
                 std::chrono::duration<double>(now - start).count(),
                 retnet::printable(what, retnet::kMaxErrorLine).c_str());
  }

private:
  bool quiet;
  std::chrono::steady_clock::time_point start =
      std::chrono::steady_clock::now();
};

/// Writes `text` to `path` through a temporary file in the same directory.
void writeAtomically(const std::string &path, const std::string &tmp,
                     const std::string &what) {
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    fail("cannot write " + what + " to " + retnet::quotePath(path));
  }
}

std::string tempPath(const std::string &output) {
  return output + ".tmp." + std::to_string(getpid());
}

void writeText(const std::string &path, const std::string &text) {
  std::string tmp = tempPath(path);
  std::error_code ec;
  {
    llvm::raw_fd_ostream os(tmp, ec);
    if (ec)
      fail("cannot write " + retnet::quotePath(path) + ": " + ec.message());
    os << text;
    os.close();
    if (os.has_error()) {
      std::remove(tmp.c_str());
      fail("cannot write " + retnet::quotePath(path));
    }
  }
  writeAtomically(path, tmp, "the output");
}

} // namespace

/// Fails now, before the long part, when `path` cannot be written.
void checkWritable(const std::string &path) {
  std::string probe = tempPath(path);
  std::FILE *f = std::fopen(probe.c_str(), "wb");
  if (!f)
    fail("cannot write " + retnet::quotePath(path) + ": " +
         std::strerror(errno));
  std::fclose(f);
  std::remove(probe.c_str());
}

/// The GPU's default weight type: the checkpoint's 16-bit type (f16 when
/// every floating tensor is f16), else bf16 (f32 checkpoints too). Only
/// the header is read; a missing or broken checkpoint gives bf16 (the
/// weights are not compiled in: the runtime reports such a file).
std::string checkpointGpuDType(const std::string &modelDir) {
  try {
    retnet::SafetensorsFile file =
        retnet::SafetensorsFile::open(modelDir + "/model.safetensors");
    bool any = false, allF16 = true;
    for (const auto &[name, info] : file.tensors()) {
      if (info.dtype != retnet::DType::F16 &&
          info.dtype != retnet::DType::BF16 &&
          info.dtype != retnet::DType::F32 && info.dtype != retnet::DType::F64)
        continue;
      any = true;
      allF16 &= info.dtype == retnet::DType::F16;
    }
    return any && allF16 ? "f16" : "bf16";
  } catch (const retnet::Error &) {
    return "bf16";
  }
}

int main(int argc, char **argv) {
  Options o = parseArgs(argc, argv);
  checkWritable(o.output);
  Progress progress(o.quiet);

  retnet::ModelConfig config;
  try {
    config = retnet::ModelConfig::load(o.modelDir + "/config.json");
  } catch (const retnet::Error &e) {
    fail(e.what());
  }
  for (const std::string &k : config.unknownKeys)
    std::fprintf(stderr,
                 "retnet-compile: warning: %s/config.json: unknown "
                 "key %s ignored\n",
                 retnet::printablePath(o.modelDir).c_str(),
                 retnet::quote(k).c_str());
  if (o.dtype.empty())
    o.dtype = o.target == "cuda" ? checkpointGpuDType(o.modelDir) : "f32";

  // The pipelines are spelled as textual pass pipelines.
  mlir::registerAllPasses();
  mlir::retention::registerRetentionPasses();
  mlir::retention::registerRetentionConversionPasses();

  mlir::DialectRegistry registry;
  mlir::registerAllDialects(registry);
  mlir::registerAllExtensions(registry);
  mlir::registerAllToLLVMIRTranslations(registry);
  mlir::retention::registerModelImportDialects(registry);
  mlir::MLIRContext context(registry);
  context.disableMultithreading(); // only 1 module; keeps memory predictable

  progress.step("importing " + o.modelDir + " (" +
                std::to_string(config.layers) +
                " layers, d=" + std::to_string(config.embedDim) + ", vocab " +
                std::to_string(config.vocabSize) + ", " +
                (o.weights.empty() ? o.dtype : o.weights) + " weights)");
  mlir::retention::ModelImportOptions importOptions;
  importOptions.chunkSize = o.chunkSize;
  importOptions.parallelLimit = o.parallelLimit;
  bool cuda = o.target == "cuda";
  if (cuda)
    importOptions.target = retnet::ArtifactTarget::Cuda;
  importOptions.weightType = o.dtype == "bf16"  ? retnet::WeightDType::BF16
                             : o.dtype == "f16" ? retnet::WeightDType::F16
                                                : retnet::WeightDType::F32;
  if (o.weights == "int8")
    importOptions.weightType = retnet::WeightDType::Int8;
  mlir::OwningOpRef<mlir::ModuleOp> module =
      mlir::retention::importModel(&context, config, importOptions);
  if (!module)
    fail("the imported model does not verify (a compiler bug; please "
         "report it with the config.json)");
  if (o.emit == "mlir") {
    std::string text;
    llvm::raw_string_ostream os(text);
    module->print(os);
    writeText(o.output, text);
    progress.step("wrote " + o.output);
    return 0;
  }

  mlir::PassManager pm(&context);
  if (cuda) {
    progress.step(std::string("lowering to GPU kernels for ") + o.chip +
                  " and host code (NVVM pipeline; " +
                  (o.emit == "ptx" || o.gpuBinary == "ptx" ? "PTX"
                                                           : "cubins by ptxas") +
                  ")");
    mlir::retention::RetentionNVVMPipelineOptions pipeline;
    pipeline.chip = o.chip;
    pipeline.format = o.emit == "ptx" || o.gpuBinary == "ptx" ? "isa" : "bin";
    // The runtime gives the entry points device memory (weights, tokens,
    // states, logits) and copies tokens in and logits out itself; no buffer
    // of a model is managed memory.
    pipeline.deviceMemory = true;
    if (mlir::failed(mlir::retention::buildRetentionNVVMPipeline(
            pm, pipeline, [&](const llvm::Twine &m) { fail(m.str()); })))
      fail("cannot build the NVVM pipeline");
  } else {
    progress.step("lowering to the LLVM dialect (CPU pipeline)");
    mlir::retention::RetentionCPUPipelineOptions pipeline;
    pipeline.openmp = o.threads;
    pipeline.threads =
        o.threads ? int64_t(std::thread::hardware_concurrency()) : 0;
    // The artifact is built for this CPU (the target machine below takes
    // the host's features), so its AVX512_BF16 decides.
    llvm::StringMap<bool> host = llvm::sys::getHostCPUFeatures();
    pipeline.bf16Dot =
        o.bf16Dot && o.dtype == "bf16" && host.lookup("avx512bf16");
    // Register tiles for the host's vector width: AVX-512 or, on CPUs
    // without it (Zen 3, most desktop CPUs), AVX2's.
    pipeline.vectorBits = host.lookup("avx512f") ? 512 : 256;
    if (mlir::failed(mlir::retention::buildRetentionCPUPipeline(
            pm, pipeline, [&](const llvm::Twine &m) { fail(m.str()); })))
      fail("cannot build the CPU pipeline");
  }
  if (mlir::failed(pm.run(*module)))
    fail("lowering failed (see the diagnostics above)");
  if (o.emit == "ptx") {
    // Every kernel's PTX, in module order.
    std::string text;
    size_t kernels = 0;
    module->walk([&](mlir::gpu::BinaryOp binary) {
      for (mlir::Attribute a : binary.getObjects())
        if (auto object = llvm::dyn_cast<mlir::gpu::ObjectAttr>(a)) {
          text += "// ---- " + binary.getSymName().str() + "\n";
          text += object.getObject().getValue().str();
          ++kernels;
        }
    });
    writeText(o.output, text);
    progress.step("wrote " + o.output + " (" + std::to_string(kernels) +
                  " kernels)");
    return 0;
  }

  progress.step("translating to LLVM IR and optimizing (O3)");
  llvm::InitializeNativeTarget();
  llvm::InitializeNativeTargetAsmPrinter();
  llvm::LLVMContext llvmContext;
  std::unique_ptr<llvm::Module> llvmModule =
      mlir::translateModuleToLLVMIR(*module, llvmContext, "retnet_model");
  if (!llvmModule)
    fail("translation to LLVM IR failed");
  llvm::Triple triple(llvm::sys::getDefaultTargetTriple());
  std::string err;
  const llvm::Target *target = llvm::TargetRegistry::lookupTarget(triple, err);
  if (!target)
    fail("no LLVM target for " + triple.str() + ": " + err);
  // CPU code for this machine's CPU; a CUDA artifact's host code only
  // launches kernels, so it is built for any x86-64 (it is often compiled
  // on a machine other than the GPU machine).
  std::string features,
      cpu = cuda ? "x86-64" : llvm::sys::getHostCPUName().str();
  if (!cuda)
    for (const auto &f : llvm::sys::getHostCPUFeatures())
      features += (features.empty() ? "" : ",") +
                  std::string(f.second ? "+" : "-") + f.first().str();
  std::unique_ptr<llvm::TargetMachine> tm(target->createTargetMachine(
      triple, cpu, features, llvm::TargetOptions(), llvm::Reloc::PIC_,
      std::nullopt, llvm::CodeGenOptLevel::Aggressive));
  llvmModule->setDataLayout(tm->createDataLayout());
  llvmModule->setTargetTriple(triple);
  if (llvm::Error e =
          mlir::makeOptimizingTransformer(3, 0, tm.get())(llvmModule.get()))
    fail("LLVM optimization failed: " + llvm::toString(std::move(e)));
  if (o.emit == "llvm") {
    std::string text;
    llvm::raw_string_ostream os(text);
    llvmModule->print(os, nullptr);
    writeText(o.output, text);
    progress.step("wrote " + o.output);
    return 0;
  }

  progress.step("emitting object code for " + cpu);
  llvm::SmallString<128> objPath;
  if (std::error_code ec =
          llvm::sys::fs::createTemporaryFile("retnet-model", "o", objPath))
    fail("cannot create a temporary object file: " + ec.message());
  {
    std::error_code ec;
    llvm::raw_fd_ostream os(objPath, ec);
    if (ec)
      fail("cannot write " + retnet::quotePath(objPath.str().str()) + ": " +
           ec.message());
    llvm::legacy::PassManager codegen;
    if (tm->addPassesToEmitFile(codegen, os, nullptr,
                                llvm::CodeGenFileType::ObjectFile))
      fail("the target cannot emit object files");
    codegen.run(*llvmModule);
  }

  progress.step("linking " + o.output);
  const char *ccEnv = std::getenv("CC");
  std::string cc = ccEnv && *ccEnv ? ccEnv : "cc";
  llvm::ErrorOr<std::string> ccPath = llvm::sys::findProgramByName(cc);
  if (!ccPath) {
    std::remove(objPath.c_str());
    fail("no C compiler driver " + retnet::quote(cc) +
         " to link the shared library (set CC)");
  }
  std::string tmp = tempPath(o.output);
  llvm::SmallVector<llvm::StringRef> linkArgs = {
      *ccPath, "-shared", "-Wl,-Bsymbolic", "-o", tmp, objPath, "-lm"};
  // The OpenMP dialect lowers to LLVM's libomp (__kmpc_*).
  std::string ompDir = RETNET_LIBOMP_DIR, ompL = "-L" + ompDir,
              ompRpath = "-Wl,-rpath," + ompDir;
  if (o.threads) {
    linkArgs.push_back(ompL);
    linkArgs.push_back("-lomp");
    linkArgs.push_back(ompRpath);
  }
  std::string linkErr;
  int rc = llvm::sys::ExecuteAndWait(*ccPath, linkArgs, std::nullopt, {}, 0, 0,
                                     &linkErr);
  std::remove(objPath.c_str());
  if (rc != 0) {
    std::remove(tmp.c_str());
    fail("linking failed (" + cc + " exit " + std::to_string(rc) + ")" +
         (linkErr.empty() ? "" : ": " + linkErr));
  }
  writeAtomically(o.output, tmp, "the shared library");
  progress.step("wrote " + o.output);
  return 0;
}
