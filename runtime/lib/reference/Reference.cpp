//===- Reference.cpp - float64 reference of the retention forms ----------===//
//
// Each form is written as its formula in DESIGN.md §2 reads, loop by loop, so
// that a reviewer can check it against the paper without running it.
//
//===----------------------------------------------------------------------===//

#include "retnet/Reference.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace retnet::reference {
namespace {

/// Row-major views of the flat tensors for one (batch, head) pair.
struct Views {
  const Problem &p;
  int64_t b, h;

  size_t qk(int64_t t, int64_t i) const {
    return size_t(((b * p.heads + h) * p.tokens + t) * p.dk + i);
  }
  size_t val(int64_t t, int64_t j) const {
    return size_t(((b * p.heads + h) * p.tokens + t) * p.dv + j);
  }
  size_t st(int64_t i, int64_t j) const {
    return size_t(((b * p.heads + h) * p.dk + i) * p.dv + j);
  }
};

void checkSize(const char *name, const std::vector<double> &x, size_t want) {
  if (x.size() != want)
    throw std::invalid_argument(std::string("reference: '") + name + "' has " +
                                std::to_string(x.size()) +
                                " elements, expected " + std::to_string(want));
}

void checkInputs(const Problem &p, const std::vector<double> &q,
                 const std::vector<double> &k, const std::vector<double> &v,
                 const std::vector<double> *stateIn) {
  p.validate();
  checkSize("q", q, p.qkSize());
  checkSize("k", k, p.qkSize());
  checkSize("v", v, p.vSize());
  if (stateIn)
    checkSize("state", *stateIn, p.stateSize());
}

double dot(const Views &w, const std::vector<double> &q, int64_t t,
           const std::vector<double> &k, int64_t s) {
  double acc = 0.0;
  for (int64_t i = 0; i < w.p.dk; ++i)
    acc += q[w.qk(t, i)] * k[w.qk(s, i)];
  return acc;
}

/// o_t += factor · q_t S, for a [dk, dv] state S of this (batch, head).
void addQueryTimesState(const Views &w, const std::vector<double> &q, int64_t t,
                        const std::vector<double> &state, double factor,
                        std::vector<double> &o) {
  for (int64_t i = 0; i < w.p.dk; ++i) {
    double qi = factor * q[w.qk(t, i)];
    for (int64_t j = 0; j < w.p.dv; ++j)
      o[w.val(t, j)] += qi * state[w.st(i, j)];
  }
}

} // namespace

void Problem::validate() const {
  auto positive = [](const char *name, int64_t x) {
    if (x <= 0)
      throw std::invalid_argument(std::string("reference: '") + name +
                                  "' must be positive, got " +
                                  std::to_string(x));
  };
  positive("batch", batch);
  positive("heads", heads);
  positive("tokens", tokens);
  positive("dk", dk);
  positive("dv", dv);
  if (static_cast<int64_t>(gamma.size()) != heads)
    throw std::invalid_argument("reference: 'gamma' has " +
                                std::to_string(gamma.size()) + " values for " +
                                std::to_string(heads) + " heads");
  for (double g : gamma)
    if (!(g > 0.0 && g <= 1.0))
      throw std::invalid_argument("reference: 'gamma' value " +
                                  std::to_string(g) + " is outside (0, 1]");
}

Result parallel(const Problem &p, const std::vector<double> &q,
                const std::vector<double> &k, const std::vector<double> &v,
                const std::vector<double> *stateIn) {
  checkInputs(p, q, k, v, stateIn);
  Result r;
  r.o.assign(p.vSize(), 0.0);
  for (int64_t b = 0; b < p.batch; ++b)
    for (int64_t h = 0; h < p.heads; ++h) {
      Views w{p, b, h};
      double g = p.gamma[h];
      for (int64_t t = 0; t < p.tokens; ++t) {
        for (int64_t s = 0; s <= t; ++s) {
          double a = p.scale * std::pow(g, double(t - s)) * dot(w, q, t, k, s);
          for (int64_t j = 0; j < p.dv; ++j)
            r.o[w.val(t, j)] += a * v[w.val(s, j)];
        }
        if (stateIn)
          addQueryTimesState(w, q, t, *stateIn,
                             p.scale * std::pow(g, double(t + 1)), r.o);
      }
    }
  return r;
}

Result recurrent(const Problem &p, const std::vector<double> &q,
                 const std::vector<double> &k, const std::vector<double> &v,
                 const std::vector<double> *stateIn) {
  checkInputs(p, q, k, v, stateIn);
  Result r;
  r.o.assign(p.vSize(), 0.0);
  r.finalState = stateIn ? *stateIn : std::vector<double>(p.stateSize(), 0.0);
  std::vector<double> &S = r.finalState;
  for (int64_t b = 0; b < p.batch; ++b)
    for (int64_t h = 0; h < p.heads; ++h) {
      Views w{p, b, h};
      double g = p.gamma[h];
      for (int64_t t = 0; t < p.tokens; ++t) {
        // S_t = γ S_{t−1} + k_tᵀ v_t
        for (int64_t i = 0; i < p.dk; ++i)
          for (int64_t j = 0; j < p.dv; ++j)
            S[w.st(i, j)] = g * S[w.st(i, j)] + k[w.qk(t, i)] * v[w.val(t, j)];
        // o_t = scale · q_t S_t
        addQueryTimesState(w, q, t, S, p.scale, r.o);
      }
    }
  return r;
}

Result chunkwise(const Problem &p, int64_t chunkSize,
                 const std::vector<double> &q, const std::vector<double> &k,
                 const std::vector<double> &v,
                 const std::vector<double> *stateIn) {
  checkInputs(p, q, k, v, stateIn);
  if (chunkSize <= 0)
    throw std::invalid_argument(
        "reference: 'chunk_size' must be positive, got " +
        std::to_string(chunkSize));
  Result r;
  r.o.assign(p.vSize(), 0.0);
  r.finalState = stateIn ? *stateIn : std::vector<double>(p.stateSize(), 0.0);
  std::vector<double> &S = r.finalState;
  std::vector<double> next(p.stateSize());
  for (int64_t b = 0; b < p.batch; ++b)
    for (int64_t h = 0; h < p.heads; ++h) {
      Views w{p, b, h};
      double g = p.gamma[h];
      for (int64_t c0 = 0; c0 < p.tokens; c0 += chunkSize) {
        int64_t n = std::min(chunkSize, p.tokens - c0); // this chunk's length
        for (int64_t i = 0; i < n; ++i) {
          int64_t t = c0 + i;
          // Intra-chunk: ((Q_c K_cᵀ) ⊙ D_C) V_c.
          for (int64_t jj = 0; jj <= i; ++jj) {
            int64_t s = c0 + jj;
            double a =
                p.scale * std::pow(g, double(i - jj)) * dot(w, q, t, k, s);
            for (int64_t j = 0; j < p.dv; ++j)
              r.o[w.val(t, j)] += a * v[w.val(s, j)];
          }
          // Cross-chunk: (Q_c ⊙ ξ) S_{c−1}, ξ_i = γ^(i+1).
          addQueryTimesState(w, q, t, S, p.scale * std::pow(g, double(i + 1)),
                             r.o);
        }
        // S_c = γ^n S_{c−1} + K_cᵀ (V_c ⊙ ζ), ζ_j = γ^(n−1−j).
        double decay = std::pow(g, double(n));
        for (int64_t i = 0; i < p.dk; ++i)
          for (int64_t j = 0; j < p.dv; ++j) {
            double acc = decay * S[w.st(i, j)];
            for (int64_t jj = 0; jj < n; ++jj)
              acc += std::pow(g, double(n - 1 - jj)) * k[w.qk(c0 + jj, i)] *
                     v[w.val(c0 + jj, j)];
            next[w.st(i, j)] = acc;
          }
        for (int64_t i = 0; i < p.dk; ++i)
          for (int64_t j = 0; j < p.dv; ++j)
            S[w.st(i, j)] = next[w.st(i, j)];
      }
    }
  return r;
}

double relativeL2(const std::vector<double> &a, const std::vector<double> &b) {
  if (a.size() != b.size())
    throw std::invalid_argument("relativeL2: sizes differ (" +
                                std::to_string(a.size()) + " vs " +
                                std::to_string(b.size()) + ")");
  double diff = 0.0, norm = 0.0;
  for (size_t i = 0; i < a.size(); ++i) {
    diff += (a[i] - b[i]) * (a[i] - b[i]);
    norm += b[i] * b[i];
  }
  return norm > 0.0 ? std::sqrt(diff / norm) : std::sqrt(diff);
}

} // namespace retnet::reference
