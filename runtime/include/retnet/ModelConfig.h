//===- ModelConfig.h - a RetNet model's config.json -------------*- C++ -*-===//
//
// Two families of config.json, read into one description of the network:
// torchscale's RetNetConfig keys (DESIGN.md §4; also the syncdoth/RetNet
// Hugging Face layout) and flash-linear-attention's RetNetConfig
// (`model_type: "retnet"` with `hidden_size`, docs/fla-format.md). The math
// where they differ (rotation, row divisor, group-norm weight, grouped
// key/value heads) is recorded here as variants that the layer ops carry as
// attributes. Validated: sizes positive and bounded, heads dividing the
// widths, an even key head dim (the rotation works on pairs), a known
// activation; fla features this project does not implement are an error
// naming the key. Unknown keys are kept as warnings.
//
//===----------------------------------------------------------------------===//

#ifndef RETNET_MODELCONFIG_H
#define RETNET_MODELCONFIG_H

#include <cstdint>
#include <string>
#include <vector>

namespace retnet {

/// Which config.json family the model came from; names the checkpoint's
/// tensors (the syncdoth layout is told apart by its tensor names, see
/// Checkpoint.h).
enum class ConfigFormat { Torchscale, Fla };

/// How a head's key/query dims are paired for the rotation.
enum class Rotary {
  /// torchscale: pairs (2i, 2i+1), θ_i = 10000^(−i/(dk/2−1)).
  Interleaved,
  /// fla (GPT-NeoX style): pairs (i, i + dk/2), θ_i = 10000^(−2i/dk).
  Half,
};

struct ModelConfig {
  ConfigFormat format = ConfigFormat::Torchscale;
  int64_t embedDim = 0;            ///< decoder_embed_dim (d)
  int64_t keyEmbedDim = 0;         ///< Dk = d (fla: d · expand_k)
  int64_t valueEmbedDim = 0;       ///< decoder_value_embed_dim (Dv)
  int64_t heads = 0;               ///< decoder_retention_heads (H)
  int64_t ffnDim = 0;              ///< decoder_ffn_embed_dim
  int64_t layers = 0;              ///< decoder_layers
  int64_t vocabSize = 0;           ///< vocab_size
  std::string activation = "gelu"; ///< activation_fn: swish or gelu
  double layernormEps = 1e-6;      ///< layernorm_eps
  bool noScaleEmbedding = true;    ///< no_scale_embedding
  bool layernormEmbedding = false; ///< layernorm_embedding
  int64_t chunkSize = 512;         ///< recurrent_chunk_size
  bool tiedEmbeddings = false;     ///< share_decoder_input_output_embed
  /// Key/value heads of the checkpoint (fla num_kv_heads; = heads when
  /// absent): each serves heads/kvHeads consecutive query heads. The
  /// runtime repeats their projection rows, so the compiled layer sees
  /// `heads` full heads.
  int64_t kvHeads = 0;
  Rotary rotary = Rotary::Interleaved;
  /// torchscale divides each retention row by sqrt(Σ γ^(n−s)) before the
  /// group norm; fla does not.
  bool rowDivisor = true;
  /// fla's group norm has a learned weight [dv] shared by the heads
  /// (`elementwise_affine`); torchscale's has none.
  bool groupNormWeight = false;
  /// bos_token_id / eos_token_id when the config gives them, else -1.
  int64_t bosToken = -1, eosToken = -1;

  /// Keys present but not understood (reported as warnings, not errors).
  std::vector<std::string> unknownKeys;

  int64_t keyHeadDim() const { return keyEmbedDim / heads; }
  int64_t valueHeadDim() const { return valueEmbedDim / heads; }

  /// Parses and validates JSON text; `file` names it in messages. Throws
  /// retnet::Error.
  static ModelConfig parse(const std::string &text, const std::string &file);
  /// Reads and parses a config.json file.
  static ModelConfig load(const std::string &path);
};

} // namespace retnet

#endif // RETNET_MODELCONFIG_H
