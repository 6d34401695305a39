using Microsoft.Extensions.Configuration;
using SmolLM3.Silo;
using SmolLM3.Silo.Hosting;

namespace SmolLM3.Cluster.Tests.Processes;

/// <summary>The stand-alone silo's configuration: environment keys (SmolLM3__Silo__ModelPath, …) reach the options.</summary>
public sealed class SiloSettingsTests
{
    // A private prefix stands in for the process environment: same "__" → ":" mapping, no global state.
    static SiloSettings FromEnvironment(Dictionary<string, string> variables)
    {
        const string prefix = "SILOSETTINGSTEST_";
        foreach (var (key, value) in variables) Environment.SetEnvironmentVariable(prefix + key, value);
        try { return SiloSettings.Bind(new ConfigurationBuilder().AddEnvironmentVariables(prefix).Build()); }
        finally { foreach (var key in variables.Keys) Environment.SetEnvironmentVariable(prefix + key, null); }
    }

    static SiloSettings FromKeys(params (string Key, string Value)[] keys) =>
        SiloSettings.Bind(new ConfigurationBuilder().AddInMemoryCollection(keys.ToDictionary(k => k.Key, k => (string?)k.Value)).Build());

    [Fact]
    public void EnvironmentVariablesReachEveryOption()
    {
        var s = FromEnvironment(new()
        {
            ["SmolLM3__Silo__ModelPath"] = "HuggingFaceTB/SmolLM3-3B",
            ["SmolLM3__Silo__ModelId"] = "smollm3",
            ["SmolLM3__Silo__DType"] = "bf16",
            ["SmolLM3__Silo__StepTokenBudget"] = "1024",
            ["SmolLM3__Silo__MaxActiveSequences"] = "8",
            ["SmolLM3__Silo__HealthPort"] = "9091",
            ["SmolLM3__Silo__ModelCache"] = "/models",
            ["SmolLM3__Silo__DownloadOnly"] = "true",
            ["SmolLM3__Cluster__Provider"] = "redis",
            ["SmolLM3__Cluster__Redis"] = "redis:6379",
            ["SmolLM3__Cluster__ClusterId"] = "prod",
            ["SmolLM3__Cluster__ServiceId"] = "chat",
            ["SmolLM3__Cluster__SiloPort"] = "11112",
            ["SmolLM3__Cluster__GatewayPort"] = "30001",
            ["SmolLM3__Cluster__Kubernetes"] = "true",
            ["SmolLM3__Storage__Provider"] = "postgres",
            ["SmolLM3__Storage__ConnectionString"] = "Host=db;Database=orleans",
        });

        Assert.Equal(("HuggingFaceTB/SmolLM3-3B", "smollm3", "bf16"), (s.Silo.ModelPath, s.Silo.ModelId, s.Silo.DType));
        Assert.Equal((1024, 8, 9091), (s.Silo.StepTokenBudget, s.Silo.MaxActiveSequences, s.Silo.HealthPort));
        Assert.Equal(("/models", true), (s.Silo.ModelCache, s.Silo.DownloadOnly));
        Assert.Equal(("redis", "redis:6379", "prod", "chat"), (s.Cluster.Provider, s.Cluster.Redis, s.Cluster.ClusterId, s.Cluster.ServiceId));
        Assert.Equal((11112, 30001, true), (s.Cluster.SiloPort, s.Cluster.GatewayPort, s.Cluster.Kubernetes));
        Assert.Equal(("postgres", "Host=db;Database=orleans"), (s.Storage.Provider, s.Storage.ConnectionString));
    }

    [Fact]
    public void DefaultsAreALocalhostClusterWithMemoryStorage()
    {
        var s = FromKeys(("SmolLM3:Silo:ModelPath", "/m"));

        Assert.Equal(("localhost", 11111, 30000, false), (s.Cluster.Provider, s.Cluster.SiloPort, s.Cluster.GatewayPort, s.Cluster.Kubernetes));
        Assert.Equal("memory", s.Storage.Provider);
        Assert.Equal((8081, false, null), (s.Silo.HealthPort, s.Silo.DownloadOnly, s.Silo.ModelCache));
    }

    [Theory]
    [InlineData("SmolLM3:Cluster:Provider", "redis", "SmolLM3:Cluster:Redis")]
    [InlineData("SmolLM3:Cluster:Provider", "consul", "SmolLM3:Cluster:Provider 'consul'")]
    [InlineData("SmolLM3:Storage:Provider", "folder", "SmolLM3:Storage:Folder")]
    [InlineData("SmolLM3:Storage:Provider", "redis", "SmolLM3:Storage:ConnectionString")]
    [InlineData("SmolLM3:Storage:Provider", "s3", "SmolLM3:Storage:Provider 's3'")]
    public void IncompleteSettingsNameTheKeyToFix(string key, string value, string named)
    {
        var e = Assert.Throws<InvalidOperationException>(() => FromKeys((key, value)));
        Assert.Contains(named, e.Message);
    }

    [Theory]
    [InlineData("", "SmolLM3:Silo:ModelPath")]
    [InlineData("/no/such/model", "neither an existing path nor a Hugging Face id")]
    public async Task AModelPathThatIsNeitherAPathNorAHubIdIsRefused(string path, string message)
    {
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => SiloModel.ResolveAsync(new SmolLMSiloOptions { ModelPath = path }, TextWriter.Null));
        Assert.Contains(message, e.Message);
    }

    [SkippableFact]
    public async Task ALocalModelIsServedWhereItIs()
    {
        var model = Fixtures.Require("tiny-smollm3", "hf");
        var options = new SmolLMSiloOptions { ModelPath = model };

        await SiloModel.ResolveAsync(options, TextWriter.Null);

        Assert.Equal((model, null), (options.ModelPath, options.ModelId));
    }
}
