//===- Driver.cpp - the CUDA driver API on the PTX simulator --------------===//
//
// Exports the driver entry points under the ABI names cuda.h maps them to,
// so a program linked with -lcuda (LD_LIBRARY_PATH=build/sim) or the
// runtime (RETNET_CUDA_DRIVER=build/sim/libcuda.so.1) runs unchanged. One
// device (an H200's limits), one context. Work on streams is queued and runs
// when the host synchronizes (stream, event or context synchronization, a
// synchronous copy, a free), in order: results read before synchronizing are
// stale, as on a GPU. A failed kernel makes the context's error sticky.
//
// Environment: RETNET_SIM_SEED (warp order, default 1), RETNET_SIM_STATS
// (append one JSON line per launch to this file).
//
//===----------------------------------------------------------------------===//

#include "Machine.h"
#include "Ptx.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <unistd.h>

using namespace retnet::sim;

namespace {

using CUresult = int;
using CUdevice = int;
using CUdeviceptr = unsigned long long;

enum : CUresult {
  CUDA_SUCCESS = 0,
  CUDA_ERROR_INVALID_VALUE = 1,
  CUDA_ERROR_OUT_OF_MEMORY = 2,
  CUDA_ERROR_NOT_INITIALIZED = 3,
  CUDA_ERROR_INVALID_DEVICE = 101,
  CUDA_ERROR_INVALID_IMAGE = 200,
  CUDA_ERROR_INVALID_CONTEXT = 201,
  CUDA_ERROR_INVALID_PTX = 218,
  CUDA_ERROR_INVALID_HANDLE = 400,
  CUDA_ERROR_NOT_FOUND = 500,
  CUDA_ERROR_NOT_READY = 600,
  CUDA_ERROR_ILLEGAL_ADDRESS = 700,
  CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES = 701,
  CUDA_ERROR_LAUNCH_TIMEOUT = 702,
  CUDA_ERROR_HOST_MEMORY_ALREADY_REGISTERED = 712,
  CUDA_ERROR_HOST_MEMORY_NOT_REGISTERED = 713,
  CUDA_ERROR_ILLEGAL_INSTRUCTION = 715,
  CUDA_ERROR_MISALIGNED_ADDRESS = 716,
  CUDA_ERROR_LAUNCH_FAILED = 719,
  CUDA_ERROR_NOT_SUPPORTED = 801,
  CUDA_ERROR_UNKNOWN = 999,
};

struct ErrorText {
  CUresult code;
  const char *name, *text;
};
const ErrorText kErrors[] = {
    {0, "CUDA_SUCCESS", "no error"},
    {1, "CUDA_ERROR_INVALID_VALUE", "invalid argument"},
    {2, "CUDA_ERROR_OUT_OF_MEMORY", "out of memory"},
    {3, "CUDA_ERROR_NOT_INITIALIZED", "initialization error"},
    {101, "CUDA_ERROR_INVALID_DEVICE", "invalid device ordinal"},
    {200, "CUDA_ERROR_INVALID_IMAGE", "device kernel image is invalid"},
    {201, "CUDA_ERROR_INVALID_CONTEXT", "invalid device context"},
    {218, "CUDA_ERROR_INVALID_PTX", "a PTX JIT compilation failed"},
    {400, "CUDA_ERROR_INVALID_HANDLE", "invalid resource handle"},
    {500, "CUDA_ERROR_NOT_FOUND", "named symbol not found"},
    {600, "CUDA_ERROR_NOT_READY", "device not ready"},
    {700, "CUDA_ERROR_ILLEGAL_ADDRESS",
     "an illegal memory access was encountered"},
    {701, "CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES",
     "too many resources requested for launch"},
    {702, "CUDA_ERROR_LAUNCH_TIMEOUT",
     "the launch timed out and was terminated"},
    {712, "CUDA_ERROR_HOST_MEMORY_ALREADY_REGISTERED",
     "part or all of the requested memory range is already mapped"},
    {713, "CUDA_ERROR_HOST_MEMORY_NOT_REGISTERED",
     "pointer does not correspond to a registered memory region"},
    {715, "CUDA_ERROR_ILLEGAL_INSTRUCTION",
     "an illegal instruction was encountered"},
    {716, "CUDA_ERROR_MISALIGNED_ADDRESS", "misaligned address"},
    {719, "CUDA_ERROR_LAUNCH_FAILED", "unspecified launch failure"},
    {401, "CUDA_ERROR_ILLEGAL_STATE", "the operation cannot be performed in "
                                      "the present state"},
    {801, "CUDA_ERROR_NOT_SUPPORTED", "operation not supported"},
    {900, "CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED",
     "operation not permitted when stream is capturing"},
    {901, "CUDA_ERROR_STREAM_CAPTURE_INVALIDATED",
     "operation failed due to a previous error during capture"},
    {903, "CUDA_ERROR_STREAM_CAPTURE_UNMATCHED",
     "capture was not initiated in this stream"},
    {999, "CUDA_ERROR_UNKNOWN", "unknown error"},
};

const ErrorText *errorText(CUresult r) {
  for (const ErrorText &e : kErrors)
    if (e.code == r)
      return &e;
  return nullptr;
}

constexpr uint32_t kDefaultSharedLimit = 48 * 1024;
constexpr uint32_t kOptInSharedLimit = 227 * 1024; // sm_90
constexpr int kSmCount = 132;

struct Function;

struct ModuleObj {
  std::unique_ptr<Module> module;
  std::vector<std::unique_ptr<Function>> functions;
  std::vector<uint64_t> globals;
};

struct Function {
  ModuleObj *owner;
  const Kernel *kernel;
  uint32_t maxDynamicShared = kDefaultSharedLimit;
};

struct StreamObj {
  int id;
};
/// A captured graph and its instantiation: the queued operations, in
/// stream order (one stream: a chain, no branches).
struct GraphObj {
  std::vector<std::function<CUresult()>> ops;
};
struct EventObj {
  uint64_t recordedAt = 0; // queue position when recorded
  uint64_t launchesBefore = 0;
};

void report(const char *what, const std::string &line);

/// Device memory open to the simulator's own host code for its lifetime.
struct DeviceOpen {
  DeviceOpen();
  ~DeviceOpen();
};

struct Driver {
  std::recursive_mutex mutex;
  bool initialized = false;
  Memory memory;
  std::set<ModuleObj *> modules;
  std::set<StreamObj *> streams;
  std::set<EventObj *> events;
  std::vector<std::function<CUresult()>> queue;
  uint64_t queued = 0, done = 0; // operations ever queued / completed
  // Stream capture: what is queued goes to `captured` instead of running.
  // A capture that saw an illegal call (a synchronization, a free, an
  // allocation outside relaxed mode) is invalidated, as the driver does.
  StreamObj *captureStream = nullptr;
  bool capturing = false, captureInvalid = false;
  int captureMode = 0;
  std::vector<std::function<CUresult()>> captured;
  std::set<GraphObj *> graphs, graphExecs;
  bool replaying = false; // running operations of a graph launch
  CUresult sticky = CUDA_SUCCESS;
  uint64_t seed = 1, launches = 0;
  std::string statsPath;
  bool trace = false; // RETNET_SIM_TRACE: allocations and launches on stderr
  int context = 1;    // the one context handle's target
  bool contextCurrent = false;

  Driver() {
    if (const char *s = std::getenv("RETNET_SIM_SEED"); s && *s)
      seed = std::strtoull(s, nullptr, 0);
    if (const char *s = std::getenv("RETNET_SIM_STATS"); s && *s)
      statsPath = s;
    if (const char *s = std::getenv("RETNET_SIM_TRACE"); s && *s && *s != '0')
      trace = true;
    // RETNET_SIM_HOST_ACCESS=1: device memory readable by the host (as if
    // it were managed), to debug a program that faults on it.
    if (const char *s = std::getenv("RETNET_SIM_HOST_ACCESS");
        s && *s && *s != '0')
      memory.protect = false;
    else
      installFaultReport();
  }

  /// A segmentation fault gets one line first: in a program that runs on
  /// the simulator, the likeliest cause is host code dereferencing device
  /// memory, which the simulator keeps inaccessible as a GPU's is.
  static void installFaultReport() {
    static struct sigaction previous;
    struct sigaction sa {};
    sa.sa_flags = SA_SIGINFO | SA_RESETHAND;
    sa.sa_sigaction = [](int sig, siginfo_t *info, void *) {
      char line[256];
      int n = std::snprintf(
          line, sizeof line,
          "ptx-sim: segmentation fault at %p: if that is device memory "
          "(cuMemAlloc), host code dereferenced it; device memory is not "
          "host-accessible, on the simulator as on a GPU "
          "(RETNET_SIM_HOST_ACCESS=1 allows it)\n",
          info->si_addr);
      if (n > 0)
        (void)!write(2, line, size_t(std::min(n, int(sizeof line) - 1)));
      sigaction(sig, &previous, nullptr); // the fault repeats, unhandled
    };
    sigaction(SIGSEGV, &sa, &previous);
  }

  /// Fails a call that is illegal during a capture, and the capture.
  CUresult refuseInCapture(const char *call) {
    report("CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED",
           std::string(call) + " while a stream is being captured");
    captureInvalid = true;
    return 900; // CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED
  }

  /// Runs everything queued; the first failure becomes sticky. Waiting for
  /// work is illegal while capturing.
  CUresult drain() {
    if (capturing)
      return refuseInCapture("a synchronizing call");
    DeviceOpen open;
    for (size_t i = 0; i < queue.size(); ++i) {
      if (sticky == CUDA_SUCCESS) {
        CUresult r = queue[i]();
        if (r != CUDA_SUCCESS)
          sticky = r;
      }
      ++done;
    }
    queue.clear();
    return sticky;
  }

  void enqueue(std::function<CUresult()> op) {
    if (capturing) {
      captured.push_back(std::move(op));
      return;
    }
    queue.push_back(std::move(op));
    ++queued;
  }
};

Driver &drv() {
  static Driver *d = new Driver; // never destroyed: atexit order is unknown
  return *d;
}

DeviceOpen::DeviceOpen() { drv().memory.openDevice(); }
DeviceOpen::~DeviceOpen() { drv().memory.closeDevice(); }

#define API_LOCK                                                               \
  Driver &D = drv();                                                           \
  std::lock_guard<std::recursive_mutex> apiLock(D.mutex)

#define REQUIRE_INIT                                                           \
  if (!D.initialized)                                                          \
    return CUDA_ERROR_NOT_INITIALIZED;

void report(const char *what, const std::string &line) {
  std::fprintf(stderr, "ptx-sim: %s: %s\n", what, line.c_str());
  std::fflush(stderr);
}

uint64_t allocateGlobalVar(const Variable &v, void *ctx) {
  auto *m = static_cast<ModuleObj *>(ctx);
  uint64_t p = drv().memory.allocate(std::max<uint64_t>(v.size, 1),
                                     Allocation::ModuleGlobal);
  if (p) {
    if (!v.init.empty())
      std::memcpy(reinterpret_cast<void *>(p), v.init.data(), v.init.size());
    else
      std::memset(reinterpret_cast<void *>(p), 0, v.size);
    m->globals.push_back(p);
  }
  return p;
}

CUresult loadModule(ModuleObj **out, const void *image, std::string *log) {
  if (!out || !image)
    return CUDA_ERROR_INVALID_VALUE;
  const unsigned char *b = static_cast<const unsigned char *>(image);
  auto refuse = [&](CUresult r, const std::string &why) {
    report(errorText(r)->name, why);
    if (log)
      *log = why;
    return r;
  };
  if (b[0] == 0x7F && b[1] == 'E' && b[2] == 'L' && b[3] == 'F')
    return refuse(CUDA_ERROR_INVALID_IMAGE,
                  "cuModuleLoadData: a cubin (ELF) image; the simulator "
                  "executes PTX text only (compile with --gpu-binary ptx)");
  uint32_t magic;
  std::memcpy(&magic, b, 4);
  if (magic == 0xBA55ED50u || magic == 0x466243B1u)
    return refuse(CUDA_ERROR_INVALID_IMAGE,
                  "cuModuleLoadData: a fatbinary image; the simulator "
                  "executes PTX text only (compile with --gpu-binary ptx)");
  std::string text(static_cast<const char *>(image));
  auto m = std::make_unique<ModuleObj>();
  std::string error;
  m->module = parsePtx(text, error, allocateGlobalVar, m.get());
  if (!m->module) {
    for (uint64_t g : m->globals)
      drv().memory.unmap(g);
    return refuse(CUDA_ERROR_INVALID_PTX, "cuModuleLoadData: " + error);
  }
  for (auto &[name, k] : m->module->kernels)
    if (k->staticShared > kDefaultSharedLimit)
      return refuse(CUDA_ERROR_INVALID_PTX,
                    "cuModuleLoadData: kernel " + name + " declares " +
                        std::to_string(k->staticShared) +
                        " bytes of static shared memory (limit 49152)");
  *out = m.release();
  drv().modules.insert(*out);
  return CUDA_SUCCESS;
}

std::string jsonEscape(const std::string &s) {
  std::string o;
  for (char c : s) {
    if (c == '"' || c == '\\')
      o += '\\', o += c;
    else if (uint8_t(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      o += buf;
    } else
      o += c;
  }
  return o;
}

void writeStats(const Launch &l, const LaunchStats &s, double seconds) {
  const std::string &path = drv().statsPath;
  if (path.empty())
    return;
  std::ofstream f(path, std::ios::app);
  f << "{\"kernel\":\"" << jsonEscape(l.kernel->name) << "\",\"grid\":["
    << l.grid[0] << "," << l.grid[1] << "," << l.grid[2] << "],\"block\":["
    << l.block[0] << "," << l.block[1] << "," << l.block[2]
    << "],\"shared_bytes\":" << l.kernel->staticShared + l.dynamicShared
    << ",\"instructions\":" << s.instructions
    << ",\"global_read_bytes\":" << s.globalRead
    << ",\"global_read_sector_bytes\":" << s.globalReadSectors
    << ",\"global_write_bytes\":" << s.globalWrite
    << ",\"shared_read_bytes\":" << s.sharedRead
    << ",\"shared_write_bytes\":" << s.sharedWrite << ",\"mma\":" << s.mma << ",\"f32_flops\":" << s.f32Flops
    << ",\"barriers\":" << s.barriers << ",\"sim_seconds\":" << seconds
    << ",\"from_graph\":" << (drv().replaying ? "true" : "false") << "}\n";
}

/// One line per graph launch in the stats file: the host's launch calls
/// are these plus the kernel lines that are not "from_graph".
void writeGraphStats(size_t operations) {
  const std::string &path = drv().statsPath;
  if (path.empty())
    return;
  std::ofstream f(path, std::ios::app);
  f << "{\"graph_launch\":true,\"operations\":" << operations << "}\n";
}

CUresult launch(Function *f, unsigned gx, unsigned gy, unsigned gz, unsigned bx,
                unsigned by, unsigned bz, unsigned smem, void **params,
                void **extra) {
  Driver &D = drv();
  if (!f)
    return CUDA_ERROR_INVALID_HANDLE;
  const Kernel &k = *f->kernel;
  auto bad = [&](const std::string &why) {
    report("CUDA_ERROR_INVALID_VALUE",
           "cuLaunchKernel of " + k.name + ": " + why);
    return CUDA_ERROR_INVALID_VALUE;
  };
  std::ostringstream cfg;
  cfg << "grid (" << gx << "," << gy << "," << gz << "), block (" << bx << ","
      << by << "," << bz << ")";
  if (gx == 0 || gy == 0 || gz == 0 || bx == 0 || by == 0 || bz == 0)
    return bad(cfg.str() + " has a zero dimension");
  if (gx > 0x7FFFFFFFu || gy > 65535 || gz > 65535)
    return bad(cfg.str() + " exceeds the grid limit (x <= 2147483647, "
                           "y, z <= 65535)");
  if (bx > 1024 || by > 1024 || bz > 64 || uint64_t(bx) * by * bz > 1024)
    return bad(cfg.str() + " exceeds the block limit (1024 threads; x, y <= "
                           "1024, z <= 64)");
  uint64_t threads = uint64_t(bx) * by * bz;
  if (k.maxThreads && threads > k.maxThreads)
    return bad(cfg.str() + " exceeds the kernel's .maxntid/.reqntid of " +
               std::to_string(k.maxThreads) + " threads");
  if (k.reqThreads[0] &&
      (bx != k.reqThreads[0] || by != std::max(1u, k.reqThreads[1]) ||
       bz != std::max(1u, k.reqThreads[2])))
    return bad(cfg.str() + " differs from the kernel's .reqntid");
  if (smem > f->maxDynamicShared)
    return bad(std::to_string(smem) + " bytes of dynamic shared memory, over " +
               (f->maxDynamicShared == kDefaultSharedLimit
                    ? std::string("the 48 KB allowed without "
                                  "CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_"
                                  "BYTES")
                    : "the " + std::to_string(f->maxDynamicShared) +
                          " bytes set by cuFuncSetAttribute"));
  if (k.staticShared + smem > kOptInSharedLimit)
    return bad("static plus dynamic shared memory of " +
               std::to_string(k.staticShared + smem) +
               " bytes exceeds the 227 KB per block");
  if (k.staticShared + smem > kDefaultSharedLimit &&
      f->maxDynamicShared == kDefaultSharedLimit)
    return bad("static plus dynamic shared memory of " +
               std::to_string(k.staticShared + smem) +
               " bytes needs CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES");
  Launch l;
  l.kernel = &k;
  l.grid[0] = gx, l.grid[1] = gy, l.grid[2] = gz;
  l.block[0] = bx, l.block[1] = by, l.block[2] = bz;
  l.dynamicShared = smem;
  l.params.assign(k.paramBytes, 0);
  if (params) {
    for (size_t i = 0; i < k.params.size(); ++i) {
      if (!params[i])
        return bad("kernel parameter " + std::to_string(i) + " is null");
      std::memcpy(l.params.data() + k.params[i].offset, params[i],
                  k.params[i].size);
    }
  } else if (extra) {
    void *buf = nullptr;
    size_t size = 0;
    for (size_t i = 0; extra[i]; i += 2) {
      if (extra[i] == reinterpret_cast<void *>(1))
        buf = extra[i + 1];
      else if (extra[i] == reinterpret_cast<void *>(2))
        size = *static_cast<size_t *>(extra[i + 1]);
      else
        return bad("unknown entry in the extra launch options");
    }
    if (!buf || size < k.paramBytes)
      return bad("the extra parameter buffer is missing or too small");
    std::memcpy(l.params.data(), buf, k.paramBytes);
  } else if (!k.params.empty()) {
    return bad("no kernel parameters given for " +
               std::to_string(k.params.size()) + " declared");
  }
  uint64_t seed = D.seed * 0x9E3779B97F4A7C15ull + D.launches++;
  std::string traceLine;
  if (D.trace) {
    std::string words;
    for (size_t i = 0; i < k.params.size(); ++i) {
      uint64_t w = 0;
      std::memcpy(&w, l.params.data() + k.params[i].offset,
                  std::min<size_t>(8, k.params[i].size));
      char buf[24];
      std::snprintf(buf, sizeof buf, " %#llx", (unsigned long long)w);
      words += buf;
    }
    traceLine = k.name + " " + cfg.str() + " shared " + std::to_string(smem) +
                " params" + words;
  }
  D.enqueue([l, seed, traceLine]() -> CUresult {
    if (!traceLine.empty())
      report("launch", traceLine);
    LaunchStats stats;
    std::string why;
    auto start = std::chrono::steady_clock::now();
    int r = execute(l, drv().memory, seed, stats, why);
    writeStats(l, stats,
               std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                             start)
                   .count());
    if (r != kSuccess) {
      const ErrorText *e = errorText(r);
      report(e ? e->name : "CUDA error", why);
    }
    return r;
  });
  return CUDA_SUCCESS;
}

/// A device range [p, p+n) that copies and memsets may touch.
bool deviceRange(CUdeviceptr p, size_t n) {
  return n == 0 || drv().memory.find(p, n) != nullptr;
}

CUresult memcpyChecked(CUdeviceptr dst, bool dstDevice, CUdeviceptr src,
                       bool srcDevice, size_t n, const char *call) {
  if ((dstDevice && !deviceRange(dst, n)) ||
      (srcDevice && !deviceRange(src, n))) {
    report("CUDA_ERROR_INVALID_VALUE",
           std::string(call) + ": the range of " + std::to_string(n) +
               " bytes is not inside one device allocation");
    return CUDA_ERROR_INVALID_VALUE;
  }
  DeviceOpen open;
  if (n)
    std::memmove(reinterpret_cast<void *>(dst),
                 reinterpret_cast<const void *>(src), n);
  return CUDA_SUCCESS;
}

/// Unified addressing: a pointer is device memory when it lies in an
/// allocation (device, managed, registered host memory).
bool isDevice(CUdeviceptr p) { return drv().memory.containing(p) != nullptr; }

template <class T>
CUresult memsetChecked(CUdeviceptr dst, T value, size_t count,
                       const char *call) {
  if (!deviceRange(dst, count * sizeof(T))) {
    report("CUDA_ERROR_INVALID_VALUE",
           std::string(call) +
               ": the range is not inside one device allocation");
    return CUDA_ERROR_INVALID_VALUE;
  }
  if (dst % sizeof(T))
    return CUDA_ERROR_INVALID_VALUE;
  DeviceOpen open;
  T *p = reinterpret_cast<T *>(dst);
  for (size_t i = 0; i < count; ++i)
    p[i] = value;
  return CUDA_SUCCESS;
}

} // namespace

#define EXPORT extern "C" __attribute__((visibility("default")))

//===--- Initialization, devices, contexts
//----------------------------------===//

EXPORT CUresult cuInit(unsigned flags) {
  API_LOCK;
  if (flags != 0)
    return CUDA_ERROR_INVALID_VALUE;
  D.initialized = true;
  return CUDA_SUCCESS;
}

EXPORT CUresult cuDriverGetVersion(int *v) {
  if (!v)
    return CUDA_ERROR_INVALID_VALUE;
  *v = 13000;
  return CUDA_SUCCESS;
}

EXPORT CUresult cuDeviceGetCount(int *n) {
  API_LOCK;
  REQUIRE_INIT
  if (!n)
    return CUDA_ERROR_INVALID_VALUE;
  *n = 1;
  return CUDA_SUCCESS;
}

EXPORT CUresult cuDeviceGet(CUdevice *d, int ordinal) {
  API_LOCK;
  REQUIRE_INIT
  if (!d)
    return CUDA_ERROR_INVALID_VALUE;
  if (ordinal != 0)
    return CUDA_ERROR_INVALID_DEVICE;
  *d = 0;
  return CUDA_SUCCESS;
}

EXPORT CUresult cuDeviceGetName(char *name, int len, CUdevice d) {
  API_LOCK;
  REQUIRE_INIT
  if (!name || len <= 0)
    return CUDA_ERROR_INVALID_VALUE;
  if (d != 0)
    return CUDA_ERROR_INVALID_DEVICE;
  std::snprintf(name, size_t(len), "NVIDIA H200 (retnet PTX simulator)");
  return CUDA_SUCCESS;
}

EXPORT CUresult cuDeviceTotalMem_v2(size_t *bytes, CUdevice d) {
  API_LOCK;
  REQUIRE_INIT
  if (!bytes)
    return CUDA_ERROR_INVALID_VALUE;
  if (d != 0)
    return CUDA_ERROR_INVALID_DEVICE;
  *bytes = Memory::kTotal;
  return CUDA_SUCCESS;
}

EXPORT CUresult cuDeviceGetAttribute(int *v, int attr, CUdevice d) {
  API_LOCK;
  REQUIRE_INIT
  if (!v)
    return CUDA_ERROR_INVALID_VALUE;
  if (d != 0)
    return CUDA_ERROR_INVALID_DEVICE;
  switch (attr) {
  case 1:
    *v = 1024;
    break; // max threads per block
  case 2:
  case 3:
    *v = 1024;
    break; // max block x, y
  case 4:
    *v = 64;
    break; // max block z
  case 5:
    *v = 0x7FFFFFFF;
    break; // max grid x
  case 6:
  case 7:
    *v = 65535;
    break; // max grid y, z
  case 8:
    *v = int(kDefaultSharedLimit);
    break;
  case 9:
    *v = 65536;
    break; // total constant memory
  case 10:
    *v = 32;
    break; // warp size
  case 12:
    *v = 65536;
    break; // registers per block
  case 13:
    *v = 1980000;
    break; // clock rate (kHz)
  case 16:
    *v = kSmCount;
    break; // multiprocessors
  case 36:
    *v = 3201000;
    break; // memory clock (kHz)
  case 37:
    *v = 6144;
    break; // bus width (bits)
  case 38:
    *v = 60 * 1024 * 1024;
    break; // L2 bytes
  case 39:
    *v = 2048;
    break; // threads per SM
  case 41:
    *v = 1;
    break; // unified addressing
  case 75:
    *v = 9;
    break; // compute capability major
  case 76:
    *v = 0;
    break; // minor
  case 81:
    *v = 228 * 1024;
    break; // shared per SM
  case 82:
    *v = 65536;
    break; // registers per SM
  case 83:
    *v = 1;
    break; // managed memory
  case 89:
    *v = 1;
    break; // concurrent managed access
  case 97:
    *v = int(kOptInSharedLimit);
    break; // shared per block, opt-in
  case 106:
    *v = 32;
    break; // max blocks per SM
  default:
    *v = 0;
    break;
  }
  return CUDA_SUCCESS;
}

EXPORT CUresult cuDeviceComputeCapability(int *major, int *minor, CUdevice d) {
  if (!major || !minor)
    return CUDA_ERROR_INVALID_VALUE;
  if (d != 0)
    return CUDA_ERROR_INVALID_DEVICE;
  *major = 9;
  *minor = 0;
  return CUDA_SUCCESS;
}

namespace {
void *contextHandle() { return &drv().context; }
} // namespace

EXPORT CUresult cuDevicePrimaryCtxRetain(void **ctx, CUdevice d) {
  API_LOCK;
  REQUIRE_INIT
  if (!ctx)
    return CUDA_ERROR_INVALID_VALUE;
  if (d != 0)
    return CUDA_ERROR_INVALID_DEVICE;
  *ctx = contextHandle();
  return CUDA_SUCCESS;
}

EXPORT CUresult cuDevicePrimaryCtxRelease_v2(CUdevice d) {
  return d == 0 ? CUDA_SUCCESS : CUDA_ERROR_INVALID_DEVICE;
}
EXPORT CUresult cuDevicePrimaryCtxRelease(CUdevice d) {
  return cuDevicePrimaryCtxRelease_v2(d);
}

EXPORT CUresult cuCtxCreate_v2(void **ctx, unsigned, CUdevice d) {
  API_LOCK;
  REQUIRE_INIT
  if (!ctx)
    return CUDA_ERROR_INVALID_VALUE;
  if (d != 0)
    return CUDA_ERROR_INVALID_DEVICE;
  *ctx = contextHandle();
  D.contextCurrent = true;
  return CUDA_SUCCESS;
}

EXPORT CUresult cuCtxCreate_v4(void **ctx, void * /*params*/, unsigned flags,
                               CUdevice d) {
  return cuCtxCreate_v2(ctx, flags, d);
}

EXPORT CUresult cuCtxDestroy_v2(void *ctx) {
  API_LOCK;
  if (ctx != contextHandle())
    return CUDA_ERROR_INVALID_CONTEXT;
  D.drain();
  return CUDA_SUCCESS;
}

EXPORT CUresult cuCtxSetCurrent(void *ctx) {
  API_LOCK;
  REQUIRE_INIT
  if (ctx && ctx != contextHandle())
    return CUDA_ERROR_INVALID_CONTEXT;
  D.contextCurrent = ctx != nullptr;
  return CUDA_SUCCESS;
}

EXPORT CUresult cuCtxGetCurrent(void **ctx) {
  API_LOCK;
  if (!ctx)
    return CUDA_ERROR_INVALID_VALUE;
  *ctx = D.contextCurrent ? contextHandle() : nullptr;
  return CUDA_SUCCESS;
}

EXPORT CUresult cuCtxPushCurrent_v2(void *ctx) { return cuCtxSetCurrent(ctx); }
EXPORT CUresult cuCtxPopCurrent_v2(void **ctx) {
  if (ctx)
    *ctx = contextHandle();
  return CUDA_SUCCESS;
}

EXPORT CUresult cuCtxGetDevice(CUdevice *d) {
  if (!d)
    return CUDA_ERROR_INVALID_VALUE;
  *d = 0;
  return CUDA_SUCCESS;
}

EXPORT CUresult cuCtxSynchronize() {
  API_LOCK;
  REQUIRE_INIT
  return D.drain();
}

//===--- Errors
//-------------------------------------------------------------===//

EXPORT CUresult cuGetErrorName(CUresult r, const char **s) {
  if (!s)
    return CUDA_ERROR_INVALID_VALUE;
  const ErrorText *e = errorText(r);
  *s = e ? e->name : nullptr;
  return e ? CUDA_SUCCESS : CUDA_ERROR_INVALID_VALUE;
}

EXPORT CUresult cuGetErrorString(CUresult r, const char **s) {
  if (!s)
    return CUDA_ERROR_INVALID_VALUE;
  const ErrorText *e = errorText(r);
  *s = e ? e->text : nullptr;
  return e ? CUDA_SUCCESS : CUDA_ERROR_INVALID_VALUE;
}

//===--- Modules and functions
//----------------------------------------------===//

EXPORT CUresult cuModuleLoadData(void **mod, const void *image) {
  API_LOCK;
  REQUIRE_INIT
  if (D.sticky)
    return D.sticky;
  return loadModule(reinterpret_cast<ModuleObj **>(mod), image, nullptr);
}

EXPORT CUresult cuModuleLoadDataEx(void **mod, const void *image, unsigned n,
                                   int *options, void **values) {
  API_LOCK;
  REQUIRE_INIT
  if (D.sticky)
    return D.sticky;
  std::string log;
  CUresult r = loadModule(reinterpret_cast<ModuleObj **>(mod), image, &log);
  // CU_JIT_ERROR_LOG_BUFFER (5) and its size (6).
  char *buf = nullptr;
  size_t size = 0;
  for (unsigned i = 0; i < n && options && values; ++i) {
    if (options[i] == 5)
      buf = static_cast<char *>(values[i]);
    else if (options[i] == 6)
      size = size_t(reinterpret_cast<uintptr_t>(values[i]));
  }
  if (buf && size) {
    std::snprintf(buf, size, "%s", log.c_str());
  }
  return r;
}

EXPORT CUresult cuModuleLoad(void **mod, const char *path) {
  API_LOCK;
  REQUIRE_INIT
  if (!path)
    return CUDA_ERROR_INVALID_VALUE;
  std::ifstream f(path, std::ios::binary);
  if (!f)
    return CUDA_ERROR_NOT_FOUND;
  std::string text((std::istreambuf_iterator<char>(f)),
                   std::istreambuf_iterator<char>());
  return loadModule(reinterpret_cast<ModuleObj **>(mod), text.c_str(), nullptr);
}

EXPORT CUresult cuModuleUnload(void *mod) {
  API_LOCK;
  auto *m = static_cast<ModuleObj *>(mod);
  if (!D.modules.count(m))
    return CUDA_ERROR_INVALID_HANDLE;
  D.drain(); // queued launches of its kernels run first
  for (uint64_t g : m->globals)
    D.memory.unmap(g);
  D.modules.erase(m);
  delete m;
  return D.sticky;
}

EXPORT CUresult cuModuleGetFunction(void **fn, void *mod, const char *name) {
  API_LOCK;
  auto *m = static_cast<ModuleObj *>(mod);
  if (!fn || !name)
    return CUDA_ERROR_INVALID_VALUE;
  if (!D.modules.count(m))
    return CUDA_ERROR_INVALID_HANDLE;
  auto it = m->module->kernels.find(name);
  if (it == m->module->kernels.end())
    return CUDA_ERROR_NOT_FOUND;
  for (auto &f : m->functions)
    if (f->kernel == it->second.get()) {
      *fn = f.get();
      return CUDA_SUCCESS;
    }
  m->functions.push_back(
      std::make_unique<Function>(Function{m, it->second.get()}));
  *fn = m->functions.back().get();
  return CUDA_SUCCESS;
}

EXPORT CUresult cuModuleGetGlobal_v2(CUdeviceptr *dptr, size_t *bytes,
                                     void *mod, const char *name) {
  API_LOCK;
  auto *m = static_cast<ModuleObj *>(mod);
  if (!name)
    return CUDA_ERROR_INVALID_VALUE;
  if (!D.modules.count(m))
    return CUDA_ERROR_INVALID_HANDLE;
  for (const Variable &v : m->module->globals)
    if (v.name == name) {
      if (dptr)
        *dptr = m->module->globalAddress[name];
      if (bytes)
        *bytes = v.size;
      return CUDA_SUCCESS;
    }
  return CUDA_ERROR_NOT_FOUND;
}

EXPORT CUresult cuFuncSetAttribute(void *fn, int attr, int value) {
  API_LOCK;
  auto *f = static_cast<Function *>(fn);
  if (!f)
    return CUDA_ERROR_INVALID_HANDLE;
  if (attr == 8) { // CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES
    if (value < 0 ||
        uint64_t(value) + f->kernel->staticShared > kOptInSharedLimit) {
      report("CUDA_ERROR_INVALID_VALUE",
             "cuFuncSetAttribute: " + std::to_string(value) +
                 " bytes of dynamic shared memory for " + f->kernel->name +
                 " exceed the opt-in maximum of " +
                 std::to_string(kOptInSharedLimit - f->kernel->staticShared));
      return CUDA_ERROR_INVALID_VALUE;
    }
    f->maxDynamicShared = uint32_t(value);
    return CUDA_SUCCESS;
  }
  if (attr == 9) // preferred shared memory carveout
    return CUDA_SUCCESS;
  return CUDA_ERROR_INVALID_VALUE;
}

EXPORT CUresult cuFuncGetAttribute(int *v, int attr, void *fn) {
  API_LOCK;
  auto *f = static_cast<Function *>(fn);
  if (!v || !f)
    return CUDA_ERROR_INVALID_VALUE;
  switch (attr) {
  case 0:
    *v = f->kernel->maxThreads ? int(f->kernel->maxThreads) : 1024;
    break;
  case 1:
    *v = int(f->kernel->staticShared);
    break;
  case 3:
    *v = int(f->kernel->localBytes);
    break;
  case 4:
    *v = 32;
    break; // registers: not modelled
  case 8:
    *v = int(f->maxDynamicShared);
    break;
  default:
    *v = 0;
    break;
  }
  return CUDA_SUCCESS;
}

//===--- Launches
//-----------------------------------------------------------===//

EXPORT CUresult cuLaunchKernel(void *fn, unsigned gx, unsigned gy, unsigned gz,
                               unsigned bx, unsigned by, unsigned bz,
                               unsigned smem, void * /*stream*/, void **params,
                               void **extra) {
  API_LOCK;
  REQUIRE_INIT
  if (D.sticky)
    return D.sticky;
  return launch(static_cast<Function *>(fn), gx, gy, gz, bx, by, bz, smem,
                params, extra);
}

namespace {
struct LaunchAttribute {
  int id;
  char pad[4];
  union {
    char bytes[64];
    struct {
      unsigned x, y, z;
    } clusterDim;
  } value;
};
struct LaunchConfig {
  unsigned gridDimX, gridDimY, gridDimZ;
  unsigned blockDimX, blockDimY, blockDimZ;
  unsigned sharedMemBytes;
  void *hStream;
  LaunchAttribute *attrs;
  unsigned numAttrs;
};
} // namespace

EXPORT CUresult cuLaunchKernelEx(const LaunchConfig *c, void *fn, void **params,
                                 void **extra) {
  API_LOCK;
  REQUIRE_INIT
  if (!c)
    return CUDA_ERROR_INVALID_VALUE;
  if (D.sticky)
    return D.sticky;
  for (unsigned i = 0; i < c->numAttrs; ++i) {
    const LaunchAttribute &a = c->attrs[i];
    if (a.id == 4) { // cluster dimension
      auto cd = a.value.clusterDim;
      if (cd.x * cd.y * cd.z > 1) {
        report("CUDA_ERROR_NOT_SUPPORTED",
               "cuLaunchKernelEx: thread-block clusters are not simulated");
        return CUDA_ERROR_NOT_SUPPORTED;
      }
    }
  }
  return launch(static_cast<Function *>(fn), c->gridDimX, c->gridDimY,
                c->gridDimZ, c->blockDimX, c->blockDimY, c->blockDimZ,
                c->sharedMemBytes, params, extra);
}

//===--- Streams and events
//-------------------------------------------------===//

EXPORT CUresult cuStreamCreate(void **s, unsigned) {
  API_LOCK;
  REQUIRE_INIT
  if (!s)
    return CUDA_ERROR_INVALID_VALUE;
  auto *st = new StreamObj{int(D.streams.size()) + 1};
  D.streams.insert(st);
  *s = st;
  return CUDA_SUCCESS;
}

EXPORT CUresult cuStreamCreateWithPriority(void **s, unsigned flags, int) {
  return cuStreamCreate(s, flags);
}

EXPORT CUresult cuStreamDestroy_v2(void *s) {
  API_LOCK;
  auto *st = static_cast<StreamObj *>(s);
  if (!D.streams.erase(st))
    return CUDA_ERROR_INVALID_HANDLE;
  delete st;
  return CUDA_SUCCESS;
}

EXPORT CUresult cuStreamSynchronize(void *) {
  API_LOCK;
  REQUIRE_INIT
  return D.drain();
}

EXPORT CUresult cuStreamQuery(void *) {
  API_LOCK;
  // Work is done only at synchronization: pending work is "not ready".
  if (D.sticky)
    return D.sticky;
  return D.queue.empty() ? CUDA_SUCCESS : CUDA_ERROR_NOT_READY;
}

EXPORT CUresult cuStreamWaitEvent(void *, void *, unsigned) {
  // One queue in order: every stream already waits for everything before.
  return drv().sticky;
}

EXPORT CUresult cuEventCreate(void **e, unsigned) {
  API_LOCK;
  REQUIRE_INIT
  if (!e)
    return CUDA_ERROR_INVALID_VALUE;
  auto *ev = new EventObj;
  D.events.insert(ev);
  *e = ev;
  return CUDA_SUCCESS;
}

EXPORT CUresult cuEventRecord(void *e, void *) {
  API_LOCK;
  auto *ev = static_cast<EventObj *>(e);
  if (!D.events.count(ev))
    return CUDA_ERROR_INVALID_HANDLE;
  ev->recordedAt = D.queued;
  return D.sticky;
}

EXPORT CUresult cuEventSynchronize(void *e) {
  API_LOCK;
  auto *ev = static_cast<EventObj *>(e);
  if (!D.events.count(ev))
    return CUDA_ERROR_INVALID_HANDLE;
  if (D.done < ev->recordedAt)
    return D.drain();
  return D.sticky;
}

EXPORT CUresult cuEventQuery(void *e) {
  API_LOCK;
  auto *ev = static_cast<EventObj *>(e);
  if (!D.events.count(ev))
    return CUDA_ERROR_INVALID_HANDLE;
  return D.done < ev->recordedAt ? CUDA_ERROR_NOT_READY : D.sticky;
}

EXPORT CUresult cuEventElapsedTime(float *ms, void *a, void *b) {
  if (!ms || !a || !b)
    return CUDA_ERROR_INVALID_VALUE;
  *ms = 0.0f; // simulated time is not modelled
  return CUDA_SUCCESS;
}
EXPORT CUresult cuEventElapsedTime_v2(float *ms, void *a, void *b) {
  return cuEventElapsedTime(ms, a, b);
}

EXPORT CUresult cuEventDestroy_v2(void *e) {
  API_LOCK;
  auto *ev = static_cast<EventObj *>(e);
  if (!D.events.erase(ev))
    return CUDA_ERROR_INVALID_HANDLE;
  delete ev;
  return CUDA_SUCCESS;
}

//===--- Memory
//-------------------------------------------------------------===//

EXPORT CUresult cuMemAlloc_v2(CUdeviceptr *p, size_t bytes) {
  API_LOCK;
  REQUIRE_INIT
  if (!p || bytes == 0)
    return CUDA_ERROR_INVALID_VALUE;
  if (D.sticky)
    return D.sticky;
  if (D.capturing && D.captureMode != 2)
    return D.refuseInCapture("cuMemAlloc outside relaxed capture mode");
  *p = D.memory.allocate(bytes, Allocation::Device);
  if (D.trace)
    report("cuMemAlloc",
           std::to_string(bytes) + " bytes at " + std::to_string(*p));
  return *p ? CUDA_SUCCESS : CUDA_ERROR_OUT_OF_MEMORY;
}

EXPORT CUresult cuMemAllocManaged(CUdeviceptr *p, size_t bytes,
                                  unsigned flags) {
  API_LOCK;
  REQUIRE_INIT
  if (!p || bytes == 0 || (flags != 1 && flags != 2))
    return CUDA_ERROR_INVALID_VALUE;
  if (D.sticky)
    return D.sticky;
  *p = D.memory.allocate(bytes, Allocation::Managed);
  if (D.trace) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%#llx", *p);
    report("cuMemAllocManaged", std::to_string(bytes) + " bytes at " + buf);
  }
  return *p ? CUDA_SUCCESS : CUDA_ERROR_OUT_OF_MEMORY;
}

EXPORT CUresult cuMemFree_v2(CUdeviceptr p) {
  API_LOCK;
  REQUIRE_INIT
  // Freeing synchronizes the device: queued kernels still use the buffer.
  CUresult r = D.drain();
  if (p == 0)
    return r;
  if (!D.memory.release(p)) {
    report("CUDA_ERROR_INVALID_VALUE",
           "cuMemFree: the pointer is not the start of a live allocation");
    return CUDA_ERROR_INVALID_VALUE;
  }
  return r;
}

EXPORT CUresult cuMemGetInfo_v2(size_t *free, size_t *total) {
  API_LOCK;
  if (!free || !total)
    return CUDA_ERROR_INVALID_VALUE;
  *total = Memory::kTotal;
  *free = Memory::kTotal - D.memory.liveBytes();
  return CUDA_SUCCESS;
}

EXPORT CUresult cuMemHostRegister_v2(void *p, size_t bytes, unsigned) {
  API_LOCK;
  REQUIRE_INIT
  if (!p || bytes == 0)
    return CUDA_ERROR_INVALID_VALUE;
  uint64_t base = reinterpret_cast<uint64_t>(p);
  if (D.memory.find(base, 1) || D.memory.find(base + bytes - 1, 1))
    return CUDA_ERROR_HOST_MEMORY_ALREADY_REGISTERED;
  D.memory.addRange(base, bytes, Allocation::HostRegistered);
  if (D.trace)
    report("cuMemHostRegister",
           std::to_string(bytes) + " bytes at " + std::to_string(base));
  return CUDA_SUCCESS;
}

EXPORT CUresult cuMemHostUnregister(void *p) {
  API_LOCK;
  D.drain(); // queued kernels may still read it
  const Allocation *a = D.memory.find(reinterpret_cast<uint64_t>(p), 1);
  if (!a || a->kind != Allocation::HostRegistered ||
      a->base != reinterpret_cast<uint64_t>(p))
    return CUDA_ERROR_HOST_MEMORY_NOT_REGISTERED;
  D.memory.removeRange(a->base);
  return D.sticky;
}

// Synchronous copies wait for queued work first (the legacy stream).
EXPORT CUresult cuMemcpyHtoD_v2(CUdeviceptr dst, const void *src, size_t n) {
  API_LOCK;
  REQUIRE_INIT
  if (CUresult r = D.drain())
    return r;
  return memcpyChecked(dst, true, reinterpret_cast<CUdeviceptr>(src), false, n,
                       "cuMemcpyHtoD");
}

EXPORT CUresult cuMemcpyDtoH_v2(void *dst, CUdeviceptr src, size_t n) {
  API_LOCK;
  REQUIRE_INIT
  if (CUresult r = D.drain())
    return r;
  return memcpyChecked(reinterpret_cast<CUdeviceptr>(dst), false, src, true, n,
                       "cuMemcpyDtoH");
}

EXPORT CUresult cuMemcpyDtoD_v2(CUdeviceptr dst, CUdeviceptr src, size_t n) {
  API_LOCK;
  REQUIRE_INIT
  if (CUresult r = D.drain())
    return r;
  return memcpyChecked(dst, true, src, true, n, "cuMemcpyDtoD");
}

EXPORT CUresult cuMemcpy(CUdeviceptr dst, CUdeviceptr src, size_t n) {
  API_LOCK;
  REQUIRE_INIT
  if (CUresult r = D.drain())
    return r;
  return memcpyChecked(dst, isDevice(dst), src, isDevice(src), n, "cuMemcpy");
}

namespace {
CUresult queueCopy(CUdeviceptr dst, bool dd, CUdeviceptr src, bool sd, size_t n,
                   const char *call) {
  Driver &D = drv();
  if (D.sticky)
    return D.sticky;
  // Check now (a bad range is an immediate error), copy in order.
  if ((dd && !deviceRange(dst, n)) || (sd && !deviceRange(src, n))) {
    report("CUDA_ERROR_INVALID_VALUE",
           std::string(call) + ": the range of " + std::to_string(n) +
               " bytes is not inside one device allocation");
    return CUDA_ERROR_INVALID_VALUE;
  }
  D.enqueue([=] { return memcpyChecked(dst, dd, src, sd, n, call); });
  return CUDA_SUCCESS;
}
} // namespace

EXPORT CUresult cuMemcpyHtoDAsync_v2(CUdeviceptr dst, const void *src, size_t n,
                                     void *) {
  API_LOCK;
  REQUIRE_INIT
  return queueCopy(dst, true, reinterpret_cast<CUdeviceptr>(src), false, n,
                   "cuMemcpyHtoDAsync");
}

EXPORT CUresult cuMemcpyDtoHAsync_v2(void *dst, CUdeviceptr src, size_t n,
                                     void *) {
  API_LOCK;
  REQUIRE_INIT
  return queueCopy(reinterpret_cast<CUdeviceptr>(dst), false, src, true, n,
                   "cuMemcpyDtoHAsync");
}

EXPORT CUresult cuMemcpyDtoDAsync_v2(CUdeviceptr dst, CUdeviceptr src, size_t n,
                                     void *) {
  API_LOCK;
  REQUIRE_INIT
  return queueCopy(dst, true, src, true, n, "cuMemcpyDtoDAsync");
}

EXPORT CUresult cuMemcpyAsync(CUdeviceptr dst, CUdeviceptr src, size_t n,
                              void *) {
  API_LOCK;
  REQUIRE_INIT
  return queueCopy(dst, isDevice(dst), src, isDevice(src), n, "cuMemcpyAsync");
}

EXPORT CUresult cuMemsetD8_v2(CUdeviceptr p, unsigned char v, size_t n) {
  API_LOCK;
  REQUIRE_INIT
  if (CUresult r = D.drain())
    return r;
  return memsetChecked<uint8_t>(p, v, n, "cuMemsetD8");
}
EXPORT CUresult cuMemsetD16_v2(CUdeviceptr p, unsigned short v, size_t n) {
  API_LOCK;
  REQUIRE_INIT
  if (CUresult r = D.drain())
    return r;
  return memsetChecked<uint16_t>(p, v, n, "cuMemsetD16");
}
EXPORT CUresult cuMemsetD32_v2(CUdeviceptr p, unsigned v, size_t n) {
  API_LOCK;
  REQUIRE_INIT
  if (CUresult r = D.drain())
    return r;
  return memsetChecked<uint32_t>(p, v, n, "cuMemsetD32");
}

namespace {
template <class T>
CUresult queueMemset(CUdeviceptr p, T v, size_t n, const char *call) {
  Driver &D = drv();
  if (D.sticky)
    return D.sticky;
  if (!deviceRange(p, n * sizeof(T)) || p % sizeof(T)) {
    report("CUDA_ERROR_INVALID_VALUE",
           std::string(call) + ": the range is not inside one device "
                               "allocation or is misaligned");
    return CUDA_ERROR_INVALID_VALUE;
  }
  D.enqueue([=] { return memsetChecked<T>(p, v, n, call); });
  return CUDA_SUCCESS;
}
} // namespace

EXPORT CUresult cuMemsetD8Async(CUdeviceptr p, unsigned char v, size_t n,
                                void *) {
  API_LOCK;
  REQUIRE_INIT
  return queueMemset<uint8_t>(p, v, n, "cuMemsetD8Async");
}
EXPORT CUresult cuMemsetD16Async(CUdeviceptr p, unsigned short v, size_t n,
                                 void *) {
  API_LOCK;
  REQUIRE_INIT
  return queueMemset<uint16_t>(p, v, n, "cuMemsetD16Async");
}
EXPORT CUresult cuMemsetD32Async(CUdeviceptr p, unsigned v, size_t n, void *) {
  API_LOCK;
  REQUIRE_INIT
  return queueMemset<uint32_t>(p, v, n, "cuMemsetD32Async");
}

//===--- Graphs (stream capture) ------------------------------------------===//

EXPORT CUresult cuStreamBeginCapture_v2(void *s, int mode) {
  API_LOCK;
  REQUIRE_INIT
  auto *st = static_cast<StreamObj *>(s);
  if (!st || !D.streams.count(st)) {
    report("CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED",
           "cuStreamBeginCapture: the legacy stream cannot be captured");
    return 900;
  }
  if (mode < 0 || mode > 2)
    return CUDA_ERROR_INVALID_VALUE;
  if (D.capturing)
    return 401; // CUDA_ERROR_ILLEGAL_STATE
  if (D.sticky)
    return D.sticky;
  D.capturing = true;
  D.captureInvalid = false;
  D.captureMode = mode;
  D.captureStream = st;
  D.captured.clear();
  return CUDA_SUCCESS;
}

EXPORT CUresult cuStreamEndCapture(void *s, void **graph) {
  API_LOCK;
  REQUIRE_INIT
  if (!graph)
    return CUDA_ERROR_INVALID_VALUE;
  *graph = nullptr;
  if (!D.capturing)
    return 401; // CUDA_ERROR_ILLEGAL_STATE
  if (s != D.captureStream)
    return 903; // CUDA_ERROR_STREAM_CAPTURE_UNMATCHED
  D.capturing = false;
  D.captureStream = nullptr;
  auto ops = std::move(D.captured);
  D.captured.clear();
  if (D.captureInvalid)
    return 901; // CUDA_ERROR_STREAM_CAPTURE_INVALIDATED
  auto *g = new GraphObj{std::move(ops)};
  D.graphs.insert(g);
  *graph = g;
  return CUDA_SUCCESS;
}

EXPORT CUresult cuStreamIsCapturing(void *s, int *status) {
  API_LOCK;
  if (!status)
    return CUDA_ERROR_INVALID_VALUE;
  *status = D.capturing && s == D.captureStream ? 1 : 0;
  return CUDA_SUCCESS;
}

EXPORT CUresult cuGraphInstantiateWithFlags(void **exec, void *graph,
                                            unsigned long long) {
  API_LOCK;
  REQUIRE_INIT
  auto *g = static_cast<GraphObj *>(graph);
  if (!exec || !D.graphs.count(g))
    return CUDA_ERROR_INVALID_VALUE;
  auto *e = new GraphObj{g->ops};
  D.graphExecs.insert(e);
  *exec = e;
  return CUDA_SUCCESS;
}

EXPORT CUresult cuGraphLaunch(void *exec, void *) {
  API_LOCK;
  REQUIRE_INIT
  auto *e = static_cast<GraphObj *>(exec);
  if (!D.graphExecs.count(e))
    return CUDA_ERROR_INVALID_HANDLE;
  if (D.sticky)
    return D.sticky;
  if (D.trace)
    report("cuGraphLaunch", std::to_string(e->ops.size()) + " operations");
  if (!D.capturing)
    writeGraphStats(e->ops.size());
  for (const auto &op : e->ops)
    D.enqueue([op]() -> CUresult {
      bool outer = drv().replaying;
      drv().replaying = true;
      CUresult r = op();
      drv().replaying = outer;
      return r;
    });
  return CUDA_SUCCESS;
}

EXPORT CUresult cuGraphExecDestroy(void *exec) {
  API_LOCK;
  auto *e = static_cast<GraphObj *>(exec);
  if (!D.graphExecs.erase(e))
    return CUDA_ERROR_INVALID_HANDLE;
  delete e;
  return CUDA_SUCCESS;
}

EXPORT CUresult cuGraphDestroy(void *graph) {
  API_LOCK;
  auto *g = static_cast<GraphObj *>(graph);
  if (!D.graphs.erase(g))
    return CUDA_ERROR_INVALID_HANDLE;
  delete g;
  return CUDA_SUCCESS;
}

EXPORT CUresult cuTensorMapEncodeTiled(void *, int, unsigned, void *,
                                       const uint64_t *, const uint64_t *,
                                       const unsigned *, const unsigned *, int,
                                       int, int, int) {
  report("CUDA_ERROR_NOT_SUPPORTED",
         "cuTensorMapEncodeTiled: TMA tensor maps are not simulated");
  return CUDA_ERROR_NOT_SUPPORTED;
}
