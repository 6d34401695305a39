using SmolLM3.Engine.Loading;
using SmolLM3.Engine.Model;
using static TorchSharp.torch;

namespace SmolLM3.Cluster.Tests;

/// <summary>
/// The loaded model, except that a forward pass feeding the <paramref name="marker"/> tokens throws an
/// <see cref="ArgumentException"/>, as a bug in the engine would.
/// </summary>
public sealed class FaultingModel(ILanguageModel inner, int[] marker) : ILanguageModel
{
    /// <summary>The exception's text, which is for the server's log only.</summary>
    public const string Failure = "layer 3 got a (7, 64) tensor where it expected (7, 128)";

    public ModelConfig Config => inner.Config;

    public Tensor Forward(IReadOnlyList<SequenceChunk> batch) =>
        batch.Any(chunk => Feeds(chunk.Tokens)) ? throw new ArgumentException(Failure) : inner.Forward(batch);

    bool Feeds(int[] tokens) => tokens.AsSpan().IndexOf(marker) >= 0;

    public KvCache NewCache(int? maxLength = null) => inner.NewCache(maxLength);

    public KvBlockPool NewBlockPool(long bytes, int blockTokens = KvBlockPool.DefaultBlockTokens) => inner.NewBlockPool(bytes, blockTokens);

    public void Dispose() => inner.Dispose();
}
