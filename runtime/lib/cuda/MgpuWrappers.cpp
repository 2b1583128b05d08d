//===- MgpuWrappers.cpp - the mgpu* ABI of LLVM 22's gpu-to-llvm ----------===//
//
// The functions MLIR's GPU host code calls, with the signatures LLVM 22.1
// declares (checked by test/Target/mgpu-abi.mlir), implemented on the CUDA
// driver API. Unlike upstream's wrappers this never links libcuda, reuses one
// stream for every launch, and reports each driver error with the failing
// call and the driver's own description.
//
//===----------------------------------------------------------------------===//

#include "CudaDriver.h"
#include "retnet/CudaRuntime.h"

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

using namespace retnet::cuda;

namespace {

void defaultHandler(const char *message) {
  std::fprintf(stderr, "retnet: CUDA error: %s\n", message);
  std::exit(1);
}

std::atomic<retnet_cuda_error_handler> handler{defaultHandler};

void fail(const std::string &message) { handler.load()(message.c_str()); }

/// The driver, or null after reporting why it is unusable.
const DriverApi *api() {
  std::string error;
  const DriverApi *d = driver(&error);
  if (!d)
    fail(error);
  return d;
}

/// True when `r` is success; otherwise reports `call` and returns false.
bool check(const char *call, CUresult r) {
  if (r == CUDA_SUCCESS)
    return true;
  fail(describe(call, r));
  return false;
}

#define CALL(d, fn, ...) check(#fn, (d)->fn(__VA_ARGS__))

/// The one stream every launch and copy goes to (created on first use).
std::atomic<CUstream> sharedStream{nullptr};

/// With deferred synchronization (retnet_cuda_set_deferred_sync), the
/// stream synchronization that generated host code does after every launch
/// is skipped on the shared stream: kernels queue back to back and the
/// owner of the call synchronizes once (retnet_cuda_synchronize).
std::atomic<bool> deferredSync{false};

/// While the shared stream is being captured into a graph: no
/// synchronization and no cuMemFree (both illegal during a capture).
std::atomic<bool> capturing{false};

constexpr int kDefaultSharedMemory = 48 * 1024;

/// Freed buffers, kept for the next allocation of the same size and kind.
/// Compiled code allocates every temporary of a call and frees it after the
/// call's last kernel; the next call (a decode step, the next layer's
/// prefill) asks for the same sizes again. cuMemAlloc/cuMemAllocManaged and
/// cuMemFree synchronize the device, and a new managed buffer starts on the
/// host, so each reuse also saves the page faults that move it back to the
/// GPU. All work goes to one stream, so a buffer freed after its last
/// kernel was queued may serve the next kernel. Cached bytes are bounded
/// (RETNET_CUDA_CACHE_MB, default 4096); an allocation that fails releases
/// the cache and tries again. While a graph is captured, the buffers handed
/// out are recorded: those freed again by the end of the capture leave the
/// cache and belong to the graph (its replays use them).
class BufferCache {
public:
  using Key = std::pair<uint64_t, bool>; // bytes, managed
  using Owned = std::vector<std::pair<CUdeviceptr, Key>>;
  /// A cached buffer of this size and kind, or 0.
  CUdeviceptr take(Key key) {
    std::lock_guard<std::mutex> lock(mutex);
    auto it = idle.find(key);
    if (it == idle.end())
      return 0;
    CUdeviceptr p = it->second;
    idle.erase(it);
    idleBytes -= key.first;
    live[p] = key;
    if (recording)
      recorded.push_back({p, key});
    return p;
  }
  void track(CUdeviceptr p, Key key) {
    std::lock_guard<std::mutex> lock(mutex);
    live[p] = key;
    if (recording)
      recorded.push_back({p, key});
  }
  /// Keeps `p` for reuse; false when it must really be freed (unknown
  /// pointer, or the cache is full; never while recording).
  bool give(CUdeviceptr p) {
    std::lock_guard<std::mutex> lock(mutex);
    auto it = live.find(p);
    if (it == live.end())
      return false;
    Key key = it->second;
    live.erase(it);
    if (!recording && idleBytes + key.first > limit())
      return false;
    idle.emplace(key, p);
    idleBytes += key.first;
    return true;
  }
  void startRecording() {
    std::lock_guard<std::mutex> lock(mutex);
    recording = true;
    recorded.clear();
  }
  /// The recorded buffers that are idle again, taken out of the cache.
  Owned stopRecording() {
    std::lock_guard<std::mutex> lock(mutex);
    recording = false;
    Owned owned;
    for (auto [p, key] : recorded) {
      auto [lo, hi] = idle.equal_range(key);
      for (auto it = lo; it != hi; ++it)
        if (it->second == p) {
          idle.erase(it);
          idleBytes -= key.first;
          owned.push_back({p, key});
          break;
        }
    }
    recorded.clear();
    return owned;
  }
  /// Takes back a buffer that `stopRecording` gave out; false when it must
  /// really be freed (the cache is full).
  bool adopt(CUdeviceptr p, Key key) {
    track(p, key);
    return give(p);
  }
  /// Takes every cached buffer out (the caller frees them).
  std::vector<CUdeviceptr> drain() {
    std::lock_guard<std::mutex> lock(mutex);
    std::vector<CUdeviceptr> out;
    for (auto &[key, p] : idle)
      out.push_back(p);
    idle.clear();
    idleBytes = 0;
    return out;
  }

private:
  static uint64_t limit() {
    static const uint64_t bytes = [] {
      const char *env = std::getenv("RETNET_CUDA_CACHE_MB");
      char *end = nullptr;
      unsigned long long mb = env ? std::strtoull(env, &end, 10) : 4096;
      if (env && (end == env || *end))
        mb = 4096;
      return uint64_t(mb) << 20;
    }();
    return bytes;
  }
  std::mutex mutex;
  std::unordered_map<CUdeviceptr, Key> live;
  std::multimap<Key, CUdeviceptr> idle;
  uint64_t idleBytes = 0;
  bool recording = false;
  Owned recorded;
};

BufferCache &bufferCache() {
  static BufferCache *cache = new BufferCache; // outlives static destructors
  return *cache;
}

/// Frees every cached buffer; how many.
size_t trimCache(const DriverApi *d) {
  size_t n = 0;
  for (CUdeviceptr p : bufferCache().drain()) {
    d->cuMemFree(p);
    ++n;
  }
  return n;
}

/// A ranked memref descriptor as the C interface lays it out.
struct MemrefDescriptor {
  char *allocated;
  char *aligned;
  int64_t offset;
  int64_t sizesAndStrides[]; // sizes[rank], then strides[rank]
};

/// Bytes per element of a CUtensorMapDataType.
int64_t tensorMapElementSize(int64_t dtype) {
  static const int64_t sizes[] = {1, 2, 4, 4, 8, 8, 2, 4, 8, 2, 4, 4, 4};
  return dtype >= 0 && dtype < int64_t(sizeof(sizes) / sizeof(sizes[0]))
             ? sizes[dtype]
             : 0;
}

} // namespace

extern "C" {

void retnet_cuda_set_error_handler(retnet_cuda_error_handler h) {
  handler.store(h ? h : defaultHandler);
}

int retnet_cuda_available(const char **why) {
  static std::string error;
  if (driver(&error))
    return 1;
  if (why)
    *why = error.c_str();
  return 0;
}

//===--- Modules and launches ---------------------------------------------===//

CUmodule mgpuModuleLoad(void *data, size_t /*size*/) {
  const DriverApi *d = api();
  CUmodule module = nullptr;
  if (!d || !CALL(d, cuModuleLoadData, &module, data))
    return nullptr;
  return module;
}

CUmodule mgpuModuleLoadJIT(void *ptx, int optLevel) {
  const DriverApi *d = api();
  CUmodule module = nullptr;
  if (!d)
    return nullptr;
  int options[] = {CU_JIT_OPTIMIZATION_LEVEL};
  void *values[] = {reinterpret_cast<void *>(intptr_t(optLevel))};
  if (!CALL(d, cuModuleLoadDataEx, &module, ptx, 1, options, values))
    return nullptr;
  return module;
}

void mgpuModuleUnload(CUmodule module) {
  if (!module)
    return; // its load failed (and was reported)
  if (const DriverApi *d = api())
    CALL(d, cuModuleUnload, module);
}

CUfunction mgpuModuleGetFunction(CUmodule module, const char *name) {
  const DriverApi *d = api();
  CUfunction function = nullptr;
  if (d &&
      !check((std::string("cuModuleGetFunction(\"") + name + "\")").c_str(),
             d->cuModuleGetFunction(&function, module, name)))
    return nullptr;
  return function;
}

/// Kernels asking for more than 48 KiB of dynamic shared memory must opt in.
static bool allowSharedMemory(const DriverApi *d, CUfunction f, int32_t smem) {
  if (smem <= kDefaultSharedMemory)
    return true;
  return CALL(d, cuFuncSetAttribute, f,
              CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, smem);
}

void mgpuLaunchKernel(CUfunction f, intptr_t gx, intptr_t gy, intptr_t gz,
                      intptr_t bx, intptr_t by, intptr_t bz, int32_t smem,
                      CUstream stream, void **params, void **extra,
                      size_t /*paramsCount*/) {
  const DriverApi *d = api();
  if (!d || !allowSharedMemory(d, f, smem))
    return;
  CALL(d, cuLaunchKernel, f, gx, gy, gz, bx, by, bz, smem, stream, params,
       extra);
}

void mgpuLaunchClusterKernel(CUfunction f, intptr_t cx, intptr_t cy,
                             intptr_t cz, intptr_t gx, intptr_t gy, intptr_t gz,
                             intptr_t bx, intptr_t by, intptr_t bz,
                             int32_t smem, CUstream stream, void **params,
                             void **extra) {
  const DriverApi *d = api();
  if (!d || !allowSharedMemory(d, f, smem))
    return;
  CUlaunchAttribute cluster{};
  cluster.id = CU_LAUNCH_ATTRIBUTE_CLUSTER_DIMENSION;
  cluster.value.clusterDim = {unsigned(cx), unsigned(cy), unsigned(cz)};
  CUlaunchConfig config{
      unsigned(gx), unsigned(gy),   unsigned(gz), unsigned(bx), unsigned(by),
      unsigned(bz), unsigned(smem), stream,       &cluster,     1};
  CALL(d, cuLaunchKernelEx, &config, f, params, extra);
}

//===--- Streams and events -----------------------------------------------===//

/// Generated code creates and destroys a stream around every launch; all of
/// them are the one shared stream, so launches queue without re-creation.
CUstream mgpuStreamCreate() {
  if (CUstream s = sharedStream.load())
    return s;
  const DriverApi *d = api();
  CUstream s = nullptr;
  if (!d || !CALL(d, cuStreamCreate, &s, 0))
    return nullptr;
  CUstream expected = nullptr;
  if (!sharedStream.compare_exchange_strong(expected, s)) {
    d->cuStreamDestroy(s); // another thread won the race
    return expected;
  }
  return s;
}

void mgpuStreamDestroy(CUstream stream) {
  if (stream == sharedStream.load())
    return; // kept for the next launch
  if (const DriverApi *d = api())
    CALL(d, cuStreamDestroy, stream);
}

void mgpuStreamSynchronize(CUstream stream) {
  // Deferred: the caller synchronizes once, when the host needs results.
  // While capturing, nothing runs that could be waited for.
  if ((deferredSync.load() || capturing.load()) && stream &&
      stream == sharedStream.load())
    return;
  if (const DriverApi *d = api())
    CALL(d, cuStreamSynchronize, stream);
}

void retnet_cuda_set_deferred_sync(int on) { deferredSync.store(on != 0); }

void retnet_cuda_synchronize(void) {
  CUstream s = sharedStream.load();
  if (!s)
    return; // nothing was launched
  if (const DriverApi *d = api())
    CALL(d, cuStreamSynchronize, s);
}

void mgpuStreamWaitEvent(CUstream stream, CUevent event) {
  if (const DriverApi *d = api())
    CALL(d, cuStreamWaitEvent, stream, event, 0);
}

CUevent mgpuEventCreate() {
  const DriverApi *d = api();
  CUevent event = nullptr;
  if (!d || !CALL(d, cuEventCreate, &event, /*CU_EVENT_DISABLE_TIMING=*/2))
    return nullptr;
  return event;
}

void mgpuEventDestroy(CUevent event) {
  if (const DriverApi *d = api())
    CALL(d, cuEventDestroy, event);
}

void mgpuEventSynchronize(CUevent event) {
  if (const DriverApi *d = api())
    CALL(d, cuEventSynchronize, event);
}

void mgpuEventRecord(CUevent event, CUstream stream) {
  if (const DriverApi *d = api())
    CALL(d, cuEventRecord, event, stream);
}

//===--- Memory -----------------------------------------------------------===//

void *mgpuMemAlloc(uint64_t bytes, CUstream /*stream*/, bool isHostShared) {
  const DriverApi *d = api();
  CUdeviceptr ptr = 0;
  if (!d || bytes == 0)
    return nullptr;
  BufferCache::Key key{bytes, isHostShared};
  if (CUdeviceptr cached = bufferCache().take(key))
    return reinterpret_cast<void *>(cached);
  auto allocate = [&] {
    return isHostShared
               ? d->cuMemAllocManaged(&ptr, bytes, CU_MEM_ATTACH_GLOBAL)
               : d->cuMemAlloc(&ptr, bytes);
  };
  CUresult r = allocate();
  if (r == CUDA_ERROR_OUT_OF_MEMORY && !capturing.load() && trimCache(d) > 0)
    r = allocate();
  if (!check(isHostShared ? "cuMemAllocManaged" : "cuMemAlloc", r)) {
    size_t free = 0, total = 0;
    if (d->cuMemGetInfo(&free, &total) == CUDA_SUCCESS)
      fail("asked for " + std::to_string(bytes) + " bytes of device memory; " +
           std::to_string(free) + " of " + std::to_string(total) +
           " bytes are free");
    return nullptr;
  }
  bufferCache().track(ptr, key);
  return reinterpret_cast<void *>(ptr);
}

void mgpuMemFree(void *ptr, CUstream /*stream*/) {
  if (!ptr || bufferCache().give(CUdeviceptr(ptr)))
    return;
  if (const DriverApi *d = api())
    CALL(d, cuMemFree, CUdeviceptr(ptr));
}

size_t retnet_cuda_trim(void) {
  std::string error;
  const DriverApi *d = driver(&error);
  return d ? trimCache(d) : 0;
}

void mgpuMemcpy(void *dst, void *src, size_t bytes, CUstream stream) {
  if (const DriverApi *d = api())
    CALL(d, cuMemcpyAsync, CUdeviceptr(dst), CUdeviceptr(src), bytes, stream);
}

void mgpuMemset32(void *dst, unsigned value, size_t count, CUstream stream) {
  if (const DriverApi *d = api())
    CALL(d, cuMemsetD32Async, CUdeviceptr(dst), value, count, stream);
}

void mgpuMemset16(void *dst, unsigned short value, size_t count,
                  CUstream stream) {
  if (const DriverApi *d = api())
    CALL(d, cuMemsetD16Async, CUdeviceptr(dst), value, count, stream);
}

void retnet_cuda_copy(void *dst, const void *src, size_t bytes) {
  if (bytes)
    mgpuMemcpy(dst, const_cast<void *>(src), bytes, mgpuStreamCreate());
}

void retnet_cuda_fill32(void *dst, unsigned value, size_t count) {
  if (count)
    mgpuMemset32(dst, value, count, mgpuStreamCreate());
}

struct retnet_cuda_graph {
  CUgraph graph = nullptr;
  CUgraphExec exec = nullptr;
  BufferCache::Owned buffers;
};

int retnet_cuda_capture_begin(void) {
  const DriverApi *d = api();
  CUstream s = mgpuStreamCreate();
  if (!d || !s)
    return 1;
  bufferCache().startRecording();
  capturing.store(true);
  if (!CALL(d, cuStreamBeginCapture, s, CU_STREAM_CAPTURE_MODE_RELAXED)) {
    capturing.store(false);
    for (auto [p, key] : bufferCache().stopRecording())
      if (!bufferCache().adopt(p, key))
        d->cuMemFree(p);
    return 1;
  }
  return 0;
}

void retnet_cuda_graph_destroy(retnet_cuda_graph *g) {
  if (!g)
    return;
  if (const DriverApi *d = api()) {
    if (g->exec)
      CALL(d, cuGraphExecDestroy, g->exec);
    if (g->graph)
      CALL(d, cuGraphDestroy, g->graph);
    for (auto [p, key] : g->buffers)
      if (!bufferCache().adopt(p, key))
        CALL(d, cuMemFree, p);
  }
  delete g;
}

retnet_cuda_graph *retnet_cuda_capture_end(void) {
  const DriverApi *d = api();
  CUstream s = sharedStream.load();
  auto *g = new retnet_cuda_graph;
  bool ok = d && s && CALL(d, cuStreamEndCapture, s, &g->graph);
  capturing.store(false);
  g->buffers = bufferCache().stopRecording();
  if (ok)
    ok = CALL(d, cuGraphInstantiate, &g->exec, g->graph, 0);
  if (!ok) {
    retnet_cuda_graph_destroy(g);
    return nullptr;
  }
  return g;
}

int retnet_cuda_graph_launch(retnet_cuda_graph *g) {
  const DriverApi *d = api();
  CUstream s = mgpuStreamCreate();
  return d && s && g && CALL(d, cuGraphLaunch, g->exec, s) ? 0 : 1;
}

/// Registers the memory a ranked memref spans so the device can read it.
static size_t memrefBytes(int64_t rank, const MemrefDescriptor *m,
                          int64_t elementSize) {
  if (rank == 0)
    return elementSize;
  const int64_t *sizes = m->sizesAndStrides, *strides = sizes + rank;
  return size_t(sizes[0] * strides[0] * elementSize);
}

void mgpuMemHostRegisterMemRef(int64_t rank, MemrefDescriptor *m,
                               int64_t elementSize) {
  if (const DriverApi *d = api())
    CALL(d, cuMemHostRegister, m->aligned + m->offset * elementSize,
         memrefBytes(rank, m, elementSize), 0);
}

void mgpuMemHostUnregisterMemRef(int64_t /*rank*/, MemrefDescriptor *m,
                                 int64_t elementSize) {
  if (const DriverApi *d = api())
    CALL(d, cuMemHostUnregister, m->aligned + m->offset * elementSize);
}

void mgpuSetDefaultDevice(int32_t device) { setDevice(device); }

//===--- TMA descriptors --------------------------------------------------===//

/// Encodes a tiled tensor map for a ranked memref and returns it in device
/// memory, where kernels lowered from nvgpu.tma.create.descriptor read it.
void *mgpuTensorMapEncodeTiledMemref(int64_t rank, MemrefDescriptor *m,
                                     int64_t dtype, int64_t interleave,
                                     int64_t swizzle, int64_t l2Promotion,
                                     int64_t oobFill, int64_t *boxDims) {
  const DriverApi *d = api();
  if (!d)
    return nullptr;
  int64_t elementSize = tensorMapElementSize(dtype);
  if (rank < 1 || rank > 5 || elementSize == 0) {
    fail("mgpuTensorMapEncodeTiledMemref: unsupported rank " +
         std::to_string(rank) + " or data type " + std::to_string(dtype));
    return nullptr;
  }
  // CUDA orders dimensions innermost first.
  const int64_t *sizes = m->sizesAndStrides, *strides = sizes + rank;
  uint64_t globalDim[5], globalStrides[4];
  unsigned boxDim[5], elementStrides[5];
  for (int64_t i = 0; i < rank; ++i) {
    globalDim[i] = uint64_t(sizes[rank - 1 - i]);
    boxDim[i] = unsigned(boxDims[rank - 1 - i]);
    elementStrides[i] = 1;
  }
  for (int64_t i = 0; i + 1 < rank; ++i)
    globalStrides[i] = uint64_t(strides[rank - 2 - i] * elementSize);
  CUtensorMap map;
  if (!CALL(d, cuTensorMapEncodeTiled, &map, int(dtype), unsigned(rank),
            m->aligned + m->offset * elementSize, globalDim, globalStrides,
            boxDim, elementStrides, int(interleave), int(swizzle),
            int(l2Promotion), int(oobFill)))
    return nullptr;
  // The descriptor goes to device memory that the caller owns (as in
  // upstream's wrappers; generated code does not free it).
  CUdeviceptr devMap = 0;
  if (!CALL(d, cuMemAlloc, &devMap, sizeof(map)) ||
      !CALL(d, cuMemcpyHtoD, devMap, &map, sizeof(map)))
    return nullptr;
  return reinterpret_cast<void *>(devMap);
}

} // extern "C"

//===--- ABI table --------------------------------------------------------===//

namespace {
template <typename R, typename... Args> constexpr int arity(R (*)(Args...)) {
  return int(sizeof...(Args));
}
struct AbiEntry {
  const char *name;
  int arity;
};
#define ENTRY(fn)                                                              \
  { #fn, arity(&fn) }
const AbiEntry kAbi[] = {
    ENTRY(mgpuModuleLoad),
    ENTRY(mgpuModuleLoadJIT),
    ENTRY(mgpuModuleUnload),
    ENTRY(mgpuModuleGetFunction),
    ENTRY(mgpuLaunchKernel),
    ENTRY(mgpuLaunchClusterKernel),
    ENTRY(mgpuStreamCreate),
    ENTRY(mgpuStreamDestroy),
    ENTRY(mgpuStreamSynchronize),
    ENTRY(mgpuStreamWaitEvent),
    ENTRY(mgpuEventCreate),
    ENTRY(mgpuEventDestroy),
    ENTRY(mgpuEventSynchronize),
    ENTRY(mgpuEventRecord),
    ENTRY(mgpuMemAlloc),
    ENTRY(mgpuMemFree),
    ENTRY(mgpuMemcpy),
    ENTRY(mgpuMemset32),
    ENTRY(mgpuMemset16),
    ENTRY(mgpuMemHostRegisterMemRef),
    ENTRY(mgpuMemHostUnregisterMemRef),
    ENTRY(mgpuSetDefaultDevice),
    ENTRY(mgpuTensorMapEncodeTiledMemref),
};
#undef ENTRY
} // namespace

extern "C" size_t retnet_cuda_abi(const char **names, int *arities,
                                  size_t capacity) {
  size_t n = sizeof(kAbi) / sizeof(kAbi[0]);
  for (size_t i = 0; i < n && i < capacity; ++i) {
    names[i] = kAbi[i].name;
    arities[i] = kAbi[i].arity;
  }
  return n;
}
