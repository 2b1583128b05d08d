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
#include <string>

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

constexpr int kDefaultSharedMemory = 48 * 1024;

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
  if (const DriverApi *d = api())
    CALL(d, cuStreamSynchronize, stream);
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
  bool ok = isHostShared
                ? CALL(d, cuMemAllocManaged, &ptr, bytes, CU_MEM_ATTACH_GLOBAL)
                : CALL(d, cuMemAlloc, &ptr, bytes);
  if (!ok) {
    size_t free = 0, total = 0;
    if (d->cuMemGetInfo(&free, &total) == CUDA_SUCCESS)
      fail("asked for " + std::to_string(bytes) + " bytes of device memory; " +
           std::to_string(free) + " of " + std::to_string(total) +
           " bytes are free");
    return nullptr;
  }
  return reinterpret_cast<void *>(ptr);
}

void mgpuMemFree(void *ptr, CUstream /*stream*/) {
  if (!ptr)
    return;
  if (const DriverApi *d = api())
    CALL(d, cuMemFree, CUdeviceptr(ptr));
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
