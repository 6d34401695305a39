namespace SmolLM3.Silo.Scheduling;

/// <summary>Waiting sequences, one FIFO per tenant, dequeued round-robin so no tenant starves another.</summary>
sealed class TenantQueues
{
    readonly Dictionary<string, LinkedList<Sequence>> _byTenant = [];
    readonly LinkedList<string> _turns = new();

    public int Count { get; private set; }

    public void Enqueue(Sequence s)
    {
        if (!_byTenant.TryGetValue(s.Tenant, out var q))
        {
            _byTenant[s.Tenant] = q = new LinkedList<Sequence>();
            _turns.AddLast(s.Tenant);
        }
        q.AddLast(s);
        Count++;
    }

    /// <summary>Puts <paramref name="s"/> back first in line (and its tenant next), e.g. when it could not get KV blocks.</summary>
    public void PushFront(Sequence s)
    {
        if (_byTenant.TryGetValue(s.Tenant, out var q)) _turns.Remove(s.Tenant);
        else _byTenant[s.Tenant] = q = new LinkedList<Sequence>();
        _turns.AddFirst(s.Tenant);
        q.AddFirst(s);
        Count++;
    }

    /// <summary>Every waiting sequence, in no particular order.</summary>
    public IEnumerable<Sequence> All => _byTenant.Values.SelectMany(q => q);

    /// <summary>The next tenant's oldest sequence; the tenant then goes to the back of the line.</summary>
    public bool TryDequeue(out Sequence s)
    {
        s = null!;
        if (_turns.First is not { Value: var tenant }) return false;
        _turns.RemoveFirst();
        var q = _byTenant[tenant];
        s = q.First!.Value;
        q.RemoveFirst();
        Count--;
        if (q.Count > 0) _turns.AddLast(tenant);
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
