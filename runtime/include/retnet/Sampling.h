//===- Sampling.h - next-token sampling -------------------------*- C++ -*-===//
//
// Greedy, temperature, top-k and top-p (nucleus) sampling over one row of
// logits, reproducible from a seed.
//
//===----------------------------------------------------------------------===//

#ifndef RETNET_SAMPLING_H
#define RETNET_SAMPLING_H

#include <cstdint>
#include <random>

namespace retnet {

struct SamplingOptions {
  double temperature = 0.0; ///< 0: greedy (argmax); else logits / temperature
  int64_t topK = 0;         ///< keep the k most likely tokens; 0: all
  double topP = 1.0;        ///< keep the smallest set with this much mass
  uint64_t seed = 0;
};

class Sampler {
public:
  /// Throws retnet::Error for temperature < 0, top-k < 0 or top-p outside
  /// (0, 1], naming the flag.
  explicit Sampler(const SamplingOptions &options);

  /// The next token for `logits` [vocab]. Throws retnet::Error when a logit
  /// is NaN (a broken model must not produce plausible-looking tokens).
  int64_t sample(const float *logits, int64_t vocab);

private:
  SamplingOptions options;
  std::mt19937_64 rng;
};

} // namespace retnet

#endif // RETNET_SAMPLING_H
