//===- Windows.h - where each state space sits in generic addresses -*- C++
//-*-===//
//
// Device memory is host memory (a device pointer is the host address of its
// allocation, so managed memory needs no copies). Shared, local and param
// space get generic windows at non-canonical x86-64 addresses, which no host
// pointer can take, so a generic address says its space by its top bits.
//
//===----------------------------------------------------------------------===//

#ifndef RETNET_PTXSIM_WINDOWS_H
#define RETNET_PTXSIM_WINDOWS_H

#include <cstdint>

namespace retnet::sim {

constexpr uint64_t kWindowShift = 60;
constexpr uint64_t kSharedWindow = uint64_t(1) << kWindowShift;
constexpr uint64_t kLocalWindow = uint64_t(2) << kWindowShift;
constexpr uint64_t kParamWindow = uint64_t(3) << kWindowShift;
constexpr uint64_t kWindowMask = (uint64_t(1) << kWindowShift) - 1;

} // namespace retnet::sim

#endif // RETNET_PTXSIM_WINDOWS_H
