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

  // Candidates: every token, or the top k by decreasing logit (ties: the
  // lower id first). Sorting is O(V log V) per token, a real cost with a
  // 100k vocabulary on a server's one scheduler thread, so only what is
  // needed is ordered: the top k (partial sort), or the prefix top-p keeps
  // (popped from a heap); plain temperature sampling walks in id order.
  auto before = [&](int64_t a, int64_t b) {
    return logits[a] > logits[b] || (logits[a] == logits[b] && a < b);
  };
  std::vector<int64_t> order(static_cast<size_t>(vocab));
  std::iota(order.begin(), order.end(), 0);
  bool sorted = false;
  if (options.topK > 0 && options.topK < vocab) {
    std::partial_sort(order.begin(), order.begin() + options.topK, order.end(),
                      before);
    order.resize(static_cast<size_t>(options.topK));
    sorted = true;
  }

  // Softmax of logits / temperature, shifted by the maximum for stability.
  float top = logits[order.front()];
  for (int64_t id : order)
    top = std::max(top, logits[id]);
  std::vector<double> w(static_cast<size_t>(vocab));
  double total = 0;
  for (int64_t id : order)
    total += w[size_t(id)] =
        std::exp((double(logits[id]) - top) / options.temperature);
  auto weight = [&](int64_t id) { return w[size_t(id)]; };

  // Top-p: the shortest prefix (by decreasing logit) whose mass reaches it;
  // unsorted candidates are ranked by popping a heap, as far as needed.
  if (options.topP < 1) {
    auto after = [&](int64_t a, int64_t b) { return before(b, a); };
    if (!sorted)
      std::make_heap(order.begin(), order.end(), after);
    std::vector<int64_t> ranked;
    double mass = 0;
    for (size_t i = 0; i < order.size() && mass < options.topP; ++i) {
      if (sorted) {
        ranked.push_back(order[i]);
      } else {
        auto heapEnd = order.end() - int64_t(i);
        std::pop_heap(order.begin(), heapEnd, after);
        ranked.push_back(*(heapEnd - 1));
      }
      mass += weight(ranked.back()) / total;
    }
    order = std::move(ranked);
  }
  double kept = 0;
  for (int64_t id : order)
    kept += weight(id);
  double u = std::uniform_real_distribution<double>(0.0, kept)(rng);
  for (int64_t id : order) {
    if (u < weight(id))
      return id;
    u -= weight(id);
  }
  return order.back(); // rounding left u at the very end
}

} // namespace retnet
