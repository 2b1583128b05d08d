//===- retnet-check.cpp - generate and check executed retention tests -----===//
//
//   retnet-check gen    FLAGS   > prog.mlir    a main() on random inputs that
//                                               runs the three forms and prints
//                                               their results (printMemrefF32)
//   retnet-check verify FLAGS   < output       compares what was printed with
//                                               the float64 reference
//
// Both commands derive the same inputs from --seed, so the inputs are never
// typed by hand and the reference sees exactly the values the program used.
//
//===----------------------------------------------------------------------===//

#include "retnet/Reference.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <iterator>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

using retnet::reference::Problem;
using retnet::reference::relativeL2;
using Tensor = std::vector<double>;

namespace {

struct Options {
  std::string command;
  Problem p;
  int64_t chunk = 64;
  bool state = false;
  bool dynamicTokens = false; ///< the ops see T as a dynamic dimension
  uint64_t seed = 1;
  double tol = 1e-5;
};

[[noreturn]] void usage(const std::string &why) {
  std::cerr
      << "retnet-check: " << why << "\n"
      << "usage: retnet-check gen|verify --batch B --heads H --tokens T "
         "--dk DK --dv DV --chunk C [--state] [--dynamic-tokens] [--scale X] "
         "[--seed N] [--tol X]\n";
  std::exit(2);
}

int64_t positive(const char *flag, const char *text) {
  char *end = nullptr;
  long long v = std::strtoll(text, &end, 10);
  if (*end || v <= 0)
    usage(std::string(flag) + " needs a positive integer, got '" + text + "'");
  return v;
}

double number(const char *flag, const char *text) {
  char *end = nullptr;
  double v = std::strtod(text, &end);
  if (*end || !std::isfinite(v))
    usage(std::string(flag) + " needs a number, got '" + text + "'");
  return v;
}

Options parse(int argc, char **argv) {
  if (argc < 2)
    usage("missing command");
  Options o;
  o.command = argv[1];
  if (o.command != "gen" && o.command != "verify")
    usage("unknown command '" + o.command + "'");
  for (int i = 2; i < argc; ++i) {
    std::string f = argv[i];
    if (f == "--state" || f == "--dynamic-tokens") {
      (f == "--state" ? o.state : o.dynamicTokens) = true;
      continue;
    }
    if (i + 1 >= argc)
      usage("missing value after " + f);
    const char *v = argv[++i];
    if (f == "--batch")
      o.p.batch = positive("--batch", v);
    else if (f == "--heads")
      o.p.heads = positive("--heads", v);
    else if (f == "--tokens")
      o.p.tokens = positive("--tokens", v);
    else if (f == "--dk")
      o.p.dk = positive("--dk", v);
    else if (f == "--dv")
      o.p.dv = positive("--dv", v);
    else if (f == "--chunk")
      o.chunk = positive("--chunk", v);
    else if (f == "--seed")
      o.seed = positive("--seed", v);
    else if (f == "--scale")
      o.p.scale = number("--scale", v);
    else if (f == "--tol")
      o.tol = number("--tol", v);
    else
      usage("unknown flag " + f);
  }
  // RetNet's decays for the first heads, then others including gamma = 1.
  static const double extra[] = {0.5, 1.0, 0.8125, 0.9};
  for (int64_t h = 0; h < o.p.heads; ++h)
    o.p.gamma.push_back(h < 2 ? 1.0 - std::ldexp(1.0, int(-5 - h))
                              : extra[h % 4]);
  return o;
}

/// Random values in [-1, 1), rounded to f32 so that the printed constant and
/// the reference agree exactly.
Tensor randomTensor(std::mt19937_64 &rng, size_t n) {
  std::uniform_real_distribution<double> dist(-1.0, 1.0);
  Tensor x(n);
  for (double &e : x)
    e = static_cast<float>(dist(rng));
  return x;
}

struct Inputs {
  Tensor q, k, v, s;
};

Inputs makeInputs(const Options &o) {
  std::mt19937_64 rng(o.seed);
  Inputs in;
  in.q = randomTensor(rng, o.p.qkSize());
  in.k = randomTensor(rng, o.p.qkSize());
  in.v = randomTensor(rng, o.p.vSize());
  in.s = randomTensor(rng, o.p.stateSize());
  return in;
}

std::string shape(int64_t a, int64_t b, int64_t c, int64_t d) {
  std::ostringstream os;
  os << "tensor<" << a << "x" << b << "x" << c << "x" << d << "xf32>";
  return os.str();
}

void printConstant(std::ostream &os, const char *name, const Tensor &x,
                   const std::string &type) {
  os << "  %" << name << " = arith.constant dense<[";
  for (size_t i = 0; i < x.size(); ++i) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.8e", x[i]); // MLIR floats need a "."
    os << (i ? ", " : "") << buf;
  }
  os << "]> : " << type << "\n";
}

/// The program: flat constants reshaped to 4-D, the three forms, five prints.
void generate(const Options &o) {
  const Problem &p = o.p;
  Inputs in = makeInputs(o);
  std::string qT = shape(p.batch, p.heads, p.tokens, p.dk);
  std::string vT = shape(p.batch, p.heads, p.tokens, p.dv);
  std::string sT = shape(p.batch, p.heads, p.dk, p.dv);
  // Exact round trip of every double; MLIR float literals need a '.'.
  auto exact = [](double x) {
    char buf[40];
    std::snprintf(buf, sizeof buf, "%.17e", x);
    return std::string(buf);
  };
  std::ostringstream gamma;
  gamma << "gamma = array<f64: ";
  for (size_t h = 0; h < p.gamma.size(); ++h)
    gamma << (h ? ", " : "") << exact(p.gamma[h]);
  gamma << ">, scale = " << exact(p.scale) << " : f64";

  std::ostream &os = std::cout;
  os << "// Generated by retnet-check gen; inputs from --seed " << o.seed
     << ".\nfunc.func private @printMemrefF32(memref<*xf32>)\n\n"
     << "func.func @main() {\n";
  auto flat = [](size_t n) { return "tensor<" + std::to_string(n) + "xf32>"; };
  auto reshape = [&](const char *dst, const char *src, const std::string &to,
                     size_t n) {
    os << "  %" << dst << " = tensor.expand_shape %" << src
       << " [[0, 1, 2, 3]] output_shape [";
    std::string dims = to.substr(7, to.size() - 12); // AxBxCxD
    for (char &c : dims)
      if (c == 'x')
        c = ',';
    os << dims << "] : " << flat(n) << " into " << to << "\n";
  };
  printConstant(os, "qf", in.q, flat(in.q.size()));
  printConstant(os, "kf", in.k, flat(in.k.size()));
  printConstant(os, "vf", in.v, flat(in.v.size()));
  reshape("q", "qf", qT, in.q.size());
  reshape("k", "kf", qT, in.k.size());
  reshape("v", "vf", vT, in.v.size());
  std::string state, stateType;
  if (o.state) {
    printConstant(os, "sf", in.s, flat(in.s.size()));
    reshape("s", "sf", sT, in.s.size());
    state = ", %s";
    stateType = ", " + sT;
  }
  std::string operands = "%q, %k, %v" + state;
  if (o.dynamicTokens) {
    // The ops see tensor<BxHx?xD>; results are cast back for printing.
    std::string qD = "tensor<" + std::to_string(p.batch) + "x" +
                     std::to_string(p.heads) + "x?x" + std::to_string(p.dk) +
                     "xf32>";
    std::string vD = "tensor<" + std::to_string(p.batch) + "x" +
                     std::to_string(p.heads) + "x?x" + std::to_string(p.dv) +
                     "xf32>";
    for (auto [name, from, to] :
         {std::tuple{"q", qT, qD}, {"k", qT, qD}, {"v", vT, vD}})
      os << "  %" << name << "d = tensor.cast %" << name << " : " << from
         << " to " << to << "\n";
    operands = "%qd, %kd, %vd" + state;
    qT = qD;
    vT = vD;
  }
  std::string types = "(" + qT + ", " + qT + ", " + vT + stateType;
  // Destination-passing style: each op gets its own empty inits.
  std::string tokens;
  if (o.dynamicTokens) {
    os << "  %c2 = arith.constant 2 : index\n"
       << "  %t = tensor.dim " << operands.substr(0, 3) << ", %c2 : " << qT
       << "\n";
    tokens = "%t";
  }
  auto inits = [&](const char *name, bool stateful) {
    os << "  %" << name << "o = tensor.empty(" << tokens << ") : " << vT << "\n";
    if (stateful)
      os << "  %" << name << "s = tensor.empty() : " << sT << "\n";
    return std::string(" outs(%") + name + "o" +
           (stateful ? std::string(", %") + name + "s)" : std::string(")"));
  };
  std::string out = inits("ic", true);
  os << "  %oc, %sc = retention.chunkwise " << operands << out
     << " {chunk_size = " << o.chunk << " : i64, " << gamma.str()
     << "}\n      : " << types << ", " << vT << ", " << sT << ") -> (" << vT
     << ", " << sT << ")\n";
  out = inits("ip", false);
  os << "  %op = retention.parallel " << operands << out << " {" << gamma.str()
     << "}\n      : " << types << ", " << vT << ") -> " << vT << "\n";
  out = inits("ir", true);
  os << "  %or, %sr = retention.recurrent " << operands << out << " {"
     << gamma.str() << "}\n      : " << types << ", " << vT << ", " << sT
     << ") -> (" << vT << ", " << sT << ")\n";
  std::string vStatic = shape(p.batch, p.heads, p.tokens, p.dv);
  if (o.dynamicTokens)
    for (const char *name : {"oc", "op", "or"})
      os << "  %" << name << "s = tensor.cast %" << name << " : " << vT
         << " to " << vStatic << "\n";
  std::string sfx = o.dynamicTokens ? "s" : "";
  int n = 0;
  for (auto [name, type] : {std::pair{"oc" + sfx, vStatic},
                            {"sc", sT},
                            {"op" + sfx, vStatic},
                            {"or" + sfx, vStatic},
                            {"sr", sT}}) {
    std::string memref = "memref" + type.substr(6);
    os << "  %m" << n << " = bufferization.to_buffer %" << name << " : " << type
       << " to " << memref << "\n";
    os << "  %u" << n << " = memref.cast %m" << n << " : " << memref
       << " to memref<*xf32>\n";
    os << "  call @printMemrefF32(%u" << n << ") : (memref<*xf32>) -> ()\n";
    ++n;
  }
  os << "  return\n}\n";
}

/// The data of each printMemrefF32 call, in order.
std::vector<Tensor> readPrinted(std::istream &is) {
  std::string text((std::istreambuf_iterator<char>(is)),
                   std::istreambuf_iterator<char>());
  std::vector<Tensor> out;
  size_t pos = 0;
  while ((pos = text.find("data =", pos)) != std::string::npos) {
    pos += 6;
    size_t end = text.find("Unranked Memref", pos);
    std::string body =
        text.substr(pos, end == std::string::npos ? end : end - pos);
    for (char &c : body)
      if (c == '[' || c == ']' || c == ',')
        c = ' ';
    std::istringstream ss(body);
    Tensor t;
    std::string tok;
    while (ss >> tok) {
      char *e = nullptr;
      double v = std::strtod(tok.c_str(), &e);
      if (*e)
        throw std::runtime_error("unparseable value '" + tok + "' in output");
      t.push_back(v);
    }
    out.push_back(std::move(t));
  }
  return out;
}

int verify(const Options &o) {
  Inputs in = makeInputs(o);
  const Tensor *s = o.state ? &in.s : nullptr;
  auto ref = retnet::reference::recurrent(o.p, in.q, in.k, in.v, s);
  std::vector<Tensor> got = readPrinted(std::cin);
  const char *names[] = {"chunkwise.o", "chunkwise.final_state", "parallel.o",
                         "recurrent.o", "recurrent.final_state"};
  const Tensor *want[] = {&ref.o, &ref.finalState, &ref.o, &ref.o,
                          &ref.finalState};
  if (got.size() != 5) {
    std::cout << "FAIL: expected 5 printed tensors, found " << got.size()
              << "\n";
    return 1;
  }
  bool ok = true;
  auto check = [&](const std::string &what, const Tensor &a, const Tensor &b) {
    if (a.size() != b.size()) {
      std::cout << "FAIL " << what << ": " << a.size() << " values, expected "
                << b.size() << "\n";
      ok = false;
      return;
    }
    double err = relativeL2(a, b);
    bool pass = err <= o.tol; // false for NaN
    std::cout << (pass ? "ok   " : "FAIL ") << what << " rel_l2=" << err
              << " (tol " << o.tol << ")\n";
    ok &= pass;
  };
  for (int i = 0; i < 5; ++i)
    check(std::string(names[i]) + " vs float64 reference", got[i], *want[i]);
  // The forms against each other on the same inputs.
  check("chunkwise.o vs parallel.o", got[0], got[2]);
  check("chunkwise.o vs recurrent.o", got[0], got[3]);
  check("chunkwise.final_state vs recurrent.final_state", got[1], got[4]);
  std::cout << (ok ? "PASS" : "FAIL") << "\n";
  return ok ? 0 : 1;
}

} // namespace

int main(int argc, char **argv) {
  Options o = parse(argc, argv);
  try {
    if (o.command == "gen") {
      generate(o);
      return 0;
    }
    return verify(o);
  } catch (const std::exception &e) {
    std::cerr << "retnet-check: " << e.what() << "\n";
    return 1;
  }
}
