namespace SmolLM3.Contracts.Errors;

/// <summary>
/// A sequence needs more KV-cache memory than the silo's whole pool holds, so it can never be served
/// there; the gateway answers RESOURCE_EXHAUSTED with these numbers.
/// </summary>
[GenerateSerializer, Alias("smollm3.KvCapacityExceededException")]
public sealed class KvCapacityExceededException : Exception
{
    public KvCapacityExceededException(int neededTokens, int poolTokens, long neededBytes, long poolBytes)
        : base($"the sequence needs KV cache for {neededTokens} tokens ({neededBytes} bytes) but the pool holds {poolTokens} tokens ({poolBytes} bytes)")
        => (NeededTokens, PoolTokens, NeededBytes, PoolBytes) = (neededTokens, poolTokens, neededBytes, poolBytes);

    [Id(0)] public int NeededTokens { get; }
    [Id(1)] public int PoolTokens { get; }
    [Id(2)] public long NeededBytes { get; }
    [Id(3)] public long PoolBytes { get; }
}
