// An ordinary CUDA driver-API program: loads a PTX file, runs SAXPY and a
// block-wide sum on random data and checks both against a double-precision
// host reference. Prints "saxpy OK" and "block_sum OK" or what differs.
// `--grid-y N` launches SAXPY on a grid of (blocks, N, 1) instead (the
// driver refuses N > 65535).
#include <cuda.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#define CHECK(call)                                                            \
  do {                                                                         \
    CUresult r_ = (call);                                                      \
    if (r_ != CUDA_SUCCESS) {                                                  \
      const char *name = nullptr;                                              \
      cuGetErrorName(r_, &name);                                               \
      std::fprintf(stderr, "%s failed: %s\n", #call, name ? name : "?");       \
      return 1;                                                                \
    }                                                                          \
  } while (0)

int main(int argc, char **argv) {
  unsigned gridY = 1;
  if (argc == 4 && std::string(argv[2]) == "--grid-y")
    gridY = unsigned(std::strtoul(argv[3], nullptr, 10));
  else if (argc != 2) {
    std::fprintf(stderr, "usage: %s KERNELS.ptx [--grid-y N]\n", argv[0]);
    return 2;
  }
  std::ifstream f(argv[1]);
  std::stringstream ptx;
  ptx << f.rdbuf();
  CHECK(cuInit(0));
  CUdevice dev;
  CHECK(cuDeviceGet(&dev, 0));
  char name[128];
  CHECK(cuDeviceGetName(name, sizeof name, dev));
  std::printf("device: %s\n", name);
  CUcontext ctx;
  CHECK(cuDevicePrimaryCtxRetain(&ctx, dev));
  CHECK(cuCtxSetCurrent(ctx));
  CUmodule mod;
  CHECK(cuModuleLoadData(&mod, ptx.str().c_str()));
  CUfunction saxpy, blockSum;
  CHECK(cuModuleGetFunction(&saxpy, mod, "saxpy"));
  CHECK(cuModuleGetFunction(&blockSum, mod, "block_sum"));

  const int n = 1000, threads = 256, blocks = (n + threads - 1) / threads;
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  std::vector<float> x(n), y(n), out(n), sums(blocks);
  for (int i = 0; i < n; ++i) {
    x[i] = u(rng);
    y[i] = u(rng);
  }
  CUdeviceptr dx, dy, ds;
  CHECK(cuMemAlloc(&dx, n * sizeof(float)));
  CHECK(cuMemAlloc(&dy, n * sizeof(float)));
  CHECK(cuMemAlloc(&ds, blocks * sizeof(float)));
  CHECK(cuMemcpyHtoD(dx, x.data(), n * sizeof(float)));
  CHECK(cuMemcpyHtoD(dy, y.data(), n * sizeof(float)));

  int nn = n;
  float a = 0.75f;
  void *args1[] = {&nn, &a, &dx, &dy};
  CHECK(cuLaunchKernel(saxpy, blocks, gridY, 1, threads, 1, 1, 0, nullptr,
                       args1, nullptr));
  CHECK(cuMemcpyDtoH(out.data(), dy, n * sizeof(float)));
  double err = 0;
  for (int i = 0; i < n; ++i)
    err = std::fmax(err, std::fabs(out[i] - (double(a) * x[i] + y[i])));
  std::printf("saxpy %s (max abs error %.3g)\n", err <= 1e-6 ? "OK" : "WRONG",
              err);

  void *args2[] = {&dx, &ds, &nn};
  CHECK(cuLaunchKernel(blockSum, blocks, 1, 1, threads, 1, 1, 0, nullptr, args2,
                       nullptr));
  CHECK(cuCtxSynchronize());
  CHECK(cuMemcpyDtoH(sums.data(), ds, blocks * sizeof(float)));
  double worst = 0;
  for (int b = 0; b < blocks; ++b) {
    double ref = 0;
    for (int i = b * threads; i < std::min(n, (b + 1) * threads); ++i)
      ref += x[i];
    worst = std::fmax(worst, std::fabs(sums[b] - ref));
  }
  std::printf("block_sum %s (max abs error %.3g)\n",
              worst <= 1e-4 ? "OK" : "WRONG", worst);
  CHECK(cuMemFree(dx));
  CHECK(cuMemFree(dy));
  CHECK(cuMemFree(ds));
  CHECK(cuModuleUnload(mod));
  return err <= 1e-6 && worst <= 1e-4 ? 0 : 1;
}
