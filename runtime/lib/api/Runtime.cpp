//===- Runtime.cpp - the RetNet runtime behind the C API ------------------===//
//
// Loads a compiled model (a shared library from retnet-compile; compiled on
// first use and cached when none is given), packs the checkpoint into the
// weight layout the artifact was compiled for, and runs its entry points on
// sessions of recurrent states. No LLVM or MLIR here (DESIGN.md §3).
//
// On the CUDA target every buffer the compiled code sees (weights, tokens,
// decode positions, states, logits) is device memory, never managed memory:
// weights are packed on the host and copied once, tokens go in and logits
// come out by copies on the stream the kernels run on, states are reset and
// copied there too. The one value the compiled host code itself reads, a
// prefill's start position, is passed in host memory.
// Driver errors inside the compiled code reach this file through the CUDA
// runtime's error handler and become the failed call's error.
//
// A decode step on the GPU is one CUDA graph launch: the step's kernels are
// captured once per shape (sequences, their state buffers, the batch) and
// replayed; tokens go in and logits come out around it by two copies.
// All CUDA work of the process goes to one stream and is serialized here.
//
// A sequence's state is double-buffered: entry points read one buffer and
// write the other (the compiled code never has to update in place), and each
// sequence remembers which buffer holds its current state. Decoding a run of
// consecutive sequences whose states sit in the same buffer is one call with
// no copies; everything else stays correct with at most one state copy.
//
//===----------------------------------------------------------------------===//

#include "retnet/retnet.h"

#include "retnet/Checkpoint.h"
#include "retnet/CudaRuntime.h"
#include "retnet/Error.h"
#include "retnet/FormCost.h"
#include "retnet/Half.h"
#include "retnet/ModelConfig.h"
#include "retnet/ModelReference.h"
#include "retnet/Safetensors.h"
#include "retnet/Tokenizer.h"
#include "retnet/WeightLayout.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <dlfcn.h>
#include <malloc.h>
#include <fstream>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

namespace {

thread_local std::string lastError;

template <typename T, int N> struct Memref {
  T *allocated, *aligned;
  int64_t offset, sizes[N], strides[N];
};

template <typename T, int N>
Memref<T, N> view(T *data, std::initializer_list<int64_t> sizes) {
  Memref<T, N> m{data, data, 0, {}, {}};
  int i = 0;
  for (int64_t s : sizes)
    m.sizes[i++] = s;
  int64_t stride = 1;
  for (int d = N - 1; d >= 0; --d) {
    m.strides[d] = stride;
    stride *= m.sizes[d];
  }
  return m;
}

using Weights = Memref<float, 1>;
using Ints = Memref<int64_t, 1>;
using State = Memref<float, 5>;
using Logits = Memref<float, 2>;
using EntryFn = void (*)(Weights *, Ints *, Ints *, State *, State *, Logits *);
using ConstFn = int64_t (*)();

} // namespace

// The mgpu* functions of libretnet_cuda_runtime that this file uses.
extern "C" void *mgpuMemAlloc(uint64_t bytes, void *stream, bool hostShared);
extern "C" void mgpuMemFree(void *ptr, void *stream);

namespace {

/// The last CUDA error on this thread (from the CUDA runtime's handler). A
/// fixed buffer, trivially destroyed: a compiled model's module destructor
/// still calls the driver after exit() has run the thread's destructors
/// (and, after a failed kernel, gets the context's sticky error back); and
/// a server's many threads must not each leak a heap string.
struct ErrorText {
  char text[2048];
  size_t size;
  bool empty() const { return size == 0; }
  void clear() { size = 0; }
  void append(std::string_view s) {
    size_t n = std::min(s.size(), sizeof text - size);
    std::memcpy(text + size, s.data(), n);
    size += n;
  }
  std::string str() const { return std::string(text, size); }
};
thread_local ErrorText cudaError;

void recordCudaError(const char *message) {
  // Later messages add detail (an allocation failure, then the free memory)
  // or follow from the first; a failing loop must not grow this forever.
  if (cudaError.size > 2000)
    return;
  if (!cudaError.empty())
    cudaError.append("; ");
  cudaError.append(message);
}

/// Throws the CUDA error recorded since the last call, if any.
void throwCudaError(const std::string &during) {
  if (cudaError.empty())
    return;
  std::string message =
      std::string("CUDA error ") + during + ": " + cudaError.str();
  cudaError.clear();
  throw retnet::Error(message);
}

/// Held around all CUDA work: every call queues on the one shared stream,
/// and a graph capture records whatever reaches it.
std::unique_lock<std::mutex> lockCuda(bool cuda) {
  static std::mutex *mutex = new std::mutex; // outlives static destructors
  return cuda ? std::unique_lock<std::mutex>(*mutex)
              : std::unique_lock<std::mutex>();
}

/// CUDA graphs for decode steps, unless RETNET_CUDA_GRAPHS=0.
bool graphsEnabled() {
  static const bool on = [] {
    const char *e = std::getenv("RETNET_CUDA_GRAPHS");
    return !(e && std::string(e) == "0");
  }();
  return on;
}

/// Where a buffer lives: host memory (CPU target) or device memory (CUDA).
enum class Place { Host, Device };

struct BufferFree {
  Place place = Place::Host;
  void operator()(void *p) const {
    if (place == Place::Device)
      mgpuMemFree(p, nullptr);
    else
      std::free(p);
  }
};
template <typename T> using Buffer = std::unique_ptr<T[], BufferFree>;
using FloatBuffer = Buffer<float>;

/// `n` elements of T, 64-byte aligned, zeroed.
template <typename T> Buffer<T> allocBuffer(int64_t n, Place place) {
  size_t bytes = size_t(std::max<int64_t>(n, 1)) * sizeof(T);
  bytes = (bytes + 63) / 64 * 64;
  void *p = nullptr;
  if (place == Place::Device) {
    p = mgpuMemAlloc(bytes, nullptr, /*hostShared=*/false);
    throwCudaError("allocating device memory");
    if (!p)
      throw retnet::Error("cannot allocate " + std::to_string(bytes) +
                          " bytes of device memory");
    retnet_cuda_fill32(p, 0, bytes / 4); // stream-ordered, as every use
    throwCudaError("clearing device memory");
    return Buffer<T>(static_cast<T *>(p), BufferFree{place});
  } else {
    // Large buffers (weights, states) on 2 MiB pages where the kernel has
    // transparent huge pages: a matmul walks weight rows far apart (one per
    // reduction step), and with 4 KiB pages every step is a TLB miss.
    constexpr size_t kHuge = size_t(2) << 20;
    bool huge = bytes >= 2 * kHuge;
    if (huge)
      bytes = (bytes + kHuge - 1) / kHuge * kHuge;
    if (posix_memalign(&p, huge ? kHuge : 64, bytes) != 0)
      throw retnet::Error("out of memory allocating " + std::to_string(bytes) +
                          " bytes");
    if (huge)
      (void)madvise(p, bytes, MADV_HUGEPAGE); // advice only: may be ignored
  }
  std::memset(p, 0, bytes);
  return Buffer<T>(static_cast<T *>(p), BufferFree{place});
}

FloatBuffer allocFloats(int64_t n, Place place = Place::Host) {
  return allocBuffer<float>(n, place);
}

/// A buffer reused across calls, grown on demand.
template <typename T> struct Scratch {
  Buffer<T> buffer;
  int64_t size = 0;
  T *get(int64_t n, Place place) {
    if (n > size) {
      buffer = allocBuffer<T>(n, place);
      size = n;
    }
    return buffer.get();
  }
  /// Not kept for the session's life after a long prompt.
  void trim() {
    constexpr int64_t kKeepBytes = int64_t(64) << 20;
    if (size * int64_t(sizeof(T)) > kKeepBytes) {
      buffer.reset();
      size = 0;
    }
  }
};

std::string readFile(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw retnet::Error(retnet::printablePath(path) + ": cannot open");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

uint64_t fnv1a(const std::string &s, uint64_t h = 1469598103934665603ull) {
  for (unsigned char ch : s) {
    h ^= ch;
    h *= 1099511628211ull;
  }
  return h;
}

/// Runs argv; returns its exit status (stdout captured into `out` if given).
int runProgram(const std::vector<std::string> &args, std::string *out) {
  int fds[2];
  if (out && pipe(fds) != 0)
    return -1;
  const std::string shownName = retnet::printablePath(args[0]);
  pid_t pid = fork();
  if (pid < 0)
    return -1;
  if (pid == 0) {
    if (out) {
      dup2(fds[1], 1);
      close(fds[0]);
      close(fds[1]);
    }
    std::vector<char *> argv;
    for (const std::string &a : args)
      argv.push_back(const_cast<char *>(a.c_str()));
    argv.push_back(nullptr);
    execvp(argv[0], argv.data());
    std::fprintf(stderr, "retnet: cannot run %s: %s\n", shownName.c_str(),
                 std::strerror(errno));
    _exit(127);
  }
  if (out) {
    close(fds[1]);
    char buf[4096];
    ssize_t n;
    while ((n = read(fds[0], buf, sizeof buf)) > 0)
      out->append(buf, size_t(n));
    close(fds[0]);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

bool exists(const std::string &p) {
  struct stat st;
  return stat(p.c_str(), &st) == 0;
}

/// retnet-compile: $RETNET_COMPILE, next to this library (../bin), or PATH.
std::string compilerPath() {
  if (const char *env = std::getenv("RETNET_COMPILE"))
    return env;
  Dl_info info;
  if (dladdr(reinterpret_cast<void *>(&compilerPath), &info) &&
      info.dli_fname) {
    std::string self = info.dli_fname;
    std::string dir = self.substr(0, self.rfind('/') + 1);
    for (const char *rel : {"../bin/retnet-compile", "retnet-compile"})
      if (exists(dir + rel))
        return dir + rel;
  }
  return "retnet-compile";
}

std::string cacheDir() {
  if (const char *d = std::getenv("RETNET_CACHE_DIR"); d && *d)
    return d;
  if (const char *d = std::getenv("XDG_CACHE_HOME"); d && *d)
    return std::string(d) + "/retnet";
  if (const char *d = std::getenv("HOME"); d && *d)
    return std::string(d) + "/.cache/retnet";
  return "/tmp/retnet-cache";
}

void makeDirs(const std::string &path) {
  for (size_t i = 1; i <= path.size(); ++i)
    if (i == path.size() || path[i] == '/') {
      std::string p = path.substr(0, i);
      if (mkdir(p.c_str(), 0755) != 0 && errno != EEXIST)
        throw retnet::Error("cannot create the cache directory " +
                            retnet::quotePath(p) + ": " + std::strerror(errno));
    }
}

/// The CPU's feature flags: artifacts are compiled for the host CPU.
std::string hostFlags() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("flags", 0) == 0)
      return line;
  return "";
}

/// The cached artifact for `modelDir` and the target, compiling it on a
/// miss.
std::string cachedArtifact(const std::string &modelDir, bool cuda) {
  std::string compiler = compilerPath();
  std::string version;
  if (runProgram({compiler, "--version"}, &version) != 0 || version.empty())
    throw retnet::Error("cannot run the model compiler " +
                        retnet::quotePath(compiler) +
                        " (set RETNET_COMPILE to its path)");
  // The compiler's libraries are linked in statically: a rebuilt compiler
  // is a new binary, so its size and time stamp join its version string.
  struct stat st {};
  if (stat(compiler.c_str(), &st) == 0)
    version += std::to_string(st.st_size) + "@" + std::to_string(st.st_mtime);
  // Compiled to run on every core (--threads) unless RETNET_THREADS=0.
  const char *threadsEnv = std::getenv("RETNET_THREADS");
  bool threads = !cuda && !(threadsEnv && std::string(threadsEnv) == "0");
  if (threads)
    version += " threads";
  // An explicit driver (RETNET_CUDA_DRIVER: the PTX simulator, which runs no
  // cubins) gets the kernels as PTX, which any driver also accepts.
  const char *driverEnv = std::getenv("RETNET_CUDA_DRIVER");
  bool ptx = cuda && driverEnv && *driverEnv;
  if (ptx)
    version += " ptx";
  uint64_t key = fnv1a(readFile(modelDir + "/config.json"));
  key = fnv1a(std::string(cuda ? "\0target=cuda\0" : "\0target=cpu\0") +
                  version + hostFlags(),
              key);
  char name[40];
  std::snprintf(name, sizeof name, "%016llx.so", (unsigned long long)key);
  std::string dir = cacheDir(), path = dir + "/" + name;
  if (exists(path))
    return path;
  makeDirs(dir);
  std::fprintf(stderr,
               "retnet: compiling %s for the %s (first use; cached "
               "as %s)\n",
               retnet::printablePath(modelDir).c_str(), cuda ? "GPU" : "CPU",
               retnet::printablePath(path).c_str());
  std::vector<std::string> args = {compiler, modelDir, "-o", path};
  if (cuda) {
    args.push_back("--target");
    args.push_back("cuda");
  }
  if (ptx) {
    args.push_back("--gpu-binary");
    args.push_back("ptx");
  }
  if (threads)
    args.push_back("--threads");
  if (runProgram(args, nullptr) != 0)
    throw retnet::Error("compiling " + retnet::printablePath(modelDir) +
                        " failed (see above)");
  return path;
}

} // namespace

struct retnet_model {
  retnet::ModelConfig config;
  std::string dir;
  /// The directory's tokenizer, read on first use (a model run by token ids
  /// never reads it).
  mutable std::once_flag tokenizerOnce;
  mutable std::unique_ptr<retnet::Tokenizer> tokenizer;
  mutable std::string tokenizerError;
  Place place = Place::Host; // Device on the CUDA target
  void *library = nullptr;
  EntryFn prefill[4] = {}; // indexed by retnet_form (AUTO unused)
  EntryFn decode = nullptr;
  FloatBuffer weights; // weightFloats elements of weightType
  int64_t weightFloats = 0;
  retnet::WeightDType weightType = retnet::WeightDType::F32;
  retnet::PrefillShape prefillShape; // the artifact's chunks (FormCost.h)
  int64_t statePerSeq = 0; // floats
  ~retnet_model() {
    weights.reset();
    if (library)
      dlclose(library);
    // Buffers freed by this model and its sessions wait in the CUDA
    // runtime's cache for reuse; a closed model gives them back.
    if (place == Place::Device)
      retnet_cuda_trim();
  }
};

namespace {
/// A decode step captured as a CUDA graph, and what it was captured for.
struct StepGraph {
  std::vector<int64_t> key;
  retnet_cuda_graph *graph = nullptr;
  uint64_t lastUse = 0;
};
} // namespace

struct retnet_session {
  retnet_model *model;
  int64_t capacity;
  // Least recently used graphs are dropped beyond this many.
  static constexpr size_t kMaxGraphs = 8;
  std::vector<StepGraph> graphs;
  uint64_t steps = 0;
  FloatBuffer buffers[2];
  std::vector<uint8_t> which;
  std::vector<int64_t> position;
  // Where the compiled code reads tokens and positions (CUDA: device
  // copies of the caller's) and writes all rows of logits before they are
  // copied out (CUDA, or when the caller wants the last row or none).
  Scratch<int64_t> ints;
  Scratch<float> logits;
  float *state(int64_t seq, int buffer) {
    return buffers[buffer].get() + seq * model->statePerSeq;
  }
  ~retnet_session() {
    for (StepGraph &g : graphs)
      retnet_cuda_graph_destroy(g.graph);
  }
};

namespace {

/// Makes the mgpu* functions of libretnet_cuda_runtime (linked into this
/// library) visible to CUDA artifacts, whatever way this library was loaded,
/// and routes its driver errors here.
void prepareCudaRuntime() {
  retnet_cuda_set_error_handler(recordCudaError);
  Dl_info info;
  if (!dladdr(reinterpret_cast<void *>(&retnet_cuda_available), &info) ||
      !info.dli_fname || !dlopen(info.dli_fname, RTLD_NOW | RTLD_GLOBAL))
    throw retnet::Error("cannot make the CUDA runtime library global: " +
                        std::string(dlerror() ? dlerror() : "not found"));
}

/// Throws unless a CUDA GPU is usable.
void requireCuda() {
  const char *why = nullptr;
  if (!retnet_cuda_available(&why))
    throw retnet::Error(std::string("the CUDA target needs a GPU: ") +
                        (why ? why : "none is usable"));
}

/// Loads the artifact at `path`; `want` is the target asked for (AUTO:
/// whichever the artifact was compiled for).
void loadArtifact(retnet_model &m, const std::string &path,
                  retnet_target want) {
  // A CUDA artifact loads its kernels when it is loaded (constructors that
  // call mgpuModuleLoad), so the CUDA runtime must be ready first.
  prepareCudaRuntime();
  cudaError.clear();
  // A path without a slash would make dlopen search the library path, not
  // the current directory.
  std::string file = path.find('/') == std::string::npos ? "./" + path : path;
  m.library = dlopen(file.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!m.library)
    throw retnet::Error("cannot load the compiled model " +
                        retnet::quotePath(path) + ": " +
                        retnet::printable(dlerror(), 1000));
  auto sym = [&](const char *name) {
    void *p = dlsym(m.library, name);
    if (!p)
      throw retnet::Error(retnet::printablePath(path) +
                          ": not a retnet-compile artifact (no '" +
                          std::string(name) + "')");
    return p;
  };
  auto abi = reinterpret_cast<ConstFn>(sym("retnet_artifact_abi_version"))();
  if (abi != retnet::kArtifactAbiVersion)
    throw retnet::Error(
        retnet::printablePath(path) + ": artifact ABI version " +
        std::to_string(abi) + ", this runtime needs " +
        std::to_string(retnet::kArtifactAbiVersion) + " (recompile it)");
  bool cuda = reinterpret_cast<ConstFn>(sym("retnet_artifact_target"))() ==
              int64_t(retnet::ArtifactTarget::Cuda);
  if (want != RETNET_TARGET_AUTO && cuda != (want == RETNET_TARGET_CUDA))
    throw retnet::Error(retnet::printablePath(path) + ": compiled for the " +
                        (cuda ? "cuda" : "cpu") + " target, not " +
                        (cuda ? "cpu" : "cuda") + " (retnet-compile --target)");
  if (cuda) {
    requireCuda();
    throwCudaError("loading the kernels of " + retnet::printablePath(path));
    m.place = Place::Device;
    // A compiled model reads no kernel output on the host within a call:
    // its kernels queue back to back, the call synchronizes once at its end.
    retnet_cuda_set_deferred_sync(1);
  }
  int64_t floats =
      reinterpret_cast<ConstFn>(sym("retnet_artifact_weight_floats"))();
  if (floats != m.weightFloats)
    throw retnet::Error(retnet::printablePath(path) +
                        ": compiled for another config (" +
                        std::to_string(floats) +
                        " weight floats, this "
                        "config has " +
                        std::to_string(m.weightFloats) + ")");
  int64_t dtype =
      reinterpret_cast<ConstFn>(sym("retnet_artifact_weight_dtype"))();
  if (dtype < 0 || dtype > int64_t(retnet::WeightDType::Int8))
    throw retnet::Error(retnet::printablePath(path) +
                        ": unknown weight element type " +
                        std::to_string(dtype) + " (recompile it)");
  m.weightType = retnet::WeightDType(dtype);
  if (cuda && m.weightType == retnet::WeightDType::Int8)
    throw retnet::Error(retnet::printablePath(path) +
                        ": int8 weights on the cuda target (recompile it)");
  int64_t chunk = reinterpret_cast<ConstFn>(sym("retnet_artifact_chunk_size"))();
  int64_t limit =
      reinterpret_cast<ConstFn>(sym("retnet_artifact_parallel_limit"))();
  if (chunk < 1 || limit < 1)
    throw retnet::Error(retnet::printablePath(path) + ": chunk size " +
                        std::to_string(chunk) + " and parallel limit " +
                        std::to_string(limit) + " must be positive");
  m.prefillShape = retnet::PrefillShape::of(m.config, chunk, limit);
  m.prefill[RETNET_FORM_PARALLEL] = reinterpret_cast<EntryFn>(
      sym("_mlir_ciface_retnet_artifact_prefill_parallel"));
  m.prefill[RETNET_FORM_CHUNKWISE] = reinterpret_cast<EntryFn>(
      sym("_mlir_ciface_retnet_artifact_prefill_chunkwise"));
  m.prefill[RETNET_FORM_RECURRENT] = reinterpret_cast<EntryFn>(
      sym("_mlir_ciface_retnet_artifact_prefill_recurrent"));
  m.decode =
      reinterpret_cast<EntryFn>(sym("_mlir_ciface_retnet_artifact_decode"));
}

/// Every tensor the config needs is in the checkpoint (in whichever layout
/// it names them, Checkpoint.h) with its shape and a float dtype: checked
/// before anything is compiled or allocated.
void checkWeights(const retnet_model &m, const retnet::SafetensorsFile &file) {
  retnet::Checkpoint ckpt(m.config, file);
  for (const std::string &name : ckpt.needed())
    ckpt.check(name);
}

/// The checkpoint in the artifact's layout and element type (matrices
/// transposed; f32 checkpoints rounded to a 16-bit artifact's type, 16-bit
/// ones converted exactly or rounded between bf16 and f16; an int8
/// artifact's matrices quantized per output channel, WeightLayout.h).
void packWeights(retnet_model &m, const retnet::SafetensorsFile &file) {
  const std::string &path = file.path();
  retnet::WeightLayout layout =
      retnet::WeightLayout::forConfig(m.config, m.weightType);
  const int64_t bytes = layout.bytes(m.weightType);
  // Packed on the host; on the GPU copied to device memory once.
  FloatBuffer packed = allocFloats((bytes + 3) / 4);
  auto *f32 = packed.get();
  auto *u16 = reinterpret_cast<uint16_t *>(packed.get());
  auto *i8 = reinterpret_cast<int8_t *>(packed.get()) + layout.totalFloats * 4;
  auto store = [&](int64_t i, double v) {
    switch (m.weightType) {
    case retnet::WeightDType::F32:
    case retnet::WeightDType::Int8:
      f32[i] = float(v);
      break;
    case retnet::WeightDType::BF16:
      u16[i] = retnet::floatToBF16(float(v));
      break;
    case retnet::WeightDType::F16:
      u16[i] = retnet::floatToHalf(float(v));
      break;
    }
  };
  int64_t nonFinite = 0;
  retnet::Checkpoint ckpt(m.config, file);
  for (const retnet::PackedTensor &t : layout.tensors) {
    const std::vector<int64_t> &shape = t.shape;
    std::vector<double> w = ckpt.packed(t);
    if (t.quantized) {
      // Row r of the checkpoint's [out, in] matrix is output channel r:
      // its scale, then its q transposed into column r of [in, out].
      int64_t rows = shape[0], cols = shape[1];
      for (int64_t r = 0; r < rows; ++r) {
        double scale = retnet::int8Scale(w.data() + r * cols, cols);
        f32[t.scaleOffset + r] = float(scale);
        for (int64_t c = 0; c < cols; ++c)
          i8[t.offset + c * rows + r] =
              retnet::quantizeInt8(w[size_t(r * cols + c)], scale);
      }
    } else if (!t.transposed) {
      for (size_t i = 0; i < w.size(); ++i)
        store(t.offset + int64_t(i), w[i]);
    } else {
      int64_t rows = shape[0], cols = shape[1];
      for (int64_t r = 0; r < rows; ++r)
        for (int64_t c = 0; c < cols; ++c)
          store(t.offset + c * rows + r, w[size_t(r * cols + c)]);
    }
    for (double x : w)
      nonFinite += !std::isfinite(x);
  }
  if (m.place == Place::Device) {
    auto lock = lockCuda(true);
    m.weights = allocFloats((bytes + 3) / 4, Place::Device);
    retnet_cuda_copy(m.weights.get(), packed.get(), size_t(bytes));
    retnet_cuda_synchronize();
    throwCudaError("copying the weights to the GPU");
  } else {
    m.weights = std::move(packed);
  }
  for (const std::string &name : ckpt.unused())
    std::fprintf(stderr,
                 "retnet: warning: %s: tensor %s is not used by "
                 "the model\n",
                 retnet::printablePath(path).c_str(),
                 retnet::quote(name).c_str());
  if (nonFinite)
    std::fprintf(stderr,
                 "retnet: warning: %s: %lld weights are NaN or "
                 "infinite\n",
                 retnet::printablePath(path).c_str(), (long long)nonFinite);
}

void checkSeq(const retnet_session *s, int64_t seq) {
  if (seq < 0 || seq >= s->capacity)
    throw retnet::Error("sequence index " + std::to_string(seq) +
                        " is outside the session's [0, " +
                        std::to_string(s->capacity) + ")");
}

void checkTokens(const retnet_model &m, const int64_t *tokens, int64_t n) {
  if (!tokens && n > 0)
    throw retnet::Error("tokens is NULL");
  for (int64_t i = 0; i < n; ++i)
    if (tokens[i] < 0 || tokens[i] >= m.config.vocabSize)
      throw retnet::Error("token " + std::to_string(tokens[i]) + " at index " +
                          std::to_string(i) +
                          " is outside the vocabulary [0, " +
                          std::to_string(m.config.vocabSize) + ")");
}

State stateView(retnet_model &m, float *p, int64_t batch) {
  const retnet::ModelConfig &c = m.config;
  return view<float, 5>(
      p, {batch, c.layers, c.heads, c.keyHeadDim(), c.valueHeadDim()});
}

/// An enum argument of the C API, which a C caller may give any int: read
/// as its bytes (loading an out-of-range enum value is undefined in C++) and
/// checked against [lo, hi].
template <typename E>
E checkedEnum(const E &value, E lo, E hi, const char *what) {
  int raw = 0;
  static_assert(sizeof(E) == sizeof(int), "C enums are int-sized here");
  std::memcpy(&raw, &value, sizeof raw);
  if (raw < int(lo) || raw > int(hi))
    throw retnet::Error(std::string("unknown ") + what + " " +
                        std::to_string(raw));
  return static_cast<E>(raw);
}

template <typename F> int guarded(F &&f) {
  try {
    f();
    lastError.clear();
    return 0;
  } catch (const std::exception &e) {
    // The message of an error (which quotes its input escaped) escaped once
    // more as a whole: what retnet_last_error gives holds no raw bytes.
    lastError = retnet::printable(e.what(), retnet::kMaxErrorLine);
    return 1;
  }
}

/// Runs a decode step's calls (`call`) as one CUDA graph launch: replays
/// the graph captured for the same shape (the same runs of sequences in the
/// same state buffers, the same device buffers for tokens and logits), or
/// captures one first. The kernels' parameters are all in that key; their
/// temporaries belong to the graph.
template <typename F>
void launchStepGraph(retnet_session &s,
                     const std::vector<std::pair<int64_t, int64_t>> &runs,
                     const int64_t *seqs, const int64_t *ints, const float *out,
                     F &&call) {
  std::vector<int64_t> key = {int64_t(reinterpret_cast<uintptr_t>(ints)),
                              int64_t(reinterpret_cast<uintptr_t>(out))};
  for (auto [i, j] : runs)
    key.insert(key.end(), {i, j, seqs[i], int64_t(s.which[size_t(seqs[i])])});
  ++s.steps;
  StepGraph *found = nullptr;
  for (StepGraph &g : s.graphs)
    if (g.key == key)
      found = &g;
  if (!found) {
    if (s.graphs.size() >= retnet_session::kMaxGraphs) {
      auto oldest = std::min_element(
          s.graphs.begin(), s.graphs.end(),
          [](const StepGraph &a, const StepGraph &b) {
            return a.lastUse < b.lastUse;
          });
      retnet_cuda_graph_destroy(oldest->graph);
      s.graphs.erase(oldest);
    }
    if (retnet_cuda_capture_begin() != 0)
      throwCudaError("starting to capture the decode step");
    try {
      call();
    } catch (...) {
      retnet_cuda_graph_destroy(retnet_cuda_capture_end());
      cudaError.clear(); // what followed the failure that is thrown
      throw;
    }
    retnet_cuda_graph *graph = retnet_cuda_capture_end();
    throwCudaError("capturing the decode step");
    if (!graph)
      throw retnet::Error("capturing the decode step as a CUDA graph failed");
    s.graphs.push_back({std::move(key), graph, 0});
    found = &s.graphs.back();
  }
  found->lastUse = s.steps;
  retnet_cuda_graph_launch(found->graph);
  throwCudaError("launching the decode step's graph");
}

} // namespace

#pragma GCC visibility push(default)
extern "C" {

const char *retnet_last_error(void) { return lastError.c_str(); }

const char *retnet_cache_dir(void) {
  thread_local std::string dir;
  dir = cacheDir();
  return dir.c_str();
}

namespace {
/// The compiled CPU code allocates its temporaries per call (per layer
/// inside the layer loop) and frees them before it returns. With glibc's
/// defaults the freed top of the heap is returned to the kernel at once
/// (the trim threshold follows the largest block, ~1 MiB), so every call
/// faulted fresh zeroed pages back in: 4,000 page faults per 512-token
/// prefill of the example model, half its time in the kernel's
/// clear_page. Blocks up to 32 MiB come from the heap and up to 512 MiB
/// of free heap is kept for the next call instead. Once per process, for
/// CPU models; skipped when the user tunes malloc (MALLOC_*_ variables,
/// GLIBC_TUNABLES) or sets RETNET_MALLOC=system.
void keepFreedMemory() {
#ifdef __GLIBC__
  static std::once_flag once;
  std::call_once(once, [] {
    for (const char *v : {"RETNET_MALLOC", "MALLOC_MMAP_THRESHOLD_",
                          "MALLOC_TRIM_THRESHOLD_", "GLIBC_TUNABLES"})
      if (std::getenv(v))
        return;
    mallopt(M_MMAP_THRESHOLD, 32 << 20);
    mallopt(M_TRIM_THRESHOLD, 512 << 20);
  });
#endif
}
} // namespace

retnet_model *retnet_model_open(const char *modelDir, const char *artifact) {
  return retnet_model_open_on(modelDir, artifact, RETNET_TARGET_AUTO);
}

retnet_model *retnet_model_open_on(const char *modelDir, const char *artifact,
                                   retnet_target targetArg) {
  std::unique_ptr<retnet_model> m(new retnet_model);
  int rc = guarded([&] {
    if (!modelDir)
      throw retnet::Error("model directory is NULL");
    retnet_target target = checkedEnum<retnet_target>(
        targetArg, RETNET_TARGET_AUTO, RETNET_TARGET_CUDA, "target");
    std::string dir = modelDir;
    m->dir = dir;
    m->config = retnet::ModelConfig::load(dir + "/config.json");
    for (const std::string &key : m->config.unknownKeys)
      std::fprintf(stderr,
                   "retnet: warning: %s/config.json: unknown key %s "
                   "ignored\n",
                   retnet::printablePath(dir).c_str(),
                   retnet::quote(key).c_str());
    retnet::WeightLayout layout = retnet::WeightLayout::forConfig(m->config);
    m->weightFloats = layout.totalFloats;
    const retnet::ModelConfig &c = m->config;
    m->statePerSeq = c.layers * c.heads * c.keyHeadDim() * c.valueHeadDim();
    // The checkpoint is checked first: a broken download fails in a moment,
    // not after a compile.
    retnet::SafetensorsFile weights =
        retnet::SafetensorsFile::open(dir + "/model.safetensors");
    checkWeights(*m, weights);
    if (!artifact) {
      // Compiled here on first use: CUDA when asked for, or (AUTO) when a
      // GPU is usable.
      prepareCudaRuntime();
      bool cuda =
          target == RETNET_TARGET_CUDA ||
          (target == RETNET_TARGET_AUTO && retnet_cuda_available(nullptr));
      if (cuda)
        requireCuda();
      loadArtifact(*m, cachedArtifact(dir, cuda), target);
    } else {
      loadArtifact(*m, artifact, target);
    }
    if (m->place == Place::Host)
      keepFreedMemory();
    packWeights(*m, weights);
  });
  return rc ? nullptr : m.release();
}

void retnet_model_close(retnet_model *model) {
  auto lock = lockCuda(model && model->place == Place::Device);
  delete model;
}

retnet_target retnet_model_target(const retnet_model *model) {
  if (!model)
    return RETNET_TARGET_AUTO;
  return model->place == Place::Device ? RETNET_TARGET_CUDA
                                        : RETNET_TARGET_CPU;
}

int64_t retnet_model_vocab_size(const retnet_model *model) {
  return model ? model->config.vocabSize : -1;
}

int64_t retnet_model_state_bytes(const retnet_model *model) {
  return model ? model->statePerSeq * int64_t(sizeof(float)) : -1;
}

retnet_form retnet_model_auto_form(const retnet_model *model, int64_t n) {
  if (!model || n < 1)
    return RETNET_FORM_AUTO;
  retnet::ArtifactTarget target = model->place == Place::Device
                                      ? retnet::ArtifactTarget::Cuda
                                      : retnet::ArtifactTarget::Cpu;
  return retnet_form(
      int(retnet::choosePrefillForm(model->prefillShape, target, n)));
}

namespace {
/// The model's tokenizer, loaded once; throws the load's error every time.
const retnet::Tokenizer &tokenizerOf(const retnet_model *m) {
  if (!m)
    throw retnet::Error("model is NULL");
  std::call_once(m->tokenizerOnce, [m] {
    try {
      auto tok = retnet::Tokenizer::load(m->dir);
      if (tok->vocabSize() > m->config.vocabSize)
        throw retnet::Error(retnet::printablePath(m->dir) +
                            ": the tokenizer has " +
                            std::to_string(tok->vocabSize()) +
                            " tokens, but the model's "
                            "vocabulary is " +
                            std::to_string(m->config.vocabSize));
      m->tokenizer = std::move(tok);
    } catch (const std::exception &e) {
      m->tokenizerError = e.what();
    }
  });
  if (!m->tokenizer)
    throw retnet::Error(m->tokenizerError);
  return *m->tokenizer;
}
} // namespace

int retnet_model_has_tokenizer(const retnet_model *model) {
  return model ? int(retnet::Tokenizer::present(model->dir)) : -1;
}

int retnet_tokenize(const retnet_model *model, const char *text,
                    int64_t length, int addSpecial, int64_t *ids,
                    int64_t capacity, int64_t *count) {
  return guarded([&] {
    const retnet::Tokenizer &tok = tokenizerOf(model);
    if ((!text && length > 0) || length < 0)
      throw retnet::Error("text is NULL or its length negative");
    if (capacity < 0 || (!ids && capacity > 0) || !count)
      throw retnet::Error("ids/capacity/count do not describe a buffer");
    std::string_view in(text ? text : "", size_t(length));
    std::vector<int64_t> out =
        addSpecial ? tok.encodePrompt(in) : tok.encode(in);
    if (capacity > 0)
      std::copy_n(out.begin(),
                  std::min<int64_t>(capacity, int64_t(out.size())), ids);
    *count = int64_t(out.size());
  });
}

int retnet_detokenize(const retnet_model *model, const int64_t *ids,
                      int64_t n, char *text, int64_t capacity,
                      int64_t *length) {
  return guarded([&] {
    const retnet::Tokenizer &tok = tokenizerOf(model);
    if ((!ids && n > 0) || n < 0)
      throw retnet::Error("ids is NULL or n negative");
    if (capacity < 0 || (!text && capacity > 0) || !length)
      throw retnet::Error("text/capacity/length do not describe a buffer");
    std::string out = tok.decode(std::vector<int64_t>(ids, ids + n));
    if (capacity > 0 && !out.empty())
      std::memcpy(text, out.data(),
                  size_t(std::min<int64_t>(capacity, int64_t(out.size()))));
    *length = int64_t(out.size());
  });
}

namespace {
/// The tokenizer's special token (`field`: its bos or eos) when it has one,
/// else config.json's.
int64_t specialToken(const retnet_model *m,
                     int64_t retnet::Tokenizer::*field, int64_t fromConfig) {
  if (retnet::Tokenizer::present(m->dir)) {
    try {
      int64_t id = tokenizerOf(m).*field;
      if (id >= 0)
        return id;
    } catch (const std::exception &) {
      // A tokenizer that does not load: its error comes with tokenizing.
    }
  }
  return fromConfig;
}
} // namespace

int64_t retnet_model_eos(const retnet_model *model) {
  return model ? specialToken(model, &retnet::Tokenizer::eos,
                              model->config.eosToken)
               : -1;
}

int64_t retnet_model_bos(const retnet_model *model) {
  return model ? specialToken(model, &retnet::Tokenizer::bos,
                              model->config.bosToken)
               : -1;
}

retnet_session *retnet_session_create(retnet_model *model,
                                      int64_t maxSequences) {
  std::unique_ptr<retnet_session> s;
  int rc = guarded([&] {
    if (!model)
      throw retnet::Error("model is NULL");
    if (maxSequences < 1 || maxSequences > (1 << 20))
      throw retnet::Error("max_sequences must be in [1, 2^20], got " +
                          std::to_string(maxSequences));
    auto lock = lockCuda(model->place == Place::Device);
    s.reset(new retnet_session{model, maxSequences});
    for (FloatBuffer &b : s->buffers)
      b = allocFloats(maxSequences * model->statePerSeq, model->place);
    s->which.assign(size_t(maxSequences), 0);
    s->position.assign(size_t(maxSequences), 0);
  });
  return rc ? nullptr : s.release();
}

void retnet_session_free(retnet_session *session) {
  auto lock = lockCuda(session && session->model->place == Place::Device);
  delete session;
}

int retnet_prefill(retnet_session *s, int64_t seq, const int64_t *tokens,
                   int64_t n, retnet_form formArg, float *logits,
                   int lastOnly) {
  return guarded([&] {
    if (!s)
      throw retnet::Error("session is NULL");
    retnet_form form = checkedEnum<retnet_form>(formArg, RETNET_FORM_AUTO,
                                                RETNET_FORM_RECURRENT, "form");
    retnet_model &m = *s->model;
    checkSeq(s, seq);
    if (n < 1)
      throw retnet::Error("prefill needs at least one token");
    if (n > RETNET_MAX_PREFILL_TOKENS)
      throw retnet::Error("prefill of " + std::to_string(n) +
                          " tokens exceeds the limit of " +
                          std::to_string(RETNET_MAX_PREFILL_TOKENS) +
                          " per call (RETNET_MAX_PREFILL_TOKENS); feed the "
                          "prompt in several calls");
    checkTokens(m, tokens, n);
    if (form == RETNET_FORM_AUTO)
      form = retnet_model_auto_form(&m, n);
    const int64_t V = m.config.vocabSize;
    const bool cuda = m.place == Place::Device;
    auto lock = lockCuda(cuda);
    // The compiled code reads tokens and writes all T rows of logits (on
    // the GPU, in device memory); its host code reads the start position.
    float *out =
        logits && !lastOnly && !cuda ? logits : s->logits.get(n * V, m.place);
    int64_t start = s->position[size_t(seq)];
    int64_t *ints = const_cast<int64_t *>(tokens), *startPtr = &start;
    if (cuda) {
      ints = s->ints.get(n, m.place);
      retnet_cuda_copy(ints, tokens, size_t(n) * sizeof(int64_t));
    }
    int cur = s->which[size_t(seq)];
    Weights w = view<float, 1>(m.weights.get(), {m.weightFloats});
    Ints tok = view<int64_t, 1>(ints, {n});
    Ints pos = view<int64_t, 1>(startPtr, {1});
    State in = stateView(m, s->state(seq, cur), 1);
    State outS = stateView(m, s->state(seq, 1 - cur), 1);
    Logits lg = view<float, 2>(out, {n, V});
    m.prefill[form](&w, &tok, &pos, &in, &outS, &lg);
    if (logits && out != logits) {
      const float *rows = lastOnly ? out + (n - 1) * V : out;
      size_t bytes = size_t(lastOnly ? V : n * V) * sizeof(float);
      if (cuda)
        retnet_cuda_copy(logits, rows, bytes); // after the kernels
      else
        std::memcpy(logits, rows, bytes);
    }
    if (cuda)
      retnet_cuda_synchronize(); // the kernels queued without waiting
    throwCudaError("in the prefill");
    s->logits.trim();
    s->which[size_t(seq)] = uint8_t(1 - cur);
    s->position[size_t(seq)] += n;
  });
}

int retnet_decode(retnet_session *s, const int64_t *seqs, const int64_t *tokens,
                  int64_t n, float *logits) {
  return guarded([&] {
    if (!s)
      throw retnet::Error("session is NULL");
    retnet_model &m = *s->model;
    if (n < 1 || !seqs || !logits)
      throw retnet::Error("decode needs n >= 1 sequences, tokens and a "
                          "logits buffer");
    checkTokens(m, tokens, n);
    std::vector<uint8_t> seen(size_t(s->capacity), 0);
    for (int64_t i = 0; i < n; ++i) {
      checkSeq(s, seqs[i]);
      if (seen[size_t(seqs[i])]++)
        throw retnet::Error("sequence " + std::to_string(seqs[i]) +
                            " appears twice in one decode step");
    }
    const int64_t V = m.config.vocabSize;
    const bool cuda = m.place == Place::Device;
    auto lock = lockCuda(cuda);
    Weights w = view<float, 1>(m.weights.get(), {m.weightFloats});
    // Tokens, then positions; on the GPU copied to device memory, where the
    // logits are written too.
    std::vector<int64_t> hostInts(size_t(2 * n));
    std::memcpy(hostInts.data(), tokens, size_t(n) * sizeof(int64_t));
    for (int64_t i = 0; i < n; ++i)
      hostInts[size_t(n + i)] = s->position[size_t(seqs[i])];
    int64_t *ints = hostInts.data();
    if (cuda) {
      ints = s->ints.get(2 * n, m.place);
      retnet_cuda_copy(ints, hostInts.data(), hostInts.size() * 8);
    }
    int64_t *positions = ints + n;
    float *out = cuda ? s->logits.get(n * V, m.place) : logits;
    // Runs of consecutive sequences whose states share a buffer: one call.
    // Sequences move to their new state only after every call succeeded.
    std::vector<std::pair<int64_t, int64_t>> runs; // [i, j)
    for (int64_t i = 0; i < n;) {
      int64_t j = i + 1;
      int cur = s->which[size_t(seqs[i])];
      while (j < n && seqs[j] == seqs[j - 1] + 1 &&
             s->which[size_t(seqs[j])] == cur)
        ++j;
      runs.push_back({i, j});
      i = j;
    }
    auto callRuns = [&] {
      for (auto [i, j] : runs) {
        int64_t count = j - i;
        int cur = s->which[size_t(seqs[i])];
        Ints tok = view<int64_t, 1>(ints + i, {count});
        Ints pos = view<int64_t, 1>(positions + i, {count});
        State in = stateView(m, s->state(seqs[i], cur), count);
        State outS = stateView(m, s->state(seqs[i], 1 - cur), count);
        Logits lg = view<float, 2>(out + i * V, {count, V});
        m.decode(&w, &tok, &pos, &in, &outS, &lg);
        throwCudaError("in the decode step");
      }
    };
    if (cuda && graphsEnabled())
      launchStepGraph(*s, runs, seqs, ints, out, callRuns);
    else
      callRuns();
    if (cuda) {
      retnet_cuda_copy(logits, out, size_t(n * V) * sizeof(float));
      retnet_cuda_synchronize(); // the kernels queued without waiting
      throwCudaError("in the decode step");
    }
    for (auto [i, j] : runs)
      for (int64_t k = i; k < j; ++k) {
        s->which[size_t(seqs[k])] ^= 1;
        s->position[size_t(seqs[k])] += 1;
      }
  });
}

int retnet_reset(retnet_session *s, int64_t seq) {
  return guarded([&] {
    if (!s)
      throw retnet::Error("session is NULL");
    checkSeq(s, seq);
    // A reset sequence starts in buffer 0: sequences reset and prefilled
    // alike then share a buffer parity, and a decode step takes runs of
    // them in one call (mixed parities split it into several).
    s->which[size_t(seq)] = 0;
    if (s->model->place == Place::Device) {
      auto lock = lockCuda(true);
      retnet_cuda_fill32(s->state(seq, 0), 0, size_t(s->model->statePerSeq));
      throwCudaError("resetting a sequence");
    } else {
      std::memset(s->state(seq, 0), 0,
                  size_t(s->model->statePerSeq) * sizeof(float));
    }
    s->position[size_t(seq)] = 0;
  });
}

int retnet_copy(retnet_session *s, int64_t dst, int64_t src) {
  return guarded([&] {
    if (!s)
      throw retnet::Error("session is NULL");
    checkSeq(s, dst);
    checkSeq(s, src);
    if (dst == src)
      return;
    float *to = s->state(dst, s->which[size_t(dst)]);
    const float *from = s->state(src, s->which[size_t(src)]);
    size_t bytes = size_t(s->model->statePerSeq) * sizeof(float);
    if (s->model->place == Place::Device) {
      auto lock = lockCuda(true);
      retnet_cuda_copy(to, from, bytes); // stream-ordered
      throwCudaError("copying a sequence");
    } else {
      std::memcpy(to, from, bytes);
    }
    s->position[size_t(dst)] = s->position[size_t(src)];
  });
}

int64_t retnet_position(const retnet_session *s, int64_t seq) {
  if (!s || seq < 0 || seq >= s->capacity)
    return -1;
  return s->position[size_t(seq)];
}

} // extern "C"
#pragma GCC visibility pop
