using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.Extensions.Logging;
using Orleans.Runtime;
using SmolLM3.Contracts.Errors;

namespace SmolLM3.Gateway.Services;

/// <summary>
/// The one place exceptions become status codes, including those a grain threw on its silo:
/// ArgumentException → INVALID_ARGUMENT, KeyNotFoundException → NOT_FOUND, InvalidOperationException →
/// FAILED_PRECONDITION, a prompt over the context → OUT_OF_RANGE, a sequence larger than the KV pool →
/// RESOURCE_EXHAUSTED, no silo for the model, a draining or lost silo → UNAVAILABLE (retryable), cancellation →
/// CANCELLED, anything else → INTERNAL (logged, details withheld).
/// </summary>
public sealed class ExceptionInterceptor(ILogger<ExceptionInterceptor> logger) : Interceptor
{
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        try { return await continuation(request, context); }
        catch (Exception e) when (e is not RpcException) { throw Map(e, context); }
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try { await continuation(request, responseStream, context); }
        catch (Exception e) when (e is not RpcException) { throw Map(e, context); }
    }

    RpcException Map(Exception e, ServerCallContext context)
    {
        var (code, message) = e switch
        {
            ContextLengthExceededException => (StatusCode.OutOfRange, e.Message),
            KvCapacityExceededException => (StatusCode.ResourceExhausted, e.Message),
            ModelUnavailableException or SiloDrainingException => (StatusCode.Unavailable, e.Message),
            SiloUnavailableException or OrleansMessageRejectionException or Orleans.Runtime.Messaging.ConnectionFailedException =>
                (StatusCode.Unavailable, "the silo serving this session went away; retry the call"),
            // A stream's calls are answered at least every half response timeout while its silo lives (heartbeats), so no answer means it died.
            TimeoutException => (StatusCode.Unavailable, "the silo serving this session stopped answering; retry the call"),
            ArgumentException => (StatusCode.InvalidArgument, e.Message),
            KeyNotFoundException => (StatusCode.NotFound, e.Message),
            InvalidOperationException => (StatusCode.FailedPrecondition, e.Message),
            OperationCanceledException => (StatusCode.Cancelled, "the call was cancelled"),
            _ => (StatusCode.Internal, "internal error"),
        };
        if (code == StatusCode.Internal) logger.LogError(e, "Unhandled failure in {Method}", context.Method);
        return new RpcException(new Status(code, message));
    }
}
