using SmolLM3.Engine.Loading;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace SmolLM3.Engine.Model;

/// <summary>
/// SmolLM3 / SmolLM2 decoder-only transformer: embedding → decoder layers → norm → LM head.
/// Inference only; caches are owned by callers and passed in per sequence.
/// </summary>
public sealed class CausalLM : IDisposable
{
    readonly Tensor _embedTokens;   // (vocab, hidden)
    readonly Linear _lmHead;        // (vocab, hidden); shares the embedding's storage when tied
    readonly DecoderLayer[] _layers;
    readonly RmsNorm _norm;
    readonly RotaryEmbedding _rope;

    public ModelConfig Config { get; }
    public ScalarType DType { get; }
    public Device Device { get; }

    CausalLM(ModelConfig config, ScalarType dtype, Device device, Tensor embed, Tensor head, DecoderLayer[] layers, RmsNorm norm)
    {
        Config = config;
        DType = dtype;
        Device = device;
        _embedTokens = embed;
        _lmHead = new Linear(head);
        _layers = layers;
        _norm = norm;
        _rope = new RotaryEmbedding(config);
    }

    /// <summary>Loads every weight from <paramref name="source"/>, checking shapes against the config.</summary>
    public static CausalLM Load(IWeightSource source, ScalarType dtype, Device device, IProgress<LoadProgress>? progress = null)
    {
        var c = source.Config;
        int total = 2 + 9 * c.NumLayers + (c.TieWordEmbeddings ? 0 : 1), done = 0;
        var owned = new List<IDisposable>();
        Tensor W(string name, params long[] shape)
        {
            progress?.Report(new LoadProgress(name, done, total));
            var t = source.Load(name, dtype, device);
            owned.Add(t);
            if (!t.shape.SequenceEqual(shape))
                throw new ModelFormatException($"{source.Description}: tensor '{name}' has shape [{string.Join(", ", t.shape)}] but the config implies [{string.Join(", ", shape)}]");
            done++;
            return t;
        }
        try
        {
            using var _ = no_grad();
            long h = c.HiddenSize, ff = c.IntermediateSize;
            var embed = W("model.embed_tokens.weight", c.VocabSize, h);
            var layers = new DecoderLayer[c.NumLayers];
            for (int i = 0; i < c.NumLayers; i++)
            {
                var p = $"model.layers.{i}.";
                layers[i] = new DecoderLayer(
                    new RmsNorm(W(p + "input_layernorm.weight", h), c.RmsNormEps),
                    new Attention(c, i, W(p + "self_attn.q_proj.weight", c.QueryDim, h), W(p + "self_attn.k_proj.weight", c.KvDim, h),
                        W(p + "self_attn.v_proj.weight", c.KvDim, h), W(p + "self_attn.o_proj.weight", h, c.QueryDim)),
                    new RmsNorm(W(p + "post_attention_layernorm.weight", h), c.RmsNormEps),
                    new Mlp(W(p + "mlp.gate_proj.weight", ff, h), W(p + "mlp.up_proj.weight", ff, h), W(p + "mlp.down_proj.weight", h, ff)));
            }
            var norm = new RmsNorm(W("model.norm.weight", h), c.RmsNormEps);
            var head = c.TieWordEmbeddings ? embed : W("lm_head.weight", c.VocabSize, h);
            progress?.Report(new LoadProgress("", total, total));
            return new CausalLM(c, dtype, device, embed, head, layers, norm);
        }
        catch
        {
            foreach (var t in owned) t.Dispose();
            throw;
        }
    }

    /// <summary>A new, empty cache for one sequence on this model's device.</summary>
    public KvCache NewCache(int? maxLength = null) => new(Config, DType, Device, maxLength);

    /// <summary>
    /// Feeds each sequence its new tokens (sequences may be at different positions) and returns float32
    /// logits for the last <see cref="SequenceChunk.LogitsCount"/> positions of each, stacked in order:
    /// (Σ LogitsCount, vocab). Caches advance by the tokens fed.
    /// </summary>
    public Tensor Forward(IReadOnlyList<SequenceChunk> batch)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        int n = batch.Count, t = 0;
        var offsets = new int[n];
        var lengths = new int[n];
        var caches = new KvCache[n];
        for (int i = 0; i < n; i++)
        {
            var chunk = batch[i];
            if (chunk.Tokens.Length == 0) throw new ArgumentException($"sequence {i} has no tokens to feed");
            if (chunk.LogitsCount < 0 || chunk.LogitsCount > chunk.Tokens.Length)
                throw new ArgumentOutOfRangeException(nameof(batch), $"sequence {i}: LogitsCount {chunk.LogitsCount} outside 0..{chunk.Tokens.Length}");
            if (Array.IndexOf(caches, chunk.Cache, 0, i) >= 0) throw new ArgumentException("a cache appears twice in one batch");
            chunk.Cache.EnsureRoom(chunk.Tokens.Length);
            (offsets[i], lengths[i], caches[i]) = (t, chunk.Tokens.Length, chunk.Cache);
            t += chunk.Tokens.Length;
        }

        var ids = new long[t];
        var positions = new long[t];
        var keep = new List<long>();
        for (int i = 0; i < n; i++)
        {
            var chunk = batch[i];
            for (int j = 0; j < lengths[i]; j++)
            {
                int vocabId = chunk.Tokens[j];
                if ((uint)vocabId >= (uint)Config.VocabSize)
                    throw new ArgumentOutOfRangeException(nameof(batch), $"token id {vocabId} is outside the vocabulary (0..{Config.VocabSize - 1})");
                ids[offsets[i] + j] = vocabId;
                positions[offsets[i] + j] = caches[i].Length + j;
            }
            for (int j = lengths[i] - chunk.LogitsCount; j < lengths[i]; j++) keep.Add(offsets[i] + j);
        }

        var layout = new BatchLayout { Offsets = offsets, Lengths = lengths, Caches = caches };
        // 1. (T) -> (T, hidden)
        var x = _embedTokens.index_select(0, tensor(ids, device: Device));
        // 2. cos/sin (T, 1, D), shared by every RoPE layer
        var (cos, sin) = _rope.Angles(positions, DType, Device);
        for (int l = 0; l < _layers.Length; l++) x = _layers[l].Forward(x, layout, cos, sin);
        for (int i = 0; i < n; i++) caches[i].Advance(lengths[i]);
        // 3. only the positions that need logits go through the head: (K, hidden) -> (K, vocab)
        var selected = keep.Count == t ? x : x.index_select(0, tensor(keep.ToArray(), device: Device));
        var logits = _lmHead.Forward(_norm.Forward(selected)).to(ScalarType.Float32);
        return logits.MoveToOuterDisposeScope();
    }

    public void Dispose()
    {
        foreach (var layer in _layers) layer.Dispose();
        _norm.Dispose();
        if (!ReferenceEquals(_lmHead.Weight, _embedTokens)) _lmHead.Dispose();
        _embedTokens.Dispose();
    }
}

/// <summary>Loading progress: the tensor being read and how many of the total are done.</summary>
public readonly record struct LoadProgress(string Tensor, int Done, int Total);
