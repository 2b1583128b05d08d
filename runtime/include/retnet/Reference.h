//===- Reference.h - float64 reference of the retention forms ---*- C++ -*-===//
//
// The three retention forms written straight from DESIGN.md §2, in double
// precision, with no attempt at speed. Tests and benchmarks compare compiled
// code against these.
//
//===----------------------------------------------------------------------===//

#ifndef RETNET_REFERENCE_H
#define RETNET_REFERENCE_H

#include <cstddef>
#include <cstdint>
#include <vector>

namespace retnet::reference {

/// Sizes and attributes of one retention op. Tensors are dense and row-major:
/// q, k [B, H, T, dk]; v, o [B, H, T, dv]; states [B, H, dk, dv].
struct Problem {
  int64_t batch = 1, heads = 1, tokens = 1, dk = 1, dv = 1;
  std::vector<double> gamma; ///< One decay per head, each in (0, 1].
  double scale = 1.0;

  size_t qkSize() const { return size_t(batch * heads * tokens * dk); }
  size_t vSize() const { return size_t(batch * heads * tokens * dv); }
  size_t stateSize() const { return size_t(batch * heads * dk * dv); }

  /// Throws std::invalid_argument naming the first inconsistent field.
  void validate() const;
};

/// Output and final state of one form. `finalState` is empty for `parallel`.
struct Result {
  std::vector<double> o;
  std::vector<double> finalState;
};

/// O = scale · (((Q Kᵀ) ⊙ D) V + (Q ⊙ ξ) S_in), D[t,s] = γ^(t−s) for t ≥ s.
/// `stateIn` is null for a zero initial state. Throws std::invalid_argument on
/// inconsistent sizes.
Result parallel(const Problem &p, const std::vector<double> &q,
                const std::vector<double> &k, const std::vector<double> &v,
                const std::vector<double> *stateIn = nullptr);

/// S_t = γ S_(t−1) + k_tᵀ v_t, o_t = scale · q_t S_t, token by token.
Result recurrent(const Problem &p, const std::vector<double> &q,
                 const std::vector<double> &k, const std::vector<double> &v,
                 const std::vector<double> *stateIn = nullptr);

/// Chunks of `chunkSize` tokens (the last may be shorter): parallel inside a
/// chunk, the state carried across chunks.
Result chunkwise(const Problem &p, int64_t chunkSize,
                 const std::vector<double> &q, const std::vector<double> &k,
                 const std::vector<double> &v,
                 const std::vector<double> *stateIn = nullptr);

/// ‖a − b‖₂ / ‖b‖₂ (or ‖a − b‖₂ when b is zero). Throws on a size mismatch.
double relativeL2(const std::vector<double> &a, const std::vector<double> &b);

} // namespace retnet::reference

#endif // RETNET_REFERENCE_H
