//===- retnet-golden.cpp - read golden files, compare logits files --------===//
//
//   retnet-golden tokens GOLDEN.safetensors
//       prints the I64 tensor 'tokens' as 5,17,3 (for retnet-run --tokens)
//   retnet-golden compare A.safetensors NAME_A B.safetensors NAME_B
//                 --tol X [--label L]
//       relative L2 distance of two F32 tensors of one shape; exit 1 above X
//
// For run.sh and the lit tests of retnet-run: checks of its output files
// that need no Python.
//
//===----------------------------------------------------------------------===//

#include "retnet/Error.h"
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
  std::fprintf(stderr, "usage: retnet-golden tokens GOLDEN.safetensors\n"
                       "       retnet-golden compare A NAME_A B NAME_B --tol X "
                       "[--label L]\n");
  std::exit(2);
}

std::vector<double> f32Tensor(const SafetensorsFile &f, const std::string &n,
                              std::vector<int64_t> &shape) {
  const TensorInfo &t = f.info(n);
  if (t.dtype != DType::F32)
    throw Error(f.path() + ": tensor '" + n + "' is " + dtypeName(t.dtype) +
                ", expected F32");
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

int run(int argc, char **argv) {
  if (argc < 3)
    usage();
  std::string cmd = argv[1];
  if (cmd == "tokens" && argc == 3) {
    SafetensorsFile f = SafetensorsFile::open(argv[2]);
    const TensorInfo &t = f.info("tokens");
    if (t.dtype != DType::I64)
      throw Error(f.path() + ": 'tokens' is not I64");
    for (size_t i = 0; i < t.elements(); ++i) {
      int64_t v;
      std::memcpy(&v, f.data("tokens") + 8 * i, 8);
      std::printf("%s%lld", i ? "," : "", (long long)v);
    }
    std::printf("\n");
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
    std::printf("%-10s relative L2 vs %s: %.2e (tolerance %.0e) %s\n",
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
    std::fprintf(stderr, "retnet-golden: error: %s\n", e.what());
    return 1;
  }
}
