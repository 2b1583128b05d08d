//===- ChatTemplateTest.cpp - chat templates against jinja2 ---------------===//
//
// (a) Real models' chat templates (test/serve/chat-templates/*.jinja)
//     rendered for the conversations in goldens.json must equal what
//     jinja2 rendered (test/serve/make_chat_goldens.py), or raise the same
//     raise_exception message.
// (b) Focused cases whose expected outputs were rendered by jinja2 3.1 with
//     transformers' environment (trim_blocks, lstrip_blocks, loopcontrols).
//
//===----------------------------------------------------------------------===//

#include "ChatTemplate.h"

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>

#ifndef RETNET_CHAT_TEMPLATES
#error "RETNET_CHAT_TEMPLATES must name test/serve/chat-templates"
#endif

using retnet::serve::ChatTemplate;
using Json = nlohmann::ordered_json;

namespace {

std::string readFile(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << "cannot read " << path;
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string render(const std::string &source, const Json &context = Json::object()) {
  return ChatTemplate(source).render(context);
}

/// The message of the retnet::Error that rendering (or parsing) throws.
std::string errorOf(const std::string &source, const Json &context = Json::object()) {
  try {
    ChatTemplate(source).render(context);
  } catch (const retnet::Error &e) {
    return e.what();
  }
  return "(no error)";
}

TEST(ChatTemplate, Goldens) {
  const std::string dir = RETNET_CHAT_TEMPLATES;
  Json cases = Json::parse(readFile(dir + "/goldens.json"));
  ASSERT_GT(cases.size(), 100u);
  std::map<std::string, std::unique_ptr<ChatTemplate>> templates;
  size_t checked = 0;
  for (const Json &c : cases) {
    const std::string name = c["template"];
    auto &tmpl = templates[name];
    if (!tmpl)
      tmpl = std::make_unique<ChatTemplate>(readFile(dir + "/" + name + ".jinja"));
    Json context = {{"messages", c["messages"]},
                    {"bos_token", c["bos_token"]},
                    {"eos_token", c["eos_token"]},
                    {"add_generation_prompt", c["add_generation_prompt"]}};
    if (c.contains("tools"))
      context["tools"] = c["tools"];
    SCOPED_TRACE(name + " " + c["messages"].dump() +
                 (c["add_generation_prompt"].get<bool>() ? " +gen" : ""));
    if (c.contains("expected")) {
      EXPECT_EQ(tmpl->render(context), c["expected"].get<std::string>());
    } else {
      try {
        tmpl->render(context);
        ADD_FAILURE() << "expected raise_exception: " << c["error"];
      } catch (const ChatTemplate::Raised &e) {
        EXPECT_NE(std::string(e.what()).find(c["error"].get<std::string>()),
                  std::string::npos)
            << e.what();
      }
    }
    ++checked;
  }
  EXPECT_EQ(checked, cases.size());
}

struct Focused {
  const char *name, *source, *context, *expected;
};

// Expected outputs rendered by jinja2 3.1.6 in transformers' environment.
const Focused kFocused[] = {
    {"ws",
     R"J(a  {%- if true -%}  b  {%- endif -%}  c
{{- ' d ' -}}
 e)J",
     R"J({})J",
     R"J(abc d e)J"},
    {"trim_lstrip",
     R"J(<ul>
    {% for x in xs %}
    <li>{{ x }}</li>
    {% endfor %}
</ul>
)J",
     R"J({"xs": [1, 2]})J",
     R"J(<ul>
    <li>1</li>
    <li>2</li>
</ul>)J"},
    {"plus",
     R"J(x
    {%+ if true %}y{% endif %}
  {%+ if true +%}
z{% endif %})J",
     R"J({})J",
     R"J(x
    y  
z)J"},
    {"loop",
     R"J({% for m in ms %}{{ loop.index0 }}{% if loop.first %}F{% endif %}{% if loop.last %}L{% endif %}{{ loop.index }}/{{ loop.length }}{{ loop.revindex0 }};{% endfor %})J",
     R"J({"ms": ["a", "b", "c"]})J",
     R"J(0F1/32;12/31;2L3/30;)J"},
    {"ns",
     R"J({% set ns = namespace(n=0, s='') %}{% for i in range(4) %}{% set ns.n = ns.n + i %}{% set ns.s = ns.s ~ i %}{% set local = i %}{% endfor %}{{ ns.n }} {{ ns.s }} {{ local is defined }})J",
     R"J({})J",
     R"J(6 0123 False)J"},
    {"slice",
     R"J({{ xs[1:] }}|{{ xs[:-1] }}|{{ xs[::-1] }}|{{ xs[-2:] }}|{{ s[1:4] }}|{{ s[::2] }}|{{ xs[5:] }})J",
     R"J({"xs": [1, 2, 3, 4], "s": "héllo wörld"})J",
     R"J([2, 3, 4]|[1, 2, 3]|[4, 3, 2, 1]|[3, 4]|éll|hlowrd|[])J"},
    {"defined",
     R"J({{ a is defined }} {{ b is defined }} {{ a.x is defined }} {{ c is not defined }} {{ a is mapping }} {{ none is none }})J",
     R"J({"a": {"x": 1}})J",
     R"J(True False True True True True)J"},
    {"filters",
     R"J([{{ '  pad 
' | trim }}] {{ xs | length }} {{ 'héllo' | length }} {{ xs | join(', ') }} {{ missing | default('dflt') }} {{ '' | default('e', true) }} {{ xs | first }} {{ xs | last }} {{ 'abc' | upper }})J",
     R"J({"xs": ["a", "b", "c"]})J",
     R"J([pad] 3 5 a, b, c dflt e a c ABC)J"},
    {"tojson",
     R"J({{ d | tojson }} {{ d | tojson(indent=2) }} {{ 'ü"\n' | tojson }} {{ [1, 2.5, none, true] | tojson }} {{ d | tojson(sort_keys=true, separators=(',', ':')) }})J",
     R"J({"d": {"z": 1, "a": [1, "é"], "m": {}}})J",
     R"J({"z": 1, "a": [1, "é"], "m": {}} {
  "z": 1,
  "a": [
    1,
    "é"
  ],
  "m": {}
} "ü\"\n" [1, 2.5, null, true] {"a":[1,"é"],"m":{},"z":1})J"},
    {"methods",
     R"J({{ '  x y  '.strip() }}|{{ 'xxhixx'.strip('x') }}|{{ 'hello'.startswith('he') }}|{{ 'hello'.endswith(('lo','x')) }}|{{ 'a,b,,c'.split(',') }}|{{ ' a  b '.split() }}|{{ 'a b c'.split(' ', 1) }}|{{ '-'.join(['x','y']) }}|{{ 'Hi There'.lower() }}|{{ 'ab'.replace('a','c') }})J",
     R"J({})J",
     R"J(x y|hi|True|True|['a', 'b', '', 'c']|['a', 'b']|['a', 'b c']|x-y|hi there|cb)J"},
    {"ternary",
     R"J({{ 'yes' if x else 'no' }} {{ 'yes' if y else 'no' }} {{ 'only' if y }}| {{ 1 ~ 2 ~ 'a' ~ none }} {{ 7 // 2 }} {{ -7 // 2 }} {{ 7 % 3 }} {{ 7 / 2 }} {{ 2 ** 10 }} {{ 'ab' * 2 }})J",
     R"J({"x": 1, "y": 0})J",
     R"J(yes no | 12aNone 3 -4 1 3.5 1024 abab)J"},
    {"compare",
     R"J({{ 1 < 2 < 3 }} {{ 'a' in 'cat' }} {{ 'x' not in ['y'] }} {{ 1 == 1.0 }} {{ not 0 and 3 or 4 }} {{ (1, 2) | tojson }} {{ {'k': 'v'} }} {{ 1.5 }} {{ 1e20 }} {{ true }})J",
     R"J({})J",
     R"J(True True True True 3 [1, 2] {'k': 'v'} 1.5 1e+20 True)J"},
    {"macro",
     R"J({% macro greet(name, punct='!') %}Hi {{ name }}{{ punct }}{% endmacro %}{{ greet('Bob') }} {{ greet('Al', punct='?') }})J",
     R"J({})J",
     R"J(Hi Bob! Hi Al?)J"},
    {"setblock",
     R"J({% set x %}a{{ 1 + 1 }}b{% endset %}[{{ x }}]{% set a, b = [1, 2] %}{{ a }}{{ b }})J",
     R"J({})J",
     R"J([a2b]12)J"},
    {"forelse",
     R"J({% for x in [] %}x{% else %}empty{% endfor %}{% for k, v in d.items() %}{{ k }}={{ v }};{% endfor %}{% for x in xs if x > 1 %}{{ x }}{% endfor %}{% for x in xs %}{% if x == 2 %}{% continue %}{% endif %}{% if x == 4 %}{% break %}{% endif %}{{ x }}{% endfor %})J",
     R"J({"d": {"b": 1, "a": 2}, "xs": [1, 2, 3, 4, 5]})J",
     R"J(emptyb=1;a=2;234513)J"},
    {"dictaccess",
     R"J({{ m.role }} {{ m['content'] }} {{ m.get('x', 'none') }} {{ m.missing }}|{{ xs.0 }}{{ xs[-1] }})J",
     R"J({"m": {"role": "user", "content": "hi"}, "xs": [7, 8]})J",
     R"J(user hi none |78)J"},
    {"selectattr",
     R"J({{ ms | selectattr('role', 'equalto', 'user') | map(attribute='content') | join('+') }} {{ ms | rejectattr('role', 'eq', 'user') | list | length }})J",
     R"J({"ms": [{"role": "user", "content": "a"}, {"role": "assistant", "content": "b"}, {"role": "user", "content": "c"}]})J",
     R"J(a+c 1)J"},
    {"strrepr",
     R"J({{ ['it''s', "q\"", 'a\nb'] }} {{ {'a': none, 'b': false} }} {{ 0.1 + 0.2 }} {{ 3.0 }} {{ 10 / 5 }})J",
     R"J({})J",
     R"J(['its', 'q"', 'a\nb'] {'a': None, 'b': False} 0.30000000000000004 3.0 2.0)J"},
};

TEST(ChatTemplate, FocusedAgainstJinja2) {
  for (const Focused &f : kFocused) {
    SCOPED_TRACE(f.name);
    try {
      EXPECT_EQ(render(f.source, Json::parse(f.context)), f.expected);
    } catch (const std::exception &e) {
      ADD_FAILURE() << e.what();
    }
  }
}

TEST(ChatTemplate, TrailingNewlineAndCrlf) {
  // jinja2 drops one trailing newline and reads \r\n as \n.
  EXPECT_EQ(render("a\r\nb\n"), "a\nb");
  EXPECT_EQ(render("a\n\n"), "a\n");
}

TEST(ChatTemplate, RaiseException) {
  try {
    render("{{ raise_exception('Roles must alternate') }}");
    FAIL() << "no exception";
  } catch (const ChatTemplate::Raised &e) {
    EXPECT_STREQ(e.what(), "Roles must alternate");
  }
}

TEST(ChatTemplate, TypeErrors) {
  EXPECT_NE(errorOf("{{ 'a' + 1 }}").find("unsupported operand type(s) for +: 'str' and 'int'"),
            std::string::npos);
  EXPECT_NE(errorOf("{{ 1 + 'a' }}").find("'int' and 'str'"), std::string::npos);
  // An undefined value may be printed, not used.
  EXPECT_NE(errorOf("{{ x + 1 }}").find("'x' is undefined"), std::string::npos);
  EXPECT_NE(errorOf("{{ x.y }}").find("'x' is undefined"), std::string::npos);
  EXPECT_EQ(render("[{{ x }}]"), "[]");
}

TEST(ChatTemplate, ErrorsNameWhatIsUnsupported) {
  EXPECT_NE(errorOf("{{ x | frobnicate }}").find("unknown filter 'frobnicate' at line 1, column"),
            std::string::npos);
  EXPECT_NE(errorOf("{% for m in [1] %}{{ m | frobnicate }}{% endfor %}").find("unknown filter"),
            std::string::npos);
  EXPECT_NE(errorOf("{{ (1, 2) }}").find("rendering a tuple as text is not supported"),
            std::string::npos);
  EXPECT_EQ(render("{% if false %}{{ x | nope }}{% endif %}ok"), "ok")
      << "jinja2 only rejects unknown filters inside an if when reached";
  EXPECT_NE(errorOf("{{ 'abc'.nope() }}").find("'str object' has no attribute 'nope'"),
            std::string::npos);
  EXPECT_NE(errorOf("{% include 'x' %}").find("unsupported tag 'include'"), std::string::npos);
  EXPECT_NE(errorOf("{% raw %}x{% endraw %}").find("unsupported tag 'raw'"), std::string::npos);
  EXPECT_NE(errorOf("{{ '%s' % 1 }}").find("string formatting with '%' is not supported"),
            std::string::npos);
}

TEST(ChatTemplate, SyntaxErrorsHaveLineAndColumn) {
  EXPECT_NE(errorOf("hello\n  {% if x %}\nno end").find("'{% if %}' is not closed"),
            std::string::npos);
  EXPECT_NE(errorOf("hello\n  {% if x %}\nno end").find("at line 2, column 3"),
            std::string::npos);
  EXPECT_NE(errorOf("ab\ncd {{ x ").find("'{{' is not closed (missing '}}') at line 2, column 4"),
            std::string::npos);
  EXPECT_NE(errorOf("{% for x in y %}{% endif %}").find("unexpected '{% endif %}'"),
            std::string::npos);
  EXPECT_NE(errorOf("{{ 1 + }}").find("expected an expression"), std::string::npos);
  EXPECT_NE(errorOf("{# open").find("comment is not closed"), std::string::npos);
  EXPECT_NE(errorOf("{% break %}").find("'break' outside a loop"), std::string::npos);
}

TEST(ChatTemplate, RunawayGuards) {
  // Output over 16 MiB.
  EXPECT_NE(errorOf("{% for i in range(100000) %}{% for j in range(100000) %}"
                    "{{ 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx' }}{% endfor %}{% endfor %}")
                .find("exceed"),
            std::string::npos);
  EXPECT_NE(errorOf("{{ 'x' * 100000000 }}").find("exceed"), std::string::npos);
  EXPECT_NE(errorOf("{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}")
                .find("steps"),
            std::string::npos);
  EXPECT_NE(errorOf("{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}").find("nested deeper"),
            std::string::npos);
  EXPECT_NE(errorOf("{{ range(1000000) | length }}").find("range()"), std::string::npos);
}

TEST(ChatTemplate, MappingsKeepTheirOrder) {
  Json context = Json::parse(R"({"d": {"z": 1, "a": 2}})");
  EXPECT_EQ(render("{{ d | tojson }}{% for k in d %}{{ k }}{% endfor %}", context),
            "{\"z\": 1, \"a\": 2}za");
}

TEST(ChatTemplate, ConcurrentRendersShareOneTemplate) {
  ChatTemplate t("{% for m in messages %}{{ m }}{% endfor %}");
  Json context = {{"messages", {"a", "b"}}};
  EXPECT_EQ(t.render(context), "ab");
  EXPECT_EQ(t.render(context), "ab");
}

} // namespace
