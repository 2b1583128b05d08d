//===- CudaRuntimeUnavailableTest.cpp - no driver, or no device -----------===//
//
// Run by CTest with RETNET_LIBCUDA naming a missing library (no driver) or
// FakeCuda with FAKE_CUDA_DEVICES=0 (no device); RETNET_EXPECT_ERROR holds a
// part of the message the runtime must give (plain text: it is also used
// as a regular expression).
//
//===----------------------------------------------------------------------===//

#include "retnet/CudaRuntime.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <string>

extern "C" void *mgpuMemAlloc(uint64_t, void *, bool);
extern "C" void *mgpuStreamCreate();

namespace {

std::string expected() {
  const char *e = std::getenv("RETNET_EXPECT_ERROR");
  return e ? e : "";
}

TEST(CudaUnavailable, AvailabilitySaysWhy) {
  const char *why = nullptr;
  EXPECT_EQ(retnet_cuda_available(&why), 0);
  ASSERT_NE(why, nullptr);
  EXPECT_NE(std::string(why).find(expected()), std::string::npos) << why;
}

TEST(CudaUnavailable, CallsReportThroughTheHandler) {
  static std::string last;
  retnet_cuda_set_error_handler([](const char *m) { last = m; });
  EXPECT_EQ(mgpuStreamCreate(), nullptr);
  EXPECT_NE(last.find(expected()), std::string::npos) << last;
  retnet_cuda_set_error_handler(nullptr);
}

TEST(CudaUnavailableDeathTest, DefaultHandlerExitsWithOneClearMessage) {
  EXPECT_EXIT(mgpuMemAlloc(16, nullptr, false), testing::ExitedWithCode(1),
              "retnet: CUDA error: .*" + expected());
}

} // namespace
