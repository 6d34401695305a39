using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.Extensions.Logging;
using SmolLM3.Gateway.Errors;

namespace SmolLM3.Gateway.Services;

/// <summary>
/// Turns exceptions, including those a grain threw on its silo, into status codes as <see cref="ApiError.From"/>
/// classifies them; a quota's retry-after goes out as the <c>retry-after</c> trailer. Unexpected failures are
/// logged and answered INTERNAL with only the error id they are logged under.
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

    RpcException Map(Exception e, ServerCallContext context) => ApiError.From(e, logger, context.Method, context.CancellationToken).ToRpcException();
}
