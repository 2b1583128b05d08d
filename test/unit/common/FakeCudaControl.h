//===- FakeCudaControl.h - drive test/unit/cuda/FakeCuda from a test
//-------===//
//
// The fake libcuda ($RETNET_LIBCUDA) exports test-control functions next to
// the driver API: its call log and failure injection. Shared by the CUDA
// runtime's tests and the C API's CUDA-target tests.
//
//===----------------------------------------------------------------------===//

#ifndef RETNET_TEST_UNIT_COMMON_FAKECUDACONTROL_H
#define RETNET_TEST_UNIT_COMMON_FAKECUDACONTROL_H

#include <cstdlib>
#include <dlfcn.h>
#include <string>
#include <vector>

namespace retnet::test {

struct FakeCuda {
  void *lib = dlopen(std::getenv("RETNET_LIBCUDA"), RTLD_NOW);

  /// Every driver call so far, with its arguments ("cuMemAlloc 128").
  std::vector<std::string> calls() const {
    auto count =
        reinterpret_cast<size_t (*)()>(dlsym(lib, "fake_cuda_call_count"));
    auto call =
        reinterpret_cast<const char *(*)(size_t)>(dlsym(lib, "fake_cuda_call"));
    std::vector<std::string> out;
    for (size_t i = 0; i < count(); ++i)
      out.push_back(call(i));
    return out;
  }
  /// How many calls start with `prefix`.
  size_t count(const std::string &prefix) const {
    size_t n = 0;
    for (const std::string &c : calls())
      n += c.rfind(prefix, 0) == 0;
    return n;
  }
  void reset() {
    reinterpret_cast<void (*)()>(dlsym(lib, "fake_cuda_reset"))();
  }
  /// The next call named `call` fails with CUresult `code`.
  void failNext(const char *call, int code) {
    reinterpret_cast<void (*)(const char *, int)>(
        dlsym(lib, "fake_cuda_fail_next"))(call, code);
  }
};

} // namespace retnet::test

#endif // RETNET_TEST_UNIT_COMMON_FAKECUDACONTROL_H
