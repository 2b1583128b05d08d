//===- ModelConfig.h - a RetNet model's config.json -------------*- C++ -*-===//
//
// torchscale RetNetConfig keys (DESIGN.md §4), validated: sizes positive and
// bounded, heads dividing both model dims, an even key head dim (the rotation
// works on pairs), a known activation. Unknown keys are kept as warnings.
//
//===----------------------------------------------------------------------===//

#ifndef RETNET_MODELCONFIG_H
#define RETNET_MODELCONFIG_H

#include <cstdint>
#include <string>
#include <vector>

namespace retnet {

struct ModelConfig {
  int64_t embedDim = 0;            ///< decoder_embed_dim (d)
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

  /// Keys present but not understood (reported as warnings, not errors).
  std::vector<std::string> unknownKeys;

  int64_t keyHeadDim() const { return embedDim / heads; }
  int64_t valueHeadDim() const { return valueEmbedDim / heads; }

  /// Parses and validates JSON text; `file` names it in messages. Throws
  /// retnet::Error.
  static ModelConfig parse(const std::string &text, const std::string &file);
  /// Reads and parses a config.json file.
  static ModelConfig load(const std::string &path);
};

} // namespace retnet

#endif // RETNET_MODELCONFIG_H
