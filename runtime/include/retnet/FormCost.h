//===- FormCost.h - which prefill form is cheapest on a target --*- C++ -*-===//
//
// RETNET_FORM_AUTO's choice. The three prefill entry points of an artifact
// compute the same function (DESIGN.md §2) and share every projection, norm
// and FFN; they differ only in how the retention of each head is computed,
// so the model counts that work, per head and layer, in multiply-adds of a
// static-shape vector tile, and the cheapest form wins.
//
// The CPU target (constants from measurements, docs/form-cost.md):
//   recurrent  3 T dk dv                 (S = γS + kᵀv, o = qS per token)
//   chunkwise  per chunk of c rows: c² (dk + dv) for the intra-chunk
//              scores and their product with V, 2 c dk dv for q·S and
//              the state update, dk dv for the state's decay; a full chunk
//              (c = C) runs in static-shape tiles, the tail (c = T mod C)
//              in dynamic-shape ones whose c × c part runs
//              kDynamicScorePenalty times slower
//   parallel   the chunkwise form with C = the artifact's parallel limit:
//              up to that limit every token is in the dynamic tail.
// On the CUDA target the forms have their own kernels (tensor-core
// chunkwise, a one-block-per-pair recurrent scan) and the rule is the one
// the GPU path was built for: parallel up to the chunk size, else chunkwise.
//
//===----------------------------------------------------------------------===//

#ifndef RETNET_FORMCOST_H
#define RETNET_FORMCOST_H

#include "retnet/ModelConfig.h"
#include "retnet/WeightLayout.h"

#include <cstdint>

namespace retnet {

enum class PrefillForm : int { Parallel = 1, Chunkwise = 2, Recurrent = 3 };

/// "parallel", "chunkwise", "recurrent".
const char *prefillFormName(PrefillForm form);

/// What an artifact's prefill entry points were compiled with.
struct PrefillShape {
  int64_t heads = 0, keyHeadDim = 0, valueHeadDim = 0;
  int64_t chunkSize = 0;     ///< the chunkwise entry's chunk
  int64_t parallelLimit = 0; ///< the parallel entry's one chunk
  static PrefillShape of(const ModelConfig &c, int64_t chunkSize,
                         int64_t parallelLimit);
};

/// On the CPU, the c × c part of a dynamic-shape chunk (the tail of the
/// chunkwise form, every token of the parallel form) costs this many
/// static-tile multiply-adds per multiply-add: measured 13-15× on
/// retention-heavy models (docs/form-cost.md).
constexpr double kDynamicScorePenalty = 14.0;

/// The CPU cost of prefilling `tokens` tokens in `form`: multiply-adds of
/// a static tile, per layer (the same for every layer).
double cpuPrefillCost(const PrefillShape &s, PrefillForm form, int64_t tokens);

/// The form RETNET_FORM_AUTO runs for a prompt of `tokens` tokens: the
/// cheapest by cpuPrefillCost on the CPU (ties to recurrent, then
/// chunkwise), the GPU rule on CUDA.
PrefillForm choosePrefillForm(const PrefillShape &s, ArtifactTarget target,
                              int64_t tokens);

} // namespace retnet

#endif // RETNET_FORMCOST_H
