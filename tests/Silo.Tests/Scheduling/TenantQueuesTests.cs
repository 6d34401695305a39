using SmolLM3.Silo.Scheduling;

namespace SmolLM3.Silo.Tests.Scheduling;

public sealed class TenantQueuesTests
{
    static readonly FakeKvPool Pool = new(blocks: 1, blockTokens: 1);

    static Sequence Of(string tenant, int weight = 1) => new(tenant, Pool.NewCache(16), [1], [1], maxTokens: 1, new HashSet<int>()) { Weight = weight };

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
    public void A_tenant_of_weight_w_takes_up_to_w_in_a_row_in_its_turn()
    {
        var queues = new TenantQueues();
        foreach (var t in new[] { "a", "a", "a", "a", "a" }) queues.Enqueue(Of(t, weight: 3));
        foreach (var t in new[] { "b", "b", "b" }) queues.Enqueue(Of(t));
        Assert.Equal(["a", "a", "a", "b", "a", "a", "b", "b"], Drain(queues));
    }

    [Fact]
    public void A_sequence_put_back_comes_first_and_its_tenant_keeps_its_place_in_line()
    {
        var queues = new TenantQueues();
        foreach (var t in new[] { "a", "a", "b", "b" }) queues.Enqueue(Of(t));
        Assert.True(queues.TryDequeue(out var preempted));   // a's first; b's turn is next

        queues.PushFront(preempted);

        Assert.True(queues.TryPeek(out var next));
        Assert.Same(preempted, next);
        Assert.Equal(["a", "b", "a", "b"], Drain(queues));
    }

    [Fact]
    public void RemoveWhere_keeps_the_turn_of_the_tenant_in_the_middle_of_it()
    {
        var queues = new TenantQueues();
        foreach (var t in new[] { "a", "a", "a" }) queues.Enqueue(Of(t, weight: 2));
        foreach (var t in new[] { "b", "c" }) queues.Enqueue(Of(t));
        Assert.True(queues.TryDequeue(out _));   // a has one more in this turn

        Assert.Equal("c", Assert.Single(queues.RemoveWhere(s => s.Tenant == "c")).Tenant);

        Assert.Equal(["a", "b", "a"], Drain(queues));
    }

    [Fact]
    public void A_weight_below_one_is_refused()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => Of("a", weight: 0));
        Assert.Contains("weight must be at least 1; got 0", e.Message);
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
