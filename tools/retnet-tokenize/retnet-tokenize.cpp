//===- retnet-tokenize.cpp - text ↔ token ids with a model's tokenizer ----===//
//
//   retnet-tokenize MODEL_DIR            lines of text in, ids out
//   retnet-tokenize MODEL_DIR --decode   lines of ids in, text out
//
// One output line per input line: the ids comma-separated (no bos/eos
// added), or the text of the ids. The tokenizer is the directory's
// tokenizer.json, else tokenizer.model (docs/tokenizers.md).
//
//===----------------------------------------------------------------------===//

#include "retnet/Error.h"
#include "retnet/Tokenizer.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

namespace {

const char *kUsage =
    "usage: retnet-tokenize MODEL_DIR [--decode] [--info]\n"
    "\n"
    "Tokenizes each line of standard input with the tokenizer of MODEL_DIR\n"
    "(tokenizer.json, else tokenizer.model; tokenizer_config.json for\n"
    "bos/eos) and prints its token ids, comma-separated, one line each; no\n"
    "bos/eos are added. Bytes that are not UTF-8 are read as U+FFFD.\n"
    "\n"
    "  --decode     read lines of comma-separated ids, print their text\n"
    "  --info       print the tokenizer's kind, vocabulary size, bos and eos\n"
    "  -h, --help   this text\n";

/// Prints the error line (escaped once more as a whole: it holds no raw
/// bytes of the input, however the message was built) and exits.
[[noreturn]] void fail(const std::string &msg) {
  std::fprintf(stderr, "retnet-tokenize: error: %s\n",
               retnet::printable(msg, retnet::kMaxErrorLine).c_str());
  std::exit(1);
}

std::vector<int64_t> parseIds(const std::string &line, size_t lineNo) {
  std::vector<int64_t> ids;
  if (line.empty())
    return ids;
  size_t i = 0;
  while (true) {
    size_t comma = line.find(',', i);
    std::string item =
        line.substr(i, comma == std::string::npos ? comma : comma - i);
    char *end = nullptr;
    errno = 0;
    long long n = std::strtoll(item.c_str(), &end, 10);
    if (item.empty() || *end || errno || n < 0)
      fail("line " + std::to_string(lineNo) + ": item " +
           std::to_string(ids.size()) + " is not a token id");
    ids.push_back(n);
    if (comma == std::string::npos)
      return ids;
    i = comma + 1;
  }
}

} // namespace

int main(int argc, char **argv) {
  std::string dir;
  bool decode = false, info = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "-h" || a == "--help") {
      std::fputs(kUsage, stdout);
      return 0;
    } else if (a == "--decode") {
      decode = true;
    } else if (a == "--info") {
      info = true;
    } else if (!a.empty() && a[0] == '-') {
      fail("unknown option " + retnet::quote(a) + " (see --help)");
    } else if (dir.empty()) {
      dir = a;
    } else {
      fail("one model directory expected (see --help)");
    }
  }
  if (dir.empty())
    fail("no model directory (see --help)");
  try {
    std::unique_ptr<retnet::Tokenizer> tok = retnet::Tokenizer::load(dir);
    if (info) {
      std::printf("%s, vocabulary %lld, bos %lld, eos %lld, add_bos %s\n",
                  tok->kind().c_str(), (long long)tok->vocabSize(),
                  (long long)tok->bos, (long long)tok->eos,
                  tok->addBos ? "true" : "false");
      return 0;
    }
    std::ios::sync_with_stdio(false);
    std::string line, out;
    size_t lineNo = 0;
    while (std::getline(std::cin, line)) {
      ++lineNo;
      out.clear();
      if (decode) {
        out = tok->decode(parseIds(line, lineNo));
      } else {
        for (int64_t id : tok->encode(line)) {
          if (!out.empty())
            out += ',';
          out += std::to_string(id);
        }
      }
      out += '\n';
      std::fwrite(out.data(), 1, out.size(), stdout);
    }
  } catch (const retnet::Error &e) {
    fail(e.what());
  }
  return 0;
}
