using System.Text.Json;
using Json.Schema;
using SmolLM3.Engine.Constraints;
using SmolLM3.Engine.Generation;
using SmolLM3.Engine.Sampling;
using SmolLM3.Engine.Text;

namespace SmolLM3.Engine.Tests.Constraints;

/// <summary>
/// A random-weight model writes noise unconstrained; under a schema's grammar every reply it ends must parse and
/// validate (checked by JsonSchema.Net, an independent validator), and one cut short must say so.
/// </summary>
public class ConstrainedGenerationTests
{
    const int Seeds = 50;

    public static TheoryData<string, string, int> Schemas => new()
    {
        { "each type", """
            {"type":"object","properties":{"s":{"type":"string","maxLength":6},"i":{"type":"integer"},"x":{"type":"number"},
             "b":{"type":"boolean"},"z":{"type":"null"},"d":{"type":"string","format":"date"}},"required":["s","i","x","b","z","d"],"additionalProperties":false}
            """, 200 },
        { "enum", """{"enum":["red","green","blue",42]}""", 20 },
        { "nested", """
            {"type":"object","properties":{"inner":{"type":"object","properties":{"k":{"type":"string","minLength":1,"maxLength":3},
             "opt":{"type":"boolean"}},"required":["k"]}},"required":["inner"]}
            """, 120 },
        { "array", """{"type":"array","items":{"type":"integer"},"minItems":1,"maxItems":3}""", 120 },
        { "anyOf", """{"anyOf":[{"type":"boolean"},{"type":"object","properties":{"v":{"type":"integer"}},"required":["v"]}]}""", 60 },
        { "json_object", """{"type":"object"}""", 48 },
    };

    [SkippableTheory]
    [MemberData(nameof(Schemas))]
    public void EveryFinishedReplyValidates(string name, string schema, int maxTokens)
    {
        using var lm = TinyModels.Load("tiny-smollm3/hf");
        var tokenizer = TextTokenizer.FromHuggingFace(Fixtures.Require("tiny-smollm3", "hf"));
        var stops = new HashSet<int> { tokenizer.TokenToId("<|im_end|>")!.Value };
        var grammar = name == "json_object" ? JsonGrammar.AnyObject : JsonSchemaCompiler.Compile(schema);
        var constraint = new TokenConstraint(grammar, TokenVocabulary.For(tokenizer), stops);
        var validator = JsonSchema.FromText(schema);
        var prompt = tokenizer.Encode("Answer in JSON:").ToArray();
        int stopped = 0;
        for (int seed = 0; seed < Seeds; seed++)
        {
            using var cache = lm.NewCache();
            var options = new SamplingOptions { Temperature = 1, Seed = seed, MaxTokens = maxTokens, StopTokenIds = stops };
            var tokens = Generator.Generate(lm, cache, prompt, options, constraint: constraint).ToList();
            var text = tokenizer.Decode(tokens.Select(t => t.Token), skipSpecial: true);
            if (tokens[^1].Finish == FinishReason.Length)
            {
                Assert.Equal(maxTokens, tokens.Count);
                continue;
            }
            Assert.Equal(FinishReason.StopToken, tokens[^1].Finish);
            stopped++;
            using var doc = JsonDocument.Parse(text);
            var result = validator.Evaluate(doc.RootElement, new EvaluationOptions { RequireFormatValidation = true });
            Assert.True(result.IsValid, $"seed {seed}: {text} does not validate against {schema}");
        }
        // every schema but the free object is bounded below its token budget, so those replies all end by themselves
        if (name != "json_object") Assert.Equal(Seeds, stopped);
        else Assert.True(stopped > 0, "no free-form object ended within the budget");
    }
}
