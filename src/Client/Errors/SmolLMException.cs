using Grpc.Core;

namespace SmolLM3.Client;

/// <summary>
/// The cluster refused or failed a call. <see cref="Status"/> is the gRPC status it answered; the subclasses name
/// the cases a caller handles differently (retry later, fix the request, start a new session).
/// </summary>
public class SmolLMException(string message, StatusCode status, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>The gRPC status code the cluster answered with.</summary>
    public StatusCode Status { get; } = status;

    /// <summary>Whether the same call may succeed if made again later (the cluster was overloaded or a silo went away).</summary>
    public virtual bool IsTransient => Status is StatusCode.Unavailable or StatusCode.ResourceExhausted;
}

/// <summary>The request itself is wrong (bad arguments, a prompt over the context, an unknown model); retrying it cannot help.</summary>
public sealed class SmolLMInvalidRequestException(string message, StatusCode status, Exception? inner = null) : SmolLMException(message, status, inner)
{
    public override bool IsTransient => false;
}

/// <summary>The tenant is over a limit (requests, tokens or streams); try again after <see cref="RetryAfter"/>.</summary>
public sealed class SmolLMQuotaExceededException(string message, TimeSpan retryAfter, Exception? inner = null)
    : SmolLMException(message, StatusCode.ResourceExhausted, inner)
{
    /// <summary>How long the cluster asked the caller to wait before trying again.</summary>
    public TimeSpan RetryAfter { get; } = retryAfter;
}

/// <summary>No such session for this API key's tenant (never created, deleted, or another tenant's).</summary>
public sealed class SmolLMSessionNotFoundException(string message, Exception? inner = null) : SmolLMException(message, StatusCode.NotFound, inner);

/// <summary>The session is still answering an earlier turn; a session takes one turn at a time.</summary>
public sealed class SmolLMSessionBusyException(string message, Exception? inner = null) : SmolLMException(message, StatusCode.FailedPrecondition, inner);

/// <summary>The API key is missing or unknown.</summary>
public sealed class SmolLMAuthenticationException(string message, Exception? inner = null) : SmolLMException(message, StatusCode.Unauthenticated, inner);
