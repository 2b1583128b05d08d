//===- ModelReference.cpp - float64 RetNet forward pass -------------------===//
//
// Straight from DESIGN.md §2: embedding (× sqrt(d) unless no_scale_embedding,
// optional RMSNorm), pre-norm blocks of multi-scale retention (rotation by
// +nθ, k scaled by dk^-0.5, recurrent retention per head, row divisor
// sqrt(Σ γ^(n−s)), per-(token, head) RMSNorm without weight, swish gate) and
// a GLU FFN, final RMSNorm, output projection (or the tied embedding). The
// fla variants (docs/fla-format.md) as fla computes them, not as the
// compiled model does: half-and-half rotation with fla's frequencies, no
// row divisor, the group norm's weight applied in the norm, and grouped
// key/value heads read through h / groups (the runtime instead repeats
// their rows and folds the weight into the output projection).
//
//===----------------------------------------------------------------------===//

#include "retnet/ModelReference.h"

#include "retnet/Checkpoint.h"
#include "retnet/Error.h"
#include "retnet/Half.h"

#include <cmath>
#include <cstring>

namespace retnet {
namespace {

std::string shapeStr(const std::vector<int64_t> &s) {
  std::string out = "[";
  for (size_t i = 0; i < s.size(); ++i)
    out += (i ? ", " : "") + std::to_string(s[i]);
  return out + "]";
}

using Vec = std::vector<double>;

/// y[r] = Σ_c W[r, c] x[c] for W [rows, cols].
Vec matvec(const Vec &w, const Vec &x, int64_t rows, int64_t cols) {
  Vec y(rows, 0.0);
  for (int64_t r = 0; r < rows; ++r) {
    double acc = 0;
    for (int64_t c = 0; c < cols; ++c)
      acc += w[r * cols + c] * x[c];
    y[r] = acc;
  }
  return y;
}

/// x / sqrt(mean(x²) + eps) (⊙ weight when given), over [begin, begin+n).
void rmsNorm(Vec &x, size_t begin, size_t n, double eps,
             const Vec *weight = nullptr) {
  double ms = 0;
  for (size_t i = 0; i < n; ++i)
    ms += x[begin + i] * x[begin + i];
  double inv = 1.0 / std::sqrt(ms / double(n) + eps);
  for (size_t i = 0; i < n; ++i)
    x[begin + i] *= inv * (weight ? (*weight)[i] : 1.0);
}

double silu(double x) { return x / (1.0 + std::exp(-x)); }
double gelu(double x) { return 0.5 * x * (1.0 + std::erf(x / std::sqrt(2.0))); }

struct Layer {
  Vec attnNorm, q, k, v, g, out, groupNorm, ffnNorm, fc1, gate, fc2;
};

} // namespace

const TensorInfo &checkWeight(const SafetensorsFile &file,
                              const std::string &name,
                              const std::vector<int64_t> &shape) {
  auto it = file.tensors().find(name);
  if (it == file.tensors().end())
    throw Error(printablePath(file.path()) + ": missing tensor " + quote(name) +
                " (expected " + shapeStr(shape) + ")");
  const TensorInfo &t = it->second;
  if (t.shape != shape)
    throw Error(printablePath(file.path()) + ": tensor " + quote(name) +
                " has shape " + shapeStr(t.shape) + ", but the config needs " +
                shapeStr(shape));
  if (t.dtype != DType::F32 && t.dtype != DType::F16 && t.dtype != DType::BF16)
    throw Error(printablePath(file.path()) + ": tensor " + quote(name) +
                " has dtype " + dtypeName(t.dtype) +
                "; expected F32, F16 or BF16");
  return t;
}

std::vector<double> loadWeight(const SafetensorsFile &file,
                               const std::string &name,
                               const std::vector<int64_t> &shape) {
  const TensorInfo &t = checkWeight(file, name, shape);
  const uint8_t *p = file.data(name);
  Vec out(t.elements());
  for (size_t i = 0; i < out.size(); ++i) {
    switch (t.dtype) {
    case DType::F32: {
      float f;
      std::memcpy(&f, p + 4 * i, 4);
      out[i] = f;
      break;
    }
    case DType::F16:
    case DType::BF16: {
      uint16_t h;
      std::memcpy(&h, p + 2 * i, 2);
      out[i] = t.dtype == DType::F16 ? halfToDouble(h) : bf16ToDouble(h);
      break;
    }
    default:
      throw Error(printablePath(file.path()) + ": tensor " + quote(name) +
                  " has dtype " + dtypeName(t.dtype) +
                  "; expected F32, F16 or BF16");
    }
  }
  return out;
}

std::vector<double> referenceLogits(const ModelConfig &c,
                                    const SafetensorsFile &w,
                                    const std::vector<int64_t> &tokens,
                                    WeightDType weightType) {
  const int64_t d = c.embedDim, dk = c.keyEmbedDim, dv = c.valueEmbedDim,
                H = c.heads, hk = c.keyHeadDim(), hv = c.valueHeadDim(),
                V = c.vocabSize, F = c.ffnDim, groups = c.heads / c.kvHeads;
  Checkpoint ckpt(c, w);
  // The checkpoint's weights, rounded to the type asked for; an int8
  // artifact's matrices quantized per output channel as the runtime does
  // (WeightLayout.h), each value q · s with s rounded to f32 as stored.
  WeightLayout layout = WeightLayout::forConfig(c, weightType);
  auto loadWeight = [&](const std::string &name) {
    Vec v = ckpt.load(name);
    const PackedTensor *t = layout.find(name);
    if (t && t->quantized) {
      int64_t rows = t->outChannels(), cols = int64_t(v.size()) / rows;
      for (int64_t r = 0; r < rows; ++r) {
        double scale = int8Scale(v.data() + r * cols, cols),
               stored = double(float(scale));
        for (int64_t k = 0; k < cols; ++k)
          v[size_t(r * cols + k)] =
              double(quantizeInt8(v[size_t(r * cols + k)], scale)) * stored;
      }
    } else if (weightType != WeightDType::F32) {
      for (double &x : v)
        x = roundTo(weightType, x);
    }
    return v;
  };
  Vec embed = loadWeight("embed_tokens.weight");
  Vec lnEmbed;
  if (c.layernormEmbedding)
    lnEmbed = loadWeight("layernorm_embedding.weight");
  std::vector<Layer> layers(c.layers);
  for (int64_t l = 0; l < c.layers; ++l) {
    std::string p = "layers." + std::to_string(l) + ".";
    Layer &L = layers[l];
    L.attnNorm = loadWeight(p + "retention_layer_norm.weight");
    L.q = loadWeight(p + "retention.q_proj.weight");
    L.k = loadWeight(p + "retention.k_proj.weight");
    L.v = loadWeight(p + "retention.v_proj.weight");
    L.g = loadWeight(p + "retention.g_proj.weight");
    L.out = loadWeight(p + "retention.out_proj.weight");
    if (c.groupNormWeight)
      L.groupNorm = loadWeight(p + "retention.group_norm.weight");
    L.ffnNorm = loadWeight(p + "final_layer_norm.weight");
    L.fc1 = loadWeight(p + "ffn.fc1.weight");
    L.gate = loadWeight(p + "ffn.gate.weight");
    L.fc2 = loadWeight(p + "ffn.fc2.weight");
  }
  Vec finalNorm = loadWeight("layer_norm.weight");
  Vec head = loadWeight("output_projection.weight");

  // Rotation frequencies and pairs: torchscale θ_i = 10000^(−i/(dk/2−1))
  // on (2i, 2i+1); fla θ_i = 10000^(−2i/dk) on (i, i + dk/2).
  const bool half = c.rotary == Rotary::Half;
  int64_t pairs = hk / 2;
  Vec theta(pairs);
  for (int64_t i = 0; i < pairs; ++i)
    theta[i] = half ? std::pow(10000.0, -2.0 * double(i) / double(hk))
               : pairs > 1
                   ? std::pow(10000.0, -double(i) / double(pairs - 1))
                   : 1.0;
  Vec gamma(H);
  for (int64_t h = 0; h < H; ++h)
    gamma[h] = 1.0 - std::ldexp(1.0, int(-5 - h));

  // Per layer and head, the recurrent state S [hk, hv].
  std::vector<Vec> state(c.layers, Vec(size_t(H * hk * hv), 0.0));
  double embedScale = c.noScaleEmbedding ? 1.0 : std::sqrt(double(d));
  Vec logits;
  for (size_t n = 0; n < tokens.size(); ++n) {
    int64_t tok = tokens[n];
    if (tok < 0 || tok >= V)
      throw Error("token " + std::to_string(tok) + " at position " +
                  std::to_string(n) + " is outside the vocabulary [0, " +
                  std::to_string(V) + ")");
    Vec x(embed.begin() + tok * d, embed.begin() + (tok + 1) * d);
    for (double &e : x)
      e *= embedScale;
    if (c.layernormEmbedding)
      rmsNorm(x, 0, d, c.layernormEps, &lnEmbed);
    for (int64_t l = 0; l < c.layers; ++l) {
      Layer &L = layers[l];
      Vec h = x;
      rmsNorm(h, 0, d, c.layernormEps, &L.attnNorm);
      // k and v have kvHeads heads; query head hh reads hh / groups.
      Vec q = matvec(L.q, h, dk, d), k = matvec(L.k, h, dk / groups, d),
          v = matvec(L.v, h, dv / groups, d), g = matvec(L.g, h, dv, d);
      double kScale = 1.0 / std::sqrt(double(hk));
      for (double &e : k)
        e *= kScale;
      // Rotate q and k by +nθ, pair by pair, in every head.
      for (Vec *t : {&q, &k})
        for (int64_t hh = 0; hh < int64_t(t->size()) / hk; ++hh)
          for (int64_t i = 0; i < pairs; ++i) {
            double cs = std::cos(double(n) * theta[i]),
                   sn = std::sin(double(n) * theta[i]);
            int64_t i0 = hh * hk + (half ? i : 2 * i),
                    i1 = hh * hk + (half ? i + pairs : 2 * i + 1);
            double a = (*t)[i0], b = (*t)[i1];
            (*t)[i0] = a * cs - b * sn;
            (*t)[i1] = b * cs + a * sn;
          }
      Vec y(dv, 0.0);
      for (int64_t hh = 0; hh < H; ++hh) {
        double gm = gamma[hh];
        double *S = &state[l][size_t(hh * hk * hv)];
        const int64_t kv = hh / groups;
        for (int64_t i = 0; i < hk; ++i)
          for (int64_t j = 0; j < hv; ++j)
            S[i * hv + j] =
                gm * S[i * hv + j] + k[kv * hk + i] * v[kv * hv + j];
        double divisor =
            !c.rowDivisor ? 1.0
            : std::sqrt(gm < 1.0
                            ? (1.0 - std::pow(gm, double(n + 1))) / (1.0 - gm)
                            : double(n + 1));
        for (int64_t j = 0; j < hv; ++j) {
          double acc = 0;
          for (int64_t i = 0; i < hk; ++i)
            acc += q[hh * hk + i] * S[i * hv + j];
          y[hh * hv + j] = acc / divisor;
        }
        rmsNorm(y, size_t(hh * hv), size_t(hv), c.layernormEps,
                c.groupNormWeight ? &L.groupNorm : nullptr);
      }
      for (int64_t j = 0; j < dv; ++j)
        y[j] *= silu(g[j]);
      Vec attn = matvec(L.out, y, d, dv);
      for (int64_t i = 0; i < d; ++i)
        x[i] += attn[i];

      h = x;
      rmsNorm(h, 0, d, c.layernormEps, &L.ffnNorm);
      Vec a = matvec(L.fc1, h, F, d), gt = matvec(L.gate, h, F, d);
      for (int64_t i = 0; i < F; ++i)
        a[i] = (c.activation == "swish" ? silu(a[i]) : gelu(a[i])) * gt[i];
      Vec f = matvec(L.fc2, a, d, F);
      for (int64_t i = 0; i < d; ++i)
        x[i] += f[i];
    }
    rmsNorm(x, 0, d, c.layernormEps, &finalNorm);
    Vec row = matvec(head, x, V, d);
    logits.insert(logits.end(), row.begin(), row.end());
  }
  return logits;
}

} // namespace retnet
