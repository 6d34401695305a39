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

    /// <summary>The model id used when <see cref="ModelId"/> is not set.</summary>
    public string ResolvedModelId =>
        ModelId ?? Path.GetFileNameWithoutExtension(Path.TrimEndingDirectorySeparator(ModelPath));
}
