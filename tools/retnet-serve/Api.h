//===- Api.h - the OpenAI-compatible request and response JSON -*- C++ -*-===//
//
// Parses /v1/completions and /v1/chat/completions request bodies into
// GenerationParams (every field's type and range checked; an ApiError names
// the field otherwise) and builds the response objects and stream chunks.
// No HTTP here: retnet-serve.cpp wires these to the server.
//
//===----------------------------------------------------------------------===//

#ifndef RETNET_SERVE_API_H
#define RETNET_SERVE_API_H

#include "Scheduler.h"

#include <nlohmann/json.hpp>

#include <functional>
#include <string>
#include <vector>

namespace retnet::serve {

/// A request the server refuses: HTTP status, OpenAI error type, message,
/// the offending parameter (may be empty) and a code (may be empty).
struct ApiError {
  int status;
  std::string type;
  std::string message;
  std::string param;
  std::string code;
};

/// {"error": {"message", "type", "param", "code"}}.
nlohmann::json errorBody(const ApiError &e);

/// Serializes a response: invalid UTF-8 (never produced, but never trusted)
/// becomes U+FFFD instead of an exception.
std::string dump(const nlohmann::json &j);

enum class Endpoint { Completions, Chat };

struct ServeLimits {
  std::string modelName;
  int64_t vocab = 0;
  int64_t context = 8192;  ///< prompt + max_tokens
  int64_t maxChoices = 1;  ///< n (at most the slots)
  int64_t defaultMaxTokens = 16;
};

/// Text → token ids; `special`: with the tokenizer's bos/eos as for a
/// prompt (a chat template writes them itself).
using Tokenize =
    std::function<std::vector<int64_t>(const std::string &, bool special)>;

class ChatTemplate;

/// How chat messages become a prompt: the model's (or --chat-template's)
/// Jinja template with its bos/eos strings, else the default template.
struct ChatFormat {
  const ChatTemplate *jinja = nullptr;
  std::string bos, eos;
};

struct ParsedRequest {
  GenerationParams params;
  bool stream = false;
  bool includeUsage = false; ///< stream_options.include_usage
};

/// The default chat prompt of `messages` (see docs/serving.md).
std::string defaultChatPrompt(const nlohmann::json &messages);

/// Throws ApiError (400, or 404 for an unknown model).
ParsedRequest parseRequest(Endpoint endpoint, const std::string &body,
                           const ServeLimits &limits, const ChatFormat &chat,
                           const Tokenize &tokenize);

/// The non-streamed response.
nlohmann::json responseBody(Endpoint endpoint, const std::string &id,
                            int64_t created, const ServeLimits &limits,
                            const GenerationParams &params,
                            const std::vector<ChoiceOutput> &choices);

/// One stream chunk for choice `index`: `text` and the logprobs of tokens
/// [from, to) of `out`; finishReason may be empty. `first`: a chat stream's
/// first chunk carries the assistant role.
nlohmann::json streamChunk(Endpoint endpoint, const std::string &id,
                           int64_t created, const ServeLimits &limits,
                           int index, const std::string &text,
                           const ChoiceOutput &out, size_t from, size_t to,
                           bool logprobs, const std::string &finishReason,
                           bool first);

/// The final usage chunk (stream_options.include_usage).
nlohmann::json usageChunk(Endpoint endpoint, const std::string &id,
                          int64_t created, const ServeLimits &limits,
                          int64_t promptTokens,
                          const std::vector<ChoiceOutput> &choices);

} // namespace retnet::serve

#endif // RETNET_SERVE_API_H
