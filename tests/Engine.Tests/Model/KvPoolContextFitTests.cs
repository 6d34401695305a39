using SmolLM3.Engine.Loading;
using SmolLM3.Engine.Model;

namespace SmolLM3.Engine.Tests.Model;

/// <summary>Whether a KV pool holds one whole context, in whole blocks of the pool's KV type.</summary>
public sealed class KvPoolContextFitTests
{
    /// <summary>2 layers × 2 × (1 KV head × 16) values: 64 values a token, 256 bytes in f32, 128 in bf16.</summary>
    static readonly ModelConfig Tiny = new()
    {
        Architecture = "smollm3", VocabSize = 32, HiddenSize = 64, IntermediateSize = 128,
        NumLayers = 2, NumHeads = 4, NumKvHeads = 1, MaxPositionEmbeddings = 1000,
    };

    static string? Shortfall(KvFormat format, long bytes) =>
        KvPoolContextFit.Shortfall(Tiny, format, bytes, blockTokens: 16, "--kv-cache-size", "--context-length");

    [Fact]
    public void APoolOfWholeBlocksForTheContextFits()
    {
        Assert.Null(Shortfall(KvFormat.F32, 1008L * 256));   // 63 blocks of 16 cover 1,000 positions
        Assert.Null(Shortfall(KvFormat.BF16, 1008L * 128));   // half the bytes in bf16
    }

    [Fact]
    public void ASmallerPoolIsRefusedWithTheNumbers()
    {
        var why = Shortfall(KvFormat.F32, 1008L * 256 - 1);
        Assert.NotNull(why);
        Assert.Contains("(258047 bytes) cannot hold one context of 1000 tokens (--context-length)", why);
        Assert.Contains("256 bytes per token of f32 it needs 252 KiB (258048 bytes)", why);
        Assert.Contains("raise --kv-cache-size or lower --context-length", why);
        Assert.NotNull(Shortfall(KvFormat.BF16, 1008L * 128 - 1));
    }
}
