/*===- CudaRuntime.h - the thin CUDA runtime's own C API ----------*- C -*-===*
 *
 * libretnet_cuda_runtime provides the mgpu* functions that LLVM 22's
 * gpu-to-llvm emits (research/mlir-gpu-path.md §1.7) on top of the CUDA
 * driver API, which it opens at run time (libcuda.so.1, or $RETNET_LIBCUDA).
 * This header is the part of its interface that is ours: error handling and
 * the ABI table that tests compare with what the compiler declares.
 *
 *===----------------------------------------------------------------------===*/

#ifndef RETNET_CUDARUNTIME_H
#define RETNET_CUDARUNTIME_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Called with a one-line message (which driver call failed and the driver's
 * error name and string, or why no driver or device could be used). The
 * default handler prints it to stderr and exits with status 1: code generated
 * by MLIR has no way to see an error. A handler that returns makes the failed
 * mgpu* call return a null handle. */
typedef void (*retnet_cuda_error_handler)(const char *message);
void retnet_cuda_set_error_handler(retnet_cuda_error_handler handler);

/* 1 when the driver loads and at least one device is usable, else 0 (and
 * *why, if non-null, points to a static message). Never calls the handler. */
int retnet_cuda_available(const char **why);

/* Freed device buffers are cached for reuse by the next allocation of the
 * same size and kind (bounded by $RETNET_CUDA_CACHE_MB, default 4096). This
 * frees them all; returns how many buffers it freed. */
size_t retnet_cuda_trim(void);

/* Generated host code synchronizes its stream after every kernel launch, so
 * each launch waits for the previous kernel to finish on the host. With
 * deferred synchronization on, those synchronizations are skipped (all work
 * goes to one stream, in order) and the caller calls retnet_cuda_synchronize
 * before it reads results on the host; a driver error of a kernel may then
 * be reported there. Only for code that reads no device-written memory on the
 * host between launches (the retnet runtime's compiled models). Off by
 * default. */
void retnet_cuda_set_deferred_sync(int on);
void retnet_cuda_synchronize(void);

/* Stream-ordered work on the one stream every launch goes to, for the
 * runtime's own buffers: a copy in any direction (unified addressing: host
 * to device, device to host, device to device) and a fill of `count` 32-bit
 * words. Host memory given to a copy must stay valid until the next
 * retnet_cuda_synchronize. Errors go to the handler. */
void retnet_cuda_copy(void *dst, const void *src, size_t bytes);
void retnet_cuda_fill32(void *dst, unsigned value, size_t count);

/* CUDA graphs of the shared stream. Between retnet_cuda_capture_begin and
 * retnet_cuda_capture_end, work queued on the stream (generated code's
 * launches, retnet_cuda_copy, retnet_cuda_fill32) is recorded, not run
 * (relaxed capture: an allocation that misses the buffer cache stays
 * legal). The buffers the recorded work allocated and freed again belong to
 * the graph from then on: the cache never hands them out elsewhere, so a
 * replay cannot overwrite anyone's data; destroying the graph returns them
 * to the cache. capture_begin returns 0 on success; capture_end returns the
 * instantiated graph, or null after a failure (reported to the handler;
 * the capture is over either way). Not thread-safe: the caller serializes
 * all use of the stream while capturing. */
typedef struct retnet_cuda_graph retnet_cuda_graph;
int retnet_cuda_capture_begin(void);
retnet_cuda_graph *retnet_cuda_capture_end(void);
/* Queues one replay on the stream; 0 on success. */
int retnet_cuda_graph_launch(retnet_cuda_graph *graph);
void retnet_cuda_graph_destroy(retnet_cuda_graph *graph);

/* The exported mgpu* functions: name and parameter count, for ABI checks.
 * Returns the number of entries; entry i is written to names[i], arity[i]
 * when i < capacity. */
size_t retnet_cuda_abi(const char **names, int *arity, size_t capacity);

#ifdef __cplusplus
}
#endif

#endif /* RETNET_CUDARUNTIME_H */
