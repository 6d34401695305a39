using SmolLM3.Gateway.Errors;
using SmolLM3.Gateway.Security;

namespace SmolLM3.Gateway.OpenAi;

/// <summary>
/// Authenticates OpenAI requests with the same keys and tenants as gRPC (<c>Authorization: Bearer KEY</c>,
/// or <c>x-api-key</c>); without a valid key the answer is 401 in OpenAI's error shape.
/// </summary>
public sealed class OpenAiAuth(ApiKeyDirectory keys) : IEndpointFilter
{
    const string TenantItem = "smollm3.tenant";

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var key = ApiKeyDirectory.KeyOf(http.Request.Headers.Authorization, http.Request.Headers["x-api-key"]);
        if (keys.TenantOf(key) is not { } tenant)
        {
            await OpenAiErrors.WriteAsync(http, ApiError.Unauthenticated);
            return Results.Empty;
        }
        http.Items[TenantItem] = tenant;
        return await next(context);
    }

    /// <summary>The tenant this filter authenticated.</summary>
    public static string TenantOf(HttpContext http) =>
        http.Items[TenantItem] as string ?? throw new InvalidOperationException("the endpoint is not behind OpenAiAuth");
}
