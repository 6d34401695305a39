namespace SmolLM3.Engine.Tests;

/// <summary>What /proc/self/smaps says about huge pages, for the tests of the buffers asked onto them.</summary>
static class HugePageMappings
{
    /// <summary>Why huge pages cannot be asked for here, or null where they can (Linux with THP not set to never).</summary>
    public static string? Unavailable()
    {
        const string setting = "/sys/kernel/mm/transparent_hugepage/enabled";
        return OperatingSystem.IsLinux() && File.Exists(setting) && !File.ReadAllText(setting).Contains("[never]")
            ? null : "this kernel gives no transparent huge pages";
    }

    /// <summary>
    /// Whether the mapping that holds <paramref name="address"/> carries <paramref name="flag"/> among its VmFlags: "hg" is
    /// what MADV_HUGEPAGE sets, "nh" what MADV_NOHUGEPAGE sets.
    /// </summary>
    public static bool Has(long address, string flag) => Flags(address).Split(' ').Contains(flag);

    /// <summary>VmFlags of the mapping that holds <paramref name="address"/>.</summary>
    public static string Flags(long address)
    {
        bool inside = false;
        foreach (var line in File.ReadLines("/proc/self/smaps"))
        {
            int dash = line.IndexOf('-'), space = line.IndexOf(' ');
            if (dash > 0 && space > dash
                && long.TryParse(line[..dash], System.Globalization.NumberStyles.HexNumber, null, out long from)
                && long.TryParse(line[(dash + 1)..space], System.Globalization.NumberStyles.HexNumber, null, out long to))
                inside = from <= address && address < to;
            else if (inside && line.StartsWith("VmFlags:", StringComparison.Ordinal)) return line["VmFlags:".Length..].Trim();
        }
        return "";
    }
}
