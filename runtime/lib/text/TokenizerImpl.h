//===- TokenizerImpl.h - shared by the tokenizer sources --------*- C++ -*-===//

#ifndef RETNET_TOKENIZERIMPL_H
#define RETNET_TOKENIZERIMPL_H

#include "retnet/Tokenizer.h"

#include <string>
#include <string_view>
#include <vector>

namespace retnet::text {

/// Bytes of the valid UTF-8 character at s[i], or 0.
size_t validPrefix(std::string_view s, size_t i);
/// The code point of the n-byte character at s[i].
uint32_t decodeAt(std::string_view s, size_t i, size_t n);
/// The characters of valid UTF-8 `s`.
std::vector<std::string_view> chars(std::string_view s);
/// A whole regular file of at most maxBytes; throws retnet::Error.
std::string readFile(const std::string &path, size_t maxBytes);
bool isFile(const std::string &path);

/// A tokenizer.json (HFTokenizer.cpp).
std::unique_ptr<Tokenizer> loadHuggingFace(const std::string &path);

} // namespace retnet::text

#endif // RETNET_TOKENIZERIMPL_H
