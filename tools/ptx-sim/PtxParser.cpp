//===- PtxParser.cpp - PTX text to the simulator's decoded form -----------===//
//
// Reads the PTX that LLVM's NVPTX back end and `nvcc -ptx` emit: module
// directives, variables with initializers, kernels with scoped register
// declarations (inline asm opens scopes), labels and instructions. Every
// instruction is decoded once into an Inst; an opcode, modifier or operand
// form it does not know is an error naming it, never skipped.
//
//===----------------------------------------------------------------------===//

#include "Ptx.h"
#include "Windows.h"

#include <cctype>
#include <cstdlib>
#include <cstring>
#include <set>
#include <stdexcept>
#include <unordered_map>

namespace retnet::sim {

int tyBits(Ty t) {
  switch (t) {
  case Ty::B8:
  case Ty::U8:
  case Ty::S8:
    return 8;
  case Ty::B16:
  case Ty::U16:
  case Ty::S16:
  case Ty::F16:
  case Ty::BF16:
    return 16;
  case Ty::B32:
  case Ty::U32:
  case Ty::S32:
  case Ty::F32:
  case Ty::F16x2:
  case Ty::BF16x2:
    return 32;
  case Ty::B64:
  case Ty::U64:
  case Ty::S64:
  case Ty::F64:
    return 64;
  case Ty::B128:
    return 128;
  case Ty::Pred:
    return 1;
  case Ty::None:
    return 0;
  }
  return 0;
}
bool tyIsSigned(Ty t) {
  return t == Ty::S8 || t == Ty::S16 || t == Ty::S32 || t == Ty::S64;
}
bool tyIsFloat(Ty t) {
  return t == Ty::F16 || t == Ty::F16x2 || t == Ty::BF16 || t == Ty::BF16x2 ||
         t == Ty::F32 || t == Ty::F64;
}

namespace {

struct ParseError : std::runtime_error {
  unsigned line;
  ParseError(unsigned line, const std::string &m)
      : std::runtime_error(m), line(line) {}
};

//===--- Lexer ------------------------------------------------------------===//

enum class Tok : uint8_t { Ident, Number, String, Punct, End };

struct Token {
  Tok kind;
  std::string text;
  unsigned line;
};

std::vector<Token> lex(const std::string &s) {
  std::vector<Token> out;
  unsigned line = 1;
  size_t i = 0, n = s.size();
  auto identChar = [](char c) {
    return std::isalnum((unsigned char)c) || c == '_' || c == '$' || c == '%' ||
           c == '.';
  };
  while (i < n) {
    char c = s[i];
    if (c == '\n') {
      ++line;
      ++i;
    } else if (std::isspace((unsigned char)c)) {
      ++i;
    } else if (c == '/' && i + 1 < n && s[i + 1] == '/') {
      while (i < n && s[i] != '\n')
        ++i;
    } else if (c == '/' && i + 1 < n && s[i + 1] == '*') {
      i += 2;
      while (i + 1 < n && !(s[i] == '*' && s[i + 1] == '/')) {
        if (s[i] == '\n')
          ++line;
        ++i;
      }
      i += 2;
    } else if (c == '"') {
      size_t j = i + 1;
      while (j < n && s[j] != '"' && s[j] != '\n')
        ++j;
      out.push_back({Tok::String, s.substr(i + 1, j - i - 1), line});
      i = j + 1;
    } else if (std::isdigit((unsigned char)c)) {
      size_t j = i;
      if (c == '0' && j + 1 < n &&
          (s[j + 1] == 'x' || s[j + 1] == 'X' || s[j + 1] == 'f' ||
           s[j + 1] == 'F' || s[j + 1] == 'd' || s[j + 1] == 'D'))
        j += 2;
      while (j < n && (std::isalnum((unsigned char)s[j]) || s[j] == '.' ||
                       ((s[j] == '-' || s[j] == '+') &&
                        (s[j - 1] == 'e' || s[j - 1] == 'E') &&
                        !(s[i + 1] == 'x' || s[i + 1] == 'X'))))
        ++j;
      out.push_back({Tok::Number, s.substr(i, j - i), line});
      i = j;
    } else if (identChar(c)) {
      size_t j = i;
      while (j < n) {
        if (identChar(s[j]))
          ++j;
        else if (s[j] == ':' && j + 1 < n && s[j + 1] == ':')
          j += 2;
        else
          break;
      }
      out.push_back({Tok::Ident, s.substr(i, j - i), line});
      i = j;
    } else {
      out.push_back({Tok::Punct, std::string(1, c), line});
      ++i;
    }
  }
  out.push_back({Tok::End, "", line});
  return out;
}

//===--- Immediates -------------------------------------------------------===//

struct Literal {
  bool isFloat = false; // written as a decimal with '.' or exponent
  bool hexF32 = false, hexF64 = false;
  uint64_t bits = 0; // integer value, or the hex float's bits
  double value = 0;  // decimal float value
};

Literal parseNumber(const std::string &t, bool negative, unsigned line) {
  Literal m;
  auto bad = [&] { throw ParseError(line, "bad number '" + t + "'"); };
  if (t.size() > 2 && t[0] == '0' && (t[1] == 'f' || t[1] == 'F')) {
    if (t.size() != 10)
      bad();
    m.hexF32 = true;
    m.bits = std::strtoull(t.c_str() + 2, nullptr, 16);
    if (negative)
      m.bits ^= 0x80000000u;
    return m;
  }
  if (t.size() > 2 && t[0] == '0' && (t[1] == 'd' || t[1] == 'D')) {
    if (t.size() != 18)
      bad();
    m.hexF64 = true;
    m.bits = std::strtoull(t.c_str() + 2, nullptr, 16);
    if (negative)
      m.bits ^= 0x8000000000000000ull;
    return m;
  }
  bool hex = t.size() > 2 && t[0] == '0' && (t[1] == 'x' || t[1] == 'X');
  if (!hex && (t.find('.') != std::string::npos ||
               t.find_first_of("eE") != std::string::npos)) {
    char *end = nullptr;
    m.isFloat = true;
    m.value = std::strtod(t.c_str(), &end);
    if (*end)
      bad();
    if (negative)
      m.value = -m.value;
    return m;
  }
  std::string digits = t;
  if (!digits.empty() && (digits.back() == 'U' || digits.back() == 'u'))
    digits.pop_back();
  char *end = nullptr;
  uint64_t v = std::strtoull(
      digits.c_str(), &end,
      hex ? 16 : (digits.size() > 1 && digits[0] == '0' ? 8 : 10));
  if (*end)
    bad();
  m.bits = negative ? uint64_t(0) - v : v;
  return m;
}

uint64_t materialize(const Literal &m, Ty ty) {
  auto f32bits = [](float f) {
    uint32_t b;
    std::memcpy(&b, &f, 4);
    return uint64_t(b);
  };
  auto f64bits = [](double d) {
    uint64_t b;
    std::memcpy(&b, &d, 8);
    return b;
  };
  auto asF32 = [](uint64_t b) {
    float f;
    uint32_t u = uint32_t(b);
    std::memcpy(&f, &u, 4);
    return f;
  };
  auto asF64 = [](uint64_t b) {
    double d;
    std::memcpy(&d, &b, 8);
    return d;
  };
  if (ty == Ty::F32) {
    if (m.hexF32)
      return m.bits;
    if (m.hexF64)
      return f32bits(float(asF64(m.bits)));
    if (m.isFloat)
      return f32bits(float(m.value));
    return f32bits(float(int64_t(m.bits)));
  }
  if (ty == Ty::F64) {
    if (m.hexF64)
      return m.bits;
    if (m.hexF32)
      return f64bits(double(asF32(m.bits)));
    if (m.isFloat)
      return f64bits(m.value);
    return f64bits(double(int64_t(m.bits)));
  }
  if (m.hexF32 || m.hexF64 || m.isFloat) {
    // A float literal in a bit-typed operand (e.g. mov.b32 %r, 0f3F800000).
    if (m.hexF32 || m.hexF64)
      return m.bits;
    return f32bits(float(m.value));
  }
  return m.bits;
}

//===--- Parser -----------------------------------------------------------===//

bool parseTy(const std::string &m, Ty &t) {
  static const std::unordered_map<std::string, Ty> tys = {
      {"b8", Ty::B8},     {"b16", Ty::B16},       {"b32", Ty::B32},
      {"b64", Ty::B64},   {"b128", Ty::B128},     {"u8", Ty::U8},
      {"u16", Ty::U16},   {"u32", Ty::U32},       {"u64", Ty::U64},
      {"s8", Ty::S8},     {"s16", Ty::S16},       {"s32", Ty::S32},
      {"s64", Ty::S64},   {"f16", Ty::F16},       {"f16x2", Ty::F16x2},
      {"bf16", Ty::BF16}, {"bf16x2", Ty::BF16x2}, {"f32", Ty::F32},
      {"f64", Ty::F64},   {"pred", Ty::Pred}};
  auto it = tys.find(m);
  if (it == tys.end())
    return false;
  t = it->second;
  return true;
}

bool parseSpace(const std::string &m, Space &s) {
  if (m == "global")
    s = Space::Global;
  else if (m == "shared" || m == "shared::cta")
    s = Space::Shared;
  else if (m == "local")
    s = Space::Local;
  else if (m == "param" || m == "param::entry")
    s = Space::Param;
  else if (m == "const")
    s = Space::Const;
  else
    return false;
  return true;
}

/// Modifiers that change nothing a single-GPU functional model can observe
/// (cache policy, memory-order scopes on a machine without concurrency
/// between the accesses it models).
bool ignorable(const std::string &m) {
  static const std::set<std::string> ok = {"uni",
                                           "nc",
                                           "ca",
                                           "cg",
                                           "cs",
                                           "lu",
                                           "cv",
                                           "wb",
                                           "wt",
                                           "volatile",
                                           "relaxed",
                                           "acquire",
                                           "release",
                                           "acq_rel",
                                           "weak",
                                           "cta",
                                           "gpu",
                                           "sys",
                                           "L1::evict_normal",
                                           "L1::evict_first",
                                           "L1::evict_last",
                                           "L1::evict_unchanged",
                                           "L1::no_allocate",
                                           "L2::evict_normal",
                                           "L2::evict_first",
                                           "L2::evict_last",
                                           "L2::64B",
                                           "L2::128B",
                                           "L2::256B",
                                           "L2::cache_hint",
                                           "sync",
                                           "noftz",
                                           "sc",
                                           "cluster"};
  return ok.count(m) != 0;
}

struct Scope {
  std::unordered_map<std::string, int32_t> regs;
};

class Parser {
public:
  Parser(const std::string &text, uint64_t (*alloc)(const Variable &, void *),
         void *ctx)
      : toks(lex(text)), allocateGlobal(alloc), allocCtx(ctx) {
    // Source lines, for reports.
    size_t start = 0;
    while (start <= text.size()) {
      size_t end = text.find('\n', start);
      if (end == std::string::npos)
        end = text.size();
      srcLines.push_back(text.substr(start, end - start));
      start = end + 1;
    }
  }

  std::unique_ptr<Module> run() {
    mod = std::make_unique<Module>();
    while (peek().kind != Tok::End)
      topLevel();
    return std::move(mod);
  }

private:
  std::vector<Token> toks;
  size_t pos = 0;
  std::vector<std::string> srcLines;
  uint64_t (*allocateGlobal)(const Variable &, void *);
  void *allocCtx;
  std::unique_ptr<Module> mod;
  std::vector<Variable> moduleShared; // module-scope .shared variables
  std::unordered_map<std::string, uint64_t> globalAddr;

  // Per-kernel state.
  Kernel *k = nullptr;
  std::vector<Scope> scopes;
  std::unordered_map<std::string, uint32_t> labels;
  std::vector<std::pair<size_t, std::string>> labelFixups;
  std::unordered_map<std::string, uint64_t> sharedSym, localSym;
  std::unordered_map<std::string, uint32_t> paramSym;
  std::map<uint64_t, int32_t> constSlot;
  std::unordered_map<int, int32_t> specialSlot;

  const Token &peek(size_t ahead = 0) const {
    return toks[std::min(pos + ahead, toks.size() - 1)];
  }
  const Token &next() {
    const Token &t = toks[pos];
    if (pos + 1 < toks.size())
      ++pos;
    return t;
  }
  [[noreturn]] void fail(const std::string &m) {
    throw ParseError(peek().line, m);
  }
  bool isPunct(const char *p) const {
    return peek().kind == Tok::Punct && peek().text == p;
  }
  void expect(const char *p) {
    if (!isPunct(p))
      fail(std::string("expected '") + p + "', found '" + peek().text + "'");
    next();
  }
  std::string ident() {
    if (peek().kind != Tok::Ident)
      fail("expected a name, found '" + peek().text + "'");
    return next().text;
  }
  uint64_t number() {
    bool neg = false;
    if (isPunct("-")) {
      next();
      neg = true;
    }
    if (peek().kind != Tok::Number)
      fail("expected a number, found '" + peek().text + "'");
    const Token &t = next();
    return parseNumber(t.text, neg, t.line).bits;
  }
  void skipLine() {
    unsigned l = peek().line;
    while (peek().kind != Tok::End && peek().line == l)
      next();
  }
  void skipBalanced() {
    int depth = 0;
    do {
      if (isPunct("{"))
        ++depth;
      else if (isPunct("}"))
        --depth;
      if (peek().kind == Tok::End)
        fail("unbalanced braces");
      next();
    } while (depth > 0);
  }

  void topLevel() {
    const Token &t = peek();
    if (t.kind == Tok::Punct && t.text == ";") {
      next();
      return;
    }
    if (t.kind != Tok::Ident)
      fail("unexpected '" + t.text + "' at module level");
    std::string d = t.text;
    if (d == ".version" || d == ".target" || d == ".address_size" ||
        d == ".file" || d == ".loc") {
      if (d == ".address_size") {
        next();
        if (number() != 64)
          fail("only .address_size 64 is supported");
        return;
      }
      skipLine();
      return;
    }
    if (d == ".section") {
      next();
      ident();
      skipBalanced();
      return;
    }
    bool isExtern = false;
    while (d == ".visible" || d == ".extern" || d == ".weak" ||
           d == ".common") {
      isExtern |= d == ".extern";
      next();
      d = peek().text;
    }
    if (d == ".entry") {
      next();
      entry();
      return;
    }
    if (d == ".func") {
      next();
      // Device functions: declarations and bodies are skipped; a call to
      // one is refused when decoded (`call` is not supported).
      while (!isPunct(";") && !isPunct("{") && peek().kind != Tok::End)
        next();
      if (isPunct("{"))
        skipBalanced();
      else
        next();
      return;
    }
    if (d == ".global" || d == ".const" || d == ".shared") {
      Variable v = variable();
      if (v.space == Space::Shared) {
        if (isExtern && v.size == 0)
          v.dynamicShared = true;
        moduleShared.push_back(v);
        return;
      }
      if (isExtern)
        fail("extern variable '" + v.name + "' is not defined in the module");
      uint64_t addr = allocateGlobal(v, allocCtx);
      globalAddr[v.name] = addr;
      mod->globalAddress[v.name] = addr;
      mod->globals.push_back(std::move(v));
      return;
    }
    fail("unsupported module-level directive '" + d + "'");
  }

  /// `.space [.align N] [.vN] .type name[dims] [= init];` (the space token
  /// is current).
  Variable variable() {
    Variable v;
    std::string sp = next().text.substr(1);
    if (!parseSpace(sp, v.space))
      fail("bad state space '" + sp + "'");
    v.align = 0;
    unsigned vec = 1;
    Ty ty = Ty::None;
    while (peek().kind == Tok::Ident && peek().text[0] == '.') {
      std::string m = next().text.substr(1);
      if (m == "align")
        v.align = number();
      else if (m == "v2" || m == "v4")
        vec = m[1] - '0';
      else if (m == "ptr") {
      } else if (!parseTy(m, ty))
        fail("unsupported variable modifier '." + m + "'");
    }
    if (ty == Ty::None || ty == Ty::Pred)
      fail("variable without a data type");
    uint64_t elem = uint64_t(tyBits(ty) / 8) * vec;
    if (v.align == 0)
      v.align = elem;
    v.name = ident();
    uint64_t count = 1;
    bool unsized = false;
    while (isPunct("[")) {
      next();
      if (isPunct("]")) {
        unsized = true;
        next();
        continue;
      }
      count *= number();
      expect("]");
    }
    v.size = unsized ? 0 : count * elem;
    if (isPunct("=")) {
      next();
      v.init.assign(v.size, 0);
      std::vector<uint64_t> vals;
      if (isPunct("{")) {
        next();
        while (!isPunct("}")) {
          if (isPunct("{"))
            fail("nested initializers are not supported");
          vals.push_back(initValue(ty));
          if (isPunct(","))
            next();
        }
        next();
      } else {
        vals.push_back(initValue(ty));
      }
      unsigned bytes = tyBits(ty) / 8;
      for (size_t i = 0; i < vals.size() && (i + 1) * bytes <= v.size; ++i)
        std::memcpy(v.init.data() + i * bytes, &vals[i], bytes);
    }
    expect(";");
    return v;
  }

  uint64_t initValue(Ty ty) {
    bool neg = false;
    if (isPunct("-")) {
      next();
      neg = true;
    }
    if (peek().kind == Tok::Ident) {
      // generic(sym) or sym: the address of another variable.
      std::string name = next().text;
      if (name == "generic") {
        expect("(");
        name = ident();
        expect(")");
      }
      auto it = globalAddr.find(name);
      if (it == globalAddr.end())
        fail("initializer names unknown variable '" + name + "'");
      return it->second;
    }
    if (peek().kind != Tok::Number)
      fail("bad initializer '" + peek().text + "'");
    const Token &t = next();
    return materialize(parseNumber(t.text, neg, t.line), ty);
  }

  //===--- Kernels
  //----------------------------------------------------------===//

  int32_t newSlot() { return int32_t(k->numSlots++); }

  int32_t constant(uint64_t v) {
    auto it = constSlot.find(v);
    if (it != constSlot.end())
      return it->second;
    int32_t s = newSlot();
    constSlot[v] = s;
    k->constants.push_back({s, v});
    return s;
  }

  void entry() {
    auto kern = std::make_unique<Kernel>();
    k = kern.get();
    k->name = ident();
    scopes.clear();
    labels.clear();
    labelFixups.clear();
    sharedSym.clear();
    localSym.clear();
    paramSym.clear();
    constSlot.clear();
    specialSlot.clear();
    // Parameters.
    if (isPunct("(")) {
      next();
      uint32_t off = 0;
      while (!isPunct(")")) {
        if (peek().text != ".param")
          fail("expected .param in the parameter list of '" + k->name + "'");
        next();
        uint32_t align = 0, vec = 1;
        Ty ty = Ty::None;
        while (peek().kind == Tok::Ident && peek().text[0] == '.') {
          std::string m = next().text.substr(1);
          if (m == "align")
            align = uint32_t(number());
          else if (m == "ptr" || m == "global" || m == "shared" ||
                   m == "const" || m == "local")
            ;
          else if (m == "v2" || m == "v4")
            vec = m[1] - '0';
          else if (!parseTy(m, ty))
            fail("unsupported parameter modifier '." + m + "'");
        }
        uint32_t elem = uint32_t(tyBits(ty) / 8) * vec;
        std::string name = ident();
        uint32_t count = 1;
        while (isPunct("[")) {
          next();
          count *= uint32_t(number());
          expect("]");
        }
        if (!align)
          align = elem;
        off = (off + align - 1) / align * align;
        k->params.push_back({name, off, elem * count, align});
        paramSym[name] = off;
        off += elem * count;
        if (isPunct(","))
          next();
      }
      next();
      k->paramBytes = off;
    }
    // Performance directives.
    while (peek().kind == Tok::Ident && peek().text[0] == '.') {
      std::string d = next().text;
      std::vector<uint64_t> dims;
      while (peek().kind == Tok::Number) {
        dims.push_back(number());
        if (isPunct(","))
          next();
      }
      if (d == ".reqntid" || d == ".maxntid") {
        uint64_t p = 1;
        for (uint64_t x : dims)
          p *= x;
        if (d == ".reqntid")
          for (size_t i = 0; i < dims.size() && i < 3; ++i)
            k->reqThreads[i] = uint32_t(dims[i]);
        k->maxThreads = uint32_t(p);
      } else if (d != ".minnctapersm" && d != ".maxnreg" &&
                 d != ".maxnctapersm" && d != ".noreturn" &&
                 d != ".explicitcluster" && d != ".reqnctapercluster" &&
                 d != ".maxclusterrank") {
        fail("unsupported kernel directive '" + d + "'");
      }
    }
    if (isPunct(";")) { // a declaration only
      next();
      return;
    }
    // Module-level shared variables are visible in every kernel.
    uint64_t sharedOff = 0;
    std::vector<std::string> dyn;
    for (const Variable &v : moduleShared) {
      if (v.dynamicShared) {
        dyn.push_back(v.name);
        continue;
      }
      sharedOff = (sharedOff + v.align - 1) / v.align * v.align;
      sharedSym[v.name] = sharedOff;
      sharedOff += v.size;
    }
    k->staticShared = sharedOff;
    body();
    for (const std::string &n : dyn)
      sharedSym[n] = 0; // fixed below, after the kernel's own .shared
    uint64_t dynOff = (k->staticShared + 15) / 16 * 16;
    for (const std::string &n : dyn)
      sharedSym[n] = dynOff;
    for (auto &[idx, name] : labelFixups) {
      auto it = labels.find(name);
      if (it == labels.end()) {
        // A dynamic-shared symbol used before its offset was known.
        auto s = sharedSym.find(name);
        if (s == sharedSym.end())
          throw ParseError(k->code[idx].line,
                           "unknown label or symbol '" + name + "'");
        Inst &in = k->code[idx];
        if (in.hasAddr)
          in.imm += int64_t(s->second);
        else
          in.o[in.nd] = constant(s->second);
        continue;
      }
      k->code[idx].imm = it->second;
    }
    // Falling off the end exits.
    Inst ex{};
    ex.op = Op::Exit;
    ex.line = k->code.empty() ? 0 : k->code.back().line;
    k->code.push_back(ex);
    k->lines.push_back("(end of kernel)");
    computeReconvergence(*k);
    mod->kernels[k->name] = std::move(kern);
    k = nullptr;
  }

  int32_t lookupReg(const std::string &name) {
    for (auto it = scopes.rbegin(); it != scopes.rend(); ++it) {
      auto r = it->regs.find(name);
      if (r != it->regs.end())
        return r->second;
    }
    return -1;
  }

  void body() {
    expect("{");
    scopes.emplace_back();
    while (true) {
      if (peek().kind == Tok::End)
        fail("unterminated kernel '" + k->name + "'");
      if (isPunct("{")) {
        next();
        scopes.emplace_back();
        continue;
      }
      if (isPunct("}")) {
        next();
        scopes.pop_back();
        if (scopes.empty())
          return;
        continue;
      }
      if (isPunct(";")) {
        next();
        continue;
      }
      const Token &t = peek();
      if (t.kind == Tok::Ident && peek(1).kind == Tok::Punct &&
          peek(1).text == ":") {
        labels[t.text] = uint32_t(k->code.size());
        next();
        next();
        continue;
      }
      if (t.kind == Tok::Ident && t.text == ".reg") {
        next();
        regDecl();
        continue;
      }
      if (t.kind == Tok::Ident && (t.text == ".local" || t.text == ".shared")) {
        Variable v = variable();
        if (v.space == Space::Local) {
          k->localBytes = (k->localBytes + v.align - 1) / v.align * v.align;
          localSym[v.name] = k->localBytes;
          k->localBytes += v.size;
        } else {
          k->staticShared = (k->staticShared + v.align - 1) / v.align * v.align;
          sharedSym[v.name] = k->staticShared;
          k->staticShared += v.size;
        }
        continue;
      }
      if (t.kind == Tok::Ident &&
          (t.text == ".pragma" || t.text == ".loc" || t.text == ".file")) {
        if (t.text == ".pragma") {
          while (!isPunct(";"))
            next();
          next();
        } else {
          skipLine();
        }
        continue;
      }
      instruction();
    }
  }

  void regDecl() {
    Ty ty = Ty::None;
    unsigned vec = 1;
    while (peek().kind == Tok::Ident && peek().text[0] == '.') {
      std::string m = next().text.substr(1);
      if (m == "v2" || m == "v4")
        vec = m[1] - '0';
      else if (!parseTy(m, ty))
        fail("unsupported register type '." + m + "'");
    }
    if (vec != 1)
      fail("vector registers are not supported");
    (void)ty;
    while (true) {
      std::string name = ident();
      if (isPunct("<")) {
        next();
        uint64_t n = number();
        expect(">");
        for (uint64_t i = 0; i < n; ++i)
          scopes.back().regs[name + std::to_string(i)] = newSlot();
      } else {
        scopes.back().regs[name] = newSlot();
      }
      if (!isPunct(","))
        break;
      next();
    }
    expect(";");
  }

  //===--- Instructions
  //-----------------------------------------------------===//

  // A parsed operand before typing.
  struct RawOp {
    enum Kind { Reg, Imm, Addr, Vec, Name, Sink } kind;
    int32_t slot = -1;
    bool neg = false;
    Literal imm;
    std::string name;         // Name / address symbol
    std::vector<RawOp> elems; // Vec
    int64_t offset = 0;       // Addr
  };

  int32_t special(const std::string &name) {
    static const std::unordered_map<std::string, Special> sp = {
        {"%tid.x", Special::TidX},
        {"%tid.y", Special::TidY},
        {"%tid.z", Special::TidZ},
        {"%ntid.x", Special::NtidX},
        {"%ntid.y", Special::NtidY},
        {"%ntid.z", Special::NtidZ},
        {"%ctaid.x", Special::CtaidX},
        {"%ctaid.y", Special::CtaidY},
        {"%ctaid.z", Special::CtaidZ},
        {"%nctaid.x", Special::NctaidX},
        {"%nctaid.y", Special::NctaidY},
        {"%nctaid.z", Special::NctaidZ},
        {"%laneid", Special::Laneid},
        {"%warpid", Special::Warpid},
        {"%nwarpid", Special::Nwarpid},
        {"%smid", Special::Smid},
        {"%nsmid", Special::Nsmid},
        {"%clock", Special::Clock},
        {"%clock64", Special::Clock64},
        {"%globaltimer", Special::Globaltimer},
        {"%lanemask_eq", Special::LanemaskEq},
        {"%lanemask_lt", Special::LanemaskLt},
        {"%lanemask_le", Special::LanemaskLe},
        {"%lanemask_gt", Special::LanemaskGt},
        {"%lanemask_ge", Special::LanemaskGe},
        {"%dynamic_smem_size", Special::DynamicSmemSize},
        {"%total_smem_size", Special::TotalSmemSize},
        {"%gridid", Special::Gridid}};
    auto it = sp.find(name);
    if (it == sp.end())
      return -1;
    auto s = specialSlot.find(int(it->second));
    if (s != specialSlot.end())
      return s->second;
    int32_t slot = newSlot();
    specialSlot[int(it->second)] = slot;
    k->specials.push_back({slot, it->second});
    return slot;
  }

  RawOp operand() {
    RawOp r;
    if (isPunct("{")) {
      next();
      r.kind = RawOp::Vec;
      while (!isPunct("}")) {
        r.elems.push_back(operand());
        if (isPunct(","))
          next();
      }
      next();
      return r;
    }
    if (isPunct("[")) {
      next();
      r.kind = RawOp::Addr;
      bool sign = false;
      while (!isPunct("]")) {
        if (isPunct("+")) {
          next();
          continue;
        }
        if (isPunct("-")) {
          next();
          sign = true;
          continue;
        }
        if (peek().kind == Tok::Number) {
          const Token &t = next();
          Literal m = parseNumber(t.text, sign, t.line);
          r.offset += int64_t(m.bits);
          sign = false;
          continue;
        }
        std::string n = ident();
        int32_t s = lookupReg(n);
        if (s >= 0) {
          if (r.slot >= 0)
            fail("address with two registers");
          r.slot = s;
        } else {
          if (!r.name.empty())
            fail("address with two symbols");
          r.name = n;
        }
      }
      next();
      return r;
    }
    bool neg = false;
    if (isPunct("!")) {
      next();
      neg = true;
    }
    if (isPunct("-") && peek(1).kind == Tok::Number) {
      next();
      const Token &t = next();
      r.kind = RawOp::Imm;
      r.imm = parseNumber(t.text, true, t.line);
      return r;
    }
    if (peek().kind == Tok::Number) {
      const Token &t = next();
      r.kind = RawOp::Imm;
      r.imm = parseNumber(t.text, false, t.line);
      return r;
    }
    std::string n = ident();
    if (n == "_") {
      r.kind = RawOp::Sink;
      return r;
    }
    int32_t s = lookupReg(n);
    if (s < 0)
      s = special(n);
    if (s >= 0) {
      r.kind = RawOp::Reg;
      r.slot = s;
      r.neg = neg;
      return r;
    }
    if (n[0] == '%')
      fail("unknown register '" + n + "'");
    r.kind = RawOp::Name;
    r.name = n;
    return r;
  }

  /// The slot of a source operand, materializing immediates as `ty`.
  int32_t src(const RawOp &r, Ty ty, Inst &in, size_t fixupIdx, int idx) {
    switch (r.kind) {
    case RawOp::Reg:
      if (r.neg && idx >= 0 && idx < 4)
        in.negSrc[idx] = true;
      else if (r.neg)
        fail("'!' on this operand is not supported");
      return r.slot;
    case RawOp::Imm:
      return constant(materialize(r.imm, ty));
    case RawOp::Name: {
      uint64_t v;
      if (symbolValue(r.name, v, nullptr))
        return constant(v);
      // Possibly dynamic shared (resolved at the end of the kernel).
      labelFixups.push_back({fixupIdx, r.name});
      return -1;
    }
    case RawOp::Sink:
      return newSlot();
    default:
      fail("unexpected operand form");
    }
  }

  int32_t dst(const RawOp &r) {
    if (r.kind == RawOp::Sink)
      return newSlot();
    if (r.kind != RawOp::Reg || r.neg)
      fail("destination must be a register");
    return r.slot;
  }

  /// The value of a symbol in its own state space; `space` gets the space.
  bool symbolValue(const std::string &n, uint64_t &v, Space *space) {
    if (auto it = paramSym.find(n); it != paramSym.end()) {
      v = it->second;
      if (space)
        *space = Space::Param;
      return true;
    }
    if (auto it = sharedSym.find(n); it != sharedSym.end()) {
      v = it->second;
      if (space)
        *space = Space::Shared;
      return true;
    }
    if (auto it = localSym.find(n); it != localSym.end()) {
      v = it->second;
      if (space)
        *space = Space::Local;
      return true;
    }
    if (auto it = globalAddr.find(n); it != globalAddr.end()) {
      v = it->second;
      if (space)
        *space = Space::Global;
      return true;
    }
    return false;
  }

  void address(const RawOp &r, Inst &in) {
    if (r.kind != RawOp::Addr)
      fail("expected an address operand [..]");
    in.hasAddr = true;
    in.base = r.slot;
    in.imm = r.offset;
    if (!r.name.empty()) {
      uint64_t v;
      if (symbolValue(r.name, v, nullptr))
        in.imm += int64_t(v);
      else
        labelFixups.push_back({k->code.size(), r.name});
    }
  }

  void instruction() {
    Inst in{};
    in.line = peek().line;
    if (isPunct("@")) {
      next();
      if (isPunct("!")) {
        next();
        in.guardNeg = true;
      }
      std::string p = ident();
      in.guard = lookupReg(p);
      if (in.guard < 0)
        fail("unknown predicate '" + p + "'");
    }
    std::string opcode = ident();
    std::vector<std::string> mods;
    {
      size_t start = 0;
      std::string base;
      size_t dot = opcode.find('.');
      base = opcode.substr(0, dot);
      start = dot;
      while (start != std::string::npos) {
        size_t e = opcode.find('.', start + 1);
        // Keep "::" qualifiers inside one modifier.
        mods.push_back(opcode.substr(start + 1, e == std::string::npos
                                                    ? std::string::npos
                                                    : e - start - 1));
        start = e;
      }
      opcode = base;
    }
    std::vector<RawOp> ops;
    while (!isPunct(";")) {
      ops.push_back(operand());
      if (isPunct("|")) {
        next();
        RawOp second = operand();
        ops.back().elems.push_back(second); // pair destination
      }
      if (isPunct(","))
        next();
      else if (!isPunct(";"))
        fail("expected ',' or ';' after an operand of '" + opcode +
             "', found '" + peek().text + "'");
    }
    next();
    // The ';' is consumed: a decoding error names the instruction's line,
    // not the next token's.
    try {
      decode(in, opcode, mods, ops);
    } catch (const ParseError &e) {
      throw ParseError(in.line, e.what());
    }
    k->code.push_back(in);
    k->lines.push_back(in.line - 1 < srcLines.size() ? srcLines[in.line - 1]
                                                     : std::string());
  }

  [[noreturn]] void unsupported(const std::string &opcode,
                                const std::string &what) {
    fail("unsupported PTX instruction '" + opcode + "': " + what);
  }

  void decode(Inst &in, const std::string &opc,
              const std::vector<std::string> &mods,
              const std::vector<RawOp> &ops);
};

Op baseOp(const std::string &s, bool &known) {
  static const std::unordered_map<std::string, Op> m = {
      {"mov", Op::Mov},
      {"ld", Op::Ld},
      {"st", Op::St},
      {"cvta", Op::Cvta},
      {"cvt", Op::Cvt},
      {"add", Op::Add},
      {"sub", Op::Sub},
      {"mul", Op::Mul},
      {"mad", Op::Mad},
      {"fma", Op::Fma},
      {"div", Op::Div},
      {"rem", Op::Rem},
      {"abs", Op::Abs},
      {"neg", Op::Neg},
      {"min", Op::Min},
      {"max", Op::Max},
      {"and", Op::And},
      {"or", Op::Or},
      {"xor", Op::Xor},
      {"not", Op::Not},
      {"cnot", Op::Cnot},
      {"shl", Op::Shl},
      {"shr", Op::Shr},
      {"shf", Op::Shf},
      {"addc", Op::Add},
      {"subc", Op::Sub},
      {"madc", Op::Mad},
      {"popc", Op::Popc},
      {"clz", Op::Clz},
      {"brev", Op::Brev},
      {"bfe", Op::Bfe},
      {"bfi", Op::Bfi},
      {"bfind", Op::Bfind},
      {"prmt", Op::Prmt},
      {"selp", Op::Selp},
      {"slct", Op::Slct},
      {"setp", Op::Setp},
      {"set", Op::Set},
      {"copysign", Op::Copysign},
      {"testp", Op::Testp},
      {"rcp", Op::Rcp},
      {"sqrt", Op::Sqrt},
      {"rsqrt", Op::Rsqrt},
      {"ex2", Op::Ex2},
      {"lg2", Op::Lg2},
      {"sin", Op::Sin},
      {"cos", Op::Cos},
      {"tanh", Op::Tanh},
      {"bra", Op::Bra},
      {"ret", Op::Ret},
      {"exit", Op::Exit},
      {"trap", Op::Trap},
      {"bar", Op::Bar},
      {"barrier", Op::Bar},
      {"membar", Op::Membar},
      {"fence", Op::Membar},
      {"atom", Op::Atom},
      {"red", Op::Red},
      {"shfl", Op::Shfl},
      {"vote", Op::Vote},
      {"activemask", Op::Activemask},
      {"ldmatrix", Op::Ldmatrix},
      {"mma", Op::Mma},
      {"cp", Op::CpAsync},
      {"prefetch", Op::Nop},
      {"prefetchu", Op::Nop},
      {"nanosleep", Op::Nop},
      {"griddepcontrol", Op::Nop},
  };
  auto it = m.find(s);
  known = it != m.end();
  return known ? it->second : Op::Nop;
}

void Parser::decode(Inst &in, const std::string &opc,
                    const std::vector<std::string> &mods,
                    const std::vector<RawOp> &ops) {
  bool known;
  in.op = baseOp(opc, known);
  if (!known)
    unsupported(opc, "unknown opcode");
  in.ccIn = opc == "addc" || opc == "subc" || opc == "madc";
  std::string full = opc;
  for (auto &m : mods)
    full += "." + m;
  std::vector<Ty> tys;
  // Modifiers.
  for (size_t i = 0; i < mods.size(); ++i) {
    const std::string &m = mods[i];
    Ty t;
    Space sp;
    if (parseTy(m, t)) {
      tys.push_back(t);
      continue;
    }
    if (in.op != Op::Cvta && in.op != Op::Bar && parseSpace(m, sp)) {
      // cp.async.shared.global: the first space is the destination's.
      if (!(in.op == Op::CpAsync && in.space != Space::Generic))
        in.space = sp;
      continue;
    }
    if (m == "v2" || m == "v4" || m == "v8") {
      in.vec = uint8_t(m[1] - '0');
      continue;
    }
    if (m == "rn") {
      in.rnd = Round::Rn;
      continue;
    }
    if (m == "rz") {
      in.rnd = Round::Rz;
      continue;
    }
    if (m == "rm") {
      in.rnd = Round::Rm;
      continue;
    }
    if (m == "rp") {
      in.rnd = Round::Rp;
      continue;
    }
    if (m == "rni") {
      in.rnd = Round::Rni;
      continue;
    }
    if (m == "rzi") {
      in.rnd = Round::Rzi;
      continue;
    }
    if (m == "rmi") {
      in.rnd = Round::Rmi;
      continue;
    }
    if (m == "rpi") {
      in.rnd = Round::Rpi;
      continue;
    }
    if (m == "ftz") {
      in.ftz = true;
      continue;
    }
    if (m == "cc" &&
        (in.op == Op::Add || in.op == Op::Sub || in.op == Op::Mad)) {
      in.ccOut = true;
      continue;
    }
    if (in.op == Op::Shf) {
      if (m == "l") {
        in.mode |= 1;
        continue;
      }
      if (m == "r") {
        continue;
      }
      if (m == "wrap") {
        continue;
      }
      if (m == "clamp") {
        in.mode |= 2;
        continue;
      }
    }
    if (m == "sat" || m == "satfinite") {
      in.sat = true;
      continue;
    }
    if (m == "approx") {
      in.approx = true;
      continue;
    }
    if (m == "full") {
      in.approx = true;
      continue;
    }
    if (m == "aligned") {
      in.aligned = true;
      continue;
    }
    if (m == "trans") {
      in.trans = true;
      continue;
    }
    if (m == "relu" && in.op == Op::Cvt) {
      in.mode = 1;
      continue;
    }
    if (m == "NaN" && (in.op == Op::Min || in.op == Op::Max)) {
      in.mode = 1;
      continue;
    }
    if (in.op == Op::Mul || in.op == Op::Mad) {
      if (m == "lo") {
        in.mode = 0;
        continue;
      }
      if (m == "hi") {
        in.mode = 1;
        continue;
      }
      if (m == "wide") {
        in.mode = 2;
        continue;
      }
    }
    if (in.op == Op::Setp || in.op == Op::Set) {
      static const std::unordered_map<std::string, Cmp> c = {
          {"eq", Cmp::Eq},   {"ne", Cmp::Ne},   {"lt", Cmp::Lt},
          {"le", Cmp::Le},   {"gt", Cmp::Gt},   {"ge", Cmp::Ge},
          {"lo", Cmp::Lo},   {"ls", Cmp::Ls},   {"hi", Cmp::Hi},
          {"hs", Cmp::Hs},   {"equ", Cmp::Equ}, {"neu", Cmp::Neu},
          {"ltu", Cmp::Ltu}, {"leu", Cmp::Leu}, {"gtu", Cmp::Gtu},
          {"geu", Cmp::Geu}, {"num", Cmp::Num}, {"nan", Cmp::Nan}};
      if (auto it = c.find(m); it != c.end()) {
        in.cmp = it->second;
        continue;
      }
      if (m == "and") {
        in.mode = 1;
        continue;
      }
      if (m == "or") {
        in.mode = 2;
        continue;
      }
      if (m == "xor") {
        in.mode = 3;
        continue;
      }
    }
    if (in.op == Op::Testp) {
      static const std::unordered_map<std::string, uint8_t> c = {
          {"finite", 0},     {"infinite", 1}, {"number", 2},
          {"notanumber", 3}, {"normal", 4},   {"subnormal", 5}};
      if (auto it = c.find(m); it != c.end()) {
        in.mode = it->second;
        continue;
      }
    }
    if (in.op == Op::Atom || in.op == Op::Red) {
      static const std::unordered_map<std::string, uint8_t> c = {
          {"add", 0}, {"min", 1}, {"max", 2}, {"exch", 3}, {"cas", 4},
          {"and", 5}, {"or", 6},  {"xor", 7}, {"inc", 8},  {"dec", 9}};
      if (auto it = c.find(m); it != c.end()) {
        in.mode = it->second;
        continue;
      }
    }
    if (in.op == Op::Shfl) {
      if (m == "up") {
        in.mode = 0;
        continue;
      }
      if (m == "down") {
        in.mode = 1;
        continue;
      }
      if (m == "bfly") {
        in.mode = 2;
        continue;
      }
      if (m == "idx") {
        in.mode = 3;
        continue;
      }
    }
    if (in.op == Op::Vote) {
      if (m == "all") {
        in.mode = 0;
        continue;
      }
      if (m == "any") {
        in.mode = 1;
        continue;
      }
      if (m == "uni") {
        in.mode = 2;
        continue;
      }
      if (m == "ballot") {
        in.mode = 3;
        continue;
      }
    }
    if (in.op == Op::Cvta) {
      if (m == "to") {
        in.mode = 1;
        continue;
      }
      if (parseSpace(m, sp)) {
        in.space = sp;
        continue;
      }
    }
    if (in.op == Op::Bar) {
      if (m == "sync" || m == "arrive" || m == "red") {
        if (m != "sync")
          unsupported(full, "only bar.sync/barrier.sync");
        continue;
      }
      if (m == "warp") {
        in.op = Op::BarWarp;
        continue;
      }
      if (m == "cta" || m == "aligned") {
        in.aligned = true;
        continue;
      }
    }
    if (in.op == Op::Ldmatrix) {
      if (m == "m8n8")
        continue;
      if (m == "x1" || m == "x2" || m == "x4") {
        in.vec = uint8_t(m[1] - '0');
        continue;
      }
    }
    if (in.op == Op::Mma) {
      if (m == "m16n8k16") {
        in.mode = 16;
        continue;
      }
      if (m == "m16n8k8") {
        in.mode = 8;
        continue;
      }
      if (m == "row" || m == "col")
        continue;
    }
    if (in.op == Op::CpAsync) {
      if (m == "async")
        continue;
      if (m == "commit_group") {
        in.op = Op::CpAsyncCommit;
        continue;
      }
      if (m == "wait_group") {
        in.op = Op::CpAsyncWait;
        continue;
      }
      if (m == "wait_all") {
        in.op = Op::CpAsyncWaitAll;
        continue;
      }
      if (m == "ca" || m == "cg") {
        in.mode = m == "cg";
        continue;
      }
    }
    if (in.op == Op::Membar || in.op == Op::Nop)
      continue; // scopes, kinds
    if (in.op == Op::Vote && m == "sync")
      continue;
    if (in.op == Op::Shfl && m == "sync")
      continue;
    if (ignorable(m))
      continue;
    unsupported(full, "modifier '." + m + "'");
  }
  in.ty = tys.empty() ? Ty::None : tys[0];
  if (tys.size() > 1)
    in.ty2 = tys[1];

  auto need = [&](size_t n) {
    if (ops.size() != n)
      unsupported(full, "expected " + std::to_string(n) + " operands, got " +
                            std::to_string(ops.size()));
  };
  size_t idx = k->code.size();
  auto setSrc = [&](int i, const RawOp &r, Ty t) {
    in.o[in.nd + i] = src(r, t, in, idx, i);
    in.ns = std::max<uint8_t>(in.ns, uint8_t(i + 1));
  };
  auto wide = [](Ty t) {
    switch (t) {
    case Ty::U16:
      return Ty::U32;
    case Ty::S16:
      return Ty::S32;
    case Ty::U32:
      return Ty::U64;
    case Ty::S32:
      return Ty::S64;
    default:
      return t;
    }
  };

  switch (in.op) {
  case Op::Nop:
  case Op::Membar:
  case Op::Ret:
  case Op::Exit:
  case Op::Trap:
    return;
  case Op::Bra: {
    need(1);
    if (ops[0].kind != RawOp::Name)
      unsupported(full, "indirect branch");
    labelFixups.push_back({idx, ops[0].name});
    return;
  }
  case Op::Bar: {
    if (ops.empty() || ops.size() > 2)
      unsupported(full, "expected a barrier id and an optional count");
    in.aligned = true; // bar.sync is barrier.sync.aligned
    setSrc(0, ops[0], Ty::U32);
    if (ops.size() == 2)
      setSrc(1, ops[1], Ty::U32);
    return;
  }
  case Op::BarWarp:
    need(1);
    setSrc(0, ops[0], Ty::U32);
    return;
  case Op::Activemask:
    need(1);
    in.nd = 1;
    in.o[0] = dst(ops[0]);
    return;
  case Op::Mov: {
    need(2);
    if (in.ty == Ty::None)
      unsupported(full, "missing type");
    if (ops[0].kind == RawOp::Vec) { // unpack
      in.mode = 2;
      in.nd = uint8_t(ops[0].elems.size());
      for (size_t i = 0; i < ops[0].elems.size(); ++i)
        in.o[i] = dst(ops[0].elems[i]);
      setSrc(0, ops[1], in.ty);
      return;
    }
    in.nd = 1;
    in.o[0] = dst(ops[0]);
    if (ops[1].kind == RawOp::Vec) { // pack
      in.mode = 1;
      Ty part = in.ty == Ty::B64
                    ? (ops[1].elems.size() == 2 ? Ty::B32 : Ty::B16)
                    : (ops[1].elems.size() == 2 ? Ty::B16 : Ty::B8);
      for (size_t i = 0; i < ops[1].elems.size(); ++i)
        setSrc(int(i), ops[1].elems[i], part);
      return;
    }
    setSrc(0, ops[1], in.ty);
    return;
  }
  case Op::Ld:
  case Op::St: {
    need(2);
    if (in.ty == Ty::None)
      unsupported(full, "missing type");
    const RawOp &val = in.op == Op::Ld ? ops[0] : ops[1];
    const RawOp &addr = in.op == Op::Ld ? ops[1] : ops[0];
    address(addr, in);
    std::vector<RawOp> elems =
        val.kind == RawOp::Vec ? val.elems : std::vector<RawOp>{val};
    if (elems.size() != in.vec)
      unsupported(full, "vector width and operand count differ");
    if (in.op == Op::Ld) {
      in.nd = uint8_t(elems.size());
      for (size_t i = 0; i < elems.size(); ++i)
        in.o[i] = dst(elems[i]);
    } else {
      for (size_t i = 0; i < elems.size(); ++i)
        setSrc(int(i), elems[i], in.ty);
    }
    return;
  }
  case Op::Cvta: {
    need(2);
    if (in.space == Space::Generic)
      unsupported(full, "missing state space");
    in.nd = 1;
    in.o[0] = dst(ops[0]);
    setSrc(0, ops[1], Ty::U64);
    return;
  }
  case Op::Cvt: {
    if (tys.size() != 2)
      unsupported(full, "expected two types");
    in.nd = 1;
    in.o[0] = dst(ops[0]);
    if ((in.ty == Ty::BF16x2 || in.ty == Ty::F16x2) && in.ty2 == Ty::F32) {
      need(3);
      setSrc(0, ops[1], Ty::F32);
      setSrc(1, ops[2], Ty::F32);
      return;
    }
    need(2);
    setSrc(0, ops[1], in.ty2);
    return;
  }
  case Op::Atom:
  case Op::Red: {
    if (in.ty == Ty::None)
      unsupported(full, "missing type");
    size_t first = in.op == Op::Atom ? 1 : 0;
    if (in.op == Op::Atom) {
      in.nd = 1;
      in.o[0] = dst(ops[0]);
    }
    if (ops.size() < first + 2)
      unsupported(full, "missing operands");
    address(ops[first], in);
    for (size_t i = first + 1; i < ops.size(); ++i)
      setSrc(int(i - first - 1), ops[i], in.ty);
    if (in.mode == 4 && in.ns != 2)
      unsupported(full, "cas takes two values");
    return;
  }
  case Op::Setp: {
    if (ops.size() < 3 || ops.size() > 4)
      unsupported(full, "expected 3 or 4 operands");
    in.nd = ops[0].elems.empty() ? 1 : 2;
    in.o[0] = dst(ops[0]);
    if (in.nd == 2)
      in.o[1] = dst(ops[0].elems[0]);
    setSrc(0, ops[1], in.ty);
    setSrc(1, ops[2], in.ty);
    if (ops.size() == 4) {
      if (!in.mode)
        unsupported(full, "a fourth operand needs .and/.or/.xor");
      setSrc(2, ops[3], Ty::Pred);
    }
    return;
  }
  case Op::Set: {
    if (tys.size() != 2 || ops.size() != 3)
      unsupported(full, "only set.cmp.dtype.stype d, a, b");
    in.nd = 1;
    in.o[0] = dst(ops[0]);
    setSrc(0, ops[1], in.ty2);
    setSrc(1, ops[2], in.ty2);
    return;
  }
  case Op::Selp:
    need(4);
    in.nd = 1;
    in.o[0] = dst(ops[0]);
    setSrc(0, ops[1], in.ty);
    setSrc(1, ops[2], in.ty);
    setSrc(2, ops[3], Ty::Pred);
    return;
  case Op::Slct:
    need(4);
    in.nd = 1;
    in.o[0] = dst(ops[0]);
    setSrc(0, ops[1], in.ty);
    setSrc(1, ops[2], in.ty);
    setSrc(2, ops[3], in.ty2);
    return;
  case Op::Testp:
    need(2);
    in.nd = 1;
    in.o[0] = dst(ops[0]);
    setSrc(0, ops[1], in.ty);
    return;
  case Op::Shl:
  case Op::Shr:
    need(3);
    in.nd = 1;
    in.o[0] = dst(ops[0]);
    setSrc(0, ops[1], in.ty);
    setSrc(1, ops[2], Ty::U32);
    return;
  case Op::Bfe:
    need(4);
    in.nd = 1;
    in.o[0] = dst(ops[0]);
    setSrc(0, ops[1], in.ty);
    setSrc(1, ops[2], Ty::U32);
    setSrc(2, ops[3], Ty::U32);
    return;
  case Op::Bfi:
    need(5);
    in.nd = 1;
    in.o[0] = dst(ops[0]);
    setSrc(0, ops[1], in.ty);
    setSrc(1, ops[2], in.ty);
    setSrc(2, ops[3], Ty::U32);
    setSrc(3, ops[4], Ty::U32);
    return;
  case Op::Prmt:
    need(4);
    in.nd = 1;
    in.o[0] = dst(ops[0]);
    for (int i = 0; i < 3; ++i)
      setSrc(i, ops[i + 1], Ty::B32);
    return;
  case Op::Shfl: {
    if (ops.size() != 5)
      unsupported(full, "expected shfl.sync.mode.b32 d[|p], a, b, c, mask");
    in.nd = ops[0].elems.empty() ? 1 : 2;
    in.o[0] = dst(ops[0]);
    if (in.nd == 2)
      in.o[1] = dst(ops[0].elems[0]);
    for (int i = 0; i < 4; ++i)
      setSrc(i, ops[i + 1], Ty::B32);
    in.aligned = true;
    return;
  }
  case Op::Vote: {
    need(3);
    in.nd = 1;
    in.o[0] = dst(ops[0]);
    setSrc(0, ops[1], Ty::Pred);
    setSrc(1, ops[2], Ty::B32);
    return;
  }
  case Op::Ldmatrix: {
    need(2);
    if (in.space != Space::Shared || in.ty != Ty::B16)
      unsupported(full,
                  "only ldmatrix.sync.aligned.m8n8.xN[.trans].shared.b16");
    const RawOp &d = ops[0];
    std::vector<RawOp> elems =
        d.kind == RawOp::Vec ? d.elems : std::vector<RawOp>{d};
    if (elems.size() != in.vec)
      unsupported(full, "destination count differs from .x");
    in.nd = uint8_t(elems.size());
    for (size_t i = 0; i < elems.size(); ++i)
      in.o[i] = dst(elems[i]);
    address(ops[1], in);
    in.aligned = true;
    return;
  }
  case Op::Mma: {
    need(4);
    if (tys.size() != 4 || in.mode == 0)
      unsupported(full, "only "
                        "mma.sync.aligned.m16n8k{8,16}.row.col.f32.{bf16,f16}.{"
                        "bf16,f16}.f32");
    if (tys[0] != Ty::F32 || tys[3] != Ty::F32 ||
        !((tys[1] == Ty::BF16 && tys[2] == Ty::BF16) ||
          (tys[1] == Ty::F16 && tys[2] == Ty::F16)))
      unsupported(full, "types");
    in.ty = tys[0];
    in.ty2 = tys[1];
    size_t na = in.mode == 16 ? 4 : 2, nb = in.mode == 16 ? 2 : 1;
    if (ops[0].elems.size() != 4 || ops[1].elems.size() != na ||
        ops[2].elems.size() != nb || ops[3].elems.size() != 4)
      unsupported(full, "fragment sizes");
    in.nd = 4;
    for (int i = 0; i < 4; ++i)
      in.o[i] = dst(ops[0].elems[i]);
    int s = 0;
    for (size_t i = 0; i < na; ++i)
      setSrc(s++, ops[1].elems[i], Ty::B32);
    for (size_t i = 0; i < nb; ++i)
      setSrc(s++, ops[2].elems[i], Ty::B32);
    for (int i = 0; i < 4; ++i)
      setSrc(s++, ops[3].elems[i], Ty::F32);
    in.aligned = true;
    return;
  }
  case Op::CpAsync: {
    if (in.space != Space::Shared)
      unsupported(full, "only cp.async.{ca,cg}.shared.global");
    if (ops.size() < 3 || ops.size() > 4)
      unsupported(full, "expected [dst], [src], size[, src-size]");
    address(ops[0], in);
    RawOp srcAddr = ops[1];
    if (srcAddr.kind != RawOp::Addr || !srcAddr.name.empty())
      unsupported(full, "source must be [register+offset]");
    if (ops[2].kind != RawOp::Imm)
      unsupported(full, "copy size must be an immediate");
    in.vec = uint8_t(ops[2].imm.bits);
    if (in.vec != 4 && in.vec != 8 && in.vec != 16)
      unsupported(full, "copy size must be 4, 8 or 16");
    if (in.mode == 1 && in.vec != 16)
      unsupported(full, "cp.async.cg copies 16 bytes");
    // o[0] = source base, o[1] = source offset (constant), o[2] = src-size
    in.o[0] = srcAddr.slot;
    in.o[1] = constant(uint64_t(srcAddr.offset));
    in.o[2] =
        ops.size() == 4 ? src(ops[3], Ty::U32, in, idx, -1) : constant(in.vec);
    in.ns = 3;
    return;
  }
  case Op::CpAsyncCommit:
  case Op::CpAsyncWaitAll:
    return;
  case Op::CpAsyncWait:
    need(1);
    if (ops[0].kind != RawOp::Imm)
      unsupported(full, "wait_group needs an immediate");
    in.imm = int64_t(ops[0].imm.bits);
    return;
  default:
    break;
  }

  // Arithmetic: d, a[, b[, c]].
  if (in.ty == Ty::None)
    unsupported(full, "missing type");
  if (ops.size() < 2 || ops.size() > 4)
    unsupported(full, "operand count");
  in.nd = 1;
  in.o[0] = dst(ops[0]);
  bool isWide = (in.op == Op::Mul || in.op == Op::Mad) && in.mode == 2;
  for (size_t i = 1; i < ops.size(); ++i) {
    Ty t = in.ty;
    if (in.op == Op::Shf && i == 3)
      t = Ty::U32;
    if (in.op == Op::Mad && isWide && i == 3)
      t = wide(in.ty);
    setSrc(int(i - 1), ops[i], t);
  }
  size_t want = 0;
  switch (in.op) {
  case Op::Abs:
  case Op::Neg:
  case Op::Not:
  case Op::Cnot:
  case Op::Popc:
  case Op::Clz:
  case Op::Brev:
  case Op::Bfind:
  case Op::Rcp:
  case Op::Sqrt:
  case Op::Rsqrt:
  case Op::Ex2:
  case Op::Lg2:
  case Op::Sin:
  case Op::Cos:
  case Op::Tanh:
    want = 2;
    break;
  case Op::Mad:
  case Op::Fma:
  case Op::Shf:
    want = 4;
    break;
  default:
    want = 3;
  }
  need(want);
}

} // namespace

std::unique_ptr<Module>
parsePtx(const std::string &text, std::string &error,
         uint64_t (*allocateGlobal)(const Variable &, void *), void *ctx) {
  if (text.find(".version") == std::string::npos ||
      text.find(".target") == std::string::npos) {
    error = "not PTX text (no .version/.target directive)";
    return nullptr;
  }
  try {
    Parser p(text, allocateGlobal, ctx);
    return p.run();
  } catch (const ParseError &e) {
    error = "PTX line " + std::to_string(e.line) + ": " + e.what();
    return nullptr;
  }
}

} // namespace retnet::sim
