//===- ChatTemplate.h - Hugging Face chat templates -------------*- C++ -*-===//
//
// Renders a model's `chat_template` (tokenizer_config.json) the way
// transformers' apply_chat_template does: Jinja2 3.1 semantics with
// trim_blocks and lstrip_blocks on, the loopcontrols extension
// ({% break %}, {% continue %}), transformers' {% generation %} block (a
// no-op when rendering), its tojson filter (json.dumps, non-ASCII kept) and
// its globals raise_exception(message) and strftime_now(format).
//
// The supported subset is what chat templates use: text, {{ }}, {# #},
// whitespace control (- and +), if/elif/else, for (with tuple targets, a
// filter and else, the loop variable), set (names, namespace attributes,
// tuples, blocks), macro, break/continue; the full expression grammar with
// Jinja's precedence, literals, attribute/item/slice access, tests and the
// common filters, string and dict methods. Anything else (include, extends,
// block, call, filter blocks, raw, string formatting with %, unknown
// filters and methods, ...) is reported as an error, never rendered wrong.
//
// A template is parsed once; render() only walks the tree, so one
// ChatTemplate can serve concurrent requests.
//
//===----------------------------------------------------------------------===//

#ifndef RETNET_SERVE_CHATTEMPLATE_H
#define RETNET_SERVE_CHATTEMPLATE_H

#include "retnet/Error.h"

#include <nlohmann/json.hpp>

#include <memory>
#include <string>

namespace retnet::serve {

class ChatTemplate {
public:
  /// raise_exception(message) in the template: the conversation does not
  /// fit it (roles out of order, a role it does not know). what() is the
  /// template's message as it wrote it.
  class Raised : public retnet::Error {
  public:
    using retnet::Error::Error;
  };

  /// Parses `source`; throws retnet::Error ("chat_template: <what> at line
  /// L, column C") for malformed templates and for syntax it does not
  /// support.
  explicit ChatTemplate(const std::string &source);

  /// Renders with `context`, a JSON object whose members become the
  /// template's variables (messages, bos_token, eos_token,
  /// add_generation_prompt, tools, ...). transformers passes `tools` (null
  /// when the request has none) as well; so should the caller. Throws
  /// Raised for raise_exception(...) and retnet::Error for errors at run
  /// time (an undefined value used, a type error, an unsupported filter or
  /// method reached, output over 16 MiB, runaway loops or recursion).
  ///
  /// With ordered_json, mappings keep their members' order as Python dicts
  /// do (it shows in tojson and in loops over items()); a plain json
  /// object arrives with its members sorted by name.
  std::string render(const nlohmann::ordered_json &context) const;
  std::string render(const nlohmann::json &context) const;

  struct Program; ///< the parsed template (ChatTemplate.cpp)

private:
  std::shared_ptr<const Program> program_;
};

} // namespace retnet::serve

#endif // RETNET_SERVE_CHATTEMPLATE_H
