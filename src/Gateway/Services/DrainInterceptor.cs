using Grpc.Core;

using SmolLM3.Gateway.Security;

namespace SmolLM3.Gateway.Services;

/// <summary>While the gateway drains, new calls (other than health checks) end at once with UNAVAILABLE; calls already running go on.</summary>
public sealed class DrainInterceptor(GatewayDrain drain) : GateInterceptor
{
    protected override void Admit(ServerCallContext context)
    {
        if (drain.IsDraining && !context.Method.StartsWith("/grpc.health.v1.Health/", StringComparison.Ordinal))
            throw new RpcException(new Status(StatusCode.Unavailable, "the gateway is shutting down; retry the call"));
    }
}
