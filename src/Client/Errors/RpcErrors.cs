using System.Globalization;
using Grpc.Core;

namespace SmolLM3.Client;

/// <summary>The one place a gRPC failure becomes the client's exception.</summary>
static class RpcErrors
{
    /// <summary>
    /// The exception for <paramref name="e"/>: the caller's own cancellation stays an <see cref="OperationCanceledException"/>;
    /// RESOURCE_EXHAUSTED with a <c>retry-after</c> trailer is a quota, without one a request too large for the cluster.
    /// </summary>
    public static Exception From(RpcException e, CancellationToken ct)
    {
        if (ct.IsCancellationRequested) return new OperationCanceledException("the call was cancelled", e, ct);
        var message = e.Status.Detail is { Length: > 0 } detail ? detail : e.Status.StatusCode.ToString();
        return e.StatusCode switch
        {
            StatusCode.ResourceExhausted when RetryAfter(e) is { } wait => new SmolLMQuotaExceededException(message, wait, e),
            StatusCode.InvalidArgument or StatusCode.OutOfRange or StatusCode.ResourceExhausted => new SmolLMInvalidRequestException(message, e.StatusCode, e),
            StatusCode.NotFound => new SmolLMSessionNotFoundException(message, e),
            StatusCode.FailedPrecondition => new SmolLMSessionBusyException(message, e),
            StatusCode.Unauthenticated or StatusCode.PermissionDenied => new SmolLMAuthenticationException(message, e),
            _ => new SmolLMException(message, e.StatusCode, e),
        };
    }

    /// <summary>The <c>retry-after</c> trailer in seconds, as the gateway sends it with a quota refusal.</summary>
    static TimeSpan? RetryAfter(RpcException e) =>
        e.Trailers.GetValue("retry-after") is { } s && int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            ? TimeSpan.FromSeconds(seconds)
            : null;
}
