//===- CudaRuntimeTest.cpp - the mgpu* runtime up to the driver boundary --===//
//
// Runs against FakeCuda (RETNET_LIBCUDA points at it), which records every
// driver call: what the runtime asks of the driver is checked without a GPU.
//
//===----------------------------------------------------------------------===//

#include "retnet/CudaRuntime.h"

#include "../common/FakeCudaControl.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <dlfcn.h>
#include <string>
#include <vector>

extern "C" {
void *mgpuStreamCreate();
void mgpuStreamDestroy(void *);
void mgpuStreamSynchronize(void *);
void *mgpuModuleLoad(void *, size_t);
void *mgpuModuleLoadJIT(void *, int);
void *mgpuModuleGetFunction(void *, const char *);
void mgpuLaunchKernel(void *, intptr_t, intptr_t, intptr_t, intptr_t, intptr_t,
                      intptr_t, int32_t, void *, void **, void **, size_t);
void mgpuLaunchClusterKernel(void *, intptr_t, intptr_t, intptr_t, intptr_t,
                             intptr_t, intptr_t, intptr_t, intptr_t, intptr_t,
                             int32_t, void *, void **, void **);
void *mgpuMemAlloc(uint64_t, void *, bool);
void mgpuMemFree(void *, void *);
void mgpuMemset32(void *, unsigned, size_t, void *);
void *mgpuTensorMapEncodeTiledMemref(int64_t, void *, int64_t, int64_t, int64_t,
                                     int64_t, int64_t, int64_t *);
}

namespace {

std::vector<std::string> errors;
void recordError(const char *m) { errors.push_back(m); }

using Fake = retnet::test::FakeCuda;

class CudaRuntime : public testing::Test {
protected:
  void SetUp() override {
    ASSERT_NE(fake.lib, nullptr) << "RETNET_LIBCUDA must name FakeCuda";
    const char *why = nullptr;
    ASSERT_EQ(retnet_cuda_available(&why), 1) << (why ? why : "");
    retnet_cuda_set_error_handler(recordError);
    errors.clear();
    retnet_cuda_trim(); // buffers cached by an earlier test
    fake.reset();
  }
  void TearDown() override { retnet_cuda_set_error_handler(nullptr); }
  Fake fake;
};

TEST_F(CudaRuntime, OneStreamIsReusedAcrossLaunches) {
  void *a = mgpuStreamCreate();
  mgpuStreamDestroy(a);
  void *b = mgpuStreamCreate();
  mgpuStreamSynchronize(b);
  mgpuStreamDestroy(b);
  EXPECT_EQ(a, b);
  int creates = 0, destroys = 0;
  for (const std::string &c : fake.calls()) {
    creates += c == "cuStreamCreate";
    destroys += c == "cuStreamDestroy";
  }
  EXPECT_LE(creates, 1); // zero when an earlier test created it
  EXPECT_EQ(destroys, 0);
  EXPECT_TRUE(errors.empty());
}

TEST_F(CudaRuntime, DeferredSyncQueuesLaunchesAndSynchronizesOnce) {
  void *f = mgpuModuleGetFunction(mgpuModuleLoad(nullptr, 0), "k");
  auto launchAndSync = [&] {
    void *s = mgpuStreamCreate();
    mgpuLaunchKernel(f, 1, 1, 1, 32, 1, 1, 0, s, nullptr, nullptr, 0);
    mgpuStreamSynchronize(s); // what generated host code does per launch
    mgpuStreamDestroy(s);
  };
  retnet_cuda_set_deferred_sync(1);
  fake.reset();
  for (int i = 0; i < 3; ++i)
    launchAndSync();
  EXPECT_EQ(fake.count("cuLaunchKernel"), 3u);
  EXPECT_EQ(fake.count("cuStreamSynchronize"), 0u) << "launches queue";
  retnet_cuda_synchronize();
  EXPECT_EQ(fake.count("cuStreamSynchronize"), 1u) << "one wait at the end";
  EXPECT_EQ(fake.calls().back(), "cuStreamSynchronize");

  retnet_cuda_set_deferred_sync(0); // the default: a wait per launch
  fake.reset();
  launchAndSync();
  EXPECT_EQ(fake.count("cuStreamSynchronize"), 1u);
  EXPECT_TRUE(errors.empty());
}

TEST_F(CudaRuntime, LargeDynamicSharedMemoryIsOptedInBeforeLaunch) {
  void *f = mgpuModuleGetFunction(mgpuModuleLoad(nullptr, 0), "k");
  mgpuLaunchKernel(f, 4, 2, 1, 128, 1, 1, 1024, nullptr, nullptr, nullptr, 0);
  mgpuLaunchKernel(f, 4, 2, 1, 128, 1, 1, 229376, nullptr, nullptr, nullptr, 0);
  std::vector<std::string> want = {
      "cuModuleLoadData", "cuModuleGetFunction k",
      "cuLaunchKernel grid=4,2,1 block=128,1,1 smem=1024",
      "cuFuncSetAttribute 8 229376",
      "cuLaunchKernel grid=4,2,1 block=128,1,1 smem=229376"};
  EXPECT_EQ(fake.calls(), want);
}

TEST_F(CudaRuntime, ClusterLaunchPassesTheClusterDimension) {
  mgpuLaunchClusterKernel(nullptr, 2, 1, 1, 8, 4, 1, 256, 1, 1, 0, nullptr,
                          nullptr, nullptr);
  std::vector<std::string> want = {
      "cuLaunchKernelEx grid=8,4,1 block=256,1,1 smem=0 attr4=2,1,1"};
  EXPECT_EQ(fake.calls(), want);
}

TEST_F(CudaRuntime, PtxIsJitCompiledAtTheRequestedLevel) {
  mgpuModuleLoadJIT(nullptr, 3);
  std::vector<std::string> want = {
      "cuModuleLoadDataEx options=1 opt0=7 val0=3"};
  EXPECT_EQ(fake.calls(), want);
}

TEST_F(CudaRuntime, DriverErrorsNameTheCallAndTheDriverText) {
  fake.failNext("cuModuleLoadData", 200);
  EXPECT_EQ(mgpuModuleLoad(nullptr, 0), nullptr);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0], "cuModuleLoadData failed: CUDA_ERROR_INVALID_IMAGE "
                       "(device kernel image is invalid)");
}

TEST_F(CudaRuntime, OutOfMemorySaysHowMuchWasAskedAndIsFree) {
  fake.failNext("cuMemAlloc", 2);
  EXPECT_EQ(mgpuMemAlloc(1ull << 40, nullptr, false), nullptr);
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors[0],
            "cuMemAlloc failed: CUDA_ERROR_OUT_OF_MEMORY (out of memory)");
  EXPECT_EQ(errors[1], "asked for 1099511627776 bytes of device memory; 1000 "
                       "of 4000 bytes are free");
}

TEST_F(CudaRuntime, HostSharedAllocationsAreManaged) {
  void *p = mgpuMemAlloc(64, nullptr, true);
  mgpuMemset32(p, 7, 16, nullptr);
  mgpuMemFree(p, nullptr); // kept for reuse until the trim
  EXPECT_EQ(retnet_cuda_trim(), 1u);
  std::vector<std::string> want = {"cuMemAllocManaged 64 flags=1",
                                   "cuMemsetD32Async 7 16", "cuMemFree"};
  EXPECT_EQ(fake.calls(), want);
}

TEST_F(CudaRuntime, FreedBuffersAreReusedForTheSameSizeAndKind) {
  void *a = mgpuMemAlloc(256, nullptr, true);
  mgpuMemFree(a, nullptr); // cached, not freed
  void *b = mgpuMemAlloc(256, nullptr, true);
  EXPECT_EQ(b, a) << "same size and kind: the cached buffer";
  void *c = mgpuMemAlloc(256, nullptr, false); // device memory: another kind
  void *d = mgpuMemAlloc(512, nullptr, true);  // another size
  EXPECT_NE(c, a);
  EXPECT_NE(d, a);
  for (void *p : {b, c, d})
    mgpuMemFree(p, nullptr);
  std::vector<std::string> want = {"cuMemAllocManaged 256 flags=1",
                                   "cuMemAlloc 256",
                                   "cuMemAllocManaged 512 flags=1"};
  EXPECT_EQ(fake.calls(), want) << "no free before the trim";
  EXPECT_EQ(retnet_cuda_trim(), 3u);
  EXPECT_EQ(fake.count("cuMemFree"), 3);
  EXPECT_EQ(retnet_cuda_trim(), 0u) << "nothing left";
  EXPECT_TRUE(errors.empty());
}

TEST_F(CudaRuntime, OutOfMemoryReleasesTheCacheAndRetries) {
  void *a = mgpuMemAlloc(128, nullptr, true);
  mgpuMemFree(a, nullptr);
  fake.failNext("cuMemAllocManaged", 2); // CUDA_ERROR_OUT_OF_MEMORY
  void *b = mgpuMemAlloc(1024, nullptr, true);
  EXPECT_NE(b, nullptr);
  EXPECT_TRUE(errors.empty()) << errors.front();
  std::vector<std::string> want = {
      "cuMemAllocManaged 128 flags=1", "cuMemAllocManaged 1024 flags=1",
      "cuMemFree", "cuMemAllocManaged 1024 flags=1"};
  EXPECT_EQ(fake.calls(), want);
  mgpuMemFree(b, nullptr);
  retnet_cuda_trim();
}

TEST_F(CudaRuntime, TensorMapIsEncodedInnermostFirstAndCopiedToTheDevice) {
  // A memref<64x128xbf16> (strides 128, 1) with a 64x64 box, swizzle 128B.
  struct {
    char *allocated, *aligned;
    int64_t offset, sizes[2], strides[2];
  } desc{nullptr, nullptr, 0, {64, 128}, {128, 1}};
  int64_t box[] = {64, 64};
  void *dev = mgpuTensorMapEncodeTiledMemref(2, &desc, /*bf16=*/9, 0,
                                             /*128B=*/3, 0, 0, box);
  EXPECT_NE(dev, nullptr);
  std::vector<std::string> want = {
      "cuTensorMapEncodeTiled dtype=9 rank=2 dims=128,64 strides=256 "
      "box=64,64 estrides=1 interleave=0 swizzle=3 l2=0 oob=0",
      "cuMemAlloc 128", "cuMemcpyHtoD 128"};
  EXPECT_EQ(fake.calls(), want);
  mgpuMemFree(dev, nullptr); // the caller owns the device copy of the map
}

// A captured graph's temporaries (allocated and freed by the captured code)
// belong to the graph: the cache hands them to nobody else while it lives,
// so a replay never writes into someone's buffer; destroying the graph gives
// them back. Inside the capture nothing waits and nothing is freed.
TEST_F(CudaRuntime, CapturedTemporariesBelongToTheGraphUntilItIsDestroyed) {
  void *f = mgpuModuleGetFunction(mgpuModuleLoad(nullptr, 0), "k");
  void *cached = mgpuMemAlloc(512, nullptr, false);
  mgpuMemFree(cached, nullptr); // idle in the cache
  mgpuStreamCreate();           // the shared stream exists
  fake.reset();
  ASSERT_EQ(retnet_cuda_capture_begin(), 0);
  void *a = mgpuMemAlloc(512, nullptr, false); // from the cache
  void *b = mgpuMemAlloc(1024, nullptr, false); // a miss: cuMemAlloc
  void *st = mgpuStreamCreate();
  mgpuLaunchKernel(f, 1, 1, 1, 32, 1, 1, 0, st, nullptr, nullptr, 0);
  mgpuStreamSynchronize(st); // generated code's wait: skipped
  mgpuMemFree(a, nullptr);
  mgpuMemFree(b, nullptr);
  retnet_cuda_graph *g = retnet_cuda_capture_end();
  ASSERT_NE(g, nullptr);
  EXPECT_EQ(a, cached);
  std::vector<std::string> want = {
      "cuStreamBeginCapture mode=2", "cuMemAlloc 1024",
      "cuLaunchKernel grid=1,1,1 block=32,1,1 smem=0", "cuStreamEndCapture",
      "cuGraphInstantiate"};
  EXPECT_EQ(fake.calls(), want);
  void *c = mgpuMemAlloc(512, nullptr, false);
  EXPECT_NE(c, a) << "the graph's buffer is not handed out";
  mgpuMemFree(c, nullptr);
  EXPECT_EQ(retnet_cuda_graph_launch(g), 0);
  EXPECT_EQ(retnet_cuda_graph_launch(g), 0);
  EXPECT_EQ(fake.count("cuGraphLaunch"), 2u);
  retnet_cuda_graph_destroy(g);
  EXPECT_EQ(fake.count("cuGraphExecDestroy"), 1u);
  EXPECT_EQ(fake.count("cuGraphDestroy"), 1u);
  EXPECT_EQ(fake.count("cuMemFree"), 0u) << "returned to the cache";
  void *d = mgpuMemAlloc(1024, nullptr, false);
  EXPECT_EQ(d, b) << "back in the cache";
  mgpuMemFree(d, nullptr);
  EXPECT_TRUE(errors.empty()) << errors.front();
}

// A failed capture ends the capture, reports the driver's words and gives
// no graph; the next capture works.
TEST_F(CudaRuntime, AFailedCaptureReportsAndLeavesNoCaptureOpen) {
  ASSERT_EQ(retnet_cuda_capture_begin(), 0);
  fake.failNext("cuStreamEndCapture", 901);
  EXPECT_EQ(retnet_cuda_capture_end(), nullptr);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].find("cuStreamEndCapture failed"), std::string::npos)
      << errors[0];
  errors.clear();
  ASSERT_EQ(retnet_cuda_capture_begin(), 0);
  retnet_cuda_graph *g = retnet_cuda_capture_end();
  EXPECT_NE(g, nullptr);
  retnet_cuda_graph_destroy(g);
  EXPECT_TRUE(errors.empty());
}

TEST(CudaRuntimeAbi, ListsEachExportedFunctionOnce) {
  const char *names[64];
  int arity[64];
  size_t n = retnet_cuda_abi(names, arity, 64);
  ASSERT_GE(n, 20u);
  ASSERT_LE(n, 64u);
  for (size_t i = 0; i < n; ++i) {
    EXPECT_NE(dlsym(RTLD_DEFAULT, names[i]), nullptr) << names[i];
    for (size_t j = 0; j < i; ++j)
      EXPECT_STRNE(names[i], names[j]);
  }
}

} // namespace
