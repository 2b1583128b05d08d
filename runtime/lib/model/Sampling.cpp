//===- Sampling.cpp - greedy, temperature, top-k, top-p -------------------===//

#include "retnet/Sampling.h"

#include "retnet/Error.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>
#include <string>
#include <vector>

namespace retnet {
namespace {
/// A user's number as they would write it (0.5, not 0.500000).
std::string number(double x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", x);
  return buf;
}
} // namespace

Sampler::Sampler(const SamplingOptions &o) : options(o), rng(o.seed) {
  if (!(o.temperature >= 0) || !std::isfinite(o.temperature))
    throw Error("--temperature must be a finite number >= 0, got " +
                number(o.temperature));
  if (o.topK < 0)
    throw Error("--top-k must be >= 0 (0 keeps every token), got " +
                std::to_string(o.topK));
  if (!(o.topP > 0 && o.topP <= 1))
    throw Error("--top-p must be in (0, 1], got " + number(o.topP));
}

int64_t Sampler::sample(const float *logits, int64_t vocab) {
  if (vocab <= 0)
    throw Error("cannot sample from an empty vocabulary");
  for (int64_t i = 0; i < vocab; ++i)
    if (std::isnan(logits[i]))
      throw Error("logit " + std::to_string(i) + " is NaN");
  if (options.temperature == 0)
    return std::max_element(logits, logits + vocab) - logits;

  // Candidates by decreasing logit; top-k keeps a prefix.
  std::vector<int64_t> order(vocab);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](int64_t a, int64_t b) { return logits[a] > logits[b]; });
  if (options.topK > 0 && options.topK < vocab)
    order.resize(options.topK);

  // Softmax of logits / temperature, shifted by the maximum for stability.
  std::vector<double> p(order.size());
  double top = logits[order.front()], total = 0;
  for (size_t i = 0; i < order.size(); ++i)
    total += p[i] = std::exp((logits[order[i]] - top) / options.temperature);
  for (double &x : p)
    x /= total;

  // Top-p: the shortest prefix whose mass reaches topP.
  size_t keep = p.size();
  if (options.topP < 1) {
    double mass = 0;
    for (size_t i = 0; i < p.size(); ++i) {
      mass += p[i];
      if (mass >= options.topP) {
        keep = i + 1;
        break;
      }
    }
  }
  double kept = std::accumulate(p.begin(), p.begin() + keep, 0.0);
  double u = std::uniform_real_distribution<double>(0.0, kept)(rng);
  for (size_t i = 0; i < keep; ++i) {
    if (u < p[i])
      return order[i];
    u -= p[i];
  }
  return order[keep - 1]; // rounding left u at the very top
}

} // namespace retnet
