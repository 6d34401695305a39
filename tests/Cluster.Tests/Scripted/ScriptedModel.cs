using System.Runtime.CompilerServices;
using SmolLM3.Engine.Loading;
using SmolLM3.Engine.Model;
using static TorchSharp.torch;

namespace SmolLM3.Cluster.Tests.Scripted;

/// <summary>
/// A model that replies with <see cref="Script"/> whatever the prompt, so cluster tests are deterministic under
/// greedy sampling. It runs the real model's forward (caches advance and can be preempted, evicted and recomputed
/// for real), then returns logits whose argmax is the script's next token. A sequence's place in the script comes
/// from the tokens its cache holds: after the longest suffix of them that is a prefix of the script.
/// </summary>
public sealed class ScriptedModel(ILanguageModel inner) : ILanguageModel
{
    const float Chosen = 100, Other = -100;

    readonly ConditionalWeakTable<KvCache, List<int>> _fed = [];
    int[] _script = [];

    /// <summary>The reply every sequence gives from now on (token ids, usually ending with a stop token).</summary>
    public int[] Script
    {
        get => Volatile.Read(ref _script);
        set => Volatile.Write(ref _script, value);
    }

    /// <summary>
    /// When set, picks each sequence's script from every token its cache was fed (prompt and reply so far), e.g. a
    /// tool call until the prompt holds the tool's result, then the answer; it must keep its choice as the reply grows.
    /// </summary>
    public Func<IReadOnlyList<int>, int[]>? ScriptFor { get; set; }

    public ModelConfig Config => inner.Config;

    public Tensor Forward(IReadOnlyList<SequenceChunk> batch)
    {
        var next = new List<int>();
        foreach (var chunk in batch)
        {
            var fed = _fed.GetOrCreateValue(chunk.Cache);
            fed.RemoveRange(Math.Min(chunk.Cache.Length, fed.Count), fed.Count - Math.Min(chunk.Cache.Length, fed.Count));
            fed.AddRange(chunk.Tokens);
            var script = ScriptFor?.Invoke(fed) ?? Script;
            for (int row = chunk.LogitsCount; row > 0; row--) next.Add(Next(script, fed, fed.Count - row + 1));
        }
        inner.Forward(batch).Dispose();

        int vocab = Config.VocabSize;
        var logits = new float[next.Count * vocab];
        Array.Fill(logits, Other);
        for (int i = 0; i < next.Count; i++) logits[i * vocab + next[i]] = Chosen;
        return tensor(logits, [next.Count, vocab]);
    }

    /// <summary>The script's token after the first <paramref name="length"/> tokens of <paramref name="fed"/>.</summary>
    static int Next(int[] script, List<int> fed, int length)
    {
        for (int k = Math.Min(length, script.Length - 1); k > 0; k--)
            if (Matches(script, fed, length, k)) return script[k];
        return script[0];
    }

    static bool Matches(int[] script, List<int> fed, int length, int k)
    {
        for (int i = 0; i < k; i++)
            if (fed[length - k + i] != script[i]) return false;
        return true;
    }

    public KvCache NewCache(int? maxLength = null) => inner.NewCache(maxLength);

    public KvBlockPool NewBlockPool(long bytes, int blockTokens = KvBlockPool.DefaultBlockTokens) => inner.NewBlockPool(bytes, blockTokens);

    public void Dispose() => inner.Dispose();
}
