//===- ChatTemplate.cpp - Hugging Face chat templates (a Jinja subset) ----===//
//
// Source → tokens (Lexer: trim_blocks, lstrip_blocks and the -/+ markers are
// applied here, as jinja2's lexer does) → a small tree (Parser: recursive
// descent with jinja2's precedence) → text (Renderer: walks the tree with
// Python's semantics for the values JSON can hold).
//
// Values are JSON documents shared without copying (a loop variable is a view
// into its list), plus jinja2's Undefined, namespace()/loop objects and
// callables. Errors carry the line and column of the node that failed.
//
//===----------------------------------------------------------------------===//

#include "ChatTemplate.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <functional>
#include <limits>
#include <unordered_map>
#include <utility>
#include <vector>

namespace retnet::serve {
namespace {

using Json = nlohmann::ordered_json;

constexpr size_t kMaxOutput = size_t(16) << 20;
constexpr int kMaxNesting = 256;
constexpr uint64_t kMaxSteps = 10'000'000;
constexpr int64_t kMaxRange = 100000; // jinja2's sandbox MAX_RANGE

/// An error whose position is not known where it is found: eval() and
/// exec() turn it into a retnet::Error at the node that failed.
struct Failure {
  std::string what;
};
[[noreturn]] void failWith(std::string what) { throw Failure{std::move(what)}; }

std::string location(const std::string &text, size_t pos) {
  size_t line = 1, column = 1;
  for (size_t i = 0; i < pos && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) {
      ++column;
    }
  }
  return "line " + std::to_string(line) + ", column " + std::to_string(column);
}

[[noreturn]] void fail(const std::string &text, size_t pos,
                       const std::string &what) {
  throw Error("chat_template: " + what + " at " + location(text, pos));
}

//===-- Text: UTF-8 and Python's string rules -----------------------------===//

std::u32string decode(std::string_view s) {
  std::u32string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    char32_t cp = 0xFFFD;
    size_t n = utf8At(s, i, cp);
    out += n ? cp : char32_t(0xFFFD);
    i += n ? n : 1;
  }
  return out;
}

std::string encode(std::u32string_view s) {
  std::string out;
  for (char32_t cp : s)
    appendUtf8(out, cp);
  return out;
}

/// str.isspace(), which is also what `\s` and str.strip() use.
bool isSpace(char32_t c) {
  return (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x20) || c == 0x85 ||
         c == 0xA0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200A) ||
         c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F ||
         c == 0x3000;
}

/// Blocks holding letters whose case Python would change; only ASCII is
/// mapped here, so upper()/lower()/title() refuse these instead of
/// returning something Python would not.
bool hasCase(char32_t c) {
  static constexpr char32_t ranges[][2] = {
      {0xB5, 0xB5},       {0xC0, 0x2AF},      {0x345, 0x345},
      {0x370, 0x52F},     {0x531, 0x587},     {0x10A0, 0x10FF},
      {0x13A0, 0x13FF},   {0x1C80, 0x1CBF},   {0x1D79, 0x1D8E},
      {0x1E00, 0x1FFF},   {0x2126, 0x2133},   {0x214E, 0x2188},
      {0x24B6, 0x24E9},   {0x2C00, 0x2D2F},   {0xA640, 0xA69F},
      {0xA722, 0xA7FF},   {0xAB53, 0xABBF},   {0xFB00, 0xFB17},
      {0xFF21, 0xFF5A},   {0x10400, 0x104FF}, {0x10C80, 0x10CFF},
      {0x118A0, 0x118DF}, {0x16E40, 0x16E7F}, {0x1E900, 0x1E94B}};
  for (const auto &r : ranges)
    if (c >= r[0] && c <= r[1])
      return true;
  return false;
}

bool isAsciiLetter(char32_t c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

char32_t changeCase(char32_t c, bool upper) {
  if (c < 0x80)
    return upper ? char32_t(std::toupper(int(c))) : char32_t(std::tolower(int(c)));
  if (hasCase(c)) {
    std::string letter;
    appendUtf8(letter, c);
    failWith("changing the case of non-ASCII letters is not supported (" +
             quote(letter) + ")");
  }
  return c;
}

enum class Case { Upper, Lower, Capitalize, Title, PyTitle };

/// str.upper/lower/capitalize/title, and jinja2's title filter (PyTitle is
/// Python's: a letter after a letter is lowered; Title is jinja2's: words
/// start after whitespace, '-', '(', '{', '[' or '<').
std::string convertCase(std::string_view s, Case mode) {
  std::u32string text = decode(s);
  bool wordStart = true;
  for (size_t i = 0; i < text.size(); ++i) {
    char32_t c = text[i];
    bool upper = mode == Case::Upper ||
                 (mode == Case::Capitalize && i == 0) ||
                 ((mode == Case::Title || mode == Case::PyTitle) && wordStart);
    text[i] = changeCase(c, upper);
    if (mode == Case::PyTitle)
      wordStart = !(isAsciiLetter(c) || hasCase(c));
    else if (mode == Case::Title)
      wordStart = isSpace(c) || c == '-' || c == '(' || c == '{' ||
                  c == '[' || c == '<';
  }
  return encode(text);
}

/// str.strip/lstrip/rstrip with Python's default (whitespace) or `chars`.
std::string strip(std::string_view s, const std::string *chars, bool left,
                  bool right) {
  std::u32string text = decode(s), set = chars ? decode(*chars) : U"";
  auto drop = [&](char32_t c) {
    return chars ? set.find(c) != std::u32string::npos : isSpace(c);
  };
  size_t begin = 0, end = text.size();
  while (left && begin < end && drop(text[begin]))
    ++begin;
  while (right && end > begin && drop(text[end - 1]))
    --end;
  return encode(std::u32string_view(text).substr(begin, end - begin));
}

/// Python's repr() of a float (shortest round trip, exponent outside
/// [1e-4, 1e16)), which str() and json.dumps also use.
std::string floatRepr(double d, bool json) {
  if (std::isnan(d))
    return json ? "NaN" : "nan";
  if (std::isinf(d))
    return d > 0 ? (json ? "Infinity" : "inf") : (json ? "-Infinity" : "-inf");
  char buf[32];
  for (int precision = 1; precision <= 17; ++precision) {
    std::snprintf(buf, sizeof buf, "%.*e", precision - 1, d);
    if (std::strtod(buf, nullptr) == d)
      break;
  }
  std::string s(buf), sign, digits;
  if (s[0] == '-') {
    sign = "-";
    s.erase(0, 1);
  }
  size_t e = s.find('e');
  int exponent = std::atoi(s.c_str() + e + 1);
  for (char c : s.substr(0, e))
    if (c != '.')
      digits += c;
  while (digits.size() > 1 && digits.back() == '0')
    digits.pop_back();
  if (exponent < -4 || exponent >= 16) {
    std::string mantissa = digits.substr(0, 1);
    if (digits.size() > 1)
      mantissa += "." + digits.substr(1);
    std::snprintf(buf, sizeof buf, "e%c%02d", exponent < 0 ? '-' : '+',
                  std::abs(exponent));
    return sign + mantissa + buf;
  }
  if (exponent < 0)
    return sign + "0." + std::string(size_t(-exponent - 1), '0') + digits;
  if (digits.size() <= size_t(exponent) + 1)
    return sign + digits + std::string(exponent + 1 - digits.size(), '0') + ".0";
  return sign + digits.substr(0, exponent + 1) + "." +
         digits.substr(exponent + 1);
}

/// Python's repr() of a str.
void reprString(std::string &out, std::string_view s) {
  char quoteChar = s.find('\'') != std::string_view::npos &&
                           s.find('"') == std::string_view::npos
                       ? '"'
                       : '\'';
  out += quoteChar;
  char buf[16];
  for (char32_t c : decode(s)) {
    bool blank = c == 0xA0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200A) ||
                 c == 0x202F || c == 0x205F || c == 0x3000;
    if (c == char32_t(quoteChar) || c == '\\') {
      out += '\\';
      out += char(c);
    } else if (c == '\n' || c == '\t' || c == '\r') {
      out += c == '\n' ? "\\n" : c == '\t' ? "\\t" : "\\r";
    } else if (detail::hidden(c) || blank || (c >= 0xE000 && c <= 0xF8FF)) {
      const char *format = c < 0x100 ? "\\x%02x" : c < 0x10000 ? "\\u%04x" : "\\U%08x";
      std::snprintf(buf, sizeof buf, format, unsigned(c));
      out += buf;
    } else {
      appendUtf8(out, c);
    }
  }
  out += quoteChar;
}

//===-- Values ------------------------------------------------------------===//

class Value;
class Renderer;

/// A namespace() (assignable with {% set ns.x = ... %}) or a loop object.
struct Object {
  bool isNamespace = true;
  std::vector<std::pair<std::string, Value>> attributes;
  const Value *find(const std::string &name) const;
  void set(const std::string &name, Value value);
};

struct CallArgs {
  std::vector<Value> positional;
  std::vector<std::pair<std::string, Value>> named;
};

struct Function {
  std::string name;
  std::function<Value(Renderer &, CallArgs &)> call;
};

class Value {
public:
  /// jinja2's Undefined; `hint` is the error when it is used as a value.
  static Value undefined(std::string hint) {
    Value v;
    v.hint_ = std::move(hint);
    return v;
  }
  Value() = default;
  Value(Json json) : data_(std::make_shared<const Json>(std::move(json))) {}
  Value(std::shared_ptr<const Json> json) : data_(std::move(json)) {}
  Value(std::shared_ptr<Object> object) : object_(std::move(object)) {}
  Value(std::shared_ptr<const Function> f) : function_(std::move(f)) {}

  /// Tuples are lists here, except in str(): it refuses them rather than
  /// print [] where Python prints (). `Tuple`: a tuple literal; `Pairs`: a
  /// list of tuples (items()), whose elements are Tuple.
  enum Shape : unsigned char { Plain, Tuple, Pairs };
  static Value shaped(Json list, Shape shape) {
    Value v(std::move(list));
    v.shape_ = shape;
    return v;
  }
  Shape shape() const { return shape_; }
  bool isUndefined() const { return !data_ && !object_ && !function_; }
  const std::string &hint() const { return hint_; }
  const Json *data() const { return data_.get(); }
  Object *object() const { return object_.get(); }
  const Function *function() const { return function_.get(); }
  bool isString() const { return data_ && data_->is_string(); }
  const std::string &str() const { return data_->get_ref<const std::string &>(); }
  /// A part of this value's document (an element, a member), not copied.
  Value view(const Json &part) const {
    Value v(std::shared_ptr<const Json>(data_, &part));
    v.shape_ = shape_ == Pairs ? Tuple : Plain;
    return v;
  }
  /// Fails with the hint when undefined: the value is about to be used.
  const Value &defined() const {
    if (isUndefined())
      failWith(hint_.empty() ? "an undefined value is used" : hint_);
    return *this;
  }

private:
  std::shared_ptr<const Json> data_;
  std::shared_ptr<Object> object_;
  std::shared_ptr<const Function> function_;
  std::string hint_;
  Shape shape_ = Plain;
};

const Value *Object::find(const std::string &name) const {
  for (const auto &[key, value] : attributes)
    if (key == name)
      return &value;
  return nullptr;
}

void Object::set(const std::string &name, Value value) {
  for (auto &[key, old] : attributes)
    if (key == name) {
      old = std::move(value);
      return;
    }
  attributes.emplace_back(name, std::move(value));
}

Value function(std::string name,
               std::function<Value(Renderer &, CallArgs &)> call) {
  return Value(std::make_shared<const Function>(
      Function{std::move(name), std::move(call)}));
}

/// Binds a call's arguments to parameter names, as Python does.
class Params {
public:
  Params(const std::string &fn, CallArgs &args,
         std::initializer_list<const char *> names, size_t required = 0)
      : names_(names.begin(), names.end()), values_(names.size()) {
    if (args.positional.size() > names_.size())
      failWith(fn + "() takes at most " + std::to_string(names_.size()) +
               " argument(s), " + std::to_string(args.positional.size()) +
               " given");
    for (size_t i = 0; i < args.positional.size(); ++i)
      values_[i] = &args.positional[i];
    for (auto &[name, value] : args.named) {
      auto it = std::find(names_.begin(), names_.end(), name);
      if (it == names_.end())
        failWith(fn + "() got an unexpected keyword argument " + quote(name));
      if (values_[it - names_.begin()])
        failWith(fn + "() got multiple values for argument " + quote(name));
      values_[it - names_.begin()] = &value;
    }
    for (size_t i = 0; i < required; ++i)
      if (!values_[i])
        failWith(fn + "() is missing argument " + quote(names_[i]));
  }
  const Value *operator[](size_t i) const { return values_[i]; }

private:
  std::vector<std::string> names_;
  std::vector<const Value *> values_;
};

bool isInt(const Json &j) { return j.is_number_integer() || j.is_boolean(); }
bool isNumber(const Json &j) { return j.is_number() || j.is_boolean(); }

int64_t intOf(const Json &j) {
  if (j.is_boolean())
    return j.get<bool>();
  if (j.is_number_unsigned() &&
      j.get<uint64_t>() > uint64_t(std::numeric_limits<int64_t>::max()))
    failWith("integer too large");
  return j.get<int64_t>();
}

double floatOf(const Json &j) {
  return j.is_boolean() ? double(j.get<bool>()) : j.get<double>();
}

std::string typeName(const Value &v) {
  if (v.isUndefined())
    return "Undefined";
  if (v.object())
    return v.object()->isNamespace ? "Namespace" : "LoopContext";
  if (v.function())
    return "function";
  switch (v.data()->type()) {
  case Json::value_t::null:
    return "NoneType";
  case Json::value_t::boolean:
    return "bool";
  case Json::value_t::string:
    return "str";
  case Json::value_t::array:
    return "list";
  case Json::value_t::object:
    return "dict";
  case Json::value_t::number_float:
    return "float";
  default:
    return "int";
  }
}

bool truthy(const Value &v) {
  if (v.isUndefined())
    return false;
  const Json *j = v.data();
  if (!j)
    return true;
  if (j->is_null())
    return false;
  if (j->is_boolean())
    return j->get<bool>();
  if (j->is_number_float())
    return j->get<double>() != 0;
  if (j->is_number())
    return intOf(*j) != 0;
  if (j->is_string())
    return !j->get_ref<const std::string &>().empty();
  return !j->empty(); // array, object
}

/// Python's repr() of a JSON value, which str() of a list or dict uses.
void repr(std::string &out, const Json &j) {
  switch (j.type()) {
  case Json::value_t::null:
    out += "None";
    break;
  case Json::value_t::boolean:
    out += j.get<bool>() ? "True" : "False";
    break;
  case Json::value_t::number_float:
    out += floatRepr(j.get<double>(), false);
    break;
  case Json::value_t::string:
    reprString(out, j.get_ref<const std::string &>());
    break;
  case Json::value_t::array: {
    out += '[';
    for (size_t i = 0; i < j.size(); ++i) {
      out += i ? ", " : "";
      repr(out, j[i]);
    }
    out += ']';
    break;
  }
  case Json::value_t::object: {
    out += '{';
    bool first = true;
    for (const auto &[key, value] : j.items()) {
      out += first ? "" : ", ";
      first = false;
      reprString(out, key);
      out += ": ";
      repr(out, value);
    }
    out += '}';
    break;
  }
  default:
    out += j.dump();
  }
}

/// str(value), as {{ }} and ~ render it.
std::string toStr(const Value &v) {
  if (v.isUndefined())
    return "";
  if (!v.data())
    failWith("cannot render a " + typeName(v));
  if (v.isString())
    return v.str();
  if (v.shape() != Value::Plain)
    failWith("rendering a tuple as text is not supported");
  std::string out;
  repr(out, *v.data());
  return out;
}

/// json.dumps(value, ensure_ascii, indent, separators, sort_keys).
struct JsonStyle {
  bool ensureAscii = false;
  std::string indent; ///< used when `pretty`
  bool pretty = false;
  std::string itemSeparator = ", ", keySeparator = ": ";
  bool sortKeys = false;
};

void dumpString(std::string &out, std::string_view s, bool ensureAscii) {
  out += '"';
  char buf[16];
  for (char32_t c : decode(s)) {
    switch (c) {
    case '"': out += "\\\""; break;
    case '\\': out += "\\\\"; break;
    case '\n': out += "\\n"; break;
    case '\r': out += "\\r"; break;
    case '\t': out += "\\t"; break;
    case '\b': out += "\\b"; break;
    case '\f': out += "\\f"; break;
    default:
      if (c < 0x20 || (ensureAscii && c >= 0x80)) {
        if (c >= 0x10000) {
          char32_t v = c - 0x10000;
          std::snprintf(buf, sizeof buf, "\\u%04x\\u%04x",
                        unsigned(0xD800 + (v >> 10)), unsigned(0xDC00 + (v & 0x3FF)));
        } else {
          std::snprintf(buf, sizeof buf, "\\u%04x", unsigned(c));
        }
        out += buf;
      } else {
        appendUtf8(out, c);
      }
    }
  }
  out += '"';
}

void dumpJson(std::string &out, const Json &j, const JsonStyle &style,
              size_t level) {
  auto newline = [&](size_t depth) {
    if (!style.pretty)
      return;
    out += '\n';
    for (size_t i = 0; i < depth; ++i)
      out += style.indent;
  };
  if (j.is_array() && !j.empty()) {
    out += '[';
    for (size_t i = 0; i < j.size(); ++i) {
      out += i ? style.itemSeparator : "";
      newline(level + 1);
      dumpJson(out, j[i], style, level + 1);
    }
    newline(level);
    out += ']';
  } else if (j.is_object() && !j.empty()) {
    std::vector<std::pair<const std::string *, const Json *>> members;
    for (const auto &[key, value] : j.items())
      members.emplace_back(&key, &value);
    if (style.sortKeys)
      std::stable_sort(members.begin(), members.end(),
                       [](auto &a, auto &b) { return *a.first < *b.first; });
    out += '{';
    for (size_t i = 0; i < members.size(); ++i) {
      out += i ? style.itemSeparator : "";
      newline(level + 1);
      dumpString(out, *members[i].first, style.ensureAscii);
      out += style.keySeparator;
      dumpJson(out, *members[i].second, style, level + 1);
    }
    newline(level);
    out += '}';
  } else if (j.is_string()) {
    dumpString(out, j.get_ref<const std::string &>(), style.ensureAscii);
  } else if (j.is_number_float()) {
    out += floatRepr(j.get<double>(), true);
  } else {
    out += j.dump(); // null, booleans, integers, [] and {}
  }
}

bool equals(const Json &a, const Json &b) {
  if (isNumber(a) && isNumber(b)) {
    if (isInt(a) && isInt(b))
      return intOf(a) == intOf(b);
    return floatOf(a) == floatOf(b);
  }
  if (a.type() != b.type())
    return false;
  if (a.is_array()) {
    if (a.size() != b.size())
      return false;
    for (size_t i = 0; i < a.size(); ++i)
      if (!equals(a[i], b[i]))
        return false;
    return true;
  }
  if (a.is_object()) {
    if (a.size() != b.size())
      return false;
    for (const auto &[key, value] : a.items()) {
      auto it = b.find(key);
      if (it == b.end() || !equals(value, *it))
        return false;
    }
    return true;
  }
  return a == b;
}

bool equals(const Value &a, const Value &b) {
  if (a.data() && b.data())
    return equals(*a.data(), *b.data());
  if (a.isUndefined() || b.isUndefined())
    return a.isUndefined() && b.isUndefined();
  return a.object() == b.object() && a.function() == b.function();
}

/// -1, 0 or 1 for Python's <, or a TypeError.
int compare(const Value &x, const Value &y, const std::string &op) {
  if (x.data() && y.data()) {
    const Json &a = *x.data(), &b = *y.data();
    if (isNumber(a) && isNumber(b)) {
      if (isInt(a) && isInt(b))
        return intOf(a) < intOf(b) ? -1 : intOf(a) > intOf(b);
      return floatOf(a) < floatOf(b) ? -1 : floatOf(a) > floatOf(b);
    }
    if (a.is_string() && b.is_string())
      return a.get_ref<const std::string &>().compare(
                 b.get_ref<const std::string &>()) < 0
                 ? -1
                 : a != b;
    if (a.is_array() && b.is_array()) {
      for (size_t i = 0; i < a.size() && i < b.size(); ++i)
        if (!equals(a[i], b[i]))
          return compare(x.view(a[i]), y.view(b[i]), op);
      return a.size() < b.size() ? -1 : a.size() > b.size();
    }
  }
  x.defined();
  y.defined();
  failWith("'" + op + "' not supported between instances of '" + typeName(x) +
           "' and '" + typeName(y) + "'");
}

/// iter(value): the elements of a list, the keys of a dict, the characters
/// of a string; nothing for Undefined.
std::vector<Value> iterate(const Value &v) {
  std::vector<Value> items;
  if (v.isUndefined())
    return items;
  const Json *j = v.data();
  if (j && j->is_array()) {
    for (const Json &item : *j)
      items.push_back(v.view(item));
  } else if (j && j->is_object()) {
    for (const auto &[key, value] : j->items())
      items.emplace_back(Json(key));
  } else if (j && j->is_string()) {
    for (char32_t c : decode(v.str()))
      items.emplace_back(Json(encode(std::u32string(1, c))));
  } else {
    failWith("'" + typeName(v) + "' object is not iterable");
  }
  return items;
}

/// A list of values as one JSON array; namespaces and functions have no
/// JSON form.
Json toJson(const Value &v) {
  if (!v.data())
    failWith("a " + typeName(v) + " cannot be stored in a list or dict");
  return *v.data();
}

Json toArray(const std::vector<Value> &items) {
  Json array = Json::array();
  for (const Value &item : items)
    array.push_back(toJson(item));
  return array;
}

int64_t checkedInt(__int128 v) {
  if (v > std::numeric_limits<int64_t>::max() ||
      v < std::numeric_limits<int64_t>::min())
    failWith("integer overflow (beyond 64 bits)");
  return int64_t(v);
}

/// Python's slice semantics: indices to take from a sequence of `size`.
std::vector<size_t> sliceIndices(int64_t size, const Value *start,
                                 const Value *stop, const Value *step) {
  auto bound = [](const Value *v) -> const Json * {
    if (!v || (v->data() && v->data()->is_null()))
      return nullptr;
    if (!v->defined().data() || !isInt(*v->data()))
      failWith("slice indices must be integers or None");
    return v->data();
  };
  const Json *a = bound(start), *b = bound(stop), *c = bound(step);
  int64_t by = c ? intOf(*c) : 1;
  if (by == 0)
    failWith("slice step cannot be zero");
  auto clamp = [&](const Json *j, int64_t fallback) {
    if (!j)
      return fallback;
    int64_t i = intOf(*j);
    if (i < 0)
      i = std::max<int64_t>(i + size, by < 0 ? -1 : 0);
    return std::min<int64_t>(i, by < 0 ? size - 1 : size);
  };
  int64_t from = clamp(a, by < 0 ? size - 1 : 0),
          to = clamp(b, by < 0 ? -1 : size);
  std::vector<size_t> indices;
  for (int64_t i = from; by > 0 ? i < to : i > to; i += by)
    indices.push_back(size_t(i));
  return indices;
}

//===-- Operators ---------------------------------------------------------===//

bool contains(const Value &container, const Value &x) {
  const Json *c = container.data();
  if (container.isUndefined())
    return false;
  if (c && c->is_string()) {
    if (!x.isString())
      failWith("'in <string>' requires string as left operand, not " + typeName(x));
    return c->get_ref<const std::string &>().find(x.str()) != std::string::npos;
  }
  if (c && c->is_object())
    return x.isString() && c->contains(x.str());
  if (c && c->is_array()) {
    for (const Json &item : *c)
      if (equals(container.view(item), x))
        return true;
    return false;
  }
  failWith("argument of type '" + typeName(container) + "' is not iterable");
}

bool comparison(const std::string &op, const Value &a, const Value &b) {
  if (op == "==")
    return equals(a, b);
  if (op == "!=")
    return !equals(a, b);
  if (op == "in")
    return contains(b, a);
  if (op == "not in")
    return !contains(b, a);
  int c = compare(a, b, op);
  return op == "<" ? c < 0 : op == "<=" ? c <= 0 : op == ">" ? c > 0 : c >= 0;
}

Value repeat(const Json &sequence, int64_t times) {
  size_t unit = sequence.is_string() ? sequence.get_ref<const std::string &>().size()
                                     : sequence.size();
  if (times > 0 && unit > 0 && uint64_t(times) > kMaxOutput / unit)
    failWith("the repeated sequence would exceed " +
             std::to_string(kMaxOutput >> 20) + " MiB");
  Json out = sequence.is_string() ? Json("") : Json::array();
  for (int64_t i = 0; i < times; ++i) {
    if (sequence.is_string())
      out.get_ref<std::string &>() += sequence.get_ref<const std::string &>();
    else
      out.insert(out.end(), sequence.begin(), sequence.end());
  }
  return Value(std::move(out));
}

Value arithmetic(const std::string &op, const Value &x, const Value &y) {
  if (op == "~")
    return Value(Json(toStr(x) + toStr(y)));
  const Json *a = x.defined().data(), *b = y.defined().data();
  if (a && b && isNumber(*a) && isNumber(*b)) {
    bool ints = isInt(*a) && isInt(*b);
    if (ints && op != "/") {
      __int128 p = intOf(*a), q = intOf(*b);
      if ((op == "//" || op == "%") && q == 0)
        failWith("integer division or modulo by zero");
      if (op == "+") return Value(Json(checkedInt(p + q)));
      if (op == "-") return Value(Json(checkedInt(p - q)));
      if (op == "*") return Value(Json(checkedInt(p * q)));
      __int128 floor = p / q - ((p % q != 0) && ((p < 0) != (q < 0)));
      if (op == "//") return Value(Json(checkedInt(floor)));
      if (op == "%") return Value(Json(checkedInt(p - floor * q)));
      if (op == "**" && q >= 0) { // by squaring
        __int128 r = 1;
        for (; q > 0; q >>= 1) {
          if (q & 1)
            r = checkedInt(r * p);
          if (q > 1)
            p = checkedInt(p * p);
        }
        return Value(Json(int64_t(r)));
      }
    }
    double p = floatOf(*a), q = floatOf(*b);
    if ((op == "/" || op == "//" || op == "%") && q == 0)
      failWith("division by zero");
    if (op == "+") return Value(Json(p + q));
    if (op == "-") return Value(Json(p - q));
    if (op == "*") return Value(Json(p * q));
    if (op == "/") return Value(Json(p / q));
    if (op == "//") return Value(Json(std::floor(p / q)));
    if (op == "%") {
      double r = std::fmod(p, q);
      return Value(Json(r != 0 && ((r < 0) != (q < 0)) ? r + q : r));
    }
    return Value(Json(std::pow(p, q)));
  }
  if (a && b && op == "+" &&
      ((a->is_string() && b->is_string()) || (a->is_array() && b->is_array()))) {
    Json out = *a;
    if (a->is_string())
      out.get_ref<std::string &>() += b->get_ref<const std::string &>();
    else
      out.insert(out.end(), b->begin(), b->end());
    return Value(std::move(out));
  }
  if (a && b && op == "*" && (a->is_string() || a->is_array()) && isInt(*b))
    return repeat(*a, intOf(*b));
  if (a && b && op == "*" && (b->is_string() || b->is_array()) && isInt(*a))
    return repeat(*b, intOf(*a));
  if (a && a->is_string() && op == "%")
    failWith("string formatting with '%' is not supported");
  failWith("unsupported operand type(s) for " + op + ": '" + typeName(x) +
           "' and '" + typeName(y) + "'");
}

//===-- Lexer -------------------------------------------------------------===//

struct Token {
  enum Kind { Text, VarBegin, VarEnd, BlockBegin, BlockEnd, Name, String,
              Int, Float, Op, End };
  Kind kind;
  std::string text; ///< a string's value, a name, an operator, a number
  size_t pos;
};

const char *const kOperators[] = {"//", "**", "==", "!=", ">=", "<=", "+",
                                  "-",  "/",  "*",  "%",  "~",  "[",  "]",
                                  "(",  ")",  "{",  "}",  ">",  "<",  "=",
                                  ".",  ":",  "|",  ",",  ";"};

class Lexer {
public:
  explicit Lexer(const std::string &src) : src_(src) {}

  std::vector<Token> run() {
    bool lineStart = true;
    while (pos_ < src_.size()) {
      size_t tag = nextTag();
      std::string_view text(src_.data() + pos_,
                            std::min(tag, src_.size()) - pos_);
      if (tag == std::string::npos) {
        emit(Token::Text, std::string(text), pos_);
        break;
      }
      char type = src_[tag + 1];
      char sign = tag + 2 < src_.size() && (src_[tag + 2] == '-' || src_[tag + 2] == '+')
                      ? src_[tag + 2]
                      : 0;
      if (sign == '-') {
        text = text.substr(0, spaceEnd(text));
      } else if (sign != '+' && type != '{') { // lstrip_blocks
        size_t lineBegin = text.rfind('\n') + 1;
        std::string_view rest = text.substr(lineBegin);
        if ((lineBegin > 0 || lineStart) && !rest.empty() && spaceEnd(rest) == 0)
          text = text.substr(0, lineBegin);
      }
      if (!text.empty())
        emit(Token::Text, std::string(text), pos_);
      pos_ = tag + 2 + (sign ? 1 : 0);
      char endSign = type == '#' ? skipComment(tag) : lexTag(type, tag);
      size_t after = pos_;
      if (endSign == '-') { // -%}, -}}, -#}: all whitespace after
        for (size_t n; pos_ < src_.size() && (n = spaceAt(pos_));)
          pos_ += n;
      } else if (endSign != '+' && type != '{' && pos_ < src_.size() &&
                 src_[pos_] == '\n') { // trim_blocks
        ++pos_;
      }
      lineStart = pos_ > after && src_[pos_ - 1] == '\n';
    }
    emit(Token::End, "", src_.size());
    return std::move(out_);
  }

private:
  const std::string &src_;
  size_t pos_ = 0;
  std::vector<Token> out_;

  [[noreturn]] void fail(size_t at, const std::string &what) const {
    serve::fail(src_, at, what);
  }
  void emit(Token::Kind kind, std::string text, size_t at) {
    out_.push_back(Token{kind, std::move(text), at});
  }
  size_t nextTag() const {
    for (size_t at = src_.find('{', pos_); at != std::string::npos;
         at = src_.find('{', at + 1))
      if (at + 1 < src_.size() &&
          (src_[at + 1] == '{' || src_[at + 1] == '%' || src_[at + 1] == '#'))
        return at;
    return std::string::npos;
  }
  /// The length of the whitespace character at `at`, 0 if there is none.
  size_t spaceAt(size_t at) const {
    char32_t c;
    size_t n = utf8At(src_, at, c);
    return n && isSpace(c) ? n : 0;
  }
  /// Where trailing whitespace begins in `text` (str.rstrip()).
  static size_t spaceEnd(std::string_view text) {
    size_t end = 0;
    for (size_t i = 0; i < text.size();) {
      char32_t c = 0;
      size_t n = std::max<size_t>(utf8At(text, i, c), 1);
      i += n;
      if (!isSpace(c))
        end = i;
    }
    return end;
  }

  char skipComment(size_t start) {
    size_t end = src_.find("#}", pos_);
    if (end == std::string::npos)
      fail(start, "comment is not closed (missing '#}')");
    char sign = end > pos_ && (src_[end - 1] == '-' || src_[end - 1] == '+')
                    ? src_[end - 1]
                    : 0;
    pos_ = end + 2;
    return sign;
  }

  /// Lexes the inside of {{ }} or {% %}; returns the end marker's sign.
  char lexTag(char type, size_t start) {
    emit(type == '{' ? Token::VarBegin : Token::BlockBegin, "", start);
    const std::string close = type == '{' ? "}}" : "%}";
    std::string brackets; // the closers expected, innermost last
    for (;;) {
      while (pos_ < src_.size() && std::isspace(static_cast<unsigned char>(src_[pos_])))
        ++pos_;
      if (pos_ >= src_.size())
        fail(start, std::string(type == '{' ? "'{{'" : "'{%'") +
                        " is not closed (missing '" + close + "')");
      if (brackets.empty()) {
        for (const char *sign : {"-", "+", ""}) {
          if (*sign == '+' && type == '{')
            continue;
          std::string end = sign + close;
          if (src_.compare(pos_, end.size(), end) == 0) {
            emit(type == '{' ? Token::VarEnd : Token::BlockEnd, "", pos_);
            pos_ += end.size();
            return *sign;
          }
        }
      }
      lexToken(brackets);
    }
  }

  void lexToken(std::string &brackets) {
    size_t at = pos_;
    unsigned char c = static_cast<unsigned char>(src_[pos_]);
    if (std::isalpha(c) || c == '_') {
      while (pos_ < src_.size() &&
             (std::isalnum(static_cast<unsigned char>(src_[pos_])) || src_[pos_] == '_'))
        ++pos_;
      emit(Token::Name, src_.substr(at, pos_ - at), at);
    } else if (std::isdigit(c)) {
      lexNumber();
    } else if (c == '\'' || c == '"') {
      emit(Token::String, stringLiteral(), at);
    } else {
      for (const char *op : kOperators) {
        size_t n = std::strlen(op);
        if (src_.compare(pos_, n, op) != 0)
          continue;
        char o = op[0];
        if (n == 1 && (o == '(' || o == '[' || o == '{'))
          brackets += o == '(' ? ')' : o == '[' ? ']' : '}';
        if (n == 1 && (o == ')' || o == ']' || o == '}')) {
          if (brackets.empty() || brackets.back() != o)
            fail(at, std::string("unexpected '") + o + "'");
          brackets.pop_back();
        }
        pos_ += n;
        emit(Token::Op, op, at);
        return;
      }
      fail(at, "unexpected character " + quote(src_.substr(at, 1)));
    }
  }

  void lexNumber() {
    size_t at = pos_;
    auto digits = [&](bool hex = false) {
      size_t begin = pos_;
      while (pos_ < src_.size() &&
             (std::isdigit(static_cast<unsigned char>(src_[pos_])) ||
              (hex && std::isxdigit(static_cast<unsigned char>(src_[pos_]))) ||
              (src_[pos_] == '_' && pos_ > begin && pos_ + 1 < src_.size() &&
               std::isxdigit(static_cast<unsigned char>(src_[pos_ + 1])))))
        ++pos_;
    };
    auto clean = [&](size_t from) {
      std::string s = src_.substr(from, pos_ - from);
      s.erase(std::remove(s.begin(), s.end(), '_'), s.end());
      return s;
    };
    int base = 10;
    if (src_[pos_] == '0' && pos_ + 1 < src_.size() &&
        std::strchr("xXoObB", src_[pos_ + 1])) {
      char p = char(std::tolower(src_[pos_ + 1]));
      base = p == 'x' ? 16 : p == 'o' ? 8 : 2;
      pos_ += 2;
      digits(base == 16);
      std::string s = clean(at + 2);
      errno = 0;
      char *end = nullptr;
      long long value = std::strtoll(s.c_str(), &end, base);
      if (s.empty() || *end || errno)
        fail(at, "invalid integer literal");
      emit(Token::Int, std::to_string(value), at);
      return;
    }
    digits();
    bool isFloat = false;
    if (pos_ + 1 < src_.size() && src_[pos_] == '.' &&
        std::isdigit(static_cast<unsigned char>(src_[pos_ + 1]))) {
      ++pos_;
      digits();
      isFloat = true;
    }
    if (pos_ < src_.size() && (src_[pos_] == 'e' || src_[pos_] == 'E')) {
      size_t mark = pos_++;
      if (pos_ < src_.size() && (src_[pos_] == '+' || src_[pos_] == '-'))
        ++pos_;
      if (pos_ < src_.size() && std::isdigit(static_cast<unsigned char>(src_[pos_]))) {
        digits();
        isFloat = true;
      } else {
        pos_ = mark;
      }
    }
    emit(isFloat ? Token::Float : Token::Int, clean(at), at);
  }

  /// A quoted string with Python's escapes (jinja2 decodes them with
  /// "unicode-escape"; unknown escapes stay as written).
  std::string stringLiteral() {
    size_t start = pos_;
    char quoteChar = src_[pos_++];
    std::string value;
    for (;;) {
      if (pos_ >= src_.size())
        fail(start, "string literal is not closed");
      char c = src_[pos_++];
      if (c == quoteChar)
        return value;
      if (c != '\\') {
        value += c;
        continue;
      }
      if (pos_ >= src_.size())
        fail(start, "string literal is not closed");
      char e = src_[pos_++];
      static const std::string simple = "\n\\'\"abfnrtv";
      static const char *const meaning[] = {"", "\\", "'", "\"", "\a", "\b",
                                            "\f", "\n", "\r", "\t", "\v"};
      if (size_t k = simple.find(e); k != std::string::npos) {
        value += meaning[k];
      } else if (e >= '0' && e <= '7') {
        unsigned code = unsigned(e - '0');
        for (int i = 0; i < 2 && pos_ < src_.size() && src_[pos_] >= '0' && src_[pos_] <= '7'; ++i)
          code = code * 8 + unsigned(src_[pos_++] - '0');
        appendUtf8(value, code);
      } else if (e == 'x' || e == 'u' || e == 'U') {
        size_t n = e == 'x' ? 2 : e == 'u' ? 4 : 8;
        std::string hex = src_.substr(pos_, n);
        if (hex.size() != n || !std::all_of(hex.begin(), hex.end(), [](char h) {
              return std::isxdigit(static_cast<unsigned char>(h));
            }))
          fail(pos_ - 2, std::string("truncated \\") + e + " escape");
        unsigned long code = std::strtoul(hex.c_str(), nullptr, 16);
        if (code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF))
          fail(pos_ - 2, "escape " + quote("\\" + std::string(1, e) + hex) +
                             " is not a valid character");
        appendUtf8(value, char32_t(code));
        pos_ += n;
      } else if (e == 'N') {
        fail(pos_ - 2, "\\N{...} escapes are not supported");
      } else {
        value += '\\';
        value += e;
      }
    }
  }
};

//===-- Syntax tree -------------------------------------------------------===//

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;

struct Expr {
  enum Kind { Literal, Name, List, Dict, Attr, Item, Slice, Call, Filter,
              Test, Unary, Binary, And, Or, Not, Compare, Cond };
  Kind kind;
  size_t pos;
  std::string name;  ///< Name, Attr, Filter, Test; Unary/Binary: the operator
  std::shared_ptr<const Json> value; ///< Literal
  /// Operands; List/Dict: elements (Dict: key, value, ...); Call: callee
  /// then arguments; Filter/Test: the input then arguments; Slice: object,
  /// start, stop, step; Cond: value, condition, else (null: none).
  std::vector<ExprPtr> kids;
  /// Call/Filter/Test: names of the keyword arguments, the last kids;
  /// Compare: the operators between the kids.
  std::vector<std::string> words;
  bool negated = false; ///< Test: `is not`
};

struct Stmt;
using Body = std::vector<Stmt>;

struct Stmt {
  enum Kind { Text, Output, If, For, Set, SetBlock, Macro, Break, Continue,
              Generation };
  Kind kind;
  size_t pos;
  /// Text: the text; Set: the namespace attribute set; For: "loop" when
  /// the body uses the loop object.
  std::string text;
  /// For/Set/SetBlock: the target names; Macro: its name, then parameters.
  std::vector<std::string> names;
  /// Output/Set: the value; If: the conditions; For: iterable, filter
  /// (may be null); Macro: parameter defaults (may be null).
  std::vector<ExprPtr> exprs;
  /// If: one per condition, then else; For: body, else; others: body.
  std::vector<Body> bodies;
};

//===-- Parser ------------------------------------------------------------===//

bool knownFilter(const std::string &name);
bool knownTest(const std::string &name);
std::string unknown(const char *kind, const std::string &name);

class Parser {
public:
  Parser(const std::string &src, std::vector<Token> tokens)
      : src_(src), tokens_(std::move(tokens)) {}

  Body run() {
    std::string end;
    Body body = parseBody({}, &end, 0, "");
    checkNames(body, false);
    return body;
  }

private:
  const std::string &src_;
  std::vector<Token> tokens_;
  size_t at_ = 0;
  int depth_ = 0;
  int loops_ = 0;

  /// Counts nesting (statements in statements, expressions in
  /// expressions) against kMaxNesting.
  struct Nest {
    Nest(Parser &p, size_t pos) : p(p) {
      if (++p.depth_ > kMaxNesting)
        p.fail(pos, "nesting deeper than " + std::to_string(kMaxNesting));
    }
    ~Nest() { --p.depth_; }
    Parser &p;
  };

  [[noreturn]] void fail(size_t pos, const std::string &what) const {
    serve::fail(src_, pos, what);
  }
  const Token &peek(size_t ahead = 0) const {
    return tokens_[std::min(at_ + ahead, tokens_.size() - 1)];
  }
  const Token &next() {
    const Token &t = peek();
    at_ = std::min(at_ + 1, tokens_.size() - 1);
    return t;
  }
  bool isOp(const char *op, size_t ahead = 0) const {
    return peek(ahead).kind == Token::Op && peek(ahead).text == op;
  }
  bool isName(const char *name, size_t ahead = 0) const {
    return peek(ahead).kind == Token::Name && peek(ahead).text == name;
  }
  bool skipOp(const char *op) { return isOp(op) && (next(), true); }
  bool skipName(const char *name) { return isName(name) && (next(), true); }

  static std::string describe(const Token &t) {
    switch (t.kind) {
    case Token::Text: return "text";
    case Token::VarBegin: return "'{{'";
    case Token::VarEnd: return "'}}'";
    case Token::BlockBegin: return "'{%'";
    case Token::BlockEnd: return "'%}'";
    case Token::String: return "a string";
    case Token::Int:
    case Token::Float: return "a number";
    case Token::End: return "the end of the template";
    default: return quote(t.text);
    }
  }
  [[noreturn]] void unexpected(const std::string &expected) const {
    fail(peek().pos, "expected " + expected + ", found " + describe(peek()));
  }
  void expect(Token::Kind kind, const char *what) {
    if (peek().kind != kind)
      unexpected(what);
    next();
  }
  void expectOp(const char *op) {
    if (!skipOp(op))
      unexpected(std::string("'") + op + "'");
  }
  std::string expectName(const char *what = "a name") {
    if (peek().kind != Token::Name)
      unexpected(what);
    return next().text;
  }
  ExprPtr node(Expr::Kind kind, size_t pos, std::string name = {}) {
    auto e = std::make_unique<Expr>();
    e->kind = kind;
    e->pos = pos;
    e->name = std::move(name);
    return e;
  }
  static std::shared_ptr<const Json> literal(Json value) {
    return std::make_shared<const Json>(std::move(value));
  }
  ExprPtr binary(Expr::Kind kind, size_t pos, std::string op, ExprPtr lhs,
                 ExprPtr rhs) {
    ExprPtr e = node(kind, pos, std::move(op));
    e->kids.push_back(std::move(lhs));
    e->kids.push_back(std::move(rhs));
    return e;
  }

  //--- statements

  /// Statements up to one of the tags in `ends` (its name is consumed and
  /// stored in *end) or, when `ends` is empty, the end of the template.
  Body parseBody(std::initializer_list<const char *> ends, std::string *end,
                 size_t openPos, const std::string &openTag) {
    Body body;
    for (;;) {
      const Token &t = peek();
      if (t.kind == Token::Text) {
        Stmt s{Stmt::Text, t.pos, t.text, {}, {}, {}};
        body.push_back(std::move(s));
        next();
      } else if (t.kind == Token::VarBegin) {
        Nest nest(*this, next().pos);
        Stmt s{Stmt::Output, t.pos, {}, {}, {}, {}};
        s.exprs.push_back(parseExpression());
        expect(Token::VarEnd, "'}}'");
        body.push_back(std::move(s));
      } else if (t.kind == Token::BlockBegin) {
        for (const char *name : ends)
          if (isName(name, 1)) {
            next();
            *end = next().text;
            return body;
          }
        body.push_back(parseStatement());
      } else if (t.kind == Token::End && ends.size() == 0) {
        return body;
      } else if (t.kind == Token::End) {
        fail(openPos, "'{% " + openTag + " %}' is not closed (missing '{% " +
                          *(ends.end() - 1) + " %}')");
      } else {
        unexpected("text or a tag");
      }
    }
  }

  Stmt parseStatement() {
    size_t pos = next().pos; // {%
    Nest nest(*this, pos);
    const Token &tag = peek();
    std::string name = expectName("a tag name");
    Stmt s{Stmt::Break, pos, {}, {}, {}, {}};
    std::string end;
    if (name == "if") {
      s.kind = Stmt::If;
      do {
        s.exprs.push_back(parseExpression());
        expect(Token::BlockEnd, "'%}'");
        s.bodies.push_back(parseBody({"elif", "else", "endif"}, &end, pos, "if"));
      } while (end == "elif");
      if (end == "else") {
        expect(Token::BlockEnd, "'%}'");
        s.bodies.push_back(parseBody({"endif"}, &end, pos, "if"));
      }
    } else if (name == "for") {
      s.kind = Stmt::For;
      s.names = parseTargets();
      if (!skipName("in"))
        unexpected("'in'");
      s.exprs.push_back(parseExpression(false));
      s.exprs.push_back(skipName("if") ? parseExpression() : nullptr);
      if (isName("recursive"))
        fail(peek().pos, "recursive loops are not supported");
      expect(Token::BlockEnd, "'%}'");
      ++loops_;
      s.bodies.push_back(parseBody({"else", "endfor"}, &end, pos, "for"));
      --loops_;
      if (uses(s.bodies[0], "loop")) // else the loop object is not made
        s.text = "loop";
      if (end == "else") {
        expect(Token::BlockEnd, "'%}'");
        s.bodies.push_back(parseBody({"endfor"}, &end, pos, "for"));
      }
    } else if (name == "set") {
      s.kind = Stmt::Set;
      s.names = parseTargets();
      if (s.names.size() == 1 && skipOp("."))
        s.text = expectName("an attribute name");
      if (skipOp("=")) {
        s.exprs.push_back(parseExpression());
      } else {
        if (s.names.size() > 1 || !s.text.empty() || isOp("|"))
          unexpected("'='");
        s.kind = Stmt::SetBlock;
        expect(Token::BlockEnd, "'%}'");
        s.bodies.push_back(parseBody({"endset"}, &end, pos, "set"));
      }
    } else if (name == "macro") {
      s.kind = Stmt::Macro;
      s.names.push_back(expectName("the macro's name"));
      expectOp("(");
      while (!skipOp(")")) {
        if (s.names.size() > 1)
          expectOp(",");
        if (skipOp(")"))
          break;
        s.names.push_back(expectName("a parameter name"));
        s.exprs.push_back(skipOp("=") ? parseExpression() : nullptr);
      }
      expect(Token::BlockEnd, "'%}'");
      int loops = std::exchange(loops_, 0);
      s.bodies.push_back(parseBody({"endmacro"}, &end, pos, "macro"));
      loops_ = loops;
      for (const char *special : {"varargs", "kwargs", "caller"})
        if (std::find(s.names.begin() + 1, s.names.end(), special) == s.names.end() &&
            uses(s.bodies[0], special))
          fail(pos, std::string("a macro's '") + special + "' is not supported");
    } else if (name == "break" || name == "continue") {
      if (!loops_)
        fail(tag.pos, quote(name) + " outside a loop");
      s.kind = name == "break" ? Stmt::Break : Stmt::Continue;
    } else if (name == "generation") {
      s.kind = Stmt::Generation;
      expect(Token::BlockEnd, "'%}'");
      s.bodies.push_back(parseBody({"endgeneration"}, &end, pos, "generation"));
    } else if (name.rfind("end", 0) == 0 || name == "else" || name == "elif") {
      fail(tag.pos, "unexpected '{% " + name + " %}'");
    } else {
      fail(tag.pos, "unsupported tag " + quote(name));
    }
    expect(Token::BlockEnd, "'%}'");
    return s;
  }

  /// `a` or `a, b` or `(a, b)`: names to assign to.
  std::vector<std::string> parseTargets() {
    bool parens = skipOp("(");
    std::vector<std::string> names{expectName("a variable name")};
    while (skipOp(","))
      names.push_back(expectName("a variable name"));
    if (parens)
      expectOp(")");
    return names;
  }

  //--- expressions, in jinja2's precedence from loosest to tightest

  ExprPtr parseExpression(bool conditional = true) {
    Nest nest(*this, peek().pos);
    ExprPtr e = parseOr();
    while (conditional && isName("if")) {
      ExprPtr cond = node(Expr::Cond, next().pos);
      cond->kids.push_back(std::move(e));
      cond->kids.push_back(parseOr());
      cond->kids.push_back(skipName("else") ? parseExpression() : nullptr);
      e = std::move(cond);
    }
    return e;
  }

  ExprPtr parseOr() {
    ExprPtr e = parseAnd();
    while (isName("or")) {
      size_t pos = next().pos;
      e = binary(Expr::Or, pos, "or", std::move(e), parseAnd());
    }
    return e;
  }

  ExprPtr parseAnd() {
    ExprPtr e = parseNot();
    while (isName("and")) {
      size_t pos = next().pos;
      e = binary(Expr::And, pos, "and", std::move(e), parseNot());
    }
    return e;
  }

  ExprPtr parseNot() {
    if (!isName("not"))
      return parseCompare();
    Nest nest(*this, peek().pos);
    ExprPtr e = node(Expr::Not, next().pos);
    e->kids.push_back(parseNot());
    return e;
  }

  ExprPtr parseCompare() {
    size_t pos = peek().pos;
    ExprPtr first = parseMath1();
    ExprPtr e = node(Expr::Compare, pos);
    e->kids.push_back(std::move(first));
    for (;;) {
      if (peek().kind == Token::Op &&
          (isOp("==") || isOp("!=") || isOp("<") || isOp(">") || isOp("<=") || isOp(">=")))
        e->words.push_back(next().text);
      else if (skipName("in"))
        e->words.push_back("in");
      else if (isName("not") && isName("in", 1) && (next(), next(), true))
        e->words.push_back("not in");
      else
        break;
      e->kids.push_back(parseMath1());
    }
    return e->words.empty() ? std::move(e->kids[0]) : std::move(e);
  }

  /// One level of left-associative binary operators.
  ExprPtr parseBinary(std::initializer_list<const char *> ops,
                      ExprPtr (Parser::*operand)()) {
    ExprPtr e = (this->*operand)();
    for (;;) {
      const char *op = nullptr;
      for (const char *o : ops)
        if (isOp(o))
          op = o;
      if (!op)
        return e;
      size_t pos = next().pos;
      e = binary(Expr::Binary, pos, op, std::move(e), (this->*operand)());
    }
  }
  ExprPtr parseMath1() { return parseBinary({"+", "-"}, &Parser::parseConcat); }
  ExprPtr parseConcat() { return parseBinary({"~"}, &Parser::parseMath2); }
  ExprPtr parseMath2() {
    return parseBinary({"*", "/", "//", "%"}, &Parser::parsePow);
  }
  ExprPtr parsePow() { return parseBinary({"**"}, &Parser::parseFiltered); }
  ExprPtr parseFiltered() { return parseUnary(true); }

  ExprPtr parseUnary(bool withFilters) {
    Nest nest(*this, peek().pos);
    ExprPtr e;
    if (isOp("-") || isOp("+")) {
      const Token &op = next();
      e = node(Expr::Unary, op.pos, op.text);
      e->kids.push_back(parseUnary(false));
    } else {
      e = parsePrimary();
    }
    e = parsePostfix(std::move(e));
    return withFilters ? parseFilters(std::move(e)) : std::move(e);
  }

  ExprPtr parsePrimary() {
    const Token &t = peek();
    size_t pos = t.pos;
    ExprPtr e = node(Expr::Literal, pos);
    switch (t.kind) {
    case Token::Name:
      next();
      if (t.text == "true" || t.text == "True")
        e->value = literal(true);
      else if (t.text == "false" || t.text == "False")
        e->value = literal(false);
      else if (t.text == "none" || t.text == "None")
        e->value = literal(nullptr);
      else
        e = node(Expr::Name, pos, t.text);
      return e;
    case Token::String: {
      std::string s;
      while (peek().kind == Token::String) // adjacent literals concatenate
        s += next().text;
      e->value = literal(std::move(s));
      return e;
    }
    case Token::Int:
    case Token::Float: {
      errno = 0;
      char *end = nullptr;
      if (t.kind == Token::Int)
        e->value = literal(int64_t(std::strtoll(t.text.c_str(), &end, 10)));
      else
        e->value = literal(std::strtod(t.text.c_str(), &end));
      if (errno == ERANGE && t.kind == Token::Int)
        fail(pos, "integer literal " + t.text + " is too large");
      next();
      return e;
    }
    default:
      break;
    }
    if (skipOp("(")) {
      if (skipOp(")")) // ()
        return node(Expr::List, pos, "tuple");
      ExprPtr inner = parseExpression();
      if (!isOp(",")) {
        expectOp(")");
        return inner;
      }
      ExprPtr tuple = node(Expr::List, pos, "tuple");
      tuple->kids.push_back(std::move(inner));
      while (skipOp(",") && !isOp(")"))
        tuple->kids.push_back(parseExpression());
      expectOp(")");
      return tuple;
    }
    if (skipOp("[")) {
      e = node(Expr::List, pos);
      while (!skipOp("]")) {
        if (!e->kids.empty())
          expectOp(",");
        if (skipOp("]"))
          break;
        e->kids.push_back(parseExpression());
      }
      return e;
    }
    if (skipOp("{")) {
      e = node(Expr::Dict, pos);
      while (!skipOp("}")) {
        if (!e->kids.empty())
          expectOp(",");
        if (skipOp("}"))
          break;
        e->kids.push_back(parseExpression());
        expectOp(":");
        e->kids.push_back(parseExpression());
      }
      return e;
    }
    unexpected("an expression");
  }

  ExprPtr parsePostfix(ExprPtr e) {
    for (;;) {
      size_t pos = peek().pos;
      if (skipOp(".")) {
        if (peek().kind == Token::Int) { // x.0 is x[0]
          ExprPtr index = node(Expr::Literal, peek().pos);
          index->value = literal(int64_t(std::strtoll(next().text.c_str(), nullptr, 10)));
          e = binary(Expr::Item, pos, "", std::move(e), std::move(index));
        } else {
          ExprPtr attr = node(Expr::Attr, pos, expectName("an attribute name"));
          attr->kids.push_back(std::move(e));
          e = std::move(attr);
        }
      } else if (skipOp("[")) {
        ExprPtr parts[3];
        bool slice = false;
        if (!isOp(":"))
          parts[0] = parseExpression();
        if (skipOp(":")) {
          slice = true;
          if (!isOp("]") && !isOp(":"))
            parts[1] = parseExpression();
          if (skipOp(":") && !isOp("]"))
            parts[2] = parseExpression();
        }
        expectOp("]");
        ExprPtr item = node(slice ? Expr::Slice : Expr::Item, pos);
        item->kids.push_back(std::move(e));
        for (int i = 0; i < (slice ? 3 : 1); ++i)
          item->kids.push_back(std::move(parts[i]));
        e = std::move(item);
      } else if (isOp("(")) {
        e = parseCall(Expr::Call, pos, "", std::move(e));
      } else {
        return e;
      }
    }
  }

  ExprPtr parseFilters(ExprPtr e) {
    for (;;) {
      size_t pos = peek().pos;
      if (skipOp("|")) {
        std::string name = expectName("a filter name");
        if (isOp("(")) {
          e = parseCall(Expr::Filter, pos, name, std::move(e));
        } else {
          ExprPtr filter = node(Expr::Filter, pos, name);
          filter->kids.push_back(std::move(e));
          e = std::move(filter);
        }
      } else if (skipName("is")) {
        bool negated = skipName("not");
        std::string name = expectName("a test name");
        const Token &t = peek();
        bool argument = (t.kind == Token::Name || t.kind == Token::String ||
                         t.kind == Token::Int || t.kind == Token::Float ||
                         isOp("[") || isOp("{")) &&
                        !isName("else") && !isName("or") && !isName("and");
        if (isOp("(")) {
          e = parseCall(Expr::Test, pos, name, std::move(e));
        } else {
          ExprPtr test = node(Expr::Test, pos, name);
          test->kids.push_back(std::move(e));
          if (argument) {
            if (isName("is"))
              fail(t.pos, "tests cannot be chained with 'is'");
            test->kids.push_back(parsePostfix(parsePrimary()));
          }
          e = std::move(test);
        }
        e->negated = negated;
      } else if (isOp("(")) {
        e = parseCall(Expr::Call, pos, "", std::move(e));
      } else {
        return e;
      }
    }
  }

  /// `(args, name=value)` after a callee, a filter or a test.
  ExprPtr parseCall(Expr::Kind kind, size_t pos, std::string name,
                    ExprPtr target) {
    ExprPtr call = node(kind, pos, std::move(name));
    call->kids.push_back(std::move(target));
    expectOp("(");
    bool first = true;
    while (!skipOp(")")) {
      if (!std::exchange(first, false)) {
        expectOp(",");
        if (skipOp(")"))
          break;
      }
      if (isOp("*") || isOp("**"))
        fail(peek().pos, "*args and **kwargs in calls are not supported");
      if (peek().kind == Token::Name && isOp("=", 1)) {
        call->words.push_back(next().text);
        next();
      } else if (!call->words.empty()) {
        fail(peek().pos, "positional argument after a keyword argument");
      }
      call->kids.push_back(parseExpression());
    }
    return call;
  }

  static bool uses(const Expr &e, const char *name) {
    if (e.kind == Expr::Name && e.name == name)
      return true;
    for (const ExprPtr &kid : e.kids)
      if (kid && uses(*kid, name))
        return true;
    return false;
  }
  static bool uses(const Body &body, const char *name) {
    for (const Stmt &s : body) {
      for (const ExprPtr &e : s.exprs)
        if (e && uses(*e, name))
          return true;
      for (const Body &b : s.bodies)
        if (uses(b, name))
          return true;
    }
    return false;
  }

  /// jinja2 rejects an unknown filter or test when the template is
  /// compiled, except inside an if (a "soft frame", which a conditional
  /// expression also opens and a for or macro body closes): there it fails
  /// only when reached.
  void checkNames(const Expr &e, bool soft) const {
    soft = soft || e.kind == Expr::Cond;
    if (!soft && e.kind == Expr::Filter && !knownFilter(e.name))
      fail(e.pos, unknown("filter", e.name));
    if (!soft && e.kind == Expr::Test && !knownTest(e.name))
      fail(e.pos, unknown("test", e.name));
    for (const ExprPtr &kid : e.kids)
      if (kid)
        checkNames(*kid, soft);
  }
  void checkNames(const Body &body, bool soft) const {
    for (const Stmt &s : body) {
      bool inner = s.kind == Stmt::If
                       ? true
                       : (s.kind == Stmt::For || s.kind == Stmt::Macro) ? false : soft;
      for (size_t i = 0; i < s.exprs.size(); ++i)
        if (s.exprs[i]) // a loop's iterable is evaluated outside the loop
          checkNames(*s.exprs[i], s.kind == Stmt::For && i == 0 ? soft : inner);
      for (const Body &b : s.bodies)
        checkNames(b, inner);
    }
  }
};

//===-- Renderer ----------------------------------------------------------===//

struct Scope {
  const Scope *parent = nullptr;
  std::unordered_map<std::string, Value> vars;

  const Value *find(const std::string &name) const {
    for (const Scope *s = this; s; s = s->parent)
      if (auto it = s->vars.find(name); it != s->vars.end())
        return &it->second;
    return nullptr;
  }
};

using FilterFn = Value (*)(Renderer &, const Value &, CallArgs &);
using TestFn = bool (*)(Renderer &, const Value &, CallArgs &);
using MethodFn = Value (*)(const Value &, CallArgs &);

const std::unordered_map<std::string, FilterFn> &filters();
const std::unordered_map<std::string, TestFn> &tests();
const std::unordered_map<std::string, MethodFn> &stringMethods();
const std::unordered_map<std::string, MethodFn> &dictMethods();

bool knownFilter(const std::string &name) { return filters().count(name) != 0; }

/// "unknown filter 'x'", or "filter 'x' is not supported" for jinja2's own
/// filters and tests that this renderer lacks.
std::string unknown(const char *kind, const std::string &name) {
  static const char *const jinja2Names[] = {
      "attr", "batch", "center", "dictsort", "filesizeformat", "forceescape",
      "format", "groupby", "indent", "max", "min", "pprint", "random",
      "round", "slice", "sort", "striptags", "sum", "truncate", "unique",
      "urlencode", "urlize", "wordcount", "wordwrap", "xmlattr", "escaped",
      "lower", "upper", "filter", "test"};
  for (const char *known : jinja2Names)
    if (name == known)
      return std::string(kind) + " " + quote(name) + " is not supported";
  return std::string("unknown ") + kind + " " + quote(name);
}
bool knownTest(const std::string &name) { return tests().count(name) != 0; }

} // namespace

struct ChatTemplate::Program {
  std::string source; ///< newlines normalized, as positions refer to it
  Body body;
};

namespace {

class Renderer {
public:
  Renderer(const ChatTemplate::Program &program, const Json &context)
      : program_(program) {
    installGlobals();
    root_.parent = &globals_;
    for (const auto &[key, value] : context.items())
      root_.vars[key] = Value(std::shared_ptr<const Json>(std::shared_ptr<const Json>(), &value));
  }

  std::string run() {
    exec(program_.body, root_);
    return std::move(output_);
  }

  Value filter(const std::string &name, const Value &input, CallArgs &args) {
    auto it = filters().find(name);
    if (it == filters().end())
      failWith(unknown("filter", name));
    return it->second(*this, input, args);
  }

  bool test(const std::string &name, const Value &input, CallArgs &args) {
    auto it = tests().find(name);
    if (it == tests().end())
      failWith(unknown("test", name));
    return it->second(*this, input, args);
  }

  /// obj.name: an attribute (a method of a str or dict, a namespace's
  /// member), else a dict's item; Undefined when there is none.
  Value attribute(const Value &obj, const std::string &name) {
    obj.defined();
    if (Object *o = obj.object()) {
      const Value *v = o->find(name);
      return v ? *v : noAttribute(obj, name);
    }
    if (Value m = method(obj, name); !m.isUndefined())
      return m;
    if (const Json *j = obj.data(); j && j->is_object())
      if (auto it = j->find(name); it != j->end())
        return obj.view(*it);
    return noAttribute(obj, name);
  }

  /// obj[key]: a dict's item (else an attribute), a list's or string's
  /// element.
  Value item(const Value &obj, const Value &key) {
    obj.defined();
    const Json *j = obj.data();
    const Json *k = key.defined().data();
    if (j && k && (j->is_array() || j->is_string()) && isInt(*k)) {
      int64_t i = intOf(*k);
      if (j->is_string()) {
        std::u32string s = decode(j->get_ref<const std::string &>());
        int64_t n = int64_t(s.size());
        if (i < -n || i >= n)
          return Value::undefined("string index out of range");
        return Value(Json(encode(s.substr(size_t(i < 0 ? i + n : i), 1))));
      }
      int64_t n = int64_t(j->size());
      if (i < -n || i >= n)
        return Value::undefined("list object has no element " + std::to_string(i));
      return obj.view((*j)[size_t(i < 0 ? i + n : i)]);
    }
    if (j && k && j->is_object() && k->is_string())
      if (auto it = j->find(k->get_ref<const std::string &>()); it != j->end())
        return obj.view(*it);
    if (key.isString())
      return attribute(obj, key.str());
    return Value::undefined("'" + typeName(obj) + " object' has no element " + toStr(key));
  }

private:
  enum class Flow { Next, Break, Continue };

  const ChatTemplate::Program &program_;
  Scope globals_, root_;
  std::string output_;
  std::string *out_ = &output_;
  uint64_t steps_ = 0;
  int calls_ = 0;

  [[noreturn]] void fail(size_t pos, const std::string &what) const {
    serve::fail(program_.source, pos, what);
  }

  static Value noAttribute(const Value &obj, const std::string &name) {
    std::string owner = obj.data() && obj.data()->is_null()
                            ? "'None'"
                            : "'" + typeName(obj) + " object'";
    return Value::undefined(owner + " has no attribute " + quote(name));
  }

  static Value method(const Value &self, const std::string &name) {
    const Json *j = self.data();
    if (!j || !(j->is_string() || j->is_object()))
      return Value();
    const auto &table = j->is_string() ? stringMethods() : dictMethods();
    auto it = table.find(name);
    if (it == table.end())
      return Value();
    MethodFn fn = it->second;
    std::string full = (j->is_string() ? "str." : "dict.") + name;
    return function(full, [self, fn](Renderer &, CallArgs &args) {
      return fn(self, args);
    });
  }

  void emit(std::string_view text) {
    if (out_->size() + text.size() > kMaxOutput)
      failWith("the output would exceed " + std::to_string(kMaxOutput >> 20) + " MiB");
    out_->append(text);
  }

  void step(size_t pos) {
    if (++steps_ > kMaxSteps)
      fail(pos, "the template takes more than " + std::to_string(kMaxSteps) +
                    " steps (a runaway loop?)");
  }

  /// Renders `body` into a string of its own (macro calls, set blocks).
  std::string capture(const Body &body, Scope &scope) {
    std::string text;
    std::string *saved = std::exchange(out_, &text);
    struct Restore {
      std::string *&out, *saved;
      ~Restore() { out = saved; }
    } restore{out_, saved};
    exec(body, scope);
    return text;
  }

  Flow exec(const Body &body, Scope &scope) {
    for (const Stmt &s : body)
      if (Flow flow = exec(s, scope); flow != Flow::Next)
        return flow;
    return Flow::Next;
  }

  Flow exec(const Stmt &s, Scope &scope) {
    step(s.pos);
    try {
      switch (s.kind) {
      case Stmt::Text:
        emit(s.text);
        break;
      case Stmt::Output:
        emit(toStr(eval(*s.exprs[0], scope)));
        break;
      case Stmt::If:
        for (size_t i = 0; i < s.exprs.size(); ++i)
          if (truthy(eval(*s.exprs[i], scope)))
            return exec(s.bodies[i], scope);
        if (s.bodies.size() > s.exprs.size())
          return exec(s.bodies.back(), scope);
        break;
      case Stmt::For:
        return loop(s, scope);
      case Stmt::Set:
        assign(s, eval(*s.exprs[0], scope), scope);
        break;
      case Stmt::SetBlock:
        assign(s, Value(Json(capture(s.bodies[0], scope))), scope);
        break;
      case Stmt::Macro:
        scope.vars[s.names[0]] = function(s.names[0], [&s](Renderer &r, CallArgs &args) {
          return r.callMacro(s, args);
        });
        break;
      case Stmt::Break:
        return Flow::Break;
      case Stmt::Continue:
        return Flow::Continue;
      case Stmt::Generation:
        return exec(s.bodies[0], scope);
      }
    } catch (const Failure &f) {
      fail(s.pos, f.what);
    }
    return Flow::Next;
  }

  /// Binds loop or set targets: one name takes the value, several unpack it.
  static void bind(const std::vector<std::string> &names, const Value &value,
                   Scope &scope) {
    if (names.size() == 1) {
      scope.vars[names[0]] = value;
      return;
    }
    std::vector<Value> parts = iterate(value.defined());
    if (parts.size() != names.size())
      failWith("cannot unpack " + std::to_string(parts.size()) +
               " value(s) into " + std::to_string(names.size()) + " names");
    for (size_t i = 0; i < names.size(); ++i)
      scope.vars[names[i]] = parts[i];
  }

  void assign(const Stmt &s, Value value, Scope &scope) {
    if (s.text.empty())
      return bind(s.names, value, scope);
    const Value *target = scope.find(s.names[0]);
    Object *ns = target ? target->object() : nullptr;
    if (!ns || !ns->isNamespace)
      failWith("cannot assign an attribute of " + quote(s.names[0]) +
               ", which is not a namespace()");
    ns->set(s.text, std::move(value));
  }

  /// {% for %}: each iteration gets a scope of its own, so what it sets
  /// does not outlive it (namespaces carry state out).
  Flow loop(const Stmt &s, Scope &scope) {
    std::vector<Value> items = iterate(eval(*s.exprs[0], scope));
    if (const Expr *filter = s.exprs[1].get()) {
      std::vector<Value> kept;
      for (Value &item : items) {
        Scope probe{&scope, {}};
        bind(s.names, item, probe);
        if (truthy(eval(*filter, probe)))
          kept.push_back(std::move(item));
      }
      items = std::move(kept);
    }
    if (items.empty() && s.bodies.size() > 1)
      return exec(s.bodies[1], scope);
    size_t n = items.size();
    for (size_t i = 0; i < n; ++i) {
      step(s.pos);
      Scope iteration{&scope, {}};
      bind(s.names, items[i], iteration);
      if (s.text.empty()) {
        if (exec(s.bodies[0], iteration) == Flow::Break)
          break;
        continue;
      }
      auto info = std::make_shared<Object>();
      info->isNamespace = false;
      auto number = [](size_t v) { return Value(Json(int64_t(v))); };
      info->attributes = {
          {"index", number(i + 1)},
          {"index0", number(i)},
          {"revindex", number(n - i)},
          {"revindex0", number(n - i - 1)},
          {"first", Value(Json(i == 0))},
          {"last", Value(Json(i + 1 == n))},
          {"length", number(n)},
          {"depth", number(1)},
          {"depth0", number(0)},
          {"previtem", i ? items[i - 1] : Value::undefined("there is no previous item")},
          {"nextitem", i + 1 < n ? items[i + 1] : Value::undefined("there is no next item")},
          {"cycle", function("loop.cycle", [i](Renderer &, CallArgs &args) {
             if (args.positional.empty())
               failWith("loop.cycle() needs at least one item");
             return args.positional[i % args.positional.size()];
           })}};
      iteration.vars["loop"] = Value(std::move(info));
      if (exec(s.bodies[0], iteration) == Flow::Break)
        break;
    }
    return Flow::Next;
  }

  Value callMacro(const Stmt &s, CallArgs &args) {
    if (calls_ >= kMaxNesting)
      failWith("macro calls nested deeper than " + std::to_string(kMaxNesting));
    struct Depth {
      int &calls;
      ~Depth() { --calls; }
    } depth{++calls_};
    size_t count = s.names.size() - 1;
    if (args.positional.size() > count)
      failWith("macro " + quote(s.names[0]) + " takes " + std::to_string(count) +
               " argument(s), " + std::to_string(args.positional.size()) + " given");
    Scope scope{&root_, {}};
    for (size_t i = 0; i < count; ++i) {
      const std::string &param = s.names[i + 1];
      if (i < args.positional.size())
        scope.vars[param] = args.positional[i];
      else if (s.exprs[i])
        scope.vars[param] = eval(*s.exprs[i], scope);
      else
        scope.vars[param] = Value::undefined("macro argument " + quote(param) + " was not given");
    }
    for (auto &[name, value] : args.named) {
      auto param = std::find(s.names.begin() + 1, s.names.end(), name);
      if (param == s.names.end())
        failWith("macro " + quote(s.names[0]) + " has no parameter " + quote(name));
      if (size_t(param - s.names.begin() - 1) < args.positional.size())
        failWith("macro " + quote(s.names[0]) + " got multiple values for " + quote(name));
      scope.vars[name] = value;
    }
    return Value(Json(capture(s.bodies[0], scope)));
  }

  CallArgs arguments(const Expr &e, size_t first, Scope &scope) {
    CallArgs args;
    size_t named = e.kids.size() - e.words.size();
    for (size_t i = first; i < e.kids.size(); ++i) {
      Value v = eval(*e.kids[i], scope);
      if (i < named)
        args.positional.push_back(std::move(v));
      else
        args.named.emplace_back(e.words[i - named], std::move(v));
    }
    return args;
  }

  Value eval(const Expr &e, Scope &scope) {
    try {
      return evalNode(e, scope);
    } catch (const Failure &f) {
      fail(e.pos, f.what);
    }
  }

  Value evalNode(const Expr &e, Scope &scope) {
    switch (e.kind) {
    case Expr::Literal:
      return Value(e.value);
    case Expr::Name: {
      const Value *v = scope.find(e.name);
      return v ? *v : Value::undefined(quote(e.name) + " is undefined");
    }
    case Expr::List: {
      Json list = Json::array();
      for (const ExprPtr &kid : e.kids)
        list.push_back(toJson(eval(*kid, scope)));
      return Value::shaped(std::move(list), e.name == "tuple" ? Value::Tuple : Value::Plain);
    }
    case Expr::Dict: {
      Json dict = Json::object();
      for (size_t i = 0; i < e.kids.size(); i += 2) {
        Value key = eval(*e.kids[i], scope);
        if (!key.isString())
          failWith("dict keys must be strings, not " + typeName(key));
        dict[key.str()] = toJson(eval(*e.kids[i + 1], scope));
      }
      return Value(std::move(dict));
    }
    case Expr::Attr:
      return attribute(eval(*e.kids[0], scope), e.name);
    case Expr::Item: {
      Value obj = eval(*e.kids[0], scope);
      return item(obj, eval(*e.kids[1], scope));
    }
    case Expr::Slice:
      return slice(e, scope);
    case Expr::Call: {
      Value callee = eval(*e.kids[0], scope);
      CallArgs args = arguments(e, 1, scope);
      const Function *fn = callee.defined().function();
      if (!fn)
        failWith("'" + typeName(callee) + "' object is not callable");
      return fn->call(*this, args);
    }
    case Expr::Filter: {
      Value input = eval(*e.kids[0], scope);
      CallArgs args = arguments(e, 1, scope);
      return filter(e.name, input, args);
    }
    case Expr::Test: {
      Value input = eval(*e.kids[0], scope);
      CallArgs args = arguments(e, 1, scope);
      return Value(Json(test(e.name, input, args) != e.negated));
    }
    case Expr::Unary: {
      const Value v = eval(*e.kids[0], scope);
      const Json *j = v.defined().data();
      if (!j || !isNumber(*j))
        failWith("bad operand type for unary " + e.name + ": '" + typeName(v) + "'");
      if (e.name == "+")
        return j->is_boolean() ? Value(Json(intOf(*j))) : v;
      return j->is_number_float() ? Value(Json(-j->get<double>()))
                                  : Value(Json(checkedInt(-__int128(intOf(*j)))));
    }
    case Expr::Binary: {
      Value lhs = eval(*e.kids[0], scope);
      return arithmetic(e.name, lhs, eval(*e.kids[1], scope));
    }
    case Expr::And:
    case Expr::Or: {
      Value lhs = eval(*e.kids[0], scope);
      if (truthy(lhs) == (e.kind == Expr::Or))
        return lhs;
      return eval(*e.kids[1], scope);
    }
    case Expr::Not:
      return Value(Json(!truthy(eval(*e.kids[0], scope))));
    case Expr::Compare: {
      Value lhs = eval(*e.kids[0], scope);
      for (size_t i = 0; i < e.words.size(); ++i) {
        Value rhs = eval(*e.kids[i + 1], scope);
        if (!comparison(e.words[i], lhs, rhs))
          return Value(Json(false));
        lhs = std::move(rhs);
      }
      return Value(Json(true));
    }
    case Expr::Cond:
      if (truthy(eval(*e.kids[1], scope)))
        return eval(*e.kids[0], scope);
      return e.kids[2] ? eval(*e.kids[2], scope)
                       : Value::undefined("the conditional expression has no else");
    }
    return Value();
  }

  Value slice(const Expr &e, Scope &scope) {
    Value obj = eval(*e.kids[0], scope);
    Value bounds[3];
    for (int i = 0; i < 3; ++i)
      if (e.kids[i + 1])
        bounds[i] = eval(*e.kids[i + 1], scope);
    auto part = [&](int i) { return e.kids[i + 1] ? &bounds[i] : nullptr; };
    const Json *j = obj.defined().data();
    if (j && j->is_string()) {
      std::u32string s = decode(j->get_ref<const std::string &>()), out;
      for (size_t i : sliceIndices(int64_t(s.size()), part(0), part(1), part(2)))
        out += s[i];
      return Value(Json(encode(out)));
    }
    if (!j || !j->is_array())
      failWith("'" + typeName(obj) + "' object is not subscriptable");
    Json out = Json::array();
    for (size_t i : sliceIndices(int64_t(j->size()), part(0), part(1), part(2)))
      out.push_back((*j)[i]);
    return Value(std::move(out));
  }

  void installGlobals() {
    globals_.vars["raise_exception"] = function("raise_exception", [](Renderer &, CallArgs &args) -> Value {
      Params p("raise_exception", args, {"message"}, 1);
      throw ChatTemplate::Raised(toStr(*p[0]));
    });
    globals_.vars["range"] = function("range", [](Renderer &, CallArgs &args) {
      Params p("range", args, {"start", "stop", "step"}, 1);
      auto integer = [](const Value *v) {
        if (!v->defined().data() || !isInt(*v->data()))
          failWith("range() arguments must be integers, not " + typeName(*v));
        return intOf(*v->data());
      };
      int64_t start = p[1] ? integer(p[0]) : 0, stop = integer(p[p[1] ? 1 : 0]);
      int64_t by = p[2] ? integer(p[2]) : 1;
      if (by == 0)
        failWith("range() step must not be zero");
      __int128 count = by > 0 ? (__int128(stop) - start + by - 1) / by
                              : (__int128(start) - stop - by - 1) / -by;
      if (count > kMaxRange)
        failWith("range() of more than " + std::to_string(kMaxRange) + " items");
      Json out = Json::array();
      for (__int128 i = 0; i < count; ++i)
        out.push_back(int64_t(start + i * by));
      return Value(std::move(out));
    });
    auto makeNamespace = [](bool isNamespace) {
      return [isNamespace](Renderer &, CallArgs &args) {
        auto ns = std::make_shared<Object>();
        Json dict = Json::object();
        if (args.positional.size() > 1)
          failWith("namespace() and dict() take at most one positional argument");
        if (!args.positional.empty()) {
          const Json *init = args.positional[0].defined().data();
          if (!init || !init->is_object())
            failWith("the positional argument must be a dict");
          dict = *init;
        }
        for (auto &[name, value] : args.named)
          dict[name] = toJson(value);
        if (!isNamespace)
          return Value(std::move(dict));
        Value whole(std::move(dict));
        for (const auto &[key, value] : whole.data()->items())
          ns->set(key, whole.view(value));
        return Value(std::move(ns));
      };
    };
    globals_.vars["namespace"] = function("namespace", makeNamespace(true));
    globals_.vars["dict"] = function("dict", makeNamespace(false));
    globals_.vars["strftime_now"] = function("strftime_now", [](Renderer &, CallArgs &args) {
      Params p("strftime_now", args, {"format"}, 1);
      if (!p[0]->isString())
        failWith("strftime_now() needs a format string");
      std::time_t now = std::time(nullptr);
      std::tm local{};
      localtime_r(&now, &local);
      char buf[512];
      size_t n = std::strftime(buf, sizeof buf, p[0]->str().c_str(), &local);
      if (n == 0 && !p[0]->str().empty())
        failWith("strftime_now(): the formatted date is empty or too long");
      return Value(Json(std::string(buf, n)));
    });
  }
};

//===-- Filters, tests and methods ----------------------------------------===//

/// dict.items() ('i': (key, value) tuples), keys() ('k') or values() ('v').
Value dictView(const Json &dict, char what) {
  Json out = Json::array();
  for (const auto &[key, value] : dict.items())
    out.push_back(what == 'i' ? Json::array({key, value}) : what == 'k' ? Json(key) : value);
  return Value::shaped(std::move(out), what == 'i' ? Value::Pairs : Value::Plain);
}

std::string stringArg(const Value *v, const char *what) {
  if (!v || !v->isString())
    failWith(std::string(what) + " must be a string");
  return v->str();
}

/// Every element's attribute `path` (dotted; "0" indexes), for join,
/// map, selectattr, ...
Value attributePath(Renderer &r, const Value &v, const std::string &path) {
  Value out = v;
  for (size_t begin = 0; begin <= path.size();) {
    size_t end = std::min(path.find('.', begin), path.size());
    std::string part = path.substr(begin, end - begin);
    bool index = !part.empty() && std::all_of(part.begin(), part.end(), [](char c) {
                   return std::isdigit(static_cast<unsigned char>(c));
                 });
    out = index ? r.item(out, Value(Json(std::stoll(part)))) : r.item(out, Value(Json(part)));
    begin = end + 1;
  }
  return out;
}

/// select/reject/selectattr/rejectattr: keeps the items whose test (by
/// default their truth) is `keep`.
Value selectItems(Renderer &r, const Value &input, CallArgs &args, bool byAttribute,
                  bool keep, const char *fn) {
  std::vector<Value> rest(args.positional.begin(), args.positional.end());
  if (!args.named.empty())
    failWith(std::string(fn) + "() takes no keyword arguments");
  std::string attr;
  if (byAttribute) {
    if (rest.empty())
      failWith(std::string(fn) + "() needs an attribute name");
    attr = stringArg(&rest[0], "the attribute");
    rest.erase(rest.begin());
  }
  std::string testName;
  if (!rest.empty()) {
    testName = stringArg(&rest[0], "the test's name");
    rest.erase(rest.begin());
  }
  CallArgs testArgs{rest, {}};
  std::vector<Value> kept;
  for (const Value &item : iterate(input)) {
    Value subject = byAttribute ? attributePath(r, item, attr) : item;
    bool passed = testName.empty() ? truthy(subject) : r.test(testName, subject, testArgs);
    if (passed == keep)
      kept.push_back(item);
  }
  return Value(toArray(kept));
}

Value filterTojson(Renderer &, const Value &input, CallArgs &args) {
  Params p("tojson", args, {"ensure_ascii", "indent", "separators", "sort_keys"});
  if (!input.data())
    failWith("Object of type " + typeName(input) + " is not JSON serializable");
  JsonStyle style;
  style.ensureAscii = p[0] && truthy(*p[0]);
  style.sortKeys = p[3] && truthy(*p[3]);
  if (p[1] && !(p[1]->data() && p[1]->data()->is_null())) {
    const Json *indent = p[1]->defined().data();
    style.pretty = true;
    style.itemSeparator = ",";
    if (indent && isInt(*indent))
      style.indent = std::string(size_t(std::max<int64_t>(0, intOf(*indent))), ' ');
    else if (indent && indent->is_string())
      style.indent = indent->get<std::string>();
    else
      failWith("tojson(): indent must be an integer or a string");
  }
  if (p[2] && !(p[2]->data() && p[2]->data()->is_null())) {
    const Json *seps = p[2]->defined().data();
    if (!seps || !seps->is_array() || seps->size() != 2 || !(*seps)[0].is_string() ||
        !(*seps)[1].is_string())
      failWith("tojson(): separators must be two strings");
    style.itemSeparator = (*seps)[0].get<std::string>();
    style.keySeparator = (*seps)[1].get<std::string>();
  }
  std::string out;
  dumpJson(out, *input.data(), style, 0);
  return Value(Json(std::move(out)));
}

Value filterJoin(Renderer &r, const Value &input, CallArgs &args) {
  Params p("join", args, {"d", "attribute"});
  std::string sep = p[0] ? toStr(*p[0]) : "", out;
  bool first = true;
  for (const Value &item : iterate(input)) {
    out += std::exchange(first, false) ? "" : sep;
    out += toStr(p[1] ? attributePath(r, item, toStr(*p[1])) : item);
  }
  return Value(Json(std::move(out)));
}

Value filterMap(Renderer &r, const Value &input, CallArgs &args) {
  std::vector<Value> out;
  if (!args.positional.empty()) { // map('filter', args...)
    std::string name = stringArg(&args.positional[0], "map()'s filter name");
    CallArgs rest{{args.positional.begin() + 1, args.positional.end()}, args.named};
    for (const Value &item : iterate(input))
      out.push_back(r.filter(name, item, rest));
    return Value(toArray(out));
  }
  Params p("map", args, {"attribute", "default"});
  if (!p[0])
    failWith("map() needs a filter name or attribute=");
  for (const Value &item : iterate(input)) {
    Value v = attributePath(r, item, toStr(*p[0]));
    out.push_back(v.isUndefined() && p[1] ? *p[1] : v);
  }
  return Value(toArray(out));
}

/// int(value), then int(float(value)), else the default (jinja2's int).
Value filterInt(Renderer &, const Value &input, CallArgs &args) {
  Params p("int", args, {"default", "base"});
  if (p[1])
    failWith("int(): base is not supported");
  const Json *j = input.data();
  if (j && isNumber(*j))
    return Value(Json(j->is_number_float() ? checkedInt(__int128(std::trunc(j->get<double>())))
                                           : intOf(*j)));
  if (j && j->is_string()) {
    std::string s = strip(j->get_ref<const std::string &>(), nullptr, true, true);
    s.erase(std::remove(s.begin(), s.end(), '_'), s.end());
    char *end = nullptr;
    errno = 0;
    long long i = std::strtoll(s.c_str(), &end, 10);
    if (!s.empty() && !*end && !errno)
      return Value(Json(int64_t(i)));
    double d = std::strtod(s.c_str(), &end);
    if (!s.empty() && !*end && std::isfinite(d))
      return Value(Json(checkedInt(__int128(std::trunc(d)))));
  }
  return p[0] ? *p[0] : Value(Json(0));
}

Value filterFloat(Renderer &, const Value &input, CallArgs &args) {
  Params p("float", args, {"default"});
  const Json *j = input.data();
  if (j && isNumber(*j))
    return Value(Json(floatOf(*j)));
  if (j && j->is_string()) {
    std::string s = strip(j->get_ref<const std::string &>(), nullptr, true, true);
    char *end = nullptr;
    double d = std::strtod(s.c_str(), &end);
    if (!s.empty() && !*end)
      return Value(Json(d));
  }
  return p[0] ? *p[0] : Value(Json(0.0));
}

Value stringReplace(const std::string &s, const std::string &from,
                    const std::string &to, int64_t count) {
  std::u32string text = decode(s), old = decode(from), with = decode(to), out;
  if (count < 0)
    count = std::numeric_limits<int64_t>::max();
  size_t i = 0;
  for (; i <= text.size() && count > 0; --count) {
    size_t at = old.empty() ? i : text.find(old, i);
    if (at == std::u32string::npos)
      break;
    out += text.substr(i, at - i) + with;
    if (old.empty()) {
      if (at < text.size())
        out += text[at];
      i = at + 1;
    } else {
      i = at + old.size();
    }
  }
  if (i < text.size())
    out += text.substr(i);
  std::string result = encode(out);
  if (result.size() > kMaxOutput)
    failWith("the replaced string would exceed 16 MiB");
  return Value(Json(std::move(result)));
}

Value filterReplace(Renderer &, const Value &input, CallArgs &args) {
  Params p("replace", args, {"old", "new", "count"}, 2);
  int64_t count = p[2] && p[2]->data() && isInt(*p[2]->data()) ? intOf(*p[2]->data()) : 0;
  return stringReplace(toStr(input), toStr(*p[0]), toStr(*p[1]), count ? count : -1);
}

/// A filter that applies a string function to str(input).
template <std::string (*F)(const std::string &)>
Value stringFilter(Renderer &, const Value &input, CallArgs &args) {
  if (!args.positional.empty() || !args.named.empty())
    failWith("this filter takes no arguments");
  return Value(Json(F(toStr(input))));
}

std::string upper(const std::string &s) { return convertCase(s, Case::Upper); }
std::string lower(const std::string &s) { return convertCase(s, Case::Lower); }
std::string capitalize(const std::string &s) { return convertCase(s, Case::Capitalize); }
std::string title(const std::string &s) { return convertCase(s, Case::Title); }
std::string identity(const std::string &s) { return s; }
std::string escapeHtml(const std::string &s) {
  std::string out;
  for (char c : s) {
    switch (c) {
    case '&': out += "&amp;"; break;
    case '<': out += "&lt;"; break;
    case '>': out += "&gt;"; break;
    case '"': out += "&#34;"; break;
    case '\'': out += "&#39;"; break;
    default: out += c;
    }
  }
  return out;
}

Value filterLength(Renderer &, const Value &input, CallArgs &) {
  if (input.isUndefined())
    return Value(Json(0));
  const Json *j = input.data();
  if (j && j->is_string())
    return Value(Json(int64_t(decode(j->get_ref<const std::string &>()).size())));
  if (j && (j->is_array() || j->is_object()))
    return Value(Json(int64_t(j->size())));
  failWith("object of type '" + typeName(input) + "' has no len()");
}

Value firstOrLast(const Value &input, bool last) {
  std::vector<Value> items = iterate(input);
  if (items.empty())
    return Value::undefined(std::string("no ") + (last ? "last" : "first") +
                            " item, the sequence was empty");
  return last ? items.back() : items.front();
}

const std::unordered_map<std::string, FilterFn> &filters() {
  static const std::unordered_map<std::string, FilterFn> table = {
      {"trim", [](Renderer &, const Value &in, CallArgs &args) {
         Params p("trim", args, {"chars"});
         std::string chars = p[0] ? toStr(*p[0]) : "";
         return Value(Json(strip(toStr(in), p[0] ? &chars : nullptr, true, true)));
       }},
      {"length", filterLength},
      {"count", filterLength},
      {"upper", stringFilter<upper>},
      {"lower", stringFilter<lower>},
      {"capitalize", stringFilter<capitalize>},
      {"title", stringFilter<title>},
      {"string", stringFilter<identity>},
      {"e", stringFilter<escapeHtml>},
      {"escape", stringFilter<escapeHtml>},
      {"safe", [](Renderer &, const Value &in, CallArgs &) { return in; }},
      {"default", [](Renderer &, const Value &in, CallArgs &args) {
         Params p("default", args, {"default_value", "boolean"});
         bool replace = in.isUndefined() || (p[1] && truthy(*p[1]) && !truthy(in));
         return replace ? (p[0] ? *p[0] : Value(Json(""))) : in;
       }},
      {"join", filterJoin},
      {"first", [](Renderer &, const Value &in, CallArgs &) { return firstOrLast(in, false); }},
      {"last", [](Renderer &, const Value &in, CallArgs &) { return firstOrLast(in, true); }},
      {"tojson", filterTojson},
      {"int", filterInt},
      {"float", filterFloat},
      {"list", [](Renderer &, const Value &in, CallArgs &) {
         return Value::shaped(toArray(iterate(in)), in.shape() == Value::Pairs ? Value::Pairs : Value::Plain);
       }},
      {"items", [](Renderer &, const Value &in, CallArgs &) {
         if (in.isUndefined())
           return Value(Json::array());
         const Json *j = in.data();
         if (!j || !j->is_object())
           failWith("items() needs a dict, not " + typeName(in));
         return dictView(*j, 'i');
       }},
      {"replace", filterReplace},
      {"abs", [](Renderer &, const Value &in, CallArgs &) {
         const Json *j = in.defined().data();
         if (!j || !isNumber(*j))
           failWith("bad operand type for abs(): '" + typeName(in) + "'");
         return j->is_number_float() ? Value(Json(std::fabs(j->get<double>())))
                                     : Value(Json(checkedInt(__int128(intOf(*j)) < 0 ? -__int128(intOf(*j)) : intOf(*j))));
       }},
      {"reverse", [](Renderer &, const Value &in, CallArgs &) {
         std::vector<Value> items = iterate(in.defined());
         std::reverse(items.begin(), items.end());
         if (in.isString()) {
           std::string out;
           for (const Value &c : items)
             out += c.str();
           return Value(Json(std::move(out)));
         }
         return Value(toArray(items));
       }},
      {"map", filterMap},
      {"select", [](Renderer &r, const Value &in, CallArgs &a) { return selectItems(r, in, a, false, true, "select"); }},
      {"reject", [](Renderer &r, const Value &in, CallArgs &a) { return selectItems(r, in, a, false, false, "reject"); }},
      {"selectattr", [](Renderer &r, const Value &in, CallArgs &a) { return selectItems(r, in, a, true, true, "selectattr"); }},
      {"rejectattr", [](Renderer &r, const Value &in, CallArgs &a) { return selectItems(r, in, a, true, false, "rejectattr"); }},
  };
  return table;
}

/// A test comparing its input with its one argument.
template <bool (*F)(const Value &, const Value &)>
bool compareTest(Renderer &, const Value &in, CallArgs &args) {
  Params p("test", args, {"other"}, 1);
  return F(in, *p[0]);
}
bool eq(const Value &a, const Value &b) { return equals(a, b); }
bool ne(const Value &a, const Value &b) { return !equals(a, b); }
bool lt(const Value &a, const Value &b) { return compare(a, b, "<") < 0; }
bool le(const Value &a, const Value &b) { return compare(a, b, "<=") <= 0; }
bool gt(const Value &a, const Value &b) { return compare(a, b, ">") > 0; }
bool ge(const Value &a, const Value &b) { return compare(a, b, ">=") >= 0; }
bool in(const Value &a, const Value &b) { return contains(b, a); }

/// A test of the input's JSON type.
template <bool (*F)(const Json &)>
bool typeTest(Renderer &, const Value &in, CallArgs &) {
  return in.data() && F(*in.data());
}
bool isNone(const Json &j) { return j.is_null(); }
bool isBoolean(const Json &j) { return j.is_boolean(); }
bool isTrue(const Json &j) { return j.is_boolean() && j.get<bool>(); }
bool isFalse(const Json &j) { return j.is_boolean() && !j.get<bool>(); }
bool isStringJson(const Json &j) { return j.is_string(); }
bool isInteger(const Json &j) { return j.is_number_integer(); }
bool isFloat(const Json &j) { return j.is_number_float(); }
bool isMapping(const Json &j) { return j.is_object(); }
bool isContainer(const Json &j) { return j.is_string() || j.is_array() || j.is_object(); }

int64_t integerOf(const Value &in, const char *test) {
  const Json *j = in.defined().data();
  if (!j || !isInt(*j))
    failWith(std::string("the '") + test + "' test needs an integer, not " + typeName(in));
  return intOf(*j);
}

const std::unordered_map<std::string, TestFn> &tests() {
  static const std::unordered_map<std::string, TestFn> table = {
      {"defined", [](Renderer &, const Value &in, CallArgs &) { return !in.isUndefined(); }},
      {"undefined", [](Renderer &, const Value &in, CallArgs &) { return in.isUndefined(); }},
      {"none", typeTest<isNone>},
      {"boolean", typeTest<isBoolean>},
      {"true", typeTest<isTrue>},
      {"false", typeTest<isFalse>},
      {"string", typeTest<isStringJson>},
      {"number", typeTest<isNumber>},
      {"integer", typeTest<isInteger>},
      {"float", typeTest<isFloat>},
      {"mapping", typeTest<isMapping>},
      // Undefined is iterable (it iterates as empty) and has len().
      {"iterable", [](Renderer &r, const Value &in, CallArgs &a) {
         return in.isUndefined() || typeTest<isContainer>(r, in, a);
       }},
      {"sequence", [](Renderer &r, const Value &in, CallArgs &a) {
         return in.isUndefined() || typeTest<isContainer>(r, in, a);
       }},
      {"callable", [](Renderer &, const Value &in, CallArgs &) { return in.function() != nullptr; }},
      {"even", [](Renderer &, const Value &in, CallArgs &) { return integerOf(in, "even") % 2 == 0; }},
      {"odd", [](Renderer &, const Value &in, CallArgs &) { return integerOf(in, "odd") % 2 != 0; }},
      {"divisibleby", [](Renderer &, const Value &in, CallArgs &args) {
         Params p("divisibleby", args, {"num"}, 1);
         int64_t d = integerOf(*p[0], "divisibleby");
         if (d == 0)
           failWith("integer division or modulo by zero");
         return integerOf(in, "divisibleby") % d == 0;
       }},
      {"eq", compareTest<eq>},         {"equalto", compareTest<eq>},
      {"==", compareTest<eq>},         {"ne", compareTest<ne>},
      {"!=", compareTest<ne>},         {"lt", compareTest<lt>},
      {"lessthan", compareTest<lt>},   {"<", compareTest<lt>},
      {"le", compareTest<le>},         {"<=", compareTest<le>},
      {"gt", compareTest<gt>},         {"greaterthan", compareTest<gt>},
      {">", compareTest<gt>},          {"ge", compareTest<ge>},
      {">=", compareTest<ge>},         {"in", compareTest<in>},
      {"sameas", [](Renderer &, const Value &in, CallArgs &args) {
         Params p("sameas", args, {"other"}, 1);
         const Json *a = in.data(), *b = p[0]->data();
         if (a && b && (a->is_null() || a->is_boolean()) && a->type() == b->type())
           return *a == *b; // None, True and False are singletons
         if (a && b && isInt(*a) && isInt(*b) && !a->is_boolean() && !b->is_boolean())
           return intOf(*a) == intOf(*b) && intOf(*a) >= -5 && intOf(*a) <= 256; // CPython's cached ints
         return a ? a == b : in.object() ? in.object() == p[0]->object()
                                         : in.function() == p[0]->function();
       }},
  };
  return table;
}

//--- methods

std::vector<std::string> stringList(const Value &v) {
  std::vector<std::string> out;
  if (v.isString())
    return {v.str()};
  for (const Value &item : iterate(v.defined())) {
    if (!item.isString())
      failWith("expected strings, found " + typeName(item));
    out.push_back(item.str());
  }
  return out;
}

Value stripMethod(const Value &self, CallArgs &args, bool left, bool right) {
  Params p("strip", args, {"chars"});
  bool given = p[0] && !(p[0]->data() && p[0]->data()->is_null());
  std::string chars = given ? stringArg(p[0], "strip()'s argument") : "";
  return Value(Json(strip(self.str(), given ? &chars : nullptr, left, right)));
}

Value affixMethod(const Value &self, CallArgs &args, bool prefix) {
  Params p(prefix ? "startswith" : "endswith", args, {"affix"}, 1);
  const std::string &s = self.str();
  for (const std::string &a : stringList(*p[0]))
    if (a.size() <= s.size() &&
        s.compare(prefix ? 0 : s.size() - a.size(), a.size(), a) == 0)
      return Value(Json(true));
  return Value(Json(false));
}

Value splitMethod(const Value &self, CallArgs &args) {
  Params p("split", args, {"sep", "maxsplit"});
  int64_t max = p[1] ? integerOf(*p[1], "split") : -1;
  std::u32string s = decode(self.str());
  Json out = Json::array();
  bool bySpace = !p[0] || (p[0]->data() && p[0]->data()->is_null());
  if (bySpace) { // runs of whitespace, no empty parts
    size_t i = 0;
    for (;;) {
      while (i < s.size() && isSpace(s[i]))
        ++i;
      if (i == s.size())
        break;
      size_t j = i;
      if (max-- == 0)
        j = s.size();
      while (j < s.size() && !isSpace(s[j]))
        ++j;
      std::u32string part = s.substr(i, j - i);
      if (j == s.size())
        part = decode(strip(encode(part), nullptr, false, true));
      out.push_back(encode(part));
      i = j;
    }
    return Value(std::move(out));
  }
  std::u32string sep = decode(stringArg(p[0], "the separator"));
  if (sep.empty())
    failWith("empty separator");
  size_t i = 0;
  for (size_t at; max-- != 0 && (at = s.find(sep, i)) != std::u32string::npos;
       i = at + sep.size())
    out.push_back(encode(s.substr(i, at - i)));
  out.push_back(encode(s.substr(i)));
  return Value(std::move(out));
}

template <std::string (*F)(const std::string &)>
Value stringMethod(const Value &self, CallArgs &args) {
  if (!args.positional.empty() || !args.named.empty())
    failWith("this method takes no arguments");
  return Value(Json(F(self.str())));
}

std::string pyTitle(const std::string &s) { return convertCase(s, Case::PyTitle); }

const std::unordered_map<std::string, MethodFn> &stringMethods() {
  static const std::unordered_map<std::string, MethodFn> table = {
      {"strip", [](const Value &s, CallArgs &a) { return stripMethod(s, a, true, true); }},
      {"lstrip", [](const Value &s, CallArgs &a) { return stripMethod(s, a, true, false); }},
      {"rstrip", [](const Value &s, CallArgs &a) { return stripMethod(s, a, false, true); }},
      {"startswith", [](const Value &s, CallArgs &a) { return affixMethod(s, a, true); }},
      {"endswith", [](const Value &s, CallArgs &a) { return affixMethod(s, a, false); }},
      {"split", splitMethod},
      {"upper", stringMethod<upper>},
      {"lower", stringMethod<lower>},
      {"title", stringMethod<pyTitle>},
      {"capitalize", stringMethod<capitalize>},
      {"replace", [](const Value &s, CallArgs &args) {
         Params p("replace", args, {"old", "new", "count"}, 2);
         return stringReplace(s.str(), stringArg(p[0], "replace()'s old"),
                              stringArg(p[1], "replace()'s new"),
                              p[2] ? integerOf(*p[2], "replace") : -1);
       }},
      {"join", [](const Value &s, CallArgs &args) {
         Params p("join", args, {"iterable"}, 1);
         std::string out;
         bool first = true;
         for (const std::string &part : stringList(*p[0]))
           out += (std::exchange(first, false) ? "" : s.str()) + part;
         return Value(Json(std::move(out)));
       }},
      {"find", [](const Value &s, CallArgs &args) {
         Params p("find", args, {"sub"}, 1);
         size_t at = s.str().find(stringArg(p[0], "find()'s argument"));
         return Value(Json(at == std::string::npos ? int64_t(-1)
                                                   : int64_t(decode(s.str().substr(0, at)).size())));
       }},
      {"count", [](const Value &s, CallArgs &args) {
         Params p("count", args, {"sub"}, 1);
         std::u32string text = decode(s.str()), sub = decode(stringArg(p[0], "count()'s argument"));
         if (sub.empty())
           return Value(Json(int64_t(text.size() + 1)));
         int64_t n = 0;
         for (size_t at = text.find(sub); at != std::u32string::npos; at = text.find(sub, at + sub.size()))
           ++n;
         return Value(Json(n));
       }},
  };
  return table;
}

const std::unordered_map<std::string, MethodFn> &dictMethods() {
  static const std::unordered_map<std::string, MethodFn> table = {
      {"items", [](const Value &d, CallArgs &args) {
         Params("items", args, {});
         return dictView(*d.data(), 'i');
       }},
      {"keys", [](const Value &d, CallArgs &args) {
         Params("keys", args, {});
         return dictView(*d.data(), 'k');
       }},
      {"values", [](const Value &d, CallArgs &args) {
         Params("values", args, {});
         return dictView(*d.data(), 'v');
       }},
      {"get", [](const Value &d, CallArgs &args) {
         Params p("get", args, {"key", "default"}, 1);
         if (p[0]->isString())
           if (auto it = d.data()->find(p[0]->str()); it != d.data()->end())
             return d.view(*it);
         return p[1] ? *p[1] : Value(Json(nullptr));
       }},
  };
  return table;
}

/// jinja2 drops one newline at the end of the source and reads \r\n and \r
/// as \n.
std::string normalize(const std::string &source) {
  std::string out;
  out.reserve(source.size());
  for (size_t i = 0; i < source.size(); ++i) {
    if (source[i] == '\r') {
      out += '\n';
      if (i + 1 < source.size() && source[i + 1] == '\n')
        ++i;
    } else {
      out += source[i];
    }
  }
  if (!out.empty() && out.back() == '\n')
    out.pop_back();
  return out;
}

} // namespace

ChatTemplate::ChatTemplate(const std::string &source) {
  auto program = std::make_shared<Program>();
  program->source = normalize(source);
  const std::string &text = program->source;
  for (size_t i = 0; i < text.size();) {
    char32_t cp;
    size_t n = utf8At(text, i, cp);
    if (n == 0)
      fail(text, i, "the template is not valid UTF-8");
    i += n;
  }
  program->body = Parser(text, Lexer(text).run()).run();
  program_ = std::move(program);
}

std::string ChatTemplate::render(const nlohmann::ordered_json &context) const {
  if (!context.is_object())
    throw Error("chat_template: the context must be a JSON object");
  return Renderer(*program_, context).run();
}

std::string ChatTemplate::render(const nlohmann::json &context) const {
  return render(nlohmann::ordered_json(context));
}

} // namespace retnet::serve
