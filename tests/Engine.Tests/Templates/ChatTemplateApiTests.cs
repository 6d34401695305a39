using System.Text.Json;
using SmolLM3.Engine.Templates;

namespace SmolLM3.Engine.Tests.Templates;

/// <summary>The public surface: parsing once and rendering many times, variable conversion, the clock, globals.</summary>
public class ChatTemplateApiTests
{
    [Fact]
    public void OneParseRendersManyVariableSetsIndependently()
    {
        var t = ChatTemplate.Parse("{% set ns = namespace(c=0) %}{% for m in ms %}{% set ns.c = ns.c + 1 %}{% endfor %}{{ ns.c }}");
        Assert.Equal("2", t.Render(new Dictionary<string, object?> { ["ms"] = new List<object?> { "a", "b" } }));
        Assert.Equal("0", t.Render(new Dictionary<string, object?> { ["ms"] = new List<object?>() }));
    }

    [Fact]
    public void JsonNumbersKeepPythonIntFloatDistinction()
    {
        var vars = ChatTemplate.VariablesFromJson(JsonDocument.Parse("""{"i": 2, "f": 2.0, "e": 1e2, "big": 12345678901234567890}""").RootElement);
        Assert.Equal(2L, vars["i"]);
        Assert.Equal(2.0, vars["f"]);
        Assert.Equal("2 2.0 100.0 1.2345678901234567e+19", ChatTemplate.Parse("{{ i }} {{ f }} {{ e }} {{ big }}").Render(vars));
    }

    [Fact]
    public void PlainDotNetValuesAreAccepted()
    {
        var vars = new Dictionary<string, object?>
        {
            ["n"] = 3, // int, not long
            ["x"] = 0.5f,
            ["items"] = new[] { "a", "b" },
            ["map"] = new Dictionary<string, object?> { ["k"] = new List<int> { 1, 2 } },
        };
        Assert.Equal("4 0.5 a,b [1, 2] 2", ChatTemplate.Parse("{{ n + 1 }} {{ x }} {{ items | join(',') }} {{ map.k }} {{ map.k | length }}").Render(vars));
    }

    [Fact]
    public void StrftimeNowUsesTheInjectedClock()
    {
        var t = ChatTemplate.Parse("{{ strftime_now('%d %B %Y') }}", () => new DateTime(2026, 11, 22));
        Assert.Equal("22 November 2026", t.Render(new Dictionary<string, object?>()));
    }

    [Fact]
    public void VariablesShadowGlobals() =>
        Assert.Equal("mine", ChatTemplate.Parse("{{ range }}").Render(new Dictionary<string, object?> { ["range"] = "mine" }));

    [Fact]
    public void CarriageReturnsBecomeNewlines() =>
        // jinja2 prints 'a\n  b\nc' for this CRLF source.
        Assert.Equal("a\n  b\nc", TemplateHarness.Render("a\r\n{% if true %}\r\n  b\r\n{% endif %}\r\nc\r\n"));

    [Fact]
    public void OnlyOneTrailingNewlineIsDropped() =>
        // jinja2: 'x\ny\u2028z\n' (U+2028 is not a newline to jinja2).
        Assert.Equal("x\ny\u2028z\n", TemplateHarness.Render("x\ry\u2028z\n\n"));

    [Fact]
    public void GenerationBlockRendersItsBody() =>
        // transformers' AssistantTracker extension: {% generation %} only marks a span, output is unchanged.
        Assert.Equal("<a>x</a>", TemplateHarness.Render("<a>{% generation %}{{ 'x' }}{% endgeneration %}</a>"));

    [Fact]
    public void EveryListedFilterAndTestIsImplemented()
    {
        foreach (var name in TemplateFilters.Names)
        {
            var e = Record.Exception(() => TemplateFilters.Apply(name, new List<object?> { 1L }, CallArgs.Empty, 1));
            Assert.False(e?.Message.Contains("no filter named") ?? false, name);
        }
        foreach (var name in TemplateTests.Names)
        {
            var e = Record.Exception(() => TemplateTests.Apply(name, 1L, new CallArgs([1L], []), 1));
            Assert.False(e?.Message.Contains("no test named") ?? false, name);
        }
    }
}
