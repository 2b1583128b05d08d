//===- FakeCuda.cpp - a stand-in libcuda for the runtime's unit tests -----===//
//
// Exports the driver entry points the runtime resolves, records each call
// with its arguments, and fails a chosen call on request, so the runtime is
// tested up to the driver boundary on machines without a GPU. Environment:
// FAKE_CUDA_DEVICES (device count, default 1), FAKE_CUDA_FAIL, FAKE_CUDA_LOG
// (see ProcessControl).
//
//===----------------------------------------------------------------------===//

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {
// Never destroyed: a kernel library's exit-time destructor (its module
// unload) may call in after this library's own static destructors ran.
std::vector<std::string> &calls = *new std::vector<std::string>;
/// Calls to fail once each (name, driver error code); never destroyed either.
std::vector<std::pair<std::string, int>> &failures =
    *new std::vector<std::pair<std::string, int>>;
unsigned long long nextHandle = 0x1000;

int record(std::string entry, const char *name) {
  calls.push_back(std::move(entry));
  for (auto it = failures.begin(); it != failures.end(); ++it)
    if (it->first == name) {
      int code = it->second;
      failures.erase(it);
      return code;
    }
  return 0;
}
/// Process-level control for tools run against the fake (lit tests):
/// FAKE_CUDA_FAIL=call:code[,call:code...] fails the first such call of
/// each; FAKE_CUDA_LOG=path writes every recorded call there, one per line,
/// at exit.
struct ProcessControl {
  ProcessControl() {
    if (const char *f = std::getenv("FAKE_CUDA_FAIL")) {
      std::string list = f;
      size_t start = 0;
      while (start <= list.size()) {
        size_t end = list.find(',', start);
        if (end == std::string::npos)
          end = list.size();
        std::string spec = list.substr(start, end - start);
        size_t colon = spec.find(':');
        failures.push_back(
            {spec.substr(0, colon), colon == std::string::npos
                                        ? 1
                                        : std::atoi(spec.c_str() + colon + 1)});
        start = end + 1;
      }
    }
  }
  ~ProcessControl() {
    const char *path = std::getenv("FAKE_CUDA_LOG");
    if (!path)
      return;
    if (std::FILE *out = std::fopen(path, "w")) {
      for (const std::string &c : calls)
        std::fprintf(out, "%s\n", c.c_str());
      std::fclose(out);
    }
  }
} processControl;
template <typename T> T *handle() {
  return reinterpret_cast<T *>(nextHandle += 0x10);
}
std::string num(unsigned long long x) { return std::to_string(x); }
} // namespace

#define API extern "C" __attribute__((visibility("default")))

// Test control.
API const char *fake_cuda_call(size_t i) {
  return i < calls.size() ? calls[i].c_str() : nullptr;
}
API size_t fake_cuda_call_count() { return calls.size(); }
API void fake_cuda_reset() { calls.clear(); }
API void fake_cuda_fail_next(const char *call, int code) {
  failures.assign(1, {call, code}); // replaces what is pending
}

// The driver API.
API int cuInit(unsigned) { return record("cuInit", "cuInit"); }
API int cuDeviceGetCount(int *n) {
  const char *env = std::getenv("FAKE_CUDA_DEVICES");
  *n = env ? std::atoi(env) : 1;
  return record("cuDeviceGetCount", "cuDeviceGetCount");
}
API int cuDeviceGet(int *d, int ordinal) {
  *d = ordinal;
  return record("cuDeviceGet " + num(ordinal), "cuDeviceGet");
}
API int cuDevicePrimaryCtxRetain(void **ctx, int) {
  *ctx = handle<void>();
  return record("cuDevicePrimaryCtxRetain", "cuDevicePrimaryCtxRetain");
}
API int cuCtxSetCurrent(void *) { return 0; }
API int cuGetErrorName(int code, const char **s) {
  *s = code == 200 ? "CUDA_ERROR_INVALID_IMAGE"
       : code == 2 ? "CUDA_ERROR_OUT_OF_MEMORY"
                   : "CUDA_ERROR_UNKNOWN";
  return 0;
}
API int cuGetErrorString(int code, const char **s) {
  *s = code == 200 ? "device kernel image is invalid"
       : code == 2 ? "out of memory"
                   : "unknown error";
  return 0;
}
API int cuModuleLoadData(void **m, const void *) {
  *m = handle<void>();
  return record("cuModuleLoadData", "cuModuleLoadData");
}
API int cuModuleLoadDataEx(void **m, const void *, unsigned n, int *opts,
                           void **vals) {
  *m = handle<void>();
  return record("cuModuleLoadDataEx options=" + num(n) +
                    " opt0=" + num(n ? opts[0] : 0) +
                    " val0=" + num(n ? uintptr_t(vals[0]) : 0),
                "cuModuleLoadDataEx");
}
API int cuModuleUnload(void *) {
  return record("cuModuleUnload", "cuModuleUnload");
}
API int cuModuleGetFunction(void **f, void *, const char *name) {
  *f = handle<void>();
  return record(std::string("cuModuleGetFunction ") + name,
                "cuModuleGetFunction");
}
API int cuFuncSetAttribute(void *, int attr, int value) {
  return record("cuFuncSetAttribute " + num(attr) + " " + num(value),
                "cuFuncSetAttribute");
}
API int cuLaunchKernel(void *, unsigned gx, unsigned gy, unsigned gz,
                       unsigned bx, unsigned by, unsigned bz, unsigned smem,
                       void *, void **, void **) {
  return record("cuLaunchKernel grid=" + num(gx) + "," + num(gy) + "," +
                    num(gz) + " block=" + num(bx) + "," + num(by) + "," +
                    num(bz) + " smem=" + num(smem),
                "cuLaunchKernel");
}
struct LaunchAttribute {
  int id;
  char pad[4];
  unsigned x, y, z;
  char rest[52];
};
struct LaunchConfig {
  unsigned gx, gy, gz, bx, by, bz, smem;
  void *stream;
  LaunchAttribute *attrs;
  unsigned numAttrs;
};
API int cuLaunchKernelEx(const LaunchConfig *c, void *, void **, void **) {
  std::string attrs;
  for (unsigned i = 0; i < c->numAttrs; ++i)
    attrs += " attr" + num(c->attrs[i].id) + "=" + num(c->attrs[i].x) + "," +
             num(c->attrs[i].y) + "," + num(c->attrs[i].z);
  return record("cuLaunchKernelEx grid=" + num(c->gx) + "," + num(c->gy) + "," +
                    num(c->gz) + " block=" + num(c->bx) + "," + num(c->by) +
                    "," + num(c->bz) + " smem=" + num(c->smem) + attrs,
                "cuLaunchKernelEx");
}
API int cuStreamCreate(void **s, unsigned) {
  *s = handle<void>();
  return record("cuStreamCreate", "cuStreamCreate");
}
// Stream capture: what is illegal while a capture is open fails as the
// driver fails it (CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED).
static bool capturing = false;
constexpr int kCaptureUnsupported = 900;
API int cuStreamSynchronize(void *) {
  int rc = record("cuStreamSynchronize", "cuStreamSynchronize");
  return rc ? rc : capturing ? kCaptureUnsupported : 0;
}
API int cuStreamBeginCapture_v2(void *, int mode) {
  int rc = record("cuStreamBeginCapture mode=" + num(unsigned(mode)),
                  "cuStreamBeginCapture");
  if (rc == 0 && capturing)
    return 401; // CUDA_ERROR_ILLEGAL_STATE
  capturing = rc == 0;
  return rc;
}
API int cuStreamEndCapture(void *, void **graph) {
  *graph = nullptr;
  int rc = record("cuStreamEndCapture", "cuStreamEndCapture");
  if (!capturing)
    return 401;
  capturing = false;
  if (rc == 0)
    *graph = handle<void>();
  return rc;
}
API int cuGraphInstantiateWithFlags(void **exec, void *, unsigned long long) {
  *exec = handle<void>();
  return record("cuGraphInstantiate", "cuGraphInstantiate");
}
API int cuGraphLaunch(void *, void *) {
  return record("cuGraphLaunch", "cuGraphLaunch");
}
API int cuGraphExecDestroy(void *) {
  return record("cuGraphExecDestroy", "cuGraphExecDestroy");
}
API int cuGraphDestroy(void *) {
  return record("cuGraphDestroy", "cuGraphDestroy");
}
API int cuStreamDestroy_v2(void *) {
  return record("cuStreamDestroy", "cuStreamDestroy");
}
API int cuStreamWaitEvent(void *, void *, unsigned) {
  return record("cuStreamWaitEvent", "cuStreamWaitEvent");
}
API int cuEventCreate(void **e, unsigned) {
  *e = handle<void>();
  return record("cuEventCreate", "cuEventCreate");
}
API int cuEventRecord(void *, void *) {
  return record("cuEventRecord", "cuEventRecord");
}
API int cuEventSynchronize(void *) {
  return record("cuEventSynchronize", "cuEventSynchronize");
}
API int cuEventDestroy_v2(void *) {
  return record("cuEventDestroy", "cuEventDestroy");
}
// Allocations are real host memory, so a harness can run against the fake
// up to the kernel launches (which do nothing).
// A failing allocation (fake_cuda_fail_next, FAKE_CUDA_FAIL) allocates
// nothing: the failure is how tests ask for more memory than exists.
API int cuMemAlloc_v2(unsigned long long *p, size_t bytes) {
  *p = 0;
  int rc = record("cuMemAlloc " + num(bytes), "cuMemAlloc");
  if (rc == 0)
    *p = reinterpret_cast<uintptr_t>(std::calloc(1, bytes ? bytes : 1));
  return rc;
}
API int cuMemAllocManaged(unsigned long long *p, size_t bytes, unsigned f) {
  *p = 0;
  int rc = record("cuMemAllocManaged " + num(bytes) + " flags=" + num(f),
                  "cuMemAllocManaged");
  if (rc == 0)
    *p = reinterpret_cast<uintptr_t>(std::calloc(1, bytes ? bytes : 1));
  return rc;
}
API int cuMemFree_v2(unsigned long long p) {
  if (capturing)
    return record("cuMemFree during a capture", "cuMemFree"),
           kCaptureUnsupported;
  std::free(reinterpret_cast<void *>(p));
  return record("cuMemFree", "cuMemFree");
}
API int cuMemGetInfo_v2(size_t *free, size_t *total) {
  *free = 1000;
  *total = 4000;
  return 0;
}
// "Device" memory is host memory here: copies and fills happen at once.
API int cuMemcpyAsync(unsigned long long dst, unsigned long long src,
                      size_t bytes, void *) {
  int rc = record("cuMemcpyAsync " + num(bytes), "cuMemcpyAsync");
  if (rc == 0 && bytes)
    std::memmove(reinterpret_cast<void *>(dst),
                 reinterpret_cast<const void *>(src), bytes);
  return rc;
}
API int cuMemcpyHtoD_v2(unsigned long long dst, const void *src,
                        size_t bytes) {
  int rc = record("cuMemcpyHtoD " + num(bytes), "cuMemcpyHtoD");
  if (rc == 0 && bytes)
    std::memmove(reinterpret_cast<void *>(dst), src, bytes);
  return rc;
}
API int cuMemsetD32Async(unsigned long long p, unsigned v, size_t n, void *) {
  int rc = record("cuMemsetD32Async " + num(v) + " " + num(n),
                  "cuMemsetD32Async");
  for (size_t i = 0; rc == 0 && i < n; ++i)
    std::memcpy(reinterpret_cast<char *>(p) + 4 * i, &v, 4);
  return rc;
}
API int cuMemsetD16Async(unsigned long long, unsigned short v, size_t n,
                         void *) {
  return record("cuMemsetD16Async " + num(v) + " " + num(n),
                "cuMemsetD16Async");
}
API int cuMemHostRegister_v2(void *, size_t bytes, unsigned) {
  return record("cuMemHostRegister " + num(bytes), "cuMemHostRegister");
}
API int cuMemHostUnregister(void *) {
  return record("cuMemHostUnregister", "cuMemHostUnregister");
}
API int cuTensorMapEncodeTiled(void *, int dtype, unsigned rank, void *,
                               const uint64_t *dim, const uint64_t *stride,
                               const unsigned *box, const unsigned *elemStride,
                               int interleave, int swizzle, int l2, int oob) {
  std::string s = "cuTensorMapEncodeTiled dtype=" + num(dtype) +
                  " rank=" + num(rank) + " dims=";
  for (unsigned i = 0; i < rank; ++i)
    s += num(dim[i]) + (i + 1 < rank ? "," : "");
  s += " strides=";
  for (unsigned i = 0; i + 1 < rank; ++i)
    s += num(stride[i]) + (i + 2 < rank ? "," : "");
  s += " box=";
  for (unsigned i = 0; i < rank; ++i)
    s += num(box[i]) + (i + 1 < rank ? "," : "");
  s += " estrides=" + num(elemStride[0]) + " interleave=" + num(interleave) +
       " swizzle=" + num(swizzle) + " l2=" + num(l2) + " oob=" + num(oob);
  return record(s, "cuTensorMapEncodeTiled");
}
