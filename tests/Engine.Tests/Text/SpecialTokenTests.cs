namespace SmolLM3.Engine.Tests.Text;

/// <summary>SmolLM3's chat tokens, special ids and the id/string lookups.</summary>
public sealed class SpecialTokenTests
{
    [SkippableTheory]
    [InlineData("<|im_start|>", 128011)]
    [InlineData("<|im_end|>", 128012)]
    [InlineData("<think>", 128002)]
    [InlineData("</think>", 128003)]
    public void ChatTokensAreSingleIdsOnlyWhenParsingSpecial(string text, int id)
    {
        var tok = TestTokenizers.Get("smollm3");
        Assert.Equal([id], tok.Encode(text, parseSpecial: true));
        var plain = tok.Encode(text);
        Assert.DoesNotContain(id, plain);
        Assert.True(plain.Count > 1);
        Assert.Equal(text, tok.Decode(plain));
    }

    [SkippableFact]
    public void ChatTurnKeepsTextAroundSpecialTokens()
    {
        var tok = TestTokenizers.Get("smollm3");
        const string turn = "<|im_start|>user\nHi there<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n";
        var ids = tok.Encode(turn, parseSpecial: true);
        Assert.Equal(128011, ids[0]);
        Assert.Equal([128011, 128012, 128011, 128002, 128003], ids.Where(i => i >= 128000));
        Assert.Equal(turn, tok.Decode(ids));
        // The plain stretches are tokenized exactly as on their own.
        Assert.Equal(tok.Encode("user\nHi there"), ids.Skip(1).Take(tok.Encode("user\nHi there").Count));
        Assert.Equal("user\nHi there\nassistant\n\n\n\n", tok.Decode(ids, skipSpecial: true));
    }

    [SkippableFact]
    public void SpecialIdsComeFromTheConfigs()
    {
        var tok = TestTokenizers.Get("smollm3");
        Assert.Equal(128000, tok.BosId);   // only generation_config.json names it
        Assert.Equal(128012, tok.EosId);
        Assert.Equal(128012, tok.PadId);   // tokenizer_config.json's pad_token wins over generation_config.json
        Assert.Equal(128256, tok.VocabSize);
        Assert.True(tok.IsSpecial(128011));
        Assert.False(tok.IsSpecial(9906));
    }

    [SkippableFact]
    public void TokenLookupsUseTheVocabularySpelling()
    {
        var tok = TestTokenizers.Get("smollm3");
        Assert.Equal(128011, tok.TokenToId("<|im_start|>"));
        Assert.Equal("<|im_start|>", tok.IdToToken(128011));
        Assert.Equal(22691, tok.TokenToId("ĠHello"));   // " Hello" in the byte-level alphabet
        Assert.Equal("ĠHello", tok.IdToToken(22691));
        Assert.Null(tok.TokenToId(" Hello"));
        Assert.Throws<ArgumentOutOfRangeException>(() => tok.IdToToken(tok.VocabSize));
    }
}
