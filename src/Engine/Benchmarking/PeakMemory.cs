namespace SmolLM3.Engine.Benchmarking;

/// <summary>Process peak resident set size (Linux VmHWM), resettable so each benchmark gets its own peak.</summary>
public static class PeakMemory
{
    /// <summary>Resets the kernel's high-water mark to the current RSS (no-op where unsupported).</summary>
    public static void Reset()
    {
        try { File.WriteAllText("/proc/self/clear_refs", "5"); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    /// <summary>Peak RSS in bytes since start or the last <see cref="Reset"/>; falls back to .NET's peak working set.</summary>
    public static long Bytes() => Status("VmHWM:") ?? Environment.WorkingSet;

    /// <summary>RSS in bytes now; falls back to .NET's working set.</summary>
    public static long CurrentBytes() => Status("VmRSS:") ?? Environment.WorkingSet;

    static long? Status(string key)
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/self/status"))
                if (line.StartsWith(key, StringComparison.Ordinal))
                    return long.Parse(line.AsSpan(key.Length).Trim().TrimEnd("kB").Trim()) * 1024;
        }
        catch (IOException) { }
        return null;
    }
}
