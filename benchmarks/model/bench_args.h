//===- bench_args.h - option values of the model benchmarks' tools --------===//
//
// retnet-bench-bandwidth and retnet-bench-gemv-layout read `--name value`
// options; a missing or malformed value is an error naming the option (exit
// 2), never a crash.
//
//===----------------------------------------------------------------------===//

#ifndef RETNET_BENCHMARKS_MODEL_BENCH_ARGS_H
#define RETNET_BENCHMARKS_MODEL_BENCH_ARGS_H

#include <cstdio>
#include <cstdlib>
#include <string>

namespace bench {

/// Prints "<tool>: <message>" to stderr and exits with status 2.
[[noreturn]] inline void fail(const char *tool, const std::string &message) {
  std::fprintf(stderr, "%s: %s\n", tool, message.c_str());
  std::exit(2);
}

/// The value after option argv[i] (i then points at it).
inline std::string optionText(const char *tool, int argc, char **argv,
                              int &i) {
  std::string option = argv[i];
  if (i + 1 >= argc)
    fail(tool, option + " needs a value");
  return argv[++i];
}

/// The value after option argv[i] as a positive integer.
inline long positiveOption(const char *tool, int argc, char **argv, int &i) {
  std::string option = argv[i], text = optionText(tool, argc, argv, i);
  char *end = nullptr;
  long v = std::strtol(text.c_str(), &end, 10);
  if (text.empty() || *end || v <= 0)
    fail(tool, option + " needs a positive integer");
  return v;
}

} // namespace bench

#endif // RETNET_BENCHMARKS_MODEL_BENCH_ARGS_H
