namespace SmolLM3.Engine.Hub;

/// <summary>Download progress as text lines: one per file as it completes, plus one every 10% for large files.</summary>
public sealed class LineProgress(TextWriter output) : IProgress<DownloadProgress>
{
    readonly Dictionary<string, int> _lastDecile = [];

    public void Report(DownloadProgress p)
    {
        if (p.Total is not > 0) return;
        int decile = (int)(p.BytesDone * 10 / p.Total.Value);
        lock (_lastDecile)
        {
            if (_lastDecile.TryGetValue(p.File, out var last) && last >= decile) return;
            _lastDecile[p.File] = decile;
        }
        output.WriteLine($"download: {p.File} {decile * 10}% of {p.Total.Value / 1e6:F1} MB");
    }
}
