//===- retnet-run.cpp - run a RetNet model: logits or generation ----------===//
//
//   retnet-run --model DIR --prompt "text" | --prompt-file F | --tokens 5,17,3
//              [--logits-out FILE]
//              [--max-new-tokens N] [--temperature F] [--top-k K]
//              [--top-p P] [--seed S] [--form auto|parallel|chunkwise|
//              recurrent] [--target auto|cpu|cuda] [--artifact FILE]
//
// The prompt is prefilled with the chosen form; generation then decodes one
// token at a time with the recurrent form on the carried state, streaming
// token ids to stdout, or text (the prompt, then the continuation, each
// character printed once its bytes are complete) when the prompt was text.
// The last line (stderr) gives prefill and decode tokens/s and the state
// size. Built on the C API (retnet/retnet.h).
//
//===----------------------------------------------------------------------===//

#include "../common/TextStream.h"
#include "retnet/Error.h"
#include "retnet/Safetensors.h"
#include "retnet/Sampling.h"
#include "retnet/Tokenizer.h"
#include "retnet/retnet.h"

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

namespace {

const char *kUsage =
    "usage: retnet-run --model DIR (--prompt TEXT | --prompt-file FILE |\n"
    "                  --tokens IDS) [options]\n"
    "\n"
    "Runs the RetNet model in DIR (config.json + model.safetensors), compiled\n"
    "on first use with retnet-compile and cached (RETNET_CACHE_DIR, else\n"
    "$XDG_CACHE_HOME/retnet, else ~/.cache/retnet), for every core of this\n"
    "machine (RETNET_THREADS=0: one thread).\n"
    "\n"
    "  --model DIR            model directory (required)\n"
    "  --prompt TEXT          prompt text, tokenized with the model's tokenizer\n"
    "                         (tokenizer.json or tokenizer.model; bos as its\n"
    "                         tokenizer_config.json says); the continuation is\n"
    "                         streamed as text and stops at eos\n"
    "  --prompt-file FILE     the prompt text from FILE ('-': standard input)\n"
    "  --tokens 5,17,3        prompt token ids; token ids are streamed\n"
    "  --logits-out FILE      write the prompt's logits as a safetensors file\n"
    "                         with one f32 tensor 'logits' [T, vocab]\n"
    "  --max-new-tokens N     generate N tokens, streamed to stdout (default "
    "0)\n"
    "  --temperature F        0 = greedy (default 0)\n"
    "  --top-k K              sample among the K most likely (0 = all)\n"
    "  --top-p P              nucleus sampling mass in (0, 1] (default 1)\n"
    "  --seed S               sampling seed (default 0)\n"
    "  --form F               prompt processing: auto (default), parallel,\n"
    "                         chunkwise or recurrent; decoding is recurrent\n"
    "  --target T             auto (default: the artifact's target, else\n"
    "                         cuda when a GPU is usable), cpu or cuda\n"
    "  --artifact FILE        use this retnet-compile output, no cache\n"
    "  -q, --quiet            no speed line\n"
    "  -h, --help             this text\n";

/// Prints the error line (escaped once more as a whole: it holds no raw
/// bytes of the input, however the message was built) and exits.
[[noreturn]] void fail(const std::string &msg) {
  std::fprintf(stderr, "retnet-run: error: %s\n",
               retnet::printable(msg, retnet::kMaxErrorLine).c_str());
  std::exit(1);
}

struct Options {
  std::string model, logitsOut, artifact, form = "auto", target = "auto";
  std::vector<int64_t> tokens;
  std::string prompt;
  bool haveTokens = false, haveText = false, quiet = false;
  int64_t maxNew = 0;
  retnet::SamplingOptions sampling;
};

int64_t parseInt(const std::string &flag, const std::string &v, int64_t lo,
                 int64_t hi) {
  char *end = nullptr;
  errno = 0;
  long long n = std::strtoll(v.c_str(), &end, 10);
  if (v.empty() || *end || errno || n < lo || n > hi)
    fail(flag + " expects an integer in [" + std::to_string(lo) + ", " +
         std::to_string(hi) + "], got " + retnet::quote(v));
  return n;
}

double parseFloat(const std::string &flag, const std::string &v) {
  char *end = nullptr;
  double x = std::strtod(v.c_str(), &end);
  if (v.empty() || *end || x != x)
    fail(flag + " expects a number, got " + retnet::quote(v));
  return x;
}

std::vector<int64_t> parseTokens(const std::string &v) {
  std::vector<int64_t> out;
  size_t i = 0;
  while (true) {
    size_t comma = v.find(',', i);
    std::string item =
        v.substr(i, comma == std::string::npos ? comma : comma - i);
    char *end = nullptr;
    errno = 0;
    long long n = std::strtoll(item.c_str(), &end, 10);
    if (item.empty() || *end || errno)
      fail("--tokens: " + retnet::quote(item) + " (item " +
           std::to_string(out.size()) + ") is not an integer token id");
    if (n < 0)
      fail("--tokens: token id " + retnet::printable(item, 80) +
           " is negative");
    out.push_back(n);
    if (comma == std::string::npos)
      break;
    i = comma + 1;
  }
  return out;
}

Options parseArgs(int argc, char **argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc)
        fail("missing value after " + a);
      return argv[++i];
    };
    if (a == "-h" || a == "--help") {
      std::fputs(kUsage, stdout);
      std::exit(0);
    } else if (a == "--model") {
      o.model = value();
    } else if (a == "--tokens") {
      o.tokens = parseTokens(value());
      o.haveTokens = true;
    } else if (a == "--prompt") {
      o.prompt = value();
      o.haveText = true;
    } else if (a == "--prompt-file") {
      std::string path = value();
      std::FILE *f = path == "-" ? stdin : std::fopen(path.c_str(), "rb");
      if (!f)
        fail("--prompt-file: cannot open " + retnet::quotePath(path) + ": " +
             std::strerror(errno));
      char buf[1 << 16];
      size_t n;
      while ((n = std::fread(buf, 1, sizeof buf, f)) > 0)
        o.prompt.append(buf, n);
      bool bad = std::ferror(f);
      if (f != stdin)
        std::fclose(f);
      if (bad)
        fail("--prompt-file: cannot read " + retnet::quotePath(path));
      o.haveText = true;
    } else if (a == "--logits-out") {
      o.logitsOut = value();
    } else if (a == "--max-new-tokens") {
      o.maxNew = parseInt(a, value(), 0, 1 << 24);
    } else if (a == "--temperature") {
      o.sampling.temperature = parseFloat(a, value());
    } else if (a == "--top-k") {
      o.sampling.topK = parseInt(a, value(), 0, int64_t(1) << 40);
    } else if (a == "--top-p") {
      o.sampling.topP = parseFloat(a, value());
    } else if (a == "--seed") {
      o.sampling.seed = uint64_t(parseInt(a, value(), 0, INT64_MAX));
    } else if (a == "--form") {
      o.form = value();
    } else if (a == "--target") {
      o.target = value();
    } else if (a == "--artifact") {
      o.artifact = value();
    } else if (a == "-q" || a == "--quiet") {
      o.quiet = true;
    } else {
      fail("unknown option " + retnet::quote(a) + " (see --help)");
    }
  }
  if (o.model.empty())
    fail("no model given (--model DIR)");
  if (!o.haveTokens && !o.haveText)
    fail("no prompt given (--prompt TEXT, --prompt-file FILE or --tokens "
         "5,17,3)");
  if (o.haveTokens && o.haveText)
    fail("give one prompt: --prompt, --prompt-file or --tokens");
  if (o.form != "auto" && o.form != "parallel" && o.form != "chunkwise" &&
      o.form != "recurrent")
    fail("unknown --form " + retnet::quote(o.form) +
         " (expected auto, parallel, chunkwise or recurrent)");
  if (o.target != "auto" && o.target != "cpu" && o.target != "cuda")
    fail("unknown --target " + retnet::quote(o.target) +
         " (expected auto, cpu or cuda)");
  return o;
}

void writeText(const std::string &s) {
  std::fwrite(s.data(), 1, s.size(), stdout);
  std::fflush(stdout);
}

double seconds(std::chrono::steady_clock::time_point a,
               std::chrono::steady_clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

} // namespace

int main(int argc, char **argv) {
  Options o = parseArgs(argc, argv);
  std::unique_ptr<retnet::Sampler> sampler;
  try {
    sampler = std::make_unique<retnet::Sampler>(o.sampling);
  } catch (const retnet::Error &e) {
    fail(e.what());
  }
  retnet_form form = o.form == "parallel"    ? RETNET_FORM_PARALLEL
                     : o.form == "chunkwise" ? RETNET_FORM_CHUNKWISE
                     : o.form == "recurrent" ? RETNET_FORM_RECURRENT
                                             : RETNET_FORM_AUTO;

  retnet_target target = o.target == "cpu"    ? RETNET_TARGET_CPU
                         : o.target == "cuda" ? RETNET_TARGET_CUDA
                                              : RETNET_TARGET_AUTO;
  retnet_model *model = retnet_model_open_on(
      o.model.c_str(), o.artifact.empty() ? nullptr : o.artifact.c_str(),
      target);
  if (!model)
    fail(retnet_last_error());
  retnet_session *session = retnet_session_create(model, 1);
  if (!session)
    fail(retnet_last_error());
  const int64_t V = retnet_model_vocab_size(model);
  if (o.haveText) {
    if (retnet_model_has_tokenizer(model) != 1)
      fail(retnet::printablePath(o.model) +
           ": no tokenizer (tokenizer.json or tokenizer.model) for "
           "--prompt; give token ids with --tokens");
    int64_t n = 0;
    o.tokens.resize(o.prompt.size() + 2);
    if (retnet_tokenize(model, o.prompt.data(), int64_t(o.prompt.size()), 1,
                        o.tokens.data(), int64_t(o.tokens.size()), &n))
      fail(retnet_last_error());
    o.tokens.resize(size_t(n));
    if (o.tokens.empty())
      fail("the prompt is empty (no tokens; the tokenizer adds no bos)");
  }
  const int64_t T = int64_t(o.tokens.size());

  std::vector<float> logits(size_t(T * V));
  // What auto ran, for the stats line ("auto: recurrent").
  std::string formUsed = o.form;
  if (form == RETNET_FORM_AUTO) {
    retnet_form chosen = retnet_model_auto_form(model, T);
    formUsed += std::string(": ") +
                (chosen == RETNET_FORM_PARALLEL    ? "parallel"
                 : chosen == RETNET_FORM_CHUNKWISE ? "chunkwise"
                                                   : "recurrent");
  }
  auto t0 = std::chrono::steady_clock::now();
  if (retnet_prefill(session, 0, o.tokens.data(), T, form, logits.data(), 0))
    fail(retnet_last_error());
  auto t1 = std::chrono::steady_clock::now();

  if (!o.logitsOut.empty()) {
    try {
      retnet::writeSafetensors(o.logitsOut,
                               {{"logits", {T, V}, logits.data()}});
    } catch (const retnet::Error &e) {
      fail(e.what());
    }
  }

  std::vector<float> last(logits.end() - V, logits.end());
  double decodeSeconds = 0;
  int64_t generated = 0;
  std::unique_ptr<retnet::TextStream> text;
  const int64_t eos = o.haveText ? retnet_model_eos(model) : -1;
  try {
    if (o.haveText && o.maxNew > 0) {
      text = std::make_unique<retnet::TextStream>(model, o.tokens);
      writeText(retnet::toValidUtf8(o.prompt));
    }
    for (int64_t i = 0; i < o.maxNew; ++i) {
      int64_t next = sampler->sample(last.data(), V);
      ++generated;
      if (text) {
        if (next == eos)
          break;
        writeText(text->push(next));
      } else {
        std::printf("%s%lld", i ? " " : "", (long long)next);
        std::fflush(stdout);
      }
      if (i + 1 == o.maxNew)
        break;
      int64_t seq = 0;
      auto s0 = std::chrono::steady_clock::now();
      if (retnet_decode(session, &seq, &next, 1, last.data()))
        fail(retnet_last_error());
      decodeSeconds += seconds(s0, std::chrono::steady_clock::now());
    }
    if (text)
      writeText(text->finish());
  } catch (const retnet::Error &e) {
    fail(e.what());
  }
  if (o.maxNew > 0)
    std::printf("\n");
  std::fflush(stdout);

  if (!o.quiet) {
    double pf = seconds(t0, t1);
    std::fprintf(
        stderr,
        "prefill: %lld tokens in %.2f ms (%.1f tokens/s, form %s) | "
        "decode: %lld tokens in %.2f ms (%.1f tokens/s) | state: "
        "%lld bytes | target: %s\n",
        (long long)T, pf * 1e3, T / pf, formUsed.c_str(),
        (long long)std::max<int64_t>(generated - 1, 0), decodeSeconds * 1e3,
        generated > 1 ? (generated - 1) / decodeSeconds : 0.0,
        (long long)retnet_model_state_bytes(model),
        retnet_model_target(model) == RETNET_TARGET_CUDA ? "cuda" : "cpu");
  }
  retnet_session_free(session);
  retnet_model_close(model);
  return 0;
}
