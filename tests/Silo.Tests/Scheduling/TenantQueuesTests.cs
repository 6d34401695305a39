using SmolLM3.Silo.Scheduling;

namespace SmolLM3.Silo.Tests.Scheduling;

public sealed class TenantQueuesTests
{
    static readonly FakeKvPool Pool = new(blocks: 1, blockTokens: 1);

    static Sequence Of(string tenant) => new(tenant, Pool.NewCache(16), [1], [1], maxTokens: 1, new HashSet<int>());

    static List<string> Drain(TenantQueues queues)
    {
        var order = new List<string>();
        while (queues.TryDequeue(out var s)) order.Add(s.Tenant);
        return order;
    }

    [Fact]
    public void Admission_alternates_between_tenants_whatever_the_arrival_order()
    {
        var queues = new TenantQueues();
        foreach (var t in new[] { "a", "a", "a", "a", "b", "c", "b" }) queues.Enqueue(Of(t));
        Assert.Equal(["a", "b", "c", "a", "b", "a", "a"], Drain(queues));
        Assert.Equal(0, queues.Count);
    }

    [Fact]
    public void RemoveWhere_takes_out_matches_and_keeps_the_rest_in_turn()
    {
        var queues = new TenantQueues();
        foreach (var t in new[] { "a", "b", "a", "b" }) queues.Enqueue(Of(t));
        var removed = queues.RemoveWhere(s => s.Tenant == "b");
        Assert.Equal(2, removed.Count);
        Assert.Equal(["a", "a"], Drain(queues));
    }
}
