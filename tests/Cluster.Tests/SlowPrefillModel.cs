using SmolLM3.Engine.Loading;
using SmolLM3.Engine.Model;
using static TorchSharp.torch;

namespace SmolLM3.Cluster.Tests;

/// <summary>
/// The loaded model, except that a forward pass feeding a prompt piece (more than one token of a sequence) first
/// sleeps <paramref name="perPiece"/>, as a long prompt's prefill on a slow CPU would take its time.
/// </summary>
public sealed class SlowPrefillModel(ILanguageModel inner, TimeSpan perPiece) : ILanguageModel
{
    public ModelConfig Config => inner.Config;

    public Tensor Forward(IReadOnlyList<SequenceChunk> batch)
    {
        if (batch.Any(chunk => chunk.Tokens.Length > 1)) Thread.Sleep(perPiece);
        return inner.Forward(batch);
    }

    public KvCache NewCache(int? maxLength = null) => inner.NewCache(maxLength);

    public KvBlockPool NewBlockPool(long bytes, int blockTokens = KvBlockPool.DefaultBlockTokens) => inner.NewBlockPool(bytes, blockTokens);

    public void Dispose() => inner.Dispose();
}
