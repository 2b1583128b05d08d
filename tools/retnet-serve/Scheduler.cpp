//===- Scheduler.cpp - continuous batching over a retnet session ----------===//

#include "Scheduler.h"

#include "../common/TextStream.h"
#include "retnet/Error.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace retnet::serve {

namespace {

/// Tokens of the prompt's end kept as the text stream's context: decoders
/// look back at most a few tokens (a leading-space strip, a split
/// character's bytes).
constexpr size_t kTextContext = 32;

double elapsed(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                       since)
      .count();
}

int64_t micros(double seconds) { return int64_t(seconds * 1e6); }

/// The length of the longest suffix of `text` that is a proper prefix of a
/// stop string: text that might still become a stop string is held back.
size_t heldBack(const std::string &text,
                const std::vector<std::string> &stops) {
  size_t hold = 0;
  for (const std::string &stop : stops)
    for (size_t len = std::min(stop.size() - 1, text.size()); len > hold;
         --len)
      if (text.compare(text.size() - len, len, stop, 0, len) == 0) {
        hold = len;
        break;
      }
  return hold;
}

} // namespace

std::mutex &textMutex() {
  static std::mutex *mutex = new std::mutex;
  return *mutex;
}

/// One choice of a request: a slot and its sampler.
struct Scheduler::Sequence {
  int64_t slot;
  Sampler sampler;
  std::unique_ptr<TextStream> text;
  std::string unreleased; ///< text that may still begin a stop string
  int64_t next = -1;      ///< the token to decode next
  bool finished = false;
  std::string finishReason;
  int64_t tokens = 0;
};

struct Scheduler::Active {
  std::shared_ptr<Job> job;
  std::vector<Sequence> seqs;
  size_t prefilled = 0;
  bool firstToken = true;
};

Scheduler::Scheduler(retnet_model *m, const SchedulerOptions &o)
    : model(m), opts(o), vocab(retnet_model_vocab_size(m)),
      eos(retnet_model_eos(m)) {
  session = retnet_session_create(model, opts.slots);
  if (!session)
    throw Error(retnet_last_error());
  for (int64_t s = opts.slots - 1; s >= 0; --s)
    freeSlots.push_back(s);
  counters.freeSlots = opts.slots;
  thread = std::thread([this] { loop(); });
}

Scheduler::~Scheduler() {
  stop();
  retnet_session_free(session);
}

void Scheduler::stop() {
  {
    std::lock_guard<std::mutex> lock(mutex);
    stopping = true;
  }
  wake.notify_all();
  if (thread.joinable())
    thread.join();
}

bool Scheduler::submit(const std::shared_ptr<Job> &job) {
  {
    std::lock_guard<std::mutex> lock(mutex);
    // Free slots take requests at the next step; beyond them, --queue may
    // wait (so --queue 0 still serves up to --slots at once).
    if (stopping || int64_t(waiting.size()) >= opts.queue + counters.freeSlots)
      return false;
    job->submitted = std::chrono::steady_clock::now();
    job->choices.assign(size_t(job->params.n), ChoiceOutput());
    waiting.push_back(job);
    counters.queued = int64_t(waiting.size());
  }
  wake.notify_all();
  return true;
}

void Scheduler::loop() {
  std::vector<std::unique_ptr<Active>> running;
  while (true) {
    {
      std::unique_lock<std::mutex> lock(mutex);
      wake.wait(lock, [&] {
        return stopping || !waiting.empty() || !running.empty();
      });
      if (stopping)
        break;
    }
    admit(running);
    // Cancelled requests (a client gone) give their slots back first.
    for (auto &a : running)
      if (a->job->cancelled) {
        counters.cancelled++;
        finish(*a, "cancelled");
      }
    running.erase(std::remove_if(running.begin(), running.end(),
                                 [](auto &a) { return a->job == nullptr; }),
                  running.end());
    // One prompt chunk, then one decode step for everyone else: a long
    // prompt is prefilled over several steps.
    prefillStep(running);
    decodeStep(running);
    running.erase(std::remove_if(running.begin(), running.end(),
                                 [](auto &a) { return a->job == nullptr; }),
                  running.end());
    counters.running = int64_t(running.size());
  }
  for (auto &a : running)
    if (a->job)
      finish(*a, "the server is shutting down");
  std::lock_guard<std::mutex> lock(mutex);
  for (auto &job : waiting) {
    std::lock_guard<std::mutex> jl(job->mutex);
    job->error = "the server is shutting down";
    job->done = true;
    job->cv.notify_all();
  }
  waiting.clear();
}

void Scheduler::admit(std::vector<std::unique_ptr<Active>> &running) {
  std::lock_guard<std::mutex> lock(mutex);
  while (!waiting.empty()) {
    std::shared_ptr<Job> job = waiting.front();
    if (job->cancelled) { // gone before it started
      waiting.pop_front();
      counters.cancelled++;
      std::lock_guard<std::mutex> jl(job->mutex);
      job->done = true;
      job->cv.notify_all();
      continue;
    }
    if (int64_t(freeSlots.size()) < job->params.n)
      break; // first come, first served
    waiting.pop_front();
    auto a = std::make_unique<Active>();
    a->job = job;
    for (int c = 0; c < job->params.n; ++c) {
      SamplingOptions s = job->params.sampling;
      s.seed += uint64_t(c);
      int64_t slot = freeSlots.back();
      freeSlots.pop_back();
      a->seqs.push_back(Sequence{slot, Sampler(s), nullptr, "", -1, false,
                                 "", 0});
      retnet_reset(session, slot);
    }
    running.push_back(std::move(a));
  }
  counters.queued = int64_t(waiting.size());
  counters.freeSlots = int64_t(freeSlots.size());
}

bool Scheduler::prefillStep(std::vector<std::unique_ptr<Active>> &running) {
  // Up to one chunk of prompt tokens per step (several short prompts, or
  // one chunk of a long one), then the decode step runs.
  int64_t budget = opts.prefillChunk;
  bool any = false;
  for (auto &ap : running) {
    if (budget <= 0)
      break;
    Active &a = *ap;
    if (!a.job || a.prefilled == a.job->params.prompt.size())
      continue;
    const std::vector<int64_t> &prompt = a.job->params.prompt;
    // Chunk boundaries depend only on the prompt, so the logits (and a
    // seeded request's tokens) do not depend on what else is running.
    size_t n = std::min(prompt.size() - a.prefilled, size_t(opts.prefillChunk));
    bool last = a.prefilled + n == prompt.size();
    std::vector<float> logits(last ? size_t(vocab) : 0);
    auto t0 = std::chrono::steady_clock::now();
    int64_t slot0 = a.seqs[0].slot;
    any = true;
    budget -= int64_t(n);
    if (retnet_prefill(session, slot0, prompt.data() + a.prefilled,
                       int64_t(n), RETNET_FORM_AUTO,
                       last ? logits.data() : nullptr, 1)) {
      finish(a, retnet_last_error());
      continue;
    }
    counters.prefillMicros += micros(elapsed(t0));
    counters.prefillChunks++;
    counters.promptTokens += int64_t(n);
    a.prefilled += n;
    if (last)
      startChoices(a, logits.data());
  }
  return any;
}

void Scheduler::startChoices(Active &a, const float *logits) {
  const std::vector<int64_t> &prompt = a.job->params.prompt;
  // n choices: the prompt is prefilled once and its state copied.
  for (size_t c = 1; c < a.seqs.size(); ++c)
    if (retnet_copy(session, a.seqs[c].slot, a.seqs[0].slot)) {
      finish(a, retnet_last_error());
      return;
    }
  std::vector<int64_t> context(
      prompt.end() - int64_t(std::min(prompt.size(), kTextContext)),
      prompt.end());
  bool going = false;
  for (Sequence &s : a.seqs) {
    try {
      std::lock_guard<std::mutex> tl(textMutex());
      s.text = std::make_unique<TextStream>(model, context);
    } catch (const Error &e) {
      finish(a, e.what());
      return;
    }
    going |= advance(a, s, logits);
    if (!a.job)
      return;
  }
  if (!going)
    finish(a, "");
}

void Scheduler::decodeStep(std::vector<std::unique_ptr<Active>> &running) {
  std::vector<int64_t> seqs, tokens;
  std::vector<std::pair<Active *, Sequence *>> owners;
  for (auto &ap : running) {
    if (!ap->job || ap->prefilled < ap->job->params.prompt.size())
      continue;
    for (Sequence &s : ap->seqs)
      if (!s.finished) {
        seqs.push_back(s.slot);
        tokens.push_back(s.next);
        owners.push_back({ap.get(), &s});
      }
  }
  if (seqs.empty())
    return;
  std::vector<float> logits(seqs.size() * size_t(vocab));
  auto t0 = std::chrono::steady_clock::now();
  if (retnet_decode(session, seqs.data(), tokens.data(), int64_t(seqs.size()),
                    logits.data())) {
    std::string error = retnet_last_error();
    for (auto &ap : running)
      if (ap->job && ap->prefilled == ap->job->params.prompt.size())
        finish(*ap, error);
    return;
  }
  double dt = elapsed(t0);
  counters.stepMicros += micros(dt);
  counters.decodeSteps++;
  counters.decodeSequences += int64_t(seqs.size());
  counters.lastBatch = int64_t(seqs.size());
  int bucket = 0;
  while (bucket < SchedulerStats::kBuckets &&
         dt > SchedulerStats::kStepBuckets[bucket])
    ++bucket;
  counters.stepBucket[bucket]++;
  for (size_t i = 0; i < owners.size(); ++i) {
    auto [a, s] = owners[i];
    if (!a->job)
      continue; // failed while handling an earlier sequence
    advance(*a, *s, logits.data() + i * size_t(vocab));
    if (!a->job)
      continue;
    bool all = std::all_of(a->seqs.begin(), a->seqs.end(),
                           [](const Sequence &q) { return q.finished; });
    if (all)
      finish(*a, "");
  }
}

bool Scheduler::advance(Active &a, Sequence &s, const float *logits) {
  Job &job = *a.job;
  const GenerationParams &p = job.params;
  int64_t token;
  try {
    token = s.sampler.sample(logits, vocab);
  } catch (const Error &e) {
    finish(a, e.what());
    return false;
  }
  if (a.firstToken) {
    a.firstToken = false;
    counters.firstTokenMicros += micros(elapsed(job.submitted));
    counters.firstTokens++;
  }
  // Log-probabilities over the raw logits (before temperature).
  TokenLogprob lp;
  bool wantLogprobs = p.logprobs >= 0 && token != eos;
  if (wantLogprobs) {
    float maxLogit = *std::max_element(logits, logits + vocab);
    double sum = 0;
    for (int64_t v = 0; v < vocab; ++v)
      sum += std::exp(double(logits[v] - maxLogit));
    float logZ = maxLogit + float(std::log(sum));
    lp.logprob = logits[token] - logZ;
    std::vector<int64_t> order(static_cast<size_t>(vocab));
    std::iota(order.begin(), order.end(), 0);
    size_t k = std::min(size_t(p.logprobs), order.size());
    std::partial_sort(order.begin(), order.begin() + int64_t(k), order.end(),
                      [&](int64_t x, int64_t y) {
                        return logits[x] > logits[y] ||
                               (logits[x] == logits[y] && x < y);
                      });
    // A token's text in context: after the token before it (decoders
    // strip a leading space at the start of a text).
    int64_t prev = s.next >= 0 ? s.next : p.prompt.back();
    try {
      std::lock_guard<std::mutex> tl(textMutex());
      std::string before = detokenize(model, {prev});
      auto textOf = [&](int64_t id) {
        std::string both = detokenize(model, {prev, id});
        if (both.compare(0, before.size(), before) == 0)
          return both.substr(before.size());
        return detokenize(model, {id});
      };
      lp.text = textOf(token);
      for (size_t i = 0; i < k; ++i)
        lp.top.push_back({textOf(order[i]), logits[order[i]] - logZ});
    } catch (const Error &e) {
      finish(a, e.what());
      return false;
    }
  }

  std::string fresh;
  std::string reason;
  if (token == eos) {
    reason = "stop";
  } else {
    s.tokens++;
    counters.generatedTokens++;
    try {
      std::lock_guard<std::mutex> tl(textMutex());
      fresh = s.text->push(token);
      if (s.tokens >= p.maxTokens) {
        fresh += s.text->finish();
        reason = "length";
      }
    } catch (const Error &e) {
      finish(a, e.what());
      return false;
    }
  }
  // Stop strings: text is released only when it cannot begin one.
  s.unreleased += fresh;
  std::string release;
  size_t cut = std::string::npos;
  for (const std::string &stop : p.stop)
    cut = std::min(cut, s.unreleased.find(stop));
  if (cut != std::string::npos) {
    release = s.unreleased.substr(0, cut);
    s.unreleased.clear();
    reason = "stop";
  } else if (!reason.empty()) {
    release.swap(s.unreleased);
  } else {
    size_t hold = heldBack(s.unreleased, p.stop);
    release = s.unreleased.substr(0, s.unreleased.size() - hold);
    s.unreleased.erase(0, release.size());
  }
  {
    std::lock_guard<std::mutex> jl(job.mutex);
    size_t c = size_t(&s - a.seqs.data());
    ChoiceOutput &out = job.choices[c];
    out.text += release;
    out.tokens = s.tokens;
    if (wantLogprobs)
      out.logprobs.push_back(std::move(lp));
    if (!reason.empty())
      out.finishReason = reason;
    if (!release.empty() || wantLogprobs || !reason.empty())
      out.steps.emplace_back(out.text.size(), out.logprobs.size());
  }
  job.cv.notify_all();
  if (!reason.empty()) {
    s.finished = true;
    s.finishReason = reason;
    freeSlots.push_back(s.slot);
    s.slot = -1;
    counters.freeSlots = int64_t(freeSlots.size());
    return false;
  }
  s.next = token;
  return true;
}

void Scheduler::finish(Active &a, const std::string &error) {
  std::shared_ptr<Job> job = std::move(a.job);
  release(a);
  if (error.empty())
    counters.finished++;
  else if (error != "cancelled")
    counters.failed++;
  {
    std::lock_guard<std::mutex> jl(job->mutex);
    job->error = error;
    job->done = true;
  }
  job->cv.notify_all();
}

void Scheduler::release(Active &a) {
  for (Sequence &s : a.seqs)
    if (s.slot >= 0) {
      freeSlots.push_back(s.slot);
      s.slot = -1;
      s.finished = true;
    }
  counters.freeSlots = int64_t(freeSlots.size());
}

} // namespace retnet::serve
