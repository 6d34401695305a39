namespace SmolLM3.Contracts.Errors;

/// <summary>No such session for the caller's tenant (another tenant's looks the same); the gateway answers NOT_FOUND.</summary>
[GenerateSerializer, Alias("smollm3.SessionNotFoundException")]
public sealed class SessionNotFoundException : Exception
{
    public SessionNotFoundException(string sessionId) : base($"session '{sessionId}' not found") => SessionId = sessionId;

    [Id(0)] public string SessionId { get; }
}
