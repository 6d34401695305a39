namespace SmolLM3.Silo.Migration;

/// <summary>What a conversation's KV cache was built from (token ids and their text), carried by a migrating activation.</summary>
[GenerateSerializer, Immutable, Alias("smollm3.MovedTokens")]
public sealed record MovedTokens([property: Id(0)] int[] Ids, [property: Id(1)] string? Text)
{
    /// <summary>The dehydration key it travels under.</summary>
    public const string Key = "smollm3.kv-tokens";
}
