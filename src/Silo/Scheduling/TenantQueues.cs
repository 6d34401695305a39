namespace SmolLM3.Silo.Scheduling;

/// <summary>Waiting sequences, one FIFO per tenant, dequeued round-robin so no tenant starves another.</summary>
sealed class TenantQueues
{
    readonly Dictionary<string, Queue<Sequence>> _byTenant = [];
    readonly Queue<string> _turns = new();

    public int Count { get; private set; }

    public void Enqueue(Sequence s)
    {
        if (!_byTenant.TryGetValue(s.Request.Tenant, out var q))
        {
            _byTenant[s.Request.Tenant] = q = new Queue<Sequence>();
            _turns.Enqueue(s.Request.Tenant);
        }
        q.Enqueue(s);
        Count++;
    }

    /// <summary>The next tenant's oldest sequence; the tenant then goes to the back of the line.</summary>
    public bool TryDequeue(out Sequence s)
    {
        s = null!;
        if (!_turns.TryDequeue(out var tenant)) return false;
        var q = _byTenant[tenant];
        s = q.Dequeue();
        Count--;
        if (q.Count > 0) _turns.Enqueue(tenant);
        else _byTenant.Remove(tenant);
        return true;
    }

    /// <summary>Removes and returns the sequences matching <paramref name="drop"/>; the others keep their order.</summary>
    public List<Sequence> RemoveWhere(Func<Sequence, bool> drop)
    {
        var all = new List<Sequence>();
        while (TryDequeue(out var s)) all.Add(s);
        var removed = new List<Sequence>();
        foreach (var s in all)
        {
            if (drop(s)) removed.Add(s);
            else Enqueue(s);
        }
        return removed;
    }
}
