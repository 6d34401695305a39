using SmolLM3.Contracts.Errors;

namespace SmolLM3.Contracts.Conversations;

/// <summary>Builds and splits conversation grain keys: "tenant/session".</summary>
public static class ConversationKey
{
    /// <summary>The grain key of <paramref name="sessionId"/> within <paramref name="tenant"/>.</summary>
    public static string For(string tenant, string sessionId)
    {
        // A '/' in either part would let one tenant forge another's key.
        if (tenant.Contains('/') || sessionId.Contains('/'))
            throw new InvalidRequestException("tenant and session ids must not contain '/'");
        return $"{tenant}/{sessionId}";
    }
}
