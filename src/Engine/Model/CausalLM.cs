using SmolLM3.Engine.Diagnostics;
using SmolLM3.Engine.Loading;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace SmolLM3.Engine.Model;

/// <summary>
/// SmolLM3 / SmolLM2 decoder-only transformer: embedding → decoder layers → norm → LM head.
/// Inference only; caches are owned by callers and passed in per sequence.
/// </summary>
public sealed class CausalLM : ILanguageModel
{
    readonly TokenEmbedding _embedTokens;   // (vocab, hidden)
    readonly Linear _lmHead;                // (vocab, hidden); shares the embedding's storage when tied
    readonly DecoderLayer[] _layers;
    readonly RmsNorm _norm;
    readonly RotaryEmbedding _rope;

    public ModelConfig Config { get; }

    /// <summary>How many weight matrices are held packed (GGUF blocks) rather than as tensors, the embedding included.</summary>
    public int PackedMatrices { get; private init; }

    /// <summary>Bytes of all weights as held (a tied head shares the embedding's), i.e. what one decode step reads.</summary>
    public long WeightBytes { get; private init; }
    public ScalarType DType { get; }

    /// <summary>How its KV caches hold keys and values (default: <see cref="KvFormat.DefaultFor"/>); attention reads them in it and computes in <see cref="DType"/>.</summary>
    public KvFormat KvFormat { get; }
    public Device Device { get; }

    CausalLM(ModelConfig config, ScalarType dtype, KvFormat kvFormat, Device device, TokenEmbedding embed, Linear head, DecoderLayer[] layers, RmsNorm norm)
    {
        Config = config;
        DType = dtype;
        KvFormat = kvFormat;
        Device = device;
        _embedTokens = embed;
        _lmHead = head;
        _layers = layers;
        _norm = norm;
        _rope = new RotaryEmbedding(config);
    }

    /// <summary>
    /// Loads every weight from <paramref name="source"/>, checking shapes against the config. On the CPU
    /// with F32 or BF16 compute, matrices a GGUF stores quantized (the embedding and head included) stay packed
    /// in their blocks unless <paramref name="keepQuantized"/> is false; elsewhere they are dequantized to <paramref name="dtype"/>.
    /// Its caches hold <paramref name="kvFormat"/> (default: <see cref="KvFormat.DefaultFor"/>, 16 bits a value). Decode multiplies by packed
    /// matrices as <paramref name="packedMath"/> says (default: with quantized activations, as llama.cpp does).
    /// </summary>
    /// <exception cref="ArgumentException">The KV format cannot hold this model's rows on <paramref name="device"/> (checked before any weight loads).</exception>
    public static CausalLM Load(IWeightSource source, ScalarType dtype, Device device, IProgress<LoadProgress>? progress = null, bool keepQuantized = true,
        KvFormat? kvFormat = null, PackedMath packedMath = PackedMath.QuantizedActivations)
    {
        var kv = kvFormat ?? KvFormat.DefaultFor(dtype);
        var c = source.Config;
        kv.Require(c, device);
        int packedCount = 0;
        long bytes = 0;
        bool packable = Packable(dtype, device, keepQuantized);
        int total = 2 + 9 * c.NumLayers + (c.TieWordEmbeddings ? 0 : 1), done = 0;
        var owned = new List<IDisposable>();
        Tensor W(string name, params long[] shape)
        {
            progress?.Report(new LoadProgress(name, done, total));
            var t = source.Load(name, dtype, device);
            owned.Add(t);
            bytes += t.NumberOfElements * t.ElementSize;
            if (!t.shape.SequenceEqual(shape))
                throw new ModelFormatException($"{source.Description}: tensor '{name}' has shape [{string.Join(", ", t.shape)}] but the config implies [{string.Join(", ", shape)}]");
            done++;
            return t;
        }
        // Matrices kept packed when every one is stored quantized (each part may be of its own type), else null.
        PackedWeight[]? P(params (string Name, long Rows, long Cols)[] parts)
        {
            if (!packable) return null;
            var packed = new PackedWeight[parts.Length];
            for (int i = 0; i < parts.Length; i++)
            {
                var (name, rows, cols) = parts[i];
                if (source.PackedType(name) is not { } type || !KeepsPacked(type, dtype) || source.LoadPacked(name) is not { } pw) return null;
                if (pw.Rows != rows || pw.Columns != cols)
                    throw new ModelFormatException($"{source.Description}: tensor '{name}' has shape [{pw.Rows}, {pw.Columns}] but the config implies [{rows}, {cols}]");
                packed[i] = pw;
            }
            packedCount += parts.Length;
            bytes += packed.Sum(pw => pw.Bytes);
            done += parts.Length;
            progress?.Report(new LoadProgress(parts[^1].Name, done, total));
            return packed;
        }
        // One layer from several matrices stacked by rows (Q/K/V, gate/up), each part writing its slice of the output.
        Linear L(params (string Name, long Rows, long Cols)[] parts)
        {
            if (P(parts) is { } packed) return new Linear(packedMath, packed);
            var tensors = parts.Select(p => W(p.Name, p.Rows, p.Cols)).ToArray();
            if (tensors.Length == 1) return new Linear(tensors[0]);
            var stacked = cat(tensors, 0);
            owned.Add(stacked);
            foreach (var t in tensors) t.Dispose();
            return new Linear(stacked);
        }
        try
        {
            using var _ = no_grad();
            long h = c.HiddenSize, ff = c.IntermediateSize;
            var embed = P(("model.embed_tokens.weight", c.VocabSize, h)) is { } packedEmbed
                ? new TokenEmbedding(packedEmbed[0], dtype)
                : new TokenEmbedding(W("model.embed_tokens.weight", c.VocabSize, h));
            var layers = new DecoderLayer[c.NumLayers];
            for (int i = 0; i < c.NumLayers; i++)
            {
                var p = $"model.layers.{i}.";
                layers[i] = new DecoderLayer(
                    new RmsNorm(W(p + "input_layernorm.weight", h), c.RmsNormEps),
                    new Attention(c, i,
                        L((p + "self_attn.q_proj.weight", c.QueryDim, h), (p + "self_attn.k_proj.weight", c.KvDim, h), (p + "self_attn.v_proj.weight", c.KvDim, h)),
                        L((p + "self_attn.o_proj.weight", h, c.QueryDim))),
                    new RmsNorm(W(p + "post_attention_layernorm.weight", h), c.RmsNormEps),
                    new Mlp(L((p + "mlp.gate_proj.weight", ff, h), (p + "mlp.up_proj.weight", ff, h)), L((p + "mlp.down_proj.weight", h, ff))));
            }
            var norm = new RmsNorm(W("model.norm.weight", h), c.RmsNormEps);
            // A tied head multiplies by the embedding itself, packed or not.
            var head = c.TieWordEmbeddings ? embed.AsTiedHead(packedMath) : L(("lm_head.weight", c.VocabSize, h));
            progress?.Report(new LoadProgress("", total, total));
            // Loading leaves large garbage (each packed Q/K matrix's rows are reordered into a new array, the old one left
            // behind); a collector left to itself kept such memory committed. One aggressive collection returns it to the system.
            // (A GGUF's dense weights now go straight into their tensors: they had doubled a BF16 SmolLM3-3B's resident size.)
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
            return new CausalLM(c, dtype, kv, device, embed, head, layers, norm) { PackedMatrices = packedCount, WeightBytes = bytes };
        }
        catch
        {
            foreach (var t in owned) t.Dispose();
            throw;
        }
    }

    /// <summary>Whether quantized matrices stay packed: only the CPU kernels read blocks; GPUs and F16 compute take dense weights.</summary>
    static bool Packable(ScalarType dtype, Device device, bool keepQuantized) =>
        keepQuantized && device.type == DeviceType.CPU && dtype is ScalarType.Float32 or ScalarType.BFloat16;

    /// <summary>
    /// Whether a matrix stored in <paramref name="type"/> is held so: quantized ones always (on a CPU computing F32 or
    /// BF16), BF16 ones where the compute type is F32 — half the bytes for decode to read, widened exactly as they are
    /// used — while a BF16 compute type takes them as dense tensors for libtorch's BF16 GEMM.
    /// </summary>
    static bool KeepsPacked(Gguf.GgmlType type, ScalarType dtype) => type != Gguf.GgmlType.BF16 || dtype == ScalarType.Float32;

    /// <summary>
    /// The <see cref="WeightBytes"/> that <see cref="Load"/> with these arguments will hold, from the source's tensor list alone:
    /// packed matrices at their stored size, everything else at <paramref name="dtype"/>'s.
    /// </summary>
    public static long WeightBytesFor(IWeightSource source, ScalarType dtype, Device device, bool keepQuantized = true)
    {
        bool packable = Packable(dtype, device, keepQuantized);
        long elementBytes = DTypes.ElementSize(dtype), total = 0;
        foreach (var w in source.Weights)
        {
            long elements = w.Shape.Aggregate(1L, (a, b) => a * b);
            total += packable && source.PackedType(w.Name) is { } type && KeepsPacked(type, dtype) ? Gguf.GgmlTypeInfo.ByteSize(type, elements) : elements * elementBytes;
        }
        return total;
    }

    /// <summary>A new, empty cache for one sequence on this model's device, with a private pool that grows up to the context.</summary>
    public KvCache NewCache(int? maxLength = null) => new(Config, KvFormat, Device, maxLength);

    /// <summary>A block pool of at most <paramref name="bytes"/> for many sequences of this model (<see cref="KvBlockPool.NewCache"/>).</summary>
    public KvBlockPool NewBlockPool(long bytes, int blockTokens = KvBlockPool.DefaultBlockTokens) => KvBlockPool.ForBudget(Config, KvFormat, Device, bytes, blockTokens);

    /// <summary>
    /// Feeds each sequence its new tokens (sequences may be at different positions) and returns float32
    /// logits for the last <see cref="SequenceChunk.LogitsCount"/> positions of each, stacked in order:
    /// (Σ LogitsCount, vocab). Caches advance by the tokens fed.
    /// </summary>
    public Tensor Forward(IReadOnlyList<SequenceChunk> batch)
    {
        using var activity = EngineTelemetry.Source.StartActivity("forward");
        activity?.SetTag("smollm3.batch.sequences", batch.Count);
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
            if (chunk.Cache.Pool is var p && (p.Format != KvFormat || p.Device.type != Device.type || p.Device.index != Device.index || p.Config.NumLayers != Config.NumLayers || p.Config.NumKvHeads != Config.NumKvHeads || p.Config.HeadDim != Config.HeadDim))
                throw new ArgumentException($"sequence {i}: its cache holds {p.Format} on {p.Device} for another shape; this model's caches hold {KvFormat} on {Device}");
            chunk.Cache.EnsureRoom(chunk.Tokens.Length);
            (offsets[i], lengths[i], caches[i]) = (t, chunk.Tokens.Length, chunk.Cache);
            t += chunk.Tokens.Length;
        }
        activity?.SetTag("smollm3.batch.tokens", t);

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
        var x = _embedTokens.Lookup(ids, Device);
        // 2. cos/sin (T, 1, D), shared by every RoPE layer; a fused step computes in F32 whatever the model's type
        bool fused = FusesDecode(layout, t);
        var (cos, sin) = _rope.Angles(positions, fused ? ScalarType.Float32 : DType, Device);
        // each layer in its own scope: a long chunk's attention scores and MLP activations are freed layer by layer,
        // and only the layer's output (T, hidden) leaves it; the previous one is freed once used
        if (fused)
        {
            // a BF16 model's rows widen to F32 here and stay F32 through the final norm and the head (both take F32 x)
            if (x.dtype != ScalarType.Float32) x = x.to(ScalarType.Float32).contiguous();
            DecodeFused(x, layout, cos, sin, t);
        }
        else for (int l = 0; l < _layers.Length; l++)
        {
            Tensor next;
            using (NewDisposeScope()) next = _layers[l].Forward(x, layout, cos, sin).MoveToOuterDisposeScope();
            x.Dispose();
            x = next;
        }
        for (int i = 0; i < n; i++) caches[i].Advance(batch[i].Tokens);
        // 3. only the positions that need logits go through the head: (K, hidden) -> (K, vocab)
        var selected = keep.Count == t ? x : x.index_select(0, tensor(keep.ToArray(), device: Device));
        var logits = _lmHead.Forward(_norm.Forward(selected)).to(ScalarType.Float32);
        return logits.MoveToOuterDisposeScope();
    }

    /// <summary>Whether decode steps may run fused (<see cref="DecoderLayer.Decode"/>); off only to compare the two paths in tests.</summary>
    internal bool FuseDecode { get; set; } = true;

    /// <summary>Steps that ran fused so far (tests check the path they compare was taken).</summary>
    internal int FusedSteps { get; private set; }

    /// <summary>
    /// A step fuses when its rows (one per decoding sequence, a few per short prompt piece) fit every layer's GEMV on the
    /// CPU in F32 or BF16 compute, and every cache is read in place in the first one's layout (what the decode attention kernel
    /// takes in one call). Fusing mixed steps keeps decoding sequences on this path while a new turn's prompt goes in.
    /// A BF16 model's fused step computes in F32 on its BF16 weights, as an F32 model with BF16 rows does: the GEMVs widen
    /// each weight exactly anyway, and libtorch's BF16 step (a call per small operation, each rounding to BF16) was ~0.6×
    /// its speed.
    /// </summary>
    bool FusesDecode(BatchLayout batch, int t)
    {
        if (!FuseDecode || Device.type != DeviceType.CPU || DType is not (ScalarType.Float32 or ScalarType.BFloat16)) return false;
        var first = batch.Caches[0].Pool;
        if (!first.InPlace || first.Format.WriteType is not (ScalarType.Float32 or ScalarType.BFloat16)) return false;
        foreach (var c in batch.Caches)
            if (c.Pool.BlockTokens != first.BlockTokens || c.Pool.HeadStride != first.HeadStride || c.Pool.Format != first.Format) return false;
        return _layers.All(l => l.DecodesRaw && t <= l.MaxDecodeRows);
    }

    /// <summary>Runs every layer on <paramref name="x"/>'s rows in place (a contiguous (t, hidden) F32 tensor of its own).</summary>
    unsafe void DecodeFused(Tensor x, BatchLayout batch, Tensor cos, Tensor sin, int t)
    {
        FusedSteps++;
        // the last step's buffers when they are large enough: ~300 KB of pinned arrays a step of 16 rows had fed the
        // background GC; a step running alongside (another caller of this model) takes none and makes its own
        var scratch = Interlocked.Exchange(ref _decodeScratch, null);
        if (scratch is null || scratch.Rows < t) scratch = new DecodeScratch(Config, t);
        float* xp = Kernels.TensorPointers.Float(x), c = Kernels.TensorPointers.Float(cos), s = Kernels.TensorPointers.Float(sin);
        foreach (var layer in _layers) layer.Decode(xp, t, Config.HiddenSize, batch, c, s, scratch);
        _decodeScratch = scratch;
    }

    DecodeScratch? _decodeScratch;

    public void Dispose()
    {
        foreach (var layer in _layers) layer.Dispose();
        _norm.Dispose();
        if (!Config.TieWordEmbeddings) _lmHead.Dispose();
        _embedTokens.Dispose();
    }
}

/// <summary>Loading progress: the tensor being read and how many of the total are done.</summary>
public readonly record struct LoadProgress(string Tensor, int Done, int Total);
