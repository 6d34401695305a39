namespace SmolLM3.Silo.Scheduling;

/// <summary>
/// Waiting sequences, one FIFO per tenant, dequeued by weighted round-robin: in its turn a tenant takes up to its
/// <see cref="Sequence.Weight"/> sequences in a row, then goes to the back of the line, so no tenant starves another.
/// Sequences put back (<see cref="PushFront"/>) come before every tenant's turn and move no tenant's place in line.
/// </summary>
sealed class TenantQueues
{
    readonly LinkedList<Sequence> _putBack = new();
    readonly Dictionary<string, LinkedList<Sequence>> _byTenant = [];
    readonly LinkedList<string> _turns = new();
    int _taken;   // sequences the first tenant in line has taken in its current turn

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

    /// <summary>
    /// Puts <paramref name="s"/> (preempted, to recompute) first in line. Its tenant keeps its place: a resuming
    /// sequence does not let its tenant overtake others with new work.
    /// </summary>
    public void PushFront(Sequence s)
    {
        _putBack.AddFirst(s);
        Count++;
    }

    /// <summary>Every waiting sequence, in no particular order.</summary>
    public IEnumerable<Sequence> All => _putBack.Concat(_byTenant.Values.SelectMany(q => q));

    /// <summary>The next sequence: the first one put back, else the first tenant's oldest; it stays in line.</summary>
    public bool TryPeek(out Sequence s)
    {
        s = (_putBack.First ?? (_turns.First is { Value: var tenant } ? _byTenant[tenant].First : null))?.Value!;
        return s is not null;
    }

    /// <summary>Takes the next sequence; a tenant goes to the back of the line once its turn has taken its weight.</summary>
    public bool TryDequeue(out Sequence s)
    {
        if (!TryPeek(out s)) return false;
        Count--;
        if (_putBack.Count > 0)
        {
            _putBack.RemoveFirst();
            return true;
        }
        var tenant = _turns.First!.Value;
        var q = _byTenant[tenant];
        q.RemoveFirst();
        if (q.Count == 0) Leave(tenant);
        else if (++_taken >= s.Weight)
        {
            _turns.RemoveFirst();
            _turns.AddLast(tenant);
            _taken = 0;
        }
        return true;
    }

    /// <summary>Removes and returns the sequences matching <paramref name="drop"/>; the others keep their places and the line its turn.</summary>
    public List<Sequence> RemoveWhere(Func<Sequence, bool> drop)
    {
        var removed = Remove(_putBack, drop);
        foreach (var tenant in _turns.ToList())
        {
            var q = _byTenant[tenant];
            removed.AddRange(Remove(q, drop));
            if (q.Count == 0) Leave(tenant);
        }
        Count -= removed.Count;
        return removed;
    }

    static List<Sequence> Remove(LinkedList<Sequence> queue, Func<Sequence, bool> drop)
    {
        var removed = new List<Sequence>();
        for (var node = queue.First; node is not null;)
        {
            var next = node.Next;
            if (drop(node.Value))
            {
                queue.Remove(node);
                removed.Add(node.Value);
            }
            node = next;
        }
        return removed;
    }

    /// <summary>A tenant with nothing left waiting leaves the line (ending its turn if it was first).</summary>
    void Leave(string tenant)
    {
        if (_turns.First?.Value == tenant) _taken = 0;
        _turns.Remove(tenant);
        _byTenant.Remove(tenant);
    }
}
