//===- Passes.td - retention conversion passes -------------*- tablegen -*-===//
//
// Conversions out of the retention dialect, and the codegen passes that
// shape the tiled IR for a target.
//
//===----------------------------------------------------------------------===//

#ifndef RETENTION_CONVERSION_PASSES_TD
#define RETENTION_CONVERSION_PASSES_TD

include "mlir/Pass/PassBase.td"

def ConvertRetentionToLinalgPass : Pass<"convert-retention-to-linalg"> {
  let summary = "Decompose retention ops into tiled linalg, tensor and scf ops";
  let description = [{
    Rewrites each retention op on tensors into target-neutral tiled IR with
    upstream machinery (ops on memrefs, claimed by a target's kernels, are
    left alone):

    - an `scf.forall` over (batch, head, dv tile) from `scf::tileUsingSCF` on
      the op's TilingInterface: heads and batch rows are independent, and so
      are column tiles of v, the output and the state;
    - each tile (one batch row, one head) decomposed through the op's
      `linalg::AggregatedOpInterface` (the same decomposition that
      `transform.structured.decompose_interface` applies):
      for the chunkwise form, an `scf.for` over full chunks that
      carries the f32 state, then one step for the last partial chunk (T need
      not divide by C; no padding copies). The parallel form is one chunk of
      T tokens without the state update; the recurrent form is an `scf.for`
      over tokens carrying the state;
    - each chunk step is `linalg.generic` ops: Q K^T, the decay mask applied
      to its result (gamma^(i-j) computed in the body from `linalg.index`,
      never materialised), P V + (Q . xi) S, and the state update
      gamma^n S + K^T (V . zeta) with zeta folded into V's producer.

    f16/bf16 inputs are extended to f32 inside the contractions; the state and
    all accumulators are f32; the output is truncated to the input type.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::linalg::LinalgDialect",
    "::mlir::math::MathDialect", "::mlir::scf::SCFDialect",
    "::mlir::tensor::TensorDialect"
  ];
  let options = [
    Option<"dvTile", "dv-tile", "int64_t", /*default=*/"0",
           "Tile size of the value dimension in the scf.forall (0: whole dv; "
           "ignored when it does not divide dv)">,
  ];
}

def RetentionCPULowerStridedCopiesPass
    : Pass<"retention-cpu-lower-strided-copies", "::mlir::func::FuncOp"> {
  let summary = "Rewrite memref.copy between non-contiguous memrefs as linalg.copy";
  let description = [{
    `finalize-memref-to-llvm` lowers a copy between identity-layout memrefs
    to `llvm.memcpy`, but any other copy to a call of `memrefCopy` from the
    MLIR runner-utils library. Compiled models must load where no MLIR
    library exists (DESIGN.md §3), so this pass turns those copies into
    `linalg.copy`, which `convert-linalg-to-loops` lowers to plain loops.
    Contiguous copies are left to `llvm.memcpy`. Upstream one-shot
    bufferization can pick `linalg.copy` only from the transform dialect.
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect"];
}

def RetentionCPUApproximateMathPass
    : Pass<"retention-cpu-approximate-math", "::mlir::func::FuncOp"> {
  let summary = "exp and erf on vectors as f32 polynomials (upstream patterns)";
  let description = [{
    LLVM lowers `llvm.exp` and `erf` calls on vectors to one libm call per
    lane. This pass applies upstream's polynomial approximations
    (`populateMathPolynomialApproximationPatterns`, range reduction plus a
    minimax polynomial, accurate to a few f32 ulps) to `math.exp` and
    `math.erf` whose operand is a vector (a vector `math.exp2(x)` first
    becomes `math.exp(x * ln 2)`), so the decay powers of retention and the
    swish/gelu activations and gates of a model stay in vector registers.
    Scalar ops keep libm.
    Upstream registers these patterns only as a test pass.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::math::MathDialect",
                           "::mlir::vector::VectorDialect"];
}

def RetentionCPUBF16DotPass
    : Pass<"retention-cpu-bf16-dot", "::mlir::func::FuncOp"> {
  let summary = "bf16 matmul tiles as AVX-512 BF16 dot products (vdpbf16ps)";
  let description = [{
    A `vector.contract` of the matmul shape (m, k) x (k, n) -> (m, n) whose
    operands are `arith.extf` of bf16 vectors (a bf16 model's projections,
    after retention-cpu-vectorize) becomes `x86vector.avx512.dot` ops: for
    every row m, pair of reduction steps (k, k+1) and 16 columns, the two
    bf16 weights of each column are interleaved in a register
    (`vector.interleave`), the row's two activations broadcast as one 32-bit
    pair, and one vdpbf16ps adds both products to the f32 accumulator. That
    is 32 multiply-adds per instruction where the f32 path spends two
    widenings and two FMAs. The products of two bf16 values are exact in
    f32, so only the order of the additions may differ from the FMAs' (the
    golden models' logits came out identical on a Zen 5); the instruction
    treats subnormal inputs and results as zero.
    Contractions of another shape, of f32 operands, with an odd reduction
    tile or columns not a multiple of 16 are left alone. Only for CPUs with
    AVX512_BF16 (retnet-compile enables it from the host's features).
  }];
  let dependentDialects = ["::mlir::vector::VectorDialect",
                           "::mlir::x86vector::X86VectorDialect"];
}

def RetentionFoldDequantPass
    : Pass<"retention-fold-dequant", "::mlir::func::FuncOp"> {
  let summary = "Matmuls on int8 weights: the per-column scale moves behind the matmul";
  let description = [{
    An int8 artifact's importer reads each matrix as an elementwise
    dequantization `w[k, n] = sitofp(q[k, n]) * s[n]` (q int8, s f32)
    feeding a `linalg.matmul` into a zero accumulator. Materialized, that
    writes an f32 copy of every matrix on every call. This pass rewrites
    `x · dequant(q, s)` as `(x · q) ⊙ s`: the matmul reads the int8 q
    directly (linalg.matmul extends it with `sitofp`, exact for int8) and
    one elementwise op scales its [M, N] result per column, so the weights
    stream as one byte each. Mathematically equal; in floating point the
    scale is applied once per output instead of once per product (no
    rounding beyond f32 either way). Other producers are left alone.
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::tensor::TensorDialect"];
}

def RetentionCPUSerialLoopsPass
    : Pass<"retention-cpu-serial-loops", "::mlir::func::FuncOp"> {
  let summary = "Run the scf.forall loops of functions marked retention.serial as scf.for";
  let description = [{
    A function carrying the unit attribute `retention.serial` (the importer
    sets it on the decode step of models whose step is shorter than a
    thread fork/join) keeps its loops on one thread even when the pipeline
    lowers scf.forall to OpenMP: its scf.forall ops become scf.for
    (`scf::forallToForLoop`). `retention-cpu-vectorize` does not split such
    a function's contractions across threads either.
  }];
  let dependentDialects = ["::mlir::scf::SCFDialect"];
}

def RetentionCPUVectorizePass
    : Pass<"retention-cpu-vectorize", "::mlir::func::FuncOp"> {
  let summary = "Tile the linalg ops of a chunk step to register tiles and vectorize them";
  let description = [{
    CPU codegen for the IR that `convert-retention-to-linalg` emits. First,
    an elementwise op that directly follows a contraction and consumes it
    (the decay mask on Q K^T) is tiled and the contraction fused into its
    tile loop (`tileConsumerAndFuseProducersUsingSCF`), so the mask is applied
    to each accumulator tile in registers. Then each remaining
    `linalg.generic` and `linalg.fill` on tensors is tiled with `scf.for`
    loops (upstream TilingInterface): its innermost parallel dimension by
    `vector-tile`, its other parallel dimensions by `row-tile` and its
    reduction dimension by `reduction-tile`, each size lowered to the
    largest divisor of a static range (so no tile is partial and none needs
    masks); the tile is then vectorized. Before that, a 2-D contraction
    (rows x columns, reduced over k) whose only dynamic range is its rows (the
    tokens of a prompt or the sequences of a decode batch, times a static
    weight matrix) is tiled by `rows` with `scf.for` and the loop peeled
    (upstream `scf::peelForLoopAndSimplifyBounds`): every full tile becomes
    a static `rows`-high accumulator, so each weight element loaded is used
    `rows` times, and only the last `M mod rows` rows are tiled by 1; the
    row loop sits inside a loop over column blocks whose weight panel fits
    `panel-bytes`, so each panel is read from memory once and reused from
    cache by every row tile. A long reduction runs in blocks between the
    column-block loop and the row loop (`k-block-bytes`: the widest divisor
    of K, a multiple of `reduction-tile` and at least 64, whose `rows` x
    block tile of the rows' operand fits), so a row tile's slice of it stays
    in L1 while the block's column tiles read it, and the panel is one
    reduction block high. Column blocks are multiples of 256 bytes of a
    weight row, or, when none divides the columns, of the widest power of two
    times `vector-tile` that does. With `widen-bf16` (CPUs without
    AVX512_BF16), such a contraction whose rows' operand is bf16 reads an f32
    copy of it instead, widened once right after it is defined and shared by
    the contractions that read it, so the register tiles broadcast f32
    activations from memory. With `threads` > 1, contractions split their
    columns, and row-wise ops over dynamic rows (norms, activations,
    residual adds) their rows, into one `scf.forall` block per thread, under
    a run-time `scf.if` on the amount of work. A
    tile whose shape is dynamic (the
    chunk remainder of a dynamic T) or that the vectorizer refuses stays a
    scalar loop nest (convert-linalg-to-loops); with `remark-scalar` each
    such op gets a remark saying so and why. A contraction becomes a
    `vector.contract` on a row-tile x vector-tile accumulator that stays in
    registers across the reduction loop once its transfers are hoisted
    (`loop-invariant-subset-hoisting`). Upstream has no pass that does this
    without a transform script; this one exists so that the pipeline is a
    plain pass list whose tile sizes are options.
  }];
  let dependentDialects = [
    "::mlir::affine::AffineDialect", "::mlir::arith::ArithDialect",
    "::mlir::scf::SCFDialect", "::mlir::tensor::TensorDialect",
    "::mlir::vector::VectorDialect"
  ];
  let options = [
    Option<"rowTile", "row-tile", "int64_t", /*default=*/"8",
           "Tile of the outer parallel dimensions (accumulator rows)">,
    Option<"rows", "rows", "int64_t", /*default=*/"8",
           "Peeled row tile of contractions over a dynamic row range "
           "(tokens, batch); below 2: such ranges are tiled by 1">,
    Option<"vectorTile", "vector-tile", "int64_t", /*default=*/"32",
           "Tile of the innermost parallel dimension (vector lanes)">,
    Option<"reductionTile", "reduction-tile", "int64_t", /*default=*/"8",
           "Tile of the reduction dimension">,
    Option<"panelBytes", "panel-bytes", "int64_t", /*default=*/"262144",
           "Contractions over dynamic rows run in column blocks whose weight "
           "panel (reduction size x block) fits this many bytes, the rows "
           "inside each block (0: rows outermost)">,
    Option<"kBlockBytes", "k-block-bytes", "int64_t", /*default=*/"8192",
           "The full row tiles of a contraction over dynamic rows run their "
           "reduction in blocks whose rows of A (rows x block) fit this many "
           "bytes, so they stay in L1 across the column tiles (0: one block)">,
    Option<"widenBF16", "widen-bf16", "bool", /*default=*/"false",
           "Contractions over dynamic rows whose rows' operand is bf16 read "
           "an f32 copy of it, widened once (for CPUs without AVX512_BF16)">,
    Option<"remarkScalar", "remark-scalar", "bool", /*default=*/"false",
           "Emit a remark for every op left as scalar loops (a dynamic tile, "
           "or one the vectorizer refuses)">,
    Option<"threads", "threads", "int64_t", /*default=*/"0",
           "Split each contraction's innermost parallel range into this many "
           "chunks under an scf.forall (threads after OpenMP lowering); 0 or "
           "1: no split">,
  ];
}

def RetentionGPUMapParallelLoopsPass
    : Pass<"retention-gpu-map-parallel-loops", "::mlir::func::FuncOp"> {
  let summary = "Map the (batch, head, dv) parallel loops to GPU blocks and threads";
  let description = [{
    For each outermost `scf.parallel` (the bufferized `scf.forall` of
    `convert-retention-to-linalg`, whatever unit dimensions canonicalization
    removed), tiles its innermost dimension by `block-size` (lowered to the
    largest divisor of a static trip count, so no thread idles on a guard)
    and attaches the mapping that `convert-parallel-loops-to-gpu` reads: the
    outer loop's dimensions to blocks (innermost to x), the inner tile's last
    dimension to threads x. Everything nested stays sequential per thread.
    A loop of more than three dimensions has its leading dimensions
    collapsed into one first (a grid has three).
    A custom pass because `gpu-map-parallel-loops` maps dimensions in order
    and would put the long dimension on threads z (at most 64).
  }];
  let dependentDialects = ["::mlir::gpu::GPUDialect", "::mlir::scf::SCFDialect",
                           "::mlir::affine::AffineDialect"];
  let options = [
    Option<"blockSize", "block-size", "int64_t", /*default=*/"128",
           "Threads per block (along the innermost parallel dimension)">,
  ];
}

def RetentionGPUFuseElementwisePass
    : Pass<"retention-gpu-fuse-elementwise", "::mlir::func::FuncOp"> {
  let summary = "Fuse chains of elementwise linalg.generic ops on tensors (one kernel each after lowering) into one";
  let description = [{
    Runs on tensors, before bufferization. A `linalg.generic` with only
    parallel loops whose one result feeds only another such generic is
    folded into it (upstream's elementwise fusion, restricted: reductions,
    named ops such as `linalg.matmul` and reshapes are left alone, so the
    hand-scheduled kernels still find their ops). A producer read at a
    broadcast (a per-row table) is not folded: it would be recomputed per
    element. First, a generic whose one reduction loop spans at most four
    static steps (a rotation's pairs) is unrolled into an elementwise
    generic that reads those inputs at constant indices, starting from the
    fill's scalar when its output is a fill. On the GPU every host-level
    linalg op becomes one kernel: a cast followed by a residual add is then
    one kernel, and `retention-gpu-matmul` can take it as its epilogue.
    An elementwise generic that reads a `tensor.collapse_shape` of an
    elementwise generic's result (its only use) is expanded to the
    uncollapsed loops and fuses with it (the rotation's pairs and their
    16-bit cast); a `linalg.transpose` that moves only unit dimensions
    becomes a collapse and an expand. Last, a `linalg.matmul` that reads
    the same A as an earlier one in its block moves up to just after that
    one's epilogue generic, with what it needs from between (ops without
    memory effects), so `retention-gpu-matmul` finds the siblings adjacent.
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect"];
}

def RetentionGPURowReductionsPass
    : Pass<"retention-gpu-row-reductions", "::mlir::func::FuncOp"> {
  let summary = "Sums over a row (norm statistics) as block reductions with warp shuffles, fused with the elementwise op on the row's sum";
  let description = [{
    Runs on buffers, after `retention-gpu-matmul` and before
    `retention-gpu-lower-linalg`. A host-level `linalg.generic` whose only
    reduction is its innermost loop, with a body `f(...) + out` into an f32
    buffer indexed by the other loops (RMSNorm's and the group norm's sums of
    squares), becomes one launch: a block of one to four warps per row (at
    least two values per lane), each thread
    summing a strided part of the row, `shfl.xor` within warps, shared memory
    across them. A zero fill (or copy of a zero-filled buffer) right before
    it is folded in. When the next op is an elementwise generic that reads
    the row's sum (the norm's scale, weight and gate), it runs in the same
    block on the sum, rows checked equal at run time (otherwise both ops
    run as before). Replaces a serial loop per row and three kernels.
  }];
  let dependentDialects = ["::mlir::gpu::GPUDialect", "::mlir::scf::SCFDialect",
                           "::mlir::memref::MemRefDialect", "::mlir::arith::ArithDialect"];
}

def RetentionGPULowerLinalgPass
    : Pass<"retention-gpu-lower-linalg", "::mlir::func::FuncOp"> {
  let summary = "Lower linalg on buffers to loops: host-level ops to parallel loops (kernels), tile-level ops to sequential loops";
  let description = [{
    Runs after bufferization and `retention-gpu-place-buffers`, before
    `retention-gpu-map-parallel-loops`. A linalg op outside every
    `scf.forall`/`scf.parallel` (the layer code of a whole model: matmuls,
    norms, gathers, elementwise epilogues) becomes an `scf.parallel` over its
    parallel dimensions with its reduction dimensions as sequential loops
    inside, so that it becomes one GPU kernel. A linalg op inside a tile
    loop becomes sequential loops run by the thread that owns the tile.
    Every `memref.copy` becomes a `linalg.copy` first: the host must not
    copy device memory element by element, and compiled code must not need
    MLIR's `memrefCopy`.
  }];
  let dependentDialects = ["::mlir::scf::SCFDialect", "::mlir::linalg::LinalgDialect",
                           "::mlir::memref::MemRefDialect"];
}

def RetentionGPUPlaceBuffersPass
    : Pass<"retention-gpu-place-buffers", "::mlir::func::FuncOp"> {
  let summary = "Place bufferized retention buffers where a GPU kernel can use them";
  let description = [{
    Runs after bufferization, before the loops become GPU launches. A
    `memref.alloc` outside the parallel loops (a result buffer) becomes
    `gpu.alloc` (device memory: whole models, whose host code reads only
    the arguments it is given) or, with `host-shared`, `gpu.alloc
    host_shared` (CUDA managed memory, so host code may read it too: what
    the op tests run through `mlir-runner` need to print their results), and
    its `memref.dealloc` an async `gpu.dealloc` between two
    `gpu.wait` ops (the only form `gpu-to-llvm` lowers); a statically sized
    `memref.alloc` inside them (a per-thread temporary) becomes a
    `memref.alloca`. A dynamically sized temporary is reported as not
    supported. A `memref.get_global` (a constant table) used inside the
    loops is re-taken there, so that the kernel reads the global that kernel
    outlining copies into the GPU module rather than a host address.
  }];
  let options = [
    Option<"hostShared", "host-shared", "bool", /*default=*/"true",
           "Result buffers in CUDA managed memory (host code may read "
           "them) rather than device memory">,
  ];
  let dependentDialects = ["::mlir::gpu::GPUDialect", "::mlir::memref::MemRefDialect"];
}

def RetentionGPUEmulateOnHostPass
    : Pass<"retention-gpu-emulate-on-host", "::mlir::func::FuncOp"> {
  let summary = "Testing: put the GPU-mapped loops' buffers back in host memory";
  let description = [{
    For checking the GPU mapping on a machine without a GPU (the
    `emulate` option of `--retention-nvvm-pipeline`): after
    `retention-gpu-map-parallel-loops`, `gpu.alloc` becomes `memref.alloc`,
    an async `gpu.dealloc` becomes `memref.dealloc`, and `gpu.wait` ops go.
    The CPU lowering then runs exactly the loops that would become kernels,
    one iteration after another, so their results can be compared with a
    reference. Races between GPU threads are not modelled.
  }];
  let dependentDialects = ["::mlir::memref::MemRefDialect"];
}

def RetentionGPUStageSharedPass
    : Pass<"retention-gpu-stage-shared", "::mlir::ModuleOp"> {
  let summary = "Stage block-uniform input tiles in shared memory";
  let description = [{
    In each `gpu.launch`, a loop that reads a static 1-D `memref.subview` of
    a kernel input whose offsets do not depend on the thread (the q_t and k_t
    rows of a token, which every thread of the block needs) reads it from
    shared memory instead: before the loop the block's threads copy the tile
    cooperatively (thread x strides over it), a `gpu.barrier` publishes it,
    and a second barrier after the loop keeps the next copy from overwriting
    it early. Inputs that the kernel writes are left alone. The buffers are
    `memref.global`s in `#gpu.address_space<workgroup>`; at most
    `max-bytes` of them per kernel. Runs right after
    `convert-parallel-loops-to-gpu` and fails on any `scf.parallel` left
    outside a `gpu.launch` (it would run on the host).
  }];
  let dependentDialects = ["::mlir::gpu::GPUDialect", "::mlir::memref::MemRefDialect",
                           "::mlir::scf::SCFDialect", "::mlir::arith::ArithDialect"];
  let options = [
    Option<"maxBytes", "max-bytes", "int64_t", /*default=*/"16384",
           "Shared memory per kernel for staged tiles">,
  ];
}

def RetentionGPUDedupKernelsPass
    : Pass<"retention-gpu-dedup-kernels", "::mlir::ModuleOp"> {
  let summary = "Merge outlined GPU kernels that are identical but for their names";
  let description = [{
    After `gpu-kernel-outlining`, every launch site has a `gpu.module` of
    its own, so a kernel launched from several places is compiled once per
    place by `gpu-module-to-binary`: the four entry points (three prefill
    forms and decode) share their embedding, norm, projection and
    elementwise kernels, and within one the two norms of a layer are the
    same kernel (the example model: 582 kernels before this pass, 115
    after; compile 28 s → 12 s, library 7.5 → 1.9 MB). This pass keeps the first of each
    set of `gpu.module`s that are equal up to their own symbol name and the
    names of the symbols they define (kernels, device globals; declarations
    keep theirs), compared in the generic form (attributes, types, constants
    and global initializers included; locations ignored), and
    points every `gpu.launch_func` of the others at it, and erases them. A
    module that anything but a `gpu.launch_func` refers to is left alone.

    ```mlir
    gpu.module @f_kernel { gpu.func @f_kernel(...) kernel { ... } }
    gpu.module @g_kernel { gpu.func @g_kernel(...) kernel { ... } }  // same body
    // after: gpu.launch_func @f_kernel::@f_kernel for both launches
    ```
  }];
  let dependentDialects = ["::mlir::gpu::GPUDialect"];
}

def RetentionGPUDecodeKernelPass
    : Pass<"retention-gpu-decode-kernel", "::mlir::ModuleOp"> {
  let summary = "Recurrent retention at few tokens (decode) as a bandwidth-bound kernel";
  let description = [{
    Rewrites each `retention.recurrent` with at most `max-tokens` tokens and
    f32 state into a kernel that streams the state once: every thread owns
    `rows` rows of S and four consecutive value columns (16-byte vector
    loads and stores), keeps them in registers over the tokens, and writes
    its share of each output row to a partial buffer. The number of row
    slices per (batch, head) is chosen so that at least `min-threads`
    threads run, which a decode step at batch 1 needs to reach the memory
    bandwidth; with a dynamic batch, two variants are emitted and chosen at
    run time (one sequence; enough sequences for the least split).

    With `launch` (the CUDA pipeline's default) each variant is one
    hand-built `gpu.launch`: the last block of each (batch, head) to finish
    (an atomic counter per pair in a zero-initialized module global, or a
    barrier when one block holds the pair) adds the partial outputs in
    slice order and, when o is read only by a group norm (a sum of a
    function of o over its value columns into a zero fill, then an
    elementwise op of o and that sum: scale, weight, swish gate), runs the
    norm there too (a block reduction, then the elementwise body per
    element) and writes its result instead of o: one launch for the
    retention and the norm. Without it, two `scf.parallel` loops (the
    state pass; the sum of the partials) that
    `retention-gpu-map-parallel-loops` maps to blocks and threads (so
    `emulate` checks them on the host). The state
    and value buffers must be 16-byte aligned with offsets that are
    multiples of four elements, as every buffer of a compiled model is
    (checked at run time: otherwise the generic path runs). A custom pass
    because the split of a reduction over dk across threads, with a
    register-resident state tile, is a schedule no upstream tiling builds.
  }];
  let dependentDialects = ["::mlir::scf::SCFDialect", "::mlir::memref::MemRefDialect",
                           "::mlir::vector::VectorDialect", "::mlir::arith::ArithDialect",
                           "::mlir::bufferization::BufferizationDialect",
                           "::mlir::gpu::GPUDialect", "::mlir::NVVM::NVVMDialect"];
  let options = [
    Option<"maxTokens", "max-tokens", "int64_t", /*default=*/"16",
           "Rewrite recurrent ops with at most this many tokens">,
    Option<"minThreads", "min-threads", "int64_t", /*default=*/"32768",
           "Split dk into slices until at least this many threads run">,
    Option<"launch", "launch", "bool", /*default=*/"false",
           "One hand-built gpu.launch per variant (partials combined and the "
           "output's group norm run by the last block of each (batch, head)); "
           "false: scf.parallel loops">,
  ];
}

def RetentionGPUChunkwiseMMAPass
    : Pass<"retention-gpu-chunkwise-mma", "::mlir::func::FuncOp"> {
  let summary = "Chunkwise and parallel retention on bf16/f16 as a tensor-core (mma.sync) kernel";
  let description = [{
    Picks each `retention.chunkwise` and `retention.parallel` on tensors
    whose inputs are bf16 or f16 and whose shapes fit the tensor-core
    kernels (ldmatrix + mma.sync m16n8k16 with f32 accumulation, the decay
    applied to the QK^T accumulator in registers), and its schedule and
    tiles. The op becomes an `scf.if` on its buffers' 16-byte alignment
    (checked at run time): the aligned branch holds the op itself on those
    buffers (memrefs, no results), marked `retention.mma = {schedule,
    block_v, state_block_v, stages}`, which `retention-gpu-expand-mma`
    builds into launches after bufferization; the other branch the op on
    tensors, for the generic path. Two schedules (chunk C = 64):

    - fused: one launch, grid (dv/BV, B·H); each block walks all chunks
      with the state in registers (output, cross-chunk term and state
      update in the same kernel);
    - chunked (flash-linear-attention's chunk_fwd_h + chunk_fwd_o): a state
      kernel, grid (dk/64, dv/BVs, B·H), walks the chunks writing the state
      entering each chunk (16-bit) to a [B, H, NC, dk, dv] buffer, then an
      output kernel, grid (dv/BV, NC, B·H), computes every chunk's output
      in parallel from that buffer.

    `schedule=auto` takes the chunked one when the fused grid has fewer
    than two blocks per SM (dv/BV · B·H < 2 · sm-count) and T >= 4 · C,
    else the fused one. With `stages=2` the kernels that walk the chunks
    (fused, state) prefetch chunk c+1 with cp.async into a second set of
    shared tiles while computing chunk c (where the doubled tiles fit
    without costing residency). See ChunkwiseMMA.h.
  }];
  let options = [
    Option<"blockV", "block-v", "int64_t", /*default=*/"0",
           "Value columns per block (16, 32 or 64; must divide dv); 0 = auto "
           "(64 when dk <= 128, else 32)">,
    Option<"schedule", "schedule", "std::string", /*default=*/"\"auto\"",
           "auto, fused or chunked (see the description)">,
    Option<"smCount", "sm-count", "int64_t", /*default=*/"132",
           "Streaming multiprocessors of the target (the auto rule)">,
    Option<"stateBlockV", "state-block-v", "int64_t", /*default=*/"0",
           "Value columns per block of the chunked schedule's state kernel "
           "(16, 32 or 64); 0 = auto (64 when (dk/64)·(dv/64)·B·H >= "
           "2 · sm-count, else 32)">,
    Option<"stages", "stages", "int64_t", /*default=*/"2",
           "Shared-memory buffers per chunk tile in the kernels that walk "
           "the chunks (fused, state): 1 = load, barrier, compute; 2 = "
           "cp.async prefetch of chunk c+1 during chunk c (where the doubled "
           "tiles fit without costing residency)">,
  ];
  // On tensors it only guards and marks: the kernels' dialects are
  // retention-gpu-expand-mma's.
  let dependentDialects = ["::mlir::scf::SCFDialect", "::mlir::memref::MemRefDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::bufferization::BufferizationDialect",
                           "::mlir::tensor::TensorDialect"];
}

def RetentionGPUExpandMMAPass
    : Pass<"retention-gpu-expand-mma", "::mlir::func::FuncOp"> {
  let summary = "Builds the tensor-core launches of ops marked by retention-gpu-chunkwise-mma";
  let description = [{
    Runs on buffers, after bufferization and deallocation. Each
    `retention.chunkwise` or `retention.parallel` on memrefs marked
    `retention.mma` becomes its `gpu.launch`es (marked
    `retention.microkernel`): the fused schedule one, the chunked one a
    state kernel and an output kernel around a [B, H, NC, dk, dv] buffer of
    per-chunk states (allocated before them, freed after). The kernels use
    typed ops only: nvgpu.ldmatrix, nvvm.mma.sync (bf16) or nvgpu.mma.sync
    (f16), nvgpu.device_async_copy with nvvm.cp.async.commit.group /
    wait.group, gpu.barrier. A marked op that is not on memrefs, whose mark
    is malformed or whose shapes do not fit the kernel is an error.
  }];
  let dependentDialects = ["::mlir::gpu::GPUDialect", "::mlir::nvgpu::NVGPUDialect",
                           "::mlir::NVVM::NVVMDialect",
                           "::mlir::LLVM::LLVMDialect", "::mlir::math::MathDialect",
                           "::mlir::scf::SCFDialect", "::mlir::memref::MemRefDialect",
                           "::mlir::vector::VectorDialect", "::mlir::arith::ArithDialect"];
}

def RetentionGPUMatmulPass
    : Pass<"retention-gpu-matmul", "::mlir::ModuleOp"> {
  let summary = "Matmuls as split-K GEMV loops (few rows) or register-tiled loops (many rows), with quad weight loads";
  let description = [{
    Runs on buffers, before `retention-gpu-place-buffers`. A host-level
    `linalg.matmul` C += A·B with C f32, B [K, N] row-major in f32, bf16 or
    f16 (N and K multiples of 4) and A f32 or of B's type gets a run-time
    choice; 16-bit values are widened to f32 as they load, products
    accumulate in f32. When B's and C's rows are aligned to a quad (four
    elements: 16 bytes of f32, 8 of a 16-bit type):
    with at most `max-rows` rows in A (a decode step), K is split into S
    slices so that at least `min-threads` threads run (S from M and N at
    run time); thread (g, s, n/4) streams its slice of B in quad loads,
    four rows of B at a time, for a group of four rows of A (one row when M
    is 1), so each quad of B serves the whole group, and writes partial rows
    [S, M, N]; a second loop adds the partials to C. With more rows (a prefill), each thread
    computes a 4 x 4 tile of C (four rows of A times a quad of B
    per step of K). Otherwise the matmul is left as it is (one thread per
    output element, retention-gpu-lower-linalg). A custom pass: upstream
    has no split-K lowering with a run-time split factor, and the generic
    lowering gives a decode step's matmuls only N threads with a K-long
    serial loop each.
    With `gemv-kernel`, the split-K partial products are one launch of
    four-warp blocks (GPUGemv.cpp): the block's rows of A over its slice are
    staged in shared memory once, each lane streams 16 bytes of B per row,
    the four warps split the slice again and add their sums in shared memory.
    With an N that is no multiple of 16 bytes of B, each lane takes fewer
    columns (2 bf16 at N = 50, 1 at an odd N); an N that is no multiple of
    4 (a head over an odd vocabulary) takes only this kernel (at few rows,
    its rows aligned to those vectors), else it stays as it is.
    With `mma-min-rows` > 0, a matmul whose A and B are of one 16-bit
    type and that has more rows than that (and 16-byte aligned rows of A and
    B) is instead one hand-scheduled launch on mma.sync tensor cores: 64 x 64
    tiles of C per block of four warps, two-stage cp.async staging of A and B
    tiles, ldmatrix fragments, f32 accumulation (GPUMatmulMMA.cpp).
    With `group-siblings` and `gemv-kernel`, consecutive matmuls that read
    the same A (a layer's q, k, v and g projections; only allocations,
    views and their zero fills between; no one writing what another reads)
    run at few rows as one GEMV launch over all their columns (split K:
    one launch of partial sums and one summing them), each C stored through
    its epilogue; otherwise each takes its own branches as above.
    With `fuse-norms` and `gemv-kernel`, an RMSNorm that writes such a
    group's A (a row sum of squares into a zero-filled buffer, then the
    elementwise op reading it: retention-gpu-row-reductions' pair) runs
    inside the group's GEMV launch at few rows (a group of one matmul too,
    the head after the final norm): each block sums its rows of the norm's
    input with a block reduction and stages A's values through the
    elementwise op, so A is never written and the norm needs no launch.
    With several slices of K, the GEMV launch sums them itself: each block
    counts itself done on a counter of its block of columns and group of
    rows (a zero-initialized device global of the module, one per launch:
    a module pass), and the last one to finish adds the slices' partial
    sums in slice order (deterministic) and stores C through the epilogue,
    then resets the counter for the next launch; no second launch.
  }];
  let dependentDialects = ["::mlir::gpu::GPUDialect", "::mlir::nvgpu::NVGPUDialect",
                           "::mlir::NVVM::NVVMDialect", "::mlir::LLVM::LLVMDialect",
                           "::mlir::scf::SCFDialect", "::mlir::memref::MemRefDialect",
                           "::mlir::vector::VectorDialect", "::mlir::arith::ArithDialect"];
  let options = [
    Option<"fuseEpilogues", "fuse-epilogues", "bool", /*default=*/"true",
           "Run the elementwise linalg.generic that reads C right after the matmul in the kernel's stores (C is then not written)">,
    Option<"groupSiblings", "group-siblings", "bool", /*default=*/"true",
           "With gemv-kernel: consecutive matmuls reading the same A as one "
           "GEMV launch at few rows">,
    Option<"fuseNorms", "fuse-norms", "bool", /*default=*/"true",
           "With gemv-kernel: the RMSNorm that writes A computed in the GEMV "
           "launch at few rows (A not written)">,
    Option<"maxRows", "max-rows", "int64_t", /*default=*/"64",
           "Split K for matmuls whose A has at most this many rows (at run time)">,
    Option<"minThreads", "min-threads", "int64_t", /*default=*/"65536",
           "Split K until at least this many threads run">,
    Option<"gemvKernel", "gemv-kernel", "bool", /*default=*/"false",
           "Split-K partial products as one hand-built launch with the rows of "
           "A staged in shared memory (a gpu.launch; B's rows aligned to its "
           "vectors at run time), not scf.parallel loops">,
    Option<"mmaMinRows", "mma-min-rows", "int64_t", /*default=*/"0",
           "With A and B of one 16-bit type (K a multiple of 16, N of 8): "
           "matmuls with more rows than this (at run time) on mma.sync "
           "tensor cores (a gpu.launch); 0 leaves them to the loops">,
  ];
}

#endif // RETENTION_CONVERSION_PASSES_TD
