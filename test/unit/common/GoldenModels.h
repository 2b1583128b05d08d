//===- GoldenModels.h - the golden model directories of the tests -*- C++ -*-=//
//
// Every directory under test/golden/models (made by make_golden.py), for the
// tests that run them all; a new one is picked up without code changes.
//
//===----------------------------------------------------------------------===//

#ifndef RETNET_TEST_GOLDENMODELS_H
#define RETNET_TEST_GOLDENMODELS_H

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

} // namespace retnet::test

#endif // RETNET_TEST_GOLDENMODELS_H
