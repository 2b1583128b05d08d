//===- Utf8.h - UTF-8 sequences, read and written ---------------*- C++ -*-===//
//
// The strict reading of one UTF-8 sequence (what is not well-formed is
// reported, never guessed) and the writing of one code point: shared by
// error messages (Error.h), the tokenizers and retnet-serve's templates.
//
//===----------------------------------------------------------------------===//

#ifndef RETNET_UTF8_H
#define RETNET_UTF8_H

#include <cstddef>
#include <string>
#include <string_view>

namespace retnet {

/// The length (1 to 4) of the well-formed UTF-8 sequence at s[i], its code
/// point in `cp`; 0 when the bytes there are not UTF-8 (a stray
/// continuation byte, an overlong form, a surrogate, a code point beyond
/// U+10FFFF, a sequence cut short).
inline size_t utf8At(std::string_view s, size_t i, char32_t &cp) {
  unsigned char c = static_cast<unsigned char>(s[i]);
  if (c < 0x80) {
    cp = c;
    return 1;
  }
  size_t n;
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2;
    cp = c & 0x1F;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    cp = c & 0x0F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    cp = c & 0x07;
  } else {
    return 0;
  }
  if (n > s.size() - i)
    return 0;
  for (size_t k = 1; k < n; ++k) {
    unsigned char d = static_cast<unsigned char>(s[i + k]);
    if ((d & 0xC0) != 0x80)
      return 0;
    cp = (cp << 6) | (d & 0x3F);
  }
  if ((n == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
      (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
    return 0;
  return n;
}

/// Appends code point `cp` (at most U+10FFFF) as UTF-8.
inline void appendUtf8(std::string &out, char32_t cp) {
  if (cp < 0x80) {
    out += char(cp);
  } else if (cp < 0x800) {
    out += char(0xC0 | (cp >> 6));
    out += char(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += char(0xE0 | (cp >> 12));
    out += char(0x80 | ((cp >> 6) & 0x3F));
    out += char(0x80 | (cp & 0x3F));
  } else {
    out += char(0xF0 | (cp >> 18));
    out += char(0x80 | ((cp >> 12) & 0x3F));
    out += char(0x80 | ((cp >> 6) & 0x3F));
    out += char(0x80 | (cp & 0x3F));
  }
}

} // namespace retnet

#endif // RETNET_UTF8_H
