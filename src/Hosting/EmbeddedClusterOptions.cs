using SmolLM3.Contracts.Hosting;
using SmolLM3.Engine.Loading;
using SmolLM3.Engine.Model;
using SmolLM3.Gateway;
using SmolLM3.Gateway.Hosting;
using Microsoft.Extensions.DependencyInjection;
using SmolLM3.Silo;

namespace SmolLM3.Hosting;

/// <summary>Settings of a one-process cluster: a localhost silo and the gateway in one host.</summary>
public sealed record EmbeddedClusterOptions(string ModelPath)
{
    /// <summary>Port of the gRPC (h2c) endpoint on 127.0.0.1; 0 picks a free one.</summary>
    public int GrpcPort { get; init; } = GatewayOptions.DefaultGrpcPort;

    /// <summary>Port of the OpenAI-compatible HTTP endpoint on 127.0.0.1; 0 picks a free one.</summary>
    public int HttpPort { get; init; } = GatewayOptions.DefaultHttpPort;

    /// <summary>API keys and the tenant each one authenticates as.</summary>
    public IReadOnlyDictionary<string, string> ApiKeys { get; init; } = new Dictionary<string, string>();

    /// <summary>Further configuration, e.g. <c>SmolLM3:Tenants:NAME:RequestsPerMinute</c> or <c>SmolLM3:ApiKeysFile</c>.</summary>
    public IReadOnlyDictionary<string, string?> Configuration { get; init; } = new Dictionary<string, string?>();

    /// <summary>Compute type (auto, f32, bf16, f16; see <see cref="DTypeChoice"/>) and torch device (cpu, cuda:N) of the model.</summary>
    public string DType { get; init; } = DTypeChoice.Auto;
    public string Device { get; init; } = "cpu";

    /// <summary>How the KV cache holds keys and values (f32, bf16, f16, q8_0); null: bf16 (f16 for F16 compute), KvFormat.DefaultFor.</summary>
    public string? KvDType { get; init; }

    /// <summary>Context length and rope scaling over the checkpoint's (empty: the checkpoint's).</summary>
    public ContextSettings Context { get; init; } = new();

    /// <summary>KV-cache pool budget in bytes (null: the silo's default) and positions per block.</summary>
    public long? KvCacheBytes { get; init; }
    public int KvBlockTokens { get; init; } = KvBlockPool.DefaultBlockTokens;

    /// <summary>Where conversations are stored (they survive restarts); null keeps them in memory.</summary>
    public string? DataFolder { get; init; }

    /// <summary>Further silo settings (scheduler limits, KV budget), applied after the ones above.</summary>
    public Action<SmolLMSiloOptions>? ConfigureSilo { get; init; }

    /// <summary>
    /// Runs on the host's services after the silo and the gateway have registered theirs, so it can replace or
    /// decorate any of them (a test's scripted model, say). Null changes nothing.
    /// </summary>
    public Action<IServiceCollection>? ConfigureServices { get; init; }

    /// <summary>
    /// Orleans silo-to-silo and client gateway ports (localhost clustering); 0, the default, picks free ones, so two
    /// one-process clusters on a machine do not collide (nothing outside the process connects to them).
    /// </summary>
    public int SiloPort { get; init; }
    public int OrleansGatewayPort { get; init; }
}
