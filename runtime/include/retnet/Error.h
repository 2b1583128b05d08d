//===- Error.h - the runtime's error type -----------------------*- C++ -*-===//
//
// Errors about user input (model files, weights, flags) carry one message
// that names the file, the field, what was expected and what was found.
//
// A message never carries raw bytes of its input: a value from a file, a
// flag or a path goes in through quote() or printable(), which escape what
// a terminal would act on (control characters, escape sequences, bidi
// overrides) and bytes that are not UTF-8, and cut long values. The tools
// pass the whole line through printable() once more before printing it.
//
//===----------------------------------------------------------------------===//

#ifndef RETNET_ERROR_H
#define RETNET_ERROR_H

#include "retnet/Utf8.h"

#include <cstdio>
#include <stdexcept>
#include <string>
#include <string_view>

namespace retnet {

class Error : public std::runtime_error {
public:
  explicit Error(const std::string &message) : std::runtime_error(message) {}
};

namespace detail {

/// Characters a terminal acts on or that hide or reorder text: C0, DEL, C1,
/// and the invisible format characters (soft hyphen, Arabic letter mark,
/// zero-width characters, line/paragraph separators, bidi embeddings,
/// overrides and isolates, word joiners, byte order mark, interlinear
/// annotation, tags).
inline bool hidden(char32_t cp) {
  return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || cp == 0xAD || cp == 0x61C ||
         cp == 0x180E || (cp >= 0x200B && cp <= 0x200F) ||
         (cp >= 0x2028 && cp <= 0x202E) || (cp >= 0x2060 && cp <= 0x206F) ||
         cp == 0xFEFF || (cp >= 0xFFF9 && cp <= 0xFFFB) ||
         (cp >= 0xE0000 && cp <= 0xE007F);
}

/// `s` escaped (see printable) and cut to `max` bytes; `quote`: also escape
/// it and backslashes, and put `s` between two of it.
inline std::string escape(std::string_view s, size_t max, char quote) {
  std::string out;
  if (quote)
    out += quote;
  size_t budget = max, used = 0;
  bool cut = false;
  char buf[16];
  for (size_t i = 0; i < s.size();) {
    char32_t cp = 0;
    size_t n = utf8At(s, i, cp);
    std::string_view piece;
    if (n == 0) {
      std::snprintf(buf, sizeof buf, "\\x%02X",
                    unsigned(static_cast<unsigned char>(s[i])));
      piece = buf;
      n = 1;
    } else if (cp == '\n') {
      piece = "\\n";
    } else if (cp == '\t') {
      piece = "\\t";
    } else if (cp == '\r') {
      piece = "\\r";
    } else if (cp < 0x80 && hidden(cp)) {
      std::snprintf(buf, sizeof buf, "\\x%02X", unsigned(cp));
      piece = buf;
    } else if (hidden(cp)) {
      std::snprintf(buf, sizeof buf, "\\u{%04X}", unsigned(cp));
      piece = buf;
    } else if (quote && (cp == char32_t(quote) || cp == '\\')) {
      buf[0] = '\\';
      buf[1] = char(cp);
      piece = std::string_view(buf, 2);
    } else {
      piece = s.substr(i, n);
    }
    if (used + piece.size() > budget) {
      cut = true;
      break;
    }
    out += piece;
    used += piece.size();
    i += n;
  }
  if (quote)
    out += quote;
  if (cut)
    out += "\xE2\x80\xA6(" + std::to_string(s.size()) + " bytes)"; // "…"
  return out;
}

} // namespace detail

/// Text from input (a file's contents, a name, a flag, a path, an exception
/// message that quotes them) made safe to print: printable UTF-8 characters
/// of any script are kept; newline, tab and carriage return become \n, \t
/// and \r, other C0 controls and DEL \xNN, C1 controls and invisible
/// format characters (zero-width, bidi overrides and isolates, line
/// separators, BOM, tags) \u{NNNN}, and each byte that is not part of
/// well-formed UTF-8 \xNN. Longer than `max` bytes (escapes counted), it is
/// cut at a character boundary and "…(N bytes)" gives the input's size.
/// Backslashes and quotes are kept as they are, so a line that went through
/// quote() is unchanged by it.
inline std::string printable(std::string_view s,
                             size_t max = std::string::npos) {
  return detail::escape(s, max, 0);
}

/// A value from input for a message, in single quotes: printable() with
/// \' and \\ also escaped, cut after `max` bytes: 'first bytes'…(N bytes).
inline std::string quote(std::string_view s, size_t max = 80) {
  return detail::escape(s, max, '\'');
}

/// The longest file name or path a message shows (longer ones are cut).
constexpr size_t kMaxShownPath = 400;

/// A path for the start of a message ("PATH: what is wrong"): printable(),
/// without quotes, cut after kMaxShownPath bytes.
inline std::string printablePath(std::string_view path) {
  return printable(path, kMaxShownPath);
}

/// A path inside a message: quote(), cut after kMaxShownPath bytes.
inline std::string quotePath(std::string_view path) {
  return quote(path, kMaxShownPath);
}

/// The longest line the tools print for an error (the values in it are
/// cut much earlier; this bounds messages from libraries).
constexpr size_t kMaxErrorLine = 2000;

} // namespace retnet

#endif // RETNET_ERROR_H
