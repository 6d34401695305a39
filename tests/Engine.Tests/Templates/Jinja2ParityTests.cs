namespace SmolLM3.Engine.Tests.Templates;

/// <summary>
/// Small templates, one feature area per theory. Each expected string is what Python jinja2 3.1 printed for the
/// template under Hugging Face's settings (ImmutableSandboxedEnvironment, trim_blocks, lstrip_blocks, loop controls,
/// json.dumps tojson) with <see cref="TemplateHarness.Variables"/> and strftime_now at 2026-11-22 09:05:07.
/// </summary>
public class Jinja2ParityTests
{
    /// <summary>trim_blocks, lstrip_blocks, '-' and '+' markers, comments, the dropped trailing newline.</summary>
    [Theory]
    [InlineData("{% if t %}\n  yes\n{% endif %}\nafter", "  yes\nafter")]
    [InlineData("  {% if t %}\n    x\n  {% endif %}\ny", "    x\ny")]
    [InlineData("a  {% if t %}b{% endif %}  c", "a  b  c")]
    [InlineData("a\n  {{- s }}  \n {{ n -}}  \n  b", "aHello World  \n 3b")]
    [InlineData("{#- comment -#}  \n  x  {# c2 #}\ny", "x  y")]
    [InlineData("line1\n    {# indented comment #}\nline2", "line1\nline2")]
    [InlineData("  {%+ if t %}x{% endif +%}\nz", "  x\nz")]
    [InlineData("{% for x in xs %}\n{{ x }}\n{% endfor %}", "3\n1\n2\n")]
    [InlineData("ends with newline\n", "ends with newline")]
    [InlineData("{% set v %}\n  inner {{ n }}\n{% endset %}[{{ v }}]", "[  inner 3\n]")]
    [InlineData("{{ 'x' }}\n{{ 'y' }}", "x\ny")]
    [InlineData("{%- if t -%}\n\n  A  \n\n{%- endif -%}\n\nB", "AB")]
    [InlineData("{% for m in msgs %}\n    {% if m.role == 'user' %}\n        U:{{ m.content }}\n    {% else %}\n        O:{{ m.content }}\n    {% endif %}\n{% endfor %}", "        O:sys\n        U:hi\n        O:yo\n        U:bye\n")]
    [InlineData("a {% raw %}{{ not evaluated }} {% if %}{% endraw %} b", "a {{ not evaluated }} {% if %} b")]
    [InlineData("x\n  {% raw %}\n  {{ y }}\n  {% endraw %}\nz", "x\n\n  {{ y }}\nz")]
    [InlineData("{%- raw -%}   {{ a }}   {%- endraw -%}   after", "{{ a }}after")]
    [InlineData("{% raw %}{# c #}{% endraw %}{{ 1 }}", "{# c #}1")]
    public void WhitespaceControl(string template, string expected) => Assert.Equal(expected, TemplateHarness.Render(template));

    /// <summary>set (incl. namespace attributes), if/elif/else, for with loop.* / filters / else / break / continue, macros, scoping.</summary>
    [Theory]
    [InlineData("{% for x in xs %}{{ loop.index }}{{ loop.index0 }}{{ loop.revindex }}{{ loop.revindex0 }}{{ loop.first }}{{ loop.last }}{{ loop.length }}|{% endfor %}", "1032TrueFalse3|2121FalseFalse3|3210FalseTrue3|")]
    [InlineData("{% for x in xs %}{{ loop.previtem }}<{{ x }}>{{ loop.nextitem }};{% endfor %}", "<3>1;3<1>2;1<2>;")]
    [InlineData("{% for x in xs %}{{ loop.cycle('a', 'b') }}{% endfor %}", "aba")]
    [InlineData("{% for x in empty %}{{ x }}{% else %}none{% endfor %}", "none")]
    [InlineData("{% for x in xs if x > 5 %}{{ x }}{% else %}filtered all{% endfor %}", "filtered all")]
    [InlineData("{% for x in xs if x != 1 %}{{ loop.index }}/{{ loop.length }}:{{ x }}{{ loop.last }} {% endfor %}", "1/2:3False 2/2:2True ")]
    [InlineData("{% for x in range(10) %}{% if x == 2 %}{% continue %}{% endif %}{% if x == 5 %}{% break %}{% endif %}{{ x }}{% endfor %}", "0134")]
    [InlineData("{% for a in [1, 2] %}{% for b in 'xy' %}{{ a }}{{ b }}{{ loop.index }} {% endfor %}{{ loop.index }};{% endfor %}", "1x1 1y2 1;2x1 2y2 2;")]
    [InlineData("{% for k, v in d.items() %}{{ k }}={{ v }};{% endfor %}", "a=1;b=[1, 2.0];c=None;e=True;")]
    [InlineData("{% for k in d %}{{ k }}{% endfor %}", "abce")]
    [InlineData("{% for c in 'héy😀' %}[{{ c }}]{% endfor %}", "[h][é][y][😀]")]
    [InlineData("{% set x = 1 %}{% for i in xs %}{% set x = x + i %}{{ x }},{% endfor %}{{ x }}", "4,2,3,1")]
    [InlineData("{% if t %}{% set y = 'set in if' %}{% endif %}{{ y }}", "set in if")]
    [InlineData("{% set ns = namespace(total=0, names='') %}{% for m in msgs %}{% set ns.total = ns.total + 1 %}{% set ns.names = ns.names ~ m.role[0] %}{% endfor %}{{ ns.total }} {{ ns.names }}", "4 suau")]
    [InlineData("{{ namespace(a=1, b='x') }}", "<Namespace {'a': 1, 'b': 'x'}>")]
    [InlineData("{% macro greet(name, punct='!') %}Hi {{ name }}{{ punct }}{% endmacro %}{{ greet('Bob') }} {{ greet('Al', punct='?') }} {{ greet(name='Z', punct='.') }}", "Hi Bob! Hi Al? Hi Z.")]
    [InlineData("{% macro m() %}{{ n }}{% endmacro %}{{ m() }}", "3")]
    [InlineData("{% macro m(a) %}{{ a }}{{ varargs }}{{ kwargs }}{% endmacro %}{{ m(1, 2, 3, k=4) }}", "1(2, 3){'k': 4}")]
    [InlineData("{% macro m(a, b) %}[{{ a }}][{{ b }}]{% endmacro %}{{ m(1) }}", "[1][]")]
    [InlineData("{% macro outer(x) %}<{{ caller_free(x) }}>{% endmacro %}{% macro caller_free(y) %}{{ y * 2 }}{% endmacro %}{{ outer(4) }}", "<8>")]
    [InlineData("{% set a, b = 1, 2 %}{{ a }}{{ b }}", "12")]
    [InlineData("{% set pair = (1, 'a') %}{{ pair }} {{ pair[1] }}", "(1, 'a') a")]
    [InlineData("{% for x in xs %}{% if x == 1 %}one{% elif x == 2 %}two{% else %}other{% endif %},{% endfor %}", "other,one,two,")]
    [InlineData("{% set messages = msgs[1:] %}{{ messages | length }} {{ messages[0].role }}", "3 user")]
    [InlineData("{% set loop_out = [] %}{% for i in range(3) %}{% set inner = i %}{% endfor %}[{{ inner }}]", "[]")]
    [InlineData("{% for i in range(3) %}{% for j in range(3) %}{% if j == 1 %}{% break %}{% endif %}{{ i }}{{ j }} {% endfor %}{% endfor %}", "00 10 20 ")]
    [InlineData("{% for i in range(2, 8, 3) %}{{ i }}{% endfor %}{% for i in range(3, 0, -1) %}{{ i }}{% endfor %}", "25321")]
    [InlineData("{% for a, b in [(1, 2), [3, 4]] %}{{ a + b }}{% endfor %}", "37")]
    [InlineData("{{ msgs | selectattr('role', 'equalto', 'user') | map(attribute='content') | list }}", "['hi', 'bye']")]
    [InlineData("{% for m in msgs if m.role != 'system' %}{{ loop.index }}{{ m.role[0] }}{% endfor %}", "1u2a3u")]
    [InlineData("{% macro fact(k) %}{% if k <= 1 %}1{% else %}{{ k * (fact(k - 1) | int) }}{% endif %}{% endmacro %}{{ fact(6) }}", "720")]
    [InlineData("{% for x in xs %}{% break %}{% else %}E{% endfor %}|{% for x in xs %}{% continue %}{% else %}E{% endfor %}|{% for x in xs %}{{ x }}{% if x == 1 %}{% break %}{% endif %}{% else %}E{% endfor %}", "E|E|31")]
    public void Statements(string template, string expected) => Assert.Equal(expected, TemplateHarness.Render(template));

    /// <summary>Operators and precedence, literals, attribute/item access, slicing, Python str/dict/list methods, tests.</summary>
    [Theory]
    [InlineData("{{ 7 // 2 }} {{ -7 // 2 }} {{ 7 % 3 }} {{ -7 % 3 }} {{ 7 / 2 }} {{ 6 / 2 }} {{ 2 ** 10 }} {{ 2 * 3 + 1 }} {{ 1 + 2 * 3 }} {{ (1 + 2) * 3 }} {{ 1.5 + 1 }} {{ -n }} {{ - n + 1 }} {{ 0.1 + 0.2 }} {{ 7.5 // 2 }} {{ t + 1 }}", "3 -4 1 2 3.5 3.0 1024 7 7 9 2.5 -3 -2 0.30000000000000004 3.0 2")]
    [InlineData("{{ 'a' ~ 1 ~ nothing ~ t ~ missing }} {{ 'ab' * 3 }} {{ 'x' + 'y' }} {{ [1] + [2, 3] }} {{ xs * 2 }} {{ 1 ~ 2.0 }}", "a1NoneTrue ababab xy [1, 2, 3] [3, 1, 2, 3, 1, 2] 12.0")]
    [InlineData("{{ 1 < 2 < 3 }} {{ 1 < 3 < 2 }} {{ 1 == 1.0 }} {{ t == 1 }} {{ 'a' < 'b' }} {{ [1, 2] < [1, 3] }} {{ 'ell' in s }} {{ 'z' not in s }} {{ 2 in xs }} {{ 'a' in d }} {{ 'zz' in d }} {{ 1 != 2 }} {{ not 1 == 2 }} {{ [1, [2]] == [1, [2]] }} {{ (1, 2) == [1, 2] }} {{ missing == missing }}", "True False True True True True True True True True False True True True False True")]
    [InlineData("{{ 0 or 'x' }} {{ 'a' and 'b' }} [{{ '' and 'b' }}] {{ not empty }} {{ not xs }} {{ nothing or [] }} {{ t and not nothing }}", "x b [] True False [] True")]
    [InlineData("{{ 'y' if t else 'n' }} {{ 'y' if empty else 'n' }} [{{ 'y' if empty }}] {{ 'a' if false else 'b' if t else 'c' }}", "y n [] b")]
    [InlineData("{{ [1, 'two', 3.0, none, true, false, None, True] }} {{ {'k': 'v', 'n': [1, {'x': none}]} }} {{ (1,) }} {{ () }} {{ 'a' 'b' }} {{ \"tab\\tq\\\"\" }} {{ '\\x41\\u00e9\\n' }} {{ 1_000 }} {{ 1e3 }} {{ 2.50 }} {{ [1, 2,] }}", "[1, 'two', 3.0, None, True, False, None, True] {'k': 'v', 'n': [1, {'x': None}]} (1,) () ab tab\tq\" Aé\n 1000 1000.0 2.5 [1, 2]")]
    [InlineData("{{ msgs[0].role }} {{ msgs[-1]['content'] }} {{ d.a }} {{ d['b'][1] }} {{ msgs[2].tool_calls[0].function.arguments.x }} [{{ d.zzz }}] [{{ xs[10] }}] {{ xs.0 }} {{ s[0] }} {{ s[-1] }}", "system bye 1 2.0 1 [] [] 3 H d")]
    [InlineData("{{ xs[::-1] }} {{ xs[1:] }} {{ xs[:-1] }} {{ s[::2] }} {{ s[-5:] }} {{ u[::-1] }} {{ xs[5:] }} {{ s[1:8:3] }} {{ s[8:1:-2] }} {{ (1, 2, 3)[1:] }}", "[2, 1, 3] [1, 2] [3, 1] HloWrd World 😀 本日 ✓ olléh [] eoo rWol (2, 3)")]
    [InlineData("{{ s.startswith('Hell') }} {{ s.endswith(('x', 'ld')) }} [{{ pad.strip() }}|{{ pad.lstrip() }}|{{ pad.rstrip() }}] {{ 'xxhixy'.strip('xy') }} {{ 'a,b,,c'.split(',') }} {{ ' a  b c '.split() }} {{ 'a b c'.split(' ', 1) }} {{ '  a b  c  '.split(none, 1) }}", "True True [pad me|pad me \t|  \n pad me] hi ['a', 'b', '', 'c'] ['a', 'b', 'c'] ['a', 'b c'] ['a', 'b  c  ']")]
    [InlineData("{{ s.upper() }} {{ s.lower() }} {{ s.replace('l', 'L', 2) }} {{ s.replace('l', 'L') }} {{ s.find('o') }} {{ s.find('z') }} {{ s.count('l') }} {{ \"hello wORLD's 1st-x\".title() }} {{ 'hELLO'.capitalize() }}", "HELLO WORLD hello world HeLLo World HeLLo WorLd 4 -1 3 Hello World'S 1St-X Hello")]
    [InlineData("{{ '{} and {}'.format(1, 'b') }} {{ '{0}{1}{0}'.format('a', 'b') }} {{ '{x}!'.format(x=2.0) }} {{ '-'.join(['a', 'b']) }} {{ s.rsplit(' ', 1) }} {{ ('😀x').find('x') }} {{ 'a\\nb\\n'.splitlines() }} {{ s.rstrip('dl') }}", "1 and b aba 2.0! a-b ['Hello', 'World'] 1 ['a', 'b'] Hello Wor")]
    [InlineData("{{ d.keys() | list }} {{ d.values() | list }} {{ d.get('a') }} {{ d.get('zz') }} {{ d.get('zz', 'dflt') }} {{ d.items() | list }} {{ xs.index(1) }} {{ xs.count(3) }}", "['a', 'b', 'c', 'e'] [1, [1, 2.0], None, True] 1 None dflt [('a', 1), ('b', [1, 2.0]), ('c', None), ('e', True)] 1 1")]
    [InlineData("{{ nothing is none }} {{ n is number }} {{ t is number }} {{ f is number }} {{ s is string }} {{ d is mapping }} {{ xs is mapping }} {{ xs is iterable }} {{ s is iterable }} {{ n is iterable }} {{ missing is iterable }} {{ xs is sequence }} {{ d is sequence }} {{ n is sequence }}", "True True True True True True False True True False True True True False")]
    [InlineData("{{ t is boolean }} {{ n is boolean }} {{ t is true }} {{ 1 is true }} {{ false is false }} {{ 0 is false }} {{ n is equalto 3 }} {{ n is eq(3) }} {{ 2 is in xs }} {{ 'x' is in 'xyz' }} {{ n is odd }} {{ n is even }} {{ 9 is divisibleby 3 }} {{ n is integer }} {{ f is float }} {{ t is integer }}", "True False True False True False True True True True True False True True True False")]
    [InlineData("{{ n is not none }} {{ missing is defined }} {{ missing is undefined }} {{ n is defined }} {{ d.zz is defined }} {{ d.a is not defined }} {{ not missing is defined }} {{ msgs[0].tool_calls is defined }} {{ n is gt 2 }} {{ n is lt(2) }} {{ 'ab' is lower }}", "True False True True False False True False True False True")]
    [InlineData("{{ -n|abs }} {{ -(n) }} {{ 10 - 2 - 3 }} {{ 2 ** 3 ** 2 }} {{ n * 2|string }} {{ xs|length + 1 }}", "3 -3 5 64 222 4")]
    [InlineData("{{ 3 * [1] }} {{ [1] * 2 }} {{ 0 * [] }} {{ 2 * (1,) }} {{ (1, 2) * 2 }} {{ -1 * [1] }}", "[1, 1, 1] [1, 1] [] (1, 1) (1, 2, 1, 2) []")]
    [InlineData("{{ {'k': 1} is lower }} {{ '123' is lower }} {{ 'abc1' is lower }} {{ 'ABC' is upper }} {{ '日本' is upper }} {{ 'aB'.islower() }} {{ '1a'.islower() }} {{ 'A1'.isupper() }}", "True False True True False False True True")]
    [InlineData("{{ d.keys() }} {{ d.values() }} {{ d.items() }} {{ {}.keys() }} {{ d.keys() | list }} {{ 'a' in d.keys() }} {{ d.items() | length }} {% for k, v in d.items() %}{{ k }}{% endfor %} {{ d.keys() | join(',') }} {{ d.items() | first }}", "dict_keys(['a', 'b', 'c', 'e']) dict_values([1, [1, 2.0], None, True]) dict_items([('a', 1), ('b', [1, 2.0]), ('c', None), ('e', True)]) dict_keys([]) ['a', 'b', 'c', 'e'] True 4 abce a,b,c,e ('a', 1)")]
    public void Expressions(string template, string expected) => Assert.Equal(expected, TemplateHarness.Render(template));

    /// <summary>Filters, including tojson (json.dumps, ensure_ascii=False) on nested and non-ASCII values.</summary>
    [Theory]
    [InlineData("{{ xs | length }} {{ s | count }} {{ u | length }} {{ d | length }} {{ missing | length }} {{ '' | length }}", "3 11 12 4 0 0")]
    [InlineData("[{{ pad | trim }}] [{{ 'xxaxx' | trim('x') }}] {{ s | upper }} {{ s | lower }} {{ 'hello wORLD-foo(bar baz_qux' | title }} {{ 'hELLO world' | capitalize }} {{ s | replace('o', '0') }} {{ s | replace('l', '', 1) }} {{ 42 | replace('2', '3') }}", "[pad me] [a] HELLO WORLD hello world Hello World-Foo(Bar Baz_qux Hello world Hell0 W0rld Helo World 43")]
    [InlineData("{{ xs | join(', ') }} {{ xs | join }} {{ msgs | join('|', attribute='role') }} {{ [1, none, 'a', [2]] | join('-') }}", "3, 1, 2 312 system|user|assistant|user 1-None-a-[2]")]
    [InlineData("{{ missing | default('dflt') }} {{ nothing | default('dflt') }} {{ '' | default('dflt', true) }} {{ missing | d('d2') }} {{ 0 | default(5, boolean=true) }} [{{ missing | default }}] {{ d.zz | default('no key') }}", "dflt None dflt d2 5 [] no key")]
    [InlineData("{{ xs | first }} {{ xs | last }} {{ s | first }} {{ s | last }} {{ 'abc' | list }} {{ d | list }} [{{ empty | first }}] {{ u | last }}", "3 2 H d ['a', 'b', 'c'] ['a', 'b', 'c', 'e'] [] 😀")]
    [InlineData("{{ 'abc' | string }} {{ xs | string }} {{ d | string }} {{ nothing | string }} {{ t | string }} {{ f | string }} [{{ missing | string }}]", "abc [3, 1, 2] {'a': 1, 'b': [1, 2.0], 'c': None, 'e': True} None True 2.5 []")]
    [InlineData("{{ '42' | int }} {{ '4.7' | int }} {{ 'x' | int }} {{ 'x' | int(7) }} {{ 3.9 | int }} {{ -3.9 | int }} {{ '0x1A' | int(0, 16) }} {{ '3' | float }} {{ 'x' | float }} {{ 2 | float }} {{ t | int }} {{ ' 12 ' | int }} {{ '-5' | int }}", "42 4 0 7 3 -3 26 3.0 0.0 2.0 1 12 -5")]
    [InlineData("{{ d | tojson }}", "{\"a\": 1, \"b\": [1, 2.0], \"c\": null, \"e\": true}")]
    [InlineData("{{ d | tojson(indent=2) }}", "{\n  \"a\": 1,\n  \"b\": [\n    1,\n    2.0\n  ],\n  \"c\": null,\n  \"e\": true\n}")]
    [InlineData("{{ u | tojson }} {{ u | tojson(ensure_ascii=true) }} {{ quote | tojson }}", "\"héllo ✓ 日本 😀\" \"h\\u00e9llo \\u2713 \\u65e5\\u672c \\ud83d\\ude00\" \"it's \\\"q\\\"\\n\"")]
    [InlineData("{{ msgs[2] | tojson(indent=4) }}", "{\n    \"role\": \"assistant\",\n    \"content\": \"yo\",\n    \"tool_calls\": [\n        {\n            \"function\": {\n                \"name\": \"f\",\n                \"arguments\": {\n                    \"x\": 1\n                }\n            }\n        }\n    ]\n}")]
    [InlineData("{{ empty | tojson(indent=2) }} {{ {'e': {}, 'l': [], 'n': [[1]]} | tojson(indent=1) }}", "[] {\n \"e\": {},\n \"l\": [],\n \"n\": [\n  [\n   1\n  ]\n ]\n}")]
    [InlineData("{{ [1.0, 1e20, 0.5, -0.0, 123456789.125, 1e-7, 3] | tojson }} {{ {'b': 1, 'a': 2} | tojson(sort_keys=true) }} {{ d | tojson(separators=(',', ':')) }}", "[1.0, 1e+20, 0.5, -0.0, 123456789.125, 1e-07, 3] {\"a\": 2, \"b\": 1} {\"a\":1,\"b\":[1,2.0],\"c\":null,\"e\":true}")]
    [InlineData("{{ '\\x01\\x7f\\u2028\\t/' | tojson }} {{ {'k': 'v'} | tojson(indent='\\t') }} {{ (1, 'a') | tojson }} {{ nothing | tojson }} {{ 'x' | tojson(indent=0) }} {{ [1] | tojson(indent=0) }}", "\"\\u0001\u007f\u2028\\t/\" {\n\t\"k\": \"v\"\n} [1, \"a\"] null \"x\" [\n1\n]")]
    [InlineData("{{ d | items | list }} {% for k, v in d | items %}{{ k }}:{{ v }} {% endfor %}", "[('a', 1), ('b', [1, 2.0]), ('c', None), ('e', True)] a:1 b:[1, 2.0] c:None e:True ")]
    [InlineData("{{ msgs | rejectattr('role', 'eq', 'user') | map(attribute='role') | join(',') }} {{ xs | select('odd') | list }} {{ xs | reject('odd') | list }} {{ [0, 1, '', 'a', none] | select | list }} {{ msgs | selectattr('tool_calls') | map(attribute='role') | list }} {{ xs | select('gt', 1) | list }}", "system,assistant [3, 1] [2] [1, 'a'] ['assistant'] [3, 2]")]
    [InlineData("{{ msgs | map(attribute='tool_calls') | list }} {{ msgs | map(attribute='nope', default='-') | join }} {{ words | map('upper') | join }} {{ xs | map('string') | list }} {{ msgs | map(attribute='tool_calls.0.function.name', default='?') | list }}", "[Undefined, Undefined, [{'function': {'name': 'f', 'arguments': {'x': 1}}}], Undefined] ---- BACAB ['3', '1', '2'] ['?', '?', 'f', '?']")]
    [InlineData("{{ words | unique | list }} {{ words | unique(case_sensitive=true) | list }} {{ msgs | unique(attribute='role') | map(attribute='content') | list }}", "['b', 'A', 'c'] ['b', 'A', 'c', 'a', 'B'] ['sys', 'hi', 'yo']")]
    [InlineData("{{ xs | reverse | list }} {{ u | reverse }} {{ xs | sort }} {{ words | sort }} {{ words | sort(case_sensitive=true) }} {{ words | sort(reverse=true) }} {{ msgs | sort(attribute='role') | map(attribute='content') | join(',') }}", "[2, 1, 3] 😀 本日 ✓ olléh [1, 2, 3] ['A', 'a', 'b', 'B', 'c'] ['A', 'B', 'a', 'b', 'c'] ['c', 'b', 'B', 'A', 'a'] yo,sys,hi,bye")]
    [InlineData("{{ 'a\\nb\\n\\nc' | indent(2) }}|{{ 'a\\nb' | indent(2, first=true) }}|{{ 'a\\n\\nb\\n' | indent('> ', blank=true) }}|{{ 'x\\n' | indent }}", "a\n  b\n\n  c|  a\n  b|a\n> \n> b\n> |x\n")]
    [InlineData("{{ '<a href=\"x\">&\\'</a>' | e }} {{ '<b>' | safe }} {{ '<b>' | escape }} {{ 5 | e }}", "&lt;a href=&#34;x&#34;&gt;&amp;&#39;&lt;/a&gt; <b> &lt;b&gt; 5")]
    [InlineData("{{ xs | sum }} {{ xs | min }} {{ xs | max }} {{ -3 | abs }} {{ [3, 1] | sort | first }} {{ words | min }} {{ msgs | sum(attribute='content', start='') if false else 'skip' }} {{ [1.5, 2] | sum }}", "6 1 3 3 1 A skip 3.5")]
    [InlineData("[{{ \"Hello\" | center(11) }}] [{{ \"Hi\" | center(7) }}] [{{ \"Hey\" | center(8) }}] [{{ \"Hey\" | center(2) }}] {{ {'b': 1, 'A': 2, 'a': 0} | dictsort }} {{ {'b': 3, 'a': 2} | dictsort(by='value', reverse=true) }}", "[   Hello   ] [   Hi  ] [  Hey   ] [Hey] [('A', 2), ('a', 0), ('b', 1)] [('b', 3), ('a', 2)]")]
    [InlineData("{{ words | max }} {{ words | min }} {{ words | max(case_sensitive=true) }} {{ msgs | max(attribute='role') | attr('content') if false else (msgs | min(attribute='content')).content }} [{{ empty | max }}] {{ ['b', 'B'] | max }}{{ ['B', 'b'] | min }}{{ ['b', 'B'] | sort(reverse=true) | first }}", "c A c bye [] bBb")]
    [InlineData("{{ [] | wordcount }} {{ 2.5 | wordcount }} {{ 'hello, wide world!' | wordcount }} {{ {'k': 1} | wordcount }}", "0 2 3 2")]
    public void Filters(string template, string expected) => Assert.Equal(expected, TemplateHarness.Render(template));

    /// <summary>Python str()/repr() of rendered values (None/True, float repr, quoting and escapes), and strftime_now.</summary>
    [Theory]
    [InlineData("{{ nothing }} {{ t }} {{ false }} {{ 1.0 }} {{ 1e16 }} {{ 1e15 }} {{ 123456789012345.6 }} {{ 0.0001 }} {{ 0.00001 }} {{ 1/3 }} {{ 2.5e-10 }} {{ -0.0 }} {{ 100.0 }} {{ 123456789012345678 }} {{ 1e100 }} {{ 1.5e300 * 1e10 }} {{ -1e-5 }}", "None True False 1.0 1e+16 1000000000000000.0 123456789012345.6 0.0001 1e-05 0.3333333333333333 2.5e-10 -0.0 100.0 123456789012345678 1e+100 inf -1e-05")]
    [InlineData("{{ [quote] }} {{ [\"it's\"] }} {{ ['say \"hi\"'] }} {{ ['both \\' and \"'] }} {{ ['tab\\there', 'back\\\\slash', 'nbsp\\u00a0', 'bell\\x07', 'zw\\u200b', 'emoji😀', 'é', 'del\\x7f', 'ls\\u2028'] }}", "['it\\'s \"q\"\\n'] [\"it's\"] ['say \"hi\"'] ['both \\' and \"'] ['tab\\there', 'back\\\\slash', 'nbsp\\xa0', 'bell\\x07', 'zw\\u200b', 'emoji😀', 'é', 'del\\x7f', 'ls\\u2028']")]
    [InlineData("{{ d }} {{ msgs[2] }} {{ (1, 'a', [2]) }} {{ {'k': (1,)} }} {{ xs[0:0] }} {{ {} }} [{{ '' }}] [{{ missing }}] {{ [missing, nothing] }}", "{'a': 1, 'b': [1, 2.0], 'c': None, 'e': True} {'role': 'assistant', 'content': 'yo', 'tool_calls': [{'function': {'name': 'f', 'arguments': {'x': 1}}}]} (1, 'a', [2]) {'k': (1,)} [] {} [] [] [Undefined, None]")]
    [InlineData("{% set tool = {'type': 'function', 'function': {'name': 'get_weather', 'parameters': {'required': ['city'], 'n': 1.5, 'ok': true}}} %}{{ tool | string }}", "{'type': 'function', 'function': {'name': 'get_weather', 'parameters': {'required': ['city'], 'n': 1.5, 'ok': True}}}")]
    [InlineData("{{ strftime_now('%d %B %Y') }} {{ strftime_now('%Y-%m-%d %H:%M:%S') }} {{ strftime_now('%b %-d, %A %I%p %j %y %a %%') }}", "22 November 2026 2026-11-22 09:05:07 Nov 22, Sunday 09AM 326 26 Sun %")]
    [InlineData("{{ range(3) }} {{ range(1, 4) }} {{ range(5, 0, -2) }} {{ range(3) | list }} {{ range(3) | string }} {{ range(3) | length }} {{ range(3)[1] }}", "range(0, 3) range(1, 4) range(5, 0, -2) [0, 1, 2] range(0, 3) 3 1")]
    public void PythonFormatting(string template, string expected) => Assert.Equal(expected, TemplateHarness.Render(template));

    /// <summary>jinja2's default Undefined: empty when printed, falsy, iterable as empty; only touching it fails (see TemplateErrorTests).</summary>
    [Theory]
    [InlineData("[{{ missing }}] [{{ missing | upper }}] [{{ missing | trim }}] {{ missing | list }} [{{ missing | first }}] [{{ missing | join(',') }}] {{ missing | length }}", "[] [] [] [] [] [] 0")]
    [InlineData("{% for x in missing %}{{ x }}{% else %}empty{% endfor %} {{ 'a' in missing }} {{ missing ~ 'x' }} {{ missing is none }} {{ missing == none }} {{ not missing }} [{{ missing and 1 }}] {{ missing or 2 }}", "empty False x False False True [] 2")]
    [InlineData("{% if msgs[0].tool_calls %}yes{% else %}no{% endif %} {{ msgs[0].nope | default('d') }} {{ msgs[0]['nope'] is defined }} [{{ msgs[9] }}] {{ msgs[9] is defined }} {{ msgs | map(attribute='nope') | select('defined') | list }}", "no d False [] False []")]
    [InlineData("{% if missing is not defined %}{% set missing = 'now set' %}{% endif %}{{ missing }} {{ (1 if false) is defined }} {{ [missing] | length }}", "now set False 1")]
    public void UndefinedValues(string template, string expected) => Assert.Equal(expected, TemplateHarness.Render(template));
}
