namespace SmolLM3.Silo.Placement;

/// <summary>The cluster's table of silo capacity reports; one activation (key 0), filled by every silo.</summary>
[Alias("smollm3.ICapacityRegistryGrain")]
public interface ICapacityRegistryGrain : IGrainWithIntegerKey
{
    /// <summary>Records this silo's report and returns every active silo's latest one.</summary>
    ValueTask<SiloCapacity[]> ReportAsync(SiloCapacity report);
}
