//===- FormCost.cpp - which prefill form is cheapest on a target ----------===//

#include "retnet/FormCost.h"

#include <algorithm>

namespace retnet {

const char *prefillFormName(PrefillForm form) {
  switch (form) {
  case PrefillForm::Parallel:
    return "parallel";
  case PrefillForm::Chunkwise:
    return "chunkwise";
  case PrefillForm::Recurrent:
    return "recurrent";
  }
  return "?";
}

PrefillShape PrefillShape::of(const ModelConfig &c, int64_t chunkSize,
                              int64_t parallelLimit) {
  PrefillShape s;
  s.heads = c.heads;
  s.keyHeadDim = c.keyHeadDim();
  s.valueHeadDim = c.valueHeadDim();
  s.chunkSize = chunkSize;
  s.parallelLimit = parallelLimit;
  return s;
}

namespace {

/// One chunk of `rows` rows of the chunkwise form, per head.
double chunkCost(const PrefillShape &s, int64_t rows, bool dynamic) {
  double c = double(rows), dk = double(s.keyHeadDim),
         dv = double(s.valueHeadDim);
  double scores = c * c * (dk + dv);
  return scores * (dynamic ? kDynamicScorePenalty : 1.0) + 2 * c * dk * dv +
         dk * dv;
}

/// The chunkwise form with chunk `chunk` over `tokens` tokens, per head.
double chunkwiseCost(const PrefillShape &s, int64_t chunk, int64_t tokens) {
  chunk = std::max<int64_t>(chunk, 1);
  int64_t full = tokens / chunk, tail = tokens % chunk;
  double cost = double(full) * chunkCost(s, chunk, /*dynamic=*/false);
  if (tail)
    cost += chunkCost(s, tail, /*dynamic=*/true);
  return cost;
}

} // namespace

double cpuPrefillCost(const PrefillShape &s, PrefillForm form,
                      int64_t tokens) {
  double perHead = 0;
  switch (form) {
  case PrefillForm::Recurrent:
    perHead = 3.0 * double(tokens) * double(s.keyHeadDim) *
              double(s.valueHeadDim);
    break;
  case PrefillForm::Chunkwise:
    perHead = chunkwiseCost(s, s.chunkSize, tokens);
    break;
  case PrefillForm::Parallel:
    perHead = chunkwiseCost(s, s.parallelLimit, tokens);
    break;
  }
  return perHead * double(s.heads);
}

PrefillForm choosePrefillForm(const PrefillShape &s, ArtifactTarget target,
                              int64_t tokens) {
  if (target == ArtifactTarget::Cuda)
    return tokens <= s.chunkSize ? PrefillForm::Parallel
                                 : PrefillForm::Chunkwise;
  PrefillForm best = PrefillForm::Recurrent;
  for (PrefillForm f : {PrefillForm::Chunkwise, PrefillForm::Parallel})
    if (cpuPrefillCost(s, f, tokens) < cpuPrefillCost(s, best, tokens))
      best = f;
  return best;
}

} // namespace retnet
