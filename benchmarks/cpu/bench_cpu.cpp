//===- bench_cpu.cpp - time the compiled CPU retention kernels ------------===//
//
// Calls the kernels of kernels.mlir (compiled by --retention-cpu-pipeline,
// linked in as an object) on fresh random inputs, checks one result of each
// kind against the float64 reference, and prints one JSON object per
// measurement. benchmarks/cpu/run.py runs it beside the PyTorch peer.
//
//===----------------------------------------------------------------------===//

#include "retnet/Reference.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <sys/mman.h>
#include <vector>

namespace {

/// The ranked memref descriptors of the MLIR C interface.
struct Memref4 {
  float *allocated, *aligned;
  int64_t offset, sizes[4], strides[4];
};
struct Memref2 {
  float *allocated, *aligned;
  int64_t offset, sizes[2], strides[2];
};

Memref4 view(std::vector<float> &x, int64_t a, int64_t b, int64_t c,
             int64_t d) {
  return {x.data(), x.data(), 0, {a, b, c, d}, {b * c * d, c * d, d, 1}};
}

} // namespace

extern "C" {
#define CHUNKWISE(T)                                                           \
  void _mlir_ciface_chunkwise_t##T(Memref4 *, Memref4 *, Memref4 *, Memref4 *, \
                                   Memref4 *);
CHUNKWISE(512)
CHUNKWISE(2048)
CHUNKWISE(8192)
void _mlir_ciface_decode_b1(Memref4 *, Memref4 *, Memref4 *, Memref4 *,
                            Memref4 *, Memref4 *);
void _mlir_ciface_decode_b16(Memref4 *, Memref4 *, Memref4 *, Memref4 *,
                             Memref4 *, Memref4 *);
void _mlir_ciface_projection(Memref2 *, Memref2 *, Memref2 *);
}

namespace {

constexpr int64_t H = 8, DK = 256, DV = 512, CHUNK = 64;

std::vector<float> randomTensor(std::mt19937_64 &rng, size_t n, float scale) {
  std::uniform_real_distribution<float> d(-scale, scale);
  std::vector<float> x(n);
  for (float &e : x)
    e = d(rng);
  return x;
}

std::vector<double> widen(const std::vector<float> &x) {
  return std::vector<double>(x.begin(), x.end());
}

std::vector<double> gammas() {
  std::vector<double> g;
  for (int h = 0; h < H; ++h)
    g.push_back(1.0 - std::ldexp(1.0, -5 - h));
  return g;
}

/// Median and minimum of `reps` timed calls, in seconds.
template <typename Fn> std::pair<double, double> timeIt(int reps, Fn fn) {
  fn(); // warm-up: page faults, thread pool start
  std::vector<double> t;
  for (int i = 0; i < reps; ++i) {
    auto a = std::chrono::steady_clock::now();
    fn();
    auto b = std::chrono::steady_clock::now();
    t.push_back(std::chrono::duration<double>(b - a).count());
  }
  std::sort(t.begin(), t.end());
  return {t[t.size() / 2], t.front()};
}

bool chunkwise(int64_t T,
               void (*kernel)(Memref4 *, Memref4 *, Memref4 *, Memref4 *,
                              Memref4 *),
               int reps, bool check) {
  std::mt19937_64 rng(1000 + T);
  // k is scaled by dk^-0.5 as in the RetNet layer, so values stay O(1).
  auto q = randomTensor(rng, H * T * DK, 1.0f);
  auto k = randomTensor(rng, H * T * DK, 1.0f / 16);
  auto v = randomTensor(rng, H * T * DV, 1.0f);
  std::vector<float> o(H * T * DV, NAN), s(H * DK * DV, NAN);
  Memref4 mq = view(q, 1, H, T, DK), mk = view(k, 1, H, T, DK),
          mv = view(v, 1, H, T, DV), mo = view(o, 1, H, T, DV),
          ms = view(s, 1, H, DK, DV);
  auto [median, best] = timeIt(reps, [&] { kernel(&mq, &mk, &mv, &mo, &ms); });
  double chunks = double(T) / CHUNK;
  double flops =
      H * chunks * (2.0 * CHUNK * CHUNK * (DK + DV) + 4.0 * CHUNK * DK * DV);
  double err = -1;
  if (check) {
    retnet::reference::Problem p{1, H, T, DK, DV, gammas(), 1.0};
    auto ref = retnet::reference::recurrent(p, widen(q), widen(k), widen(v));
    err = std::max(retnet::reference::relativeL2(widen(o), ref.o),
                   retnet::reference::relativeL2(widen(s), ref.finalState));
  }
  std::printf("{\"kind\": \"chunkwise\", \"impl\": \"retnet\", \"T\": %lld, "
              "\"seconds\": %.6g, \"best_seconds\": %.6g, \"gflops\": %.4g, "
              "\"tokens_per_s\": %.6g, \"rel_l2\": %.3g}\n",
              (long long)T, median, best, flops / median * 1e-9, T / median,
              err);
  return err < 0 || err <= 1e-4;
}

bool decode(int64_t B,
            void (*kernel)(Memref4 *, Memref4 *, Memref4 *, Memref4 *,
                           Memref4 *, Memref4 *),
            int steps) {
  std::mt19937_64 rng(77 + B);
  auto q = randomTensor(rng, B * H * DK, 1.0f);
  auto k = randomTensor(rng, B * H * DK, 1.0f / 16);
  auto v = randomTensor(rng, B * H * DV, 1.0f);
  auto s0 = randomTensor(rng, B * H * DK * DV, 1.0f);
  std::vector<float> s1(s0.size(), NAN), o(B * H * DV, NAN);
  Memref4 mq = view(q, B, H, 1, DK), mk = view(k, B, H, 1, DK),
          mv = view(v, B, H, 1, DV), mo = view(o, B, H, 1, DV),
          ma = view(s0, B, H, DK, DV), mb = view(s1, B, H, DK, DV);

  // Check one step against the reference before timing (s0 is still intact).
  kernel(&mq, &mk, &mv, &ma, &mo, &mb);
  retnet::reference::Problem p{B, H, 1, DK, DV, gammas(), 1.0};
  std::vector<double> sIn = widen(s0);
  auto ref =
      retnet::reference::recurrent(p, widen(q), widen(k), widen(v), &sIn);
  double err =
      std::max(retnet::reference::relativeL2(widen(o), ref.o),
               retnet::reference::relativeL2(widen(s1), ref.finalState));

  // Steps ping-pong between the two state buffers, as a decode loop would.
  bool flip = false;
  auto [median, best] = timeIt(steps, [&] {
    if (flip)
      kernel(&mq, &mk, &mv, &mb, &mo, &ma);
    else
      kernel(&mq, &mk, &mv, &ma, &mo, &mb);
    flip = !flip;
  });
  double bytes = 2.0 * B * H * DK * DV * 4; // read and write the f32 state
  std::printf("{\"kind\": \"decode\", \"impl\": \"retnet\", \"batch\": %lld, "
              "\"seconds\": %.6g, \"best_seconds\": %.6g, \"tokens_per_s\": "
              "%.6g, \"state_gb_per_s\": %.4g, \"rel_l2\": %.3g}\n",
              (long long)B, median, best, B / median, bytes / median * 1e-9,
              err);
  return err <= 1e-4;
}

/// `n` floats on 2 MiB pages where the kernel grants them, as the runtime
/// allocates a model's weights (std::free releases them).
float *hugeFloats(size_t n) {
  size_t bytes = (n * sizeof(float) + (2u << 20) - 1) & ~size_t((2u << 20) - 1);
  auto *p = static_cast<float *>(std::aligned_alloc(2u << 20, bytes));
  if (!p) {
    std::fprintf(stderr, "bench_cpu: out of memory\n");
    std::exit(1);
  }
  madvise(p, bytes, MADV_HUGEPAGE);
  return p;
}

/// The prefill projection of kernels.mlir: M rows times a 2048 x 3456 f32
/// weight, checked on sampled outputs against float64 sums.
bool projection(int64_t M, int reps) {
  constexpr int64_t K = 2048, N = 3456;
  std::mt19937_64 rng(4242);
  std::uniform_real_distribution<float> d(-1.0f, 1.0f);
  float *x = hugeFloats(M * K), *w = hugeFloats(K * N), *o = hugeFloats(M * N);
  for (int64_t i = 0; i < M * K; ++i)
    x[i] = d(rng);
  for (int64_t i = 0; i < K * N; ++i)
    w[i] = d(rng);
  std::fill(o, o + M * N, NAN);
  Memref2 mx{x, x, 0, {M, K}, {K, 1}}, mw{w, w, 0, {K, N}, {N, 1}},
      mo{o, o, 0, {M, N}, {N, 1}};
  auto [median, best] =
      timeIt(reps, [&] { _mlir_ciface_projection(&mx, &mw, &mo); });
  // 256 sampled outputs (every row's first and last column among them):
  // relative to the RMS of the float64 sums.
  double errSq = 0, refSq = 0;
  for (int s = 0; s < 256; ++s) {
    int64_t i = s < 2 ? (M - 1) * s : int64_t(rng() % M),
            j = s < 2 ? (N - 1) * s : int64_t(rng() % N);
    double want = 0;
    for (int64_t k = 0; k < K; ++k)
      want += double(x[i * K + k]) * w[k * N + j];
    errSq += (o[i * N + j] - want) * (o[i * N + j] - want);
    refSq += want * want;
  }
  double err = std::sqrt(errSq / refSq);
  std::printf("{\"kind\": \"projection\", \"impl\": \"retnet\", \"m\": %lld, "
              "\"k\": %lld, \"n\": %lld, \"seconds\": %.6g, \"best_seconds\": "
              "%.6g, \"gflops\": %.4g, \"rel_l2\": %.3g}\n",
              (long long)M, (long long)K, (long long)N, median, best,
              2.0 * M * K * N / best * 1e-9, err);
  std::free(x);
  std::free(w);
  std::free(o);
  return err <= 1e-5;
}

} // namespace

int main(int argc, char **argv) {
  bool quick = argc > 1 && std::string(argv[1]) == "--quick";
  bool ok = true;
  ok &= chunkwise(512, _mlir_ciface_chunkwise_t512, quick ? 2 : 9, true);
  ok &= chunkwise(2048, _mlir_ciface_chunkwise_t2048, quick ? 1 : 7, false);
  ok &= chunkwise(8192, _mlir_ciface_chunkwise_t8192, quick ? 1 : 5, false);
  ok &= decode(1, _mlir_ciface_decode_b1, quick ? 20 : 400);
  ok &= decode(16, _mlir_ciface_decode_b16, quick ? 5 : 60);
  ok &= projection(512, quick ? 1 : 7);
  if (!ok) {
    std::fprintf(stderr, "bench_cpu: a kernel disagrees with the float64 "
                         "reference (rel_l2 > 1e-4; projection 1e-5)\n");
    return 1;
  }
  return 0;
}
