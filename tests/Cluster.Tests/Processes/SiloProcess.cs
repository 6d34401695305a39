using Grpc.Health.V1;
using Grpc.Net.Client;

namespace SmolLM3.Cluster.Tests.Processes;

/// <summary>A running silo process: its silo-to-silo port (part of its Orleans address) and its gRPC health service.</summary>
public sealed record SiloProcess(ServerProcess Process, int SiloPort, GrpcChannel HealthChannel)
{
    /// <summary>True when <paramref name="silo"/> (Started.silo: the silo's Orleans identity) names this process.</summary>
    public bool Served(string silo) => silo.Contains($":{SiloPort}:", StringComparison.Ordinal);

    public async Task<HealthCheckResponse.Types.ServingStatus> HealthAsync(string service = "") =>
        (await new Health.HealthClient(HealthChannel).CheckAsync(new HealthCheckRequest { Service = service })).Status;
}
