using SmolLM3.Engine.Loading;
using static TorchSharp.torch;

namespace SmolLM3.Engine.Model;

/// <summary>
/// What generation and the serving loop need of a model: its config, caches on its device, and one ragged
/// forward pass. <see cref="CausalLM"/> is the real one; tests put scripted doubles behind it.
/// </summary>
public interface ILanguageModel : IDisposable
{
    ModelConfig Config { get; }

    /// <summary>
    /// Feeds each sequence its new tokens and returns float32 logits for the last
    /// <see cref="SequenceChunk.LogitsCount"/> positions of each, stacked in order: (Σ LogitsCount, vocab).
    /// Caches advance by the tokens fed. The tensor is on the model's device: read it with <see cref="HostCopy"/>.
    /// </summary>
    Tensor Forward(IReadOnlyList<SequenceChunk> batch);

    /// <summary>A new, empty cache for one sequence, with a private pool that grows up to <paramref name="maxLength"/> (default: the context).</summary>
    KvCache NewCache(int? maxLength = null);

    /// <summary>A block pool of at most <paramref name="bytes"/> for many sequences (<see cref="KvBlockPool.NewCache"/>).</summary>
    KvBlockPool NewBlockPool(long bytes, int blockTokens = KvBlockPool.DefaultBlockTokens);
}
