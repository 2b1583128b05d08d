//===- MatmulKernels.h - hand-built matmul launches ------------*- C++ -*-===//
//
// The launches retention-gpu-matmul builds by hand (gpu.launch, marked
// `retention.microkernel`): the tensor-core GEMM of its many-rows branch for
// 16-bit operands (a prefill's projections, FFN and head in a bf16 or f16
// build: GPUMatmulMMA.cpp), and the partial products of its split-K GEMV
// with the activations staged in shared memory (GPUGemv.cpp).
//
//===----------------------------------------------------------------------===//

#ifndef RETENTION_CODEGEN_MATMULKERNELS_H
#define RETENTION_CODEGEN_MATMULKERNELS_H

#include "mlir/IR/Builders.h"

namespace mlir::retention::mma {

/// What a matmul kernel does with each finished value of C. Without `op`,
/// C is stored. With `op` (a linalg.generic on buffers with two parallel
/// loops that reads C through input `cInput` at (i, j), written to its one
/// output at (i, j): a 16-bit cast, a gate activation, a residual add),
/// the generic's body runs on the value instead and its result is stored
/// in the generic's output; C itself is not written. Built by
/// retention-gpu-matmul (GPUMatmul.cpp), which checks that fusing is sound.
struct Epilogue {
  Operation *op = nullptr;
  unsigned cInput = 0;

  /// Stores `x` (f32, a scalar or a vector of consecutive columns) as the
  /// values of C at row `row`, columns `col` ..; the C stores (no `op`)
  /// are vector stores aligned to `alignment` bytes.
  void store(OpBuilder &b, Location loc, Value x, Value c, Value row,
             Value col, unsigned alignment) const;
};

/// Whether the kernel takes a matmul of these static types: A [?, K] and B
/// [K, N] of one 16-bit type, C f32, K a multiple of 16, N of 8.
bool matmulFits(Type a, Type w, Type c);

/// Emits the launch at `b`'s insertion point; `m` is A's (dynamic) row
/// count, at least 1. A's and B's rows must be 16-byte aligned, C's 8-byte
/// aligned (the caller checks at run time). `zeroC`: C = A·B (C is not
/// read), else C += A·B.
void emitMatmul(OpBuilder &b, Location loc, Value a, Value w, Value c, Value m,
                bool zeroC, const Epilogue &epilogue = {});

/// Columns of B per lane of the GEMV kernel: 16 bytes of B's element type,
/// halved until they divide B's N (2 bf16 columns at N = 50, 1 at an odd
/// N).
int64_t gemvColumns(Type w);
/// Threads of the GEMV kernel per slice of K and group of rows, for B of
/// `n` columns (a multiple of gemvColumns): four warps' lanes per V columns.
int64_t gemvThreadsPerSlice(Type w, int64_t n);

/// part[s, m, :] = Σ_{k in [s R, min((s + 1) R, K))} A[m, k] B[k, :] for
/// s < `slices`, m < `m` (R = `rowsPerSlice`, a multiple of 4; K a multiple
/// of 4, N of gemvColumns), `group` (1 or 4) rows of A per block. B's rows
/// must be aligned to gemvColumns elements (the caller checks at run time);
/// part is f32 [S, M, N], rows aligned to gemvColumns f32. With `intoC` (one slice), `part` is C
/// [M, N] itself: C = A·B, or C += A·B with `accumulate`, stored through
/// `epilogue`.
void emitGemvPartials(OpBuilder &b, Location loc, Value a, Value w, Value part,
                      Value m, Value rowsPerSlice, Value slices, int64_t group,
                      bool intoC = false, bool accumulate = false,
                      const Epilogue &epilogue = {});

/// One matmul of a group of GEMVs that read the same A: B, and C (or its
/// partial sums) with the epilogue C's values go through. `withPrevious`:
/// the previous job's N, its columns computed by the same threads right
/// after it (this one's epilogue may read that one's C: a gate and the up
/// projection it multiplies).
struct GemvJob {
  Value w;
  Value part;
  Epilogue epilogue;
  bool withPrevious = false;
  /// C, where the launch stores the sum of the slices' partial sums (in
  /// part) when it sums them itself (emitGemvGroup's `sumRows`).
  Value c = {};
};

/// A's values computed by the GEMV kernel instead of loaded: an RMSNorm,
/// `sum` (kernel::isRowSum, two loops: Σ over A's K of its body per row)
/// and `apply` (two parallel loops, writing A at (m, k) from the row's sum,
/// its operand `applyInput`). Each block sums its rows itself (a block
/// reduction) and stages apply's values. Built by retention-gpu-matmul,
/// which checks that this is sound.
struct Prologue {
  Operation *sum = nullptr;
  Operation *apply = nullptr;
  unsigned applyInput = 0;
  explicit operator bool() const { return sum != nullptr; }
};

/// emitGemvPartials for several B of one element type and K (their N
/// multiples of gemvColumns) in one launch: the blocks of columns of each
/// job after the previous job's (or the same blocks, with `withPrevious`),
/// A staged by each block as for one (through `prologue` when set).
/// With `sumRows` > 0 (not `intoC`; M <= sumRows at run time), the launch
/// also sums the slices: the last block of each block of columns and group
/// of rows to finish (a counter per pair in a zero-initialized device
/// global of the module, which that block resets) adds part[0..S) in
/// order and stores each job's C through its epilogue (C += with
/// `accumulate`).
void emitGemvGroup(OpBuilder &b, Location loc, Value a, ArrayRef<GemvJob> jobs,
                   Value m, Value rowsPerSlice, Value slices, int64_t group,
                   bool intoC = false, bool accumulate = false,
                   const Prologue &prologue = {}, int64_t sumRows = 0);

} // namespace mlir::retention::mma

#endif // RETENTION_CODEGEN_MATMULKERNELS_H
