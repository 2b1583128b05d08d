//===- Reconvergence.cpp - where divergent lanes of a warp meet again -----===//
//
// The immediate post-dominator of each branch's basic block, as a SIMT stack
// reconverges (and as ptxas places its convergence barriers): lanes that
// leave a loop early wait there for the others even when the block is laid
// out before the loop, so a barrier after the loop sees the whole warp.
//
//===----------------------------------------------------------------------===//

#include "Ptx.h"

#include <algorithm>
#include <cstdint>
#include <vector>

namespace retnet::sim {

void computeReconvergence(Kernel &k) {
  const size_t n = k.code.size();
  k.reconverge.assign(n, kNoReconvergence);
  if (n == 0)
    return;
  auto ends = [&](const Inst &in) {
    return in.op == Op::Bra || in.op == Op::Exit || in.op == Op::Ret ||
           in.op == Op::Trap;
  };
  // Basic blocks: leaders are the entry, branch targets and what follows a
  // block end.
  std::vector<char> leader(n + 1, 0);
  leader[0] = 1;
  for (size_t i = 0; i < n; ++i) {
    const Inst &in = k.code[i];
    if (in.op == Op::Bra && size_t(in.imm) < n)
      leader[size_t(in.imm)] = 1;
    if (ends(in))
      leader[i + 1] = 1;
  }
  std::vector<uint32_t> blockOf(n), start;
  for (size_t i = 0; i < n; ++i) {
    if (leader[i])
      start.push_back(uint32_t(i));
    blockOf[i] = uint32_t(start.size() - 1);
  }
  const size_t nb = start.size(), exitNode = nb;
  // Successors (exitNode for exit/ret/trap and falling off the end).
  std::vector<std::vector<uint32_t>> succ(nb);
  for (size_t b = 0; b < nb; ++b) {
    size_t last = (b + 1 < nb ? start[b + 1] : n) - 1;
    const Inst &in = k.code[last];
    auto fallthrough = [&] {
      succ[b].push_back(last + 1 < n ? blockOf[last + 1] : uint32_t(exitNode));
    };
    if (in.op == Op::Bra) {
      succ[b].push_back(blockOf[size_t(in.imm)]);
      if (in.guard >= 0)
        fallthrough();
    } else if (in.op == Op::Exit || in.op == Op::Ret || in.op == Op::Trap) {
      if (in.guard >= 0)
        fallthrough();
      else
        succ[b].push_back(uint32_t(exitNode));
    } else {
      fallthrough();
    }
  }
  // Post-dominator sets as bit vectors, iterated to a fixed point.
  const size_t words = (nb + 1 + 63) / 64;
  std::vector<uint64_t> pdom((nb + 1) * words, ~uint64_t(0));
  auto set = [&](size_t b) { return pdom.data() + b * words; };
  std::fill(set(exitNode), set(exitNode) + words, 0);
  set(exitNode)[exitNode / 64] |= uint64_t(1) << (exitNode % 64);
  bool changed = true;
  std::vector<uint64_t> tmp(words);
  while (changed) {
    changed = false;
    for (size_t b = nb; b-- > 0;) {
      std::fill(tmp.begin(), tmp.end(), ~uint64_t(0));
      for (uint32_t s : succ[b])
        for (size_t w = 0; w < words; ++w)
          tmp[w] &= set(s)[w];
      tmp[b / 64] |= uint64_t(1) << (b % 64);
      if (!std::equal(tmp.begin(), tmp.end(), set(b))) {
        std::copy(tmp.begin(), tmp.end(), set(b));
        changed = true;
      }
    }
  }
  auto count = [&](size_t b) {
    size_t c = 0;
    for (size_t w = 0; w < words; ++w)
      c += size_t(__builtin_popcountll(set(b)[w]));
    return c;
  };
  // The immediate post-dominator: the strict post-dominator with the most
  // post-dominators of its own (the nearest one).
  for (size_t b = 0; b < nb; ++b) {
    size_t last = (b + 1 < nb ? start[b + 1] : n) - 1;
    if (k.code[last].op != Op::Bra || k.code[last].guard < 0)
      continue;
    size_t best = exitNode, bestCount = 0;
    for (size_t d = 0; d <= nb; ++d) {
      if (d == b || !((set(b)[d / 64] >> (d % 64)) & 1))
        continue;
      size_t c = count(d);
      if (c > bestCount && c <= nb + 1) {
        best = d;
        bestCount = c;
      }
    }
    k.reconverge[last] = best == exitNode ? kNoReconvergence : start[best];
  }
}

} // namespace retnet::sim
