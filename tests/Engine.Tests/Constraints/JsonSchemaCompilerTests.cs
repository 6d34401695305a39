using SmolLM3.Engine.Constraints;
using static SmolLM3.Engine.Tests.Constraints.GrammarText;

namespace SmolLM3.Engine.Tests.Constraints;

public class JsonSchemaCompilerTests
{
    static GrammarFrame Compile(string schema) => JsonSchemaCompiler.Compile(schema);

    [Theory]
    [InlineData("""{"type":"integer"}""", "0", "-12", "1234567890")]
    [InlineData("""{"type":"number"}""", "0", "-0.5", "3.25e+10", "1E3", "42")]
    [InlineData("""{"type":"boolean"}""", "true", "false")]
    [InlineData("""{"type":"null"}""", "null")]
    [InlineData("""{"type":"string"}""", "\"\"", "\"a b\"", "\"\\\"q\\\\\"", "\"\\u00e9\"", "\"é中😀\"")]
    [InlineData("""{"type":"string","minLength":2,"maxLength":3}""", "\"ab\"", "\"abc\"", "\"é\\n\"")]
    [InlineData("""{"type":"string","format":"date"}""", "\"2024-02-29\"", "\"1999-12-31\"")]
    [InlineData("""{"type":"string","format":"uuid"}""", "\"123e4567-e89b-12d3-a456-426614174000\"")]
    [InlineData("""{"enum":["red","green",3,null]}""", "\"red\"", "\"green\"", "3", "null")]
    [InlineData("""{"const":{"a":[1, 2]}}""", """{"a":[1,2]}""")]
    [InlineData("""{"type":"array","items":{"type":"integer"},"minItems":1,"maxItems":3}""", "[1]", "[1,2,3]")]
    [InlineData("""{"type":["string","null"]}""", "null", "\"x\"")]
    [InlineData("""{"anyOf":[{"type":"integer"},{"type":"object","properties":{"a":{"type":"boolean"}},"required":["a"]}]}""", "7", """{"a":true}""")]
    [InlineData("""{"type":"object","properties":{"a":{"type":"integer"},"b":{"type":"string"}},"required":["b"],"additionalProperties":false}""",
        """{"b":"x"}""", """{"a":1,"b":""}""")]
    [InlineData("""{"type":"object","properties":{"a":{"type":"integer"},"b":{"type":"integer"}}}""", "{}", """{"a":1}""", """{"b":2}""", """{"a":1,"b":2}""")]
    [InlineData("""{"type":"object"}""", "{}", """{"k":[1,{"x":null}],"":"v"}""")]
    [InlineData("""{"$defs":{"P":{"type":"object","properties":{"x":{"type":"number"}},"required":["x"]}},"type":"array","items":{"$ref":"#/$defs/P"}}""",
        """[{"x":1},{"x":-2.5}]""")]
    public void AcceptsValuesTheSchemaAllows(string schema, params string[] texts)
    {
        var grammar = Compile(schema);
        foreach (var text in texts) Assert.True(Accepts(grammar, text), $"{schema} should accept {text}");
    }

    [Theory]
    [InlineData("""{"type":"integer"}""", "01", "1.5", "-", "+1", " 1", "\"1\"")]
    [InlineData("""{"type":"number"}""", ".5", "1.", "1e", "NaN", "Infinity")]
    [InlineData("""{"type":"string"}""", "\"a", "\"\\x\"", "\"\n\"", "'a'")]
    [InlineData("""{"type":"string","minLength":2,"maxLength":3}""", "\"a\"", "\"abcd\"")]
    [InlineData("""{"type":"string","format":"date"}""", "\"2024-13-01\"", "\"2024-00-10\"", "\"2024-01-32\"", "\"24-01-01\"")]
    [InlineData("""{"type":"string","format":"uuid"}""", "\"123e4567e89b12d3a456426614174000\"", "\"123e4567-e89b-12d3-a456-42661417400g\"")]
    [InlineData("""{"enum":["red","green"]}""", "\"blue\"", "\"re\"", "\"redd\"")]
    [InlineData("""{"type":"array","items":{"type":"integer"},"minItems":1,"maxItems":3}""", "[]", "[1,2,3,4]", "[1,]", "[1, 2]", "[\"a\"]")]
    [InlineData("""{"type":"object","properties":{"a":{"type":"integer"},"b":{"type":"string"}},"required":["b"],"additionalProperties":false}""",
        "{}", """{"a":1}""", """{"b":"x","a":1}""", """{"b":"x","c":1}""", """{ "b":"x"}""", """{"b":1}""")]
    [InlineData("""{"type":"object"}""", "[]", """{"a"}""", """{"a":1,}""", """{a:1}""")]
    public void RejectsValuesTheSchemaDoesNot(string schema, params string[] texts)
    {
        var grammar = Compile(schema);
        foreach (var text in texts) Assert.False(Accepts(grammar, text), $"{schema} should reject {text}");
    }

    [Fact]
    public void AStringTooLongIsRejectedAtTheByteThatOverflows()
    {
        var grammar = Compile("""{"type":"string","maxLength":2}""");
        Assert.True(IsPrefix(grammar, "\"ab"));
        Assert.False(IsPrefix(grammar, "\"abc"));
        Assert.True(IsPrefix(grammar, "\"a\\u00"));
        Assert.False(IsPrefix(grammar, "\"é\\u0041x"));
    }

    [Fact]
    public void InvalidUtf8IsRejected()
    {
        var grammar = Compile("""{"type":"string"}""");
        Assert.True(After(grammar, [(byte)'"', 0xC3, 0xA9]).Stacks.Length > 0);   // é
        Assert.True(After(grammar, [(byte)'"', 0xC0, 0x80]).IsDead);              // overlong NUL
        Assert.True(After(grammar, [(byte)'"', 0xED, 0xA0, 0x80]).IsDead);        // a surrogate
        Assert.True(After(grammar, [(byte)'"', 0xC3, (byte)'"']).IsDead);         // a cut sequence
    }

    [Fact]
    public void ACompleteObjectLeavesNothingElseToRead()
    {
        var state = After(Compile("""{"type":"object","properties":{"a":{"type":"integer"}},"required":["a"]}"""), """{"a":5}""");
        Assert.True(state.IsComplete);
        Assert.All(state.Stacks, s => Assert.True(s.IsEmpty));
    }

    [Theory]
    [InlineData("""{"type":"string","pattern":"^a+$"}""", "'pattern'")]
    [InlineData("""{"type":"integer","minimum":0}""", "'minimum'")]
    [InlineData("""{"oneOf":[{"type":"string"}]}""", "'oneOf'")]
    [InlineData("""{"allOf":[{"type":"string"}]}""", "'allOf'")]
    [InlineData("""{"type":"array","uniqueItems":true}""", "'uniqueItems'")]
    [InlineData("""{"type":"string","format":"email"}""", "format 'email'")]
    [InlineData("""{"$defs":{"N":{"type":"object","properties":{"next":{"$ref":"#/$defs/N"}}}},"$ref":"#/$defs/N"}""", "recursive $ref '#/$defs/N'")]
    [InlineData("""{"$ref":"https://example.com/s.json"}""", "$ref 'https://example.com/s.json'")]
    [InlineData("""{"type":"array","prefixItems":[{"type":"string"}]}""", "'prefixItems'")]
    [InlineData("""{"type":"date"}""", "unknown type 'date'")]
    [InlineData("""{"type":"array","minItems":3,"maxItems":2}""", "minItems 3 exceeds maxItems 2")]
    [InlineData("""{"type":"string", "x-custom":1}""", "'x-custom'")]
    [InlineData("not json", "not valid JSON")]
    public void UnsupportedFeaturesAreNamed(string schema, string named)
    {
        var e = Assert.Throws<UnsupportedSchemaException>(() => Compile(schema));
        Assert.Contains(named, e.Message);
    }

    [Fact]
    public void AToolCallNamesATool()
    {
        string[] tools =
        [
            """{"name":"get_weather","parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}""",
            """{"type":"function","function":{"name":"now"}}""",
        ];
        var any = ToolCallGrammar.For(tools, null);
        Assert.True(Accepts(any, "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\":\"Oslo\"}}\n</tool_call>"));
        Assert.True(Accepts(any, "<tool_call>\n{\"name\": \"now\", \"arguments\": {}}\n</tool_call>"));
        Assert.False(Accepts(any, "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {}}\n</tool_call>"));
        var named = ToolCallGrammar.For(tools, "now");
        Assert.False(IsPrefix(named, "<tool_call>\n{\"name\": \"g"));
        Assert.Contains("'later'", Assert.Throws<UnsupportedSchemaException>(() => ToolCallGrammar.For(tools, "later")).Message);
    }
}
