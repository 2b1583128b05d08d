//===- bench_model.cpp - whole-model prefill and decode speed (C API) -----===//
//
//   retnet-bench-model --model DIR [--prompt T] [--decode N] [--batch B]
//                      [--reps R] [--forms parallel,chunkwise,recurrent]
//                      [--artifact FILE]
//
// Prints one JSON line per measurement: prefill tokens/s of a T-token
// prompt for each form (best of R runs, fresh state each run), then decode
// tokens/s for B sequences stepping together (N steps after the prompt),
// and the state size. Random prompt tokens, fixed seed.
//
//===----------------------------------------------------------------------===//

#include "retnet/retnet.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

namespace {

[[noreturn]] void fail(const std::string &m) {
  std::fprintf(stderr, "retnet-bench-model: %s\n", m.c_str());
  std::exit(1);
}

double now() {
  return std::chrono::duration<double>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

} // namespace

int main(int argc, char **argv) {
  std::string model, forms = "parallel,chunkwise,recurrent", artifact;
  int64_t T = 256, N = 32, B = 1, reps = 3;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto v = [&] {
      if (i + 1 >= argc)
        fail("missing value after " + a);
      return std::string(argv[++i]);
    };
    if (a == "--model")
      model = v();
    else if (a == "--prompt")
      T = std::atoll(v().c_str());
    else if (a == "--decode")
      N = std::atoll(v().c_str());
    else if (a == "--batch")
      B = std::atoll(v().c_str());
    else if (a == "--reps")
      reps = std::atoll(v().c_str());
    else if (a == "--forms")
      forms = v();
    else if (a == "--artifact")
      artifact = v();
    else
      fail("unknown option " + a);
  }
  if (model.empty() || T < 1 || N < 1 || B < 1 || reps < 1)
    fail("usage: retnet-bench-model --model DIR [--prompt T] [--decode N] "
         "[--batch B] [--reps R] [--forms LIST] [--artifact FILE]");
  // A given artifact (any retnet-compile output: its target and dtype),
  // else the model compiled on first use.
  retnet_model *m = retnet_model_open(
      model.c_str(), artifact.empty() ? nullptr : artifact.c_str());
  if (!m)
    fail(retnet_last_error());
  const int64_t V = retnet_model_vocab_size(m);
  retnet_session *s = retnet_session_create(m, B);
  if (!s)
    fail(retnet_last_error());
  std::mt19937_64 rng(42);
  std::vector<int64_t> prompt(static_cast<size_t>(T));
  for (int64_t &t : prompt)
    t = int64_t(rng() % uint64_t(V));
  std::vector<float> last(static_cast<size_t>(B * V));

  // One untimed prefill first: the OpenMP thread team and the allocator's
  // large blocks are created on the first call (a cold first prefill ran
  // at half speed, which a best of 1 rep then reported).
  retnet_reset(s, 0);
  if (retnet_prefill(s, 0, prompt.data(), T, RETNET_FORM_CHUNKWISE,
                     last.data(), 1))
    fail(retnet_last_error());

  size_t start = 0;
  while (start < forms.size()) {
    size_t comma = forms.find(',', start);
    std::string f = forms.substr(
        start, comma == std::string::npos ? std::string::npos : comma - start);
    start = comma == std::string::npos ? forms.size() : comma + 1;
    retnet_form form = f == "parallel"    ? RETNET_FORM_PARALLEL
                       : f == "chunkwise" ? RETNET_FORM_CHUNKWISE
                       : f == "recurrent" ? RETNET_FORM_RECURRENT
                                          : RETNET_FORM_AUTO;
    double best = 1e30;
    for (int64_t r = 0; r < reps; ++r) {
      retnet_reset(s, 0);
      double t0 = now();
      if (retnet_prefill(s, 0, prompt.data(), T, form, last.data(), 1))
        fail(retnet_last_error());
      best = std::min(best, now() - t0);
    }
    // auto: which form the cost model ran (docs/form-cost.md).
    retnet_form ran = form == RETNET_FORM_AUTO ? retnet_model_auto_form(m, T)
                                               : form;
    const char *ranName = ran == RETNET_FORM_PARALLEL    ? "parallel"
                          : ran == RETNET_FORM_CHUNKWISE ? "chunkwise"
                                                         : "recurrent";
    std::printf("{\"kind\": \"prefill\", \"form\": \"%s\", \"ran\": \"%s\", "
                "\"tokens\": %lld, \"seconds\": %.6g, \"tokens_per_s\": %.6g}\n",
                f.c_str(), ranName, (long long)T, best, double(T) / best);
    std::fflush(stdout);
  }

  // Decode: every sequence holds the prompt, then N steps for all B.
  for (int64_t b = 0; b < B; ++b) {
    retnet_reset(s, b);
    if (retnet_prefill(s, b, prompt.data(), T, RETNET_FORM_CHUNKWISE,
                       last.data(), 1))
      fail(retnet_last_error());
  }
  std::vector<int64_t> seqs(static_cast<size_t>(B)),
      toks(static_cast<size_t>(B));
  for (int64_t b = 0; b < B; ++b)
    seqs[size_t(b)] = b;
  std::vector<double> steps;
  for (int64_t n = 0; n < N; ++n) {
    for (int64_t b = 0; b < B; ++b) {
      const float *row = last.data() + b * V;
      toks[size_t(b)] = std::max_element(row, row + V) - row;
    }
    double t0 = now();
    if (retnet_decode(s, seqs.data(), toks.data(), B, last.data()))
      fail(retnet_last_error());
    steps.push_back(now() - t0);
  }
  std::sort(steps.begin(), steps.end());
  double median = steps[steps.size() / 2];
  std::printf("{\"kind\": \"decode\", \"batch\": %lld, \"context\": %lld, "
              "\"step_seconds_median\": %.6g, \"tokens_per_s\": %.6g, "
              "\"state_bytes_per_sequence\": %lld}\n",
              (long long)B, (long long)T, median, double(B) / median,
              (long long)retnet_model_state_bytes(m));
  retnet_session_free(s);
  retnet_model_close(m);
  return 0;
}
