//===- Scheduler.h - continuous batching over a retnet session -*- C++ -*-===//
//
// One thread owns the model's session: a fixed number of slots (sequences
// with their recurrent state, whose size does not depend on their length).
// Each step it admits queued requests into free slots, prefills one chunk of
// one prompt (a long prompt takes several steps, so it does not stall the
// others), then decodes one token for every running sequence in a single
// retnet_decode call. A finished or cancelled sequence frees its slot at
// once. Requests are Jobs shared with the HTTP threads, which read their
// output under the job's mutex.
//
//===----------------------------------------------------------------------===//

#ifndef RETNET_SERVE_SCHEDULER_H
#define RETNET_SERVE_SCHEDULER_H

#include "retnet/Sampling.h"
#include "retnet/retnet.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace retnet::serve {

/// What a request asks the scheduler for.
struct GenerationParams {
  std::vector<int64_t> prompt;
  SamplingOptions sampling;
  int64_t maxTokens = 16;
  std::vector<std::string> stop;
  int n = 1;         ///< choices, each a sequence; choice i samples with
                     ///< seed + i
  int logprobs = -1; ///< -1: none; k >= 0: the chosen token's and k others
};

/// One generated token's log-probabilities (over the raw logits).
struct TokenLogprob {
  std::string text;
  float logprob = 0;
  std::vector<std::pair<std::string, float>> top;
};

struct ChoiceOutput {
  std::string text;           ///< final text so far (stop strings removed)
  int64_t tokens = 0;         ///< generated tokens (eos not counted)
  std::string finishReason;   ///< "", "stop" or "length"
  std::vector<TokenLogprob> logprobs;
  /// One entry per generated token that released text, a log-probability or
  /// the finish reason: (text.size(), logprobs.size()) after it. A stream
  /// sends one event per entry however late its reader wakes up.
  std::vector<std::pair<size_t, size_t>> steps;
};

/// A request in flight. The HTTP thread waits on `cv`; the scheduler
/// appends to `choices` and sets `done`.
struct Job {
  GenerationParams params;
  std::atomic<bool> cancelled{false};

  std::mutex mutex;
  std::condition_variable cv;
  std::vector<ChoiceOutput> choices; // under mutex
  bool done = false;                 // under mutex
  std::string error;                 // under mutex; set with done

  std::chrono::steady_clock::time_point submitted;
};

struct SchedulerOptions {
  int64_t slots = 8;
  int64_t queue = 64;
  int64_t prefillChunk = 256;
};

/// Counters for /metrics (read without stopping the scheduler).
struct SchedulerStats {
  std::atomic<int64_t> promptTokens{0}, generatedTokens{0};
  std::atomic<int64_t> finished{0}, cancelled{0}, failed{0};
  std::atomic<int64_t> queued{0}, running{0}, freeSlots{0};
  std::atomic<int64_t> decodeSteps{0}, decodeSequences{0}, lastBatch{0};
  std::atomic<int64_t> prefillChunks{0};
  /// Decode step time histogram (seconds), upper bounds kStepBuckets.
  static constexpr double kStepBuckets[] = {0.001, 0.0025, 0.005, 0.01,
                                            0.025, 0.05,   0.1,   0.25,
                                            0.5,   1.0};
  static constexpr int kBuckets = sizeof(kStepBuckets) / sizeof(double);
  std::atomic<int64_t> stepBucket[kBuckets + 1] = {};
  std::atomic<int64_t> stepMicros{0}, prefillMicros{0};
  std::atomic<int64_t> firstTokenMicros{0}, firstTokens{0};
};

/// Serializes the model's tokenizer calls (the scheduler's text and the
/// HTTP threads' tokenization).
std::mutex &textMutex();

class Scheduler {
public:
  Scheduler(retnet_model *model, const SchedulerOptions &options);
  ~Scheduler();
  Scheduler(const Scheduler &) = delete;
  Scheduler &operator=(const Scheduler &) = delete;

  /// Queues a job; false when --queue requests already wait beyond the free
  /// slots (the caller answers 429).
  bool submit(const std::shared_ptr<Job> &job);
  void stop();

  const SchedulerOptions &options() const { return opts; }
  SchedulerStats &stats() { return counters; }

private:
  struct Sequence;
  struct Active;

  void loop();
  void admit(std::vector<std::unique_ptr<Active>> &running);
  bool prefillStep(std::vector<std::unique_ptr<Active>> &running);
  void decodeStep(std::vector<std::unique_ptr<Active>> &running);
  /// After the prompt: copies its state to every choice and samples each
  /// choice's first token from the prompt's last logits.
  void startChoices(Active &a, const float *logits);
  /// Samples from `logits` for `seq`, records the token; true while the
  /// sequence goes on.
  bool advance(Active &a, Sequence &seq, const float *logits);
  void finish(Active &a, const std::string &error);
  void release(Active &a);

  retnet_model *model;
  SchedulerOptions opts;
  int64_t vocab;
  retnet_session *session = nullptr;
  int64_t eos;

  std::mutex mutex;
  std::condition_variable wake;
  std::deque<std::shared_ptr<Job>> waiting; // under mutex
  bool stopping = false;                    // under mutex
  std::vector<int64_t> freeSlots;           // scheduler thread only

  SchedulerStats counters;
  std::thread thread;
};

} // namespace retnet::serve

#endif // RETNET_SERVE_SCHEDULER_H
