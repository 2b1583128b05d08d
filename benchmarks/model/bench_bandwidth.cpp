//===- bench_bandwidth.cpp - the machine's memory read bandwidth ----------===//
//
//   retnet-bench-bandwidth [--mib N] [--threads T] [--reps R]
//
// The floor under a decode step: a step at batch 1 reads every weight once,
// so no code decodes faster than (read bandwidth) / (weight bytes). This
// reads a buffer far larger than the caches (default 2 GiB) with T threads
// (default: every core), each summing its contiguous share with wide loads,
// and prints one JSON line with the best of R passes in GB/s (10^9 B/s).
//
//===----------------------------------------------------------------------===//

#include "bench_args.h"

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace {

constexpr const char *kTool = "retnet-bench-bandwidth";

[[noreturn]] void fail(const std::string &m) { bench::fail(kTool, m); }

/// 16 floats: one 64-byte line, one AVX-512 register (GCC/Clang vector
/// extension, so the loads are full-width without -ffast-math).
typedef float Line __attribute__((vector_size(64)));

/// Sums `n` floats from `p` (64-byte aligned, n a multiple of 128) in 8
/// independent line-wide accumulators: enough loads in flight to saturate
/// the memory system, so the read is not bound by add latency (a scalar
/// loop left to the auto-vectorizer measured half the bandwidth).
float sumRange(const float *p, size_t n) {
  Line acc[8] = {};
  const Line *line = reinterpret_cast<const Line *>(p);
  for (size_t i = 0; i < n / 16; i += 8)
    for (int j = 0; j < 8; ++j)
      acc[j] += line[i + j];
  for (int j = 1; j < 8; ++j)
    acc[0] += acc[j];
  float s = 0;
  for (int j = 0; j < 16; ++j)
    s += acc[0][j];
  return s;
}

} // namespace

int main(int argc, char **argv) {
  long mib = 2048, reps = 5;
  long threads = long(std::thread::hardware_concurrency());
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&] { return bench::positiveOption(kTool, argc, argv, i); };
    if (a == "--mib")
      mib = value();
    else if (a == "--threads")
      threads = value();
    else if (a == "--reps")
      reps = value();
    else if (a == "-h" || a == "--help") {
      std::puts("usage: retnet-bench-bandwidth [--mib N] [--threads T] "
                "[--reps R]\nmemory read bandwidth with T threads over an N "
                "MiB buffer (best of R), one JSON line");
      return 0;
    } else
      fail("unknown option '" + a + "' (see --help)");
  }
  size_t n = size_t(mib) << 18; // floats
  // Each thread's share is a whole number of 8-line blocks.
  size_t block = 128 * size_t(threads);
  n = n / block * block;
  float *data = static_cast<float *>(std::aligned_alloc(64, n * sizeof(float)));
  if (!data)
    fail("cannot allocate " + std::to_string(mib) + " MiB");
  struct Free {
    void operator()(float *p) const { std::free(p); }
  };
  std::unique_ptr<float, Free> owner(data);
  float *buf = data;
  // Written by the threads that read it (first touch places the pages).
  {
    std::vector<std::thread> pool;
    for (long t = 0; t < threads; ++t)
      pool.emplace_back([&, t] {
        size_t b = n * t / threads, e = n * (t + 1) / threads;
        for (size_t i = b; i < e; ++i)
          buf[i] = float(i & 1023) * 1e-3f;
      });
    for (auto &th : pool)
      th.join();
  }
  double best = 0;
  volatile float sink = 0;
  for (long r = 0; r < reps; ++r) {
    std::vector<float> partial(threads);
    auto t0 = std::chrono::steady_clock::now();
    std::vector<std::thread> pool;
    for (long t = 0; t < threads; ++t)
      pool.emplace_back([&, t] {
        size_t b = n * t / threads, e = n * (t + 1) / threads;
        partial[t] = sumRange(buf + b, e - b);
      });
    for (auto &th : pool)
      th.join();
    double s = std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                             t0)
                   .count();
    for (float p : partial)
      sink = sink + p;
    best = std::max(best, double(n) * sizeof(float) / s / 1e9);
  }
  std::printf("{\"kind\": \"bandwidth\", \"threads\": %ld, \"mib\": %ld, "
              "\"read_gb_per_s\": %.2f}\n",
              threads, mib, best);
  return 0;
}
