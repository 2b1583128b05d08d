//===- Machine.h - device memory and kernel execution -----------*- C++ -*-===//
//
// The simulated GPU: a registry of device allocations (host memory mapped
// for them; device memory proper, cuMemAlloc's, is inaccessible to the host
// except while the simulator itself runs queued work, so host code that
// dereferences a device pointer faults as it would with a GPU) and the
// execution of one kernel launch, block by block, warp by warp, with the
// checks a real GPU or compute-sanitizer would make.
//
//===----------------------------------------------------------------------===//

#ifndef RETNET_PTXSIM_MACHINE_H
#define RETNET_PTXSIM_MACHINE_H

#include "Ptx.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace retnet::sim {

// Driver error codes (cuda.h) that launches report.
constexpr int kSuccess = 0;
constexpr int kInvalidValue = 1;
constexpr int kIllegalAddress = 700;
constexpr int kLaunchOutOfResources = 701;
constexpr int kLaunchTimeout = 702;
constexpr int kIllegalInstruction = 715;
constexpr int kMisalignedAddress = 716;
constexpr int kLaunchFailed = 719;

struct Allocation {
  uint64_t base = 0, size = 0;
  enum Kind { Device, Managed, HostRegistered, ModuleGlobal } kind = Device;
};

/// Every range the device may touch, and recently freed ones (kept, not
/// reused, so that a use after free is recognised as one).
class Memory {
public:
  /// Allocates `bytes` (256-byte aligned, as cuMemAlloc); 0 when out of
  /// memory.
  uint64_t allocate(uint64_t bytes, Allocation::Kind kind);
  /// False when `base` is not a live allocation's start.
  bool release(uint64_t base);
  /// Drops an allocation at once, without quarantine (module globals).
  void unmap(uint64_t base);
  void addRange(uint64_t base, uint64_t size, Allocation::Kind kind);
  bool removeRange(uint64_t base);
  /// The live allocation holding [addr, addr+size), or null.
  const Allocation *find(uint64_t addr, uint64_t size) const;
  /// The live allocation containing `addr` (any size), or null.
  const Allocation *containing(uint64_t addr) const;
  /// The live allocation starting at or below `addr` nearest to it, or null.
  const Allocation *below(uint64_t addr) const;
  /// True when [addr, addr+size) touches a freed allocation.
  bool wasFreed(uint64_t addr, uint64_t size) const;
  uint64_t liveBytes() const { return live; }
  /// Device allocations (kind Device) readable and writable by the host
  /// between open and the matching close (nesting), PROT_NONE otherwise;
  /// with `protect` off they are always accessible.
  void openDevice();
  void closeDevice();
  bool protect = true;
  static constexpr uint64_t kTotal = uint64_t(141) << 30; // an H200's HBM

private:
  std::map<uint64_t, Allocation> ranges;
  std::map<uint64_t, uint64_t> freed; // base → size, in quarantine
  std::vector<std::pair<uint64_t, uint64_t>> quarantine;
  uint64_t quarantined = 0, live = 0;
  int openCount = 0;
  void setAccess(const Allocation &a, bool open) const;
};

struct LaunchStats {
  uint64_t instructions = 0, globalRead = 0, globalWrite = 0, sharedRead = 0,
           sharedWrite = 0, mma = 0, barriers = 0;
  /// Bytes of the distinct 32-byte sectors each warp load instruction
  /// touches (what one request moves: lanes reading the same sector share
  /// it), summed over instructions (no reuse across instructions counted).
  uint64_t globalReadSectors = 0;
  /// CUDA-core f32 FLOPs: fma/mad 2, add/sub/mul 1, per lane that ran it.
  uint64_t f32Flops = 0;
};

struct Launch {
  const Kernel *kernel = nullptr;
  unsigned grid[3] = {1, 1, 1}, block[3] = {1, 1, 1};
  unsigned dynamicShared = 0;
  std::vector<uint8_t> params;
};

/// Runs a launch to completion. Returns kSuccess, or an error code with
/// `report` set to the one-line description (kernel, PTX line, block,
/// thread, address).
int execute(const Launch &launch, Memory &memory, uint64_t seed,
            LaunchStats &stats, std::string &report);

} // namespace retnet::sim

#endif // RETNET_PTXSIM_MACHINE_H
