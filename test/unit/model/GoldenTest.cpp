//===- GoldenTest.cpp - the float64 model reference vs torchscale ---------===//
//
// Each model directory under test/golden/models (made by make_golden.py with
// torchscale) is loaded through the config and safetensors readers and run
// by the float64 reference; its logits must match torchscale's parallel-mode
// logits within 2e-4 relative L2 (DESIGN.md §2: equal up to RMSNorm eps),
// and its recurrent-mode logits as well.
//
//===----------------------------------------------------------------------===//

#include "retnet/Error.h"
#include "retnet/ModelConfig.h"
#include "retnet/ModelReference.h"
#include "retnet/Reference.h"
#include "retnet/Safetensors.h"

#include "../common/GoldenModels.h"

#include <gtest/gtest.h>

#include <cstring>
#include <dirent.h>
#include <string>
#include <vector>

using namespace retnet;

namespace {

std::vector<std::string> modelDirs() {
  return test::goldenModelDirs(RETNET_GOLDEN_DIR);
}

using test::goldenFloats;

TEST(Golden, ReferenceMatchesTorchscale) {
  std::vector<std::string> dirs = modelDirs();
  ASSERT_GE(dirs.size(), 3u) << "no golden models under " << RETNET_GOLDEN_DIR;
  for (const std::string &dir : dirs) {
    ModelConfig config = ModelConfig::load(dir + "/config.json");
    SafetensorsFile weights = SafetensorsFile::open(dir + "/model.safetensors");
    SafetensorsFile golden = SafetensorsFile::open(dir + "/golden.safetensors");
    std::vector<int64_t> tokens = test::goldenTokens(golden);

    std::vector<double> ours = referenceLogits(config, weights, tokens);
    double parallel =
        reference::relativeL2(ours, goldenFloats(golden, "logits_parallel"));
    double recurrent =
        reference::relativeL2(ours, goldenFloats(golden, "logits_recurrent"));
    EXPECT_LE(parallel, 2e-4) << dir;
    EXPECT_LE(recurrent, 2e-4) << dir;
    std::printf("%s: vs torchscale parallel %.2e, recurrent %.2e\n",
                dir.substr(dir.rfind('/') + 1).c_str(), parallel, recurrent);
  }
}

// Checkpoints in flash-linear-attention's format (logits of fla's own
// PyTorch modules) and syncdoth's layout (torchscale's logits):
// test/golden/make_fla_golden.py.
TEST(Golden, ReferenceMatchesFlaAndSyncdothLayouts) {
  std::vector<std::string> dirs =
      test::goldenModelDirs(std::string(RETNET_FIXTURES_DIR) + "/fla");
  ASSERT_GE(dirs.size(), 3u);
  dirs.push_back(std::string(RETNET_FIXTURES_DIR) +
                 "/syncdoth/syncdoth-h4-lnemb");
  for (const std::string &dir : dirs) {
    ModelConfig config = ModelConfig::load(dir + "/config.json");
    SafetensorsFile weights = SafetensorsFile::open(dir + "/model.safetensors");
    SafetensorsFile golden = SafetensorsFile::open(dir + "/golden.safetensors");
    std::vector<double> ours =
        referenceLogits(config, weights, test::goldenTokens(golden));
    double err =
        reference::relativeL2(ours, goldenFloats(golden, "logits_parallel"));
    EXPECT_LE(err, 2e-4) << dir;
    std::printf("%s: vs its golden %.2e\n",
                dir.substr(dir.rfind('/') + 1).c_str(), err);
  }
}

TEST(Golden, FlaTensorNamesAreUsedInErrors) {
  std::string dir = std::string(RETNET_FIXTURES_DIR) + "/fla/fla-h2-ev2";
  ModelConfig config = ModelConfig::load(dir + "/config.json");
  SafetensorsFile weights = SafetensorsFile::open(dir + "/model.safetensors");
  config.kvHeads = 1; // as if config.json said num_kv_heads 1
  try {
    referenceLogits(config, weights, {1, 2});
    FAIL() << "mismatched weights were accepted";
  } catch (const Error &e) {
    EXPECT_NE(std::string(e.what()).find(
                  "'model.layers.0.attn.k_proj.weight' has shape [64, 64], "
                  "but the config needs [32, 64]"),
              std::string::npos)
        << e.what();
  }
}

TEST(Golden, ShapeThatDoesNotFitTheConfigIsNamed) {
  std::string dir = modelDirs().front();
  ModelConfig config = ModelConfig::load(dir + "/config.json");
  config.ffnDim += 1; // as if config.json and the weights disagreed
  SafetensorsFile weights = SafetensorsFile::open(dir + "/model.safetensors");
  try {
    referenceLogits(config, weights, {1, 2});
    FAIL() << "mismatched weights were accepted";
  } catch (const Error &e) {
    EXPECT_NE(std::string(e.what()).find("ffn.fc1.weight' has shape"),
              std::string::npos)
        << e.what();
  }
  config.ffnDim -= 1;
  EXPECT_THROW(referenceLogits(config, weights, {config.vocabSize}), Error);
}

} // namespace
