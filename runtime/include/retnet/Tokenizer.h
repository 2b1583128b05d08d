//===- Tokenizer.h - text ↔ token ids for a model directory -----*- C++ -*-===//
//
// The tokenizers trained RetNets ship with (docs/tokenizers.md):
//   - tokenizer.json (Hugging Face `tokenizers`): BPE models, byte-level as
//     GPT-2 and GPT-NeoX have them, or SentencePiece-style with byte fallback
//     as Llama, Mistral and fla-hub's files have them; the normalizers,
//     pre-tokenizers and decoders those use, and added tokens;
//   - tokenizer.model (SentencePiece), through the SentencePiece library;
// with tokenizer_config.json for bos/eos and add_bos_token/add_eos_token.
// A directory with both uses tokenizer.json, as transformers' AutoTokenizer
// does. A component or option that is not implemented is an error naming
// it, never a silently different tokenization.
//
// Text is UTF-8; invalid sequences are first replaced by U+FFFD, one per
// maximal invalid subpart (what Python's errors="replace" and Rust's
// from_utf8_lossy do), so the ids are those the reference libraries give for
// that text.
//
//===----------------------------------------------------------------------===//

#ifndef RETNET_TOKENIZER_H
#define RETNET_TOKENIZER_H

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace retnet {

class Tokenizer {
public:
  virtual ~Tokenizer();

  /// The ids of `text`, without bos/eos.
  virtual std::vector<int64_t> encode(std::string_view text) const = 0;
  /// The text of `ids` (special tokens included as their decoder gives
  /// them); ids outside the vocabulary are an error.
  virtual std::string decode(const std::vector<int64_t> &ids) const = 0;
  /// Ids are in [0, vocabSize()).
  virtual int64_t vocabSize() const = 0;
  /// "sentencepiece", "bpe (byte-level)", "bpe (byte fallback)", "bpe".
  virtual std::string kind() const = 0;
  /// The id of one token given as its vocabulary string (an added token's
  /// content, a SentencePiece piece), or -1.
  virtual int64_t tokenToId(const std::string &token) const = 0;

  /// bos/eos ids (-1: none) and whether a prompt starts with bos / ends with
  /// eos (tokenizer_config.json; else SentencePiece's ids and Llama's
  /// convention, bos added, for tokenizer.model, and none for tokenizer.json).
  int64_t bos = -1, eos = -1;
  bool addBos = false, addEos = false;

  /// encode(text) with bos/eos as addBos/addEos say.
  std::vector<int64_t> encodePrompt(std::string_view text) const;

  /// Whether `dir` has tokenizer.json or tokenizer.model.
  static bool present(const std::string &dir);
  /// Loads the tokenizer of model directory `dir`; throws retnet::Error
  /// naming the file and what is wrong.
  static std::unique_ptr<Tokenizer> load(const std::string &dir);
  /// From one file (tokenizer.json or a SentencePiece model), without a
  /// tokenizer_config.json.
  static std::unique_ptr<Tokenizer> loadFile(const std::string &path);
};

/// `text` with each maximal invalid UTF-8 subpart replaced by U+FFFD.
std::string toValidUtf8(std::string_view text);

} // namespace retnet

#endif // RETNET_TOKENIZER_H
