using Grpc.Core;
using Grpc.Core.Interceptors;

namespace SmolLM3.Cluster.Tests;

/// <summary>
/// Gives every call that sets no deadline one <paramref name="limit"/> from its start, so a call the cluster never
/// answers (or a stream it never ends) fails with DEADLINE_EXCEEDED instead of holding the test run forever.
/// </summary>
sealed class DefaultDeadline(TimeSpan limit) : Interceptor
{
    ClientInterceptorContext<TRequest, TResponse> Bounded<TRequest, TResponse>(ClientInterceptorContext<TRequest, TResponse> context)
        where TRequest : class where TResponse : class =>
        context.Options.Deadline is not null ? context : new(context.Method, context.Host, context.Options.WithDeadline(DateTime.UtcNow + limit));

    public override AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(
        TRequest request, ClientInterceptorContext<TRequest, TResponse> context, AsyncUnaryCallContinuation<TRequest, TResponse> continuation) =>
        continuation(request, Bounded(context));

    public override AsyncServerStreamingCall<TResponse> AsyncServerStreamingCall<TRequest, TResponse>(
        TRequest request, ClientInterceptorContext<TRequest, TResponse> context, AsyncServerStreamingCallContinuation<TRequest, TResponse> continuation) =>
        continuation(request, Bounded(context));

    public override TResponse BlockingUnaryCall<TRequest, TResponse>(
        TRequest request, ClientInterceptorContext<TRequest, TResponse> context, BlockingUnaryCallContinuation<TRequest, TResponse> continuation) =>
        continuation(request, Bounded(context));
}
