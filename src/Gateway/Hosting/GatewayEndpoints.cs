using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace SmolLM3.Gateway.Hosting;

/// <summary>The gateway's two listeners; once the host has started, their addresses with any port 0 resolved.</summary>
public sealed class GatewayEndpoints
{
    internal ListenOptions? Grpc { get; set; }
    internal ListenOptions? Http { get; set; }

    /// <summary>The gRPC (h2c) endpoint, e.g. <c>http://127.0.0.1:5080</c>.</summary>
    public string GrpcAddress => Address(Grpc);

    /// <summary>The OpenAI-compatible HTTP endpoint, e.g. <c>http://127.0.0.1:8080</c>.</summary>
    public string HttpAddress => Address(Http);

    // Kestrel replaces a listener's endpoint with the bound one when it starts.
    static string Address(ListenOptions? listener) =>
        listener?.IPEndPoint is { Port: > 0 } bound
            ? $"http://{bound}"
            : throw new InvalidOperationException("the gateway is not listening yet (ListenOn, then start the host)");
}
