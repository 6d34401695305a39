using SmolLM3.Engine.Templates;

namespace SmolLM3.Engine.Tests.Templates;

/// <summary>Failures: jinja2 raises for each of these (noted per case), so must we, with a useful message.</summary>
public class TemplateErrorTests
{
    static TException RenderFails<TException>(string template) where TException : Exception =>
        Assert.ThrowsAny<TException>(() => TemplateHarness.Render(template));

    [Fact]
    public void RaiseExceptionSurfacesItsMessage()
    {
        var e = RenderFails<TemplateRaisedException>("a{{ raise_exception('boom ' ~ n) }}b");
        Assert.Equal("boom 3", e.Message);
    }

    [Fact]
    public void RaiseExceptionInsideUntakenBranchDoesNothing() =>
        Assert.Equal("ok", TemplateHarness.Render("{% if false %}{{ raise_exception('no') }}{% endif %}ok"));

    [Theory]
    // jinja2: UndefinedError "'missing' is undefined"
    [InlineData("{{ missing.attr }}", "'missing' is undefined")]
    [InlineData("{{ missing[0] }}", "'missing' is undefined")]
    [InlineData("{{ missing.attr is defined }}", "'missing' is undefined")]
    // jinja2: UndefinedError "'dict object' has no attribute 'zz'"
    [InlineData("{{ d.zz.yy }}", "'dict object' has no attribute 'zz'")]
    [InlineData("{{ missing + 1 }}", "'missing' is undefined")]
    [InlineData("{{ missing() }}", "'missing' is undefined")]
    // jinja2: TypeError; '~' binds tighter than '+', so this is 'a1' + 2.
    [InlineData("{{ 'a' ~ 1 + 2 }}", "can only concatenate str (not \"int\") to str")]
    [InlineData("{{ 1 / 0 }}", "division by zero")]
    // jinja2 (ImmutableSandboxedEnvironment): SecurityError
    [InlineData("{{ xs.append(4) }}", "access to attribute 'append' of 'list' object is unsafe.")]
    [InlineData("{% set n = 1 %}{% set n.y = 2 %}", "cannot assign attribute on non-namespace object")]
    [InlineData("{{ missing | tojson }}", "not JSON serializable")]
    [InlineData("{% for a, b in xs %}{% endfor %}", "cannot unpack non-iterable int object")]
    // jinja2: RecursionError (Python's stack limit); we stop at a fixed depth instead of overflowing.
    [InlineData("{% macro loop_forever() %}{{ loop_forever() }}{% endmacro %}{{ loop_forever() }}", "recursed more than")]
    public void RuntimeErrorsAreTemplateExceptions(string template, string messagePart)
    {
        var e = RenderFails<TemplateException>(template);
        Assert.Contains(messagePart, e.Message);
    }

    [Theory]
    // Line and column (1-based) of the offending token, and what was wrong or expected.
    [InlineData("{% if t %}\nx", 2, 2, "expected 'elif' or 'else' or 'endif' to close 'if' from line 1")]
    [InlineData("ab\n{{ 1 + }}", 2, 8, "'}}'")]
    [InlineData("a\n  {% for x xs %}{% endfor %}", 2, 12, "expected 'in', got 'xs'")]
    [InlineData("{{ x | nosuch }}", 1, 8, "no filter named 'nosuch'")]
    [InlineData("{{ x is nosuchtest }}", 1, 9, "no test named 'nosuchtest'")]
    [InlineData("{% foo %}", 1, 4, "unknown tag 'foo'")]
    [InlineData("{% break %}", 1, 4, "'break' outside of a loop")]
    [InlineData("x\n\n   {{ 'abc }}", 3, 7, "unterminated string")]
    [InlineData("{{ (1, 2 }}", 1, 10, "unexpected '}'")]
    [InlineData("{% if t %}{% endfor %}", 1, 14, "unknown tag 'endfor'")]
    [InlineData("{{ 1 ", 1, 1, "expected '}}'")]
    // '+' disables lstrip/trim only on blocks; jinja2 reads {{ x +}} as an unfinished addition.
    [InlineData("{{ 'v' +}}", 1, 9, "expected an expression")]
    public void SyntaxErrorsReportLineColumnAndExpectation(string template, int line, int column, string reasonPart)
    {
        var e = Assert.Throws<TemplateSyntaxException>(() => ChatTemplate.Parse(template));
        Assert.Contains(reasonPart, e.Reason);
        Assert.Equal((line, column), (e.Line, e.Column));
        Assert.StartsWith($"line {line}, column {column}: ", e.Message);
    }
}
