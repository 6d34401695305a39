using Grpc.Core;

namespace SmolLM3.Gateway.Security;

/// <summary>The authenticated tenant of a call, set by <see cref="ApiKeyInterceptor"/>.</summary>
public static class TenantContext
{
    const string Key = "smollm3.tenant";

    public static void SetTenant(this ServerCallContext context, string tenant) => context.UserState[Key] = tenant;

    public static string Tenant(this ServerCallContext context) =>
        context.UserState.TryGetValue(Key, out var t) && t is string tenant
            ? tenant
            : throw new RpcException(new Status(StatusCode.Unauthenticated, "no authenticated tenant"));
}
