//===- FormCostTest.cpp - RETNET_FORM_AUTO's cost model -------------------===//
//
// The costs against the formulas written out by hand for one small shape,
// and the choices on the shapes whose forms were timed side by side
// (docs/form-cost.md): auto must pick a form within 10 % of the fastest.

#include "retnet/FormCost.h"

#include <gtest/gtest.h>

using namespace retnet;

namespace {

PrefillShape shape(int64_t heads, int64_t dk, int64_t dv, int64_t chunk,
                   int64_t limit = 8192) {
  PrefillShape s;
  s.heads = heads;
  s.keyHeadDim = dk;
  s.valueHeadDim = dv;
  s.chunkSize = chunk;
  s.parallelLimit = limit;
  return s;
}

PrefillForm cpu(const PrefillShape &s, int64_t tokens) {
  return choosePrefillForm(s, ArtifactTarget::Cpu, tokens);
}

TEST(FormCost, CostsByHand) {
  // 2 heads, dk 2, dv 3, chunk 4, parallel limit 8, T = 5.
  PrefillShape s = shape(2, 2, 3, 4, 8);
  const double p = kDynamicScorePenalty;
  // Recurrent: 3 multiply-adds per state element per token.
  EXPECT_DOUBLE_EQ(cpuPrefillCost(s, PrefillForm::Recurrent, 5),
                   2 * (3.0 * 5 * 2 * 3));
  // Chunkwise: one static chunk of 4 (16 scores x 5 + 2*4*6 + 6), a
  // dynamic tail of 1 (1 x 5 x p + 2*1*6 + 6).
  EXPECT_DOUBLE_EQ(cpuPrefillCost(s, PrefillForm::Chunkwise, 5),
                   2 * ((16.0 * 5 + 48 + 6) + (5.0 * p + 12 + 6)));
  // Parallel: all 5 tokens one dynamic chunk (limit 8).
  EXPECT_DOUBLE_EQ(cpuPrefillCost(s, PrefillForm::Parallel, 5),
                   2 * (25.0 * 5 * p + 60 + 6));
  // Past the limit the parallel entry chunks at the limit: T = 8 is one
  // static chunk of 8.
  EXPECT_DOUBLE_EQ(cpuPrefillCost(s, PrefillForm::Parallel, 8),
                   2 * (64.0 * 5 + 2 * 8 * 6 + 6));
}

TEST(FormCost, OneTokenIsRecurrent) {
  for (PrefillShape s : {shape(4, 32, 64, 16), shape(8, 256, 432, 512),
                         shape(1, 256, 1024, 64), shape(8, 64, 128, 64)})
    EXPECT_EQ(cpu(s, 1), PrefillForm::Recurrent);
}

TEST(FormCost, MeasuredShapes) {
  // retnet-tiny (4 heads, 32 x 64, chunk 16): chunkwise and recurrent
  // within 5 % of each other from T = 32 up, parallel 1.5-15x slower.
  PrefillShape tiny = shape(4, 32, 64, 16);
  for (int64_t t : {8, 16, 32, 64, 512, 2048, 3000})
    EXPECT_NE(cpu(tiny, t), PrefillForm::Parallel) << t;
  // The 1.35B config (8 heads, 256 x 432, chunk 512): T = 128 is all
  // chunkwise tail, 1.4-1.6x slower than recurrent; T = 512 and 2048
  // recurrent fastest or tied.
  PrefillShape xl = shape(8, 256, 432, 512);
  for (int64_t t : {128, 512, 2048})
    EXPECT_EQ(cpu(xl, t), PrefillForm::Recurrent) << t;
  // One head of 256 x 1024 (a 1 MiB state), chunk 64: chunkwise
  // faster than recurrent from T = 64 on (1.3-1.5x, docs/form-cost.md).
  PrefillShape wide = shape(1, 256, 1024, 64);
  for (int64_t t : {64, 256, 1024})
    EXPECT_EQ(cpu(wide, t), PrefillForm::Chunkwise) << t;
  // Eight heads of 64 x 128, chunk 64: recurrent 5-10 % faster at 1024.
  EXPECT_EQ(cpu(shape(8, 64, 128, 64), 1024), PrefillForm::Recurrent);
}

TEST(FormCost, CudaKeepsTheGpuRule) {
  PrefillShape s = shape(4, 32, 64, 16);
  EXPECT_EQ(choosePrefillForm(s, ArtifactTarget::Cuda, 16),
            PrefillForm::Parallel);
  EXPECT_EQ(choosePrefillForm(s, ArtifactTarget::Cuda, 17),
            PrefillForm::Chunkwise);
}

} // namespace
