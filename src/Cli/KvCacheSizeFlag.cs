using System.CommandLine;
using SmolLM3.Engine.Loading;
using SmolLM3.Engine.Model;
using SmolLM3.Silo;

namespace SmolLM3.Cli;

/// <summary>
/// <c>--kv-cache-size SIZE</c> (alias <c>--kv-cache-bytes</c>): the KV pool's memory as <see cref="ByteSize"/> reads it,
/// and the start-up check that an explicit <c>--context-length</c> fits in it.
/// </summary>
sealed class KvCacheSizeFlag
{
    const string Name = "--kv-cache-size";

    public Option<string?> Option { get; } = new(Name, "--kv-cache-bytes")
    {
        Description = "Memory for the KV-cache pool: bytes, or a size such as 512MiB, 12GiB, 1.5GiB, 8GB (KiB/MiB/GiB/TiB are powers of 1024, "
            + "KB/MB/GB/TB of 1000; default: a quarter of the memory the process may use, at most 4 GiB); a long context needs it set",
    };

    public KvCacheSizeFlag() => Option.Validators.Add(r =>
    {
        if (r.GetValueOrDefault<string?>() is { } text && !ByteSize.TryParse(text, out _, out var error)) r.AddError($"{Name} {error}");
    });

    /// <summary>The size given, in bytes; null: the silo's default.</summary>
    public long? Read(ParseResult parsed) => parsed.GetValue(Option) is { } text ? ByteSize.Parse(text, Name) : null;

    /// <summary>With <c>--context-length</c> given, refuses a pool (the size given or the default) that cannot hold one context.</summary>
    /// <exception cref="CliUsageException">It cannot, with the numbers.</exception>
    public static void CheckHoldsContext(ModelRequest request, long? bytes, int blockTokens = KvBlockPool.DefaultBlockTokens)
    {
        if (request.Context.ContextLength is null) return;
        ModelConfig config;
        using (var source = request.Open()) config = source.Config;
        var why = KvPoolContextFit.Shortfall(config, request.KvFormatInUse, bytes ?? SmolLMSiloOptions.DefaultKvCacheBytes, blockTokens,
            Name, ContextFlags.NameOf(ContextSetting.ContextLength));
        if (why is not null) throw new CliUsageException(why);
    }
}
