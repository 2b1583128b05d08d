//===- bench_gemv_layout.cpp - a decode step's matvec per weight layout ---===//
//
//   retnet-bench-gemv-layout [--type f32|bf16|int8] [--layout L] [--k K]
//                            [--n N] [--mib M] [--threads T] [--reps R]
//
// A batch-1 decode step is a chain of matvecs y = x · W over weight matrices
// far larger than the caches, so how W is laid out decides how close the step
// comes to the memory's read bandwidth. This runs one matvec kernel per
// layout over enough K x N matrices to fill M MiB (default 1024) with T
// threads (default 2) and prints one JSON line per layout with the best of R
// passes in GB/s of weights read:
//
//   rows     W stored [K, N] row-major (the artifact's layout today,
//            WeightLayout.h): each thread owns a range of columns and runs
//            64-column tiles down all K rows, f32 accumulators in registers
//            (the order of the compiled one-row tile, without its reduction
//            blocks): one 64-column piece of each row per step, rows N
//            elements apart.
//   split-k  W [K, N] row-major, each thread a contiguous range of rows,
//            every column, y accumulated in L1 four rows at a time (partial
//            outputs summed at the end): the most contiguous order this
//            layout allows.
//   panels   W stored as panels of 64 columns, [N/64][K][64]: the same tiles
//            as `rows`, each now one contiguous stream.
//
// Compare with retnet-bench-bandwidth (same threads). The weights are random
// and each layout's result is checked against a float64 product (relative L2
// error under 1e-5, else exit 2).
//
//===----------------------------------------------------------------------===//

#include "bench_args.h"

#if defined(__AVX2__)
#include <immintrin.h>
#endif

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace {

constexpr const char *kTool = "retnet-bench-gemv-layout";

[[noreturn]] void fail(const std::string &m) { bench::fail(kTool, m); }

/// 8 floats: one AVX2 register (GCC/Clang vector extension; the loads of
/// 16- and 8-bit weights use AVX2 intrinsics where the compiler targets it).
typedef float V8 __attribute__((vector_size(32)));
typedef int8_t I8x8 __attribute__((vector_size(8)));
typedef uint16_t U16x8 __attribute__((vector_size(16)));
typedef uint32_t U32x8 __attribute__((vector_size(32)));
typedef int32_t I32x8 __attribute__((vector_size(32)));

enum class Type { F32, BF16, Int8 };
constexpr int64_t kPanel = 64; // columns of a panel and of a register tile

int64_t elementBytes(Type t) {
  return t == Type::F32 ? 4 : t == Type::BF16 ? 2 : 1;
}

/// Eight consecutive weights from `p` (element `i` of its type) as f32.
inline V8 load8(Type t, const void *p, int64_t i) {
  switch (t) {
  case Type::F32: {
    V8 v;
    std::memcpy(&v, static_cast<const float *>(p) + i, sizeof v);
    return v;
  }
  case Type::BF16: {
#if defined(__AVX2__)
    __m256i w = _mm256_slli_epi32(
        _mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i *>(
            static_cast<const uint16_t *>(p) + i))),
        16);
    return V8(_mm256_castsi256_ps(w));
#else
    U16x8 h;
    std::memcpy(&h, static_cast<const uint16_t *>(p) + i, sizeof h);
    U32x8 w = __builtin_convertvector(h, U32x8) << 16;
    V8 v;
    std::memcpy(&v, &w, sizeof v);
    return v;
#endif
  }
  case Type::Int8: {
#if defined(__AVX2__)
    // GCC 12 scalarizes the vector-extension conversion below.
    return V8(_mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_loadl_epi64(
        reinterpret_cast<const __m128i *>(static_cast<const int8_t *>(p) + i)))));
#else
    I8x8 q;
    std::memcpy(&q, static_cast<const int8_t *>(p) + i, sizeof q);
    return __builtin_convertvector(__builtin_convertvector(q, I32x8), V8);
#endif
  }
  }
  return V8{};
}

/// One 64-column tile down `k` rows `stride` elements apart, starting at
/// element `base` of `w`: 8 accumulators in registers.
template <Type T>
void tile(const float *x, const void *w, int64_t base, int64_t stride,
          int64_t k, float *y) {
  V8 acc[8] = {};
  for (int64_t r = 0; r < k; ++r) {
    V8 xr = V8{} + x[r];
    for (int j = 0; j < 8; ++j)
      acc[j] += xr * load8(T, w, base + r * stride + 8 * j);
  }
  std::memcpy(y, acc, sizeof acc);
}

/// Rows [k0, k1) of a row-major [K, n] matrix times x into y[0, n), four
/// rows per pass over y (which stays in L1).
template <Type T>
void axpyRows(const float *x, const void *w, int64_t n, int64_t k0, int64_t k1,
              float *y) {
  std::fill(y, y + n, 0.f);
  for (int64_t r = k0; r < k1; r += 4)
    for (int64_t c = 0; c < n; c += 8) {
      V8 a;
      std::memcpy(&a, y + c, sizeof a);
      for (int64_t i = 0; i < 4 && r + i < k1; ++i)
        a += (V8{} + x[r + i]) * load8(T, w, (r + i) * n + c);
      std::memcpy(y + c, &a, sizeof a);
    }
}

struct Matrix {
  std::unique_ptr<char, void (*)(void *)> rows{nullptr, std::free};
  std::unique_ptr<char, void (*)(void *)> panels{nullptr, std::free};
};

template <Type T>
void matvec(const std::string &layout, const float *x, const Matrix &m,
            int64_t K, int64_t N, int64_t t, int64_t threads, float *y,
            float *partial) {
  if (layout == "split-k") {
    int64_t k0 = K * t / threads / 4 * 4, k1 = K * (t + 1) / threads / 4 * 4;
    if (t + 1 == threads)
      k1 = K;
    axpyRows<T>(x, m.rows.get(), N, k0, k1, partial);
    return;
  }
  int64_t tiles = N / kPanel;
  for (int64_t p = tiles * t / threads; p < tiles * (t + 1) / threads; ++p) {
    if (layout == "rows")
      tile<T>(x, m.rows.get(), p * kPanel, N, K, y + p * kPanel);
    else
      tile<T>(x, m.panels.get(), p * K * kPanel, kPanel, K, y + p * kPanel);
  }
}

} // namespace

int main(int argc, char **argv) {
  long mib = 1024, reps = 5, threads = 2, K = 2048, N = 2048;
  std::string typeName = "int8";
  std::vector<std::string> layouts = {"rows", "split-k", "panels"};
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto text = [&] { return bench::optionText(kTool, argc, argv, i); };
    auto value = [&] { return bench::positiveOption(kTool, argc, argv, i); };
    if (a == "--mib")
      mib = value();
    else if (a == "--threads")
      threads = value();
    else if (a == "--reps")
      reps = value();
    else if (a == "--k")
      K = value();
    else if (a == "--n")
      N = value();
    else if (a == "--type")
      typeName = text();
    else if (a == "--layout") {
      std::string l = text();
      if (l != "rows" && l != "split-k" && l != "panels")
        fail("--layout must be rows, split-k or panels");
      layouts = {l};
    } else if (a == "-h" || a == "--help") {
      std::puts(
          "usage: retnet-bench-gemv-layout [--type f32|bf16|int8] "
          "[--layout rows|split-k|panels] [--k K] [--n N] [--mib M] "
          "[--threads T] [--reps R]\n"
          "a batch-1 decode step's matvec over M MiB of K x N weight "
          "matrices, per weight layout (default: all three), one JSON line "
          "each: GB/s of weights read, best of R");
      return 0;
    } else
      fail("unknown option '" + a + "' (see --help)");
  }
  Type type = typeName == "f32"    ? Type::F32
              : typeName == "bf16" ? Type::BF16
              : typeName == "int8" ? Type::Int8
                                   : (fail("--type must be f32, bf16 or int8"),
                                      Type::F32);
  if (N % (kPanel * threads) || K % 4)
    fail("--n must be a multiple of 64 x threads and --k of 4");
  const int64_t esz = elementBytes(type), bytes = K * N * esz;
  const int64_t count = std::max<int64_t>(1, (int64_t(mib) << 20) / bytes);

  // Random weights (uniform in [-1, 1), stored in the type), both layouts.
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> uni(-1.f, 1.f);
  std::vector<Matrix> ms(count);
  for (Matrix &m : ms) {
    size_t alloc = size_t(bytes + 63) / 64 * 64;
    m.rows.reset(static_cast<char *>(std::aligned_alloc(64, alloc)));
    m.panels.reset(static_cast<char *>(std::aligned_alloc(64, alloc)));
    if (!m.rows || !m.panels)
      fail("cannot allocate " + std::to_string(mib) + " MiB twice");
    for (int64_t k = 0; k < K; ++k)
      for (int64_t n = 0; n < N; ++n) {
        float v = uni(rng);
        char e[4];
        if (type == Type::F32) {
          std::memcpy(e, &v, 4);
        } else if (type == Type::BF16) {
          uint32_t b;
          std::memcpy(&b, &v, 4);
          uint16_t h = uint16_t(b >> 16);
          std::memcpy(e, &h, 2);
        } else {
          e[0] = char(int8_t(std::lround(v * 127)));
        }
        int64_t panel = (n / kPanel) * K * kPanel + k * kPanel + n % kPanel;
        std::memcpy(m.rows.get() + (k * N + n) * esz, e, size_t(esz));
        std::memcpy(m.panels.get() + panel * esz, e, size_t(esz));
      }
  }
  std::vector<float> x(static_cast<size_t>(K));
  for (float &v : x)
    v = uni(rng);

  // float64 reference of the last matrix's product (from its [K, N] copy).
  std::vector<double> reference(size_t(N), 0.0);
  for (int64_t k = 0; k < K; ++k)
    for (int64_t n = 0; n < N; n += 8) {
      V8 w = load8(type, ms.back().rows.get(), k * N + n);
      for (int j = 0; j < 8; ++j)
        reference[size_t(n + j)] += double(x[size_t(k)]) * double(w[j]);
    }
  for (const std::string &layout : layouts) {
    std::vector<float> y(size_t(N) * count);
    std::vector<float> partial(size_t(N) * threads);
    double best = 1e30;
    for (long r = 0; r < reps + 1; ++r) { // the first pass warms up
      auto t0 = std::chrono::steady_clock::now();
      std::vector<std::thread> pool;
      for (int64_t t = 0; t < threads; ++t)
        pool.emplace_back([&, t] {
          for (int64_t i = 0; i < count; ++i) {
            float *out = layout == "split-k" ? partial.data() + t * N
                                             : y.data() + i * N;
            switch (type) {
            case Type::F32:
              matvec<Type::F32>(layout, x.data(), ms[i], K, N, t, threads,
                                y.data() + i * N, out);
              break;
            case Type::BF16:
              matvec<Type::BF16>(layout, x.data(), ms[i], K, N, t, threads,
                                 y.data() + i * N, out);
              break;
            case Type::Int8:
              matvec<Type::Int8>(layout, x.data(), ms[i], K, N, t, threads,
                                 y.data() + i * N, out);
              break;
            }
          }
        });
      for (auto &th : pool)
        th.join();
      double s = std::chrono::duration<double>(
                     std::chrono::steady_clock::now() - t0)
                     .count();
      if (r > 0)
        best = std::min(best, s);
    }
    // split-k: the last matrix's partial outputs summed (the timed passes
    // leave the partials of the last matrix; summing is O(N), left out).
    std::vector<float> last(y.end() - N, y.end());
    if (layout == "split-k") {
      std::fill(last.begin(), last.end(), 0.f);
      for (int64_t t = 0; t < threads; ++t)
        for (int64_t n = 0; n < N; ++n)
          last[size_t(n)] += partial[size_t(t * N + n)];
    }
    // Relative L2 error against float64 (f32 accumulation over K terms).
    double num = 0, den = 0;
    for (int64_t n = 0; n < N; ++n) {
      double d = double(last[size_t(n)]) - reference[size_t(n)];
      num += d * d;
      den += reference[size_t(n)] * reference[size_t(n)];
    }
    double diff = std::sqrt(num / den);
    if (!(diff < 1e-5))
      fail(layout + ": relative L2 error " + std::to_string(diff) +
           " against float64 exceeds 1e-5");
    std::printf("{\"kind\": \"gemv_layout\", \"type\": \"%s\", \"layout\": "
                "\"%s\", \"k\": %ld, \"n\": %ld, \"matrices\": %lld, "
                "\"threads\": %ld, \"gb_per_s\": %.2f, "
                "\"rel_l2_vs_f64\": %.2e}\n",
                typeName.c_str(), layout.c_str(), K, N, (long long)count,
                threads, double(bytes) * double(count) / best / 1e9, diff);
    std::fflush(stdout);
  }
  return 0;
}
