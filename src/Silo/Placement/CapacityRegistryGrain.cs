namespace SmolLM3.Silo.Placement;

/// <summary>
/// Keeps the latest report per silo in memory only: if its silo goes down, the reactivated registry is full
/// again after one report interval. Reports of silos that left the cluster are dropped.
/// </summary>
public sealed class CapacityRegistryGrain(IClusterMembershipService membership) : Grain, ICapacityRegistryGrain
{
    readonly Dictionary<SiloAddress, SiloCapacity> _reports = [];

    public ValueTask<SiloCapacity[]> ReportAsync(SiloCapacity report)
    {
        _reports[report.Silo] = report;
        var members = membership.CurrentSnapshot.Members;
        foreach (var silo in _reports.Keys.ToList())
            if (!members.TryGetValue(silo, out var member) || member.Status != SiloStatus.Active) _reports.Remove(silo);
        return ValueTask.FromResult(_reports.Values.ToArray());
    }
}
