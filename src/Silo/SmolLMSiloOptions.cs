using SmolLM3.Engine.Generation;
using SmolLM3.Engine.Loading;
using SmolLM3.Engine.Model;
using SmolLM3.Engine.Sampling;
using static TorchSharp.torch;

namespace SmolLM3.Silo;

/// <summary>What a silo serves and how its scheduler batches.</summary>
public sealed class SmolLMSiloOptions
{
    public const string Section = "SmolLM3:Silo";

    /// <summary>Default of <see cref="HealthPort"/>.</summary>
    public const int DefaultHealthPort = 8081;

    /// <summary>Model folder, .gguf file, or Hugging Face id (org/name[:QUANT][@rev], downloaded into <see cref="ModelCache"/>).</summary>
    public string ModelPath { get; set; } = "";

    /// <summary>Folder hub downloads go to; null: the standard Hugging Face cache (HF_HOME, HF_HUB_CACHE).</summary>
    public string? ModelCache { get; set; }

    /// <summary>Download the model into the cache and exit (an init container's job); serve nothing.</summary>
    public bool DownloadOnly { get; set; }

    /// <summary>Port of the gRPC health service (h2c) the stand-alone silo serves for probes.</summary>
    public int HealthPort { get; set; } = DefaultHealthPort;

    /// <summary>Port of a Prometheus scrape endpoint (<c>GET /metrics</c>) for this silo's metrics; null serves none (the Kubernetes manifests use 9464).</summary>
    public int? MetricsPort { get; set; }

    /// <summary>How often the silo tells the cluster its model and free KV capacity (placement reads it).</summary>
    public TimeSpan CapacityReportInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Compute type: auto, f32, bf16 or f16 (a GGUF's Q8_0 matrices stay packed on the CPU either way). auto: the
    /// checkpoint's own type on a GPU or a CPU with AVX-512 BF16, else f32 (see <see cref="DTypeChoice"/>).
    /// </summary>
    public string DType { get; set; } = DTypeChoice.Auto;

    /// <summary><see cref="DType"/> for this checkpoint and device; a name it does not accept is a <see cref="SiloSettingException"/>.</summary>
    public DTypeChoice ResolveDType(IWeightSource source, Device device)
    {
        try { return DTypeChoice.Resolve(DType, source, device); }
        catch (ArgumentException e) { throw new SiloSettingException($"{Section}:{nameof(DType)}", e.Message); }
    }

    /// <summary>
    /// How the KV cache holds keys and values: f32, bf16, f16 or q8_0; null: bf16 (f16 for F16 compute). BF16 and F16 hold twice the
    /// tokens of F32 in the same bytes, Q8_0 (CPU only) nearly four times.
    /// </summary>
    public string? KvDType { get; set; }

    /// <summary><see cref="KvDType"/> parsed (null: <see cref="KvFormat.DefaultFor"/>); a name it does not accept is a <see cref="SiloSettingException"/>.</summary>
    public KvFormat? ResolvedKvFormat
    {
        get
        {
            if (KvDType is null) return null;
            try { return KvFormat.Parse(KvDType); }
            catch (ArgumentException e) { throw new SiloSettingException($"{Section}:{nameof(KvDType)}", e.Message); }
        }
    }

    /// <summary>Torch device: cpu, cuda or cuda:N.</summary>
    public string Device { get; set; } = "cpu";

    /// <summary>Positions one sequence may hold; null: the model's (under YaRN factor × original). See <see cref="ContextSettings"/>.</summary>
    public int? ContextLength { get; set; }

    /// <summary>yarn, or none to turn the checkpoint's YaRN off; null: the checkpoint's.</summary>
    public string? RopeScaling { get; set; }

    /// <summary>YaRN factor (at least 1): the context becomes factor × the original; null: the checkpoint's.</summary>
    public double? RopeScale { get; set; }

    /// <summary>The checkpoint's original context, checked against it.</summary>
    public int? YarnOrigCtx { get; set; }

    /// <summary>The four settings above, applied over the checkpoint's config when the model loads.</summary>
    public ContextSettings Context => new() { ContextLength = ContextLength, RopeScaling = RopeScaling, RopeScale = RopeScale, YarnOrigCtx = YarnOrigCtx };

    /// <summary>A context setting's configuration key, for messages: SmolLM3:Silo:ContextLength.</summary>
    public static string KeyOf(ContextSetting setting) => $"{Section}:{setting}";

    /// <summary>Id clients use for the model; defaults to the folder or file name.</summary>
    public string? ModelId { get; set; }

    /// <summary>Most tokens one forward pass feeds (decode tokens plus prefill chunks).</summary>
    public int StepTokenBudget { get; set; } = 512;

    /// <summary>Largest prefill piece one sequence gets per step.</summary>
    public int PrefillChunk { get; set; } = Prefill.DefaultChunk;

    /// <summary>Most sequences decoding at once; the rest wait in their tenant's queue.</summary>
    public int MaxActiveSequences { get; set; } = 32;

    /// <summary>Reply length when a request does not say.</summary>
    public int DefaultMaxTokens { get; set; } = SamplingOptions.DefaultMaxTokens;

    /// <summary>
    /// Memory for the model's KV-cache pool as a size with a unit (12GiB, 512MiB, 1.5GiB, 8GB; see <see cref="ByteSize"/>);
    /// null: a quarter of the memory the process may use, at most 4 GiB (a laptop keeps most of its RAM; SmolLM3-3B in
    /// BF16 then holds about 58k tokens). On a GPU set it explicitly: the default looks at host memory. Requests whose
    /// prompt plus max_tokens exceed the whole pool are refused with RESOURCE_EXHAUSTED; with <see cref="ContextLength"/>
    /// set, a pool that cannot hold one such context stops the silo at start-up.
    /// </summary>
    public string? KvCacheSize { get; set; }

    /// <summary>The same in plain bytes (the older key); set at most one of the two.</summary>
    public long? KvCacheBytes { get; set; }

    /// <summary>Positions per KV-cache block (the unit conversations take from and give back to the pool).</summary>
    public int KvBlockTokens { get; set; } = KvBlockPool.DefaultBlockTokens;

    /// <summary>
    /// Whether conversations and requests share the KV blocks of a common start (a system prompt, an earlier request's
    /// messages): its full blocks are computed once, and such turns report them as cached tokens.
    /// </summary>
    public bool KvPrefixSharing { get; set; } = true;

    /// <summary>
    /// This silo's own folder for the KV spill tier: blocks the pool takes back (idle conversations, unused prompt
    /// starts) are written there and read back instead of recomputed, also after a restart on the same volume. Needs
    /// <see cref="KvPrefixSharing"/> (blocks are found by content). Null: no spill. Never share it between silos.
    /// </summary>
    public string? KvSpillFolder { get; set; }

    /// <summary>
    /// Share of the KV pool's blocks held by conversations (running or idle) above which idle conversations move, with
    /// their KV, to another silo serving the model that has more room; null: never.
    /// </summary>
    public double? KvRebalanceHighWater { get; set; } = 0.9;

    /// <summary>Rebalancing stops once the share of held blocks is under this.</summary>
    public double KvRebalanceLowWater { get; set; } = 0.75;

    /// <summary>Disk the spill tier may use, a size with a unit (see <see cref="ByteSize"/>); the least recently used blocks go first.</summary>
    public string KvSpillBytes { get; set; } = "16GiB";

    /// <summary><see cref="KvSpillBytes"/> in bytes; a size it cannot read is a <see cref="SiloSettingException"/>.</summary>
    public long ResolvedKvSpillBytes =>
        ByteSize.TryParse(KvSpillBytes, out var size, out var error) ? size : throw new SiloSettingException($"{Section}:{nameof(KvSpillBytes)}", error);

    /// <summary>The key the KV budget was given under (for messages): KvCacheBytes if that one is set, else KvCacheSize.</summary>
    public string KvCacheSizeKey => $"{Section}:{(KvCacheBytes is not null ? nameof(KvCacheBytes) : nameof(KvCacheSize))}";

    /// <summary>
    /// The KV budget in effect: <see cref="KvCacheSize"/> or <see cref="KvCacheBytes"/>, else <see cref="DefaultKvCacheBytes"/>;
    /// a size it cannot read, a budget under one byte, or both keys set is a <see cref="SiloSettingException"/>.
    /// </summary>
    public long ResolvedKvCacheBytes
    {
        get
        {
            if (KvCacheSize is not null && KvCacheBytes is not null)
                throw new SiloSettingException(KvCacheSizeKey, $"set {Section}:{nameof(KvCacheSize)} or {Section}:{nameof(KvCacheBytes)}, not both");
            if (KvCacheBytes is { } bytes)
                return bytes >= 1 ? bytes : throw new SiloSettingException(KvCacheSizeKey, $"{bytes} is not a positive number of bytes");
            if (KvCacheSize is null) return DefaultKvCacheBytes;
            return ByteSize.TryParse(KvCacheSize, out var size, out var error) ? size : throw new SiloSettingException(KvCacheSizeKey, error);
        }
    }

    /// <summary>The KV budget when none is set: a quarter of the memory the process may use, at most 4 GiB.</summary>
    public static long DefaultKvCacheBytes => Math.Min(4L << 30, GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / 4);

    /// <summary>The model id used when <see cref="ModelId"/> is not set.</summary>
    public string ResolvedModelId =>
        ModelId ?? Path.GetFileNameWithoutExtension(Path.TrimEndingDirectorySeparator(ModelPath));
}
