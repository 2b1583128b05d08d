//===- Api.cpp - the OpenAI-compatible request and response JSON ----------===//

#include "Api.h"
#include "ChatTemplate.h"

#include "retnet/Error.h"

#include <cmath>
#include <limits>
#include <set>

namespace retnet::serve {

using nlohmann::json;

namespace {

[[noreturn]] void bad(const std::string &param, const std::string &message,
                      const std::string &code = "") {
  throw ApiError{400, "invalid_request_error", message, param, code};
}

const char *typeName(const json &v) {
  switch (v.type()) {
  case json::value_t::null:
    return "null";
  case json::value_t::boolean:
    return "a boolean";
  case json::value_t::string:
    return "a string";
  case json::value_t::array:
    return "an array";
  case json::value_t::object:
    return "an object";
  case json::value_t::number_float:
    return "a number";
  default:
    return "an integer";
  }
}

/// The field's value when present and not null.
const json *field(const json &body, const char *name) {
  auto it = body.find(name);
  if (it == body.end() || it->is_null())
    return nullptr;
  return &*it;
}

double number(const json &body, const char *name, double def, double lo,
              double hi) {
  const json *v = field(body, name);
  if (!v)
    return def;
  if (!v->is_number())
    bad(name, std::string("'") + name + "' must be a number, not " +
                  typeName(*v));
  double x = v->get<double>();
  if (!(x >= lo && x <= hi))
    bad(name, std::string("'") + name + "' must be in [" +
                  json(lo).dump() + ", " + json(hi).dump() + "], got " +
                  v->dump());
  return x;
}

int64_t integer(const json &body, const char *name, int64_t def, int64_t lo,
                int64_t hi) {
  const json *v = field(body, name);
  if (!v)
    return def;
  if (!v->is_number_integer())
    bad(name, std::string("'") + name + "' must be an integer, not " +
                  typeName(*v));
  if (v->is_number_unsigned() && v->get<uint64_t>() > uint64_t(hi))
    bad(name, std::string("'") + name + "' must be at most " +
                  std::to_string(hi) + ", got " + v->dump());
  int64_t x = v->get<int64_t>();
  if (x < lo && hi == std::numeric_limits<int64_t>::max())
    bad(name, std::string("'") + name + "' must be at least " +
                  std::to_string(lo) + ", got " + v->dump());
  if (x < lo || x > hi)
    bad(name, std::string("'") + name + "' must be in [" +
                  std::to_string(lo) + ", " + std::to_string(hi) +
                  "], got " + v->dump());
  return x;
}

bool boolean(const json &body, const char *name, bool def) {
  const json *v = field(body, name);
  if (!v)
    return def;
  if (!v->is_boolean())
    bad(name, std::string("'") + name + "' must be a boolean, not " +
                  typeName(*v));
  return v->get<bool>();
}

std::vector<std::string> stopStrings(const json &body) {
  const json *v = field(body, "stop");
  if (!v)
    return {};
  std::vector<std::string> out;
  if (v->is_string()) {
    out.push_back(v->get<std::string>());
  } else if (v->is_array()) {
    if (v->size() > 4)
      bad("stop", "'stop' takes at most 4 strings, got " +
                      std::to_string(v->size()));
    for (const json &s : *v) {
      if (!s.is_string())
        bad("stop", std::string("'stop' must hold strings, not ") +
                        typeName(s));
      out.push_back(s.get<std::string>());
    }
  } else {
    bad("stop", std::string("'stop' must be a string or an array of "
                            "strings, not ") +
                    typeName(*v));
  }
  for (const std::string &s : out)
    if (s.empty())
      bad("stop", "'stop' strings must not be empty");
  return out;
}

/// Token ids given as the prompt: each an integer in [0, vocab).
std::vector<int64_t> tokenIds(const json &list, const ServeLimits &limits) {
  std::vector<int64_t> ids;
  for (const json &t : list) {
    if (!t.is_number_integer())
      bad("prompt", std::string("'prompt' token ids must be integers, not ") +
                        typeName(t));
    if (t.is_number_unsigned() ? t.get<uint64_t>() >= uint64_t(limits.vocab)
                               : (t.get<int64_t>() < 0 ||
                                  t.get<int64_t>() >= limits.vocab))
      bad("prompt", "'prompt' token id " + t.dump() +
                        " is outside the vocabulary [0, " +
                        std::to_string(limits.vocab) + ")");
    ids.push_back(t.get<int64_t>());
  }
  return ids;
}

std::vector<int64_t> completionPrompt(const json &body,
                                      const ServeLimits &limits,
                                      const Tokenize &tokenize) {
  const json *p = field(body, "prompt");
  if (!p)
    bad("prompt", "'prompt' is required");
  if (p->is_string())
    return tokenize(p->get<std::string>(), true);
  if (p->is_array()) {
    if (p->empty())
      bad("prompt", "'prompt' is empty");
    if ((*p)[0].is_number())
      return tokenIds(*p, limits);
    if (p->size() != 1)
      bad("prompt", "one prompt per request (use 'n' for several "
                    "completions), got " +
                        std::to_string(p->size()));
    const json &one = (*p)[0];
    if (one.is_string())
      return tokenize(one.get<std::string>(), true);
    if (one.is_array())
      return tokenIds(one, limits);
  }
  bad("prompt", std::string("'prompt' must be a string, an array of token "
                            "ids, or an array of one of those, not ") +
                    typeName(*p));
}

/// A message's content: a string, or an array of {"type":"text","text"}.
std::string messageText(const json &content, size_t i) {
  std::string where = "'messages[" + std::to_string(i) + "].content'";
  if (content.is_string())
    return content.get<std::string>();
  if (content.is_null())
    return "";
  if (!content.is_array())
    bad("messages", where + " must be a string or an array of parts, not " +
                        typeName(content));
  std::string text;
  for (const json &part : content) {
    const json *type = part.is_object() ? field(part, "type") : nullptr;
    const json *t = part.is_object() ? field(part, "text") : nullptr;
    if (!type || !type->is_string() || *type != "text" || !t ||
        !t->is_string())
      bad("messages", where + " parts must be {\"type\": \"text\", "
                              "\"text\": ...} (only text is supported)");
    text += t->get<std::string>();
  }
  return text;
}

/// The prompt of checked `messages`: the Jinja template (which writes bos
/// itself, as transformers' apply_chat_template does) or the default one.
std::vector<int64_t> chatTokens(const json &messages, const ChatFormat &chat,
                                const Tokenize &tokenize) {
  if (!chat.jinja)
    return tokenize(defaultChatPrompt(messages), true);
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  for (size_t i = 0; i < messages.size(); ++i)
    list.push_back({{"role", messages[i]["role"]},
                    {"content", messageText(messages[i]["content"], i)}});
  std::string text;
  try {
    text = chat.jinja->render(nlohmann::ordered_json{
        {"messages", list},
        {"bos_token", chat.bos},
        {"eos_token", chat.eos},
        {"add_generation_prompt", true},
        {"tools", nullptr}});
  } catch (const ChatTemplate::Raised &e) {
    bad("messages", std::string("the model's chat template refuses these "
                                "messages: ") +
                        e.what());
  } catch (const Error &e) {
    throw ApiError{500, "server_error",
                   std::string("the chat template failed: ") + e.what(), "",
                   ""};
  }
  return tokenize(text, false);
}

void checkKnown(const json &body, const std::set<std::string> &known) {
  for (auto it = body.begin(); it != body.end(); ++it)
    if (!known.count(it.key()))
      bad(retnet::printable(it.key(), 80),
          "unknown field " + retnet::quote(it.key()), "unknown_field");
}

/// Fields of the OpenAI API this server does not implement: accepted only
/// with the value that means "off".
void checkOff(const json &body) {
  for (const char *name : {"presence_penalty", "frequency_penalty"})
    if (number(body, name, 0, -2, 2) != 0)
      bad(name, std::string("'") + name + "' is not supported (only 0)");
  if (const json *v = field(body, "logit_bias"))
    if (!v->is_object() || !v->empty())
      bad("logit_bias", "'logit_bias' is not supported (only {})");
  if (integer(body, "best_of", 1, 1, 1) != 1)
    bad("best_of", "'best_of' is not supported");
  if (boolean(body, "echo", false))
    bad("echo", "'echo' is not supported (only false)");
  if (const json *v = field(body, "suffix"))
    bad("suffix", std::string("'suffix' is not supported, got ") +
                      typeName(*v));
  if (const json *v = field(body, "user"))
    if (!v->is_string())
      bad("user", std::string("'user' must be a string, not ") +
                      typeName(*v));
  if (const json *v = field(body, "response_format"))
    if (!v->is_object() || v->value("type", "") != "text")
      bad("response_format", "only {\"type\": \"text\"} is supported");
}

json logprobsObject(Endpoint endpoint, const ChoiceOutput &out, size_t from,
                    size_t to) {
  if (endpoint == Endpoint::Chat) {
    json content = json::array();
    for (size_t i = from; i < to; ++i) {
      const TokenLogprob &t = out.logprobs[i];
      json top = json::array();
      for (auto &[text, lp] : t.top)
        top.push_back({{"token", text}, {"logprob", lp}});
      content.push_back(
          {{"token", t.text}, {"logprob", t.logprob}, {"top_logprobs", top}});
    }
    return {{"content", content}};
  }
  json tokens = json::array(), lps = json::array(), tops = json::array(),
       offsets = json::array();
  size_t offset = 0;
  for (size_t i = 0; i < to; ++i) {
    const TokenLogprob &t = out.logprobs[i];
    if (i >= from) {
      tokens.push_back(t.text);
      lps.push_back(t.logprob);
      json top = json::object();
      for (auto &[text, lp] : t.top)
        top[text] = lp;
      tops.push_back(top);
      offsets.push_back(offset);
    }
    offset += t.text.size();
  }
  return {{"tokens", tokens},
          {"token_logprobs", lps},
          {"top_logprobs", tops},
          {"text_offset", offsets}};
}

const char *objectName(Endpoint e, bool chunk) {
  if (e == Endpoint::Chat)
    return chunk ? "chat.completion.chunk" : "chat.completion";
  return "text_completion";
}

json usage(int64_t promptTokens, const std::vector<ChoiceOutput> &choices) {
  int64_t completion = 0;
  for (const ChoiceOutput &c : choices)
    completion += c.tokens;
  return {{"prompt_tokens", promptTokens},
          {"completion_tokens", completion},
          {"total_tokens", promptTokens + completion}};
}

json finishValue(const std::string &reason) {
  return reason.empty() ? json(nullptr) : json(reason);
}

} // namespace

json errorBody(const ApiError &e) {
  return {{"error",
           {{"message", e.message},
            {"type", e.type},
            {"param", e.param.empty() ? json(nullptr) : json(e.param)},
            {"code", e.code.empty() ? json(nullptr) : json(e.code)}}}};
}

std::string dump(const json &j) {
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string defaultChatPrompt(const json &messages) {
  std::string prompt;
  for (size_t i = 0; i < messages.size(); ++i) {
    const json &m = messages[i];
    std::string role = m.at("role").get<std::string>();
    role[0] = char(std::toupper(static_cast<unsigned char>(role[0])));
    prompt += role + ": " + messageText(m.at("content"), i) + "\n\n";
  }
  return prompt + "Assistant:";
}

ParsedRequest parseRequest(Endpoint endpoint, const std::string &body,
                           const ServeLimits &limits, const ChatFormat &chat,
                           const Tokenize &tokenize) {
  json req = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (req.is_discarded())
    bad("", "the request body is not valid JSON (UTF-8)", "invalid_json");
  if (!req.is_object())
    bad("", std::string("the request body must be a JSON object, not ") +
                typeName(req));
  std::set<std::string> known = {
      "model",           "max_tokens",   "temperature", "top_p",
      "top_k",           "seed",         "stop",        "n",
      "stream",          "stream_options", "logprobs",  "user",
      "presence_penalty", "frequency_penalty", "logit_bias", "best_of",
      "echo",            "suffix"};
  if (endpoint == Endpoint::Chat) {
    known.erase("echo");
    known.erase("suffix");
    known.insert({"messages", "top_logprobs", "max_completion_tokens",
                  "response_format"});
  } else {
    known.insert("prompt");
  }
  checkKnown(req, known);
  if (const json *m = field(req, "model")) {
    if (!m->is_string())
      bad("model", std::string("'model' must be a string, not ") +
                       typeName(*m));
    if (m->get<std::string>() != limits.modelName)
      throw ApiError{404, "invalid_request_error",
                     "the model " + retnet::quote(m->get<std::string>()) +
                         " does not exist; this server has " +
                         retnet::quote(limits.modelName),
                     "model", "model_not_found"};
  }
  checkOff(req);

  ParsedRequest out;
  GenerationParams &p = out.params;
  if (endpoint == Endpoint::Chat) {
    const json *msgs = field(req, "messages");
    if (!msgs || !msgs->is_array() || msgs->empty())
      bad("messages", "'messages' must be a non-empty array");
    for (size_t i = 0; i < msgs->size(); ++i) {
      const json &m = (*msgs)[i];
      std::string where = "'messages[" + std::to_string(i) + "]";
      if (!m.is_object())
        bad("messages", where + "' must be an object");
      const json *role = field(m, "role");
      static const std::set<std::string> roles = {"system", "developer",
                                                  "user", "assistant"};
      if (!role || !role->is_string() || !roles.count(role->get<std::string>()))
        bad("messages", where + ".role' must be one of system, developer, "
                                "user, assistant");
      if (!m.contains("content"))
        bad("messages", where + ".content' is required");
      messageText(m["content"], i); // checks it
    }
    p.prompt = chatTokens(*msgs, chat, tokenize);
  } else {
    p.prompt = completionPrompt(req, limits, tokenize);
  }
  if (p.prompt.empty())
    bad("prompt", "the prompt has no tokens (and the tokenizer adds no bos)");

  const char *maxName =
      endpoint == Endpoint::Chat && field(req, "max_completion_tokens")
          ? "max_completion_tokens"
          : "max_tokens";
  int64_t room = limits.context - int64_t(p.prompt.size());
  if (room < 1)
    bad("prompt",
        "the prompt has " + std::to_string(p.prompt.size()) +
            " tokens; this server takes at most " +
            std::to_string(limits.context - 1) +
            " (prompt + max_tokens <= " + std::to_string(limits.context) +
            ", --context)",
        "context_length_exceeded");
  int64_t defTokens = endpoint == Endpoint::Chat
                          ? room
                          : std::min(limits.defaultMaxTokens, room);
  p.maxTokens = integer(req, maxName, defTokens, 1,
                        std::numeric_limits<int64_t>::max());
  if (p.maxTokens > room)
    bad(maxName,
        std::string("'") + maxName + "' is " + std::to_string(p.maxTokens) +
            " but the prompt has " + std::to_string(p.prompt.size()) +
            " tokens and prompt + max_tokens <= " +
            std::to_string(limits.context) + " (--context)",
        "context_length_exceeded");
  p.sampling.temperature = number(req, "temperature", 1.0, 0, 2);
  p.sampling.topP = number(req, "top_p", 1.0, 0, 1);
  if (p.sampling.topP <= 0)
    bad("top_p", "'top_p' must be in (0, 1]");
  p.sampling.topK = integer(req, "top_k", 0, -1, limits.vocab);
  if (p.sampling.topK < 0)
    p.sampling.topK = 0; // -1: all (vLLM's spelling)
  if (field(req, "seed"))
    p.sampling.seed = uint64_t(integer(req, "seed", 0,
                                       std::numeric_limits<int64_t>::min(),
                                       std::numeric_limits<int64_t>::max()));
  else
    p.sampling.seed = std::random_device()();
  p.stop = stopStrings(req);
  p.n = int(integer(req, "n", 1, 1, limits.maxChoices));
  if (endpoint == Endpoint::Chat) {
    bool want = boolean(req, "logprobs", false);
    int64_t top = integer(req, "top_logprobs", 0, 0, 20);
    if (field(req, "top_logprobs") && !want)
      bad("top_logprobs", "'top_logprobs' needs 'logprobs': true");
    p.logprobs = want ? int(top) : -1;
  } else {
    p.logprobs = int(integer(req, "logprobs", -1, 0, 5));
  }
  out.stream = boolean(req, "stream", false);
  if (const json *so = field(req, "stream_options")) {
    if (!so->is_object())
      bad("stream_options", "'stream_options' must be an object");
    if (!out.stream)
      bad("stream_options", "'stream_options' needs 'stream': true");
    for (auto it = so->begin(); it != so->end(); ++it)
      if (it.key() != "include_usage")
        bad("stream_options", "unknown field 'stream_options." + it.key() +
                                  "'");
    out.includeUsage = boolean(*so, "include_usage", false);
  }
  return out;
}

json responseBody(Endpoint endpoint, const std::string &id, int64_t created,
                  const ServeLimits &limits, const GenerationParams &params,
                  const std::vector<ChoiceOutput> &choices) {
  json list = json::array();
  for (size_t i = 0; i < choices.size(); ++i) {
    const ChoiceOutput &c = choices[i];
    json lp = params.logprobs >= 0
                  ? logprobsObject(endpoint, c, 0, c.logprobs.size())
                  : json(nullptr);
    json choice = {{"index", i},
                   {"logprobs", lp},
                   {"finish_reason", finishValue(c.finishReason)}};
    if (endpoint == Endpoint::Chat)
      choice["message"] = {{"role", "assistant"}, {"content", c.text}};
    else
      choice["text"] = c.text;
    list.push_back(choice);
  }
  return {{"id", id},
          {"object", objectName(endpoint, false)},
          {"created", created},
          {"model", limits.modelName},
          {"choices", list},
          {"usage", usage(int64_t(params.prompt.size()), choices)}};
}

json streamChunk(Endpoint endpoint, const std::string &id, int64_t created,
                 const ServeLimits &limits, int index, const std::string &text,
                 const ChoiceOutput &out, size_t from, size_t to,
                 bool logprobs, const std::string &finishReason, bool first) {
  json choice = {{"index", index},
                 {"logprobs", logprobs ? logprobsObject(endpoint, out, from, to)
                                       : json(nullptr)},
                 {"finish_reason", finishValue(finishReason)}};
  if (endpoint == Endpoint::Chat) {
    json delta = json::object();
    if (first)
      delta["role"] = "assistant";
    if (!text.empty() || first)
      delta["content"] = text;
    choice["delta"] = delta;
  } else {
    choice["text"] = text;
  }
  return {{"id", id},
          {"object", objectName(endpoint, true)},
          {"created", created},
          {"model", limits.modelName},
          {"choices", json::array({choice})}};
}

json usageChunk(Endpoint endpoint, const std::string &id, int64_t created,
                const ServeLimits &limits, int64_t promptTokens,
                const std::vector<ChoiceOutput> &choices) {
  return {{"id", id},
          {"object", objectName(endpoint, true)},
          {"created", created},
          {"model", limits.modelName},
          {"choices", json::array()},
          {"usage", usage(promptTokens, choices)}};
}

} // namespace retnet::serve
