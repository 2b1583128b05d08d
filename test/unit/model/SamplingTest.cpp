//===- SamplingTest.cpp - greedy, temperature, top-k, top-p ---------------===//

#include "retnet/Sampling.h"
#include "retnet/Error.h"

#include <gtest/gtest.h>

#include <cmath>
#include <algorithm>
#include <map>
#include <random>
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

// A vocabulary of 2000 random logits (with ties): the sampler ranks only
// what it needs (a partial sort for top-k, a heap for top-p), so check its
// frequencies against the distribution computed here by a full sort in
// float64: top-k 50 with top-p 0.8, and top-p 0.6 alone.
TEST(Sampling, LargeVocabularyMatchesTheSortedDistribution) {
  std::mt19937 gen(5);
  std::normal_distribution<float> normal(0.0f, 2.0f);
  std::vector<float> logits(2000);
  for (float &l : logits)
    l = std::round(normal(gen) * 8) / 8; // ties
  for (auto [topK, topP] : {std::pair<int64_t, double>{50, 0.8}, {0, 0.6}}) {
    const double temperature = 0.8;
    std::vector<int64_t> ids(logits.size());
    for (size_t i = 0; i < ids.size(); ++i)
      ids[i] = int64_t(i);
    std::stable_sort(ids.begin(), ids.end(), [&](int64_t a, int64_t b) {
      return logits[size_t(a)] > logits[size_t(b)];
    });
    if (topK)
      ids.resize(size_t(topK));
    std::vector<double> p;
    double z = 0;
    for (int64_t id : ids)
      z += std::exp((double(logits[size_t(id)]) - logits[size_t(ids[0])]) /
                    temperature);
    double mass = 0;
    std::map<int64_t, double> want;
    for (int64_t id : ids) {
      double q = std::exp((double(logits[size_t(id)]) -
                           logits[size_t(ids[0])]) /
                          temperature) /
                 z;
      want[id] = q;
      mass += q;
      if (mass >= topP)
        break;
    }
    SamplingOptions o;
    o.temperature = temperature;
    o.topK = topK;
    o.topP = topP;
    o.seed = 3;
    Sampler s(o);
    const int draws = 100000;
    std::map<int64_t, int> h;
    for (int i = 0; i < draws; ++i)
      ++h[s.sample(logits.data(), int64_t(logits.size()))];
    for (auto [id, n] : h)
      EXPECT_TRUE(want.count(id)) << "token " << id << " outside the kept set";
    for (auto [id, q] : want) {
      double expect = q / mass, sd = std::sqrt(expect * (1 - expect) / draws);
      EXPECT_NEAR(double(h[id]) / draws, expect, 5 * sd + 1e-4)
          << "token " << id << " (top-k " << topK << ", top-p " << topP << ")";
    }
  }
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
