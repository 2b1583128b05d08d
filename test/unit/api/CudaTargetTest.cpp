//===- CudaTargetTest.cpp - the C API on the CUDA target, on a fake driver ===//
//
// A model compiled with retnet-compile --target cuda, run through the C API
// against FakeCuda (RETNET_LIBCUDA; kernels launch and do nothing, memory is
// host memory). What is checked is the runtime's side of the CUDA target:
// every call reaches the driver, the caller's logits are written in full
// from the staged managed buffers (NaN before, the fake's zeros after),
// positions advance, the state buffers of every sequence stay in bounds
// (sanitizer build), driver errors become the call's error without moving
// the sequence on, and every managed buffer is freed and every kernel module
// unloaded when the model closes. GPU numerics: benchmarks/gpu/check.sh.
//
//===----------------------------------------------------------------------===//

#include "retnet/retnet.h"

#include "../common/FakeCudaControl.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <dlfcn.h>
#include <string>
#include <unistd.h>
#include <vector>

namespace {

using Fake = retnet::test::FakeCuda;

/// The CUDA artifact of the example model, compiled once per process
/// (ptxas needed; the test is skipped, visibly, without it). ctest runs
/// each test in its own process, two at a time: each process compiles to
/// its own file, so none removes the file another is loading.
std::string cudaArtifact() {
  static std::string path;
  if (!path.empty())
    return path;
  std::string out = std::string(RETNET_TEST_WORK_DIR) + "/example-cuda-" +
                    std::to_string(getpid()) + ".so";
  std::remove(out.c_str());
  std::string cmd = std::string(RETNET_COMPILE_PATH) + " -q " +
                    RETNET_EXAMPLE_MODEL + " --target cuda -o " + out;
  if (std::system(cmd.c_str()) != 0)
    return "";
  // Removed when the process ends (after the models that loaded it close).
  static struct Remove {
    std::string file;
    ~Remove() {
      if (!file.empty())
        std::remove(file.c_str());
    }
  } remove{out};
  return path = out;
}

class CudaTarget : public testing::Test {
protected:
  void SetUp() override {
    ASSERT_NE(fake.lib, nullptr) << "RETNET_LIBCUDA must name FakeCuda";
    if (!*RETNET_PTXAS)
      GTEST_SKIP() << "no CUDA toolkit (ptxas) at configure time: cannot "
                      "compile for CUDA";
    artifact = cudaArtifact();
    ASSERT_FALSE(artifact.empty()) << "retnet-compile --target cuda failed";
    fake.reset();
  }
  Fake fake;
  std::string artifact;
};

TEST_F(CudaTarget, PrefillDecodeCopyResetReachTheDriverAndFreeEverything) {
  retnet_model *model = retnet_model_open_on(
      RETNET_EXAMPLE_MODEL, artifact.c_str(), RETNET_TARGET_CUDA);
  ASSERT_NE(model, nullptr) << retnet_last_error();
  EXPECT_EQ(retnet_model_target(model), RETNET_TARGET_CUDA);
  size_t modules = fake.count("cuModuleLoadData");
  EXPECT_GT(modules, 0u) << "the artifact's kernels load with it";
  const int64_t V = retnet_model_vocab_size(model);
  retnet_session *s = retnet_session_create(model, 4);
  ASSERT_NE(s, nullptr) << retnet_last_error();

  // Prefill of different lengths into three sequences: every logit of the
  // caller's buffer is written (NaN before).
  for (int64_t seq = 0; seq < 3; ++seq) {
    std::vector<int64_t> prompt(size_t(5 + 7 * seq));
    for (size_t i = 0; i < prompt.size(); ++i)
      prompt[i] = int64_t((i * 37 + seq) % size_t(V));
    std::vector<float> logits(prompt.size() * size_t(V), NAN);
    size_t launches = fake.count("cuLaunchKernel"),
           syncs = fake.count("cuStreamSynchronize");
    ASSERT_EQ(retnet_prefill(s, seq, prompt.data(), int64_t(prompt.size()),
                             RETNET_FORM_CHUNKWISE, logits.data(), 0),
              0)
        << retnet_last_error();
    EXPECT_GT(fake.count("cuLaunchKernel"), launches + 10);
    // The kernels queue back to back: one wait, at the end of the call.
    EXPECT_EQ(fake.count("cuStreamSynchronize"), syncs + 1);
    for (float x : logits)
      ASSERT_TRUE(std::isfinite(x)) << "a logit was not copied out";
    EXPECT_EQ(retnet_position(s, seq), int64_t(prompt.size()));
  }
  // Last-only logits; a fork; a decode step over a non-contiguous subset.
  std::vector<float> last(size_t(V), NAN);
  int64_t more[] = {3, 4};
  ASSERT_EQ(
      retnet_prefill(s, 3, more, 2, RETNET_FORM_RECURRENT, last.data(), 1), 0)
      << retnet_last_error();
  for (float x : last)
    ASSERT_TRUE(std::isfinite(x));
  ASSERT_EQ(retnet_copy(s, 3, 1), 0) << retnet_last_error();
  EXPECT_EQ(retnet_position(s, 3), retnet_position(s, 1));
  int64_t seqs[] = {0, 2, 3}, tokens[] = {1, 2, 3};
  std::vector<float> step(3 * size_t(V), NAN);
  ASSERT_EQ(retnet_decode(s, seqs, tokens, 3, step.data()), 0)
      << retnet_last_error();
  for (float x : step)
    ASSERT_TRUE(std::isfinite(x));
  EXPECT_EQ(retnet_position(s, 0), 6);
  EXPECT_EQ(retnet_position(s, 2), 20);
  // Every decode step is one graph launch between two copies (tokens and
  // positions in, logits out) and one wait. A step's kernels were captured
  // once per shape: the step above captured the sequences' states in one
  // pair of buffers, the next step (states in the other buffers) captures
  // the second graph, and every later step replays one of the two: no
  // launch, no allocation, no capture.
  for (int rep = 0; rep < 4; ++rep) {
    size_t allocs = fake.count("cuMemAlloc "),
           launches = fake.count("cuLaunchKernel"),
           captures = fake.count("cuStreamBeginCapture"),
           graphs = fake.count("cuGraphLaunch"),
           copies = fake.count("cuMemcpyAsync"),
           syncs = fake.count("cuStreamSynchronize");
    ASSERT_EQ(retnet_decode(s, seqs, tokens, 3, step.data()), 0)
        << retnet_last_error();
    EXPECT_EQ(fake.count("cuGraphLaunch"), graphs + 1);
    EXPECT_EQ(fake.count("cuMemcpyAsync"), copies + 2);
    EXPECT_EQ(fake.count("cuStreamSynchronize"), syncs + 1);
    if (rep == 0) {
      EXPECT_EQ(fake.count("cuStreamBeginCapture mode=2"), captures + 1)
          << "relaxed capture";
      EXPECT_GT(fake.count("cuLaunchKernel"), launches + 10);
    } else {
      EXPECT_EQ(fake.count("cuStreamBeginCapture"), captures);
      EXPECT_EQ(fake.count("cuLaunchKernel"), launches);
      EXPECT_EQ(fake.count("cuMemAlloc "), allocs);
    }
  }

  // A driver error inside the compiled code fails the call with the
  // driver's words and does not move the sequence on; the next call works.
  fake.failNext("cuLaunchKernel", 700);
  EXPECT_NE(retnet_decode(s, seqs, tokens, 1, step.data()), 0);
  EXPECT_NE(std::string(retnet_last_error())
                .find("CUDA error in the decode step: cuLaunchKernel failed"),
            std::string::npos)
      << retnet_last_error();
  EXPECT_EQ(retnet_position(s, 0), 10);
  EXPECT_EQ(retnet_decode(s, seqs, tokens, 1, step.data()), 0)
      << retnet_last_error();
  ASSERT_EQ(retnet_reset(s, 0), 0);
  EXPECT_EQ(retnet_position(s, 0), 0);

  retnet_session_free(s);
  retnet_model_close(model);
  EXPECT_EQ(fake.count("cuMemAllocManaged"), 0u)
      << "weights, states, tokens, logits and temporaries live in device "
         "memory, never in managed memory";
  EXPECT_GT(fake.count("cuMemAlloc "), 0u);
  EXPECT_EQ(fake.count("cuMemAlloc "), fake.count("cuMemFree"))
      << "every buffer (weights, states, staging, temporaries) freed";
  EXPECT_EQ(fake.count("cuModuleUnload"), modules);
}

TEST_F(CudaTarget, OutOfDeviceMemoryIsAClearError) {
  fake.failNext("cuMemAlloc", 2); // the weights
  EXPECT_EQ(retnet_model_open_on(RETNET_EXAMPLE_MODEL, artifact.c_str(),
                                 RETNET_TARGET_AUTO),
            nullptr);
  std::string error = retnet_last_error();
  EXPECT_NE(error.find("CUDA error allocating device memory: "
                       "cuMemAlloc failed: CUDA_ERROR_OUT_OF_MEMORY"),
            std::string::npos)
      << error;
  EXPECT_NE(error.find("bytes are free"), std::string::npos) << error;
  EXPECT_EQ(fake.count("cuModuleLoadData"), fake.count("cuModuleUnload"))
      << "a failed open unloads what it loaded";
}

// A driver error at exit (the artifact's module destructors unload after a
// failed kernel, and a real driver answers with the context's sticky error)
// reaches the runtime's error handler after this thread's destructors have
// run: it must not touch destroyed state (it was a use after free of the
// recorded error, a double free with long messages; the sanitizer build
// sees any use after free).
TEST_F(CudaTarget, DriverErrorAtExitAfterAFailedCallIsHarmless) {
  auto child = [&] {
    retnet_model *model = retnet_model_open_on(
        RETNET_EXAMPLE_MODEL, artifact.c_str(), RETNET_TARGET_CUDA);
    if (!model)
      std::_Exit(3);
    retnet_session *s = retnet_session_create(model, 1);
    std::vector<int64_t> prompt = {1, 2, 3};
    std::vector<float> logits(3 * size_t(retnet_model_vocab_size(model)));
    fake.failNext("cuLaunchKernel", 700);
    if (retnet_prefill(s, 0, prompt.data(), 3, RETNET_FORM_RECURRENT,
                       logits.data(), 0) == 0)
      std::_Exit(4); // the failure must reach the caller
    fake.failNext("cuModuleUnload", 700);
    std::exit(0); // thread destructors, then the artifact's
  };
  EXPECT_EXIT(child(), testing::ExitedWithCode(0), "");
}

} // namespace
