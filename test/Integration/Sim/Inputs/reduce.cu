// A block-wide sum in shared memory and a SAXPY, written as ordinary CUDA C.
// Compiled with `nvcc -ptx`; -DMISSING_SYNC drops one __syncthreads() (a
// race the simulator must report).
extern "C" __global__ void saxpy(int n, float a, const float *x, float *y) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n)
    y[i] = a * x[i] + y[i];
}

extern "C" __global__ void block_sum(const float *in, float *out, int n) {
  __shared__ float partial[256];
  int t = threadIdx.x;
  int i = blockIdx.x * blockDim.x + t;
  partial[t] = i < n ? in[i] : 0.0f;
  __syncthreads();
  for (int stride = blockDim.x / 2; stride > 0; stride /= 2) {
    if (t < stride)
      partial[t] += partial[t + stride];
#ifndef MISSING_SYNC
    __syncthreads();
#endif
  }
  if (t == 0)
    out[blockIdx.x] = partial[0];
}
