using Grpc.Core;
using Grpc.Core.Interceptors;
using SmolLM3.Gateway.Hosting;

namespace SmolLM3.Gateway.Services;

/// <summary>While the gateway drains, new calls (other than health checks) end at once with UNAVAILABLE; calls already running go on.</summary>
public sealed class DrainInterceptor(GatewayDrain drain) : Interceptor
{
    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        Admit(context);
        return continuation(request, context);
    }

    public override Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Admit(context);
        return continuation(request, responseStream, context);
    }

    void Admit(ServerCallContext context)
    {
        if (drain.IsDraining && !context.Method.StartsWith("/grpc.health.v1.Health/", StringComparison.Ordinal))
            throw new RpcException(new Status(StatusCode.Unavailable, "the gateway is shutting down; retry the call"));
    }
}
