using Grpc.Core;
using Grpc.Core.Interceptors;

namespace SmolLM3.Gateway.Security;

/// <summary>
/// An interceptor that only decides whether a call may start (authentication, draining), the same way for
/// unary and server-streaming calls; a call it lets through runs unchanged.
/// </summary>
public abstract class GateInterceptor : Interceptor
{
    /// <summary>Throws an <see cref="RpcException"/> to refuse the call; may attach state to it (the tenant).</summary>
    protected abstract void Admit(ServerCallContext context);

    public sealed override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        Admit(context);
        return continuation(request, context);
    }

    public sealed override Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Admit(context);
        return continuation(request, responseStream, context);
    }
}
