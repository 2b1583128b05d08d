//===- ReferenceTest.cpp - the float64 reference forms agree
//---------------===//
//
// The three reference forms are independent implementations of one function;
// they must agree to 1e-12 on random inputs, and one tiny case is checked
// against the formula written out by hand.
//
//===----------------------------------------------------------------------===//

#include "retnet/Reference.h"

#include <gtest/gtest.h>

#include <cmath>
#include <ostream>
#include <random>
#include <stdexcept>
#include <string>

using namespace retnet::reference;

namespace {

constexpr double kTol = 1e-12;

std::vector<double> randomTensor(std::mt19937_64 &rng, size_t n) {
  std::uniform_real_distribution<double> dist(-1.0, 1.0);
  std::vector<double> x(n);
  for (double &e : x)
    e = dist(rng);
  return x;
}

/// The RetNet decays γ_h = 1 − 2^(−5−h), then a few arbitrary ones so that a
/// per-head mix-up cannot go unnoticed.
std::vector<double> decays(int64_t heads) {
  static const double extra[] = {0.5, 0.8125, 1.0, 0.9};
  std::vector<double> g;
  for (int64_t h = 0; h < heads; ++h)
    g.push_back(h < 2 ? 1.0 - std::ldexp(1.0, int(-5 - h)) : extra[h % 4]);
  return g;
}

struct Case {
  int64_t batch, heads, tokens, dk, dv, chunk;
  bool withState;
  double scale;
};

std::string describe(const Case &c) {
  return "B" + std::to_string(c.batch) + "H" + std::to_string(c.heads) + "T" +
         std::to_string(c.tokens) + "dk" + std::to_string(c.dk) + "dv" +
         std::to_string(c.dv) + "C" + std::to_string(c.chunk) +
         (c.withState ? "_state" : "_nostate");
}

std::string name(const testing::TestParamInfo<Case> &info) {
  return describe(info.param);
}

// Keeps CTest's test names readable (gtest would print the raw bytes).
void PrintTo(const Case &c, std::ostream *os) { *os << describe(c); }

class FormsAgree : public testing::TestWithParam<Case> {};

TEST_P(FormsAgree, OnRandomInputs) {
  const Case &c = GetParam();
  Problem p{c.batch, c.heads, c.tokens, c.dk, c.dv, decays(c.heads), c.scale};
  std::mt19937_64 rng(0x5eed + c.tokens * 131 + c.heads * 7 + c.chunk);
  auto q = randomTensor(rng, p.qkSize());
  auto k = randomTensor(rng, p.qkSize());
  auto v = randomTensor(rng, p.vSize());
  auto s = randomTensor(rng, p.stateSize());
  const std::vector<double> *state = c.withState ? &s : nullptr;

  Result rec = recurrent(p, q, k, v, state);
  Result par = parallel(p, q, k, v, state);
  Result chk = chunkwise(p, c.chunk, q, k, v, state);

  EXPECT_LE(relativeL2(par.o, rec.o), kTol);
  EXPECT_LE(relativeL2(chk.o, rec.o), kTol);
  EXPECT_LE(relativeL2(chk.finalState, rec.finalState), kTol);
  EXPECT_TRUE(par.finalState.empty());
}

INSTANTIATE_TEST_SUITE_P(Shapes, FormsAgree,
                         testing::Values(
                             // T = 1, with and without state.
                             Case{1, 1, 1, 4, 4, 4, false, 1.0},
                             Case{2, 3, 1, 8, 16, 16, true, 1.0},
                             // T not a multiple of C.
                             Case{1, 2, 7, 16, 16, 4, false, 1.0},
                             Case{2, 3, 100, 16, 32, 16, true, 0.25},
                             Case{1, 4, 257, 8, 4, 64, true, 1.0},
                             // T a multiple of C, C = T and C > T, C = 1.
                             Case{2, 1, 64, 16, 16, 16, true, 1.0},
                             Case{1, 2, 64, 4, 8, 64, false, 1.0},
                             Case{1, 3, 20, 4, 4, 64, true, 2.0},
                             Case{1, 2, 13, 4, 8, 1, true, 1.0},
                             // dv ≠ dk both ways.
                             Case{1, 2, 33, 32, 8, 8, true, 0.125},
                             Case{2, 2, 33, 8, 32, 8, false, 1.0}),
                         name);

// o_1 for T = 2, dk = dv = 1, written out by hand:
//   S_0 = γ S_in + k_0 v_0,  S_1 = γ S_0 + k_1 v_1,  o_t = scale · q_t S_t.
TEST(Reference, MatchesHandWrittenFormula) {
  std::mt19937_64 rng(42);
  auto x = randomTensor(rng, 7);
  double q0 = x[0], q1 = x[1], k0 = x[2], k1 = x[3], v0 = x[4], v1 = x[5],
         sin = x[6];
  double g = 0.75, scale = 1.5;
  Problem p{1, 1, 2, 1, 1, {g}, scale};
  std::vector<double> q{q0, q1}, k{k0, k1}, v{v0, v1}, s{sin};

  double S0 = g * sin + k0 * v0, S1 = g * S0 + k1 * v1;
  std::vector<double> o{scale * q0 * S0, scale * q1 * S1};
  for (const Result &r :
       {parallel(p, q, k, v, &s), recurrent(p, q, k, v, &s),
        chunkwise(p, 1, q, k, v, &s), chunkwise(p, 2, q, k, v, &s)})
    EXPECT_LE(relativeL2(r.o, o), kTol);
  EXPECT_LE(relativeL2(recurrent(p, q, k, v, &s).finalState, {S1}), kTol);
}

// Splitting a sequence and carrying the state equals one pass over it.
TEST(Reference, CarriedStateEqualsOnePass) {
  std::mt19937_64 rng(7);
  Problem full{2, 2, 40, 8, 8, decays(2), 1.0};
  auto q = randomTensor(rng, full.qkSize());
  auto k = randomTensor(rng, full.qkSize());
  auto v = randomTensor(rng, full.vSize());
  Result whole = chunkwise(full, 16, q, k, v);

  // Tokens [0, 25) then [25, 40), per (batch, head) slice of [B, H, T, d].
  auto slice = [&](const std::vector<double> &x, int64_t d, int64_t t0,
                   int64_t t1) {
    std::vector<double> out;
    for (int64_t bh = 0; bh < full.batch * full.heads; ++bh)
      for (int64_t t = t0; t < t1; ++t)
        for (int64_t i = 0; i < d; ++i)
          out.push_back(x[size_t((bh * full.tokens + t) * d + i)]);
    return out;
  };
  Problem first = full, second = full;
  first.tokens = 25;
  second.tokens = 15;
  Result a = recurrent(first, slice(q, 8, 0, 25), slice(k, 8, 0, 25),
                       slice(v, 8, 0, 25));
  Result b = parallel(second, slice(q, 8, 25, 40), slice(k, 8, 25, 40),
                      slice(v, 8, 25, 40), &a.finalState);
  Result c = chunkwise(second, 4, slice(q, 8, 25, 40), slice(k, 8, 25, 40),
                       slice(v, 8, 25, 40), &a.finalState);
  EXPECT_LE(relativeL2(a.o, slice(whole.o, 8, 0, 25)), kTol);
  EXPECT_LE(relativeL2(b.o, slice(whole.o, 8, 25, 40)), kTol);
  EXPECT_LE(relativeL2(c.o, slice(whole.o, 8, 25, 40)), kTol);
  EXPECT_LE(relativeL2(c.finalState, whole.finalState), kTol);
}

TEST(Reference, RejectsInconsistentProblems) {
  std::vector<double> x(4, 0.5);
  Problem wrongGammaCount{1, 2, 2, 1, 1, {0.9}, 1.0};
  EXPECT_THROW(recurrent(wrongGammaCount, x, x, x), std::invalid_argument);
  Problem gammaOutOfRange{1, 1, 4, 1, 1, {1.5}, 1.0};
  EXPECT_THROW(parallel(gammaOutOfRange, x, x, x), std::invalid_argument);
  Problem ok{1, 1, 4, 1, 1, {0.9}, 1.0};
  EXPECT_THROW(chunkwise(ok, 0, x, x, x), std::invalid_argument);
  std::vector<double> shortK(3, 0.5);
  EXPECT_THROW(parallel(ok, x, shortK, x), std::invalid_argument);
  EXPECT_THROW(relativeL2(x, shortK), std::invalid_argument);
}

} // namespace
