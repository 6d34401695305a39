using Grpc.Core;
using Orleans.Runtime;
using SmolLM3.Contracts.Errors;
using SmolLM3.Gateway.Limits;

namespace SmolLM3.Gateway.Errors;

/// <summary>
/// A failure as both APIs report it: the gRPC status code, and the HTTP status with OpenAI's error
/// <c>type</c> and <c>code</c>. <see cref="From"/> is the one place exceptions are classified.
/// </summary>
public sealed record ApiError(StatusCode Grpc, int Http, string Type, string Code, string Message, TimeSpan? RetryAfter = null)
{
    const string InvalidRequest = "invalid_request_error", ServerError = "server_error";

    /// <summary>
    /// The error for <paramref name="e"/>. Only the project's own error types (and Orleans' transport failures,
    /// timeouts and cancellation) say what went wrong; anything else is INTERNAL / 500 with a new error id,
    /// logged here with the exception, whose text the client never sees. <paramref name="call"/> is the client's
    /// call: a cancellation is CANCELLED only when the client cancelled it.
    /// </summary>
    public static ApiError From(Exception e, ILogger logger, string operation, CancellationToken call)
    {
        if (e is OperationCanceledException && !call.IsCancellationRequested)
        {
            // Something in the cluster stopped the call (a silo stopping a turn, a grain deactivated mid-call): the
            // client asked for nothing of the kind and may retry. Logged with its stack, which says what stopped it.
            logger.LogWarning(e, "{Operation} was cancelled by the cluster, not by its client; answered UNAVAILABLE", operation);
            return Interrupted;
        }
        if (Known(e) is { } known) return known;
        var id = ErrorId.New();
        logger.LogError(e, "{Operation} failed unexpectedly (error id {ErrorId})", operation, id);
        return Internal(id);
    }

    /// <summary>A call cancelled on the cluster's side while its client still waited: retryable.</summary>
    static readonly ApiError Interrupted = new(StatusCode.Unavailable, 503, ServerError, "silo_unavailable",
        "the cluster stopped this call before it ended (a silo stopped or moved the session); retry the call");

    /// <summary>
    /// Bad arguments → INVALID_ARGUMENT/400; a prompt over the context → OUT_OF_RANGE/400
    /// (context_length_exceeded, OpenAI's code); a tenant over quota, or a turn that waited out its queue timeout on
    /// its silo → RESOURCE_EXHAUSTED/429 with retry-after;
    /// a sequence larger than the KV pool → RESOURCE_EXHAUSTED/400 (retrying cannot help); an unknown model →
    /// INVALID_ARGUMENT/404 (model_not_found); no silo for the model, a lost silo or a stream's activation gone → UNAVAILABLE/503; no such
    /// session → NOT_FOUND/404; a busy session → FAILED_PRECONDITION/409; a turn that failed midway on its silo →
    /// INTERNAL/500 with the silo's error id; a client that stopped reading its stream → DEADLINE_EXCEEDED/408;
    /// a body over the size bound → RESOURCE_EXHAUSTED/413; cancellation by the client → CANCELLED/499; anything else → null.
    /// </summary>
    static ApiError? Known(Exception e) => e switch
    {
        InvalidRequestException => new(StatusCode.InvalidArgument, 400, InvalidRequest, "invalid_argument", e.Message),
        ContextLengthExceededException => new(StatusCode.OutOfRange, 400, InvalidRequest, "context_length_exceeded", e.Message),
        QuotaExceededException q => RateLimited(q.Message, q.RetryAfter),
        QueueTimeoutException q => RateLimited(q.Message, q.RetryAfter),
        KvCapacityExceededException => new(StatusCode.ResourceExhausted, 400, InvalidRequest, "kv_capacity_exceeded", e.Message),
        ModelNotServedException m => NotServed(m),
        ModelUnavailableException => new(StatusCode.Unavailable, 503, ServerError, "model_unavailable", e.Message),
        SiloDrainingException => new(StatusCode.Unavailable, 503, ServerError, "silo_draining", e.Message),
        ConversationMovedException => new(StatusCode.Unavailable, 503, ServerError, "conversation_moved", e.Message),
        SiloUnavailableException or OrleansMessageRejectionException or Orleans.Runtime.Messaging.ConnectionFailedException =>
            new(StatusCode.Unavailable, 503, ServerError, "silo_unavailable", "the silo serving this session went away; retry the call"),
        // The stream's activation ended mid-turn (deactivated): its next read reached one that never heard of it.
        EnumerationAbortedException => new(StatusCode.Unavailable, 503, ServerError, "silo_unavailable", "the session's activation ended before the reply did; retry the call"),
        // A stream's calls are answered at least every half response timeout while its silo lives (heartbeats), so no answer means it died.
        TimeoutException => new(StatusCode.Unavailable, 503, ServerError, "silo_unavailable", "the silo serving this session stopped answering; retry the call"),
        SessionNotFoundException => new(StatusCode.NotFound, 404, InvalidRequest, "not_found", e.Message),
        SessionBusyException => new(StatusCode.FailedPrecondition, 409, InvalidRequest, "failed_precondition", e.Message),
        TurnFailedException t => Internal(t.ErrorId),
        RequestTooLargeException => new(StatusCode.ResourceExhausted, 413, InvalidRequest, "request_too_large", e.Message),
        StalledReaderException => new(StatusCode.DeadlineExceeded, 408, InvalidRequest, "stalled_reader", e.Message),
        OperationCanceledException => new(StatusCode.Cancelled, 499, InvalidRequest, "cancelled", "the call was cancelled"),
        _ => null,
    };

    static ApiError RateLimited(string message, TimeSpan retryAfter) =>
        new(StatusCode.ResourceExhausted, 429, "rate_limit_error", "rate_limit_exceeded", message, retryAfter);

    /// <summary>An unexpected failure: the client gets the id its details are logged under, nothing more.</summary>
    public static ApiError Internal(string errorId) =>
        new(StatusCode.Internal, 500, ServerError, "internal_error", $"internal error (error id {errorId})");

    /// <summary>A missing or unknown API key.</summary>
    public static readonly ApiError Unauthenticated = new(StatusCode.Unauthenticated, 401, "authentication_error", "invalid_api_key",
        "a valid API key is required (authorization: Bearer KEY, or x-api-key: KEY)");

    /// <summary>A model the gateway does not route to (OpenAI's 404 model_not_found).</summary>
    public static ApiError ModelNotFound(string model) => NotServed(new ModelNotServedException(model));

    static ApiError NotServed(ModelNotServedException e) => new(StatusCode.InvalidArgument, 404, InvalidRequest, "model_not_found", e.Message);

    /// <summary>The gRPC exception for this error; a retry-after travels as a trailer of whole seconds.</summary>
    public RpcException ToRpcException()
    {
        var trailers = new Metadata();
        if (RetryAfterSeconds is { } s) trailers.Add("retry-after", s.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return new RpcException(new Status(Grpc, Message), trailers);
    }

    /// <summary><see cref="RetryAfter"/> in whole seconds, at least 1.</summary>
    public int? RetryAfterSeconds => RetryAfter is { } t ? QuotaExceededException.WholeSeconds(t) : null;
}
