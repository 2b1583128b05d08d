//===- MatmulMMA.h - 16-bit GEMMs on tensor cores ------------------*- C++ -*-===//
//
// The many-rows branch of retention-gpu-matmul for 16-bit operands (a
// prefill's projections, FFN and head in a bf16 or f16 build): C[M, N] (f32)
// = (or +=) A[M, K] · B[K, N], A and B bf16 (or both f16), on mma.sync
// tensor cores (GPUMatmulMMA.cpp has the schedule).
//
//===----------------------------------------------------------------------===//

#ifndef RETENTION_CODEGEN_MATMULMMA_H
#define RETENTION_CODEGEN_MATMULMMA_H

#include "mlir/IR/Builders.h"

namespace mlir::retention::mma {

/// Whether the kernel takes a matmul of these static types: A [?, K] and B
/// [K, N] of one 16-bit type, C f32, K a multiple of 16, N of 8.
bool matmulFits(Type a, Type w, Type c);

/// Emits the launch at `b`'s insertion point; `m` is A's (dynamic) row
/// count, at least 1. A's and B's rows must be 16-byte aligned, C's 8-byte
/// aligned (the caller checks at run time). `zeroC`: C = A·B (C is not
/// read), else C += A·B.
void emitMatmul(OpBuilder &b, Location loc, Value a, Value w, Value c, Value m,
                bool zeroC);

} // namespace mlir::retention::mma

#endif // RETENTION_CODEGEN_MATMULMMA_H
