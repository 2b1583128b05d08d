//===- Machine.cpp - executing a kernel launch ----------------------------===//
//
// Blocks run one after another; inside a block, warps run in an order drawn
// from the seed, each until it reaches a barrier or exits. A warp executes an
// instruction for all its lanes at once; divergent lanes reconverge by
// always running the lanes at the lowest PC first. Shared memory keeps a
// shadow (last writer and reader per byte, per barrier interval) that finds
// races, reads of bytes never written and reads of cp.async data before the
// wait that covers it; cp.async copies land only at that wait, as late as
// the ISA allows. Global accesses must fall inside a live allocation and be
// aligned to their width. The first finding stops the launch.
//
//===----------------------------------------------------------------------===//

#include "Machine.h"
#include "Numerics.h"
#include "Windows.h"

#include <algorithm>
#include <cfenv>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <random>
#include <sstream>
#include <sys/mman.h>
#include <unistd.h>

namespace retnet::sim {

//===--- Memory -----------------------------------------------------------===//

namespace {
uint64_t mappedBytes(uint64_t bytes) {
  static const uint64_t page = uint64_t(sysconf(_SC_PAGESIZE));
  return (std::max<uint64_t>(bytes, 1) + page - 1) / page * page;
}
} // namespace

uint64_t Memory::allocate(uint64_t bytes, Allocation::Kind kind) {
  if (live + bytes > kTotal)
    return 0;
  // Whole pages of their own (page-aligned, so more than cuMemAlloc's 256
  // bytes), so that device memory can be closed to the host.
  uint64_t mapped = mappedBytes(bytes);
  void *p = mmap(nullptr, mapped, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED)
    return 0;
  // Fresh device memory is not zero on a GPU; a recognisable pattern makes
  // reads of never-written results visible.
  std::memset(p, 0xA5, mapped);
  uint64_t base = reinterpret_cast<uint64_t>(p);
  ranges[base] = {base, bytes, kind};
  live += bytes;
  if (openCount == 0)
    setAccess(ranges[base], false);
  return base;
}

void Memory::setAccess(const Allocation &a, bool open) const {
  if (a.kind != Allocation::Device || !protect)
    return;
  mprotect(reinterpret_cast<void *>(a.base), mappedBytes(a.size),
           open ? PROT_READ | PROT_WRITE : PROT_NONE);
}

void Memory::openDevice() {
  if (openCount++ == 0)
    for (auto &[base, a] : ranges)
      setAccess(a, true);
}

void Memory::closeDevice() {
  if (--openCount == 0)
    for (auto &[base, a] : ranges)
      setAccess(a, false);
}

bool Memory::release(uint64_t base) {
  auto it = ranges.find(base);
  if (it == ranges.end() || (it->second.kind != Allocation::Device &&
                             it->second.kind != Allocation::Managed))
    return false;
  uint64_t size = it->second.size;
  live -= size;
  setAccess(it->second, false); // a freed buffer stays closed to the host
  ranges.erase(it);
  // Quarantine: the bytes stay mapped (and unreused) for a while.
  freed[base] = size;
  quarantine.push_back({base, size});
  quarantined += size;
  while (quarantined > (uint64_t(1) << 30) && !quarantine.empty()) {
    auto [b, s] = quarantine.front();
    quarantine.erase(quarantine.begin());
    freed.erase(b);
    quarantined -= s;
    munmap(reinterpret_cast<void *>(b), mappedBytes(s));
  }
  return true;
}

void Memory::unmap(uint64_t base) {
  auto it = ranges.find(base);
  if (it == ranges.end())
    return;
  uint64_t size = it->second.size;
  live -= size;
  ranges.erase(it);
  munmap(reinterpret_cast<void *>(base), mappedBytes(size));
}

void Memory::addRange(uint64_t base, uint64_t size, Allocation::Kind kind) {
  ranges[base] = {base, size, kind};
}

bool Memory::removeRange(uint64_t base) { return ranges.erase(base) != 0; }

const Allocation *Memory::find(uint64_t addr, uint64_t size) const {
  auto it = ranges.upper_bound(addr);
  if (it == ranges.begin())
    return nullptr;
  --it;
  const Allocation &a = it->second;
  if (addr >= a.base && addr + size <= a.base + a.size && addr + size >= addr)
    return &a;
  return nullptr;
}

const Allocation *Memory::below(uint64_t addr) const {
  auto it = ranges.upper_bound(addr);
  if (it == ranges.begin())
    return nullptr;
  return &std::prev(it)->second;
}

const Allocation *Memory::containing(uint64_t addr) const {
  return find(addr, 1);
}

bool Memory::wasFreed(uint64_t addr, uint64_t size) const {
  auto it = freed.upper_bound(addr + size);
  while (it != freed.begin()) {
    --it;
    if (it->first + it->second <= addr)
      return false;
    if (it->first < addr + size)
      return true;
  }
  return false;
}

//===--- Execution --------------------------------------------------------===//

namespace {

/// A finding that stops the launch.
struct Fault {
  int code;
  std::string what;
};

constexpr uint32_t kAllLanes = 0xFFFFFFFFu;
constexpr uint32_t kManyReaders = 0xFFFFFFFFu;
constexpr uint32_t kAtomicWriter = 0xFFFFFFFEu;

struct Shadow {
  uint32_t wEpoch, wTid, rEpoch, rTid;
};

struct Copy {
  uint64_t dst, src;
  uint32_t size, srcSize, line, tid;
};

struct Warp {
  uint64_t *R = nullptr;
  uint32_t live = 0;
  /// The SIMT stack: the top frame runs; a divergent branch turns its frame
  /// into the reconvergence point (pc = the branch's immediate
  /// post-dominator) and pushes one frame per path, each popped when it
  /// reaches that point.
  struct Frame {
    uint32_t pc, rpc, mask;
  };
  std::vector<Frame> stack;
  enum State { Running, AtBarrier, Done } state = Running;
  uint32_t barId = 0, barCount = 0, barPc = 0, barMask = 0;
  uint8_t carry[32];
  std::vector<Copy> open[32];               // issued, not committed
  std::deque<std::vector<Copy>> groups[32]; // committed, not landed
};

template <class F> inline void lanes(uint32_t mask, F f) {
  if (mask == kAllLanes) {
    for (int l = 0; l < 32; ++l)
      f(l);
  } else {
    for (uint32_t m = mask; m; m &= m - 1)
      f(__builtin_ctz(m));
  }
}

class Runner {
public:
  Runner(const Launch &l, Memory &m, uint64_t seed, LaunchStats &s)
      : L(l), K(*l.kernel), mem(m), stats(s), rng(seed) {}

  void run();

private:
  const Launch &L;
  const Kernel &K;
  Memory &mem;
  LaunchStats &stats;
  std::mt19937_64 rng;

  uint32_t nthreads = 0, nwarps = 0;
  uint64_t sharedBytes = 0;
  std::vector<Warp> warps;
  std::vector<uint64_t> regs;
  std::vector<uint8_t> shared, local;
  std::vector<Shadow> shadow;
  std::vector<uint8_t> pending; // cp.async copies in flight per shared byte
  uint32_t epoch = 0, blockEpoch = 0;
  unsigned ctaid[3] = {0, 0, 0};
  uint32_t curWarp = 0;
  const Inst *cur = nullptr;
  uint32_t curPc = 0;
  // The allocation each global instruction last touched: its range [first,
  // second) is checked before the allocation map.
  std::vector<std::pair<uint64_t, uint64_t>> pcRange;

  // --- reporting
  [[noreturn]] __attribute__((cold, noinline)) void
  fault(int code, const std::string &what, int lane = -1, uint64_t addr = 0,
        bool hasAddr = false) {
    std::ostringstream os;
    os << what << " in kernel " << K.name;
    if (cur)
      os << " at PTX line " << cur->line << " (`" << trim(K.lines[curPc])
         << "`)";
    os << ", block (" << ctaid[0] << "," << ctaid[1] << "," << ctaid[2] << ")";
    if (lane >= 0) {
      uint32_t t = curWarp * 32 + uint32_t(lane);
      os << ", thread (" << t % L.block[0] << ","
         << (t / L.block[0]) % L.block[1] << ","
         << t / (L.block[0] * L.block[1]) << ")";
    }
    if (hasAddr) {
      char buf[32];
      std::snprintf(buf, sizeof buf, "0x%" PRIx64, addr);
      os << ", address " << buf;
    }
    throw Fault{code, os.str()};
  }
  static std::string trim(const std::string &s) {
    size_t b = s.find_first_not_of(" \t");
    size_t e = s.find_last_not_of(" \t\r");
    std::string t = b == std::string::npos ? s : s.substr(b, e - b + 1);
    std::replace(t.begin(), t.end(), '\t', ' ');
    return t;
  }

  uint32_t tidOf(int lane) const { return curWarp * 32 + uint32_t(lane); }

  // --- registers
  uint64_t *reg(Warp &w, int32_t slot) { return w.R + size_t(slot) * 32; }

  // --- memory
  enum class Resolved { Global, Shared, Local, Param };

  Resolved resolve(Space sp, uint64_t &addr) {
    switch (sp) {
    case Space::Global:
    case Space::Const:
      return Resolved::Global;
    case Space::Shared:
      return Resolved::Shared;
    case Space::Local:
      return Resolved::Local;
    case Space::Param:
      return Resolved::Param;
    case Space::Generic:
      break;
    }
    switch (addr >> kWindowShift) {
    case 1:
      addr &= kWindowMask;
      return Resolved::Shared;
    case 2:
      addr &= kWindowMask;
      return Resolved::Local;
    case 3:
      addr &= kWindowMask;
      return Resolved::Param;
    default:
      return Resolved::Global;
    }
  }

  // The checks' findings. The hot paths below only compare and call
  // `finding`, which builds the report out of line.
  enum class Finding {
    Misaligned,
    UseAfterFree,
    OutOfBounds,
    LocalBounds,
    ParamBounds,
    SharedBounds,
    EarlyCpAsyncRead,
    NeverWritten,
    ReadAfterWrite,
    WriteToPendingCopy,
    WriteAfterWrite,
    WriteAfterRead,
  };

  [[noreturn]] __attribute__((cold, noinline)) void
  finding(Finding f, int lane, uint64_t addr, uint32_t size = 0,
          uint32_t other = 0, const char *space = "", bool write = false) {
    std::string rw = write ? "write" : "read";
    switch (f) {
    case Finding::Misaligned:
      fault(kMisalignedAddress,
            "misaligned " + std::to_string(size) + "-byte " + space + " access",
            lane, addr, true);
    case Finding::UseAfterFree:
      fault(kIllegalAddress,
            "global " + rw + " of freed memory (use after free)", lane, addr,
            true);
    case Finding::OutOfBounds: {
      std::string where;
      if (const Allocation *near = mem.below(addr)) {
        char buf[64];
        std::snprintf(buf, sizeof buf, "0x%" PRIx64, near->base);
        where = addr < near->base + near->size
                    ? " (runs past the end of the " +
                          std::to_string(near->size) + "-byte allocation at " +
                          buf + ")"
                    : " (" + std::to_string(addr - near->base - near->size) +
                          " bytes past the end of the " +
                          std::to_string(near->size) + "-byte allocation at " +
                          buf + ")";
      }
      fault(kIllegalAddress,
            "global " + rw + " of " + std::to_string(size) +
                " bytes outside every allocation" + where,
            lane, addr, true);
    }
    case Finding::LocalBounds:
      fault(kIllegalAddress, "local access outside the thread's local memory",
            lane, addr, true);
    case Finding::ParamBounds:
      fault(kIllegalAddress, "parameter read outside the parameter block", lane,
            addr, true);
    case Finding::SharedBounds:
      fault(kIllegalAddress,
            "shared access outside the block's " + std::to_string(sharedBytes) +
                " bytes of shared memory",
            lane, addr, true);
    case Finding::EarlyCpAsyncRead:
      fault(kLaunchFailed,
            "shared read of cp.async data before the cp.async.wait_group "
            "that covers it",
            lane, addr, true);
    case Finding::NeverWritten:
      fault(kLaunchFailed, "shared read of memory never written", lane, addr,
            true);
    case Finding::ReadAfterWrite:
      fault(kLaunchFailed,
            "shared-memory race (read after write by thread " +
                describeTid(other) + " with no barrier between)",
            lane, addr, true);
    case Finding::WriteToPendingCopy:
      fault(kLaunchFailed,
            "shared write to bytes a cp.async has not yet written", lane, addr,
            true);
    case Finding::WriteAfterWrite:
      fault(kLaunchFailed,
            "shared-memory race (write after write by thread " +
                describeTid(other) + " with no barrier between)",
            lane, addr, true);
    case Finding::WriteAfterRead:
      fault(kLaunchFailed,
            "shared-memory race (write after read by " +
                (other == kManyReaders ? std::string("other threads")
                                       : "thread " + describeTid(other)) +
                " with no barrier between)",
            lane, addr, true);
    }
    fault(kLaunchFailed, "unknown finding", lane, addr, true);
  }

  void checkAlign(uint64_t addr, uint32_t size, int lane, const char *space) {
    if (addr & (size - 1))
      finding(Finding::Misaligned, lane, addr, size, 0, space);
  }

  /// The allocation holding [addr, addr+size) becomes `range` (or a finding).
  __attribute__((noinline)) void lookup(std::pair<uint64_t, uint64_t> &range,
                                        uint64_t addr, uint32_t size, int lane,
                                        bool write) {
    const Allocation *a = mem.find(addr, size);
    if (!a)
      finding(mem.wasFreed(addr, size) ? Finding::UseAfterFree
                                       : Finding::OutOfBounds,
              lane, addr, size, 0, "", write);
    range = {a->base, a->base + a->size};
  }

  uint8_t *globalPtr(uint64_t addr, uint32_t size, int lane, bool write) {
    checkAlign(addr, size, lane, "global");
    auto &range = pcRange[curPc];
    if (addr < range.first || addr + size > range.second)
      lookup(range, addr, size, lane, write);
    (write ? stats.globalWrite : stats.globalRead) += size;
    if (!write)
      noteSectors(addr, size);
    return reinterpret_cast<uint8_t *>(addr);
  }

  /// The sectors of the current warp instruction's global reads.
  std::vector<uint64_t> sectors;
  uint64_t sectorInstruction = ~uint64_t(0);

public:
  void flushSectors() {
    std::sort(sectors.begin(), sectors.end());
    stats.globalReadSectors +=
        32 * uint64_t(std::unique(sectors.begin(), sectors.end()) -
                      sectors.begin());
    sectors.clear();
  }

private:
  void noteSectors(uint64_t addr, uint32_t size) {
    if (stats.instructions != sectorInstruction) {
      flushSectors();
      sectorInstruction = stats.instructions;
    }
    for (uint64_t sct = addr >> 5; sct <= (addr + size - 1) >> 5; ++sct)
      sectors.push_back(sct);
  }

  uint8_t *localPtr(uint64_t addr, uint32_t size, int lane) {
    checkAlign(addr, size, lane, "local");
    if (addr + size > K.localBytes)
      finding(Finding::LocalBounds, lane, addr);
    return local.data() + size_t(tidOf(lane)) * K.localBytes + addr;
  }

  uint8_t *paramPtr(uint64_t addr, uint32_t size, int lane) {
    if (addr + size > L.params.size())
      finding(Finding::ParamBounds, lane, addr);
    return const_cast<uint8_t *>(L.params.data()) + addr;
  }

  void sharedBounds(uint64_t addr, uint32_t size, int lane) {
    checkAlign(addr, size, lane, "shared");
    if (addr + size > sharedBytes)
      finding(Finding::SharedBounds, lane, addr);
  }

  void sharedRead(uint64_t addr, uint32_t size, int lane, uint32_t tid) {
    for (uint64_t b = addr; b < addr + size; ++b) {
      if (pending[b])
        finding(Finding::EarlyCpAsyncRead, lane, b);
      Shadow &s = shadow[b];
      if (s.wEpoch < blockEpoch)
        finding(Finding::NeverWritten, lane, b);
      if (s.wEpoch == epoch && s.wTid != tid)
        finding(Finding::ReadAfterWrite, lane, b, 0, s.wTid);
      if (s.rEpoch != epoch) {
        s.rEpoch = epoch;
        s.rTid = tid;
      } else if (s.rTid != tid) {
        s.rTid = kManyReaders;
      }
    }
    stats.sharedRead += size;
  }

  void sharedWrite(uint64_t addr, uint32_t size, int lane, uint32_t tid,
                   bool atomic = false) {
    for (uint64_t b = addr; b < addr + size; ++b) {
      if (pending[b])
        finding(Finding::WriteToPendingCopy, lane, b);
      Shadow &s = shadow[b];
      if (s.wEpoch == epoch && s.wTid != tid &&
          !(atomic && s.wTid == kAtomicWriter))
        finding(Finding::WriteAfterWrite, lane, b, 0, s.wTid);
      if (s.rEpoch == epoch && s.rTid != tid && !atomic)
        finding(Finding::WriteAfterRead, lane, b, 0, s.rTid);
      s.wEpoch = epoch;
      s.wTid = atomic ? kAtomicWriter : tid;
    }
    stats.sharedWrite += size;
  }

  std::string describeTid(uint32_t t) const {
    if (t == kAtomicWriter)
      return "(atomic)";
    return "(" + std::to_string(t % L.block[0]) + "," +
           std::to_string((t / L.block[0]) % L.block[1]) + "," +
           std::to_string(t / (L.block[0] * L.block[1])) + ")";
  }

  /// Reads `size` bytes for lane `lane` at `addr` in `sp` into `out`.
  void load(Space sp, uint64_t addr, uint32_t size, int lane, void *out) {
    Resolved r = resolve(sp, addr);
    switch (r) {
    case Resolved::Global:
      std::memcpy(out, globalPtr(addr, size, lane, false), size);
      return;
    case Resolved::Shared:
      sharedBounds(addr, size, lane);
      sharedRead(addr, size, lane, tidOf(lane));
      std::memcpy(out, shared.data() + addr, size);
      return;
    case Resolved::Local:
      std::memcpy(out, localPtr(addr, size, lane), size);
      return;
    case Resolved::Param:
      std::memcpy(out, paramPtr(addr, size, lane), size);
      return;
    }
  }

  void store(Space sp, uint64_t addr, uint32_t size, int lane, const void *in) {
    Resolved r = resolve(sp, addr);
    switch (r) {
    case Resolved::Global:
      std::memcpy(globalPtr(addr, size, lane, true), in, size);
      return;
    case Resolved::Shared:
      sharedBounds(addr, size, lane);
      sharedWrite(addr, size, lane, tidOf(lane));
      std::memcpy(shared.data() + addr, in, size);
      return;
    case Resolved::Local:
      std::memcpy(localPtr(addr, size, lane), in, size);
      return;
    case Resolved::Param:
      fault(kIllegalAddress, "store to kernel parameter space", lane, addr,
            true);
    }
  }

  uint64_t addrOf(Warp &w, const Inst &in, int lane) {
    uint64_t a = uint64_t(in.imm);
    if (in.base >= 0)
      a += reg(w, in.base)[lane];
    return a;
  }

  // --- block execution
  void runBlock(unsigned bx, unsigned by, unsigned bz);
  /// A special register's value for thread `t` (lane `lane` of `warp`).
  uint64_t special(Special sp, uint32_t t, uint32_t lane, uint32_t warp) const;
  void runWarp(Warp &w);
  void exec(Warp &w, const Inst &in, uint32_t mask);
  void landCopies(Warp &w, int lane, size_t keep);
  void releaseBarriers();

  // instruction families
  void execInt(Warp &w, const Inst &in, uint32_t mask);
  void execFloat(Warp &w, const Inst &in, uint32_t mask);
  void execHalf(Warp &w, const Inst &in, uint32_t mask);
  void execCvt(Warp &w, const Inst &in, uint32_t mask);
  void execSetp(Warp &w, const Inst &in, uint32_t mask);
  void execLdSt(Warp &w, const Inst &in, uint32_t mask);
  void execAtom(Warp &w, const Inst &in, uint32_t mask);
  void execShfl(Warp &w, const Inst &in, uint32_t mask);
  void execLdmatrix(Warp &w, const Inst &in, uint32_t mask);
  void execMma(Warp &w, const Inst &in, uint32_t mask);
  void execCpAsync(Warp &w, const Inst &in, uint32_t mask);
};

//===--- Integer and bit operations ---------------------------------------===//

template <class T> inline T sx(uint64_t v) { return T(v); }

template <class T> T intBin(Op op, T a, T b, bool &handled) {
  using U = std::make_unsigned_t<T>;
  handled = true;
  switch (op) {
  case Op::Add:
    return T(U(a) + U(b));
  case Op::Sub:
    return T(U(a) - U(b));
  case Op::Min:
    return a < b ? a : b;
  case Op::Max:
    return a > b ? a : b;
  case Op::And:
    return a & b;
  case Op::Or:
    return a | b;
  case Op::Xor:
    return a ^ b;
  case Op::Div:
    if (b == 0)
      return T(~U(0));
    if (std::is_signed_v<T> && a == std::numeric_limits<T>::min() && b == T(-1))
      return a;
    return a / b;
  case Op::Rem:
    if (b == 0)
      return a;
    if (std::is_signed_v<T> && b == T(-1))
      return 0;
    return a % b;
  default:
    handled = false;
    return 0;
  }
}

void Runner::execInt(Warp &w, const Inst &in, uint32_t mask) {
  uint64_t *d = reg(w, in.o[0]);
  const uint64_t *a = in.ns > 0 ? reg(w, in.o[in.nd]) : nullptr;
  const uint64_t *b = in.ns > 1 ? reg(w, in.o[in.nd + 1]) : nullptr;
  const uint64_t *c = in.ns > 2 ? reg(w, in.o[in.nd + 2]) : nullptr;
  int bits = tyBits(in.ty);
  bool sgn = tyIsSigned(in.ty);
  uint64_t m = bits == 64 ? ~uint64_t(0) : (uint64_t(1) << bits) - 1;
  auto sext = [&](uint64_t v) -> int64_t {
    v &= m;
    if (bits < 64 && (v >> (bits - 1)) & 1)
      v |= ~m;
    return int64_t(v);
  };

  switch (in.op) {
  case Op::Add:
  case Op::Sub:
    if (in.ccIn || in.ccOut) {
      lanes(mask, [&](int l) {
        uint64_t x = a[l] & m, y = b[l] & m;
        uint64_t cin = in.ccIn ? w.carry[l] : 0; // sub: the borrow
        uint64_t r;
        if (in.op == Op::Add) {
          r = (x + y + cin) & m;
          unsigned __int128 full = (unsigned __int128)x + y + cin;
          if (in.ccOut)
            w.carry[l] = uint8_t((full >> bits) & 1);
        } else {
          unsigned __int128 full =
              (unsigned __int128)x - y - cin; // borrow in the top bits
          r = uint64_t(full) & m;
          if (in.ccOut)
            w.carry[l] =
                uint8_t(((unsigned __int128)x < (unsigned __int128)y + cin));
        }
        d[l] = r;
      });
      return;
    }
    [[fallthrough]];
  default:
    break;
  }

  switch (in.op) {
  case Op::Add:
  case Op::Sub:
  case Op::Min:
  case Op::Max:
  case Op::And:
  case Op::Or:
  case Op::Xor:
  case Op::Div:
  case Op::Rem: {
    if (in.ty == Ty::Pred) {
      lanes(mask, [&](int l) {
        uint64_t x = a[l] & 1, y = b[l] & 1;
        if (in.negSrc[0])
          x ^= 1;
        if (in.negSrc[1])
          y ^= 1;
        d[l] = in.op == Op::And ? (x & y) : in.op == Op::Or ? (x | y) : (x ^ y);
      });
      return;
    }
#define BIN(T)                                                                 \
  lanes(mask, [&](int l) {                                                     \
    bool h;                                                                    \
    d[l] = uint64_t(                                                           \
        std::make_unsigned_t<T>(intBin<T>(in.op, T(a[l]), T(b[l]), h)));       \
  });                                                                          \
  return;
    switch (in.ty) {
    case Ty::S8:
      BIN(int8_t)
    case Ty::S16:
      BIN(int16_t)
    case Ty::S32:
      BIN(int32_t)
    case Ty::S64:
      BIN(int64_t)
    case Ty::U8:
    case Ty::B8:
      BIN(uint8_t)
    case Ty::U16:
    case Ty::B16:
      BIN(uint16_t)
    case Ty::U32:
    case Ty::B32:
      BIN(uint32_t)
    case Ty::U64:
    case Ty::B64:
      BIN(uint64_t)
    default:
      break;
    }
#undef BIN
    break;
  }
  case Op::Mul:
  case Op::Mad: {
    lanes(mask, [&](int l) {
      uint64_t r;
      if (in.mode == 2) { // wide
        int64_t p =
            sgn ? sext(a[l]) * sext(b[l]) : int64_t((a[l] & m) * (b[l] & m));
        r = uint64_t(p);
        if (in.op == Op::Mad)
          r += c[l];
        uint64_t wm =
            bits * 2 >= 64 ? ~uint64_t(0) : (uint64_t(1) << (2 * bits)) - 1;
        d[l] = r & wm;
        return;
      }
      unsigned __int128 full;
      __int128 sfull;
      uint64_t lo, hi;
      if (sgn) {
        sfull = (__int128)sext(a[l]) * (__int128)sext(b[l]);
        lo = uint64_t(sfull) & m;
        hi = uint64_t(sfull >> bits) & m;
      } else {
        full = (unsigned __int128)(a[l] & m) * (b[l] & m);
        lo = uint64_t(full) & m;
        hi = uint64_t(full >> bits) & m;
      }
      r = in.mode == 1 ? hi : lo;
      if (in.op == Op::Mad) {
        uint64_t cin = in.ccIn ? w.carry[l] : 0;
        unsigned __int128 s = (unsigned __int128)r + (c[l] & m) + cin;
        if (in.ccOut)
          w.carry[l] = uint8_t((s >> bits) & 1);
        r = uint64_t(s);
      }
      d[l] = r & m;
    });
    return;
  }
  case Op::Abs:
    lanes(mask, [&](int l) {
      int64_t x = sext(a[l]);
      d[l] = uint64_t(x < 0 ? -x : x) & m;
    });
    return;
  case Op::Neg:
    lanes(mask, [&](int l) { d[l] = (uint64_t(0) - a[l]) & m; });
    return;
  case Op::Not:
    if (in.ty == Ty::Pred) {
      lanes(mask, [&](int l) { d[l] = (a[l] & 1) ^ 1; });
      return;
    }
    lanes(mask, [&](int l) { d[l] = ~a[l] & m; });
    return;
  case Op::Cnot:
    lanes(mask, [&](int l) { d[l] = (a[l] & m) == 0 ? 1 : 0; });
    return;
  case Op::Shl:
    lanes(mask, [&](int l) {
      uint32_t s = uint32_t(b[l]);
      d[l] = s >= uint32_t(bits) ? 0 : (a[l] << s) & m;
    });
    return;
  case Op::Shr:
    lanes(mask, [&](int l) {
      uint32_t s = uint32_t(b[l]);
      if (sgn) {
        int64_t x = sext(a[l]);
        d[l] = uint64_t(x >> std::min<uint32_t>(s, 63)) & m;
      } else {
        d[l] = s >= uint32_t(bits) ? 0 : ((a[l] & m) >> s);
      }
    });
    return;
  case Op::Shf:
    lanes(mask, [&](int l) {
      uint32_t n = uint32_t(c[l]);
      n = (in.mode & 2) ? std::min<uint32_t>(n, 32) : (n & 31);
      uint64_t x = (uint64_t(uint32_t(b[l])) << 32) | uint32_t(a[l]);
      d[l] = (in.mode & 1) ? uint32_t((x << n) >> 32) : uint32_t(x >> n);
    });
    return;
  case Op::Popc:
    lanes(mask,
          [&](int l) { d[l] = uint64_t(__builtin_popcountll(a[l] & m)); });
    return;
  case Op::Clz:
    lanes(mask, [&](int l) {
      uint64_t x = a[l] & m;
      d[l] =
          x == 0 ? uint64_t(bits) : uint64_t(__builtin_clzll(x) - (64 - bits));
    });
    return;
  case Op::Bfind:
    lanes(mask, [&](int l) {
      uint64_t x = a[l] & m;
      if (sgn && sext(x) < 0)
        x = ~x & m;
      d[l] = x == 0 ? 0xFFFFFFFFu : uint64_t(63 - __builtin_clzll(x));
    });
    return;
  case Op::Brev:
    lanes(mask, [&](int l) {
      uint64_t x = a[l] & m, r = 0;
      for (int i = 0; i < bits; ++i)
        r |= ((x >> i) & 1) << (bits - 1 - i);
      d[l] = r;
    });
    return;
  case Op::Bfe:
    lanes(mask, [&](int l) {
      uint32_t pos = uint32_t(b[l]) & 0xFF, len = uint32_t(c[l]) & 0xFF;
      uint64_t x = a[l] & m;
      uint64_t r = 0;
      bool sbit = false;
      if (sgn && len > 0) {
        uint32_t top = std::min<uint32_t>(pos + len - 1, uint32_t(bits) - 1);
        sbit = (x >> top) & 1;
      } else if (sgn) {
        sbit = false;
      }
      for (uint32_t i = 0; i < uint32_t(bits); ++i) {
        uint64_t bit;
        if (i < len && pos + i < uint32_t(bits))
          bit = (x >> (pos + i)) & 1;
        else
          bit = sgn ? uint64_t(sbit) : 0;
        r |= bit << i;
      }
      d[l] = r & m;
    });
    return;
  case Op::Bfi:
    lanes(mask, [&](int l) {
      uint32_t pos = uint32_t(c[l]) & 0xFF,
               len = uint32_t(reg(w, in.o[in.nd + 3])[l]) & 0xFF;
      uint64_t r = b[l] & m;
      for (uint32_t i = 0; i < len && pos + i < uint32_t(bits); ++i) {
        uint64_t bit = (a[l] >> i) & 1;
        r = (r & ~(uint64_t(1) << (pos + i))) | (bit << (pos + i));
      }
      d[l] = r;
    });
    return;
  case Op::Prmt:
    lanes(mask, [&](int l) {
      uint64_t bytes = (uint64_t(uint32_t(b[l])) << 32) | uint32_t(a[l]);
      uint32_t sel = uint32_t(c[l]), r = 0;
      for (int i = 0; i < 4; ++i) {
        uint32_t s = (sel >> (4 * i)) & 0xF;
        uint32_t byte = uint32_t(bytes >> (8 * (s & 7))) & 0xFF;
        if (s & 8)
          byte = (byte & 0x80) ? 0xFF : 0;
        r |= byte << (8 * i);
      }
      d[l] = r;
    });
    return;
  default:
    break;
  }
  fault(kIllegalInstruction, "unimplemented integer operation");
}

//===--- Floating point ---------------------------------------------------===//

void Runner::execFloat(Warp &w, const Inst &in, uint32_t mask) {
  uint64_t *d = reg(w, in.o[0]);
  const uint64_t *a = in.ns > 0 ? reg(w, in.o[in.nd]) : nullptr;
  const uint64_t *b = in.ns > 1 ? reg(w, in.o[in.nd + 1]) : nullptr;
  const uint64_t *c = in.ns > 2 ? reg(w, in.o[in.nd + 2]) : nullptr;
  if (in.ty == Ty::F64) {
    auto rnd = in.rnd;
    bool directed = rnd == Round::Rz || rnd == Round::Rm || rnd == Round::Rp;
    int saved = std::fegetround();
    if (directed)
      std::fesetround(rnd == Round::Rz   ? FE_TOWARDZERO
                      : rnd == Round::Rm ? FE_DOWNWARD
                                         : FE_UPWARD);
    lanes(mask, [&](int l) {
      volatile double x = asF64(a[l]);
      volatile double y = b ? asF64(b[l]) : 0.0, z = c ? asF64(c[l]) : 0.0;
      double r;
      switch (in.op) {
      case Op::Add:
        r = x + y;
        break;
      case Op::Sub:
        r = x - y;
        break;
      case Op::Mul:
        r = x * y;
        break;
      case Op::Fma:
      case Op::Mad:
        r = std::fma(x, y, z);
        break;
      case Op::Div:
        r = x / y;
        break;
      case Op::Min:
        r = in.mode ? (std::isnan(x) || std::isnan(y) ? NAN : std::fmin(x, y))
                    : std::fmin(x, y);
        break;
      case Op::Max:
        r = in.mode ? (std::isnan(x) || std::isnan(y) ? NAN : std::fmax(x, y))
                    : std::fmax(x, y);
        break;
      case Op::Abs:
        r = std::fabs(x);
        break;
      case Op::Neg:
        r = -x;
        break;
      case Op::Rcp:
        r = 1.0 / x;
        break;
      case Op::Sqrt:
        r = std::sqrt(x);
        break;
      case Op::Rsqrt:
        r = 1.0 / std::sqrt(x);
        break;
      case Op::Copysign:
        r = std::copysign(y, x);
        break;
      default:
        std::fesetround(saved);
        fault(kIllegalInstruction, "unimplemented f64 operation");
      }
      d[l] = bitsF64(r);
    });
    if (directed)
      std::fesetround(saved);
    return;
  }
  // f32, round to nearest, no flushing: the common case, one loop per op.
  if ((in.rnd == Round::Default || in.rnd == Round::Rn) && !in.ftz && !in.sat) {
    switch (in.op) {
    case Op::Add:
      lanes(mask, [&](int l) { d[l] = bitsF32(asF32(a[l]) + asF32(b[l])); });
      return;
    case Op::Sub:
      lanes(mask, [&](int l) { d[l] = bitsF32(asF32(a[l]) - asF32(b[l])); });
      return;
    case Op::Mul:
      lanes(mask, [&](int l) { d[l] = bitsF32(asF32(a[l]) * asF32(b[l])); });
      return;
    case Op::Fma:
      lanes(mask, [&](int l) {
        d[l] = bitsF32(std::fma(asF32(a[l]), asF32(b[l]), asF32(c[l])));
      });
      return;
    default:
      break;
    }
  }
  bool ftz = in.ftz;
  auto in32 = [&](const uint64_t *p, int l) {
    float x = asF32(p[l]);
    return ftz ? ftz32(x) : x;
  };
  auto out = [&](int l, float r) {
    if (ftz)
      r = ftz32(r);
    if (in.sat)
      r = sat01(r);
    d[l] = bitsF32(r);
  };
  Round r = in.rnd;
  bool nearest = r == Round::Default || r == Round::Rn;
  lanes(mask, [&](int l) {
    float x = in32(a, l);
    float y = b ? in32(b, l) : 0.0f;
    switch (in.op) {
    case Op::Add:
      if (nearest)
        return out(l, x + y);
      {
        double s = double(x) + double(y);
        double e =
            (double(x) - (s - (s - double(x)))) + (double(y) - (s - double(x)));
        return out(l, roundF32(s, e, r));
      }
    case Op::Sub:
      if (nearest)
        return out(l, x - y);
      {
        double yy = -double(y);
        double s = double(x) + yy;
        double e = (double(x) - (s - (s - double(x)))) + (yy - (s - double(x)));
        return out(l, roundF32(s, e, r));
      }
    case Op::Mul:
      if (nearest)
        return out(l, x * y);
      return out(l, roundF32(double(x) * double(y), 0, r));
    case Op::Fma:
    case Op::Mad: {
      float z = in32(c, l);
      if (nearest)
        return out(l, std::fma(x, y, z));
      double p = double(x) * double(y);
      double s = p + double(z);
      double bb = s - p;
      double e = (p - (s - bb)) + (double(z) - bb);
      return out(l, roundF32(s, e, r));
    }
    case Op::Div:
      return out(
          l, in.approx
                 ? x / y
                 : (nearest ? x / y : roundF32(double(x) / double(y), 0, r)));
    case Op::Min:
      if (in.mode && (std::isnan(x) || std::isnan(y)))
        return out(l, NAN);
      return out(l, std::fmin(x, y));
    case Op::Max:
      if (in.mode && (std::isnan(x) || std::isnan(y)))
        return out(l, NAN);
      return out(l, std::fmax(x, y));
    case Op::Abs:
      return out(l, std::fabs(x));
    case Op::Neg:
      return out(l, -x);
    case Op::Copysign:
      return out(l, std::copysign(y, x));
    case Op::Rcp:
      return out(l, 1.0f / x);
    case Op::Sqrt:
      return out(l, std::sqrt(x));
    case Op::Rsqrt:
      return out(l, 1.0f / std::sqrt(x));
    case Op::Ex2:
      return out(l, std::exp2(x));
    case Op::Lg2:
      return out(l, std::log2(x));
    case Op::Sin:
      return out(l, std::sin(x));
    case Op::Cos:
      return out(l, std::cos(x));
    case Op::Tanh:
      return out(l, std::tanh(x));
    default:
      fault(kIllegalInstruction, "unimplemented f32 operation");
    }
  });
}

void Runner::execHalf(Warp &w, const Inst &in, uint32_t mask) {
  uint64_t *d = reg(w, in.o[0]);
  const uint64_t *a = in.ns > 0 ? reg(w, in.o[in.nd]) : nullptr;
  const uint64_t *b = in.ns > 1 ? reg(w, in.o[in.nd + 1]) : nullptr;
  const uint64_t *c = in.ns > 2 ? reg(w, in.o[in.nd + 2]) : nullptr;
  bool bf = in.ty == Ty::BF16 || in.ty == Ty::BF16x2;
  int halves = (in.ty == Ty::F16x2 || in.ty == Ty::BF16x2) ? 2 : 1;
  lanes(mask, [&](int l) {
    uint64_t res = 0;
    for (int h = 0; h < halves; ++h) {
      auto part = [&](const uint64_t *p) {
        return double(half16(uint16_t(p[l] >> (16 * h)), bf));
      };
      double x = part(a), y = b ? part(b) : 0, z = c ? part(c) : 0, r;
      switch (in.op) {
      case Op::Add:
        r = x + y;
        break;
      case Op::Sub:
        r = x - y;
        break;
      case Op::Mul:
        r = x * y;
        break;
      case Op::Fma:
        r = x * y + z;
        break;
      case Op::Min:
        r = std::fmin(x, y);
        break;
      case Op::Max:
        r = std::fmax(x, y);
        break;
      case Op::Neg:
        r = -x;
        break;
      case Op::Abs:
        r = std::fabs(x);
        break;
      case Op::Ex2:
        r = std::exp2(x);
        break;
      default:
        fault(kIllegalInstruction, "unimplemented 16-bit float operation");
      }
      uint16_t o;
      if (in.op == Op::Neg)
        o = uint16_t((a[l] >> (16 * h)) ^ 0x8000);
      else if (in.op == Op::Abs)
        o = uint16_t((a[l] >> (16 * h)) & 0x7FFF);
      else {
        if (in.sat)
          r = std::isnan(r) ? 0 : std::min(1.0, std::max(0.0, r));
        o = toHalf16(r, bf);
      }
      res |= uint64_t(o) << (16 * h);
    }
    d[l] = res;
  });
}

//===--- Conversions ------------------------------------------------------===//

double intValue(uint64_t v, Ty t) {
  int bits = tyBits(t);
  uint64_t m = bits == 64 ? ~uint64_t(0) : (uint64_t(1) << bits) - 1;
  v &= m;
  if (tyIsSigned(t)) {
    if (bits < 64 && (v >> (bits - 1)) & 1)
      v |= ~m;
    return double(int64_t(v));
  }
  return double(v);
}

void Runner::execCvt(Warp &w, const Inst &in, uint32_t mask) {
  uint64_t *d = reg(w, in.o[0]);
  const uint64_t *a = reg(w, in.o[in.nd]);
  Ty dt = in.ty, st = in.ty2;
  if (dt == Ty::BF16x2 || dt == Ty::F16x2) {
    const uint64_t *b = reg(w, in.o[in.nd + 1]);
    bool bf = dt == Ty::BF16x2;
    lanes(mask, [&](int l) {
      float hi = asF32(a[l]), lo = asF32(b[l]);
      if (in.mode == 1) { // relu
        hi = std::isnan(hi) ? hi : std::max(hi, 0.0f);
        lo = std::isnan(lo) ? lo : std::max(lo, 0.0f);
      }
      uint16_t h = bf ? f32ToBf16(hi, in.rnd) : f32ToF16(hi, in.rnd);
      uint16_t o = bf ? f32ToBf16(lo, in.rnd) : f32ToF16(lo, in.rnd);
      d[l] = (uint64_t(h) << 16) | o;
    });
    return;
  }
  bool dFloat = tyIsFloat(dt), sFloat = tyIsFloat(st);
  int dbits = tyBits(dt);
  uint64_t dm = dbits == 64 ? ~uint64_t(0) : (uint64_t(1) << dbits) - 1;
  lanes(mask, [&](int l) {
    uint64_t v = a[l];
    if (!dFloat && !sFloat) {
      // Integer to integer: extend by the source type, then truncate or
      // saturate to the destination.
      int sbits = tyBits(st);
      uint64_t sm = sbits == 64 ? ~uint64_t(0) : (uint64_t(1) << sbits) - 1;
      uint64_t x = v & sm;
      bool neg = false;
      if (tyIsSigned(st) && sbits < 64 && ((x >> (sbits - 1)) & 1)) {
        x |= ~sm;
        neg = true;
      } else if (tyIsSigned(st) && sbits == 64) {
        neg = int64_t(x) < 0;
      }
      if (in.sat) {
        if (tyIsSigned(dt)) {
          int64_t lo = dbits == 64 ? INT64_MIN : -(int64_t(1) << (dbits - 1));
          int64_t hi =
              dbits == 64 ? INT64_MAX : (int64_t(1) << (dbits - 1)) - 1;
          if (neg || tyIsSigned(st)) {
            int64_t s = int64_t(x);
            s = std::min(std::max(s, lo), hi);
            x = uint64_t(s);
          } else if (x > uint64_t(hi)) {
            x = uint64_t(hi);
          }
        } else {
          if (neg)
            x = 0;
          else if (x > dm)
            x = dm;
        }
      }
      // Sign-extend into the destination width for signed results of
      // narrower registers (PTX writes the full register).
      d[l] = x & (tyIsSigned(dt) ? ~uint64_t(0) : dm);
      if (tyIsSigned(dt))
        d[l] = uint64_t(int64_t(x << (64 - dbits)) >> (64 - dbits));
      return;
    }
    double x;
    if (sFloat) {
      switch (st) {
      case Ty::F32:
        x = asF32(v);
        if (in.ftz)
          x = ftz32(float(x));
        break;
      case Ty::F64:
        x = asF64(v);
        break;
      case Ty::F16:
        x = f16ToF32(uint16_t(v));
        break;
      case Ty::BF16:
        x = bf16ToF32(uint16_t(v));
        break;
      default:
        fault(kIllegalInstruction, "unsupported cvt source type");
      }
    } else {
      x = intValue(v, st);
    }
    if (!dFloat) {
      // Float to integer: round as asked, saturate, NaN → 0.
      double r;
      switch (in.rnd) {
      case Round::Rni:
        r = std::nearbyint(x);
        break;
      case Round::Rmi:
        r = std::floor(x);
        break;
      case Round::Rpi:
        r = std::ceil(x);
        break;
      default:
        r = std::trunc(x);
        break;
      }
      if (std::isnan(r)) {
        d[l] = 0;
        return;
      }
      if (tyIsSigned(dt)) {
        double lo = -std::ldexp(1.0, dbits - 1),
               hi = std::ldexp(1.0, dbits - 1);
        int64_t s = r <= lo   ? (dbits == 64 ? INT64_MIN : int64_t(lo))
                    : r >= hi ? (dbits == 64 ? INT64_MAX : int64_t(hi) - 1)
                              : int64_t(r);
        d[l] = uint64_t(s) & dm;
      } else {
        double hi = std::ldexp(1.0, dbits);
        uint64_t u = r <= 0 ? 0 : r >= hi ? dm : uint64_t(r);
        d[l] = u;
      }
      return;
    }
    // To float.
    switch (dt) {
    case Ty::F64:
      if (!sFloat &&
          (in.rnd == Round::Rz || in.rnd == Round::Rm || in.rnd == Round::Rp)) {
        int saved = std::fegetround();
        std::fesetround(in.rnd == Round::Rz   ? FE_TOWARDZERO
                        : in.rnd == Round::Rm ? FE_DOWNWARD
                                              : FE_UPWARD);
        volatile int64_t s = int64_t(v);
        volatile double r = tyIsSigned(st) ? double(s) : double(uint64_t(v));
        std::fesetround(saved);
        d[l] = bitsF64(r);
        return;
      }
      if (!sFloat)
        x = tyIsSigned(st)
                ? double(int64_t(intValue(v, st)))
                : double(v & (tyBits(st) == 64 ? ~0ull
                                               : ((1ull << tyBits(st)) - 1)));
      if (in.rnd == Round::Rni)
        x = std::nearbyint(x);
      else if (in.rnd == Round::Rzi)
        x = std::trunc(x);
      else if (in.rnd == Round::Rmi)
        x = std::floor(x);
      else if (in.rnd == Round::Rpi)
        x = std::ceil(x);
      d[l] = bitsF64(x);
      return;
    case Ty::F32: {
      float f;
      if (in.rnd == Round::Rni || in.rnd == Round::Rzi ||
          in.rnd == Round::Rmi || in.rnd == Round::Rpi) {
        double r = in.rnd == Round::Rni   ? std::nearbyint(x)
                   : in.rnd == Round::Rzi ? std::trunc(x)
                   : in.rnd == Round::Rmi ? std::floor(x)
                                          : std::ceil(x);
        f = float(r);
      } else if (!sFloat && (tyBits(st) == 64)) {
        // 64-bit integers are not exact in a double: hi + lo.
        double hi, lo;
        if (tyIsSigned(st)) {
          int64_t s = int64_t(v);
          hi = double(s);
          lo = double(s - int64_t(hi == 9223372036854775808.0 ? INT64_MAX
                                                              : int64_t(hi)));
          if (hi == 9223372036854775808.0)
            lo -= 1; // s - 2^63
        } else {
          hi = double(v);
          lo = hi >= 18446744073709551616.0 ? -double(~v + 1)
                                            : double(int64_t(v - uint64_t(hi)));
        }
        f = roundF32(hi, lo, in.rnd);
      } else {
        f = roundF32(x, 0, in.rnd);
      }
      if (in.ftz)
        f = ftz32(f);
      if (in.sat)
        f = sat01(f);
      d[l] = bitsF32(f);
      return;
    }
    case Ty::F16:
      d[l] = sFloat && st == Ty::F32 ? f32ToF16(float(x), in.rnd)
                                     : f64ToF16(x, in.rnd);
      return;
    case Ty::BF16:
      d[l] = st == Ty::F32 ? f32ToBf16(float(x), in.rnd) : f64ToBf16(x);
      return;
    default:
      fault(kIllegalInstruction, "unsupported cvt destination type");
    }
  });
}

//===--- Comparisons ------------------------------------------------------===//

void Runner::execSetp(Warp &w, const Inst &in, uint32_t mask) {
  const uint64_t *a = reg(w, in.o[in.nd]), *b = reg(w, in.o[in.nd + 1]);
  const uint64_t *c = in.ns > 2 ? reg(w, in.o[in.nd + 2]) : nullptr;
  Ty t = in.op == Op::Set ? in.ty2 : in.ty;
  lanes(mask, [&](int l) {
    bool r;
    if (tyIsFloat(t)) {
      double x, y;
      if (t == Ty::F32) {
        x = asF32(a[l]);
        y = asF32(b[l]);
        if (in.ftz) {
          x = ftz32(float(x));
          y = ftz32(float(y));
        }
      } else if (t == Ty::F64) {
        x = asF64(a[l]);
        y = asF64(b[l]);
      } else {
        bool bf = t == Ty::BF16;
        x = half16(uint16_t(a[l]), bf);
        y = half16(uint16_t(b[l]), bf);
      }
      bool un = std::isnan(x) || std::isnan(y);
      switch (in.cmp) {
      case Cmp::Eq:
        r = !un && x == y;
        break;
      case Cmp::Ne:
        r = !un && x != y;
        break;
      case Cmp::Lt:
        r = !un && x < y;
        break;
      case Cmp::Le:
        r = !un && x <= y;
        break;
      case Cmp::Gt:
        r = !un && x > y;
        break;
      case Cmp::Ge:
        r = !un && x >= y;
        break;
      case Cmp::Equ:
        r = un || x == y;
        break;
      case Cmp::Neu:
        r = un || x != y;
        break;
      case Cmp::Ltu:
        r = un || x < y;
        break;
      case Cmp::Leu:
        r = un || x <= y;
        break;
      case Cmp::Gtu:
        r = un || x > y;
        break;
      case Cmp::Geu:
        r = un || x >= y;
        break;
      case Cmp::Num:
        r = !un;
        break;
      case Cmp::Nan:
        r = un;
        break;
      default:
        fault(kIllegalInstruction, "bad float comparison");
      }
    } else {
      int bits = tyBits(t);
      uint64_t m = bits >= 64 ? ~uint64_t(0) : (uint64_t(1) << bits) - 1;
      uint64_t ux = a[l] & m, uy = b[l] & m;
      if (t == Ty::Pred) {
        ux = (a[l] & 1) ^ in.negSrc[0];
        uy = (b[l] & 1) ^ in.negSrc[1];
      }
      int64_t sx = int64_t(ux), sy = int64_t(uy);
      if (bits < 64) {
        sx = int64_t(ux << (64 - bits)) >> (64 - bits);
        sy = int64_t(uy << (64 - bits)) >> (64 - bits);
      }
      bool s = tyIsSigned(t);
      switch (in.cmp) {
      case Cmp::Eq:
        r = ux == uy;
        break;
      case Cmp::Ne:
        r = ux != uy;
        break;
      case Cmp::Lt:
        r = s ? sx < sy : ux < uy;
        break;
      case Cmp::Le:
        r = s ? sx <= sy : ux <= uy;
        break;
      case Cmp::Gt:
        r = s ? sx > sy : ux > uy;
        break;
      case Cmp::Ge:
        r = s ? sx >= sy : ux >= uy;
        break;
      case Cmp::Lo:
        r = ux < uy;
        break;
      case Cmp::Ls:
        r = ux <= uy;
        break;
      case Cmp::Hi:
        r = ux > uy;
        break;
      case Cmp::Hs:
        r = ux >= uy;
        break;
      default:
        fault(kIllegalInstruction, "bad integer comparison");
      }
    }
    bool q = !r;
    if (c) {
      bool cv = (c[l] & 1) ^ in.negSrc[2];
      switch (in.mode) {
      case 1:
        r = r && cv;
        q = q && cv;
        break;
      case 2:
        r = r || cv;
        q = q || cv;
        break;
      case 3:
        r = r != cv;
        q = q != cv;
        break;
      }
    }
    if (in.op == Op::Set) {
      uint64_t v =
          in.ty == Ty::F32 ? (r ? bitsF32(1.0f) : 0) : (r ? 0xFFFFFFFFu : 0);
      reg(w, in.o[0])[l] = v;
      return;
    }
    reg(w, in.o[0])[l] = r;
    if (in.nd == 2)
      reg(w, in.o[1])[l] = q;
  });
}

//===--- Memory instructions ----------------------------------------------===//

inline uint64_t loadBytes(const uint8_t *p, uint32_t n) {
  switch (n) {
  case 1:
    return *p;
  case 2: {
    uint16_t v;
    std::memcpy(&v, p, 2);
    return v;
  }
  case 4: {
    uint32_t v;
    std::memcpy(&v, p, 4);
    return v;
  }
  default: {
    uint64_t v;
    std::memcpy(&v, p, 8);
    return v;
  }
  }
}
inline void storeBytes(uint8_t *p, uint64_t v, uint32_t n) {
  switch (n) {
  case 1:
    *p = uint8_t(v);
    return;
  case 2: {
    uint16_t x = uint16_t(v);
    std::memcpy(p, &x, 2);
    return;
  }
  case 4: {
    uint32_t x = uint32_t(v);
    std::memcpy(p, &x, 4);
    return;
  }
  default:
    std::memcpy(p, &v, 8);
    return;
  }
}

void Runner::execLdSt(Warp &w, const Inst &in, uint32_t mask) {
  uint32_t es = uint32_t(tyBits(in.ty) / 8);
  if (es == 0 || es > 8)
    fault(kIllegalInstruction, "unsupported ld/st width");
  uint32_t bytes = es * in.vec;
  bool sgn = tyIsSigned(in.ty), isLoad = in.op == Op::Ld;
  uint64_t ext = es == 8 ? 0 : ~uint64_t(0) << (es * 8);
  uint64_t *R[4];
  for (int i = 0; i < in.vec; ++i)
    R[i] = reg(w, in.o[isLoad ? i : in.nd + i]);
  lanes(mask, [&](int l) {
    uint64_t addr = addrOf(w, in, l);
    uint8_t *p;
    switch (resolve(in.space, addr)) {
    case Resolved::Global:
      p = globalPtr(addr, bytes, l, !isLoad);
      break;
    case Resolved::Shared:
      sharedBounds(addr, bytes, l);
      if (isLoad)
        sharedRead(addr, bytes, l, tidOf(l));
      else
        sharedWrite(addr, bytes, l, tidOf(l));
      p = shared.data() + addr;
      break;
    case Resolved::Local:
      p = localPtr(addr, bytes, l);
      break;
    case Resolved::Param:
    default:
      if (!isLoad)
        fault(kIllegalAddress, "store to kernel parameter space", l, addr,
              true);
      p = paramPtr(addr, bytes, l);
      break;
    }
    if (isLoad) {
      for (int i = 0; i < in.vec; ++i) {
        uint64_t v = loadBytes(p + i * es, es);
        if (sgn && ((v >> (es * 8 - 1)) & 1))
          v |= ext;
        R[i][l] = v;
      }
    } else {
      for (int i = 0; i < in.vec; ++i)
        storeBytes(p + i * es, R[i][l], es);
    }
  });
}

void Runner::execAtom(Warp &w, const Inst &in, uint32_t mask) {
  uint32_t es = uint32_t(tyBits(in.ty) / 8);
  uint64_t m = es == 8 ? ~uint64_t(0) : (uint64_t(1) << (8 * es)) - 1;
  lanes(mask, [&](int l) {
    uint64_t addr = addrOf(w, in, l);
    uint64_t a = addr;
    Resolved r = resolve(in.space, a);
    uint8_t *p;
    if (r == Resolved::Global) {
      p = globalPtr(a, es, l, true);
      stats.globalRead += es;
    } else if (r == Resolved::Shared) {
      sharedBounds(a, es, l);
      for (uint64_t bb = a; bb < a + es; ++bb)
        if (shadow[bb].wEpoch < blockEpoch)
          fault(kLaunchFailed, "shared atomic on memory never written", l, bb,
                true);
      sharedWrite(a, es, l, tidOf(l), true);
      p = shared.data() + a;
    } else {
      fault(kIllegalAddress, "atomic outside global or shared memory", l, addr,
            true);
    }
    uint64_t old = 0;
    std::memcpy(&old, p, es);
    uint64_t v = reg(w, in.o[in.nd])[l] & m, nv = old;
    bool isF = tyIsFloat(in.ty), sgn = tyIsSigned(in.ty);
    auto sv = [&](uint64_t x) {
      return es == 8 ? int64_t(x)
                     : int64_t(x << (64 - 8 * es)) >> (64 - 8 * es);
    };
    switch (in.mode) {
    case 0:
      if (isF)
        nv = es == 4 ? bitsF32(asF32(old) + asF32(v))
                     : bitsF64(asF64(old) + asF64(v));
      else
        nv = old + v;
      break;
    case 1:
      nv = isF   ? (es == 4 ? bitsF32(std::fmin(asF32(old), asF32(v)))
                            : bitsF64(std::fmin(asF64(old), asF64(v))))
           : sgn ? (sv(old) < sv(v) ? old : v)
                 : std::min(old, v);
      break;
    case 2:
      nv = isF   ? (es == 4 ? bitsF32(std::fmax(asF32(old), asF32(v)))
                            : bitsF64(std::fmax(asF64(old), asF64(v))))
           : sgn ? (sv(old) > sv(v) ? old : v)
                 : std::max(old, v);
      break;
    case 3:
      nv = v;
      break;
    case 4:
      nv = old == v ? reg(w, in.o[in.nd + 1])[l] & m : old;
      break;
    case 5:
      nv = old & v;
      break;
    case 6:
      nv = old | v;
      break;
    case 7:
      nv = old ^ v;
      break;
    case 8:
      nv = old >= v ? 0 : old + 1;
      break;
    case 9:
      nv = (old == 0 || old > v) ? v : old - 1;
      break;
    }
    nv &= m;
    std::memcpy(p, &nv, es);
    if (in.op == Op::Atom)
      reg(w, in.o[0])[l] = old;
  });
}

//===--- Warp collectives -------------------------------------------------===//

void Runner::execShfl(Warp &w, const Inst &in, uint32_t mask) {
  const uint64_t *a = reg(w, in.o[in.nd]), *b = reg(w, in.o[in.nd + 1]),
                 *c = reg(w, in.o[in.nd + 2]), *mm = reg(w, in.o[in.nd + 3]);
  uint64_t src[32];
  std::memcpy(src, a, sizeof src);
  lanes(mask, [&](int l) {
    uint32_t member = uint32_t(mm[l]);
    if (!((member >> l) & 1))
      fault(kIllegalInstruction, "shfl.sync by a lane not in its member mask",
            l);
    if ((member & ~mask) != 0)
      fault(kIllegalInstruction,
            "shfl.sync member mask names lanes that did not reach it", l);
    uint32_t lane = uint32_t(b[l]) & 31, cc = uint32_t(c[l]);
    uint32_t clamp = cc & 31, seg = (cc >> 8) & 31;
    uint32_t maxLane = (uint32_t(l) & seg) | (clamp & ~seg);
    uint32_t minLane = uint32_t(l) & seg;
    int j;
    bool p;
    switch (in.mode) {
    case 0:
      j = l - int(lane);
      p = j >= int(maxLane);
      break;
    case 1:
      j = l + int(lane);
      p = j <= int(maxLane);
      break;
    case 2:
      j = l ^ int(lane);
      p = j <= int(maxLane);
      break;
    default:
      j = int(minLane | (lane & ~seg));
      p = j <= int(maxLane);
      break;
    }
    if (!p)
      j = l;
    if (!((member >> j) & 1))
      fault(kIllegalInstruction,
            "shfl.sync reads lane " + std::to_string(j) +
                " outside the member mask",
            l);
    reg(w, in.o[0])[l] = uint32_t(src[j]);
    if (in.nd == 2)
      reg(w, in.o[1])[l] = p;
  });
}

void Runner::execLdmatrix(Warp &w, const Inst &in, uint32_t mask) {
  if (mask != kAllLanes)
    fault(kIllegalInstruction,
          "ldmatrix.sync.aligned reached by only part of a warp");
  // Rows: thread 8i+r gives the address of row r of matrix i.
  uint64_t rows[32];
  int nrows = 8 * in.vec;
  for (int t = 0; t < nrows; ++t) {
    uint64_t addr = addrOf(w, in, t);
    uint64_t a = addr;
    if (in.space == Space::Generic &&
        resolve(Space::Generic, a) != Resolved::Shared)
      fault(kIllegalAddress, "ldmatrix address not in shared memory", t, addr,
            true);
    if (in.space == Space::Shared)
      a = addr;
    sharedBounds(a, 16, t);
    sharedRead(a, 16, t, tidOf(t));
    rows[t] = a;
  }
  for (int i = 0; i < in.vec; ++i) {
    uint64_t *d = reg(w, in.o[i]);
    for (int l = 0; l < 32; ++l) {
      uint16_t e0, e1;
      if (!in.trans) {
        uint64_t row = rows[8 * i + l / 4];
        std::memcpy(&e0, shared.data() + row + (l % 4) * 4, 2);
        std::memcpy(&e1, shared.data() + row + (l % 4) * 4 + 2, 2);
      } else {
        // Lane l holds column l/4 of rows 2(l%4) and 2(l%4)+1.
        uint64_t r0 = rows[8 * i + 2 * (l % 4)],
                 r1 = rows[8 * i + 2 * (l % 4) + 1];
        std::memcpy(&e0, shared.data() + r0 + (l / 4) * 2, 2);
        std::memcpy(&e1, shared.data() + r1 + (l / 4) * 2, 2);
      }
      d[l] = uint64_t(e0) | (uint64_t(e1) << 16);
    }
  }
}

void Runner::execMma(Warp &w, const Inst &in, uint32_t mask) {
  if (mask != kAllLanes)
    fault(kIllegalInstruction,
          "mma.sync.aligned reached by only part of a warp");
  bool bf = in.ty2 == Ty::BF16;
  int K = in.mode; // 16 or 8
  int na = K == 16 ? 4 : 2, nb = K == 16 ? 2 : 1;
  float A[16][16], B[16][8];
  auto h = [&](uint64_t v, int half) {
    return half16(uint16_t(v >> (16 * half)), bf);
  };
  int s = in.nd;
  for (int l = 0; l < 32; ++l) {
    int g = l >> 2, t = l & 3;
    for (int r = 0; r < na; ++r) {
      uint64_t v = reg(w, in.o[s + r])[l];
      int row = g + ((r & 1) ? 8 : 0), col = t * 2 + ((r & 2) ? 8 : 0);
      A[row][col] = h(v, 0);
      A[row][col + 1] = h(v, 1);
    }
    for (int r = 0; r < nb; ++r) {
      uint64_t v = reg(w, in.o[s + na + r])[l];
      int k = t * 2 + (r ? 8 : 0);
      B[k][g] = h(v, 0);
      B[k + 1][g] = h(v, 1);
    }
  }
  float C[16][8];
  for (int l = 0; l < 32; ++l) {
    int g = l >> 2, t = l & 3;
    for (int r = 0; r < 4; ++r)
      C[g + (r >= 2 ? 8 : 0)][t * 2 + (r & 1)] =
          asF32(reg(w, in.o[s + na + nb + r])[l]);
  }
  float D[16][8];
  for (int i = 0; i < 16; ++i)
    for (int j = 0; j < 8; ++j) {
      double acc = C[i][j];
      for (int k = 0; k < K; ++k)
        acc += double(A[i][k]) * double(B[k][j]);
      D[i][j] = float(acc);
    }
  for (int l = 0; l < 32; ++l) {
    int g = l >> 2, t = l & 3;
    for (int r = 0; r < 4; ++r)
      reg(w, in.o[r])[l] = bitsF32(D[g + (r >= 2 ? 8 : 0)][t * 2 + (r & 1)]);
  }
  ++stats.mma;
}

void Runner::execCpAsync(Warp &w, const Inst &in, uint32_t mask) {
  const uint64_t *sb = in.o[0] >= 0 ? reg(w, in.o[0]) : nullptr;
  const uint64_t *so = reg(w, in.o[1]), *ss = reg(w, in.o[2]);
  uint32_t size = in.vec;
  lanes(mask, [&](int l) {
    uint64_t dst = addrOf(w, in, l);
    uint64_t src = (sb ? sb[l] : 0) + so[l];
    uint32_t srcSize = uint32_t(ss[l]);
    if (srcSize > size)
      fault(kIllegalInstruction, "cp.async src-size larger than the copy", l);
    sharedBounds(dst, size, l);
    if (srcSize > 0) {
      checkAlign(src, size, l, "global (cp.async source)");
      globalPtr(src, srcSize, l, false);
    }
    for (uint64_t b = dst; b < dst + size; ++b) {
      if (pending[b])
        fault(kLaunchFailed,
              "cp.async into bytes another cp.async has not yet written", l, b,
              true);
      Shadow &s = shadow[b];
      uint32_t tid = tidOf(l);
      if (s.wEpoch == epoch && s.wTid != tid)
        fault(kLaunchFailed,
              "shared-memory race (cp.async after a write by thread " +
                  describeTid(s.wTid) + " with no barrier between)",
              l, b, true);
      if (s.rEpoch == epoch && s.rTid != tid)
        fault(kLaunchFailed,
              "shared-memory race (cp.async after a read by another thread "
              "with no barrier between)",
              l, b, true);
      ++pending[b];
    }
    w.open[l].push_back({dst, src, size, srcSize, in.line, tidOf(l)});
  });
}

void Runner::landCopies(Warp &w, int lane, size_t keep) {
  auto &gs = w.groups[lane];
  while (gs.size() > keep) {
    for (const Copy &c : gs.front()) {
      uint8_t buf[16] = {0};
      if (c.srcSize)
        std::memcpy(buf, reinterpret_cast<const void *>(c.src), c.srcSize);
      for (uint32_t i = 0; i < c.size; ++i) {
        --pending[c.dst + i];
        Shadow &s = shadow[c.dst + i];
        s.wEpoch = epoch;
        s.wTid = c.tid;
      }
      std::memcpy(shared.data() + c.dst, buf, c.size);
      stats.sharedWrite += c.size;
    }
    gs.pop_front();
  }
}

//===--- Dispatch ---------------------------------------------------------===//

void Runner::exec(Warp &w, const Inst &in, uint32_t mask) {
  if (in.ty == Ty::F32) {
    if (in.op == Op::Fma || in.op == Op::Mad)
      stats.f32Flops += 2 * uint64_t(__builtin_popcount(mask));
    else if (in.op == Op::Add || in.op == Op::Sub || in.op == Op::Mul)
      stats.f32Flops += __builtin_popcount(mask);
  }
  switch (in.op) {
  case Op::Mov: {
    if (in.mode == 1) { // pack
      int parts = in.ns, pb = tyBits(in.ty) / parts;
      uint64_t pm = (uint64_t(1) << pb) - 1;
      lanes(mask, [&](int l) {
        uint64_t v = 0;
        for (int i = 0; i < parts; ++i)
          v |= (reg(w, in.o[in.nd + i])[l] & pm) << (pb * i);
        reg(w, in.o[0])[l] = v;
      });
      return;
    }
    if (in.mode == 2) { // unpack
      int parts = in.nd, pb = tyBits(in.ty) / parts;
      uint64_t pm = (uint64_t(1) << pb) - 1;
      lanes(mask, [&](int l) {
        uint64_t v = reg(w, in.o[in.nd])[l];
        for (int i = 0; i < parts; ++i)
          reg(w, in.o[i])[l] = (v >> (pb * i)) & pm;
      });
      return;
    }
    const uint64_t *s = reg(w, in.o[1]);
    uint64_t *d = reg(w, in.o[0]);
    int bits = tyBits(in.ty);
    uint64_t m = bits >= 64 ? ~uint64_t(0) : (uint64_t(1) << bits) - 1;
    lanes(mask, [&](int l) { d[l] = s[l] & m; });
    return;
  }
  case Op::Ld:
  case Op::St:
    execLdSt(w, in, mask);
    return;
  case Op::Cvta: {
    const uint64_t *s = reg(w, in.o[1]);
    uint64_t *d = reg(w, in.o[0]);
    uint64_t win = in.space == Space::Shared  ? kSharedWindow
                   : in.space == Space::Local ? kLocalWindow
                   : in.space == Space::Param ? kParamWindow
                                              : 0;
    lanes(mask, [&](int l) {
      d[l] = in.mode == 1 ? (win ? (s[l] & kWindowMask) : s[l]) : s[l] + win;
    });
    return;
  }
  case Op::Cvt:
    execCvt(w, in, mask);
    return;
  case Op::Setp:
  case Op::Set:
    execSetp(w, in, mask);
    return;
  case Op::Selp: {
    const uint64_t *a = reg(w, in.o[1]), *b = reg(w, in.o[2]),
                   *c = reg(w, in.o[3]);
    uint64_t *d = reg(w, in.o[0]);
    bool neg = in.negSrc[2];
    lanes(mask, [&](int l) { d[l] = ((c[l] & 1) ^ neg) ? a[l] : b[l]; });
    return;
  }
  case Op::Slct: {
    const uint64_t *a = reg(w, in.o[1]), *b = reg(w, in.o[2]),
                   *c = reg(w, in.o[3]);
    uint64_t *d = reg(w, in.o[0]);
    lanes(mask, [&](int l) {
      bool ge = in.ty2 == Ty::F32 ? !(asF32(c[l]) < 0.0f) : int32_t(c[l]) >= 0;
      d[l] = ge ? a[l] : b[l];
    });
    return;
  }
  case Op::Testp: {
    const uint64_t *a = reg(w, in.o[1]);
    uint64_t *d = reg(w, in.o[0]);
    lanes(mask, [&](int l) {
      double x = in.ty == Ty::F32 ? double(asF32(a[l])) : asF64(a[l]);
      int c =
          in.ty == Ty::F32 ? std::fpclassify(asF32(a[l])) : std::fpclassify(x);
      bool r = false;
      switch (in.mode) {
      case 0:
        r = std::isfinite(x);
        break;
      case 1:
        r = std::isinf(x);
        break;
      case 2:
        r = !std::isnan(x);
        break;
      case 3:
        r = std::isnan(x);
        break;
      case 4:
        r = c == FP_NORMAL;
        break;
      case 5:
        r = c == FP_SUBNORMAL;
        break;
      }
      d[l] = r;
    });
    return;
  }
  case Op::Copysign:
  case Op::Rcp:
  case Op::Sqrt:
  case Op::Rsqrt:
  case Op::Ex2:
  case Op::Lg2:
  case Op::Sin:
  case Op::Cos:
  case Op::Tanh:
  case Op::Fma:
    if (in.ty == Ty::F16 || in.ty == Ty::BF16 || in.ty == Ty::F16x2 ||
        in.ty == Ty::BF16x2)
      execHalf(w, in, mask);
    else
      execFloat(w, in, mask);
    return;
  case Op::Add:
  case Op::Sub:
  case Op::Mul:
  case Op::Mad:
  case Op::Div:
  case Op::Rem:
  case Op::Abs:
  case Op::Neg:
  case Op::Min:
  case Op::Max:
    if (in.ty == Ty::F32 || in.ty == Ty::F64)
      execFloat(w, in, mask);
    else if (tyIsFloat(in.ty))
      execHalf(w, in, mask);
    else
      execInt(w, in, mask);
    return;
  case Op::And:
  case Op::Or:
  case Op::Xor:
  case Op::Not:
  case Op::Cnot:
  case Op::Shl:
  case Op::Shr:
  case Op::Shf:
  case Op::Popc:
  case Op::Clz:
  case Op::Brev:
  case Op::Bfe:
  case Op::Bfi:
  case Op::Bfind:
  case Op::Prmt:
    execInt(w, in, mask);
    return;
  case Op::Atom:
  case Op::Red:
    execAtom(w, in, mask);
    return;
  case Op::Shfl:
    execShfl(w, in, mask);
    return;
  case Op::Vote: {
    const uint64_t *p = reg(w, in.o[1]), *mm = reg(w, in.o[2]);
    uint32_t ballot = 0;
    lanes(mask, [&](int l) {
      if (((p[l] & 1) ^ in.negSrc[0]))
        ballot |= 1u << l;
    });
    lanes(mask, [&](int l) {
      uint32_t member = uint32_t(mm[l]);
      if ((member & ~mask) != 0)
        fault(kIllegalInstruction,
              "vote.sync member mask names lanes that did not reach it", l);
      uint32_t b = ballot & member;
      uint64_t r;
      switch (in.mode) {
      case 0:
        r = b == member;
        break;
      case 1:
        r = b != 0;
        break;
      case 2:
        r = b == 0 || b == member;
        break;
      default:
        r = b;
        break;
      }
      reg(w, in.o[0])[l] = r;
    });
    return;
  }
  case Op::Activemask: {
    uint64_t *d = reg(w, in.o[0]);
    lanes(mask, [&](int l) { d[l] = mask; });
    return;
  }
  case Op::BarWarp: {
    const uint64_t *mm = reg(w, in.o[0]);
    lanes(mask, [&](int l) {
      if ((uint32_t(mm[l]) & ~mask) != 0)
        fault(kIllegalInstruction,
              "bar.warp.sync member mask names lanes that did not reach it", l);
    });
    return;
  }
  case Op::Ldmatrix:
    execLdmatrix(w, in, mask);
    return;
  case Op::Mma:
    execMma(w, in, mask);
    return;
  case Op::CpAsync:
    execCpAsync(w, in, mask);
    return;
  case Op::CpAsyncCommit:
    lanes(mask, [&](int l) {
      w.groups[l].push_back(std::move(w.open[l]));
      w.open[l].clear();
    });
    return;
  case Op::CpAsyncWait:
    lanes(mask, [&](int l) { landCopies(w, l, size_t(in.imm)); });
    return;
  case Op::CpAsyncWaitAll:
    lanes(mask, [&](int l) {
      if (!w.open[l].empty()) {
        w.groups[l].push_back(std::move(w.open[l]));
        w.open[l].clear();
      }
      landCopies(w, l, 0);
    });
    return;
  case Op::Membar:
  case Op::Nop:
    return;
  case Op::Trap:
    fault(kLaunchFailed, "trap executed", __builtin_ctz(mask));
  default:
    fault(kIllegalInstruction, "instruction not executable here");
  }
}

void Runner::runWarp(Warp &w) {
  while (true) {
    if (w.stack.empty()) {
      w.state = Warp::Done;
      return;
    }
    Warp::Frame &f = w.stack.back();
    uint32_t mask = f.mask & w.live;
    if (mask == 0 || f.pc == f.rpc) {
      w.stack.pop_back();
      continue;
    }
    uint32_t pc = f.pc;
    const Inst &in = K.code[pc];
    cur = &in;
    curPc = pc;
    ++stats.instructions;
    uint32_t act = mask;
    if (in.guard >= 0) {
      const uint64_t *g = reg(w, in.guard);
      uint32_t on = 0;
      lanes(mask, [&](int l) {
        if ((g[l] & 1) != uint64_t(in.guardNeg))
          on |= 1u << l;
      });
      act = on;
    }
    switch (in.op) {
    case Op::Bra: {
      uint32_t target = uint32_t(in.imm), rest = mask & ~act;
      if (!rest) {
        f.pc = target;
      } else if (!act) {
        f.pc = pc + 1;
      } else {
        uint32_t rpc = K.reconverge[pc];
        f.pc = rpc;
        f.mask = mask;
        w.stack.push_back({pc + 1, rpc, rest});
        w.stack.push_back({target, rpc, act});
      }
      continue;
    }
    case Op::Exit:
    case Op::Ret: {
      if (act) {
        // Copies in flight land before the thread's end.
        lanes(act, [&](int l) {
          if (!w.open[l].empty()) {
            w.groups[l].push_back(std::move(w.open[l]));
            w.open[l].clear();
          }
          landCopies(w, l, 0);
        });
        w.live &= ~act;
        if (w.live == 0) {
          w.state = Warp::Done;
          return;
        }
      }
      f.pc = pc + 1;
      continue;
    }
    case Op::Bar: {
      if (!act) {
        f.pc = pc + 1;
        continue;
      }
      if (act != w.live) {
        uint32_t missing = w.live & ~act;
        int other = __builtin_ctz(missing);
        std::string where = ", their guard is false";
        for (auto it = w.stack.rbegin(); it != w.stack.rend(); ++it)
          if (((it->mask >> other) & 1) && &*it != &f) {
            where =
                ", lane " + std::to_string(other) + " is at PTX line " +
                std::to_string(
                    K.code[std::min<size_t>(it->pc, K.code.size() - 1)].line);
            break;
          }
        char b[16];
        std::snprintf(b, sizeof b, "%08x", missing);
        fault(kIllegalInstruction,
              "bar.sync reached by only part of a warp (lanes 0x" +
                  std::string(b) + " of the warp did not arrive" + where + ")",
              __builtin_ctz(act));
      }
      const uint64_t *id = reg(w, in.o[0]);
      w.barId = uint32_t(id[__builtin_ctz(act)]);
      w.barCount =
          in.ns > 1 ? uint32_t(reg(w, in.o[1])[__builtin_ctz(act)]) : 0;
      w.barPc = pc;
      w.barMask = act;
      f.pc = pc + 1;
      w.state = Warp::AtBarrier;
      return;
    }
    default:
      if (in.aligned && act != kAllLanes &&
          (in.op == Op::Mma || in.op == Op::Ldmatrix))
        fault(kIllegalInstruction,
              std::string(in.op == Op::Mma ? "mma" : "ldmatrix") +
                  ".sync.aligned reached by only part of a warp",
              act ? __builtin_ctz(act) : __builtin_ctz(mask));
      if (act)
        this->exec(w, in, act);
      w.stack.back().pc = pc + 1;
      continue;
    }
  }
}

void Runner::releaseBarriers() {
  // Threads still running (not exited) must all be at a barrier now.
  uint32_t liveThreads = 0, arrived = 0;
  int anyId = -1;
  bool mixed = false;
  for (Warp &w : warps) {
    if (w.state == Warp::Done)
      continue;
    liveThreads += __builtin_popcount(w.live);
    if (w.state == Warp::AtBarrier) {
      arrived += __builtin_popcount(w.barMask);
      if (anyId < 0)
        anyId = int(w.barId);
      else if (anyId != int(w.barId))
        mixed = true;
    }
  }
  if (mixed) {
    cur = nullptr;
    fault(kLaunchTimeout, "warps wait at different named barriers (deadlock)");
  }
  uint32_t count = 0;
  for (Warp &w : warps)
    if (w.state == Warp::AtBarrier && w.barCount)
      count = w.barCount;
  uint32_t need = count ? count : liveThreads;
  if (arrived < need) {
    cur = nullptr;
    fault(kLaunchTimeout,
          "barrier can never complete: " + std::to_string(arrived) + " of " +
              std::to_string(need) + " threads arrived (deadlock)");
  }
  // Barriers at different instructions are divergent __syncthreads().
  uint32_t pc0 = UINT32_MAX;
  for (size_t i = 0; i < warps.size(); ++i) {
    Warp &w = warps[i];
    if (w.state != Warp::AtBarrier)
      continue;
    if (pc0 == UINT32_MAX)
      pc0 = w.barPc;
    else if (w.barPc != pc0) {
      curWarp = uint32_t(i);
      cur = &K.code[w.barPc];
      curPc = w.barPc;
      fault(kIllegalInstruction,
            "warps of a block wait at different bar.sync instructions (PTX "
            "lines " +
                std::to_string(K.code[pc0].line) + " and " +
                std::to_string(K.code[w.barPc].line) + ")",
            __builtin_ctz(w.barMask));
    }
  }
  ++epoch;
  ++stats.barriers;
  for (Warp &w : warps)
    if (w.state == Warp::AtBarrier)
      w.state = Warp::Running;
}

uint64_t Runner::special(Special sp, uint32_t t, uint32_t lane,
                         uint32_t warp) const {
  const uint64_t tid[3] = {t % L.block[0], (t / L.block[0]) % L.block[1],
                           t / (L.block[0] * L.block[1])};
  auto axis = [](Special s, Special x) { return size_t(s) - size_t(x); };
  switch (sp) {
  case Special::TidX:
  case Special::TidY:
  case Special::TidZ:
    return tid[axis(sp, Special::TidX)];
  case Special::NtidX:
  case Special::NtidY:
  case Special::NtidZ:
    return L.block[axis(sp, Special::NtidX)];
  case Special::CtaidX:
  case Special::CtaidY:
  case Special::CtaidZ:
    return ctaid[axis(sp, Special::CtaidX)];
  case Special::NctaidX:
  case Special::NctaidY:
  case Special::NctaidZ:
    return L.grid[axis(sp, Special::NctaidX)];
  case Special::Laneid:
    return lane;
  case Special::Warpid:
    return warp;
  case Special::Nwarpid:
    return nwarps;
  case Special::Smid:
    return (ctaid[0] + ctaid[1] + ctaid[2]) % 132;
  case Special::Nsmid:
    return 132;
  case Special::Clock:
  case Special::Clock64:
  case Special::Globaltimer:
    return stats.instructions; // monotonic, not a time
  case Special::LanemaskEq:
    return uint32_t(1) << lane;
  case Special::LanemaskLt:
    return (uint32_t(1) << lane) - 1;
  case Special::LanemaskLe:
    return lane == 31 ? kAllLanes : (uint32_t(1) << (lane + 1)) - 1;
  case Special::LanemaskGt:
    return lane == 31 ? 0 : ~((uint32_t(1) << (lane + 1)) - 1);
  case Special::LanemaskGe:
    return ~((uint32_t(1) << lane) - 1);
  case Special::DynamicSmemSize:
    return L.dynamicShared;
  case Special::TotalSmemSize:
    return sharedBytes;
  case Special::Gridid:
    return 1;
  }
  return 0;
}

void Runner::runBlock(unsigned bx, unsigned by, unsigned bz) {
  ctaid[0] = bx;
  ctaid[1] = by;
  ctaid[2] = bz;
  ++epoch;
  blockEpoch = epoch;
  for (uint32_t wi = 0; wi < nwarps; ++wi) {
    Warp &w = warps[wi];
    uint32_t first = wi * 32;
    uint32_t n = std::min<uint32_t>(32, nthreads - first);
    w.live = n == 32 ? kAllLanes : ((1u << n) - 1);
    w.stack.assign(1, {0, kNoReconvergence, w.live});
    w.state = Warp::Running;
    for (int l = 0; l < 32; ++l) {
      w.carry[l] = 0;
      w.open[l].clear();
      w.groups[l].clear();
    }
    for (auto [slot, sp] : K.specials) {
      uint64_t *r = reg(w, slot);
      for (uint32_t l = 0; l < 32; ++l)
        r[l] = special(sp, first + l, l, wi);
    }
  }
  std::vector<uint32_t> order(nwarps);
  for (uint32_t i = 0; i < nwarps; ++i)
    order[i] = i;
  while (true) {
    std::shuffle(order.begin(), order.end(), rng);
    bool any = false;
    for (uint32_t wi : order) {
      Warp &w = warps[wi];
      if (w.state != Warp::Running)
        continue;
      any = true;
      curWarp = wi;
      runWarp(w);
    }
    bool allDone = true, anyBarrier = false;
    for (Warp &w : warps) {
      allDone &= w.state == Warp::Done;
      anyBarrier |= w.state == Warp::AtBarrier;
    }
    if (allDone)
      break;
    if (anyBarrier) {
      bool running = false;
      for (Warp &w : warps)
        running |= w.state == Warp::Running;
      if (!running)
        releaseBarriers();
    } else if (!any) {
      break;
    }
  }
}

void Runner::run() {
  nthreads = L.block[0] * L.block[1] * L.block[2];
  nwarps = (nthreads + 31) / 32;
  sharedBytes = K.staticShared + L.dynamicShared;
  warps.resize(nwarps);
  regs.assign(size_t(nwarps) * K.numSlots * 32, 0);
  for (uint32_t wi = 0; wi < nwarps; ++wi) {
    warps[wi].R = regs.data() + size_t(wi) * K.numSlots * 32;
    for (auto [slot, v] : K.constants)
      for (int l = 0; l < 32; ++l)
        warps[wi].R[size_t(slot) * 32 + l] = v;
  }
  pcRange.assign(K.code.size(), {0, 0});
  shared.assign(sharedBytes, 0xA5);
  shadow.assign(sharedBytes, Shadow{0, 0, 0, 0});
  pending.assign(sharedBytes, 0);
  local.assign(size_t(nthreads) * K.localBytes, 0);
  for (unsigned z = 0; z < L.grid[2]; ++z)
    for (unsigned y = 0; y < L.grid[1]; ++y)
      for (unsigned x = 0; x < L.grid[0]; ++x)
        runBlock(x, y, z);
}

} // namespace

int execute(const Launch &launch, Memory &memory, uint64_t seed,
            LaunchStats &stats, std::string &report) {
  Runner r(launch, memory, seed, stats);
  try {
    r.run();
    r.flushSectors();
  } catch (const Fault &f) {
    report = f.what;
    return f.code;
  }
  return kSuccess;
}

} // namespace retnet::sim
