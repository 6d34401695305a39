using Grpc.Core;
using SmolLM3.Gateway.Errors;


namespace SmolLM3.Gateway.Security;

/// <summary>
/// Resolves the caller's tenant from <c>authorization: Bearer KEY</c> or <c>x-api-key: KEY</c> before any
/// handler runs; an unknown or missing key ends the call with UNAUTHENTICATED. Health checks and
/// reflection are open, as probes and tools carry no key.
/// </summary>
public sealed class ApiKeyInterceptor(ApiKeyDirectory keys) : GateInterceptor
{
    static readonly string[] OpenServices = ["/grpc.health.v1.Health/", "/grpc.reflection."];

    protected override void Admit(ServerCallContext context)
    {
        if (OpenServices.Any(context.Method.StartsWith)) return;
        var key = ApiKeyDirectory.KeyOf(context.RequestHeaders.GetValue("authorization"), context.RequestHeaders.GetValue("x-api-key"));
        var tenant = keys.TenantOf(key)
            ?? throw ApiError.Unauthenticated.ToRpcException();
        context.SetTenant(tenant);
    }
}
