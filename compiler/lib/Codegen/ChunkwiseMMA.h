//===- ChunkwiseMMA.h - chunkwise retention on tensor cores --------*- C++ -*-===//
//
// What retention-gpu-chunkwise-mma and retention-gpu-expand-mma share. They
// rewrite `retention.chunkwise` and `retention.parallel` ops on bf16/f16
// inputs with static shapes but T (a prefill's token count may be known only
// at run time: the fused schedule takes it as a kernel argument), dk a
// multiple of 64 up to 256 or 16, 32 or 48 (zero-padded to 64 in shared
// memory, fused schedule), into hand-scheduled `gpu.launch`es (marked
// `retention.microkernel`) on mma.sync tensor cores, in one of two
// schedules of flash-linear-attention's retention kernels: "fused chunk"
// (one launch) or "chunked" (chunk_fwd_h + chunk_fwd_o: two launches). All
// forms compute the same result (DESIGN.md §2), so the kernels pick their
// own chunk size C = 64 whatever the op's chunk_size.
//
// Why a custom pass: upstream MLIR 22 reaches mma.sync only through
// vector.contract -> `--convert-vector-to-gpu=use-nvgpu=true`, which rejects
// bf16 transfer_reads (no bf16 ldmatrix path) and elementwise ops on mma
// fragments (the decay must be applied to the QK^T accumulator in
// registers); and nvgpu.mma.sync does not lower for bf16 (NVGPUToNVVM's
// operand-type deduction has no bf16), so bf16 products are the typed
// `nvvm.mma.sync` (m16n8k16, operands packed in i32), f16 ones
// nvgpu.mma.sync.
//
// Two passes, so that the kernels are built after bufferization and
// deallocation (buffer-deallocation-pipeline rejects gpu.barrier and the
// nvvm ops inside a gpu.launch: they have no memory-effect interface):
//   retention-gpu-chunkwise-mma (on tensors) picks the ops, the schedule and
//     the tiles (GPUChunkwiseMMA.cpp), guards the kernel by the buffers'
//     alignment and leaves, in the guarded branch, the op itself on the
//     kernel's buffers (memrefs), marked `retention.mma` with its schedule;
//   retention-gpu-expand-mma (on memrefs, after bufferization) builds the
//     launches of each marked op (GPUChunkwiseMMAKernels.cpp) from the
//     staging (MMAStaging.h) and the fragment math (MMAFragments.h), with
//     gpu.barrier (llvm.nvvm.barrier0, convergent) and
//     nvvm.cp.async.commit.group / wait.group.
//
// Fused schedule, per block = (dv tile of BV columns, batch·head), 4 warps:
//   S (f32, dk x BV) lives in registers: warp w owns rows [w·dk/4, (w+1)·dk/4)
//   as mma C fragments; S16, a 16-bit copy in shared memory, feeds the cross
//   term. Per chunk of C = 64 tokens (L valid, L < C only in the last):
//   1. stage Q_c, K_c [C x dk], V_c and V_c ⊙ ζ (ζ_j = γ^(L−1−j)) [C x BV]
//      global -> shared with 16-byte loads, rows >= L zero; barrier (one
//      stage; see "Pipelining" for two);
//   2. (chunkOutput) warp w, rows 16w..16w+15: A = Q K^T (ldmatrix Q as A,
//      K as the "col" B operand), A ⊙ D in registers (D[i,j] = γ^(i−j),
//      i >= j, else 0), the f32 C fragments of two adjacent n8 tiles rounded
//      to 16 bit are the A fragment of one k16 step of P V (ldmatrix.trans
//      V); O = P V + ξ ⊙ (Q S16) (ξ_i = γ^(i+1), ldmatrix.trans S16), rows
//      < L stored × scale;
//   3. (stateUpdate) S = γ^L S + K^T (V ⊙ ζ) (K^T: ldmatrix.trans of the K
//      tile as A); barrier (every warp has read S16 and the tiles); write
//      S16.
//   After the last chunk S is stored (f32). Shared rows are padded by 16
//   bytes, so the 8 row addresses of each ldmatrix hit distinct bank groups.
//
// Chunked schedule: the fused grid is (dv/BV) x (B·H) whatever T is (at
// B=4, H=16, dk=dv=128: 128 blocks, under one per SM of an H200, each
// walking T/64 chunks serially). Instead:
//   state kernel, grid (dk/64, dv/BVs, B·H), 4 warps: a 64 x BVs slice of
//     S in f32 registers (warp w: rows 16w..16w+15); per chunk c: store S
//     (= S_{c−1}, the state entering chunk c) rounded to 16 bit into
//     states[b, h, c, :, :] (a [B, H, NC, dk, dv] buffer allocated around
//     the launches), stage K_c's dk slice and V_c ⊙ ζ, barrier, step 3,
//     barrier. After the last chunk S (f32) is the final state. BVs = 64
//     when (dk/64)(dv/64)·B·H >= 2 · sm-count, else 32.
//   output kernel, grid (dv/BV, NC, B·H), 4 warps: stage Q_c, K_c, V_c and
//     states[b, h, c, :, v tile] (as S16), barrier, step 2.
//   The states buffer costs 2 · B·H·NC·dk·dv · 2 bytes of traffic (written
//   once, read once) and that much device memory.
// Pipelining (option `stages`, default 2): the fused and the state kernel
//   bring each chunk's tiles (Q, K, V; the state kernel K's slice and V) in
//   with cp.async (16 bytes, L1 bypassed; rows >= L read 0 bytes from a
//   clamped, valid address and are zero-filled) into one of two buffers:
//   chunk 0 before the loop; in chunk c's iteration, chunk c + 1 into buffer
//   (c + 1) % 2 (last read in iteration c − 1, which ended with a barrier),
//   commit_group, wait_group 1 (chunk c's group has landed), barrier, then
//   the math on buffer c % 2. A copy cannot scale, so V ⊙ ζ is not staged:
//   step 3 scales V's B fragments in registers (f32 product rounded to 16
//   bit, the staged copy's exact numerics). A kernel keeps one stage when
//   the doubled tiles exceed 227 KB or cost residency (fewer than
//   min(2, one-stage blocks) per SM by shared memory): the fused dk = 256,
//   BV = 32 kernel (96 KB -> 162 KB, two blocks per SM -> one).
// Selection (option `schedule`, default auto): auto takes the chunked
// schedule when the fused grid has fewer than two blocks per SM,
// dv/BV · B·H < 2 · sm-count (default 132, an H200), and T >= 4 · C;
// else the fused one.
//
// Fragment layouts (PTX ISA, "Warp-level matrix load instruction: ldmatrix"
// and "Matrix Fragments for mma.m16n8k16 with floating point type"), with
// g = lane / 4, t = lane % 4:
//   A 16x16: register r holds row g + 8(r % 2), columns 2t + 8(r / 2) + {0,1}
//   B 16x8:  register r holds rows (k) 2t + 8r + {0,1}, column (n) g
//   C 16x8:  register r holds row g + 8r, columns 2t + {0,1}
//   ldmatrix .x4: lanes 8i..8i+7 address the rows of matrix i; register i of
//   a lane is row g, columns 2t+{0,1} of matrix i (with .trans: rows
//   2t+{0,1}, column g).
// test/tools/mma-fragment-model.py simulates both schedules lane by lane
// with the same address formulas and checks them against a float64
// reference.

#ifndef RETENTION_CODEGEN_CHUNKWISEMMA_H
#define RETENTION_CODEGEN_CHUNKWISEMMA_H

#include "mlir/IR/Operation.h"
#include "mlir/IR/Value.h"
#include "llvm/ADT/SmallVector.h"

namespace mlir::retention::mma {

constexpr int64_t kChunk = 64; // tokens per chunk
constexpr int64_t kWarps = 4;  // warps per block
constexpr int64_t kPad = 8;    // elements of padding per shared row (16 B)
constexpr int64_t kThreads = 32 * kWarps;

/// The discardable attribute that marks an op on memrefs for
/// retention-gpu-expand-mma: {schedule = "fused" | "chunked", block_v,
/// state_block_v, stages}.
constexpr llvm::StringLiteral kKernelAttr = "retention.mma";

/// `tokens` is ShapedType::kDynamic when T is known only at run time (the
/// fused schedule only). `dk` is the kernels' key width: the op's, or 64
/// for an op whose dk (`dkData`) is 16, 32 or 48: Q and K are then staged
/// with zero columns past dkData and the state's rows past it stay zero
/// (the product is the same; fused schedule only).
struct Shape {
  int64_t batch, heads, tokens, dk, dv, bv, bvState;
  Type elt;
  int64_t dkData = 0;
  int64_t numChunks() const { return (tokens + kChunk - 1) / kChunk; }
  bool padded() const { return dkData != dk; }
};

/// The kernel's shape for a chunkwise or parallel op (on tensors or
/// memrefs), or failure when the op is left to the generic path.
/// `bvState` (the state kernel's value tile) is 0 when the requested one
/// does not fit: the chunked schedule is then unavailable.
FailureOr<Shape> matchShape(Operation *op, int64_t blockV, int64_t stateBlockV,
                            int64_t smCount);

enum class Schedule { Fused, Chunked };

/// The schedule rule (see the header): chunked when the fused grid has
/// fewer than two blocks per SM and there are at least four chunks.
Schedule pickSchedule(const Shape &sh, StringRef schedule, int64_t smCount);

/// What the kernels read and write (buffers), per op.
struct Operands {
  Value q, k, v, s0; // s0 null without an initial state
  Value o, sOut;     // sOut null without a final state
  Type oElt;
  SmallVector<float> lgs; // log2 γ per head
  double scale;
};

} // namespace mlir::retention::mma

#endif // RETENTION_CODEGEN_CHUNKWISEMMA_H
