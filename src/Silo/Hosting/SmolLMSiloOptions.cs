namespace SmolLM3.Silo.Hosting;

/// <summary>What a silo serves and how its scheduler batches.</summary>
public sealed class SmolLMSiloOptions
{
    /// <summary>Hugging Face model folder (or .gguf file) to load.</summary>
    public string ModelPath { get; set; } = "";

    /// <summary>Compute type: f32, bf16 or f16 (a GGUF's Q8_0 matrices stay packed on the CPU either way).</summary>
    public string DType { get; set; } = "f32";

    /// <summary>Torch device: cpu, cuda or cuda:N.</summary>
    public string Device { get; set; } = "cpu";

    /// <summary>Folder for conversation state (one file per conversation); null keeps it in memory only.</summary>
    public string? DataFolder { get; set; }

    /// <summary>Id clients use for the model; defaults to the folder or file name.</summary>
    public string? ModelId { get; set; }

    /// <summary>Most tokens one forward pass feeds (decode tokens plus prefill chunks).</summary>
    public int StepTokenBudget { get; set; } = 512;

    /// <summary>Largest prefill piece one sequence gets per step.</summary>
    public int PrefillChunk { get; set; } = 256;

    /// <summary>Most sequences decoding at once; the rest wait in their tenant's queue.</summary>
    public int MaxActiveSequences { get; set; } = 32;

    /// <summary>Reply length when a request does not say.</summary>
    public int DefaultMaxTokens { get; set; } = 512;

    /// <summary>
    /// Memory for the model's KV-cache pool, in bytes; null: a quarter of the memory the process may use,
    /// at most 4 GiB (a laptop keeps most of its RAM; SmolLM3-3B in BF16 then holds about 58k tokens).
    /// On a GPU set it explicitly: the default looks at host memory. Requests whose prompt plus max_tokens
    /// exceed the whole pool are refused with RESOURCE_EXHAUSTED.
    /// </summary>
    public long? KvCacheBytes { get; set; }

    /// <summary>Positions per KV-cache block (the unit conversations take from and give back to the pool).</summary>
    public int KvBlockTokens { get; set; } = 16;

    /// <summary>The KV budget in effect: <see cref="KvCacheBytes"/> or its default.</summary>
    public long ResolvedKvCacheBytes => KvCacheBytes ?? Math.Min(4L << 30, GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / 4);

    /// <summary>The model id used when <see cref="ModelId"/> is not set.</summary>
    public string ResolvedModelId =>
        ModelId ?? Path.GetFileNameWithoutExtension(Path.TrimEndingDirectorySeparator(ModelPath));
}
