//===- retnet-cuda-info.cpp - is CUDA usable here, and the runtime's ABI --===//
//
//   retnet-cuda-info            says whether a GPU is usable (exit 0) or why
//                               not (exit 1)
//   retnet-cuda-info --abi      prints "name arity" for each mgpu* function
//                               libretnet_cuda_runtime exports
//
//===----------------------------------------------------------------------===//

#include "retnet/CudaRuntime.h"

#include <cstdio>
#include <cstring>

int main(int argc, char **argv) {
  if (argc > 2 || (argc == 2 && std::strcmp(argv[1], "--abi") != 0)) {
    std::fprintf(stderr, "usage: retnet-cuda-info [--abi]\n");
    return 2;
  }
  if (argc == 2) {
    const char *names[64];
    int arity[64];
    size_t n = retnet_cuda_abi(names, arity, 64);
    for (size_t i = 0; i < n && i < 64; ++i)
      std::printf("%s %d\n", names[i], arity[i]);
    return 0;
  }
  const char *why = nullptr;
  if (retnet_cuda_available(&why)) {
    std::printf("CUDA: a GPU is usable\n");
    return 0;
  }
  std::printf("CUDA: not usable: %s\n", why);
  return 1;
}
