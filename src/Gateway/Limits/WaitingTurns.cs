namespace SmolLM3.Gateway.Limits;

/// <summary>How many turns of each tenant wait for the cluster to start replying, bounded per tenant.</summary>
sealed class WaitingTurns
{
    readonly Dictionary<string, int> _count = [];
    readonly Lock _lock = new();

    /// <summary>A place in <paramref name="tenant"/>'s queue, or null when <paramref name="limit"/> turns already wait.</summary>
    public Place? TryEnter(string tenant, int limit)
    {
        lock (_lock)
        {
            int n = _count.GetValueOrDefault(tenant);
            if (n >= limit) return null;
            _count[tenant] = n + 1;
        }
        return new Place(this, tenant);
    }

    void Leave(string tenant)
    {
        lock (_lock)
        {
            int n = _count[tenant] - 1;
            if (n == 0) _count.Remove(tenant);
            else _count[tenant] = n;
        }
    }

    /// <summary>One waiting turn; leaving twice counts once.</summary>
    public sealed class Place(WaitingTurns owner, string tenant) : IDisposable
    {
        int _left;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _left, 1) == 0) owner.Leave(tenant);
        }
    }
}
