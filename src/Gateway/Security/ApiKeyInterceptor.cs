using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.Extensions.Options;
using SmolLM3.Gateway.Hosting;

namespace SmolLM3.Gateway.Security;

/// <summary>
/// Resolves the caller's tenant from <c>authorization: Bearer KEY</c> or <c>x-api-key: KEY</c> before any
/// handler runs; an unknown or missing key ends the call with UNAUTHENTICATED. Health checks and
/// reflection are open, as probes and tools carry no key.
/// </summary>
public sealed class ApiKeyInterceptor(IOptionsMonitor<GatewayOptions> options) : Interceptor
{
    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        Authenticate(context);
        return continuation(request, context);
    }

    public override Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Authenticate(context);
        return continuation(request, responseStream, context);
    }

    static readonly string[] OpenServices = ["/grpc.health.v1.Health/", "/grpc.reflection."];

    void Authenticate(ServerCallContext context)
    {
        if (OpenServices.Any(context.Method.StartsWith)) return;
        var key = KeyOf(context.RequestHeaders);
        if (key is null || !options.CurrentValue.ApiKeys.TryGetValue(key, out var tenant) || string.IsNullOrEmpty(tenant))
            throw new RpcException(new Status(StatusCode.Unauthenticated, "a valid API key is required (authorization: Bearer KEY, or x-api-key: KEY)"));
        context.SetTenant(tenant);
    }

    static string? KeyOf(Metadata headers)
    {
        const string bearer = "Bearer ";
        var authorization = headers.GetValue("authorization");
        if (authorization is not null && authorization.StartsWith(bearer, StringComparison.OrdinalIgnoreCase))
            return authorization[bearer.Length..].Trim();
        return headers.GetValue("x-api-key")?.Trim();
    }
}
