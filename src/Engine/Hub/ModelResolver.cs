namespace SmolLM3.Engine.Hub;

/// <summary>
/// Turns a model reference into a path <c>ModelSources.Open</c> accepts: a local path as-is, <c>org/name</c>
/// as a snapshot folder, <c>org/name:QUANT</c> as one .gguf file, each optionally <c>@revision</c>.
/// Files land in the huggingface_hub cache, so Python and .NET users share them.
/// </summary>
public sealed class ModelResolver : IDisposable
{
    readonly HubOptions options;
    readonly HttpClient http;
    readonly bool ownsHttp;

    /// <param name="http">Must not follow redirects itself; by default one is created and owned.</param>
    public ModelResolver(HubOptions options, HttpClient? http = null)
    {
        this.options = options;
        ownsHttp = http is null;
        this.http = http ?? HubClient.CreateHttpClient();
    }

    public static ModelResolver FromEnvironment() => new(HubOptions.FromEnvironment());

    public async Task<string> ResolveAsync(string reference, IProgress<DownloadProgress>? progress = null, CancellationToken ct = default)
    {
        if (File.Exists(reference) || Directory.Exists(reference)) return reference;
        if (!ModelReference.TryParse(reference, out var model))
            throw new HubException($"'{reference}' is neither an existing path nor a model id (org/name[:QUANT][@revision])");
        var cache = new RepoCache(options.CacheDir, model.RepoId);
        if (options.Offline) return ResolveOffline(model, cache);
        try
        {
            return await ResolveOnlineAsync(model, cache, progress, ct);
        }
        catch (HubException e) when (e.IsNetworkFailure && TryResolveOffline(model, cache) is { } cached)
        {
            return cached; // like huggingface_hub: an unreachable hub falls back to a complete cached snapshot
        }
    }

    string? TryResolveOffline(ModelReference model, RepoCache cache)
    {
        try
        {
            return ResolveOffline(model, cache);
        }
        catch (HubException)
        {
            return null;
        }
    }

    async Task<string> ResolveOnlineAsync(ModelReference model, RepoCache cache, IProgress<DownloadProgress>? progress, CancellationToken ct)
    {
        var hub = new HubClient(http, options);
        var repo = await hub.GetRepoInfoAsync(model.RepoId, model.Revision, ct);
        var fetcher = new SnapshotFetcher(hub, new BlobDownloader(hub, options), cache, model.RepoId, repo.Commit, progress);
        cache.WriteRef(model.Revision, repo.Commit);

        if (model.Quant is { } quant)
            return await fetcher.FetchAsync(RepoFiles.ForQuant(model.RepoId, quant, repo.Files), ct);

        foreach (var file in RepoFiles.ForFolder(model.RepoId, repo.Files))
        {
            var local = await fetcher.FetchAsync(file, ct);
            if (file == RepoFiles.WeightsIndex)
                foreach (var shard in RepoFiles.Shards(local)) await fetcher.FetchAsync(shard, ct);
        }
        return cache.SnapshotDir(repo.Commit);
    }

    string ResolveOffline(ModelReference model, RepoCache cache)
    {
        var commit = cache.ReadRef(model.Revision) ?? throw Offline(
            $"{model} is not in the cache {options.CacheDir} (no refs/{model.Revision} or snapshot under {cache.Root})");
        var files = cache.SnapshotFiles(commit);
        try
        {
            if (model.Quant is { } quant) return cache.SnapshotFile(commit, RepoFiles.ForQuant(model.RepoId, quant, files));
            var needed = RepoFiles.ForFolder(model.RepoId, files);
            if (needed.Contains(RepoFiles.WeightsIndex))
            {
                var missing = RepoFiles.Shards(cache.SnapshotFile(commit, RepoFiles.WeightsIndex)).Where(s => !files.Contains(s)).ToList();
                if (missing.Count > 0) throw new HubException($"shards missing: {string.Join(", ", missing)}");
            }
            return cache.SnapshotDir(commit);
        }
        catch (HubException e)
        {
            throw Offline($"the cached snapshot {cache.SnapshotDir(commit)} of {model} is incomplete: {e.Message}");
        }
    }

    static HubException Offline(string what) =>
        new($"Offline mode is on (HF_HUB_OFFLINE), so nothing can be downloaded, and {what}. Run once with network access, or unset HF_HUB_OFFLINE.");

    public void Dispose()
    {
        if (ownsHttp) http.Dispose();
    }
}
