"""Renders extra SmolLM3 chat-template cases with Python jinja2, configured as Hugging Face transformers
does (sandboxed, trim_blocks, lstrip_blocks, loop controls, tojson, raise_exception, strftime_now fixed
to 22 November 2026). Output is committed test data: rerun only to change the cases.

    python3 make_smollm3_extra.py /path/to/fixtures/tokenizers/smollm3/tokenizer_config.json > smollm3-extra.json
"""
import json, sys
from datetime import datetime
from jinja2.ext import loopcontrols
from jinja2.sandbox import ImmutableSandboxedEnvironment


def raise_exception(msg):
    raise ValueError(msg)


def env():
    e = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[loopcontrols])
    e.filters["tojson"] = lambda x, indent=None, separators=None, sort_keys=False: json.dumps(
        x, ensure_ascii=False, indent=indent, separators=separators, sort_keys=sort_keys)
    e.globals["raise_exception"] = raise_exception
    e.globals["strftime_now"] = lambda fmt: datetime(2026, 11, 22).strftime(fmt)
    return e


# The same mapping as ChatPromptBuilder: optional keys only when set, tool calls in the HF shape.
def message_value(m):
    d = {"role": m["role"], "content": m["content"]}
    if "reasoning" in m:
        d["reasoning_content"] = m["reasoning"]
    if m.get("tool_calls"):
        calls = []
        for c in m["tool_calls"]:
            try:
                args = json.loads(c["arguments"])
                if not isinstance(args, dict):
                    args = c["arguments"]
            except ValueError:
                args = c["arguments"]
            calls.append({"type": "function", "function": {"name": c["name"], "arguments": args}})
        d["tool_calls"] = calls
    return d


def variables(case):
    o = case.get("options", {})
    v = {"messages": [message_value(m) for m in case["messages"]],
         "add_generation_prompt": o.get("add_generation_prompt", True)}
    for key in ("enable_thinking", "xml_tools", "tools"):
        if key in o:
            v[key] = o[key]
    v.update(o.get("variables", {}))
    return v


WEATHER = {"type": "function", "function": {"name": "get_weather", "description": "Météo d'une ville",
           "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}

CASES = [
    {"name": "no-thinking multi-turn with reasoning and tool calls on the assistant",
     "messages": [{"role": "user", "content": "Weather in Lyon?"},
                  {"role": "assistant", "content": "Checking.", "reasoning": "Need the tool.",
                   "tool_calls": [{"name": "get_weather", "arguments": "{\"city\": \"Lyon\"}"}]},
                  {"role": "tool", "content": "{\"temp_c\": 9}"},
                  {"role": "assistant", "content": "\n\nIt is 9 °C."},
                  {"role": "user", "content": "Thanks"}],
     "options": {"enable_thinking": False}},
    {"name": "/no_think in the system message, thinking left to the default",
     "messages": [{"role": "system", "content": "/no_think You answer in one word."},
                  {"role": "user", "content": "Capital of Italy?"},
                  {"role": "assistant", "content": "Rome"},
                  {"role": "user", "content": "And Spain?"}]},
    {"name": "/no_think in the system message beats enable_thinking=true",
     "messages": [{"role": "system", "content": "Short answers /no_think"},
                  {"role": "user", "content": "2+3?"}],
     "options": {"enable_thinking": True}},
    {"name": "enable_thinking=false without generation prompt",
     "messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}],
     "options": {"enable_thinking": False, "add_generation_prompt": False}},
    {"name": "/system_override replaces the metadata header",
     "messages": [{"role": "system", "content": "/system_override Plain system. /no_think"},
                  {"role": "user", "content": "Go"}]},
    {"name": "xml_tools with thinking off and a tool result",
     "messages": [{"role": "user", "content": "Weather?"},
                  {"role": "assistant", "content": "<tool_call>{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Nice\"}}</tool_call>"},
                  {"role": "tool", "content": "sunny"}],
     "options": {"enable_thinking": False, "xml_tools": [WEATHER], "tools": [WEATHER]}},
    {"name": "python_tools as a custom variable",
     "messages": [{"role": "user", "content": "Add 2 and 2"}],
     "options": {"variables": {"python_tools": ["def add(a: int, b: int) -> int:\n    \"\"\"Adds.\"\"\""]}}},
]


def main():
    config = json.load(open(sys.argv[1], encoding="utf-8"))
    template = env().from_string(config["chat_template"])
    for case in CASES:
        case["expected"] = template.render(**variables(case))
    json.dump({"source": "make_smollm3_extra.py over tokenizers/smollm3/tokenizer_config.json", "cases": CASES},
              sys.stdout, ensure_ascii=False, indent=1)
    sys.stdout.write("\n")


main()
