//===- TextStream.h - generated ids to text, character by character -*- C++ -*-===//
//
// The text of the ids generated after a prompt, given out as it becomes
// final: decodes context + generated (decoders depend on what came before,
// e.g. a leading-space strip) and holds back a trailing U+FFFD, the bytes of
// a character whose last token has not come yet. Decoders look back only a
// few tokens, so the context is cut to the last 8 tokens whenever all text
// is out. Shared by retnet-run and retnet-serve; built on the C API.
//
//===----------------------------------------------------------------------===//

#ifndef RETNET_TOOLS_TEXTSTREAM_H
#define RETNET_TOOLS_TEXTSTREAM_H

#include "retnet/Error.h"
#include "retnet/retnet.h"

#include <string>
#include <vector>

namespace retnet {

/// The text of `ids` with the model's tokenizer; throws retnet::Error.
inline std::string detokenize(const retnet_model *model,
                              const std::vector<int64_t> &ids) {
  int64_t n = 0;
  std::string text(256, '\0');
  while (true) {
    if (retnet_detokenize(model, ids.data(), int64_t(ids.size()), text.data(),
                          int64_t(text.size()), &n))
      throw Error(retnet_last_error());
    if (n <= int64_t(text.size()))
      break;
    text.resize(size_t(n));
  }
  text.resize(size_t(n));
  return text;
}

class TextStream {
public:
  /// `context`: the prompt (or its last tokens: decoding depends only on a
  /// few tokens before the generated ones).
  TextStream(const retnet_model *m, std::vector<int64_t> context)
      : model(m), ids(std::move(context)) {
    emitted = detokenize(model, ids).size();
  }
  /// The new final text after `id`.
  std::string push(int64_t id) {
    ids.push_back(id);
    std::string fresh = pending();
    size_t keep = fresh.size();
    while (keep >= 3 && fresh.compare(keep - 3, 3, "\xEF\xBF\xBD") == 0)
      keep -= 3;
    emitted += keep;
    if (keep == fresh.size() && ids.size() > kRebaseAt) {
      // Everything so far is out: go on from the last few tokens only, so
      // a long generation costs linear, not quadratic, decoding.
      ids.erase(ids.begin(), ids.end() - int64_t(kKeep));
      emitted = detokenize(model, ids).size();
    }
    return fresh.substr(0, keep);
  }
  /// What is left when generation ends (an incomplete character as U+FFFD).
  std::string finish() {
    std::string rest = pending();
    emitted += rest.size();
    return rest;
  }

private:
  static constexpr size_t kRebaseAt = 64, kKeep = 8;
  const retnet_model *model;
  std::vector<int64_t> ids;
  size_t emitted = 0;
  std::string pending() {
    std::string all = detokenize(model, ids);
    if (all.size() < emitted) { // the earlier text changed: go on from here
      emitted = all.size();
      return "";
    }
    return all.substr(emitted);
  }
};

} // namespace retnet

#endif // RETNET_TOOLS_TEXTSTREAM_H
