namespace SmolLM3.Engine.Hub;

/// <summary>Brings files of one commit into its snapshot folder: reuses what is cached, downloads the rest.</summary>
internal sealed class SnapshotFetcher(
    HubClient hub, BlobDownloader downloader, RepoCache cache, string repo, string commit, IProgress<DownloadProgress>? progress)
{
    /// <summary>Returns the file's path in <c>snapshots/{commit}/</c>.</summary>
    public async Task<string> FetchAsync(string path, CancellationToken ct)
    {
        var local = cache.SnapshotFile(commit, path);
        if (File.Exists(local)) return local; // a commit's files never change
        var file = await hub.GetFileMetadataAsync(repo, commit, path, ct);
        var blob = cache.BlobPath(file.Etag);
        if (!File.Exists(blob))
        {
            using var _ = await FileLock.AcquireAsync(cache.LockPath(file.Etag), ct);
            if (!File.Exists(blob)) await downloader.DownloadAsync(file, path, blob, progress, ct); // unless a peer just did
        }
        cache.Link(commit, path, file.Etag);
        return local;
    }
}
