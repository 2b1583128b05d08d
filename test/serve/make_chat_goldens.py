#!/usr/bin/env python3
"""Renders the chat templates in chat-templates/ with jinja2 the way
transformers' apply_chat_template does and writes chat-templates/goldens.json,
which test/unit/text/ChatTemplateTest.cpp compares ChatTemplate against.

Needs jinja2 3.1 (CI does not: goldens.json is committed). Run it again after
adding a template or a conversation: python3 test/serve/make_chat_goldens.py
"""

import json
import os
from datetime import datetime

import jinja2
import jinja2.ext
import jinja2.sandbox

HERE = os.path.dirname(os.path.abspath(__file__))
TEMPLATES = os.path.join(HERE, "chat-templates")

# template name -> (bos_token, eos_token)
TOKENS = {
    "chatml-qwen2.5": ("", "<|im_end|>"),
    "llama-2-chat": ("<s>", "</s>"),
    "llama-3-instruct": ("<|begin_of_text|>", "<|eot_id|>"),
    "mistral-instruct": ("<s>", "</s>"),
    "zephyr": ("<s>", "</s>"),
    "gemma": ("<bos>", "<eos>"),
    "phi-3": ("<s>", "<|endoftext|>"),
    "tinyllama": ("<s>", "</s>"),
}


def user(text):
    return {"role": "user", "content": text}


def assistant(text):
    return {"role": "assistant", "content": text}


def system(text):
    return {"role": "system", "content": text}


CONVERSATIONS = [
    [system("You are a helpful assistant."), user("Hello!")],
    [user("What is 2 + 2?")],
    [user("Hi"), assistant("Hello! How can I help?"), user("Tell me a joke.")],
    [system("Be brief."), user("Hi"), assistant("Hello."), user("Bye")],
    [assistant("I speak first."), user("Odd.")],
    [user("One"), user("Two in a row")],
    [user("你好，世界！🌍 Ça va? naïve — ünïcödé 😀"),
     assistant("很好 👍"), user("Ελληνικά / русский / العربية")],
    [system("  Spaces around  \n"),
     user("  line one\nline two\n\n  \"double\" and 'single' quotes, "
          "{{ not a tag }} {% nor this %} {# nor this #} \\ backslash  ")],
]

TOOLS = [{
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Weather for a city, \"now\"",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string", "description": "名字"}},
            "required": ["city"],
        },
    },
}]

TOOL_CONVERSATIONS = [
    [user("Weather in Paris?")],
    [system("You are a weather bot."), user("Weather in Paris and Oslo?"),
     {"role": "assistant", "content": "",
      "tool_calls": [
          {"type": "function",
           "function": {"name": "get_weather", "arguments": {"city": "Paris"}}},
          {"type": "function",
           "function": {"name": "get_weather", "arguments": {"city": "Oslo"}}}]},
     {"role": "tool", "content": "{\"temp\": 21}"},
     {"role": "tool", "content": "{\"temp\": 9}"},
     assistant("Paris 21, Oslo 9.")],
]


def environment():
    # As transformers.utils.chat_template_utils._compile_jinja_template.
    def raise_exception(message):
        raise jinja2.exceptions.TemplateError(message)

    def tojson(x, ensure_ascii=False, indent=None, separators=None,
               sort_keys=False):
        return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent,
                          separators=separators, sort_keys=sort_keys)

    def strftime_now(format):
        return datetime.now().strftime(format)

    env = jinja2.sandbox.ImmutableSandboxedEnvironment(
        trim_blocks=True, lstrip_blocks=True,
        extensions=[jinja2.ext.loopcontrols])
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    env.globals["strftime_now"] = strftime_now
    return env


def main():
    env = environment()
    cases = []
    for name in sorted(TOKENS):
        with open(os.path.join(TEMPLATES, name + ".jinja"), encoding="utf-8") as f:
            template = env.from_string(f.read())
        bos, eos = TOKENS[name]
        runs = [(m, None) for m in CONVERSATIONS]
        if name == "chatml-qwen2.5":
            runs += [(m, TOOLS) for m in TOOL_CONVERSATIONS]
        for messages, tools in runs:
            for add_generation_prompt in (False, True):
                case = {"template": name, "messages": messages,
                        "add_generation_prompt": add_generation_prompt,
                        "bos_token": bos, "eos_token": eos}
                if tools is not None:
                    case["tools"] = tools
                try:
                    case["expected"] = template.render(
                        messages=messages, tools=tools,
                        add_generation_prompt=add_generation_prompt,
                        bos_token=bos, eos_token=eos)
                except jinja2.exceptions.TemplateError as e:
                    case["error"] = str(e)
                cases.append(case)
    with open(os.path.join(TEMPLATES, "goldens.json"), "w", encoding="utf-8") as f:
        json.dump(cases, f, ensure_ascii=False, indent=1)
        f.write("\n")
    print(f"{len(cases)} cases, "
          f"{sum('error' in c for c in cases)} raise_exception")


if __name__ == "__main__":
    main()
