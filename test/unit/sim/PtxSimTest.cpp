//===- PtxSimTest.cpp - the PTX simulator through the driver API ----------===//
//
// Unit tests of the simulator behind build/sim/libcuda.so.1, driven through
// the CUDA driver API as a program would drive it. The driver is opened with
// dlopen and the few types and entry points used are declared here, so the
// test needs neither the CUDA toolkit nor a GPU. Kernels are short
// hand-written PTX; every expected value is computed on the host from the
// PTX ISA's definitions (in double where numeric), independently of the
// simulator's own code.
//
// A failed kernel makes the context's error sticky, and the simulator reads
// its environment (RETNET_SIM_SEED, RETNET_SIM_STATS) once, at its first
// call. The cases that need either run in a fresh process: gtest death tests
// in the "threadsafe" style, which re-execute this binary for the one
// statement. The child prints a summary on stderr, which the parent checks
// together with the simulator's report line.
//
//===----------------------------------------------------------------------===//

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <dlfcn.h>
#include <unistd.h>

#include <algorithm>
#include <cfloat>
#include <cinttypes>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <numeric>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#ifndef RETNET_SIM_DRIVER
#error "RETNET_SIM_DRIVER must name the simulator's libcuda.so.1"
#endif

namespace {

//===--- The driver API, opened at run time -------------------------------===//

using CUresult = int;
using CUdevice = int;
using CUdeviceptr = unsigned long long;
using CUcontext = struct CUctx_st *;
using CUmodule = struct CUmod_st *;
using CUfunction = struct CUfunc_st *;
using CUstream = struct CUstream_st *;
using CUgraph = struct CUgraph_st *;
using CUgraphExec = struct CUgraphExec_st *;

constexpr CUresult CUDA_SUCCESS = 0;
constexpr CUresult CUDA_ERROR_INVALID_VALUE = 1;
constexpr CUresult CUDA_ERROR_INVALID_IMAGE = 200;
constexpr CUresult CUDA_ERROR_INVALID_PTX = 218;
constexpr CUresult CUDA_ERROR_INVALID_HANDLE = 400;
constexpr CUresult CUDA_ERROR_NOT_READY = 600;
constexpr CUresult CUDA_ERROR_ILLEGAL_ADDRESS = 700;
constexpr CUresult CUDA_ERROR_ILLEGAL_INSTRUCTION = 715;
constexpr CUresult CUDA_ERROR_MISALIGNED_ADDRESS = 716;
constexpr CUresult CUDA_ERROR_LAUNCH_FAILED = 719;

constexpr int CU_DEVICE_ATTRIBUTE_MAX_GRID_DIM_Y = 6;
constexpr int CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT = 16;
constexpr int CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR = 75;
constexpr int CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR = 76;
constexpr int CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES = 8;
constexpr int CU_JIT_ERROR_LOG_BUFFER = 5;
constexpr int CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES = 6;
constexpr unsigned CU_MEM_ATTACH_GLOBAL = 1;
constexpr int CU_STREAM_CAPTURE_MODE_RELAXED = 2;

struct Driver {
  CUresult (*cuInit)(unsigned);
  CUresult (*cuDeviceGet)(CUdevice *, int);
  CUresult (*cuDeviceGetAttribute)(int *, int, CUdevice);
  CUresult (*cuDeviceGetName)(char *, int, CUdevice);
  CUresult (*cuDevicePrimaryCtxRetain)(CUcontext *, CUdevice);
  CUresult (*cuCtxSetCurrent)(CUcontext);
  CUresult (*cuCtxSynchronize)();
  CUresult (*cuModuleLoadData)(CUmodule *, const void *);
  CUresult (*cuModuleLoadDataEx)(CUmodule *, const void *, unsigned, int *,
                                 void **);
  CUresult (*cuModuleUnload)(CUmodule);
  CUresult (*cuModuleGetFunction)(CUfunction *, CUmodule, const char *);
  CUresult (*cuFuncSetAttribute)(CUfunction, int, int);
  CUresult (*cuLaunchKernel)(CUfunction, unsigned, unsigned, unsigned, unsigned,
                             unsigned, unsigned, unsigned, CUstream, void **,
                             void **);
  CUresult (*cuStreamQuery)(CUstream);
  CUresult (*cuMemAlloc)(CUdeviceptr *, size_t);
  CUresult (*cuMemAllocManaged)(CUdeviceptr *, size_t, unsigned);
  CUresult (*cuMemFree)(CUdeviceptr);
  CUresult (*cuMemcpyHtoD)(CUdeviceptr, const void *, size_t);
  CUresult (*cuMemcpyDtoH)(void *, CUdeviceptr, size_t);
  CUresult (*cuMemcpyAsync)(CUdeviceptr, CUdeviceptr, size_t, CUstream);
  CUresult (*cuMemsetD32Async)(CUdeviceptr, unsigned, size_t, CUstream);
  CUresult (*cuStreamCreate)(CUstream *, unsigned);
  CUresult (*cuStreamDestroy)(CUstream);
  CUresult (*cuStreamSynchronize)(CUstream);
  CUresult (*cuStreamBeginCapture)(CUstream, int);
  CUresult (*cuStreamEndCapture)(CUstream, CUgraph *);
  CUresult (*cuGraphInstantiate)(CUgraphExec *, CUgraph, unsigned long long);
  CUresult (*cuGraphLaunch)(CUgraphExec, CUstream);
  CUresult (*cuGraphExecDestroy)(CUgraphExec);
  CUresult (*cuGraphDestroy)(CUgraph);
};

bool openDriver(Driver &d, std::string &why) {
  void *lib = dlopen(RETNET_SIM_DRIVER, RTLD_NOW | RTLD_LOCAL);
  if (!lib) {
    why = dlerror();
    return false;
  }
  auto sym = [&](auto &fn, const char *name) {
    fn = reinterpret_cast<std::remove_reference_t<decltype(fn)>>(
        dlsym(lib, name));
    if (!fn && why.empty())
      why = std::string("no symbol ") + name;
  };
  sym(d.cuInit, "cuInit");
  sym(d.cuDeviceGet, "cuDeviceGet");
  sym(d.cuDeviceGetAttribute, "cuDeviceGetAttribute");
  sym(d.cuDeviceGetName, "cuDeviceGetName");
  sym(d.cuDevicePrimaryCtxRetain, "cuDevicePrimaryCtxRetain");
  sym(d.cuCtxSetCurrent, "cuCtxSetCurrent");
  sym(d.cuCtxSynchronize, "cuCtxSynchronize");
  sym(d.cuModuleLoadData, "cuModuleLoadData");
  sym(d.cuModuleLoadDataEx, "cuModuleLoadDataEx");
  sym(d.cuModuleUnload, "cuModuleUnload");
  sym(d.cuModuleGetFunction, "cuModuleGetFunction");
  sym(d.cuFuncSetAttribute, "cuFuncSetAttribute");
  sym(d.cuLaunchKernel, "cuLaunchKernel");
  sym(d.cuStreamQuery, "cuStreamQuery");
  sym(d.cuMemAlloc, "cuMemAlloc_v2");
  sym(d.cuMemAllocManaged, "cuMemAllocManaged");
  sym(d.cuMemFree, "cuMemFree_v2");
  sym(d.cuMemcpyHtoD, "cuMemcpyHtoD_v2");
  sym(d.cuMemcpyDtoH, "cuMemcpyDtoH_v2");
  sym(d.cuMemcpyAsync, "cuMemcpyAsync");
  sym(d.cuMemsetD32Async, "cuMemsetD32Async");
  sym(d.cuStreamCreate, "cuStreamCreate");
  sym(d.cuStreamDestroy, "cuStreamDestroy_v2");
  sym(d.cuStreamSynchronize, "cuStreamSynchronize");
  sym(d.cuStreamBeginCapture, "cuStreamBeginCapture_v2");
  sym(d.cuStreamEndCapture, "cuStreamEndCapture");
  sym(d.cuGraphInstantiate, "cuGraphInstantiateWithFlags");
  sym(d.cuGraphLaunch, "cuGraphLaunch");
  sym(d.cuGraphExecDestroy, "cuGraphExecDestroy");
  sym(d.cuGraphDestroy, "cuGraphDestroy");
  if (!why.empty())
    return false;
  CUdevice dev;
  CUcontext ctx;
  if (d.cuInit(0) || d.cuDeviceGet(&dev, 0) ||
      d.cuDevicePrimaryCtxRetain(&ctx, dev) || d.cuCtxSetCurrent(ctx)) {
    why = "initialization failed";
    return false;
  }
  return true;
}

/// The simulator, opened and initialized once per process; null on failure.
const Driver *driver(std::string *why = nullptr) {
  static Driver d;
  static std::string error;
  static const bool ok = openDriver(d, error);
  if (why)
    *why = error;
  return ok ? &d : nullptr;
}

/// 1-based line of the first occurrence of `marker` in `text`.
int lineOf(const char *text, const char *marker) {
  const char *at = std::strstr(text, marker);
  if (!at)
    return -1;
  return 1 + int(std::count(text, at, '\n'));
}

std::string hex(uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%" PRIx64, v);
  return buf;
}

/// Counts failed element comparisons and prints the first few.
class Checker {
public:
  template <class Describe> void operator()(bool ok, Describe describe) {
    if (!ok && ++failures <= 12)
      ADD_FAILURE() << describe();
  }
  ~Checker() { EXPECT_EQ(failures, 0) << "elements differ"; }

private:
  int failures = 0;
};

/// Redirects stderr (file descriptor 2) to a temporary file while alive.
class StderrCapture {
public:
  StderrCapture() {
    std::fflush(stderr);
    saved = dup(2);
    file = std::tmpfile();
    dup2(fileno(file), 2);
  }
  ~StderrCapture() { finish(); }
  std::string finish() {
    if (saved < 0)
      return text;
    std::fflush(stderr);
    dup2(saved, 2);
    close(saved);
    saved = -1;
    std::rewind(file);
    char buf[4096];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, file)) > 0)
      text.append(buf, n);
    std::fclose(file);
    return text;
  }

private:
  int saved = -1;
  std::FILE *file = nullptr;
  std::string text;
};

//===--- Host references --------------------------------------------------===//

uint32_t bitsOf(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
}
float floatOf(uint32_t u) {
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

enum class Rnd { N, Z, M, P }; // nearest even, toward 0, -inf, +inf

/// s + e == a + b exactly (Knuth's TwoSum).
void twoSum(double a, double b, double &s, double &e) {
  s = a + b;
  double bb = s - a;
  e = (a - (s - bb)) + (b - bb);
}

/// The exact value hi + lo (|lo| at most half an ulp of hi) rounded to f32
/// as IEEE 754 rounds it in mode `m`: in units of the f32 quantum of its
/// binade, floor/ceil/trunc/nearest-even, then overflow by the mode.
float roundToF32(double hi, double lo, Rnd m) {
  if (std::isnan(hi) || std::isinf(hi) || hi == 0)
    return float(hi);
  int e;
  std::frexp(hi, &e); // |hi| in [2^(e-1), 2^e)
  if (std::fabs(hi) == std::ldexp(1.0, e - 1) && lo != 0 &&
      (lo < 0) != (hi < 0))
    --e; // just inside the binade below
  double q = std::ldexp(1.0, std::max(e, -125) - 24);
  double y = hi / q, t = std::floor(y), frac = y - t;
  int loSign = lo > 0 ? 1 : lo < 0 ? -1 : 0;
  double fl = (frac == 0 && loSign < 0) ? t - 1 : t; // floor of the exact
  bool inexact = frac != 0 || loSign != 0;
  double r = 0;
  switch (m) {
  case Rnd::M:
    r = fl;
    break;
  case Rnd::P:
    r = inexact ? fl + 1 : fl;
    break;
  case Rnd::Z:
    r = (hi > 0 || !inexact) ? fl : fl + 1;
    break;
  case Rnd::N:
    if (frac == 0)
      r = t;
    else if (frac != 0.5)
      r = frac < 0.5 ? t : t + 1;
    else if (loSign != 0)
      r = loSign > 0 ? t + 1 : t;
    else
      r = std::fmod(t, 2) == 0 ? t : t + 1;
    break;
  }
  double v = r * q;
  if (std::fabs(v) > FLT_MAX) {
    bool toInf =
        m == Rnd::N || (m == Rnd::P && v > 0) || (m == Rnd::M && v < 0);
    return toInf ? float(std::copysign(INFINITY, v))
                 : float(std::copysign(FLT_MAX, v));
  }
  if (v == 0)
    return float(std::copysign(0.0, hi));
  return float(v);
}

/// f32 → bf16 bits, rounded to nearest even or toward zero (NaN: any NaN,
/// the caller checks only that it is one).
uint16_t refBf16(float x, Rnd m = Rnd::N) {
  if (std::isnan(x))
    return 0x7FC0;
  if (std::isinf(x) || x == 0)
    return uint16_t(bitsOf(x) >> 16);
  int e;
  std::frexp(double(x), &e);
  double q = std::ldexp(1.0, std::max(e, -125) - 8); // 8 significant bits
  double y = double(x) / q;
  double r = (m == Rnd::Z ? std::trunc(y) : std::nearbyint(y)) * q;
  if (std::fabs(r) >= std::ldexp(1.0, 128)) // only nearest rounds up to it
    r = std::copysign(INFINITY, r);
  return uint16_t(bitsOf(float(r)) >> 16);
}

bool isNanBf16(uint16_t h) { return (h & 0x7F80) == 0x7F80 && (h & 0x7F); }
bool isNanF16(uint16_t h) { return (h & 0x7C00) == 0x7C00 && (h & 0x3FF); }

/// Binary16 bits of `v`, which must be exactly representable (or ±inf).
uint16_t encodeF16(double v) {
  uint16_t sign = std::signbit(v) ? 0x8000 : 0;
  double a = std::fabs(v);
  if (std::isinf(a))
    return sign | 0x7C00;
  if (a == 0)
    return sign;
  int e;
  std::frexp(a, &e); // a in [2^(e-1), 2^e)
  if (e - 1 < -14)   // subnormal: multiples of 2^-24
    return sign | uint16_t(a / std::ldexp(1.0, -24));
  uint16_t mant = uint16_t((a / std::ldexp(1.0, e - 1) - 1) * 1024);
  return sign | uint16_t((e - 1 + 15) << 10) | mant;
}

double decodeF16(uint16_t h) {
  double s = (h & 0x8000) ? -1 : 1;
  int E = (h >> 10) & 31, M = h & 1023;
  if (E == 31)
    return M ? NAN : s * INFINITY;
  if (E == 0)
    return s * M * std::ldexp(1.0, -24);
  return s * (1024 + M) * std::ldexp(1.0, E - 25);
}

/// f32 → f16 bits, rounded to nearest even or toward zero.
uint16_t refF16(float x, Rnd m = Rnd::N) {
  if (std::isnan(x))
    return 0x7E00;
  double v = x;
  if (std::isinf(v) || v == 0)
    return encodeF16(v);
  int e;
  std::frexp(std::fabs(v), &e);
  double q = std::ldexp(1.0, std::max(e, -13) - 11); // 11 significant bits
  double r = (m == Rnd::Z ? std::trunc(v / q) : std::nearbyint(v / q)) * q;
  if (std::fabs(r) > 65504) // the largest finite f16
    r = m == Rnd::Z ? std::copysign(65504.0, r) : std::copysign(INFINITY, r);
  return encodeF16(r);
}

/// A float→integer conversion with saturation: NaN gives 0.
int64_t saturate(double r, double lo, double hi) {
  if (std::isnan(r))
    return 0;
  return int64_t(std::min(std::max(r, lo), hi));
}

/// Random floats with random signs over 2^-emax .. 2^emax.
float randomFloat(std::mt19937 &rng, int emax) {
  std::uniform_real_distribution<double> mant(1.0, 2.0);
  std::uniform_int_distribution<int> exp(-emax, emax), sign(0, 1);
  double v = std::ldexp(mant(rng), exp(rng));
  return float(sign(rng) ? -v : v);
}

//===--- Kernels ----------------------------------------------------------===//

const char *kF32Arith = R"(
.version 8.0
.target sm_90a
.address_size 64

// out[12 i ..]: add, mul, fma of a[i], b[i], c[i] with .rn, .rz, .rm, .rp
.visible .entry f32_arith(.param .u64 pa, .param .u64 pb, .param .u64 pc,
                          .param .u64 pout)
{
  .reg .b32 %r<2>;
  .reg .f32 %f<8>;
  .reg .b64 %rd<9>;
  ld.param.u64 %rd1, [pa];
  ld.param.u64 %rd2, [pb];
  ld.param.u64 %rd3, [pc];
  ld.param.u64 %rd4, [pout];
  mov.u32 %r1, %tid.x;
  mul.wide.u32 %rd5, %r1, 4;
  add.s64 %rd6, %rd1, %rd5;
  ld.global.f32 %f1, [%rd6];
  add.s64 %rd6, %rd2, %rd5;
  ld.global.f32 %f2, [%rd6];
  add.s64 %rd6, %rd3, %rd5;
  ld.global.f32 %f3, [%rd6];
  mul.wide.u32 %rd7, %r1, 48;
  add.s64 %rd8, %rd4, %rd7;
  add.rn.f32 %f4, %f1, %f2;
  mul.rn.f32 %f5, %f1, %f2;
  fma.rn.f32 %f6, %f1, %f2, %f3;
  st.global.f32 [%rd8], %f4;
  st.global.f32 [%rd8+4], %f5;
  st.global.f32 [%rd8+8], %f6;
  add.rz.f32 %f4, %f1, %f2;
  mul.rz.f32 %f5, %f1, %f2;
  fma.rz.f32 %f6, %f1, %f2, %f3;
  st.global.f32 [%rd8+12], %f4;
  st.global.f32 [%rd8+16], %f5;
  st.global.f32 [%rd8+20], %f6;
  add.rm.f32 %f4, %f1, %f2;
  mul.rm.f32 %f5, %f1, %f2;
  fma.rm.f32 %f6, %f1, %f2, %f3;
  st.global.f32 [%rd8+24], %f4;
  st.global.f32 [%rd8+28], %f5;
  st.global.f32 [%rd8+32], %f6;
  add.rp.f32 %f4, %f1, %f2;
  mul.rp.f32 %f5, %f1, %f2;
  fma.rp.f32 %f6, %f1, %f2, %f3;
  st.global.f32 [%rd8+36], %f4;
  st.global.f32 [%rd8+40], %f5;
  st.global.f32 [%rd8+44], %f6;
  ret;
}
)";

const char *kBf16Cvt = R"(
.version 8.0
.target sm_90a
.address_size 64

// out[16 i ..]: bf16(x) and bf16(y) as b16, bf16x2(x, y), f32(bf16(x)),
// bf16x2(x, y) rounded toward zero
.visible .entry bf16_cvt(.param .u64 px, .param .u64 py, .param .u64 pout)
{
  .reg .b16 %h<3>;
  .reg .b32 %r<3>;
  .reg .f32 %f<4>;
  .reg .b64 %rd<8>;
  ld.param.u64 %rd1, [px];
  ld.param.u64 %rd2, [py];
  ld.param.u64 %rd3, [pout];
  mov.u32 %r1, %tid.x;
  mul.wide.u32 %rd4, %r1, 4;
  add.s64 %rd5, %rd1, %rd4;
  ld.global.f32 %f1, [%rd5];
  add.s64 %rd5, %rd2, %rd4;
  ld.global.f32 %f2, [%rd5];
  mul.wide.u32 %rd6, %r1, 16;
  add.s64 %rd7, %rd3, %rd6;
  cvt.rn.bf16.f32 %h1, %f1;
  cvt.rn.bf16.f32 %h2, %f2;
  st.global.b16 [%rd7], %h1;
  st.global.b16 [%rd7+2], %h2;
  cvt.rn.bf16x2.f32 %r2, %f1, %f2;
  st.global.b32 [%rd7+4], %r2;
  cvt.f32.bf16 %f3, %h1;
  st.global.f32 [%rd7+8], %f3;
  cvt.rz.bf16x2.f32 %r2, %f1, %f2;
  st.global.b32 [%rd7+12], %r2;
  ret;
}
)";

const char *kF16Cvt = R"(
.version 8.0
.target sm_90a
.address_size 64

// out[8 i ..]: f16(x) by .rn and .rz as b16, then f32(f16(x)) at +4
.visible .entry f16_cvt(.param .u64 px, .param .u64 pout)
{
  .reg .b16 %h<3>;
  .reg .b32 %r<2>;
  .reg .f32 %f<3>;
  .reg .b64 %rd<6>;
  ld.param.u64 %rd1, [px];
  ld.param.u64 %rd2, [pout];
  mov.u32 %r1, %tid.x;
  mul.wide.u32 %rd3, %r1, 4;
  add.s64 %rd4, %rd1, %rd3;
  ld.global.f32 %f1, [%rd4];
  mul.wide.u32 %rd5, %r1, 8;
  add.s64 %rd5, %rd2, %rd5;
  cvt.rn.f16.f32 %h1, %f1;
  st.global.b16 [%rd5], %h1;
  cvt.rz.f16.f32 %h2, %f1;
  st.global.b16 [%rd5+2], %h2;
  cvt.f32.f16 %f2, %h1;
  st.global.f32 [%rd5+4], %f2;
  ret;
}
)";

const char *kF32ToInt = R"(
.version 8.0
.target sm_90a
.address_size 64

// out[6 i ..]: x to s32 by rzi, rni, rmi, rpi; to u32 by rzi, rni
.visible .entry f32_to_int(.param .u64 px, .param .u64 pout)
{
  .reg .b32 %r<8>;
  .reg .f32 %f<2>;
  .reg .b64 %rd<5>;
  ld.param.u64 %rd1, [px];
  ld.param.u64 %rd2, [pout];
  mov.u32 %r1, %tid.x;
  mul.wide.u32 %rd3, %r1, 4;
  add.s64 %rd3, %rd1, %rd3;
  ld.global.f32 %f1, [%rd3];
  mul.wide.u32 %rd4, %r1, 24;
  add.s64 %rd4, %rd2, %rd4;
  cvt.rzi.s32.f32 %r2, %f1;
  cvt.rni.s32.f32 %r3, %f1;
  cvt.rmi.s32.f32 %r4, %f1;
  cvt.rpi.s32.f32 %r5, %f1;
  cvt.rzi.u32.f32 %r6, %f1;
  cvt.rni.u32.f32 %r7, %f1;
  st.global.u32 [%rd4], %r2;
  st.global.u32 [%rd4+4], %r3;
  st.global.u32 [%rd4+8], %r4;
  st.global.u32 [%rd4+12], %r5;
  st.global.u32 [%rd4+16], %r6;
  st.global.u32 [%rd4+20], %r7;
  ret;
}
)";

const char *kF64ToF32 = R"(
.version 8.0
.target sm_90a
.address_size 64

// out[4 i ..]: x (f64) to f32 by .rn, .rz, .rm, .rp
.visible .entry f64_to_f32(.param .u64 px, .param .u64 pout)
{
  .reg .b32 %r<2>;
  .reg .f32 %f<5>;
  .reg .f64 %fd<2>;
  .reg .b64 %rd<5>;
  ld.param.u64 %rd1, [px];
  ld.param.u64 %rd2, [pout];
  mov.u32 %r1, %tid.x;
  mul.wide.u32 %rd3, %r1, 8;
  add.s64 %rd3, %rd1, %rd3;
  ld.global.f64 %fd1, [%rd3];
  mul.wide.u32 %rd4, %r1, 16;
  add.s64 %rd4, %rd2, %rd4;
  cvt.rn.f32.f64 %f1, %fd1;
  cvt.rz.f32.f64 %f2, %fd1;
  cvt.rm.f32.f64 %f3, %fd1;
  cvt.rp.f32.f64 %f4, %fd1;
  st.global.v4.f32 [%rd4], {%f1, %f2, %f3, %f4};
  ret;
}
)";

const char *kIntToF32 = R"(
.version 8.0
.target sm_90a
.address_size 64

// out[10 i ..]: x to f32 as s64 by .rn .rz .rm .rp, as u64 likewise, and
// its low word as s32 by .rn and as u32 by .rz
.visible .entry int_to_f32(.param .u64 px, .param .u64 pout)
{
  .reg .b32 %r<3>;
  .reg .f32 %f<11>;
  .reg .b64 %rd<6>;
  ld.param.u64 %rd1, [px];
  ld.param.u64 %rd2, [pout];
  mov.u32 %r1, %tid.x;
  mul.wide.u32 %rd3, %r1, 8;
  add.s64 %rd3, %rd1, %rd3;
  ld.global.u64 %rd4, [%rd3];
  cvt.u32.u64 %r2, %rd4;
  mul.wide.u32 %rd5, %r1, 40;
  add.s64 %rd5, %rd2, %rd5;
  cvt.rn.f32.s64 %f1, %rd4;
  cvt.rz.f32.s64 %f2, %rd4;
  cvt.rm.f32.s64 %f3, %rd4;
  cvt.rp.f32.s64 %f4, %rd4;
  cvt.rn.f32.u64 %f5, %rd4;
  cvt.rz.f32.u64 %f6, %rd4;
  cvt.rm.f32.u64 %f7, %rd4;
  cvt.rp.f32.u64 %f8, %rd4;
  cvt.rn.f32.s32 %f9, %r2;
  cvt.rz.f32.u32 %f10, %r2;
  st.global.v2.f32 [%rd5], {%f1, %f2};
  st.global.v2.f32 [%rd5+8], {%f3, %f4};
  st.global.v2.f32 [%rd5+16], {%f5, %f6};
  st.global.v2.f32 [%rd5+24], {%f7, %f8};
  st.global.v2.f32 [%rd5+32], {%f9, %f10};
  ret;
}
)";

const char *kIntOps = R"(
.version 8.0
.target sm_90a
.address_size 64

// ctl packs bfe's position (bits 7:0) and length (15:8) and a shift (31:16).
// out[40 bytes i ..]: mul.wide.s32, mul.hi.u32, mul.hi.s32, shf.l.wrap,
// shf.r.clamp, shf.l.clamp, bfe.u32, bfe.s32, prmt
.visible .entry int_ops(.param .u64 pa, .param .u64 pb, .param .u64 pc,
                        .param .u64 pctl, .param .u64 pout)
{
  .reg .b32 %r<12>;
  .reg .b64 %rd<12>;
  ld.param.u64 %rd1, [pa];
  ld.param.u64 %rd2, [pb];
  ld.param.u64 %rd3, [pc];
  ld.param.u64 %rd4, [pctl];
  ld.param.u64 %rd5, [pout];
  mov.u32 %r1, %tid.x;
  mul.wide.u32 %rd6, %r1, 4;
  add.s64 %rd7, %rd1, %rd6;
  ld.global.u32 %r2, [%rd7];
  add.s64 %rd7, %rd2, %rd6;
  ld.global.u32 %r3, [%rd7];
  add.s64 %rd7, %rd3, %rd6;
  ld.global.u32 %r4, [%rd7];
  add.s64 %rd7, %rd4, %rd6;
  ld.global.u32 %r5, [%rd7];
  shr.u32 %r6, %r5, 8;
  shr.u32 %r7, %r5, 16;
  mul.wide.u32 %rd8, %r1, 40;
  add.s64 %rd8, %rd5, %rd8;
  mul.wide.s32 %rd9, %r2, %r3;
  st.global.u64 [%rd8], %rd9;
  mul.hi.u32 %r8, %r2, %r3;
  st.global.u32 [%rd8+8], %r8;
  mul.hi.s32 %r8, %r2, %r3;
  st.global.u32 [%rd8+12], %r8;
  shf.l.wrap.b32 %r8, %r2, %r3, %r4;
  st.global.u32 [%rd8+16], %r8;
  shf.r.clamp.b32 %r8, %r2, %r3, %r7;
  st.global.u32 [%rd8+20], %r8;
  shf.l.clamp.b32 %r8, %r2, %r3, %r7;
  st.global.u32 [%rd8+24], %r8;
  bfe.u32 %r8, %r2, %r5, %r6;
  st.global.u32 [%rd8+28], %r8;
  bfe.s32 %r8, %r2, %r5, %r6;
  st.global.u32 [%rd8+32], %r8;
  prmt.b32 %r8, %r2, %r3, %r4;
  st.global.u32 [%rd8+36], %r8;
  ret;
}
)";

const char *kCompare = R"(
.version 8.0
.target sm_90a
.address_size 64

// out[6 i ..]: a mask of setp results (lt ltu equ neu ne nan num geu from
// bit 0), selp.f32 a, b by geu, min, max, min.NaN, max.NaN
.visible .entry compare(.param .u64 pa, .param .u64 pb, .param .u64 pout)
{
  .reg .pred %p<2>;
  .reg .b32 %r<4>;
  .reg .f32 %f<8>;
  .reg .b64 %rd<7>;
  ld.param.u64 %rd1, [pa];
  ld.param.u64 %rd2, [pb];
  ld.param.u64 %rd3, [pout];
  mov.u32 %r1, %tid.x;
  mul.wide.u32 %rd4, %r1, 4;
  add.s64 %rd5, %rd1, %rd4;
  ld.global.f32 %f1, [%rd5];
  add.s64 %rd5, %rd2, %rd4;
  ld.global.f32 %f2, [%rd5];
  setp.lt.f32 %p1, %f1, %f2;
  selp.u32 %r2, 1, 0, %p1;
  setp.ltu.f32 %p1, %f1, %f2;
  selp.u32 %r3, 2, 0, %p1;
  or.b32 %r2, %r2, %r3;
  setp.equ.f32 %p1, %f1, %f2;
  selp.u32 %r3, 4, 0, %p1;
  or.b32 %r2, %r2, %r3;
  setp.neu.f32 %p1, %f1, %f2;
  selp.u32 %r3, 8, 0, %p1;
  or.b32 %r2, %r2, %r3;
  setp.ne.f32 %p1, %f1, %f2;
  selp.u32 %r3, 16, 0, %p1;
  or.b32 %r2, %r2, %r3;
  setp.nan.f32 %p1, %f1, %f2;
  selp.u32 %r3, 32, 0, %p1;
  or.b32 %r2, %r2, %r3;
  setp.num.f32 %p1, %f1, %f2;
  selp.u32 %r3, 64, 0, %p1;
  or.b32 %r2, %r2, %r3;
  setp.geu.f32 %p1, %f1, %f2;
  selp.u32 %r3, 128, 0, %p1;
  or.b32 %r2, %r2, %r3;
  selp.f32 %f3, %f1, %f2, %p1;
  min.f32 %f4, %f1, %f2;
  max.f32 %f5, %f1, %f2;
  min.NaN.f32 %f6, %f1, %f2;
  max.NaN.f32 %f7, %f1, %f2;
  mul.wide.u32 %rd6, %r1, 24;
  add.s64 %rd6, %rd3, %rd6;
  st.global.u32 [%rd6], %r2;
  st.global.f32 [%rd6+4], %f3;
  st.global.f32 [%rd6+8], %f4;
  st.global.f32 [%rd6+12], %f5;
  st.global.f32 [%rd6+16], %f6;
  st.global.f32 [%rd6+20], %f7;
  ret;
}
)";

const char *kShfl = R"(
.version 8.0
.target sm_90a
.address_size 64

// One warp; out[16 lane ..]: value and predicate of eight shuffles of
// in[lane]. %r3 is a per-lane source lane for .idx.
.visible .entry shfl(.param .u64 pin, .param .u64 pout)
{
  .reg .pred %p<2>;
  .reg .b32 %r<6>;
  .reg .b64 %rd<6>;
  ld.param.u64 %rd1, [pin];
  ld.param.u64 %rd2, [pout];
  mov.u32 %r1, %laneid;
  mul.wide.u32 %rd3, %r1, 4;
  add.s64 %rd4, %rd1, %rd3;
  ld.global.u32 %r2, [%rd4];
  mad.lo.u32 %r3, %r1, 7, 3;
  and.b32 %r3, %r3, 31;
  mul.wide.u32 %rd5, %r1, 64;
  add.s64 %rd5, %rd2, %rd5;
  shfl.sync.up.b32 %r4|%p1, %r2, 1, 0, 0xffffffff;
  selp.u32 %r5, 1, 0, %p1;
  st.global.v2.u32 [%rd5], {%r4, %r5};
  shfl.sync.down.b32 %r4|%p1, %r2, 3, 0x1f, 0xffffffff;
  selp.u32 %r5, 1, 0, %p1;
  st.global.v2.u32 [%rd5+8], {%r4, %r5};
  shfl.sync.bfly.b32 %r4|%p1, %r2, 5, 0x1f, 0xffffffff;
  selp.u32 %r5, 1, 0, %p1;
  st.global.v2.u32 [%rd5+16], {%r4, %r5};
  shfl.sync.idx.b32 %r4|%p1, %r2, %r3, 0x1f, 0xffffffff;
  selp.u32 %r5, 1, 0, %p1;
  st.global.v2.u32 [%rd5+24], {%r4, %r5};
  shfl.sync.down.b32 %r4|%p1, %r2, 2, 0x181f, 0xffffffff;
  selp.u32 %r5, 1, 0, %p1;
  st.global.v2.u32 [%rd5+32], {%r4, %r5};
  shfl.sync.up.b32 %r4|%p1, %r2, 3, 0x1800, 0xffffffff;
  selp.u32 %r5, 1, 0, %p1;
  st.global.v2.u32 [%rd5+40], {%r4, %r5};
  shfl.sync.idx.b32 %r4|%p1, %r2, %r3, 0x101f, 0xffffffff;
  selp.u32 %r5, 1, 0, %p1;
  st.global.v2.u32 [%rd5+48], {%r4, %r5};
  shfl.sync.bfly.b32 %r4|%p1, %r2, 6, 0x1c1f, 0xffffffff;
  selp.u32 %r5, 1, 0, %p1;
  st.global.v2.u32 [%rd5+56], {%r4, %r5};
  ret;
}
)";

const char *kVote = R"(
.version 8.0
.target sm_90a
.address_size 64

// One warp; %p1: in[lane] is odd, %p2: always, %p3: never. out[6 lane ..]:
// ballot(%p1), any(%p1), all(%p1), all(%p2), any(%p3), and ballot(%p1) over
// lanes 0-15 taken by those lanes only (0xffffffff for the others).
.visible .entry vote(.param .u64 pin, .param .u64 pout)
{
  .reg .pred %p<6>;
  .reg .b32 %r<8>;
  .reg .b64 %rd<6>;
  ld.param.u64 %rd1, [pin];
  ld.param.u64 %rd2, [pout];
  mov.u32 %r1, %laneid;
  mul.wide.u32 %rd3, %r1, 4;
  add.s64 %rd4, %rd1, %rd3;
  ld.global.u32 %r2, [%rd4];
  and.b32 %r3, %r2, 1;
  setp.eq.u32 %p1, %r3, 1;
  setp.lt.u32 %p2, %r1, 32;
  setp.gt.u32 %p3, %r1, 31;
  mul.wide.u32 %rd5, %r1, 24;
  add.s64 %rd5, %rd2, %rd5;
  vote.sync.ballot.b32 %r4, %p1, 0xffffffff;
  st.global.u32 [%rd5], %r4;
  vote.sync.any.pred %p4, %p1, 0xffffffff;
  selp.u32 %r5, 1, 0, %p4;
  st.global.u32 [%rd5+4], %r5;
  vote.sync.all.pred %p4, %p1, 0xffffffff;
  selp.u32 %r5, 1, 0, %p4;
  st.global.u32 [%rd5+8], %r5;
  vote.sync.all.pred %p4, %p2, 0xffffffff;
  selp.u32 %r5, 1, 0, %p4;
  st.global.u32 [%rd5+12], %r5;
  vote.sync.any.pred %p4, %p3, 0xffffffff;
  selp.u32 %r5, 1, 0, %p4;
  st.global.u32 [%rd5+16], %r5;
  mov.u32 %r6, 0xffffffff;
  setp.lt.u32 %p5, %r1, 16;
  @!%p5 bra SKIP;
  vote.sync.ballot.b32 %r6, %p1, 0x0000ffff;
SKIP:
  st.global.u32 [%rd5+20], %r6;
  ret;
}
)";

const char *kLdmatrix = R"(
.version 8.0
.target sm_90a
.address_size 64

// One warp. in: a 32x8 matrix of b16, copied to shared row by row. Lane l
// gives the address of shared row rows[l]; out[8 l ..]: the four registers
// of ldmatrix .x4, then of .x4.trans.
.visible .entry ldmatrix_x4(.param .u64 pin, .param .u64 prows,
                            .param .u64 pout)
{
  .shared .align 16 .b8 tile[512];
  .reg .b32 %r<11>;
  .reg .b64 %rd<9>;
  ld.param.u64 %rd1, [pin];
  ld.param.u64 %rd2, [prows];
  ld.param.u64 %rd3, [pout];
  mov.u32 %r1, %tid.x;
  mul.wide.u32 %rd4, %r1, 16;
  add.s64 %rd5, %rd1, %rd4;
  ld.global.v4.b32 {%r2, %r3, %r4, %r5}, [%rd5];
  mov.u64 %rd6, tile;
  add.s64 %rd7, %rd6, %rd4;
  st.shared.v4.b32 [%rd7], {%r2, %r3, %r4, %r5};
  bar.sync 0;
  mul.wide.u32 %rd4, %r1, 4;
  add.s64 %rd5, %rd2, %rd4;
  ld.global.u32 %r6, [%rd5];
  mul.wide.u32 %rd4, %r6, 16;
  add.s64 %rd7, %rd6, %rd4;
  ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%r2, %r3, %r4, %r5}, [%rd7];
  ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16 {%r7, %r8, %r9, %r10}, [%rd7];
  mul.wide.u32 %rd4, %r1, 32;
  add.s64 %rd8, %rd3, %rd4;
  st.global.v4.b32 [%rd8], {%r2, %r3, %r4, %r5};
  st.global.v4.b32 [%rd8+16], {%r7, %r8, %r9, %r10};
  ret;
}
)";

// Fragments loaded straight from global memory by the PTX ISA's layouts for
// m16n8k16 (group g = lane / 4, t = lane % 4): A (16x16 row-major bf16)
// registers hold (g, 2t..2t+1), (g+8, ..), (g, 2t+8..), (g+8, 2t+8..); B,
// stored transposed (8x16: n-major), holds (k = 2t..2t+1, n = g) and k + 8;
// C and D (16x8 f32) hold (g, 2t..2t+1) and (g+8, ..).
const char *kMmaFragments = R"(
.version 8.0
.target sm_90a
.address_size 64

.visible .entry mma_fragments(.param .u64 pa, .param .u64 pbt, .param .u64 pc,
                              .param .u64 pd)
{
  .reg .b32 %r<16>;
  .reg .f32 %f<9>;
  .reg .b64 %rd<11>;
  ld.param.u64 %rd1, [pa];
  ld.param.u64 %rd2, [pbt];
  ld.param.u64 %rd3, [pc];
  ld.param.u64 %rd4, [pd];
  mov.u32 %r1, %tid.x;
  shr.u32 %r2, %r1, 2;
  and.b32 %r3, %r1, 3;
  shl.b32 %r4, %r2, 5;
  shl.b32 %r5, %r3, 2;
  add.s32 %r6, %r4, %r5;
  shl.b32 %r7, %r3, 3;
  add.s32 %r8, %r4, %r7;
  cvt.u64.u32 %rd5, %r6;
  cvt.u64.u32 %rd6, %r8;
  add.s64 %rd7, %rd1, %rd5;
  ld.global.b32 %r10, [%rd7];
  ld.global.b32 %r11, [%rd7+256];
  ld.global.b32 %r12, [%rd7+16];
  ld.global.b32 %r13, [%rd7+272];
  add.s64 %rd8, %rd2, %rd5;
  ld.global.b32 %r14, [%rd8];
  ld.global.b32 %r15, [%rd8+16];
  add.s64 %rd9, %rd3, %rd6;
  ld.global.v2.f32 {%f1, %f2}, [%rd9];
  ld.global.v2.f32 {%f3, %f4}, [%rd9+256];
  mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32
      {%f5, %f6, %f7, %f8}, {%r10, %r11, %r12, %r13}, {%r14, %r15},
      {%f1, %f2, %f3, %f4};
  add.s64 %rd10, %rd4, %rd6;
  st.global.v2.f32 [%rd10], {%f5, %f6};
  st.global.v2.f32 [%rd10+256], {%f7, %f8};
  ret;
}
)";

// A (16x16) and B (16x16, k-major) row-major bf16 staged in shared; lane l
// addresses row l % 16, column block l / 16 of each: ldmatrix .x4 gives the
// A fragment, .x4.trans the B fragments of two n-tiles. D = A B, 16x16 f32.
const char *kMmaLdmatrix = R"(
.version 8.0
.target sm_90a
.address_size 64

.visible .entry mma_ldmatrix(.param .u64 pa, .param .u64 pb, .param .u64 pd)
{
  .shared .align 16 .b8 sa[512];
  .shared .align 16 .b8 sb[512];
  .reg .b32 %r<22>;
  .reg .f32 %f<10>;
  .reg .b64 %rd<14>;
  ld.param.u64 %rd1, [pa];
  ld.param.u64 %rd2, [pb];
  ld.param.u64 %rd3, [pd];
  mov.u32 %r1, %tid.x;
  mul.wide.u32 %rd4, %r1, 16;
  add.s64 %rd5, %rd1, %rd4;
  ld.global.v4.b32 {%r2, %r3, %r4, %r5}, [%rd5];
  mov.u64 %rd6, sa;
  add.s64 %rd7, %rd6, %rd4;
  st.shared.v4.b32 [%rd7], {%r2, %r3, %r4, %r5};
  add.s64 %rd5, %rd2, %rd4;
  ld.global.v4.b32 {%r2, %r3, %r4, %r5}, [%rd5];
  mov.u64 %rd8, sb;
  add.s64 %rd7, %rd8, %rd4;
  st.shared.v4.b32 [%rd7], {%r2, %r3, %r4, %r5};
  bar.sync 0;
  and.b32 %r6, %r1, 15;
  shr.u32 %r7, %r1, 4;
  shl.b32 %r8, %r6, 5;
  shl.b32 %r9, %r7, 4;
  add.s32 %r10, %r8, %r9;
  cvt.u64.u32 %rd9, %r10;
  add.s64 %rd10, %rd6, %rd9;
  add.s64 %rd11, %rd8, %rd9;
  ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%r11, %r12, %r13, %r14}, [%rd10];
  ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16 {%r15, %r16, %r17, %r18}, [%rd11];
  mov.f32 %f1, 0f00000000;
  mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32
      {%f2, %f3, %f4, %f5}, {%r11, %r12, %r13, %r14}, {%r15, %r16},
      {%f1, %f1, %f1, %f1};
  mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32
      {%f6, %f7, %f8, %f9}, {%r11, %r12, %r13, %r14}, {%r17, %r18},
      {%f1, %f1, %f1, %f1};
  shr.u32 %r19, %r1, 2;
  and.b32 %r20, %r1, 3;
  shl.b32 %r19, %r19, 6;
  shl.b32 %r20, %r20, 3;
  add.s32 %r21, %r19, %r20;
  cvt.u64.u32 %rd12, %r21;
  add.s64 %rd13, %rd3, %rd12;
  st.global.v2.f32 [%rd13], {%f2, %f3};
  st.global.v2.f32 [%rd13+512], {%f4, %f5};
  st.global.v2.f32 [%rd13+32], {%f6, %f7};
  st.global.v2.f32 [%rd13+544], {%f8, %f9};
  ret;
}
)";

const char *kCpAsync = R"(
.version 8.0
.target sm_90a
.address_size 64

// 64 threads. Group 1 copies src chunk tid (16 bytes, sizes[tid] of them
// read, the rest zero-filled) to shared chunk tid, group 2 the chunk 1024
// bytes further. After each wait and a barrier, every thread copies the
// next thread's chunk from shared to out (same offsets).
.visible .entry cp_async(.param .u64 psrc, .param .u64 psizes,
                         .param .u64 pout)
{
  .shared .align 16 .b8 buf[2048];
  .reg .b32 %r<8>;
  .reg .b64 %rd<13>;
  ld.param.u64 %rd1, [psrc];
  ld.param.u64 %rd2, [psizes];
  ld.param.u64 %rd3, [pout];
  mov.u32 %r1, %tid.x;
  mul.wide.u32 %rd4, %r1, 16;
  mul.wide.u32 %rd5, %r1, 4;
  add.s64 %rd6, %rd2, %rd5;
  ld.global.u32 %r2, [%rd6];
  add.s64 %rd7, %rd1, %rd4;
  mov.u64 %rd8, buf;
  add.s64 %rd9, %rd8, %rd4;
  cp.async.cg.shared.global [%rd9], [%rd7], 16, %r2;
  cp.async.commit_group;
  cp.async.cg.shared.global [%rd9+1024], [%rd7+1024], 16;
  cp.async.commit_group;
  cp.async.wait_group 1;
  bar.sync 0;
  add.s32 %r3, %r1, 1;
  and.b32 %r3, %r3, 63;
  mul.wide.u32 %rd10, %r3, 16;
  add.s64 %rd11, %rd8, %rd10;
  add.s64 %rd12, %rd3, %rd10;
  ld.shared.v4.b32 {%r4, %r5, %r6, %r7}, [%rd11];
  st.global.v4.b32 [%rd12], {%r4, %r5, %r6, %r7};
  cp.async.wait_group 0;
  bar.sync 0;
  ld.shared.v4.b32 {%r4, %r5, %r6, %r7}, [%rd11+1024];
  st.global.v4.b32 [%rd12+1024], {%r4, %r5, %r6, %r7};
  ret;
}
)";

// out[i] = in[i] for every launched thread (no bounds check: the checks
// cases launch past the end of `in` on purpose).
const char *kLoad = R"(
.version 8.0
.target sm_90a
.address_size 64

.visible .entry load_f32(.param .u64 pin, .param .u64 pout)
{
  .reg .b32 %r<2>;
  .reg .f32 %f<2>;
  .reg .b64 %rd<6>;
  ld.param.u64 %rd1, [pin];
  ld.param.u64 %rd2, [pout];
  mov.u32 %r1, %tid.x;
  mul.wide.u32 %rd3, %r1, 4;
  add.s64 %rd4, %rd1, %rd3;
  ld.global.f32 %f1, [%rd4];
  add.s64 %rd5, %rd2, %rd3;
  st.global.f32 [%rd5], %f1;
  ret;
}

.visible .entry load_v4(.param .u64 pin, .param .u64 pout)
{
  .reg .b32 %r<2>;
  .reg .f32 %f<5>;
  .reg .b64 %rd<6>;
  ld.param.u64 %rd1, [pin];
  ld.param.u64 %rd2, [pout];
  mov.u32 %r1, %tid.x;
  mul.wide.u32 %rd3, %r1, 16;
  add.s64 %rd4, %rd1, %rd3;
  ld.global.v4.f32 {%f1, %f2, %f3, %f4}, [%rd4];
  add.s64 %rd5, %rd2, %rd3;
  st.global.v4.f32 [%rd5], {%f1, %f2, %f3, %f4};
  ret;
}
)";

// 64 threads (two warps). Every thread writes its slot, a barrier, writes it
// again, then reads the slot of the thread 32 ahead (the other warp): a
// race unless `sync` puts a barrier between the second write and the read.
const char *kExchange = R"(
.version 8.0
.target sm_90a
.address_size 64

.visible .entry exchange(.param .u64 pout, .param .u32 psync)
{
  .shared .align 4 .b32 slots[64];
  .reg .pred %p<2>;
  .reg .b32 %r<6>;
  .reg .b64 %rd<8>;
  ld.param.u64 %rd1, [pout];
  ld.param.u32 %r1, [psync];
  setp.ne.u32 %p1, %r1, 0;
  mov.u32 %r2, %tid.x;
  mul.wide.u32 %rd2, %r2, 4;
  mov.u64 %rd3, slots;
  add.s64 %rd4, %rd3, %rd2;
  st.shared.u32 [%rd4], %r2;
  bar.sync 0;
  add.s32 %r3, %r2, 1000;
  st.shared.u32 [%rd4], %r3;
  @%p1 bar.sync 0;
  add.s32 %r4, %r2, 32;
  and.b32 %r4, %r4, 63;
  mul.wide.u32 %rd5, %r4, 4;
  add.s64 %rd6, %rd3, %rd5;
  ld.shared.u32 %r5, [%rd6];
  add.s64 %rd7, %rd1, %rd2;
  st.global.u32 [%rd7], %r5;
  ret;
}
)";

const char *kSharedChecks = R"(
.version 8.0
.target sm_90a
.address_size 64

// Reads shared memory nothing wrote.
.visible .entry read_unwritten(.param .u64 pout)
{
  .shared .align 4 .b32 slots[32];
  .reg .b32 %r<3>;
  .reg .b64 %rd<5>;
  ld.param.u64 %rd1, [pout];
  mov.u32 %r1, %tid.x;
  mul.wide.u32 %rd2, %r1, 4;
  mov.u64 %rd3, slots;
  add.s64 %rd3, %rd3, %rd2;
  ld.shared.u32 %r2, [%rd3];
  add.s64 %rd4, %rd1, %rd2;
  st.global.u32 [%rd4], %r2;
  ret;
}

// Reads its cp.async chunk after wait_group 1 with only that group
// committed: the copy may still be in flight.
.visible .entry cp_async_early(.param .u64 psrc, .param .u64 pout)
{
  .shared .align 16 .b8 buf[512];
  .reg .b32 %r<3>;
  .reg .b64 %rd<8>;
  ld.param.u64 %rd1, [psrc];
  ld.param.u64 %rd2, [pout];
  mov.u32 %r1, %tid.x;
  mul.wide.u32 %rd3, %r1, 16;
  add.s64 %rd4, %rd1, %rd3;
  mov.u64 %rd5, buf;
  add.s64 %rd5, %rd5, %rd3;
  cp.async.cg.shared.global [%rd5], [%rd4], 16;
  cp.async.commit_group;
  cp.async.wait_group 1;
  ld.shared.u32 %r2, [%rd5];
  mul.wide.u32 %rd6, %r1, 4;
  add.s64 %rd7, %rd2, %rd6;
  st.global.u32 [%rd7], %r2;
  ret;
}

// Lanes 0-15 reach bar.sync, lanes 16-31 branch past it.
.visible .entry bar_half_warp()
{
  .reg .pred %p<2>;
  .reg .b32 %r<2>;
  mov.u32 %r1, %tid.x;
  setp.ge.u32 %p1, %r1, 16;
  @%p1 bra DONE;
  bar.sync 0;
DONE:
  ret;
}
)";

const char *kStatsKernels = R"(
.version 8.0
.target sm_90a
.address_size 64

// out[i] = in[i] for i < n.
.visible .entry copy(.param .u64 pin, .param .u64 pout, .param .u32 pn)
{
  .reg .pred %p<2>;
  .reg .b32 %r<6>;
  .reg .f32 %f<2>;
  .reg .b64 %rd<6>;
  ld.param.u64 %rd1, [pin];
  ld.param.u64 %rd2, [pout];
  ld.param.u32 %r1, [pn];
  mov.u32 %r2, %ctaid.x;
  mov.u32 %r3, %ntid.x;
  mov.u32 %r4, %tid.x;
  mad.lo.s32 %r5, %r2, %r3, %r4;
  setp.ge.u32 %p1, %r5, %r1;
  @%p1 bra DONE;
  mul.wide.u32 %rd3, %r5, 4;
  add.s64 %rd4, %rd1, %rd3;
  ld.global.f32 %f1, [%rd4];
  add.s64 %rd5, %rd2, %rd3;
  st.global.f32 [%rd5], %f1;
DONE:
  ret;
}

// 64 threads: out[i] = 63 - i through shared memory and one barrier.
.visible .entry shared_reverse(.param .u64 pout)
{
  .shared .align 4 .b32 s[64];
  .reg .b32 %r<4>;
  .reg .b64 %rd<7>;
  ld.param.u64 %rd1, [pout];
  mov.u32 %r1, %tid.x;
  mul.wide.u32 %rd2, %r1, 4;
  mov.u64 %rd3, s;
  add.s64 %rd4, %rd3, %rd2;
  st.shared.u32 [%rd4], %r1;
  bar.sync 0;
  mov.u32 %r2, 63;
  sub.u32 %r2, %r2, %r1;
  mul.wide.u32 %rd5, %r2, 4;
  add.s64 %rd5, %rd3, %rd5;
  ld.shared.u32 %r3, [%rd5];
  add.s64 %rd6, %rd1, %rd2;
  st.global.u32 [%rd6], %r3;
  ret;
}
)";

const char *kFill = R"(
.version 8.0
.target sm_90a
.address_size 64

// p[i] = v + i
.visible .entry fill(.param .u64 pp, .param .f32 pv)
{
  .reg .b32 %r<2>;
  .reg .f32 %f<4>;
  .reg .b64 %rd<4>;
  ld.param.u64 %rd1, [pp];
  ld.param.f32 %f1, [pv];
  mov.u32 %r1, %tid.x;
  cvt.rn.f32.u32 %f2, %r1;
  add.f32 %f3, %f1, %f2;
  mul.wide.u32 %rd2, %r1, 4;
  add.s64 %rd3, %rd1, %rd2;
  st.global.f32 [%rd3], %f3;
  ret;
}
)";

const char *kDynamicShared = R"(
.version 8.0
.target sm_90a
.address_size 64

.extern .shared .align 16 .b8 dyn[];

// Writes %dynamic_smem_size to the last word of dynamic shared memory
// (bytes long), reads it back to out[0].
.visible .entry dyn_shared(.param .u64 pout, .param .u32 pbytes)
{
  .reg .b32 %r<5>;
  .reg .b64 %rd<5>;
  ld.param.u64 %rd1, [pout];
  ld.param.u32 %r1, [pbytes];
  sub.u32 %r2, %r1, 4;
  mov.u64 %rd2, dyn;
  cvt.u64.u32 %rd3, %r2;
  add.s64 %rd4, %rd2, %rd3;
  mov.u32 %r3, %dynamic_smem_size;
  st.shared.u32 [%rd4], %r3;
  ld.shared.u32 %r4, [%rd4];
  st.global.u32 [%rd1], %r4;
  ret;
}
)";

//===--- In-process tests -------------------------------------------------===//

class PtxSim : public ::testing::Test {
protected:
  void SetUp() override {
    std::string why;
    cu = driver(&why);
    ASSERT_NE(cu, nullptr) << "cannot open " RETNET_SIM_DRIVER ": " << why;
  }
  void TearDown() override {
    if (!cu)
      return;
    for (CUdeviceptr p : buffers)
      EXPECT_EQ(cu->cuMemFree(p), CUDA_SUCCESS);
    for (CUmodule m : modules)
      EXPECT_EQ(cu->cuModuleUnload(m), CUDA_SUCCESS);
  }

  /// Kernel `name` of a newly loaded module; null (and a failure) if not.
  CUfunction kernel(const char *ptx, const char *name) {
    CUmodule m = nullptr;
    CUresult r = cu->cuModuleLoadData(&m, ptx);
    EXPECT_EQ(r, CUDA_SUCCESS) << "loading the module of " << name;
    if (r != CUDA_SUCCESS)
      return nullptr;
    modules.push_back(m);
    CUfunction f = nullptr;
    EXPECT_EQ(cu->cuModuleGetFunction(&f, m, name), CUDA_SUCCESS) << name;
    return f;
  }

  CUdeviceptr alloc(size_t bytes) {
    CUdeviceptr p = 0;
    EXPECT_EQ(cu->cuMemAlloc(&p, bytes), CUDA_SUCCESS);
    if (p)
      buffers.push_back(p);
    return p;
  }

  template <class T> CUdeviceptr upload(const std::vector<T> &v) {
    CUdeviceptr p = alloc(v.size() * sizeof(T));
    EXPECT_EQ(cu->cuMemcpyHtoD(p, v.data(), v.size() * sizeof(T)),
              CUDA_SUCCESS);
    return p;
  }

  template <class T> std::vector<T> download(CUdeviceptr p, size_t n) {
    std::vector<T> v(n);
    EXPECT_EQ(cu->cuMemcpyDtoH(v.data(), p, n * sizeof(T)), CUDA_SUCCESS);
    return v;
  }

  /// Launches one block of `threads` and waits for it.
  CUresult run(CUfunction f, unsigned threads, std::vector<void *> args) {
    CUresult r = cu->cuLaunchKernel(f, 1, 1, 1, threads, 1, 1, 0, nullptr,
                                    args.data(), nullptr);
    return r ? r : cu->cuCtxSynchronize();
  }

  const Driver *cu = nullptr;
  std::vector<CUdeviceptr> buffers;
  std::vector<CUmodule> modules;
};

TEST_F(PtxSim, F32ArithmeticRoundsAsIeee) {
  CUfunction f = kernel(kF32Arith, "f32_arith");
  ASSERT_NE(f, nullptr);
  const int n = 256;
  std::mt19937 rng(11);
  std::vector<float> a(n), b(n), c(n);
  for (int i = 0; i < n; ++i) {
    a[i] = randomFloat(rng, 20);
    b[i] = randomFloat(rng, 20);
    c[i] = randomFloat(rng, 40);
    if (i % 8 == 0) // fma then keeps only the product's rounding error
      c[i] = -(a[i] * b[i]);
  }
  a[1] = 1.0f, b[1] = 0x1p-24f;  // add: a tie, to even
  a[2] = 1.0f, b[2] = -0x1p-30f; // add: just below a power of two
  CUdeviceptr da = upload(a), db = upload(b), dc = upload(c),
              dout = alloc(n * 12 * sizeof(float));
  ASSERT_EQ(run(f, n, {&da, &db, &dc, &dout}), CUDA_SUCCESS);
  std::vector<float> out = download<float>(dout, n * 12);
  const Rnd modes[] = {Rnd::N, Rnd::Z, Rnd::M, Rnd::P};
  const char *names[] = {"rn", "rz", "rm", "rp"};
  Checker check;
  for (int i = 0; i < n; ++i) {
    double sum, sumErr, fmaHi, fmaLo;
    twoSum(a[i], b[i], sum, sumErr);
    twoSum(double(a[i]) * b[i], c[i], fmaHi, fmaLo); // the product is exact
    for (int m = 0; m < 4; ++m) {
      float want[3] = {roundToF32(sum, sumErr, modes[m]),
                       roundToF32(double(a[i]) * b[i], 0, modes[m]),
                       roundToF32(fmaHi, fmaLo, modes[m])};
      const char *ops[3] = {"add", "mul", "fma"};
      for (int k = 0; k < 3; ++k) {
        float got = out[i * 12 + m * 3 + k];
        check(bitsOf(got) == bitsOf(want[k]), [&] {
          std::ostringstream os;
          os << ops[k] << "." << names[m] << ".f32 of " << a[i] << ", " << b[i]
             << ", " << c[i] << ": got " << hex(bitsOf(got)) << ", want "
             << hex(bitsOf(want[k]));
          return os.str();
        });
      }
    }
  }
}

TEST_F(PtxSim, Bf16ConversionsRoundToNearestEven) {
  CUfunction f = kernel(kBf16Cvt, "bf16_cvt");
  ASSERT_NE(f, nullptr);
  std::mt19937 rng(12);
  std::vector<float> x, y;
  const uint32_t special[] = {
      0x3F808000, // a tie with an even neighbour below: down
      0x3F818000, // a tie with an odd neighbour below: up
      0xBF838000, // negative tie, odd: away from zero
      0x3F808001, // just past a tie: up
      0x7FC00001, // NaN
      0xFFA12345, // signalling NaN, negative
      0x7F7FFFFF, // FLT_MAX: rounds to infinity
      0x7F800000, // infinity
      0x00012345, // subnormal
      0x80000000, // -0
  };
  for (uint32_t s : special)
    x.push_back(floatOf(s)), y.push_back(randomFloat(rng, 30));
  while (x.size() < 128)
    x.push_back(randomFloat(rng, 30)), y.push_back(randomFloat(rng, 30));
  std::swap(y[20], x[4]); // a NaN in the low half of the bf16x2 too
  const int n = int(x.size());
  CUdeviceptr dx = upload(x), dy = upload(y), dout = alloc(n * 16);
  ASSERT_EQ(run(f, n, {&dx, &dy, &dout}), CUDA_SUCCESS);
  std::vector<uint32_t> out = download<uint32_t>(dout, n * 4);
  Checker check;
  auto same = [](uint16_t got, float in, Rnd m = Rnd::N) {
    return std::isnan(in) ? isNanBf16(got) : got == refBf16(in, m);
  };
  for (int i = 0; i < n; ++i) {
    uint16_t hx = uint16_t(out[4 * i]), hy = uint16_t(out[4 * i] >> 16);
    uint32_t pair = out[4 * i + 1], pairZ = out[4 * i + 3];
    float back = floatOf(out[4 * i + 2]);
    auto what = [&](const char *op, uint64_t got) {
      return [=] {
        return std::string(op) + " of " + hex(bitsOf(x[i])) + "/" +
               hex(bitsOf(y[i])) + ": got " + hex(got) + ", want " +
               hex(refBf16(x[i])) + "/" + hex(refBf16(y[i]));
      };
    };
    check(same(hx, x[i]), what("cvt.rn.bf16.f32 (x)", hx));
    check(same(hy, y[i]), what("cvt.rn.bf16.f32 (y)", hy));
    check(same(uint16_t(pair >> 16), x[i]) && same(uint16_t(pair), y[i]),
          what("cvt.rn.bf16x2.f32 (x high, y low)", pair));
    check(same(uint16_t(pairZ >> 16), x[i], Rnd::Z) &&
              same(uint16_t(pairZ), y[i], Rnd::Z),
          what("cvt.rz.bf16x2.f32 (x high, y low)", pairZ));
    float want = floatOf(uint32_t(hx) << 16);
    check(std::isnan(want) ? std::isnan(back) : bitsOf(back) == bitsOf(want),
          what("cvt.f32.bf16", bitsOf(back)));
  }
  // The ties and FLT_MAX, spelled out.
  EXPECT_EQ(uint16_t(out[0]), 0x3F80);
  EXPECT_EQ(uint16_t(out[4]), 0x3F82);
  EXPECT_EQ(uint16_t(out[8]), 0xBF84);
  EXPECT_EQ(uint16_t(out[24]), 0x7F80);
  EXPECT_EQ(uint16_t(out[27] >> 16), 0x7F7F); // toward zero: finite
}

TEST_F(PtxSim, F16ConversionsRoundToNearestEven) {
  CUfunction f = kernel(kF16Cvt, "f16_cvt");
  ASSERT_NE(f, nullptr);
  std::mt19937 rng(13);
  std::vector<float> x = {
      1.0f + 0x1p-11f,     // a tie, even below: 1.0
      1.0f + 3 * 0x1p-11f, // a tie, odd below: up
      65519.0f,            // largest that rounds to 65504
      65520.0f,            // rounds to infinity
      -70000.0f,           // -infinity
      0x1p-24f,            // smallest subnormal
      0x1p-25f,            // a tie with zero: 0
      0x1.8p-25f,          // past the tie: smallest subnormal
      3e-6f,               // subnormal
      NAN,
      -0.0f,
  };
  while (x.size() < 128)
    x.push_back(randomFloat(rng, 17));
  const int n = int(x.size());
  CUdeviceptr dx = upload(x), dout = alloc(n * 8);
  ASSERT_EQ(run(f, n, {&dx, &dout}), CUDA_SUCCESS);
  std::vector<uint32_t> out = download<uint32_t>(dout, n * 2);
  Checker check;
  for (int i = 0; i < n; ++i) {
    uint16_t h = uint16_t(out[2 * i]), hz = uint16_t(out[2 * i] >> 16);
    float back = floatOf(out[2 * i + 1]);
    uint16_t want = refF16(x[i]), wantZ = refF16(x[i], Rnd::Z);
    check(std::isnan(x[i]) ? isNanF16(h) : h == want, [&] {
      return "cvt.rn.f16.f32 of " + hex(bitsOf(x[i])) + ": got " + hex(h) +
             ", want " + hex(want);
    });
    check(std::isnan(x[i]) ? isNanF16(hz) : hz == wantZ, [&] {
      return "cvt.rz.f16.f32 of " + hex(bitsOf(x[i])) + ": got " + hex(hz) +
             ", want " + hex(wantZ);
    });
    double wantBack = decodeF16(h);
    check(std::isnan(wantBack) ? std::isnan(back)
                               : bitsOf(back) == bitsOf(float(wantBack)),
          [&] {
            return "cvt.f32.f16 of " + hex(h) + ": got " + hex(bitsOf(back));
          });
  }
  EXPECT_EQ(uint16_t(out[0]), 0x3C00);
  EXPECT_EQ(uint16_t(out[2]), 0x3C02);
  EXPECT_EQ(uint16_t(out[4]), 0x7BFF);
  EXPECT_EQ(uint16_t(out[6]), 0x7C00);
  EXPECT_EQ(uint16_t(out[2] >> 16), 0x3C01); // toward zero
  EXPECT_EQ(uint16_t(out[8] >> 16), 0xFBFF); // -70000 toward zero: finite
}

TEST_F(PtxSim, FloatToIntRoundsAndSaturates) {
  CUfunction f = kernel(kF32ToInt, "f32_to_int");
  ASSERT_NE(f, nullptr);
  std::mt19937 rng(14);
  std::uniform_real_distribution<float> u(-300.0f, 300.0f);
  std::vector<float> x = {
      0.5f,           -0.5f,         1.5f,          2.5f,
      -2.5f,          3.5f,          -0.3f,         3e9f,
      -3e9f,          2147483520.0f, 2147483648.0f, -2147483648.0f,
      -2147483904.0f, 4294967040.0f, 5e9f,          INFINITY,
      -INFINITY,      NAN,           1e-30f,        -7.0f};
  while (x.size() < 128)
    x.push_back(u(rng));
  const int n = int(x.size());
  CUdeviceptr dx = upload(x), dout = alloc(n * 24);
  ASSERT_EQ(run(f, n, {&dx, &dout}), CUDA_SUCCESS);
  std::vector<uint32_t> out = download<uint32_t>(dout, n * 6);
  double (*const rounding[])(double) = {std::trunc, std::nearbyint, std::floor,
                                        std::ceil};
  const char *names[] = {"cvt.rzi.s32.f32", "cvt.rni.s32.f32",
                         "cvt.rmi.s32.f32", "cvt.rpi.s32.f32",
                         "cvt.rzi.u32.f32", "cvt.rni.u32.f32"};
  Checker check;
  for (int i = 0; i < n; ++i) {
    for (int k = 0; k < 6; ++k) {
      double r = rounding[k < 4 ? k : k - 4](x[i]);
      uint32_t want = k < 4 ? uint32_t(saturate(r, INT32_MIN, INT32_MAX))
                            : uint32_t(saturate(r, 0, UINT32_MAX));
      uint32_t got = out[6 * i + k];
      check(got == want, [&] {
        std::ostringstream os;
        os << names[k] << " of " << x[i] << ": got " << got << " ("
           << int32_t(got) << "), want " << want << " (" << int32_t(want)
           << ")";
        return os.str();
      });
    }
  }
}

TEST_F(PtxSim, F64ToF32DirectedRounding) {
  CUfunction f = kernel(kF64ToF32, "f64_to_f32");
  ASSERT_NE(f, nullptr);
  std::mt19937 rng(15);
  std::uniform_real_distribution<double> mant(1.0, 2.0);
  std::uniform_int_distribution<int> exp(-40, 40), sign(0, 1);
  std::vector<double> x = {1.5,
                           1.0 + 0x1p-24, // a tie, to even (down)
                           1.0 + 3 * 0x1p-24,
                           -(1.0 + 0x1p-30),
                           double(FLT_MAX) * (1 + 1e-7), // past the largest
                           -1e39,
                           1e-40, // subnormal
                           -3e-45,
                           1e-50, // below the smallest subnormal
                           -1e-50,
                           INFINITY,
                           NAN};
  while (x.size() < 128) {
    double v = std::ldexp(mant(rng), exp(rng));
    x.push_back(sign(rng) ? -v : v);
  }
  const int n = int(x.size());
  CUdeviceptr dx = upload(x), dout = alloc(n * 16);
  ASSERT_EQ(run(f, n, {&dx, &dout}), CUDA_SUCCESS);
  std::vector<float> out = download<float>(dout, n * 4);
  const Rnd modes[] = {Rnd::N, Rnd::Z, Rnd::M, Rnd::P};
  const char *names[] = {"cvt.rn.f32.f64", "cvt.rz.f32.f64", "cvt.rm.f32.f64",
                         "cvt.rp.f32.f64"};
  Checker check;
  for (int i = 0; i < n; ++i) {
    for (int m = 0; m < 4; ++m) {
      float want = roundToF32(x[i], 0, modes[m]), got = out[4 * i + m];
      check(std::isnan(want) ? std::isnan(got) : bitsOf(got) == bitsOf(want),
            [&] {
              std::ostringstream os;
              os.precision(17);
              os << names[m] << " of " << x[i] << ": got " << hex(bitsOf(got))
                 << ", want " << hex(bitsOf(want));
              return os.str();
            });
    }
  }
}

TEST_F(PtxSim, IntegerToFloatRounding) {
  CUfunction f = kernel(kIntToF32, "int_to_f32");
  ASSERT_NE(f, nullptr);
  std::mt19937 rng(24);
  std::vector<int64_t> x = {
      INT64_MAX,
      INT64_MIN,
      -1,
      (int64_t(1) << 60) + (int64_t(1) << 36) + 1, // past a tie only by 1
      -((int64_t(1) << 60) + (int64_t(1) << 36) + 1),
      (int64_t(1) << 60) + (int64_t(1) << 36), // a tie, to even
      (int64_t(1) << 53) + 1,
      (int64_t(1) << 24) + 1,
      int64_t(0xFFFFFF7FFFFFFFFFull), // as u64: just below a tie
  };
  while (x.size() < 128) {
    uint64_t v = (uint64_t(rng()) << 32) | rng();
    x.push_back(int64_t(v >> (rng() % 48)));
  }
  const int n = int(x.size());
  CUdeviceptr dx = upload(x), dout = alloc(n * 40);
  ASSERT_EQ(run(f, n, {&dx, &dout}), CUDA_SUCCESS);
  std::vector<float> out = download<float>(dout, n * 10);
  // The exact value v as hi (nearest double) plus the exact rest.
  auto exact = [](__int128 v, double &hi, double &lo) {
    hi = double(v);
    lo = double(v - __int128(hi));
  };
  const Rnd modes[] = {Rnd::N, Rnd::Z, Rnd::M, Rnd::P};
  const char *names[] = {"rn", "rz", "rm", "rp"};
  Checker check;
  for (int i = 0; i < n; ++i) {
    double shi, slo, uhi, ulo;
    exact(__int128(x[i]), shi, slo);
    exact(__int128(uint64_t(x[i])), uhi, ulo);
    float want[10];
    for (int m = 0; m < 4; ++m) {
      want[m] = roundToF32(shi, slo, modes[m]);
      want[4 + m] = roundToF32(uhi, ulo, modes[m]);
    }
    want[8] = roundToF32(double(int32_t(uint32_t(x[i]))), 0, Rnd::N);
    want[9] = roundToF32(double(uint32_t(x[i])), 0, Rnd::Z);
    for (int k = 0; k < 10; ++k) {
      std::string op = k < 8 ? std::string("cvt.") + names[k % 4] +
                                   (k < 4 ? ".f32.s64" : ".f32.u64")
                       : k == 8 ? "cvt.rn.f32.s32"
                                : "cvt.rz.f32.u32";
      check(bitsOf(out[10 * i + k]) == bitsOf(want[k]), [&] {
        return op + " of " + hex(uint64_t(x[i])) + ": got " +
               hex(bitsOf(out[10 * i + k])) + ", want " + hex(bitsOf(want[k]));
      });
    }
  }
}

TEST_F(PtxSim, IntegerMultiplyShiftAndBitFields) {
  CUfunction f = kernel(kIntOps, "int_ops");
  ASSERT_NE(f, nullptr);
  const int n = 128;
  std::mt19937 rng(16);
  std::vector<uint32_t> a(n), b(n), c(n), ctl(n);
  for (int i = 0; i < n; ++i) {
    a[i] = rng(), b[i] = rng(), c[i] = rng();
    uint32_t pos = rng() % 41, len = rng() % 41, shift = rng() % 40;
    ctl[i] = (shift << 16) | (len << 8) | pos;
  }
  CUdeviceptr da = upload(a), db = upload(b), dc = upload(c),
              dctl = upload(ctl), dout = alloc(n * 40);
  ASSERT_EQ(run(f, n, {&da, &db, &dc, &dctl, &dout}), CUDA_SUCCESS);
  std::vector<uint32_t> out = download<uint32_t>(dout, n * 10);
  // bfe per the ISA: bit i of d is a[pos + i] for i < len and pos + i <= 31,
  // else the sign bit (0 for .u32; a[min(pos + len - 1, 31)] for .s32).
  auto bfe = [](uint32_t x, uint32_t pos, uint32_t len, bool sgn) {
    uint32_t sbit =
        (!sgn || len == 0) ? 0 : (x >> std::min(pos + len - 1, 31u)) & 1;
    uint32_t d = 0;
    for (uint32_t i = 0; i < 32; ++i) {
      uint32_t bit = (i < len && pos + i <= 31) ? (x >> (pos + i)) & 1 : sbit;
      d |= bit << i;
    }
    return d;
  };
  Checker check;
  for (int i = 0; i < n; ++i) {
    uint64_t pair = (uint64_t(b[i]) << 32) | a[i]; // shf: b is the high word
    uint32_t pos = ctl[i] & 0xFF, len = (ctl[i] >> 8) & 0xFF;
    uint32_t clamp = std::min(ctl[i] >> 16, 32u);
    int64_t wide = int64_t(int32_t(a[i])) * int32_t(b[i]);
    uint32_t prmt = 0;
    for (int k = 0; k < 4; ++k) {
      uint32_t sel = (c[i] >> (4 * k)) & 0xF;
      uint32_t byte = (pair >> (8 * (sel & 7))) & 0xFF;
      if (sel & 8) // replicate the byte's sign
        byte = (byte & 0x80) ? 0xFF : 0;
      prmt |= byte << (8 * k);
    }
    const uint32_t want[10] = {
        uint32_t(uint64_t(wide)),
        uint32_t(uint64_t(wide) >> 32),
        uint32_t((uint64_t(a[i]) * b[i]) >> 32),
        uint32_t(uint64_t(int64_t(int32_t(a[i])) * int32_t(b[i])) >> 32),
        uint32_t((pair << (c[i] & 31)) >> 32),
        uint32_t(clamp == 32 ? b[i] : pair >> clamp),
        uint32_t(clamp == 32 ? a[i] : (pair << clamp) >> 32),
        bfe(a[i], pos, len, false),
        bfe(a[i], pos, len, true),
        prmt};
    const char *names[10] = {"mul.wide.s32 (low)",
                             "mul.wide.s32 (high)",
                             "mul.hi.u32",
                             "mul.hi.s32",
                             "shf.l.wrap",
                             "shf.r.clamp",
                             "shf.l.clamp",
                             "bfe.u32",
                             "bfe.s32",
                             "prmt"};
    for (int k = 0; k < 10; ++k)
      check(out[10 * i + k] == want[k], [&] {
        return std::string(names[k]) + " of a=" + hex(a[i]) +
               " b=" + hex(b[i]) + " c=" + hex(c[i]) + " ctl=" + hex(ctl[i]) +
               ": got " + hex(out[10 * i + k]) + ", want " + hex(want[k]);
      });
  }
}

TEST_F(PtxSim, CompareSelectAndMinMaxWithNaN) {
  CUfunction f = kernel(kCompare, "compare");
  ASSERT_NE(f, nullptr);
  std::mt19937 rng(17);
  std::vector<float> a = {NAN, 1.0f, NAN, 2.0f, -3.0f, INFINITY, 5.0f};
  std::vector<float> b = {1.0f, NAN, NAN, 2.0f, INFINITY, -INFINITY, 5.5f};
  while (a.size() < 96) {
    a.push_back(randomFloat(rng, 3));
    b.push_back(a.size() % 5 == 0 ? a.back() : randomFloat(rng, 3));
  }
  const int n = int(a.size());
  CUdeviceptr da = upload(a), db = upload(b), dout = alloc(n * 24);
  ASSERT_EQ(run(f, n, {&da, &db, &dout}), CUDA_SUCCESS);
  std::vector<uint32_t> out = download<uint32_t>(dout, n * 6);
  Checker check;
  for (int i = 0; i < n; ++i) {
    double x = a[i], y = b[i];
    bool un = std::isnan(x) || std::isnan(y);
    bool bits[8] = {!un && x < y,  un || x < y, un || x == y, un || x != y,
                    !un && x != y, un,          !un,          un || x >= y};
    uint32_t mask = 0;
    for (int k = 0; k < 8; ++k)
      mask |= uint32_t(bits[k]) << k;
    auto describe = [&](const char *what, uint32_t got, uint32_t want) {
      return [=] {
        std::ostringstream os;
        os << what << " of " << x << ", " << y << ": got " << hex(got)
           << ", want " << hex(want);
        return os.str();
      };
    };
    const uint32_t *o = &out[6 * i];
    check(o[0] == mask, describe("setp mask", o[0], mask));
    uint32_t sel = bitsOf(bits[7] ? a[i] : b[i]);
    check(o[1] == sel, describe("selp.f32", o[1], sel));
    // min/max: a NaN operand gives the other one; .NaN propagates it.
    float mn = std::isnan(x)   ? b[i]
               : std::isnan(y) ? a[i]
                               : std::min(a[i], b[i]);
    float mx = std::isnan(x)   ? b[i]
               : std::isnan(y) ? a[i]
                               : std::max(a[i], b[i]);
    auto sameF = [](uint32_t got, float want) {
      return std::isnan(want) ? std::isnan(floatOf(got)) : got == bitsOf(want);
    };
    check(sameF(o[2], mn), describe("min.f32", o[2], bitsOf(mn)));
    check(sameF(o[3], mx), describe("max.f32", o[3], bitsOf(mx)));
    check(sameF(o[4], un ? NAN : mn),
          describe("min.NaN.f32", o[4], bitsOf(mn)));
    check(sameF(o[5], un ? NAN : mx),
          describe("max.NaN.f32", o[5], bitsOf(mx)));
  }
}

/// shfl.sync per the PTX ISA: the value lane `lane` receives and its
/// predicate. mode 0 up, 1 down, 2 bfly, 3 idx.
std::pair<uint32_t, bool> refShfl(int mode, const std::vector<uint32_t> &a,
                                  uint32_t lane, uint32_t b, uint32_t c) {
  uint32_t bval = b & 31, cval = c & 31, segmask = (c >> 8) & 31;
  uint32_t maxLane = (lane & segmask) | (cval & ~segmask);
  uint32_t minLane = lane & segmask;
  int j;
  bool pval;
  switch (mode) {
  case 0:
    j = int(lane) - int(bval);
    pval = j >= int(maxLane);
    break;
  case 1:
    j = int(lane + bval);
    pval = j <= int(maxLane);
    break;
  case 2:
    j = int(lane ^ bval);
    pval = j <= int(maxLane);
    break;
  default:
    j = int(minLane | (bval & ~segmask));
    pval = j <= int(maxLane);
    break;
  }
  if (!pval)
    j = int(lane);
  return {a[j], pval};
}

TEST_F(PtxSim, ShflSyncFollowsTheIsaFormulas) {
  CUfunction f = kernel(kShfl, "shfl");
  ASSERT_NE(f, nullptr);
  std::mt19937 rng(18);
  std::vector<uint32_t> in(32);
  for (uint32_t &v : in)
    v = rng();
  CUdeviceptr din = upload(in), dout = alloc(32 * 64);
  ASSERT_EQ(run(f, 32, {&din, &dout}), CUDA_SUCCESS);
  std::vector<uint32_t> out = download<uint32_t>(dout, 32 * 16);
  struct Case {
    int mode;
    int b; // -1: the per-lane source (7 lane + 3) % 32
    uint32_t c;
    const char *name;
  };
  const Case cases[8] = {{0, 1, 0, "up 1"},
                         {1, 3, 0x1f, "down 3"},
                         {2, 5, 0x1f, "bfly 5"},
                         {3, -1, 0x1f, "idx"},
                         {1, 2, 0x181f, "down 2, width 8"},
                         {0, 3, 0x1800, "up 3, width 8"},
                         {3, -1, 0x101f, "idx, width 16"},
                         {2, 6, 0x1c1f, "bfly 6, width 4"}};
  Checker check;
  for (uint32_t lane = 0; lane < 32; ++lane)
    for (int k = 0; k < 8; ++k) {
      const Case &cs = cases[k];
      uint32_t b = cs.b >= 0 ? uint32_t(cs.b) : (lane * 7 + 3) & 31;
      auto [value, pred] = refShfl(cs.mode, in, lane, b, cs.c);
      uint32_t gotValue = out[16 * lane + 2 * k],
               gotPred = out[16 * lane + 2 * k + 1];
      check(gotValue == value && gotPred == uint32_t(pred), [&] {
        return std::string("shfl ") + cs.name + ", lane " +
               std::to_string(lane) + ": got " + hex(gotValue) + "|" +
               std::to_string(gotPred) + ", want " + hex(value) + "|" +
               std::to_string(pred);
      });
    }
}

TEST_F(PtxSim, VoteSyncBallotAnyAll) {
  CUfunction f = kernel(kVote, "vote");
  ASSERT_NE(f, nullptr);
  std::mt19937 rng(19);
  std::vector<uint32_t> in(32);
  for (uint32_t &v : in)
    v = rng();
  uint32_t ballot = 0;
  for (int l = 0; l < 32; ++l)
    ballot |= (in[l] & 1) << l;
  ASSERT_NE(ballot, 0u);
  ASSERT_NE(ballot, 0xFFFFFFFFu);
  CUdeviceptr din = upload(in), dout = alloc(32 * 24);
  ASSERT_EQ(run(f, 32, {&din, &dout}), CUDA_SUCCESS);
  std::vector<uint32_t> out = download<uint32_t>(dout, 32 * 6);
  Checker check;
  for (uint32_t l = 0; l < 32; ++l) {
    const uint32_t want[6] = {
        ballot, 1, 0, 1, 0, l < 16 ? (ballot & 0xFFFF) : 0xFFFFFFFF};
    const char *names[6] = {"ballot",      "any",
                            "all",         "all (always)",
                            "any (never)", "ballot of lanes 0-15"};
    for (int k = 0; k < 6; ++k)
      check(out[6 * l + k] == want[k], [&] {
        return std::string("vote ") + names[k] + ", lane " + std::to_string(l) +
               ": got " + hex(out[6 * l + k]) + ", want " + hex(want[k]);
      });
  }
}

TEST_F(PtxSim, LdmatrixX4AndTransFollowTheIsaLayout) {
  CUfunction f = kernel(kLdmatrix, "ldmatrix_x4");
  ASSERT_NE(f, nullptr);
  std::mt19937 rng(20);
  std::vector<uint16_t> m(32 * 8); // 32 rows of 8 b16: four 8x8 matrices
  for (uint16_t &v : m)
    v = uint16_t(rng());
  std::vector<uint32_t> rows(32); // lane l names shared row rows[l]
  std::iota(rows.begin(), rows.end(), 0u);
  std::shuffle(rows.begin(), rows.end(), rng);
  CUdeviceptr dm = upload(m), drows = upload(rows), dout = alloc(32 * 32);
  ASSERT_EQ(run(f, 32, {&dm, &drows, &dout}), CUDA_SUCCESS);
  std::vector<uint32_t> out = download<uint32_t>(dout, 32 * 8);
  // Row r of matrix i is where lane 8 i + r points. Lane l receives row
  // l / 4, columns 2 (l % 4) and + 1; with .trans, column l / 4 of rows
  // 2 (l % 4) and + 1 (the first element in the low half).
  auto at = [&](int i, int row, int col) {
    return uint32_t(m[rows[8 * i + row] * 8 + col]);
  };
  Checker check;
  for (int l = 0; l < 32; ++l)
    for (int i = 0; i < 4; ++i) {
      uint32_t plain = at(i, l / 4, 2 * (l % 4)) | at(i, l / 4, 2 * (l % 4) + 1)
                                                       << 16;
      uint32_t trans = at(i, 2 * (l % 4), l / 4) | at(i, 2 * (l % 4) + 1, l / 4)
                                                       << 16;
      check(out[8 * l + i] == plain, [&] {
        return "ldmatrix.x4 lane " + std::to_string(l) + " register " +
               std::to_string(i) + ": got " + hex(out[8 * l + i]) + ", want " +
               hex(plain);
      });
      check(out[8 * l + 4 + i] == trans, [&] {
        return "ldmatrix.x4.trans lane " + std::to_string(l) + " register " +
               std::to_string(i) + ": got " + hex(out[8 * l + 4 + i]) +
               ", want " + hex(trans);
      });
    }
}

/// Random bf16 values (bits) in [-2, 2], and their values.
void randomBf16(std::mt19937 &rng, size_t n, std::vector<uint16_t> &bits,
                std::vector<double> &values) {
  std::uniform_real_distribution<float> u(-2.0f, 2.0f);
  bits.resize(n);
  values.resize(n);
  for (size_t i = 0; i < n; ++i) {
    bits[i] = refBf16(u(rng));
    values[i] = floatOf(uint32_t(bits[i]) << 16);
  }
}

TEST_F(PtxSim, MmaBf16FromFragmentsLoadedByTheIsaLayout) {
  CUfunction f = kernel(kMmaFragments, "mma_fragments");
  ASSERT_NE(f, nullptr);
  std::mt19937 rng(21);
  std::vector<uint16_t> a, bt;
  std::vector<double> av, btv;
  randomBf16(rng, 16 * 16, a, av);
  randomBf16(rng, 8 * 16, bt, btv); // bt[n][k] = B[k][n]
  std::uniform_real_distribution<float> u(-4.0f, 4.0f);
  std::vector<float> c(16 * 8);
  for (float &v : c)
    v = u(rng);
  CUdeviceptr da = upload(a), db = upload(bt), dc = upload(c),
              dd = alloc(16 * 8 * 4);
  ASSERT_EQ(run(f, 32, {&da, &db, &dc, &dd}), CUDA_SUCCESS);
  std::vector<float> d = download<float>(dd, 16 * 8);
  Checker check;
  for (int i = 0; i < 16; ++i)
    for (int j = 0; j < 8; ++j) {
      double want = c[i * 8 + j], scale = std::fabs(want);
      for (int k = 0; k < 16; ++k) {
        want += av[i * 16 + k] * btv[j * 16 + k];
        scale += std::fabs(av[i * 16 + k] * btv[j * 16 + k]);
      }
      double got = d[i * 8 + j];
      check(std::fabs(got - want) <= 1e-5 * scale, [&] {
        return "D[" + std::to_string(i) + "][" + std::to_string(j) + "]: got " +
               std::to_string(got) + ", want " + std::to_string(want);
      });
    }
}

TEST_F(PtxSim, MmaBf16FromLdmatrixFragments) {
  CUfunction f = kernel(kMmaLdmatrix, "mma_ldmatrix");
  ASSERT_NE(f, nullptr);
  std::mt19937 rng(22);
  std::vector<uint16_t> a, b;
  std::vector<double> av, bv;
  randomBf16(rng, 16 * 16, a, av);
  randomBf16(rng, 16 * 16, b, bv); // b[k][n]
  CUdeviceptr da = upload(a), db = upload(b), dd = alloc(16 * 16 * 4);
  ASSERT_EQ(run(f, 32, {&da, &db, &dd}), CUDA_SUCCESS);
  std::vector<float> d = download<float>(dd, 16 * 16);
  Checker check;
  for (int i = 0; i < 16; ++i)
    for (int j = 0; j < 16; ++j) {
      double want = 0, scale = 0;
      for (int k = 0; k < 16; ++k) {
        want += av[i * 16 + k] * bv[k * 16 + j];
        scale += std::fabs(av[i * 16 + k] * bv[k * 16 + j]);
      }
      double got = d[i * 16 + j];
      check(std::fabs(got - want) <= 1e-5 * scale, [&] {
        return "D[" + std::to_string(i) + "][" + std::to_string(j) + "]: got " +
               std::to_string(got) + ", want " + std::to_string(want);
      });
    }
}

TEST_F(PtxSim, CpAsyncLandsAtWaitGroupAndZeroFills) {
  CUfunction f = kernel(kCpAsync, "cp_async");
  ASSERT_NE(f, nullptr);
  std::mt19937 rng(23);
  std::vector<uint8_t> src(2048);
  for (uint8_t &v : src)
    v = uint8_t(rng() | 1); // no zero bytes: zero-filling shows
  std::vector<uint32_t> sizes(64);
  for (int t = 0; t < 64; ++t)
    sizes[t] = t % 3 == 0 ? 16 : uint32_t(rng() % 17);
  sizes[1] = 0;
  CUdeviceptr dsrc = upload(src), dsizes = upload(sizes), dout = alloc(2048);
  ASSERT_EQ(run(f, 64, {&dsrc, &dsizes, &dout}), CUDA_SUCCESS);
  std::vector<uint8_t> out = download<uint8_t>(dout, 2048);
  Checker check;
  for (int i = 0; i < 2048; ++i) {
    int chunk = i / 16, byte = i % 16;
    uint8_t want = (chunk >= 64 || uint32_t(byte) < sizes[chunk]) ? src[i] : 0;
    check(out[i] == want, [&] {
      return "byte " + std::to_string(byte) + " of chunk " +
             std::to_string(chunk) + ": got " + std::to_string(out[i]) +
             ", want " + std::to_string(want);
    });
  }
}

TEST_F(PtxSim, KernelResultsAppearAtSynchronization) {
  CUfunction f = kernel(kFill, "fill");
  ASSERT_NE(f, nullptr);
  const int n = 128;
  CUdeviceptr p = 0;
  ASSERT_EQ(cu->cuMemAllocManaged(&p, n * sizeof(float), CU_MEM_ATTACH_GLOBAL),
            CUDA_SUCCESS);
  buffers.push_back(p);
  float *host = reinterpret_cast<float *>(p); // managed: the host may read it
  for (int i = 0; i < n; ++i)
    host[i] = -1.0f - float(i);
  float v = 2.5f;
  std::vector<void *> args = {&p, &v};
  ASSERT_EQ(
      cu->cuLaunchKernel(f, 1, 1, 1, n, 1, 1, 0, nullptr, args.data(), nullptr),
      CUDA_SUCCESS);
  EXPECT_EQ(cu->cuStreamQuery(nullptr), CUDA_ERROR_NOT_READY);
  for (int i = 0; i < n; ++i)
    ASSERT_EQ(host[i], -1.0f - float(i)) << "before synchronizing, " << i;
  ASSERT_EQ(cu->cuCtxSynchronize(), CUDA_SUCCESS);
  EXPECT_EQ(cu->cuStreamQuery(nullptr), CUDA_SUCCESS);
  for (int i = 0; i < n; ++i)
    ASSERT_EQ(host[i], 2.5f + float(i)) << "after synchronizing, " << i;
}

// Stream capture records launches and copies; each replay of the
// instantiated graph runs them again, in order, with the captured
// parameters.
TEST_F(PtxSim, GraphsReplayCapturedLaunchesAndCopies) {
  CUfunction f = kernel(kFill, "fill");
  ASSERT_NE(f, nullptr);
  const int n = 64;
  CUdeviceptr p = alloc(n * sizeof(float));
  CUstream s = nullptr;
  ASSERT_EQ(cu->cuStreamCreate(&s, 0), CUDA_SUCCESS);
  std::vector<float> host(n, -7.0f);
  float v = 1.5f;
  std::vector<void *> args = {&p, &v};
  ASSERT_EQ(cu->cuStreamBeginCapture(s, CU_STREAM_CAPTURE_MODE_RELAXED),
            CUDA_SUCCESS);
  ASSERT_EQ(cu->cuLaunchKernel(f, 1, 1, 1, n, 1, 1, 0, s, args.data(), nullptr),
            CUDA_SUCCESS);
  v = 100.0f; // the parameter was taken at capture
  ASSERT_EQ(cu->cuMemcpyAsync(reinterpret_cast<CUdeviceptr>(host.data()), p,
                              n * sizeof(float), s),
            CUDA_SUCCESS);
  CUgraph graph = nullptr;
  ASSERT_EQ(cu->cuStreamEndCapture(s, &graph), CUDA_SUCCESS);
  CUgraphExec exec = nullptr;
  ASSERT_EQ(cu->cuGraphInstantiate(&exec, graph, 0), CUDA_SUCCESS);
  ASSERT_EQ(cu->cuStreamSynchronize(s), CUDA_SUCCESS);
  EXPECT_EQ(host[3], -7.0f) << "captured work does not run";
  for (int replay = 0; replay < 2; ++replay) {
    std::fill(host.begin(), host.end(), -7.0f);
    ASSERT_EQ(cu->cuMemsetD32Async(p, 0, n, s), CUDA_SUCCESS);
    ASSERT_EQ(cu->cuGraphLaunch(exec, s), CUDA_SUCCESS);
    ASSERT_EQ(cu->cuStreamSynchronize(s), CUDA_SUCCESS);
    for (int i = 0; i < n; ++i)
      ASSERT_EQ(host[size_t(i)], 1.5f + float(i)) << "replay " << replay;
  }
  EXPECT_EQ(cu->cuGraphExecDestroy(exec), CUDA_SUCCESS);
  EXPECT_EQ(cu->cuGraphDestroy(graph), CUDA_SUCCESS);
  EXPECT_EQ(cu->cuGraphLaunch(exec, s), CUDA_ERROR_INVALID_HANDLE);
  EXPECT_EQ(cu->cuStreamDestroy(s), CUDA_SUCCESS);
}

// What a capture forbids fails as the driver fails it, and takes the
// capture down with it: waiting for the stream, and (outside relaxed mode)
// allocating.
TEST_F(PtxSim, WaitingOrAllocatingInACaptureInvalidatesIt) {
  CUstream s = nullptr;
  ASSERT_EQ(cu->cuStreamCreate(&s, 0), CUDA_SUCCESS);
  CUgraph graph = nullptr;
  ASSERT_EQ(cu->cuStreamBeginCapture(s, CU_STREAM_CAPTURE_MODE_RELAXED),
            CUDA_SUCCESS);
  EXPECT_EQ(cu->cuStreamSynchronize(s), 900); // STREAM_CAPTURE_UNSUPPORTED
  EXPECT_EQ(cu->cuStreamEndCapture(s, &graph), 901); // ..._INVALIDATED
  EXPECT_EQ(graph, nullptr);
  ASSERT_EQ(cu->cuStreamBeginCapture(s, /*global=*/0), CUDA_SUCCESS);
  CUdeviceptr p = 0;
  EXPECT_EQ(cu->cuMemAlloc(&p, 256), 900);
  EXPECT_EQ(cu->cuStreamEndCapture(s, &graph), 901);
  ASSERT_EQ(cu->cuStreamBeginCapture(s, CU_STREAM_CAPTURE_MODE_RELAXED),
            CUDA_SUCCESS);
  EXPECT_EQ(cu->cuMemAlloc(&p, 256), CUDA_SUCCESS) << "legal when relaxed";
  buffers.push_back(p);
  EXPECT_EQ(cu->cuStreamEndCapture(s, &graph), CUDA_SUCCESS);
  EXPECT_EQ(cu->cuGraphDestroy(graph), CUDA_SUCCESS);
  EXPECT_EQ(cu->cuStreamSynchronize(s), CUDA_SUCCESS);
  EXPECT_EQ(cu->cuStreamDestroy(s), CUDA_SUCCESS);
}

TEST_F(PtxSim, LaunchLimitsAreCheckedAtLaunch) {
  CUfunction f = kernel(kDynamicShared, "dyn_shared");
  ASSERT_NE(f, nullptr);
  CUdeviceptr out = alloc(4);
  unsigned bytes = 64 * 1024;
  std::vector<void *> args = {&out, &bytes};
  auto launch = [&](unsigned gy, unsigned bx, unsigned smem) {
    return cu->cuLaunchKernel(f, 1, gy, 1, bx, 1, 1, smem, nullptr, args.data(),
                              nullptr);
  };
  StderrCapture err;
  EXPECT_EQ(launch(65536, 1, 0), CUDA_ERROR_INVALID_VALUE);
  EXPECT_EQ(launch(1, 1025, 0), CUDA_ERROR_INVALID_VALUE);
  EXPECT_EQ(launch(1, 1, 64 * 1024), CUDA_ERROR_INVALID_VALUE);
  EXPECT_EQ(
      cu->cuFuncSetAttribute(f, CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES,
                             227 * 1024 + 1),
      CUDA_ERROR_INVALID_VALUE);
  std::string text = err.finish();
  EXPECT_THAT(text, ::testing::HasSubstr("grid (1,65536,1)"));
  EXPECT_THAT(text, ::testing::HasSubstr("block (1025,1,1)"));
  EXPECT_THAT(text, ::testing::HasSubstr(
                        "CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES"));
  // None of these is sticky; with the attribute the launch runs.
  ASSERT_EQ(cu->cuFuncSetAttribute(
                f, CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, 227 * 1024),
            CUDA_SUCCESS);
  ASSERT_EQ(cu->cuFuncSetAttribute(
                f, CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, 64 * 1024),
            CUDA_SUCCESS);
  ASSERT_EQ(launch(1, 1, 64 * 1024), CUDA_SUCCESS);
  ASSERT_EQ(cu->cuCtxSynchronize(), CUDA_SUCCESS);
  EXPECT_EQ(download<uint32_t>(out, 1)[0], 64u * 1024);
}

TEST_F(PtxSim, CubinImagesAreRefused) {
  unsigned char elf[64] = {0x7F, 'E', 'L', 'F', 2, 1, 1, 0};
  CUmodule m = nullptr;
  StderrCapture err;
  EXPECT_EQ(cu->cuModuleLoadData(&m, elf), CUDA_ERROR_INVALID_IMAGE);
  std::string text = err.finish();
  EXPECT_THAT(text, ::testing::HasSubstr("CUDA_ERROR_INVALID_IMAGE"));
  EXPECT_THAT(text, ::testing::HasSubstr("PTX"));
  char log[256] = "unchanged";
  int options[] = {CU_JIT_ERROR_LOG_BUFFER, CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES};
  void *values[] = {log, reinterpret_cast<void *>(sizeof log)};
  StderrCapture quiet;
  EXPECT_EQ(cu->cuModuleLoadDataEx(&m, elf, 2, options, values),
            CUDA_ERROR_INVALID_IMAGE);
  EXPECT_THAT(log, ::testing::HasSubstr("PTX"));
}

TEST_F(PtxSim, UnknownInstructionsAreRefusedWithTheirLine) {
  const char *ptx = R"(
.version 8.0
.target sm_90a
.address_size 64

.visible .entry bad(.param .u64 p)
{
  .reg .b32 %r<3>;
  mov.u32 %r1, %tid.x;
  foo.b32 %r2, %r1;
  ret;
}
)";
  const std::string where = "PTX line " + std::to_string(lineOf(ptx, "foo"));
  CUmodule m = nullptr;
  StderrCapture err;
  EXPECT_EQ(cu->cuModuleLoadData(&m, ptx), CUDA_ERROR_INVALID_PTX);
  std::string text = err.finish();
  EXPECT_THAT(text, ::testing::HasSubstr("CUDA_ERROR_INVALID_PTX"));
  EXPECT_THAT(text, ::testing::HasSubstr("'foo'"));
  EXPECT_THAT(text, ::testing::HasSubstr(where + ":"));
  char log[256] = "unchanged";
  int options[] = {CU_JIT_ERROR_LOG_BUFFER, CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES};
  void *values[] = {log, reinterpret_cast<void *>(sizeof log)};
  StderrCapture quiet;
  EXPECT_EQ(cu->cuModuleLoadDataEx(&m, ptx, 2, options, values),
            CUDA_ERROR_INVALID_PTX);
  EXPECT_THAT(log, ::testing::HasSubstr("'foo'"));
  EXPECT_THAT(log, ::testing::HasSubstr(where + ":"));
  // A good module loads, with an empty log.
  std::strcpy(log, "unchanged");
  ASSERT_EQ(cu->cuModuleLoadDataEx(&m, kFill, 2, options, values),
            CUDA_SUCCESS);
  modules.push_back(m);
  EXPECT_STREQ(log, "");
}

TEST_F(PtxSim, DeviceLooksLikeAnH200) {
  int major = 0, minor = -1, sms = 0, gridY = 0;
  ASSERT_EQ(cu->cuDeviceGetAttribute(
                &major, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, 0),
            CUDA_SUCCESS);
  ASSERT_EQ(cu->cuDeviceGetAttribute(
                &minor, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, 0),
            CUDA_SUCCESS);
  ASSERT_EQ(cu->cuDeviceGetAttribute(
                &sms, CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT, 0),
            CUDA_SUCCESS);
  ASSERT_EQ(
      cu->cuDeviceGetAttribute(&gridY, CU_DEVICE_ATTRIBUTE_MAX_GRID_DIM_Y, 0),
      CUDA_SUCCESS);
  EXPECT_EQ(major, 9);
  EXPECT_EQ(minor, 0);
  EXPECT_EQ(sms, 132);
  EXPECT_EQ(gridY, 65535);
  char name[128] = {0};
  ASSERT_EQ(cu->cuDeviceGetName(name, sizeof name, 0), CUDA_SUCCESS);
  EXPECT_THAT(name, ::testing::HasSubstr("H200"));
}

//===--- Cases in a fresh process -----------------------------------------===//

// Each case below is the statement of a death test: it runs in a child
// process that re-executes this binary, loads the driver there (after any
// setenv), and ends with std::_Exit. It prints "case: ..." lines on stderr
// for the parent to check.

[[noreturn]] void die(const std::string &why) {
  std::fprintf(stderr, "case: %s\n", why.c_str());
  std::_Exit(3);
}

const Driver &openOrDie() {
  std::string why;
  const Driver *d = driver(&why);
  if (!d)
    die("cannot open " RETNET_SIM_DRIVER ": " + why);
  return *d;
}

CUfunction kernelOrDie(const Driver &cu, const char *ptx, const char *name) {
  CUmodule m;
  CUfunction f;
  if (cu.cuModuleLoadData(&m, ptx) || cu.cuModuleGetFunction(&f, m, name))
    die(std::string("cannot load ") + name);
  return f;
}

CUdeviceptr allocOrDie(const Driver &cu, size_t bytes) {
  CUdeviceptr p;
  if (cu.cuMemAlloc(&p, bytes))
    die("cuMemAlloc failed");
  return p;
}

/// Launches one block of `threads`, synchronizes, then tries an allocation
/// and the launch again (a failure is sticky); prints the results and the
/// address the failure should name (if any: a device pointer, or an offset
/// in shared memory), and exits.
[[noreturn]] void launchAndReport(const Driver &cu, CUfunction f,
                                  unsigned threads, std::vector<void *> args,
                                  const char *address = nullptr) {
  void **params = args.empty() ? nullptr : args.data();
  CUresult launched =
      cu.cuLaunchKernel(f, 1, 1, 1, threads, 1, 1, 0, nullptr, params, nullptr);
  CUresult synced = cu.cuCtxSynchronize();
  CUdeviceptr p = 0;
  CUresult allocated = cu.cuMemAlloc(&p, 256);
  CUresult relaunched =
      cu.cuLaunchKernel(f, 1, 1, 1, threads, 1, 1, 0, nullptr, params, nullptr);
  std::fprintf(stderr,
               "case: launch %d, synchronize %d, then cuMemAlloc %d, "
               "cuLaunchKernel %d\n",
               launched, synced, allocated, relaunched);
  if (address)
    std::fprintf(stderr, "case: address %s\n", address);
  std::fflush(stderr);
  std::_Exit(0);
}

const char *errorName(CUresult r) {
  switch (r) {
  case CUDA_ERROR_ILLEGAL_ADDRESS:
    return "CUDA_ERROR_ILLEGAL_ADDRESS";
  case CUDA_ERROR_ILLEGAL_INSTRUCTION:
    return "CUDA_ERROR_ILLEGAL_INSTRUCTION";
  case CUDA_ERROR_MISALIGNED_ADDRESS:
    return "CUDA_ERROR_MISALIGNED_ADDRESS";
  case CUDA_ERROR_LAUNCH_FAILED:
    return "CUDA_ERROR_LAUNCH_FAILED";
  default:
    return "?";
  }
}

/// Matches the stderr of launchAndReport for a kernel that fails with
/// `code`: the launch itself succeeded, the error came at synchronization
/// and stayed, and the simulator's report line names the kernel, the PTX
/// line (when `line` > 0), the block, the thread, each of `details`, and
/// ends with the address the case printed.
class FailedLaunchMatcher
    : public ::testing::MatcherInterface<const std::string &> {
public:
  FailedLaunchMatcher(CUresult code, std::string kernel, int line,
                      std::vector<std::string> details)
      : code(code), kernel(std::move(kernel)), line(line),
        details(std::move(details)) {}

  bool MatchAndExplain(const std::string &err,
                       ::testing::MatchResultListener *os) const override {
    std::string c = std::to_string(code);
    std::string summary = "case: launch 0, synchronize " + c +
                          ", then cuMemAlloc " + c + ", cuLaunchKernel " + c;
    if (err.find(summary) == std::string::npos) {
      *os << "has no line \"" << summary << "\"";
      return false;
    }
    std::string prefix = std::string("ptx-sim: ") + errorName(code) + ": ";
    size_t at = err.find(prefix);
    if (at == std::string::npos) {
      *os << "has no report line starting \"" << prefix << "\"";
      return false;
    }
    std::string report = err.substr(at, err.find('\n', at) - at);
    std::vector<std::string> want = {"in kernel " + kernel + " ",
                                     "block (0,0,0)", ", thread ("};
    want.push_back(line > 0 ? "PTX line " + std::to_string(line) + " "
                            : "PTX line ");
    want.insert(want.end(), details.begin(), details.end());
    for (const std::string &w : want)
      if (report.find(w) == std::string::npos) {
        *os << "has a report line without \"" << w << "\"";
        return false;
      }
    size_t addr = err.find("case: address ");
    if (addr != std::string::npos) {
      std::string end = ", address " +
                        err.substr(addr + 14, err.find('\n', addr) - addr - 14);
      if (report.size() < end.size() ||
          report.compare(report.size() - end.size(), end.size(), end)) {
        *os << "has a report line not ending \"" << end << "\"";
        return false;
      }
    }
    return true;
  }

  void DescribeTo(std::ostream *os) const override {
    *os << "reports " << errorName(code) << " at synchronization, sticky, in "
        << kernel;
    if (line > 0)
      *os << " at PTX line " << line;
    for (const std::string &d : details)
      *os << ", with \"" << d << "\"";
    *os << ", ending with the address the case printed (if any)";
  }

private:
  CUresult code;
  std::string kernel;
  int line;
  std::vector<std::string> details;
};

::testing::Matcher<const std::string &>
failedLaunch(CUresult code, std::string kernel, int line,
             std::vector<std::string> details) {
  return ::testing::MakeMatcher(new FailedLaunchMatcher(
      code, std::move(kernel), line, std::move(details)));
}

[[noreturn]] void outOfBoundsCase() {
  const Driver &cu = openOrDie();
  CUfunction f = kernelOrDie(cu, kLoad, "load_f32");
  CUdeviceptr in = allocOrDie(cu, 32 * 4), out = allocOrDie(cu, 64 * 4);
  // Thread 32 (the first of the second warp) reads just past the end.
  launchAndReport(cu, f, 64, {&in, &out}, hex(in + 32 * 4).c_str());
}

[[noreturn]] void useAfterFreeCase() {
  const Driver &cu = openOrDie();
  CUfunction f = kernelOrDie(cu, kLoad, "load_f32");
  CUdeviceptr in = allocOrDie(cu, 32 * 4), out = allocOrDie(cu, 32 * 4);
  if (cu.cuMemFree(in))
    die("cuMemFree failed");
  launchAndReport(cu, f, 32, {&in, &out}, hex(in).c_str());
}

[[noreturn]] void misalignedCase() {
  const Driver &cu = openOrDie();
  CUfunction f = kernelOrDie(cu, kLoad, "load_v4");
  CUdeviceptr base = allocOrDie(cu, 32 * 16 + 16),
              out = allocOrDie(cu, 32 * 16);
  CUdeviceptr in = base + 4; // each ld.global.v4.f32 is 4 bytes off
  launchAndReport(cu, f, 32, {&in, &out}, hex(in).c_str());
}

/// The exchange kernel under RETNET_SIM_SEED=seed: with `sync`, prints how
/// many results are right; without, reports the race.
[[noreturn]] void exchangeCase(const char *seed, bool sync) {
  setenv("RETNET_SIM_SEED", seed, 1);
  const Driver &cu = openOrDie();
  CUfunction f = kernelOrDie(cu, kExchange, "exchange");
  CUdeviceptr out = allocOrDie(cu, 64 * 4);
  unsigned withBarrier = sync;
  if (!sync)
    launchAndReport(cu, f, 64, {&out, &withBarrier});
  std::vector<void *> args = {&out, &withBarrier};
  CUresult r =
      cu.cuLaunchKernel(f, 1, 1, 1, 64, 1, 1, 0, nullptr, args.data(), nullptr);
  CUresult s = cu.cuCtxSynchronize();
  std::vector<uint32_t> got(64);
  cu.cuMemcpyDtoH(got.data(), out, 64 * 4);
  int right = 0;
  for (uint32_t t = 0; t < 64; ++t)
    right += got[t] == ((t + 32) % 64) + 1000;
  std::fprintf(stderr, "case: launch %d, synchronize %d, %d of 64 right\n", r,
               s, right);
  std::_Exit(0);
}

[[noreturn]] void neverWrittenCase() {
  const Driver &cu = openOrDie();
  CUfunction f = kernelOrDie(cu, kSharedChecks, "read_unwritten");
  CUdeviceptr out = allocOrDie(cu, 32 * 4);
  launchAndReport(cu, f, 32, {&out}, "0x0"); // slot 0 of thread 0
}

[[noreturn]] void cpAsyncEarlyReadCase() {
  const Driver &cu = openOrDie();
  CUfunction f = kernelOrDie(cu, kSharedChecks, "cp_async_early");
  CUdeviceptr src = allocOrDie(cu, 32 * 16), out = allocOrDie(cu, 32 * 4);
  launchAndReport(cu, f, 32, {&src, &out}, "0x0"); // chunk 0 of thread 0
}

[[noreturn]] void barrierInHalfWarpCase() {
  const Driver &cu = openOrDie();
  CUfunction f = kernelOrDie(cu, kSharedChecks, "bar_half_warp");
  launchAndReport(cu, f, 32, {});
}

/// Runs three kernels with RETNET_SIM_STATS=path.
[[noreturn]] void statsCase(const std::string &path) {
  setenv("RETNET_SIM_STATS", path.c_str(), 1);
  const Driver &cu = openOrDie();
  CUfunction copy = kernelOrDie(cu, kStatsKernels, "copy");
  CUfunction reverse = kernelOrDie(cu, kStatsKernels, "shared_reverse");
  CUfunction mma = kernelOrDie(cu, kMmaFragments, "mma_fragments");
  unsigned n = 1000;
  CUdeviceptr in = allocOrDie(cu, n * 4), out = allocOrDie(cu, n * 4);
  std::vector<float> host(n, 1.5f);
  cu.cuMemcpyHtoD(in, host.data(), n * 4);
  CUdeviceptr a = allocOrDie(cu, 512), b = allocOrDie(cu, 256),
              c = allocOrDie(cu, 512), d = allocOrDie(cu, 512);
  std::vector<void *> copyArgs = {&in, &out, &n}, reverseArgs = {&out},
                      mmaArgs = {&a, &b, &c, &d};
  CUresult r1 = cu.cuLaunchKernel(copy, 4, 1, 1, 256, 1, 1, 0, nullptr,
                                  copyArgs.data(), nullptr);
  CUresult r2 = cu.cuLaunchKernel(reverse, 1, 1, 1, 64, 1, 1, 0, nullptr,
                                  reverseArgs.data(), nullptr);
  CUresult r3 = cu.cuLaunchKernel(mma, 1, 1, 1, 32, 1, 1, 0, nullptr,
                                  mmaArgs.data(), nullptr);
  // 40 threads (a whole warp and 8 lanes of another), four f32 fma each.
  CUfunction arith = kernelOrDie(cu, kF32Arith, "f32_arith");
  CUdeviceptr fa = allocOrDie(cu, 160), fb = allocOrDie(cu, 160),
              fc = allocOrDie(cu, 160), fout = allocOrDie(cu, 40 * 48);
  std::vector<float> values(40, 0.75f);
  for (CUdeviceptr p : {fa, fb, fc})
    cu.cuMemcpyHtoD(p, values.data(), 160);
  std::vector<void *> arithArgs = {&fa, &fb, &fc, &fout};
  CUresult r4 = cu.cuLaunchKernel(arith, 1, 1, 1, 40, 1, 1, 0, nullptr,
                                  arithArgs.data(), nullptr);
  CUresult s = cu.cuCtxSynchronize();
  std::fprintf(stderr, "case: launches %d %d %d %d, synchronize %d\n", r1, r2,
               r3, r4, s);
  std::_Exit(0);
}

/// The fields of a one-line JSON object without nesting; a string keeps its
/// quotes, an array its brackets. Empty when the line is not one.
std::map<std::string, std::string> parseFlatJson(const std::string &s) {
  std::map<std::string, std::string> fields;
  size_t i = 0;
  auto at = [&](char c) { return i < s.size() && s[i] == c; };
  if (!at('{'))
    return {};
  ++i;
  while (!at('}')) {
    if (!at('"'))
      return {};
    size_t end = s.find('"', i + 1);
    if (end == std::string::npos)
      return {};
    std::string key = s.substr(i + 1, end - i - 1);
    i = end + 1;
    if (!at(':'))
      return {};
    size_t start = ++i;
    if (at('"'))
      i = s.find('"', i + 1);
    else if (at('['))
      i = s.find(']', i);
    else
      while (i < s.size() && s[i] != ',' && s[i] != '}')
        ++i;
    if (i == std::string::npos || i >= s.size())
      return {};
    if (s[i] == '"' || s[i] == ']')
      ++i;
    fields[key] = s.substr(start, i - start);
    if (at(','))
      ++i;
    else if (!at('}'))
      return {};
  }
  return fields;
}

class PtxSimDeathTest : public ::testing::Test {
protected:
  void SetUp() override { GTEST_FLAG_SET(death_test_style, "threadsafe"); }
};

using ::testing::ExitedWithCode;
using ::testing::HasSubstr;

// Device memory (cuMemAlloc's) is not host memory: host code that
// dereferences it faults, as on a GPU, after one line naming the likely
// cause. Managed memory stays readable.
TEST_F(PtxSimDeathTest, HostDereferenceOfDeviceMemoryFaults) {
  auto readBack = [](bool managed) {
    const Driver *cu = driver();
    if (!cu)
      std::_Exit(3);
    CUdeviceptr p = 0;
    if ((managed ? cu->cuMemAllocManaged(&p, 64, CU_MEM_ATTACH_GLOBAL)
                 : cu->cuMemAlloc(&p, 64)) != CUDA_SUCCESS)
      std::_Exit(4);
    volatile int *host = reinterpret_cast<volatile int *>(p);
    std::fprintf(stderr, "read %d\n", host[1]);
    std::_Exit(0);
  };
  EXPECT_EXIT(readBack(true), ExitedWithCode(0), "read ");
  EXPECT_DEATH(readBack(false),
               "ptx-sim: segmentation fault at 0x[0-9a-f]+: if that is "
               "device memory \\(cuMemAlloc\\), host code dereferenced it");
}

TEST_F(PtxSimDeathTest, GlobalReadOutOfBounds) {
  EXPECT_EXIT(outOfBoundsCase(), ExitedWithCode(0),
              failedLaunch(CUDA_ERROR_ILLEGAL_ADDRESS, "load_f32",
                           lineOf(kLoad, "ld.global.f32"),
                           {"global read of 4 bytes outside every allocation",
                            "thread (32,0,0)"}));
}

TEST_F(PtxSimDeathTest, GlobalReadAfterFree) {
  EXPECT_EXIT(useAfterFreeCase(), ExitedWithCode(0),
              failedLaunch(CUDA_ERROR_ILLEGAL_ADDRESS, "load_f32",
                           lineOf(kLoad, "ld.global.f32"),
                           {"use after free", "thread (0,0,0)"}));
}

TEST_F(PtxSimDeathTest, MisalignedVectorLoad) {
  EXPECT_EXIT(misalignedCase(), ExitedWithCode(0),
              failedLaunch(CUDA_ERROR_MISALIGNED_ADDRESS, "load_v4",
                           lineOf(kLoad, "ld.global.v4.f32"),
                           {"misaligned 16-byte global", "thread (0,0,0)"}));
}

// The race does not depend on the warp order: whichever warp runs first
// reads the other's slots before they are rewritten, and the rewrite is then
// a write after that read in the same barrier interval.
TEST_F(PtxSimDeathTest, SharedRaceFoundForEverySeed) {
  for (const char *seed : {"1", "2", "3"}) {
    SCOPED_TRACE(std::string("RETNET_SIM_SEED=") + seed);
    EXPECT_EXIT(exchangeCase(seed, false), ExitedWithCode(0),
                failedLaunch(CUDA_ERROR_LAUNCH_FAILED, "exchange", 0,
                             {"shared-memory race", ", address 0x"}));
  }
}

TEST_F(PtxSimDeathTest, SharedExchangeWithBarrierPassesForEverySeed) {
  for (const char *seed : {"1", "2", "3"}) {
    SCOPED_TRACE(std::string("RETNET_SIM_SEED=") + seed);
    EXPECT_EXIT(exchangeCase(seed, true), ExitedWithCode(0),
                HasSubstr("case: launch 0, synchronize 0, 64 of 64 right"));
  }
}

TEST_F(PtxSimDeathTest, SharedReadOfNeverWrittenMemory) {
  EXPECT_EXIT(neverWrittenCase(), ExitedWithCode(0),
              failedLaunch(CUDA_ERROR_LAUNCH_FAILED, "read_unwritten",
                           lineOf(kSharedChecks, "ld.shared.u32 %r2, [%rd3]"),
                           {"never written", "thread (0,0,0)"}));
}

TEST_F(PtxSimDeathTest, CpAsyncDataReadBeforeItsWait) {
  EXPECT_EXIT(cpAsyncEarlyReadCase(), ExitedWithCode(0),
              failedLaunch(CUDA_ERROR_LAUNCH_FAILED, "cp_async_early",
                           lineOf(kSharedChecks, "ld.shared.u32 %r2, [%rd5]"),
                           {"cp.async", "wait_group", "thread (0,0,0)"}));
}

TEST_F(PtxSimDeathTest, BarrierReachedByHalfAWarp) {
  EXPECT_EXIT(barrierInHalfWarpCase(), ExitedWithCode(0),
              failedLaunch(CUDA_ERROR_ILLEGAL_INSTRUCTION, "bar_half_warp",
                           lineOf(kSharedChecks, "bar.sync 0;\nDONE"),
                           {"part of a warp", "thread (0,0,0)"}));
}

TEST_F(PtxSimDeathTest, StatsOneJsonLinePerLaunch) {
  // Beside this binary: the child (re-running this body) finds the same
  // path, and another build tree's run does not.
  char exe[4096];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  ASSERT_GT(n, 0);
  std::string path(exe, size_t(n));
  path = path.substr(0, path.rfind('/') + 1) + "ptx_sim_stats.jsonl";
  std::remove(path.c_str());
  EXPECT_EXIT(statsCase(path), ExitedWithCode(0),
              HasSubstr("case: launches 0 0 0 0, synchronize 0"));
  std::ifstream f(path);
  std::vector<std::map<std::string, std::string>> lines;
  for (std::string line; std::getline(f, line);)
    lines.push_back(parseFlatJson(line));
  std::remove(path.c_str());
  ASSERT_EQ(lines.size(), 4u);
  const char *keys[] = {"kernel",
                        "grid",
                        "block",
                        "shared_bytes",
                        "instructions",
                        "global_read_bytes",
                        "global_read_sector_bytes",
                        "global_write_bytes",
                        "shared_read_bytes",
                        "shared_write_bytes",
                        "mma",
                        "f32_flops",
                        "barriers",
                        "from_graph"};
  for (auto &fields : lines)
    for (const char *k : keys)
      EXPECT_EQ(fields.count(k), 1u) << "no key " << k;
  using Fields = std::map<std::string, std::string>;
  Fields copy = {{"kernel", "\"copy\""},
                 {"grid", "[4,1,1]"},
                 {"block", "[256,1,1]"},
                 {"shared_bytes", "0"},
                 {"global_read_bytes", "4000"},
                 // Coalesced: each warp's 128 bytes are four whole sectors
                 // (the last warp's 32 bytes one).
                 {"global_read_sector_bytes", "4000"},
                 {"global_write_bytes", "4000"},
                 {"shared_read_bytes", "0"},
                 {"shared_write_bytes", "0"},
                 {"mma", "0"},
                 {"f32_flops", "0"},
                 {"barriers", "0"}};
  Fields reverse = {{"kernel", "\"shared_reverse\""},
                    {"grid", "[1,1,1]"},
                    {"block", "[64,1,1]"},
                    {"shared_bytes", "256"},
                    {"global_read_bytes", "0"},
                    {"global_write_bytes", "256"},
                    {"shared_read_bytes", "256"},
                    {"shared_write_bytes", "256"},
                    {"mma", "0"},
                    {"f32_flops", "0"},
                    {"barriers", "1"}};
  // A: 4 words a lane, B: 2, C: two float pairs; D: two float pairs.
  Fields mma = {{"kernel", "\"mma_fragments\""},
                {"grid", "[1,1,1]"},
                {"block", "[32,1,1]"},
                {"shared_bytes", "0"},
                {"global_read_bytes", "1280"},
                {"global_write_bytes", "512"},
                {"shared_read_bytes", "0"},
                {"shared_write_bytes", "0"},
                {"mma", "1"},
                {"f32_flops", "0"},
                {"barriers", "0"}};
  // Four add, mul and fma .f32 (one per rounding mode) by each of 40
  // lanes: 4 x (1 + 1 + 2) x 40 FLOPs.
  Fields arith = {{"kernel", "\"f32_arith\""},
                  {"block", "[40,1,1]"},
                  {"global_read_bytes", "480"},
                  {"mma", "0"},
                  {"f32_flops", "640"},
                  {"barriers", "0"}};
  const Fields *want[] = {&copy, &reverse, &mma, &arith};
  for (int i = 0; i < 4; ++i) {
    for (auto &[k, v] : *want[i])
      EXPECT_EQ(lines[i][k], v) << "launch " << i << ", " << k;
    EXPECT_GT(std::atoll(lines[i]["instructions"].c_str()), 0)
        << "launch " << i;
  }
}

} // namespace
