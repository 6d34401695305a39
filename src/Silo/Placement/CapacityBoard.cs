namespace SmolLM3.Silo.Placement;

/// <summary>
/// This silo's copy of the cluster's capacity reports (refreshed by <see cref="CapacityReporter"/>), so
/// placement decides without a remote call. Picks the silo with the most available tokens; among equals
/// (idle identical silos) the one this silo has sent the fewest conversations since the figures last
/// changed, itself first, so new conversations spread instead of piling onto one silo between reports. A draining
/// silo is never chosen, even when every other one is full.
/// </summary>
public sealed class CapacityBoard
{
    IReadOnlyList<SiloCapacity> _reports = [];
    readonly Dictionary<SiloAddress, int> _placed = [];

    public IReadOnlyList<SiloCapacity> Reports => Volatile.Read(ref _reports);

    public void Update(IReadOnlyList<SiloCapacity> reports)
    {
        var previous = Interlocked.Exchange(ref _reports, reports);
        if (previous.ToHashSet().SetEquals(reports)) return;
        lock (_placed) _placed.Clear();   // new figures already count the placements made so far
    }

    /// <summary>The best of <paramref name="candidates"/> serving <paramref name="model"/>; null when none does.</summary>
    public SiloAddress? Choose(string model, IReadOnlyCollection<SiloAddress> candidates, SiloAddress local)
    {
        var serving = Reports.Where(r => r.Model == model && !r.Draining && candidates.Contains(r.Silo)).ToList();
        if (serving.Count == 0) return null;
        int most = serving.Max(r => r.AvailableTokens);
        lock (_placed)
        {
            var pick = serving.Where(r => r.AvailableTokens == most).Select(r => r.Silo)
                .OrderBy(s => _placed.GetValueOrDefault(s))
                .ThenBy(s => s.Equals(local) ? 0 : 1)
                .ThenBy(s => s.ToParsableString(), StringComparer.Ordinal)
                .First();
            _placed[pick] = _placed.GetValueOrDefault(pick) + 1;
            return pick;
        }
    }

    /// <summary>
    /// For a request whose start has the key <paramref name="prefix"/>: among the silos serving <paramref name="model"/>
    /// that have at least half the most room any has, the one the key ranks highest (rendezvous hashing), so requests
    /// that start alike land where their common start's KV already is, and a full silo is passed over. Null when none serves it.
    /// </summary>
    public SiloAddress? ChooseByPrefix(string model, IReadOnlyCollection<SiloAddress> candidates, string prefix)
    {
        var serving = Reports.Where(r => r.Model == model && !r.Draining && candidates.Contains(r.Silo)).ToList();
        if (serving.Count == 0) return null;
        int most = serving.Max(r => r.AvailableTokens);
        return serving.Where(r => r.AvailableTokens * 2 >= most).MaxBy(r => Rank(prefix, r.Silo))!.Silo;
    }

    static ulong Rank(string prefix, SiloAddress silo) => System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(
        System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes($"{prefix}|{silo.ToParsableString()}")));

    /// <summary>Models some candidate silo serves, for error messages.</summary>
    public IEnumerable<string> Models(IReadOnlyCollection<SiloAddress> candidates) =>
        Reports.Where(r => candidates.Contains(r.Silo)).Select(r => r.Model).Distinct();
}
