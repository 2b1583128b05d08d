//===- retnet-golden.cpp - read golden files, compare logits files --------===//
//
//   retnet-golden tokens GOLDEN.safetensors [NAME]
//       prints the I64 tensor 'tokens' (or NAME) as 5,17,3 (for retnet-run
//       --tokens)
//   retnet-golden compare A.safetensors NAME_A B.safetensors NAME_B
//                 --tol X [--label L]
//       relative L2 distance of two F32 tensors of one shape; exit 1 above X
//   retnet-golden reference MODEL_DIR GOLDEN.safetensors --round f32|bf16|f16|int8
//                 -o OUT.safetensors
//       the float64 reference's logits (F32 tensor 'logits' [T, vocab]) for
//       the golden's tokens, with the model's weights rounded to --round
//       first: what a retnet-compile --dtype artifact is checked against
//
// For run.sh and the lit tests of retnet-run: checks of its output files
// that need no Python.
//
//===----------------------------------------------------------------------===//

#include "retnet/Error.h"
#include "retnet/ModelConfig.h"
#include "retnet/ModelReference.h"
#include "retnet/Safetensors.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

using namespace retnet;

namespace {

[[noreturn]] void usage() {
  std::fprintf(stderr, "usage: retnet-golden tokens GOLDEN.safetensors [NAME]\n"
                       "       retnet-golden compare A NAME_A B NAME_B --tol X "
                       "[--label L]\n"
                       "       retnet-golden reference MODEL_DIR GOLDEN "
                       "--round f32|bf16|f16|int8 -o OUT\n");
  std::exit(2);
}

std::vector<double> f32Tensor(const SafetensorsFile &f, const std::string &n,
                              std::vector<int64_t> &shape) {
  const TensorInfo &t = f.info(n);
  if (t.dtype != DType::F32)
    throw Error(printablePath(f.path()) + ": tensor " + quote(n) + " is " +
                dtypeName(t.dtype) + ", expected F32");
  shape = t.shape;
  std::vector<double> out(t.elements());
  const uint8_t *p = f.data(n);
  for (size_t i = 0; i < out.size(); ++i) {
    float x;
    std::memcpy(&x, p + 4 * i, 4);
    out[i] = x;
  }
  return out;
}

/// An I64 tensor of a golden file ('tokens' unless named).
std::vector<int64_t> goldenTokens(const std::string &path,
                                  const std::string &name = "tokens") {
  SafetensorsFile f = SafetensorsFile::open(path);
  const TensorInfo &t = f.info(name);
  if (t.dtype != DType::I64)
    throw Error(printablePath(f.path()) + ": " + quote(name) + " is not I64");
  std::vector<int64_t> tokens(t.elements());
  std::memcpy(tokens.data(), f.data(name), 8 * tokens.size());
  return tokens;
}

int run(int argc, char **argv) {
  if (argc < 3)
    usage();
  std::string cmd = argv[1];
  if (cmd == "tokens" && (argc == 3 || argc == 4)) {
    std::vector<int64_t> tokens =
        goldenTokens(argv[2], argc == 4 ? argv[3] : "tokens");
    for (size_t i = 0; i < tokens.size(); ++i)
      std::printf("%s%lld", i ? "," : "", (long long)tokens[i]);
    std::printf("\n");
    return 0;
  }
  if (cmd == "reference" && argc == 8) {
    std::string round, out;
    for (int i = 4; i + 1 < argc; i += 2) {
      std::string a = argv[i];
      if (a == "--round")
        round = argv[i + 1];
      else if (a == "-o")
        out = argv[i + 1];
      else
        usage();
    }
    WeightDType type = round == "bf16"  ? WeightDType::BF16
                       : round == "f16" ? WeightDType::F16
                       : round == "f32" ? WeightDType::F32
                       : round == "int8" ? WeightDType::Int8
                                        : (usage(), WeightDType::F32);
    if (out.empty())
      usage();
    std::string dir = argv[2];
    ModelConfig config = ModelConfig::load(dir + "/config.json");
    SafetensorsFile weights = SafetensorsFile::open(dir + "/model.safetensors");
    std::vector<int64_t> tokens = goldenTokens(argv[3]);
    std::vector<double> logits =
        referenceLogits(config, weights, tokens, type);
    std::vector<float> f(logits.begin(), logits.end());
    writeSafetensors(out, {{"logits",
                            {int64_t(tokens.size()), config.vocabSize},
                            f.data()}});
    return 0;
  }
  if (cmd == "compare" && argc >= 8) {
    double tol = -1;
    std::string label = "logits";
    for (int i = 6; i < argc; ++i) {
      std::string a = argv[i];
      if (a == "--tol" && i + 1 < argc)
        tol = std::atof(argv[++i]);
      else if (a == "--label" && i + 1 < argc)
        label = argv[++i];
      else
        usage();
    }
    if (!(tol > 0))
      usage();
    SafetensorsFile a = SafetensorsFile::open(argv[2]);
    SafetensorsFile b = SafetensorsFile::open(argv[4]);
    std::vector<int64_t> sa, sb;
    std::vector<double> x = f32Tensor(a, argv[3], sa),
                        y = f32Tensor(b, argv[5], sb);
    if (sa != sb)
      throw Error("shapes differ between " + a.path() + " and " + b.path());
    double num = 0, den = 0;
    for (size_t i = 0; i < x.size(); ++i) {
      num += (x[i] - y[i]) * (x[i] - y[i]);
      den += y[i] * y[i];
    }
    double rel = std::sqrt(num / den);
    bool ok = rel <= tol; // NaN fails
    std::printf("%-10s relative L2 vs %s: %.2e (tolerance %.2g) %s\n",
                label.c_str(), argv[5], rel, tol, ok ? "OK" : "FAIL");
    return ok ? 0 : 1;
  }
  usage();
}

} // namespace

int main(int argc, char **argv) {
  try {
    return run(argc, argv);
  } catch (const Error &e) {
    std::fprintf(stderr, "retnet-golden: error: %s\n",
                 printable(e.what(), kMaxErrorLine).c_str());
    return 1;
  }
}
