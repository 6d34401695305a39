using System.Text.Json.Serialization;
using SmolLM3.Engine.Loading;
using SmolLM3.Engine.Model;
using TorchSharp;

namespace SmolLM3.Cli.Commands;

/// <summary>Tensors of one storage type (BF16, F32, Q8_0, …) and the bytes they take in the checkpoint.</summary>
sealed record StorageSummary(string Type, int Tensors, long Bytes);

/// <summary>KV cache size for a context length.</summary>
sealed record KvCacheSize(int Tokens, long Bytes);

/// <summary>What the KV cache takes in one <c>--kv-dtype</c> (those the model's head_dim fits): per token and at each of <see cref="ModelReport.KvContexts"/>.</summary>
sealed record KvCacheOfType(string Type, long BytesPerToken, IReadOnlyList<KvCacheSize> Sizes);

sealed record TensorRow(string Name, long[] Shape, string Type, long Bytes);

/// <summary>
/// What <c>inspect</c> reports about a checkpoint, without loading its weights, under the context and rope scaling in
/// effect (<see cref="Yarn"/>, <see cref="ContextLength"/>: the checkpoint's or the flags'). Serialized in snake_case.
/// </summary>
sealed record ModelReport(
    string Source,
    string Architecture,
    int HiddenSize,
    int IntermediateSize,
    int NumLayers,
    int NumHeads,
    int NumKvHeads,
    int HeadDim,
    double RopeTheta,
    int[] NopeLayers,
    YarnScaling? Yarn,
    int VocabSize,
    int MaxPositionEmbeddings,
    int SupportedContextLength,
    int ContextLength,
    bool TiedEmbeddings,
    long ParameterCount,
    IReadOnlyList<StorageSummary> Storage,
    long WeightBytesF32,
    long WeightBytesBf16,
    long WeightBytesLoaded,
    [property: JsonPropertyName("auto_dtype")] string AutoDType,
    [property: JsonPropertyName("auto_dtype_reason")] string AutoDTypeReason,
    [property: JsonPropertyName("auto_kv_dtype")] string AutoKvDType,
    long KvCacheBytesPerToken,
    IReadOnlyList<KvCacheOfType> KvCache,
    IReadOnlyList<TensorRow> Tensors)
{
    /// <summary>Context lengths the KV cache size is given for.</summary>
    public static readonly int[] KvContexts = [4 << 10, 32 << 10, 64 << 10, 128 << 10];

    public static ModelReport Of(IWeightSource source)
    {
        var c = source.Config;
        var auto = DTypeChoice.Resolve(DTypeChoice.Auto, source, torch.CPU);   // inspect has no --device: what the CPU here would run
        var kv = KvFormat.All.Where(f => f.Fits(c.HeadDim)).Select(f =>
        {
            long perToken = c.KvBytesPerToken(f);
            return new KvCacheOfType(f.Name, perToken, KvContexts.Select(n => new KvCacheSize(n, n * perToken)).ToList());
        }).ToList();
        return new ModelReport(
            source.Description, c.Architecture, c.HiddenSize, c.IntermediateSize, c.NumLayers,
            c.NumHeads, c.NumKvHeads, c.HeadDim, c.RopeTheta,
            Enumerable.Range(0, c.NumLayers).Where(i => !c.UsesRope(i)).ToArray(),
            c.Yarn, c.VocabSize, c.MaxPositionEmbeddings, c.SupportedContextLength, c.ContextLength, c.TieWordEmbeddings, c.ParameterCount,
            source.Weights.GroupBy(w => w.StorageType)
                .Select(g => new StorageSummary(g.Key, g.Count(), g.Sum(w => w.ByteSize)))
                .OrderByDescending(s => s.Bytes).ToList(),
            c.ParameterCount * 4, c.ParameterCount * 2, CausalLM.WeightBytesFor(source, auto.DType, torch.CPU), DTypes.NameOf(auto.DType), auto.Reason,
            KvFormat.DefaultFor(auto.DType).Name,
            c.KvBytesPerToken(KvFormat.BF16), kv,
            source.Weights.OrderBy(w => w.Name, NaturalOrder.Instance)
                .Select(w => new TensorRow(w.Name, w.Shape, w.StorageType, w.ByteSize)).ToList());
    }
}

/// <summary>Orders names with numbers by value: layers.2 before layers.10.</summary>
sealed class NaturalOrder : IComparer<string>
{
    public static readonly NaturalOrder Instance = new();

    public int Compare(string? x, string? y)
    {
        if (x is null || y is null) return string.CompareOrdinal(x, y);
        int i = 0, j = 0;
        while (i < x.Length && j < y.Length)
        {
            if (char.IsAsciiDigit(x[i]) && char.IsAsciiDigit(y[j]))
            {
                int si = i, sj = j;
                while (i < x.Length && char.IsAsciiDigit(x[i])) i++;
                while (j < y.Length && char.IsAsciiDigit(y[j])) j++;
                int byValue = long.Parse(x.AsSpan(si, i - si)).CompareTo(long.Parse(y.AsSpan(sj, j - sj)));
                if (byValue != 0) return byValue;
            }
            else
            {
                if (x[i] != y[j]) return x[i].CompareTo(y[j]);
                i++;
                j++;
            }
        }
        return (x.Length - i).CompareTo(y.Length - j);
    }
}
