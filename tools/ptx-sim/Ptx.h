//===- Ptx.h - a PTX module decoded for the simulator -----------*- C++ -*-===//
//
// The simulator's form of a PTX module: each kernel a flat array of decoded
// instructions whose operands are register slots (immediates and special
// registers get slots too), so execution never looks at text again.
//
//===----------------------------------------------------------------------===//

#ifndef RETNET_PTXSIM_PTX_H
#define RETNET_PTXSIM_PTX_H

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace retnet::sim {

enum class Space : uint8_t { Generic, Global, Shared, Local, Param, Const };

enum class Ty : uint8_t {
  None,
  B8,
  B16,
  B32,
  B64,
  B128,
  U8,
  U16,
  U32,
  U64,
  S8,
  S16,
  S32,
  S64,
  F16,
  F16x2,
  BF16,
  BF16x2,
  F32,
  F64,
  Pred,
};

int tyBits(Ty t);
bool tyIsSigned(Ty t);
bool tyIsFloat(Ty t); // f16, bf16 (and x2), f32, f64

enum class Op : uint8_t {
  Mov,
  Ld,
  St,
  Cvta,
  Cvt,
  Add,
  Sub,
  Mul,
  Mad,
  Fma,
  Div,
  Rem,
  Abs,
  Neg,
  Min,
  Max,
  And,
  Or,
  Xor,
  Not,
  Cnot,
  Shl,
  Shr,
  Shf,
  Popc,
  Clz,
  Brev,
  Bfe,
  Bfi,
  Bfind,
  Prmt,
  Selp,
  Slct,
  Setp,
  Set,
  Copysign,
  Testp,
  Rcp,
  Sqrt,
  Rsqrt,
  Ex2,
  Lg2,
  Sin,
  Cos,
  Tanh,
  Bra,
  Ret,
  Exit,
  Trap,
  Bar,
  BarWarp,
  Membar,
  Nop,
  Atom,
  Red,
  Shfl,
  Vote,
  Activemask,
  Ldmatrix,
  Mma,
  CpAsync,
  CpAsyncCommit,
  CpAsyncWait,
  CpAsyncWaitAll,
};

/// Comparison of setp/set.
enum class Cmp : uint8_t {
  Eq,
  Ne,
  Lt,
  Le,
  Gt,
  Ge,
  Lo,
  Ls,
  Hi,
  Hs,
  Equ,
  Neu,
  Ltu,
  Leu,
  Gtu,
  Geu,
  Num,
  Nan,
};

enum class Round : uint8_t { Default, Rn, Rz, Rm, Rp, Rni, Rzi, Rmi, Rpi };

/// One decoded instruction. `o` holds register slots: destinations first
/// (`nd` of them), then sources; an address operand is `base` (a slot or
/// -1) plus `imm`.
struct Inst {
  Op op;
  Ty ty = Ty::None, ty2 = Ty::None; // type; second type (cvt source, mma)
  Space space = Space::Generic;
  Cmp cmp = Cmp::Eq;
  Round rnd = Round::Default;
  uint8_t vec = 1; // ld/st vector width; ldmatrix matrices; cp size
  uint8_t nd = 0;  // destinations in o
  uint8_t ns = 0;  // sources after them
  uint8_t mode =
      0; // per-op: mul hi/wide, shfl mode, vote mode, atom op, bool op
  bool ftz = false, sat = false, approx = false, trans = false;
  bool guardNeg = false, aligned = false, hasAddr = false;
  bool ccIn = false, ccOut = false;              // carry chain (addc, .cc)
  bool negSrc[4] = {false, false, false, false}; // !%p sources (setp/selp)
  int32_t guard = -1;                            // predicate slot or -1
  int32_t base = -1;                             // address base slot or -1
  int64_t imm = 0; // address offset; label target (bra); misc immediate
  int32_t o[16];
  uint32_t line = 0; // PTX line (1-based) for reports
};

struct ParamInfo {
  std::string name;
  uint32_t offset, size, align;
};

/// A module-level variable (.global/.const) or a function's .shared/.local.
struct Variable {
  std::string name;
  Space space;
  uint64_t size = 0, align = 1;
  uint64_t offset = 0;        // in its space (shared, local)
  std::vector<uint8_t> init;  // initializer (global/const)
  bool dynamicShared = false; // .extern .shared name[]
};

/// Register slot initial values: immediates, and which slots hold special
/// registers (filled per thread at launch).
enum class Special : uint8_t {
  TidX,
  TidY,
  TidZ,
  NtidX,
  NtidY,
  NtidZ,
  CtaidX,
  CtaidY,
  CtaidZ,
  NctaidX,
  NctaidY,
  NctaidZ,
  Laneid,
  Warpid,
  Nwarpid,
  Smid,
  Nsmid,
  Clock,
  Clock64,
  Globaltimer,
  LanemaskEq,
  LanemaskLt,
  LanemaskLe,
  LanemaskGt,
  LanemaskGe,
  DynamicSmemSize,
  TotalSmemSize,
  Gridid,
};

struct Kernel {
  std::string name;
  std::vector<Inst> code;
  std::vector<ParamInfo> params;
  uint32_t paramBytes = 0;
  uint32_t numSlots = 0;
  std::vector<std::pair<int32_t, uint64_t>> constants; // slot, value
  std::vector<std::pair<int32_t, Special>> specials;   // slot, register
  uint64_t staticShared = 0; // bytes of .shared declared (module + kernel)
  uint64_t localBytes = 0;   // per thread
  uint32_t sharedAlign = 16;
  uint32_t reqThreads[3] = {0, 0, 0}; // .reqntid / .maxntid product check
  uint32_t maxThreads = 0;
  std::vector<std::string> lines; // source text of each instruction by index
  /// For each branch, where its lanes reconverge: the first instruction of
  /// the immediate post-dominator of its block (kNoReconvergence: only at
  /// exit).
  std::vector<uint32_t> reconverge;
};

constexpr uint32_t kNoReconvergence = 0xFFFFFFFFu;

/// Fills kernel.reconverge from its control-flow graph.
void computeReconvergence(Kernel &kernel);

struct Module {
  std::map<std::string, std::unique_ptr<Kernel>> kernels;
  std::vector<Variable> globals;                 // .global and .const variables
  std::map<std::string, uint64_t> globalAddress; // filled by the driver
};

/// Parses PTX text. On failure returns null and sets `error` (with the
/// line). `resolveGlobal` gives each module variable's device address,
/// called once per variable in declaration order before kernels are decoded.
std::unique_ptr<Module>
parsePtx(const std::string &text, std::string &error,
         uint64_t (*allocateGlobal)(const Variable &, void *), void *ctx);

} // namespace retnet::sim

#endif // RETNET_PTXSIM_PTX_H
