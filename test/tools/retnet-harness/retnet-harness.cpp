//===- retnet-harness.cpp - compile, run and check retention on a target --===//
//
//   retnet-harness --target cpu|cuda|emulate [--dtype f32|bf16]
//                  --batch B --heads H
//                  --tokens T --dk DK --dv DV --chunk C [--state] [--seed N]
//                  [--dynamic-tokens] [--scale X] [--tol X] [--work-dir DIR]
//                  [--compile-only | --run-only | --relink]
//                  [--gpu-binary cubin|ptx] [--offset N]
//                  [--pipeline-options 'KEY=VALUE ...']
//
// Writes a kernel module (the three forms on memrefs, destination-passing),
// compiles it for the target with retnet-opt's pipeline, mlir-translate, llc
// and the system linker into a shared library (for cuda the cubins are
// embedded and the library links libretnet_cuda_runtime), loads it, runs it
// on random inputs with every output poisoned (NaN) beforehand, and checks
// outputs and final states against the float64 reference and each other.
// --target emulate compiles with the CUDA pipeline's `emulate` option: the
// loops that would be kernels (and the hand-scheduled decode kernel), run
// on the host, so the GPU mapping's numerics are checked without a GPU.
// One harness for all targets; a target that cannot run here (no GPU) fails
// with the runtime's message and exit status 1. --compile-only leaves
// DIR/kernel.so for a machine without MLIR (benchmarks/gpu/prepare.sh);
// --run-only loads it there. --relink starts from an existing
// DIR/kernel.llvm.mlir (a mutation test edits the PTX in it). --offset N
// starts every view N elements into its buffer: element-aligned only, so
// kernels that assume 16-byte alignment must check it. --dynamic-tokens
// declares T dynamic in the kernel's types (as in a whole model's prefill):
// kernels then take it at run time.
//
//===----------------------------------------------------------------------===//

#include "retnet/CudaRuntime.h"
#include "retnet/Reference.h"

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <dlfcn.h>
#include <fstream>
#include <iostream>
#include <limits.h>
#include <random>
#include <sstream>
#include <string>
#include <unistd.h>
#include <vector>

extern "C" void *mgpuMemAlloc(uint64_t, void *, bool);
extern "C" void mgpuMemFree(void *, void *);

using retnet::reference::Problem;
using retnet::reference::relativeL2;
using Tensor = std::vector<double>;

namespace {

struct Options {
  std::string target = "cpu", dtype = "f32", workDir, gpuBinary = "cubin";
  std::string pipelineOptions; // extra options of the target's pipeline
  Problem p;
  int64_t chunk = 64;
  bool state = false, compileOnly = false, runOnly = false, relink = false;
  // T only known at run time (a prefill's shape): `?` in the kernel's types.
  bool dynamicTokens = false;
  int64_t offset = 0; // elements every view starts into its buffer
  uint64_t seed = 1;
  double tol = -1; // default per dtype
};

[[noreturn]] void usage(const std::string &why) {
  std::cerr
      << "retnet-harness: " << why << "\n"
      << "usage: retnet-harness --target cpu|cuda|emulate [--dtype f32|bf16] "
         "--batch B --heads H --tokens T --dk DK --dv DV --chunk C "
         "[--state] [--dynamic-tokens] [--scale X] [--seed N] [--tol X] "
         "[--work-dir DIR] "
         "[--gpu-binary cubin|ptx] [--pipeline-options 'k=v ...'] "
         "[--compile-only | --run-only | --relink] [--offset N]\n";
  std::exit(2);
}

Options parse(int argc, char **argv) {
  Options o;
  auto positive = [](const std::string &f, const char *v) {
    char *end = nullptr;
    long long x = std::strtoll(v, &end, 10);
    if (*end || x <= 0)
      usage(f + " needs a positive integer, got '" + v + "'");
    return int64_t(x);
  };
  auto number = [](const std::string &f, const char *v) {
    char *end = nullptr;
    double x = std::strtod(v, &end);
    if (*end || !std::isfinite(x))
      usage(f + " needs a number, got '" + v + "'");
    return x;
  };
  for (int i = 1; i < argc; ++i) {
    std::string f = argv[i];
    if (f == "--state" || f == "--compile-only" || f == "--run-only" ||
        f == "--relink" || f == "--dynamic-tokens") {
      (f == "--state"            ? o.state
       : f == "--run-only"       ? o.runOnly
       : f == "--relink"         ? o.relink
       : f == "--dynamic-tokens" ? o.dynamicTokens
                                 : o.compileOnly) = true;
      continue;
    }
    if (i + 1 >= argc)
      usage("missing value after " + f);
    const char *v = argv[++i];
    if (f == "--target")
      o.target = v;
    else if (f == "--pipeline-options")
      o.pipelineOptions = v;
    else if (f == "--offset")
      o.offset = positive(f, v);
    else if (f == "--gpu-binary")
      o.gpuBinary = v;
    else if (f == "--dtype")
      o.dtype = v;
    else if (f == "--work-dir")
      o.workDir = v;
    else if (f == "--batch")
      o.p.batch = positive(f, v);
    else if (f == "--heads")
      o.p.heads = positive(f, v);
    else if (f == "--tokens")
      o.p.tokens = positive(f, v);
    else if (f == "--dk")
      o.p.dk = positive(f, v);
    else if (f == "--dv")
      o.p.dv = positive(f, v);
    else if (f == "--chunk")
      o.chunk = positive(f, v);
    else if (f == "--seed")
      o.seed = positive(f, v);
    else if (f == "--scale")
      o.p.scale = number(f, v);
    else if (f == "--tol")
      o.tol = number(f, v);
    else
      usage("unknown flag " + f);
  }
  if (o.compileOnly && o.runOnly)
    usage("--compile-only and --run-only exclude each other");
  if ((o.compileOnly || o.runOnly || o.relink) && o.workDir.empty())
    usage("--compile-only, --run-only and --relink need --work-dir");
  if (o.relink && o.runOnly)
    usage("--relink and --run-only exclude each other");
  if (o.target != "cpu" && o.target != "cuda" && o.target != "emulate")
    usage("--target must be cpu, cuda or emulate, got '" + o.target + "'");
  if (o.gpuBinary != "cubin" && o.gpuBinary != "ptx")
    usage("--gpu-binary must be cubin or ptx, got '" + o.gpuBinary + "'");
  if (o.dtype != "f32" && o.dtype != "bf16")
    usage("--dtype must be f32 or bf16, got '" + o.dtype + "'");
  if (o.tol < 0)
    o.tol = o.target != "cuda" && o.dtype == "f32" ? 1e-5
            : o.dtype == "f32"                     ? 1e-4
                                                   : 1e-2;
  static const double extra[] = {0.5, 1.0, 0.8125, 0.9};
  for (int64_t h = 0; h < o.p.heads; ++h)
    o.p.gamma.push_back(h < 2 ? 1.0 - std::ldexp(1.0, int(-5 - h))
                              : extra[h % 4]);
  return o;
}

/// Directory of this executable (retnet-opt is built next to it).
std::string selfDir() {
  char buf[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0)
    return ".";
  buf[n] = 0;
  std::string s(buf);
  return s.substr(0, s.rfind('/'));
}

std::string exact(double x) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17e", x);
  return buf;
}

/// c < 0: a dynamic dimension.
std::string memref(int64_t a, int64_t b, int64_t c, int64_t d,
                   const std::string &et) {
  std::ostringstream os;
  os << "memref<" << a << "x" << b << "x";
  if (c < 0)
    os << "?";
  else
    os << c;
  os << "x" << d << "x" << et << ">";
  return os.str();
}

/// The kernel: inputs as read-only tensors, the three forms, results
/// materialized into the output arguments.
std::string kernelModule(const Options &o) {
  const Problem &p = o.p;
  std::string et = o.dtype;
  const int64_t t = o.dynamicTokens ? -1 : p.tokens;
  std::string qM = memref(p.batch, p.heads, t, p.dk, et);
  std::string vM = memref(p.batch, p.heads, t, p.dv, et);
  std::string sM = memref(p.batch, p.heads, p.dk, p.dv, "f32");
  auto tensorOf = [](const std::string &m) { return "tensor" + m.substr(6); };
  std::string gamma = "gamma = array<f64: ";
  for (size_t h = 0; h < p.gamma.size(); ++h)
    gamma += (h ? ", " : "") + exact(p.gamma[h]);
  gamma += ">, scale = " + exact(p.scale) + " : f64";
  std::ostringstream os;
  os << "func.func @kernel(%q: " << qM << ", %k: " << qM << ", %v: " << vM
     << (o.state ? ", %s: " + sM : "") << ", %oc: " << vM << ", %sc: " << sM
     << ", %op: " << vM << ", %or: " << vM << ", %sr: " << sM
     << ") attributes {llvm.emit_c_interface} {\n";
  auto in = [&](const char *name, const std::string &m) {
    os << "  %" << name << "t = bufferization.to_tensor %" << name
       << " restrict : " << m << " to " << tensorOf(m) << "\n";
  };
  in("q", qM);
  in("k", qM);
  in("v", vM);
  std::string operands = "%qt, %kt, %vt", types = "(" + tensorOf(qM) + ", " +
                                                  tensorOf(qM) + ", " +
                                                  tensorOf(vM);
  if (o.state) {
    in("s", sM);
    operands += ", %st";
    types += ", " + tensorOf(sM);
  }
  std::string vT = tensorOf(vM), sT = tensorOf(sM);
  // Destination-passing style: empty inits, results materialized below.
  if (o.dynamicTokens)
    os << "  %two = arith.constant 2 : index\n"
       << "  %tokens = tensor.dim %qt, %two : " << tensorOf(qM) << "\n";
  for (const char *name : {"co", "po", "ro"})
    os << "  %" << name << " = tensor.empty(" << (o.dynamicTokens ? "%tokens" : "")
       << ") : " << vT << "\n";
  for (const char *name : {"cs", "rs"})
    os << "  %" << name << " = tensor.empty() : " << sT << "\n";
  os << "  %c:2 = retention.chunkwise " << operands << " outs(%co, %cs)"
     << " {chunk_size = " << o.chunk << " : i64, " << gamma << "} : " << types
     << ", " << vT << ", " << sT << ") -> (" << vT << ", " << sT << ")\n";
  os << "  %p = retention.parallel " << operands << " outs(%po) {" << gamma
     << "} : " << types << ", " << vT << ") -> " << vT << "\n";
  os << "  %r:2 = retention.recurrent " << operands << " outs(%ro, %rs) {"
     << gamma << "} : " << types << ", " << vT << ", " << sT << ") -> (" << vT
     << ", " << sT << ")\n";
  auto out = [&](const char *value, const char *dest, const std::string &t,
                 const std::string &m) {
    os << "  bufferization.materialize_in_destination " << value
       << " in restrict writable %" << dest << " : (" << t << ", " << m
       << ") -> ()\n";
  };
  out("%c#0", "oc", vT, vM);
  out("%c#1", "sc", sT, sM);
  out("%p", "op", vT, vM);
  out("%r#0", "or", vT, vM);
  out("%r#1", "sr", sT, sM);
  os << "  return\n}\n";
  return os.str();
}

int run(const std::string &cmd) {
  int rc = std::system(cmd.c_str());
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : 1;
}

/// Pipeline → LLVM IR → object → shared library. Returns the library path.
std::string compile(const Options &o, const std::string &dir) {
  std::string bin = selfDir();
  const char *llvmEnv = std::getenv("RETNET_LLVM_BIN");
  std::string llvm = llvmEnv ? llvmEnv : "/usr/lib/llvm-22/bin";
  const char *cxxEnv = std::getenv("CXX");
  std::string cxx = cxxEnv ? cxxEnv : "c++";
  std::string opts = o.target == "emulate" ? "emulate=true" : "";
  if (o.target == "cuda" && o.gpuBinary == "ptx")
    opts = "format=isa";
  if (!o.pipelineOptions.empty())
    opts += (opts.empty() ? "" : " ") + o.pipelineOptions;
  std::string pipeline = o.target == "cpu" ? "--retention-cpu-pipeline"
                                           : "--retention-nvvm-pipeline";
  if (!opts.empty())
    pipeline = "'" + pipeline + "=" + opts + "'";
  std::string lib = dir + "/kernel.so";
  std::string runtimeDir = bin + "/../lib";
  std::string steps[] = {
      bin + "/retnet-opt " + dir + "/kernel.mlir " + pipeline + " -o " + dir +
          "/kernel.llvm.mlir",
      llvm + "/mlir-translate --mlir-to-llvmir " + dir +
          "/kernel.llvm.mlir -o " + dir + "/kernel.ll",
      llvm + "/llc -O2 -relocation-model=pic -filetype=obj " + dir +
          "/kernel.ll -o " + dir + "/kernel.o",
      cxx + " -shared -o " + lib + " " + dir + "/kernel.o -lm" +
          (o.target == "cuda"
               ? " -L" + runtimeDir + " -lretnet_cuda_runtime -Wl,-rpath," +
                     runtimeDir
               : "")};
  for (const std::string &s : steps)
    if (o.relink && &s == &steps[0])
      continue; // DIR/kernel.llvm.mlir is given (edited by a mutation test)
    else if (run(s) != 0) {
      std::cerr << "retnet-harness: step failed: " << s << "\n";
      std::exit(1);
    }
  return lib;
}

/// Host- and (for cuda) device-accessible storage of one tensor; `data`
/// starts `offset` elements into the allocation (--offset: views that are
/// only element-aligned).
struct Buffer {
  void *base = nullptr, *data = nullptr;
  size_t elements = 0, elementSize = 4;
  bool managed = false;
  Buffer(size_t n, size_t es, bool cuda, int64_t offset)
      : elements(n), elementSize(es) {
    managed = cuda;
    size_t bytes = (n + size_t(offset)) * es;
    base = cuda ? mgpuMemAlloc(bytes, nullptr, true) : std::malloc(bytes);
    if (!base) {
      std::cerr << "retnet-harness: cannot allocate " << bytes << " bytes\n";
      std::exit(1);
    }
    data = static_cast<char *>(base) + size_t(offset) * es;
  }
  ~Buffer() {
    if (managed)
      mgpuMemFree(base, nullptr);
    else
      std::free(base);
  }
};

uint16_t toBf16(float f) { // round to nearest even
  uint32_t u;
  std::memcpy(&u, &f, 4);
  u += 0x7FFF + ((u >> 16) & 1);
  return uint16_t(u >> 16);
}
float fromBf16(uint16_t h) {
  uint32_t u = uint32_t(h) << 16;
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

/// Fills `b` with random values of its type; returns them as doubles.
Tensor fillRandom(Buffer &b, std::mt19937_64 &rng, float scale) {
  std::uniform_real_distribution<float> d(-scale, scale);
  Tensor out(b.elements);
  for (size_t i = 0; i < b.elements; ++i) {
    float x = d(rng);
    if (b.elementSize == 2) {
      uint16_t h = toBf16(x);
      static_cast<uint16_t *>(b.data)[i] = h;
      out[i] = fromBf16(h);
    } else {
      static_cast<float *>(b.data)[i] = x;
      out[i] = x;
    }
  }
  return out;
}

void poison(Buffer &b) {
  for (size_t i = 0; i < b.elements; ++i) {
    if (b.elementSize == 2)
      static_cast<uint16_t *>(b.data)[i] = 0x7FC0;
    else
      static_cast<float *>(b.data)[i] = NAN;
  }
}

Tensor read(const Buffer &b) {
  Tensor out(b.elements);
  for (size_t i = 0; i < b.elements; ++i)
    out[i] = b.elementSize == 2
                 ? fromBf16(static_cast<const uint16_t *>(b.data)[i])
                 : static_cast<const float *>(b.data)[i];
  return out;
}

struct Memref4 {
  void *allocated, *aligned;
  int64_t offset, sizes[4], strides[4];
};
Memref4 view(Buffer &b, int64_t d0, int64_t d1, int64_t d2, int64_t d3) {
  return {b.base, b.data, 0, {d0, d1, d2, d3}, {d1 * d2 * d3, d2 * d3, d3, 1}};
}

} // namespace

int main(int argc, char **argv) {
  Options o = parse(argc, argv);
  const Problem &p = o.p;
  bool cuda = o.target == "cuda";
  if (cuda && !o.compileOnly) {
    const char *why = nullptr;
    if (!retnet_cuda_available(&why)) {
      std::cerr << "retnet-harness: target cuda: " << why << "\n";
      return 1;
    }
  }
  std::string dir = o.workDir;
  if (dir.empty()) {
    char tmpl[] = "/tmp/retnet-harness-XXXXXX";
    if (!mkdtemp(tmpl)) {
      std::cerr << "retnet-harness: cannot create a work directory\n";
      return 1;
    }
    dir = tmpl;
  }
  std::string lib = dir + "/kernel.so";
  if (!o.runOnly) {
    if (!o.relink)
      std::ofstream(dir + "/kernel.mlir") << kernelModule(o);
    lib = compile(o, dir);
    if (o.compileOnly)
      return 0;
  }
  void *handle = dlopen(lib.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    std::cerr << "retnet-harness: cannot load " << lib << ": " << dlerror()
              << "\n";
    return 1;
  }
  void *fn = dlsym(handle, "_mlir_ciface_kernel");
  if (!fn) {
    std::cerr << "retnet-harness: " << lib << " has no _mlir_ciface_kernel\n";
    return 1;
  }

  size_t es = o.dtype == "bf16" ? 2 : 4;
  std::mt19937_64 rng(o.seed);
  int64_t off = o.offset;
  Buffer q(p.qkSize(), es, cuda, off), k(p.qkSize(), es, cuda, off),
      v(p.vSize(), es, cuda, off), s(p.stateSize(), 4, cuda, off);
  Tensor qv = fillRandom(q, rng, 1.0f), kv = fillRandom(k, rng, 1.0f),
         vv = fillRandom(v, rng, 1.0f), sv = fillRandom(s, rng, 1.0f);
  Buffer oc(p.vSize(), es, cuda, off), sc(p.stateSize(), 4, cuda, off),
      op(p.vSize(), es, cuda, off), orr(p.vSize(), es, cuda, off),
      sr(p.stateSize(), 4, cuda, off);
  for (Buffer *b : {&oc, &sc, &op, &orr, &sr})
    poison(*b); // unwritten outputs show as NaN

  Memref4 mq = view(q, p.batch, p.heads, p.tokens, p.dk),
          mk = view(k, p.batch, p.heads, p.tokens, p.dk),
          mv = view(v, p.batch, p.heads, p.tokens, p.dv),
          ms = view(s, p.batch, p.heads, p.dk, p.dv),
          moc = view(oc, p.batch, p.heads, p.tokens, p.dv),
          msc = view(sc, p.batch, p.heads, p.dk, p.dv),
          mop = view(op, p.batch, p.heads, p.tokens, p.dv),
          mor = view(orr, p.batch, p.heads, p.tokens, p.dv),
          msr = view(sr, p.batch, p.heads, p.dk, p.dv);
  using M = Memref4 *;
  if (o.state)
    reinterpret_cast<void (*)(M, M, M, M, M, M, M, M, M)>(fn)(
        &mq, &mk, &mv, &ms, &moc, &msc, &mop, &mor, &msr);
  else
    reinterpret_cast<void (*)(M, M, M, M, M, M, M, M)>(fn)(
        &mq, &mk, &mv, &moc, &msc, &mop, &mor, &msr);

  auto ref =
      retnet::reference::recurrent(p, qv, kv, vv, o.state ? &sv : nullptr);
  bool ok = true;
  auto check = [&](const std::string &what, const Tensor &a, const Tensor &b) {
    double err = relativeL2(a, b);
    bool pass = err <= o.tol; // false for NaN
    std::cout << (pass ? "ok   " : "FAIL ") << what << " rel_l2=" << err
              << " (tol " << o.tol << ")\n";
    ok &= pass;
  };
  Tensor goc = read(oc), gsc = read(sc), gop = read(op), gor = read(orr),
         gsr = read(sr);
  std::string tag = o.target + "/" + o.dtype + " ";
  check(tag + "chunkwise.o vs float64 reference", goc, ref.o);
  check(tag + "chunkwise.final_state vs float64 reference", gsc,
        ref.finalState);
  check(tag + "parallel.o vs float64 reference", gop, ref.o);
  check(tag + "recurrent.o vs float64 reference", gor, ref.o);
  check(tag + "recurrent.final_state vs float64 reference", gsr,
        ref.finalState);
  check(tag + "chunkwise.o vs parallel.o", goc, gop);
  check(tag + "chunkwise.o vs recurrent.o", goc, gor);
  std::cout << (ok ? "PASS" : "FAIL") << "\n";
  return ok ? 0 : 1;
}
