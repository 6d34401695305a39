namespace SmolLM3.Cluster.Tests.MultiSilo;

/// <summary>One three-silo cluster for the placement tests, started on first use so they can skip without fixtures.</summary>
public sealed class ThreeSiloFixture : IAsyncLifetime
{
    readonly SemaphoreSlim _gate = new(1, 1);
    MultiSiloCluster? _cluster;

    public async Task<MultiSiloCluster> GetAsync()
    {
        Fixtures.Require("tiny-smollm3", "hf");
        await _gate.WaitAsync();
        try { return _cluster ??= await MultiSiloCluster.StartAsync(3); }
        finally { _gate.Release(); }
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_cluster is not null) await _cluster.DisposeAsync();
    }
}
