namespace SmolLM3.Engine.Hub;

/// <summary>Progress of one file download: <paramref name="Total"/> is null when the server did not say.</summary>
public readonly record struct DownloadProgress(string File, long BytesDone, long? Total);
