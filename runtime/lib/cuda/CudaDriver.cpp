//===- CudaDriver.cpp - open libcuda.so.1 and pick a device ---------------===//
//
// Loads the driver with dlopen on first use (so the runtime links no libcuda
// and a machine without one gets a clear message, not a loader error),
// resolves the entry points, initialises the driver and makes the chosen
// device's primary context current on the calling thread.
//
//===----------------------------------------------------------------------===//

#include "CudaDriver.h"

#include <cstdlib>
#include <dlfcn.h>
#include <mutex>

namespace retnet::cuda {
namespace {

struct State {
  std::once_flag loaded;
  DriverApi api{};
  std::string loadError; // empty when the driver is usable
  int device = 0;
  CUcontext context = nullptr;
  int contextDevice = -1;
  std::mutex mutex;
};

State &state() {
  static State s;
  return s;
}

/// Resolves every entry point; returns the first name that is missing.
const char *resolve(void *lib, DriverApi &api) {
#define RESOLVE(field, symbol)                                                 \
  if (!(api.field =                                                            \
            reinterpret_cast<decltype(api.field)>(dlsym(lib, symbol))))        \
    return symbol;
  RESOLVE(cuInit, "cuInit")
  RESOLVE(cuDeviceGetCount, "cuDeviceGetCount")
  RESOLVE(cuDeviceGet, "cuDeviceGet")
  RESOLVE(cuDevicePrimaryCtxRetain, "cuDevicePrimaryCtxRetain")
  RESOLVE(cuCtxSetCurrent, "cuCtxSetCurrent")
  RESOLVE(cuGetErrorName, "cuGetErrorName")
  RESOLVE(cuGetErrorString, "cuGetErrorString")
  RESOLVE(cuModuleLoadData, "cuModuleLoadData")
  RESOLVE(cuModuleLoadDataEx, "cuModuleLoadDataEx")
  RESOLVE(cuModuleUnload, "cuModuleUnload")
  RESOLVE(cuModuleGetFunction, "cuModuleGetFunction")
  RESOLVE(cuFuncSetAttribute, "cuFuncSetAttribute")
  RESOLVE(cuLaunchKernel, "cuLaunchKernel")
  RESOLVE(cuLaunchKernelEx, "cuLaunchKernelEx")
  RESOLVE(cuStreamCreate, "cuStreamCreate")
  RESOLVE(cuStreamSynchronize, "cuStreamSynchronize")
  RESOLVE(cuStreamDestroy, "cuStreamDestroy_v2")
  RESOLVE(cuStreamWaitEvent, "cuStreamWaitEvent")
  RESOLVE(cuEventCreate, "cuEventCreate")
  RESOLVE(cuEventRecord, "cuEventRecord")
  RESOLVE(cuEventSynchronize, "cuEventSynchronize")
  RESOLVE(cuEventDestroy, "cuEventDestroy_v2")
  RESOLVE(cuMemAlloc, "cuMemAlloc_v2")
  RESOLVE(cuMemAllocManaged, "cuMemAllocManaged")
  RESOLVE(cuMemFree, "cuMemFree_v2")
  RESOLVE(cuMemGetInfo, "cuMemGetInfo_v2")
  RESOLVE(cuMemcpyAsync, "cuMemcpyAsync")
  RESOLVE(cuMemcpyHtoD, "cuMemcpyHtoD_v2")
  RESOLVE(cuMemsetD32Async, "cuMemsetD32Async")
  RESOLVE(cuMemsetD16Async, "cuMemsetD16Async")
  RESOLVE(cuMemHostRegister, "cuMemHostRegister_v2")
  RESOLVE(cuMemHostUnregister, "cuMemHostUnregister")
  RESOLVE(cuStreamBeginCapture, "cuStreamBeginCapture_v2")
  RESOLVE(cuStreamEndCapture, "cuStreamEndCapture")
  RESOLVE(cuGraphInstantiate, "cuGraphInstantiateWithFlags")
  RESOLVE(cuGraphLaunch, "cuGraphLaunch")
  RESOLVE(cuGraphExecDestroy, "cuGraphExecDestroy")
  RESOLVE(cuGraphDestroy, "cuGraphDestroy")
  RESOLVE(cuTensorMapEncodeTiled, "cuTensorMapEncodeTiled")
#undef RESOLVE
  return nullptr;
}

void load(State &s) {
  // An explicit driver (the PTX simulator, build/sim/libcuda.so.1, or a
  // test's stand-in) replaces the system's; RETNET_LIBCUDA is the older name.
  const char *path = std::getenv("RETNET_CUDA_DRIVER");
  if (!path || !*path)
    path = std::getenv("RETNET_LIBCUDA");
  if (!path || !*path)
    path = "libcuda.so.1";
  void *lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (!lib) {
    const char *why = dlerror();
    s.loadError = std::string("cannot load the CUDA driver (") + path +
                  "): " + (why ? why : "unknown error") +
                  "; is an NVIDIA driver installed?";
    return;
  }
  if (const char *missing = resolve(lib, s.api)) {
    s.loadError = std::string("the CUDA driver (") + path + ") lacks " +
                  missing + "; a CUDA 12 or newer driver is required";
    return;
  }
  if (CUresult r = s.api.cuInit(0); r != CUDA_SUCCESS) {
    s.loadError = describe("cuInit", r);
    return;
  }
  int count = 0;
  if (CUresult r = s.api.cuDeviceGetCount(&count); r != CUDA_SUCCESS) {
    s.loadError = describe("cuDeviceGetCount", r);
    return;
  }
  if (count == 0)
    s.loadError = "the CUDA driver found no GPU on this machine";
}

} // namespace

std::string describe(const char *call, CUresult result) {
  const DriverApi &api = state().api;
  const char *name = nullptr, *text = nullptr;
  if (api.cuGetErrorName)
    api.cuGetErrorName(result, &name);
  if (api.cuGetErrorString)
    api.cuGetErrorString(result, &text);
  return std::string(call) +
         " failed: " + (name ? name : "CUDA error " + std::to_string(result)) +
         " (" + (text ? text : "no description") + ")";
}

void setDevice(int device) {
  std::lock_guard<std::mutex> lock(state().mutex);
  state().device = device;
}

const DriverApi *driver(std::string *error) {
  State &s = state();
  std::call_once(s.loaded, [&] { load(s); });
  if (!s.loadError.empty()) {
    if (error)
      *error = s.loadError;
    return nullptr;
  }
  std::lock_guard<std::mutex> lock(s.mutex);
  if (s.contextDevice != s.device) {
    CUdevice dev;
    if (CUresult r = s.api.cuDeviceGet(&dev, s.device); r != CUDA_SUCCESS) {
      if (error)
        *error = describe("cuDeviceGet", r) + " for device " +
                 std::to_string(s.device);
      return nullptr;
    }
    if (CUresult r = s.api.cuDevicePrimaryCtxRetain(&s.context, dev);
        r != CUDA_SUCCESS) {
      if (error)
        *error = describe("cuDevicePrimaryCtxRetain", r);
      return nullptr;
    }
    s.contextDevice = s.device;
  }
  // Every calling thread needs the context current; setting it is cheap.
  if (CUresult r = s.api.cuCtxSetCurrent(s.context); r != CUDA_SUCCESS) {
    if (error)
      *error = describe("cuCtxSetCurrent", r);
    return nullptr;
  }
  return &s.api;
}

} // namespace retnet::cuda
