using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;

namespace SmolLM3.Engine.Hub;

/// <summary>The hub's HTTP API as huggingface_hub uses it: repo listing, file metadata (HEAD) and downloads.</summary>
internal sealed class HubClient(HttpClient http, HubOptions options)
{
    const int MaxRedirects = 10;
    readonly Uri endpoint = new(options.Endpoint + "/");

    /// <summary><c>GET /api/models/{repo}/revision/{rev}</c>: <c>sha</c> is the commit, <c>siblings[].rfilename</c> the files.</summary>
    public Task<RepoInfo> GetRepoInfoAsync(string repo, string revision, CancellationToken ct) =>
        Retry.RunAsync(options, $"listing {repo}@{revision}", async () =>
        {
            var url = new Uri(endpoint, $"api/models/{repo}/revision/{Uri.EscapeDataString(revision)}");
            using var response = await SendAsync(HttpMethod.Get, url, 0, ct);
            HubErrors.ThrowIfFailed(response, $"repository {repo}@{revision}", options);
            using var doc = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(ct), cancellationToken: ct);
            var root = doc.RootElement;
            if (!root.TryGetProperty("sha", out var sha) || !root.TryGetProperty("siblings", out var siblings))
                throw new HubException($"{url}: unexpected answer (no sha or siblings)");
            var files = siblings.EnumerateArray().Select(s => s.GetProperty("rfilename").GetString()!).ToHashSet();
            return new RepoInfo(sha.GetString()!, files);
        }, ct);

    /// <summary>HEAD on the resolve URL, following only relative redirects: an absolute one (the LFS CDN) is the download location.</summary>
    public Task<FileMetadata> GetFileMetadataAsync(string repo, string revision, string path, CancellationToken ct) =>
        Retry.RunAsync(options, $"looking up {repo}/{path}", async () =>
        {
            var url = ResolveUrl(repo, revision, path);
            for (var hop = 0; ; hop++)
            {
                using var response = await SendAsync(HttpMethod.Head, url, 0, ct);
                HubErrors.ThrowIfFailed(response, $"file {path} in {repo}@{revision}", options);
                var location = response.Headers.Location;
                if (IsRedirect(response) && location is { IsAbsoluteUri: false } && hop < MaxRedirects)
                {
                    url = new Uri(url, location);
                    continue;
                }
                return ReadMetadata(response, url, location is null ? url : new Uri(url, location), path);
            }
        }, ct);

    /// <summary>GET from byte <paramref name="from"/> on, following redirects; the caller reads and disposes the body.</summary>
    public async Task<HttpResponseMessage> GetAsync(Uri url, long from, string what, CancellationToken ct)
    {
        for (var hop = 0; ; hop++)
        {
            var response = await SendAsync(HttpMethod.Get, url, from, ct);
            if (IsRedirect(response) && response.Headers.Location is { } location && hop < MaxRedirects)
            {
                response.Dispose();
                url = new Uri(url, location);
                continue;
            }
            try
            {
                HubErrors.ThrowIfFailed(response, what, options);
                return response;
            }
            catch
            {
                response.Dispose();
                throw;
            }
        }
    }

    Uri ResolveUrl(string repo, string revision, string path) => new(endpoint,
        $"{repo}/resolve/{Uri.EscapeDataString(revision)}/{string.Join('/', path.Split('/').Select(Uri.EscapeDataString))}");

    Task<HttpResponseMessage> SendAsync(HttpMethod method, Uri url, long from, CancellationToken ct)
    {
        var request = new HttpRequestMessage(method, url);
        // The token goes to the hub only, never to the CDN an LFS download is redirected to.
        if (options.Token is { } token && url.Authority == endpoint.Authority)
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        // Sizes must be of the bytes stored, not of a compressed transfer.
        request.Headers.AcceptEncoding.Add(new StringWithQualityHeaderValue("identity"));
        request.Headers.UserAgent.Add(new ProductInfoHeaderValue("SmolLM3.Cluster", "1.0"));
        if (from > 0) request.Headers.Range = new RangeHeaderValue(from, null);
        return http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
    }

    static FileMetadata ReadMetadata(HttpResponseMessage response, Uri url, Uri location, string path)
    {
        var commit = Header(response, "X-Repo-Commit")
            ?? throw new HubException($"{url}: the server sent no X-Repo-Commit header; is HF_ENDPOINT a Hugging Face hub?");
        var etag = Header(response, "X-Linked-Etag") ?? Header(response, "ETag")
            ?? throw new HubException($"{url}: the server sent no ETag for {path}, so it cannot be cached");
        var size = Header(response, "X-Linked-Size") is { } s && long.TryParse(s, out var n) ? n : response.Content.Headers.ContentLength;
        return new FileMetadata(commit, NormalizeEtag(etag), size, location);
    }

    // Weak etags ('W/"…"') and quotes are not part of the blob name, as in huggingface_hub.
    static string NormalizeEtag(string etag) => (etag.StartsWith("W/") ? etag[2..] : etag).Trim('"');

    static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) || response.Content.Headers.TryGetValues(name, out values)
            ? values.FirstOrDefault()
            : null;

    static bool IsRedirect(HttpResponseMessage response) => (int)response.StatusCode is >= 300 and < 400;

    internal static HttpClient CreateHttpClient() => new(new SocketsHttpHandler
    {
        AllowAutoRedirect = false, // redirects are followed by hand: the LFS one carries the metadata
        ConnectTimeout = TimeSpan.FromSeconds(15),
        AutomaticDecompression = DecompressionMethods.None,
    })
    { Timeout = Timeout.InfiniteTimeSpan }; // large downloads; stalls surface as socket errors
}
