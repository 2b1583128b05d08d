//===- retnet-serve.cpp - an OpenAI-compatible server for RetNet models ---===//
//
//   retnet-serve --model DIR [--host H] [--port P] [--slots N] [--queue N]
//                [--api-key KEY] [--target auto|cpu|cuda] ...
//
// POST /v1/completions, /v1/chat/completions (streamed as server-sent events
// with "stream": true), /tokenize, /detokenize; GET /v1/models, /health,
// /metrics (Prometheus). Requests are decoded together by one scheduler
// thread (Scheduler.h: continuous batching over slots, one retnet_decode per
// step); the HTTP threads only parse, wait and write. See docs/serving.md.
//
//===----------------------------------------------------------------------===//

#include "Api.h"
#include "ChatTemplate.h"
#include "Scheduler.h"

#include "../common/TextStream.h"
#include "retnet/Error.h"
#include "retnet/retnet.h"

#include <httplib.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <string>
#include <thread>

#include <sys/socket.h>

using nlohmann::json;
using namespace retnet::serve;

namespace {

const char *kUsage =
    "usage: retnet-serve --model DIR [options]\n"
    "\n"
    "Serves the RetNet model in DIR (config.json, model.safetensors and a\n"
    "tokenizer) over an OpenAI-compatible HTTP API, decoding the running\n"
    "requests together (continuous batching). The model is compiled on first\n"
    "use and cached, as retnet-run does.\n"
    "\n"
    "  --model DIR          model directory (required)\n"
    "  --artifact FILE      a model compiled by retnet-compile (default:\n"
    "                       compile on first use, cached)\n"
    "  --target T           auto (default: the GPU when usable), cpu, cuda\n"
    "  --host H             address to listen on (default 127.0.0.1)\n"
    "  --port P             port (default 8000; 0: any free port, printed)\n"
    "  --slots N            sequences decoded together (default 8); each\n"
    "                       holds one fixed-size recurrent state\n"
    "  --queue N            requests waiting for a slot before new ones get\n"
    "                       429 (default 64)\n"
    "  --api-key KEY        require 'Authorization: Bearer KEY' (default:\n"
    "                       $RETNET_API_KEY; none when unset); /health is\n"
    "                       always open\n"
    "  --context N          prompt + max_tokens limit in tokens (default 8192)\n"
    "  --prefill-chunk N    prompt tokens prefilled per scheduler step\n"
    "                       (default 256): a long prompt does not stall the\n"
    "                       running ones\n"
    "  --chat-template F    the chat prompt: a Jinja template file (as in\n"
    "                       tokenizer_config.json), or 'default' (plain\n"
    "                       'Role: text' turns); default: the model's\n"
    "                       chat_template when it has one\n"
    "  --served-model-name NAME  the model's id in the API (default: DIR's\n"
    "                       last component)\n"
    "  --quiet              no per-request log lines\n"
    "  --help               this text\n"
    "\n"
    "Endpoints: POST /v1/completions, POST /v1/chat/completions,\n"
    "GET /v1/models, GET /health, GET /metrics, POST /tokenize,\n"
    "POST /detokenize. Ctrl-C (SIGINT) or SIGTERM stops the server.\n";

struct Options {
  std::string model, artifact, target = "auto", host = "127.0.0.1";
  std::string apiKey, name, chatTemplate;
  int port = 8000;
  int64_t slots = 8, queue = 64, context = 8192, prefillChunk = 256;
  bool quiet = false;
};

[[noreturn]] void fail(const std::string &message) {
  std::fprintf(stderr, "retnet-serve: error: %s\n",
               retnet::printable(message, retnet::kMaxErrorLine).c_str());
  std::exit(1);
}

int64_t count(const std::string &flag, const char *value, int64_t lo,
              int64_t hi) {
  char *end = nullptr;
  errno = 0;
  long long v = std::strtoll(value, &end, 10);
  if (!*value || *end || errno || v < lo || v > hi)
    fail(flag + " expects an integer in [" + std::to_string(lo) + ", " +
         std::to_string(hi) + "], got " + retnet::quote(value));
  return v;
}

Options parseOptions(int argc, char **argv) {
  Options o;
  if (const char *key = std::getenv("RETNET_API_KEY"))
    o.apiKey = key;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> const char * {
      if (i + 1 >= argc)
        fail(a + " needs a value (see --help)");
      return argv[++i];
    };
    if (a == "--help" || a == "-h") {
      std::fputs(kUsage, stdout);
      std::exit(0);
    } else if (a == "--model") {
      o.model = value();
    } else if (a == "--artifact") {
      o.artifact = value();
    } else if (a == "--target") {
      o.target = value();
    } else if (a == "--host") {
      o.host = value();
    } else if (a == "--port") {
      o.port = int(count(a, value(), 0, 65535));
    } else if (a == "--slots") {
      o.slots = count(a, value(), 1, 4096);
    } else if (a == "--queue") {
      o.queue = count(a, value(), 0, 1 << 20);
    } else if (a == "--api-key") {
      o.apiKey = value();
    } else if (a == "--context") {
      o.context = count(a, value(), 2, RETNET_MAX_PREFILL_TOKENS);
    } else if (a == "--prefill-chunk") {
      o.prefillChunk = count(a, value(), 1, RETNET_MAX_PREFILL_TOKENS);
    } else if (a == "--chat-template") {
      o.chatTemplate = value();
    } else if (a == "--served-model-name") {
      o.name = value();
    } else if (a == "--quiet") {
      o.quiet = true;
    } else {
      fail("unknown option " + retnet::quote(a) + " (see --help)");
    }
  }
  if (o.model.empty())
    fail("no model given (--model DIR; see --help)");
  if (o.target != "auto" && o.target != "cpu" && o.target != "cuda")
    fail("unknown --target " + retnet::quote(o.target) +
         " (expected auto, cpu or cuda)");
  if (o.name.empty()) {
    std::filesystem::path p(o.model);
    o.name = (p.has_filename() ? p.filename() : p.parent_path().filename())
                 .string();
  }
  return o;
}

/// Everything a handler needs.
struct Server {
  Options opts;
  retnet_model *model = nullptr;
  std::unique_ptr<Scheduler> scheduler;
  ServeLimits limits;
  std::unique_ptr<ChatTemplate> chatTemplate;
  ChatFormat chat;
  bool hasTokenizer = false;
  std::atomic<int64_t> ids{0};
  // Requests by endpoint and status for /metrics.
  std::mutex statsMutex;
  std::map<std::pair<std::string, int>, int64_t> responses;
  std::atomic<int64_t> rejected{0};

  std::vector<int64_t> tokenize(const std::string &text, bool special) {
    if (!hasTokenizer)
      throw ApiError{400, "invalid_request_error",
                     "this model has no tokenizer: give 'prompt' as token "
                     "ids",
                     "prompt", ""};
    std::vector<int64_t> ids(text.size() + 8);
    int64_t n = 0;
    std::lock_guard<std::mutex> lock(textMutex());
    while (true) {
      if (retnet_tokenize(model, text.data(), int64_t(text.size()),
                          special ? 1 : 0, ids.data(), int64_t(ids.size()),
                          &n))
        throw ApiError{400, "invalid_request_error", retnet_last_error(),
                       "prompt", ""};
      if (n <= int64_t(ids.size()))
        break;
      ids.resize(size_t(n));
    }
    ids.resize(size_t(n));
    return ids;
  }
};

void reply(httplib::Response &res, int status, const json &body) {
  res.status = status;
  res.set_content(dump(body) + "\n", "application/json");
}

void replyError(httplib::Response &res, const ApiError &e) {
  if (e.status == 429 || e.status == 503)
    res.set_header("Retry-After", "1");
  reply(res, e.status, errorBody(e));
}

int64_t now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string requestId(Server &s, Endpoint e) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%016llx",
                (unsigned long long)((s.ids.fetch_add(1) + 1) *
                                      0x9E3779B97F4A7C15ull));
  return (e == Endpoint::Chat ? "chatcmpl-" : "cmpl-") + std::string(buf);
}

/// The text and logprobs of one choice not yet sent on a stream.
struct StreamCursor {
  size_t step = 0, text = 0, logprobs = 0;
  bool started = false;
};

void handleGeneration(Server &s, Endpoint endpoint, const httplib::Request &req,
                      httplib::Response &res) {
  ParsedRequest parsed;
  try {
    parsed = parseRequest(endpoint, req.body, s.limits, s.chat,
                          [&](const std::string &text, bool special) {
                            return s.tokenize(text, special);
                          });
  } catch (const ApiError &e) {
    replyError(res, e);
    return;
  }
  auto job = std::make_shared<Job>();
  job->params = std::move(parsed.params);
  if (!s.scheduler->submit(job)) {
    s.rejected++;
    replyError(res, ApiError{429, "rate_limit_error",
                             "the server is busy: " +
                                 std::to_string(s.opts.queue) +
                                 " requests are waiting (--queue); retry",
                             "", "queue_full"});
    return;
  }
  std::string id = requestId(s, endpoint);
  int64_t created = now();
  auto t0 = std::chrono::steady_clock::now();

  if (!parsed.stream) {
    std::unique_lock<std::mutex> lock(job->mutex);
    job->cv.wait(lock, [&] { return job->done; });
    if (!job->error.empty()) {
      reply(res, 500,
            errorBody({500, "server_error", job->error, "", ""}));
      return;
    }
    reply(res, 200,
          responseBody(endpoint, id, created, s.limits, job->params,
                       job->choices));
    if (!s.opts.quiet) {
      int64_t tokens = 0;
      for (auto &c : job->choices)
        tokens += c.tokens;
      std::fprintf(stderr, "retnet-serve: %s %s: %zu prompt tokens, %lld "
                           "generated in %.3f s\n",
                   req.path.c_str(), id.c_str(), job->params.prompt.size(),
                   (long long)tokens,
                   std::chrono::duration<double>(
                       std::chrono::steady_clock::now() - t0)
                       .count());
    }
    return;
  }

  res.set_header("Cache-Control", "no-cache");
  auto cursors = std::make_shared<std::vector<StreamCursor>>(
      size_t(job->params.n));
  auto ended = std::make_shared<bool>(false);
  bool includeUsage = parsed.includeUsage;
  Server *sp = &s;
  res.set_chunked_content_provider(
      "text/event-stream",
      [sp, job, cursors, ended, endpoint, id, created,
       includeUsage](size_t, httplib::DataSink &sink) {
        std::string out;
        bool done;
        {
          std::unique_lock<std::mutex> lock(job->mutex);
          auto progress = [&] {
            if (job->done)
              return true;
            for (size_t c = 0; c < cursors->size(); ++c)
              if (job->choices[c].steps.size() > (*cursors)[c].step)
                return true;
            return false;
          };
          if (!job->cv.wait_for(lock, std::chrono::seconds(1), progress)) {
            lock.unlock();
            // Nothing new for a second (queued, or a long prompt): a
            // comment line finds out whether the client is still there.
            if (!sink.write(": waiting\n\n", 11)) {
              job->cancelled = true;
              return false;
            }
            return true;
          }
          done = job->done;
          // One event per generated token (as OpenAI's API streams), even
          // when several tokens were generated since this writer last woke.
          for (size_t c = 0; c < cursors->size(); ++c) {
            StreamCursor &cur = (*cursors)[c];
            const ChoiceOutput &o = job->choices[c];
            for (; cur.step < o.steps.size(); ++cur.step) {
              auto [textEnd, logprobsEnd] = o.steps[cur.step];
              bool last = cur.step + 1 == o.steps.size();
              bool finish = last && !o.finishReason.empty();
              json chunk = streamChunk(
                  endpoint, id, created, sp->limits, int(c),
                  o.text.substr(cur.text, textEnd - cur.text), o,
                  cur.logprobs, logprobsEnd, job->params.logprobs >= 0,
                  finish ? o.finishReason : std::string(), !cur.started);
              out += "data: " + dump(chunk) + "\n\n";
              cur.text = textEnd;
              cur.logprobs = logprobsEnd;
              cur.started = true;
            }
          }
          if (done) {
            if (!job->error.empty() && !job->cancelled)
              out += "data: " +
                     dump(errorBody({500, "server_error", job->error, "", ""})) +
                     "\n\n";
            else if (includeUsage)
              out += "data: " +
                     dump(usageChunk(endpoint, id, created, sp->limits,
                                     int64_t(job->params.prompt.size()),
                                     job->choices)) +
                     "\n\n";
            out += "data: [DONE]\n\n";
          }
        }
        if (!out.empty() && !sink.write(out.data(), out.size())) {
          job->cancelled = true; // the client went away: free its slots
          return false;
        }
        if (done) {
          *ended = true;
          sink.done();
        }
        return true;
      },
      [job, ended](bool success) {
        if (!success || !*ended)
          job->cancelled = true;
      });
}

std::string metricsText(Server &s) {
  SchedulerStats &st = s.scheduler->stats();
  std::ostringstream m;
  auto gauge = [&](const char *name, const char *help, double v,
                   const char *type = "gauge") {
    m << "# HELP " << name << ' ' << help << "\n# TYPE " << name << ' '
      << type << '\n'
      << name << ' ' << v << '\n';
  };
  m << "# HELP retnet_http_responses_total HTTP responses by path and "
       "status.\n# TYPE retnet_http_responses_total counter\n";
  {
    std::lock_guard<std::mutex> lock(s.statsMutex);
    for (auto &[key, n] : s.responses)
      m << "retnet_http_responses_total{path=\"" << key.first
        << "\",status=\"" << key.second << "\"} " << n << '\n';
  }
  m << "# HELP retnet_requests_total Generation requests by outcome.\n"
       "# TYPE retnet_requests_total counter\n"
    << "retnet_requests_total{outcome=\"finished\"} " << st.finished << '\n'
    << "retnet_requests_total{outcome=\"cancelled\"} " << st.cancelled << '\n'
    << "retnet_requests_total{outcome=\"failed\"} " << st.failed << '\n'
    << "retnet_requests_total{outcome=\"rejected\"} " << s.rejected << '\n';
  gauge("retnet_prompt_tokens_total", "Prompt tokens prefilled.",
        double(st.promptTokens), "counter");
  gauge("retnet_generation_tokens_total", "Tokens generated.",
        double(st.generatedTokens), "counter");
  gauge("retnet_queue_depth", "Requests waiting for a slot.",
        double(st.queued));
  gauge("retnet_running_requests", "Requests holding slots.",
        double(st.running));
  gauge("retnet_free_slots", "Slots free.", double(st.freeSlots));
  gauge("retnet_slots", "Slots (--slots).", double(s.opts.slots));
  gauge("retnet_batch_size", "Sequences in the last decode step.",
        double(st.lastBatch));
  gauge("retnet_decode_sequences_total",
        "Sequence-steps decoded (sum of batch sizes).",
        double(st.decodeSequences), "counter");
  gauge("retnet_prefill_seconds_total", "Time in prefill chunks.",
        double(st.prefillMicros) * 1e-6, "counter");
  gauge("retnet_time_to_first_token_seconds_total",
        "Sum over requests of submit-to-first-token time.",
        double(st.firstTokenMicros) * 1e-6, "counter");
  gauge("retnet_first_tokens_total", "Requests that got a first token.",
        double(st.firstTokens), "counter");
  m << "# HELP retnet_decode_step_seconds Time of one batched decode step.\n"
       "# TYPE retnet_decode_step_seconds histogram\n";
  int64_t cumulative = 0;
  for (int b = 0; b <= SchedulerStats::kBuckets; ++b) {
    cumulative += st.stepBucket[b];
    m << "retnet_decode_step_seconds_bucket{le=\"";
    if (b < SchedulerStats::kBuckets)
      m << SchedulerStats::kStepBuckets[b];
    else
      m << "+Inf";
    m << "\"} " << cumulative << '\n';
  }
  m << "retnet_decode_step_seconds_sum " << double(st.stepMicros) * 1e-6
    << "\nretnet_decode_step_seconds_count " << st.decodeSteps << '\n';
  return m.str();
}

void routes(httplib::Server &http, Server &s) {
  http.set_pre_routing_handler([&s](const httplib::Request &req,
                                    httplib::Response &res) {
    if (s.opts.apiKey.empty() || req.path == "/health")
      return httplib::Server::HandlerResponse::Unhandled;
    std::string auth = req.get_header_value("Authorization");
    if (auth == "Bearer " + s.opts.apiKey)
      return httplib::Server::HandlerResponse::Unhandled;
    replyError(res, ApiError{401, "invalid_request_error",
                             auth.empty()
                                 ? "no API key given (Authorization: Bearer "
                                   "KEY)"
                                 : "the API key is not valid",
                             "", "invalid_api_key"});
    return httplib::Server::HandlerResponse::Handled;
  });
  http.set_logger([&s](const httplib::Request &req,
                       const httplib::Response &res) {
    std::lock_guard<std::mutex> lock(s.statsMutex);
    static const std::set<std::string> known = {
        "/v1/completions", "/v1/chat/completions", "/v1/models", "/health",
        "/metrics",        "/tokenize",            "/detokenize"};
    s.responses[{known.count(req.path) ? req.path : "other", res.status}]++;
  });
  http.set_error_handler([](const httplib::Request &req,
                            httplib::Response &res) {
    if (!res.body.empty())
      return; // a handler's own error reply
    std::string message =
        res.status == 404   ? "no such endpoint: " + req.method + " " + req.path
        : res.status == 413 ? "the request body is too large"
                            : "the request cannot be served";
    reply(res, res.status,
          errorBody({res.status, "invalid_request_error", message, "", ""}));
  });
  http.set_exception_handler([](const httplib::Request &,
                                httplib::Response &res, std::exception_ptr ep) {
    std::string what = "internal error";
    try {
      std::rethrow_exception(ep);
    } catch (const std::exception &e) {
      what = e.what();
    } catch (...) {
    }
    reply(res, 500, errorBody({500, "server_error", what, "", ""}));
  });

  http.Get("/health", [](const httplib::Request &, httplib::Response &res) {
    reply(res, 200, {{"status", "ok"}});
  });
  http.Get("/v1/models", [&s](const httplib::Request &,
                              httplib::Response &res) {
    reply(res, 200,
          {{"object", "list"},
           {"data", json::array({{{"id", s.limits.modelName},
                                  {"object", "model"},
                                  {"created", 0},
                                  {"owned_by", "retnet"},
                                  {"max_model_len", s.limits.context}}})}});
  });
  http.Get("/metrics", [&s](const httplib::Request &, httplib::Response &res) {
    res.set_content(metricsText(s), "text/plain; version=0.0.4");
  });
  http.Post("/v1/completions",
            [&s](const httplib::Request &req, httplib::Response &res) {
              handleGeneration(s, Endpoint::Completions, req, res);
            });
  http.Post("/v1/chat/completions",
            [&s](const httplib::Request &req, httplib::Response &res) {
              handleGeneration(s, Endpoint::Chat, req, res);
            });
  http.Post("/tokenize", [&s](const httplib::Request &req,
                              httplib::Response &res) {
    try {
      json body = json::parse(req.body, nullptr, false);
      if (body.is_discarded() || !body.is_object())
        throw ApiError{400, "invalid_request_error",
                       "the request body must be a JSON object", "", ""};
      const json *p = body.contains("prompt") ? &body["prompt"] : nullptr;
      if (!p || !p->is_string())
        throw ApiError{400, "invalid_request_error",
                       "'prompt' must be a string", "prompt", ""};
      bool special = body.value("add_special_tokens", true);
      std::vector<int64_t> ids = s.tokenize(p->get<std::string>(), special);
      reply(res, 200,
            {{"tokens", ids},
             {"count", ids.size()},
             {"max_model_len", s.limits.context}});
    } catch (const ApiError &e) {
      replyError(res, e);
    } catch (const json::exception &e) {
      replyError(res, {400, "invalid_request_error", e.what(), "", ""});
    }
  });
  http.Post("/detokenize", [&s](const httplib::Request &req,
                                httplib::Response &res) {
    json body = json::parse(req.body, nullptr, false);
    const json *t = body.is_object() && body.contains("tokens")
                        ? &body["tokens"]
                        : nullptr;
    if (!t || !t->is_array()) {
      replyError(res, {400, "invalid_request_error",
                       "'tokens' must be an array of token ids", "tokens",
                       ""});
      return;
    }
    std::vector<int64_t> ids;
    for (const json &v : *t) {
      if (!v.is_number_integer() || v.get<int64_t>() < 0 ||
          v.get<int64_t>() >= s.limits.vocab) {
        replyError(res, {400, "invalid_request_error",
                         "token id " + v.dump() + " is not in [0, " +
                             std::to_string(s.limits.vocab) + ")",
                         "tokens", ""});
        return;
      }
      ids.push_back(v.get<int64_t>());
    }
    if (!s.hasTokenizer) {
      replyError(res, {400, "invalid_request_error",
                       "this model has no tokenizer", "", ""});
      return;
    }
    try {
      std::lock_guard<std::mutex> lock(textMutex());
      reply(res, 200, {{"prompt", retnet::detokenize(s.model, ids)}});
    } catch (const retnet::Error &e) {
      replyError(res, {400, "invalid_request_error", e.what(), "tokens", ""});
    }
  });
}

/// A special token's text in tokenizer_config.json: a string, or an
/// AddedToken object {"content": ...}.
std::string specialToken(const json &config, const char *name) {
  auto it = config.find(name);
  if (it == config.end())
    return "";
  if (it->is_string())
    return it->get<std::string>();
  if (it->is_object() && it->contains("content") &&
      (*it)["content"].is_string())
    return (*it)["content"].get<std::string>();
  return "";
}

/// The chat prompt's form: --chat-template FILE or 'default', else the
/// model's chat_template (a string, or transformers' list of named
/// templates: the one named "default"), else the default template.
void loadChatFormat(Server &s, const Options &o) {
  std::filesystem::path dir(o.model);
  json config;
  if (std::ifstream in{dir / "tokenizer_config.json"}) {
    config = json::parse(in, nullptr, false);
    if (!config.is_object())
      config = json::object(); // its own errors come with the tokenizer
  }
  std::string source, origin;
  if (o.chatTemplate == "default")
    return;
  if (!o.chatTemplate.empty()) {
    std::ifstream in(o.chatTemplate, std::ios::binary);
    if (!in)
      fail("--chat-template: cannot read " +
           retnet::quotePath(o.chatTemplate));
    source.assign(std::istreambuf_iterator<char>(in), {});
    origin = retnet::printablePath(o.chatTemplate);
  } else if (config.contains("chat_template")) {
    const json &t = config["chat_template"];
    if (t.is_string())
      source = t.get<std::string>();
    else if (t.is_array())
      for (const json &named : t)
        if (named.is_object() && named.value("name", "") == "default" &&
            named.contains("template") && named["template"].is_string())
          source = named["template"].get<std::string>();
    if (source.empty())
      fail(retnet::printablePath((dir / "tokenizer_config.json").string()) +
           ": 'chat_template' is neither a string nor a list with a "
           "template named 'default'");
    origin = retnet::printablePath((dir / "tokenizer_config.json").string());
  } else {
    return;
  }
  try {
    s.chatTemplate = std::make_unique<ChatTemplate>(source);
  } catch (const retnet::Error &e) {
    fail(origin + ": " + e.what() +
         " (--chat-template default serves plain 'Role: text' turns)");
  }
  s.chat.jinja = s.chatTemplate.get();
  s.chat.bos = specialToken(config, "bos_token");
  s.chat.eos = specialToken(config, "eos_token");
}

} // namespace

int main(int argc, char **argv) {
  Options o = parseOptions(argc, argv);
  // SIGINT/SIGTERM are taken by one thread (below), blocked in the others.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  Server s;
  s.opts = o;
  retnet_target target = o.target == "cpu"    ? RETNET_TARGET_CPU
                         : o.target == "cuda" ? RETNET_TARGET_CUDA
                                              : RETNET_TARGET_AUTO;
  s.model = retnet_model_open_on(o.model.c_str(),
                                 o.artifact.empty() ? nullptr
                                                    : o.artifact.c_str(),
                                 target);
  if (!s.model)
    fail(retnet_last_error());
  s.hasTokenizer = retnet_model_has_tokenizer(s.model) == 1;
  if (s.hasTokenizer) {
    int64_t n = 0;
    if (retnet_tokenize(s.model, "", 0, 1, nullptr, 0, &n))
      fail(retnet_last_error()); // a tokenizer that does not load
  }
  loadChatFormat(s, o);
  s.limits.modelName = o.name;
  s.limits.vocab = retnet_model_vocab_size(s.model);
  s.limits.context = o.context;
  s.limits.maxChoices = o.slots;
  try {
    s.scheduler = std::make_unique<Scheduler>(
        s.model, SchedulerOptions{o.slots, o.queue, o.prefillChunk});
  } catch (const retnet::Error &e) {
    fail(e.what());
  }

  httplib::Server http;
  // Every waiting or streaming request holds an HTTP thread.
  size_t threads = size_t(std::min<int64_t>(o.slots + o.queue + 16, 4096));
  http.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  http.set_payload_max_length(16 << 20);
  http.set_keep_alive_timeout(2);
  routes(http, s);
  // cpp-httplib listens with a backlog of 5 (compiled into Debian's
  // library): a burst of clients would overflow it and wait a second for a
  // SYN retransmit. The listening socket is taken here and listen() called
  // again with the system's maximum, which Linux applies to a listening
  // socket.
  int listenFd = -1;
  http.set_socket_options([&listenFd](int sock) {
    httplib::default_socket_options(sock);
    listenFd = sock;
  });
  int port = o.port;
  if (port == 0)
    port = http.bind_to_any_port(o.host);
  else if (!http.bind_to_port(o.host, port))
    port = -1;
  if (port >= 0 && listenFd >= 0)
    ::listen(listenFd, SOMAXCONN);
  if (port < 0)
    fail("cannot listen on " + retnet::quote(o.host) + " port " +
         std::to_string(o.port) +
         " (address in use, or not an address of this machine)");

  std::atomic<bool> signalled{false};
  std::thread signalThread([&http, &s, &signalled, signals] {
    int sig = 0;
    sigwait(&signals, &sig);
    signalled = true;
    // Running requests end first (with an error), so no HTTP thread is
    // left waiting when the server stops.
    s.scheduler->stop();
    http.stop();
  });
  std::fprintf(stderr,
               "retnet-serve: serving '%s' (target %s, %lld slots, queue "
               "%lld, %s, chat: %s) on http://%s:%d\n",
               retnet::printable(o.name, 200).c_str(),
               retnet_model_target(s.model) == RETNET_TARGET_CUDA ? "cuda"
                                                                  : "cpu",
               (long long)o.slots, (long long)o.queue,
               s.hasTokenizer ? "tokenizer" : "no tokenizer: token-id prompts",
               !s.chat.jinja              ? "default template"
               : o.chatTemplate.empty() ? "the model's chat_template"
                                        : "--chat-template",
               retnet::printable(o.host, 200).c_str(), port);
  std::fflush(stderr);
  bool ok = http.listen_after_bind();
  s.scheduler->stop();
  if (!signalled)
    pthread_kill(signalThread.native_handle(), SIGTERM);
  signalThread.join();
  s.scheduler.reset();
  retnet_model_close(s.model);
  std::fprintf(stderr, "retnet-serve: stopped\n");
  return ok ? 0 : 1;
}
