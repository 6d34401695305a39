using SmolLM3.Engine.Loading;

namespace SmolLM3.Engine.Model;

/// <summary>
/// Whether a KV pool of some budget holds one whole context: checked at start-up when the context length was set
/// explicitly (otherwise a turn larger than the pool is refused when it comes).
/// </summary>
public static class KvPoolContextFit
{
    /// <summary>
    /// Null when <paramref name="poolBytes"/> holds the blocks of <paramref name="config"/>'s full context in
    /// <paramref name="format"/>; else why not, with the numbers, naming the size and context settings.
    /// </summary>
    public static string? Shortfall(ModelConfig config, KvFormat format, long poolBytes, int blockTokens, string sizeName, string contextName)
    {
        long perToken = config.KvBytesPerToken(format);
        long needed = (config.ContextLength + blockTokens - 1L) / blockTokens * blockTokens * perToken;   // whole blocks, as the pool holds them
        if (poolBytes >= needed) return null;
        return $"a KV pool of {ByteSize.Format(poolBytes)} ({poolBytes} bytes) cannot hold one context of {config.ContextLength} tokens ({contextName}): "
            + $"at {perToken} bytes per token of {format} it needs {ByteSize.Format(needed)} ({needed} bytes); raise {sizeName} or lower {contextName}";
    }
}
