//===- GoldenModels.h - the golden model directories of the tests -*- C++ -*-=//
//
// Every directory under test/golden/models (made by make_golden.py), for the
// tests that run them all (a new one is picked up without code changes), and
// the readers of their golden.safetensors.
//
//===----------------------------------------------------------------------===//

#ifndef RETNET_TEST_GOLDENMODELS_H
#define RETNET_TEST_GOLDENMODELS_H

#include "retnet/Safetensors.h"

#include <cstring>
#include <dirent.h>
#include <string>
#include <vector>

namespace retnet::test {

inline std::vector<std::string> goldenModelDirs(const std::string &root) {
  std::vector<std::string> dirs;
  if (DIR *d = opendir(root.c_str())) {
    while (dirent *e = readdir(d))
      if (e->d_name[0] != '.')
        dirs.push_back(root + "/" + e->d_name);
    closedir(d);
  }
  return dirs;
}

/// An F32 tensor of a golden file (logits) as doubles.
inline std::vector<double> goldenFloats(const SafetensorsFile &f,
                                        const std::string &name) {
  const TensorInfo &t = f.info(name);
  std::vector<double> out(t.elements());
  for (size_t i = 0; i < out.size(); ++i) {
    float x;
    std::memcpy(&x, f.data(name) + 4 * i, 4);
    out[i] = x;
  }
  return out;
}

/// The I64 tensor 'tokens' of a golden file.
inline std::vector<int64_t> goldenTokens(const SafetensorsFile &f) {
  std::vector<int64_t> tokens(f.info("tokens").elements());
  std::memcpy(tokens.data(), f.data("tokens"), tokens.size() * 8);
  return tokens;
}

} // namespace retnet::test

#endif // RETNET_TEST_GOLDENMODELS_H
