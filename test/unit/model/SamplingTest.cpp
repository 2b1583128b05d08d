//===- SamplingTest.cpp - greedy, temperature, top-k, top-p ---------------===//

#include "retnet/Sampling.h"
#include "retnet/Error.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <string>
#include <vector>

using namespace retnet;

namespace {

const std::vector<float> kLogits = {0.3f, 2.1f, -1.0f, 1.4f, 0.9f};

std::map<int64_t, int> histogram(const SamplingOptions &o, int draws) {
  Sampler s(o);
  std::map<int64_t, int> h;
  for (int i = 0; i < draws; ++i)
    ++h[s.sample(kLogits.data(), int64_t(kLogits.size()))];
  return h;
}

TEST(Sampling, GreedyTakesTheLargestLogit) {
  Sampler s({});
  EXPECT_EQ(s.sample(kLogits.data(), 5), 1);
  SamplingOptions k1;
  k1.temperature = 1.0;
  k1.topK = 1;
  EXPECT_EQ(histogram(k1, 50), (std::map<int64_t, int>{{1, 50}}));
}

TEST(Sampling, TemperatureFollowsTheSoftmax) {
  SamplingOptions o;
  o.temperature = 0.7;
  o.seed = 11;
  const int draws = 200000;
  auto h = histogram(o, draws);
  double z = 0;
  for (float l : kLogits)
    z += std::exp(l / 0.7);
  for (int64_t i = 0; i < 5; ++i) {
    double p = std::exp(kLogits[i] / 0.7) / z;
    double sd = std::sqrt(p * (1 - p) / draws);
    EXPECT_NEAR(double(h[i]) / draws, p, 5 * sd) << "token " << i;
  }
}

TEST(Sampling, TopKAndTopPRestrictTheSupport) {
  SamplingOptions k2;
  k2.temperature = 1.0;
  k2.topK = 2;
  for (auto [token, count] : histogram(k2, 2000))
    EXPECT_TRUE(token == 1 || token == 3) << token;
  // Probabilities at T=1 are ≈ .082 .498 .022 .247 .150 (by size: tokens
  // 1, 3, 4, 0, 2): p=0.7 keeps {1, 3} (mass 0.745), p=0.8 adds 4 (0.895).
  SamplingOptions p7;
  p7.temperature = 1.0;
  p7.topP = 0.7;
  auto h7 = histogram(p7, 4000);
  EXPECT_GT(h7[1], 0);
  EXPECT_GT(h7[3], 0);
  EXPECT_EQ(h7.count(4) + h7.count(0) + h7.count(2), 0u);
  SamplingOptions p8 = p7;
  p8.topP = 0.8;
  auto h8 = histogram(p8, 4000);
  EXPECT_GT(h8[4], 0);
  EXPECT_EQ(h8.count(0) + h8.count(2), 0u);
}

TEST(Sampling, TheSeedMakesRunsReproducible) {
  SamplingOptions o;
  o.temperature = 1.3;
  o.seed = 99;
  Sampler a(o), b(o);
  std::vector<int64_t> ra, rb;
  for (int i = 0; i < 100; ++i) {
    ra.push_back(a.sample(kLogits.data(), 5));
    rb.push_back(b.sample(kLogits.data(), 5));
  }
  EXPECT_EQ(ra, rb);
  o.seed = 100;
  Sampler c(o);
  std::vector<int64_t> rc;
  for (int i = 0; i < 100; ++i)
    rc.push_back(c.sample(kLogits.data(), 5));
  EXPECT_NE(ra, rc);
}

TEST(Sampling, BadOptionsAndNaNAreErrors) {
  auto message = [](SamplingOptions o) -> std::string {
    try {
      Sampler s(o);
    } catch (const Error &e) {
      return e.what();
    }
    return "";
  };
  SamplingOptions t;
  t.temperature = -0.5;
  EXPECT_NE(message(t).find("--temperature must be"), std::string::npos);
  SamplingOptions k;
  k.topK = -1;
  EXPECT_NE(message(k).find("--top-k must be >= 0"), std::string::npos);
  for (double p : {0.0, 1.5, std::nan("")}) {
    SamplingOptions o;
    o.topP = p;
    EXPECT_NE(message(o).find("--top-p must be in (0, 1]"), std::string::npos);
  }
  std::vector<float> bad = {0.1f, std::nanf(""), 0.2f};
  Sampler s({});
  EXPECT_THROW(s.sample(bad.data(), 3), Error);
}

} // namespace
