using Grpc.Health.V1;
using Grpc.Net.Client;
using SmolLM3.Contracts.V1;

namespace SmolLM3.Cluster.Tests.Processes;

/// <summary>A running gateway process and a gRPC channel to it.</summary>
public sealed record GatewayProcess(ServerProcess Process, GrpcChannel Channel)
{
    public Chat.ChatClient Chat => new(Channel);

    /// <summary>Readiness (service "") or, with <paramref name="service"/> = "liveness", liveness.</summary>
    public async Task<HealthCheckResponse.Types.ServingStatus> HealthAsync(string service = "") =>
        (await new Health.HealthClient(Channel).CheckAsync(new HealthCheckRequest { Service = service })).Status;
}
