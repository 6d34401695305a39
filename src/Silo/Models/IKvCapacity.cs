namespace SmolLM3.Silo.Models;

/// <summary>What placement needs to know of this silo's KV-cache pool for its model (reported to the cluster).</summary>
public interface IKvCapacity
{
    /// <summary>Tokens the whole pool can hold.</summary>
    int TotalTokens { get; }

    /// <summary>Tokens a new conversation could get now: free blocks plus those idle conversations would give up.</summary>
    int AvailableTokens { get; }
}
