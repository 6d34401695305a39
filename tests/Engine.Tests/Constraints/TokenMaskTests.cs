using System.Text;
using SmolLM3.Engine.Constraints;
using SmolLM3.Engine.Text;

namespace SmolLM3.Engine.Tests.Constraints;

public class TokenMaskTests
{
    static readonly Lazy<TextTokenizer> Tokenizer = new(() => TextTokenizer.FromHuggingFace(Fixtures.Require("tiny-smollm3", "hf")));

    const string Schema = """
        {"type":"object","properties":{"name":{"type":"string","maxLength":4},"tags":{"type":"array","items":{"enum":["a","bc"]},"maxItems":2},
         "n":{"type":"integer"}},"required":["name","n"],"additionalProperties":false}
        """;

    static (TokenConstraint Constraint, int Stop) Build(string schema)
    {
        var tokenizer = Tokenizer.Value;
        int stop = tokenizer.TokenToId("<|im_end|>")!.Value;
        return (new TokenConstraint(JsonSchemaCompiler.Compile(schema), TokenVocabulary.For(tokenizer), new HashSet<int> { stop }), stop);
    }

    /// <summary>The trie walk allows exactly the tokens whose bytes, read one token at a time, keep the text a prefix of the grammar.</summary>
    [SkippableTheory]
    [InlineData("")]
    [InlineData("{\"name\":\"ab")]
    [InlineData("{\"name\":\"abcd")]
    [InlineData("{\"name\":\"x\",")]
    [InlineData("{\"name\":\"x\",\"tags\":[\"a\",")]
    [InlineData("{\"name\":\"x\",\"n\":-1")]
    public void MaskMatchesTokenByTokenCheck(string prefix)
    {
        var (constraint, stop) = Build(Schema);
        var tokenizer = Tokenizer.Value;
        var matcher = constraint.Start();
        foreach (var id in tokenizer.Encode(prefix)) matcher.Accept(id);

        var grammar = JsonSchemaCompiler.Compile(Schema);
        var expected = new List<int>();
        var bytes = new List<byte>();
        for (int id = 0; id < tokenizer.VocabSize; id++)
        {
            if (tokenizer.IsAdded(id)) continue;
            bytes.Clear();
            tokenizer.AppendBytes(id, bytes);
            if (!GrammarText.After(grammar, [.. Encoding.UTF8.GetBytes(prefix), .. bytes]).IsDead) expected.Add(id);
        }
        var allowed = Enumerable.Range(0, tokenizer.VocabSize).Where(matcher.Allows).ToList();
        Assert.NotEmpty(expected);
        Assert.Equal(expected, allowed);
        Assert.DoesNotContain(stop, allowed);
    }

    [SkippableFact]
    public void OnlyTheStopTokenFollowsACompleteValue()
    {
        var (constraint, stop) = Build(Schema);
        var matcher = constraint.Start();
        foreach (var id in Tokenizer.Value.Encode("{\"name\":\"x\",\"n\":7}")) matcher.Accept(id);
        Assert.True(matcher.IsComplete);
        var logits = new float[Tokenizer.Value.VocabSize + 128];   // the model's row may be longer than the tokenizer's vocabulary
        matcher.Apply(logits);
        Assert.Equal([stop], Enumerable.Range(0, logits.Length).Where(i => logits[i] == 0));
        matcher.Accept(stop);
        Assert.True(matcher.IsFinished);
    }

    [SkippableFact]
    public void ATokenTheGrammarRefusesIsNotAccepted()
    {
        var (constraint, stop) = Build(Schema);
        var matcher = constraint.Start();
        Assert.Throws<InvalidOperationException>(() => matcher.Accept(stop));   // nothing written yet
        Assert.Throws<InvalidOperationException>(() => matcher.Accept(Tokenizer.Value.Encode("[")[0]));
    }
}
