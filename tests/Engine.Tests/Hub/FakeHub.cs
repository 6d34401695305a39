using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using SmolLM3.Hosting;

namespace SmolLM3.Engine.Tests.Hub;

/// <summary>
/// A Hugging Face hub on 127.0.0.1 serving local files in the hub's URL layout: the repo listing API,
/// <c>resolve/{rev}/{path}</c> (LFS files answer 302 to a "CDN" path with X-Linked-Etag = sha256),
/// and Range requests. Knobs make it drop connections, lie about etags or demand a token.
/// </summary>
public sealed class FakeHub : IDisposable
{
    readonly HttpListener listener = new();
    readonly Dictionary<string, Dictionary<string, string>> repos = [];
    readonly ConcurrentDictionary<string, string> sha256Cache = new();
    readonly ConcurrentDictionary<string, bool> dropped = new();

    public string Endpoint { get; }

    /// <summary>Every request seen: method, path and the headers the tests look at.</summary>
    public ConcurrentQueue<(string Method, string Path, string? Range, string? Authorization)> Requests { get; } = new();

    /// <summary>"repo/path" → bytes after which the first download of that file drops the connection.</summary>
    public ConcurrentDictionary<string, long> DropAfter { get; } = new();

    /// <summary>"repo/path" of LFS files whose announced sha256 is wrong.</summary>
    public ConcurrentDictionary<string, bool> LieAboutSha { get; } = new();

    /// <summary>When set, API and resolve requests without <c>Bearer {token}</c> get 401.</summary>
    public string? RequiredToken { get; set; }

    public FakeHub()
    {
        var port = FreePort.OnLoopback();
        Endpoint = $"http://127.0.0.1:{port}";
        listener.Prefixes.Add(Endpoint + "/");
        listener.Start();
        _ = Task.Run(ServeAsync);
    }

    /// <summary>Serves <paramref name="files"/> (repo path → local file) as repo <paramref name="id"/>.</summary>
    public void AddRepo(string id, IReadOnlyDictionary<string, string> files) => repos[id] = new(files);

    public static string CommitOf(string repo) => Convert.ToHexStringLower(SHA1.HashData(Encoding.UTF8.GetBytes(repo)));

    public string Sha256Of(string file) => sha256Cache.GetOrAdd(file, f => Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(f))));

    /// <summary>Forgets the knobs and the request log between tests.</summary>
    public void Reset()
    {
        Requests.Clear();
        DropAfter.Clear();
        LieAboutSha.Clear();
        dropped.Clear();
        RequiredToken = null;
    }

    async Task ServeAsync()
    {
        while (listener.IsListening)
        {
            HttpListenerContext context;
            try { context = await listener.GetContextAsync(); }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException) { return; }
            _ = Task.Run(() => HandleAsync(context));
        }
    }

    async Task HandleAsync(HttpListenerContext context)
    {
        var (request, response) = (context.Request, context.Response);
        var path = Uri.UnescapeDataString(request.Url!.AbsolutePath);
        Requests.Enqueue((request.HttpMethod, path, request.Headers["Range"], request.Headers["Authorization"]));
        try
        {
            var parts = path.TrimStart('/').Split('/');
            if (parts is ["cdn", var org, var name, .. var rest])
                await ServeBytesAsync(context, $"{org}/{name}", string.Join('/', rest));
            else if (RequiredToken is { } token && request.Headers["Authorization"] != $"Bearer {token}")
                Error(response, 401, null);
            else if (parts is ["api", "models", var o, var n, "revision", var rev])
                await ServeListingAsync(response, $"{o}/{n}", rev);
            else if (parts is [var o2, var n2, "resolve", var rev2, .. var file])
                await ServeResolveAsync(context, $"{o2}/{n2}", rev2, string.Join('/', file));
            else
                Error(response, 404, null);
        }
        catch (Exception e) when (e is HttpListenerException or IOException or ObjectDisposedException)
        {
            // The client went away; nothing to answer.
        }
    }

    bool TryFind(HttpListenerResponse response, string repo, string rev, out Dictionary<string, string> files)
    {
        files = null!;
        if (!repos.TryGetValue(repo, out var found)) return Error(response, 404, "RepoNotFound");
        if (rev != "main" && rev != CommitOf(repo)) return Error(response, 404, "RevisionNotFound");
        files = found;
        return true;
    }

    async Task ServeListingAsync(HttpListenerResponse response, string repo, string rev)
    {
        if (!TryFind(response, repo, rev, out var files)) return;
        var json = JsonSerializer.SerializeToUtf8Bytes(new
        {
            id = repo,
            sha = CommitOf(repo),
            siblings = files.Keys.Select(k => new { rfilename = k }),
        });
        response.ContentType = "application/json";
        response.ContentLength64 = json.Length;
        await response.OutputStream.WriteAsync(json);
        response.Close();
    }

    async Task ServeResolveAsync(HttpListenerContext context, string repo, string rev, string path)
    {
        var response = context.Response;
        if (!TryFind(response, repo, rev, out var files)) return;
        if (!files.TryGetValue(path, out var local)) { Error(response, 404, "EntryNotFound"); return; }
        response.AddHeader("X-Repo-Commit", CommitOf(repo));
        if (IsLfs(path))
        {
            // Like the hub: a redirect to storage, the LFS pointer's sha256 and size on the redirect itself.
            var sha = LieAboutSha.ContainsKey($"{repo}/{path}") ? new string('0', 64) : Sha256Of(local);
            response.AddHeader("X-Linked-Etag", $"\"{sha}\"");
            response.AddHeader("X-Linked-Size", new FileInfo(local).Length.ToString());
            response.AddHeader("ETag", "\"git-pointer-etag\"");
            response.StatusCode = 302;
            response.RedirectLocation = $"{Endpoint}/cdn/{repo}/{path}";
            response.Close();
            return;
        }
        response.AddHeader("ETag", $"\"{Convert.ToHexStringLower(SHA1.HashData(File.ReadAllBytes(local)))}\"");
        await ServeBytesAsync(context, repo, path);
    }

    async Task ServeBytesAsync(HttpListenerContext context, string repo, string path)
    {
        var (request, response) = (context.Request, context.Response);
        if (!repos.TryGetValue(repo, out var files) || !files.TryGetValue(path, out var local)) { Error(response, 404, null); return; }
        var bytes = await File.ReadAllBytesAsync(local);
        long from = 0;
        if (request.Headers["Range"] is { } range && range.StartsWith("bytes=") && range.EndsWith('-'))
        {
            from = long.Parse(range["bytes=".Length..^1]);
            response.StatusCode = 206;
            response.AddHeader("Content-Range", $"bytes {from}-{bytes.Length - 1}/{bytes.Length}");
        }
        response.ContentLength64 = bytes.Length - from;
        if (request.HttpMethod == "HEAD") { response.Close(); return; }

        var key = $"{repo}/{path}";
        if (DropAfter.TryGetValue(key, out var cut) && dropped.TryAdd(key, true))
        {
            await response.OutputStream.WriteAsync(bytes.AsMemory((int)from, (int)cut));
            await response.OutputStream.FlushAsync();
            response.Abort(); // mid-body: the client sees a premature end
            return;
        }
        await response.OutputStream.WriteAsync(bytes.AsMemory((int)from));
        response.Close();
    }

    static bool Error(HttpListenerResponse response, int status, string? code)
    {
        response.StatusCode = status;
        if (code is not null) response.AddHeader("X-Error-Code", code);
        response.Close();
        return false;
    }

    static bool IsLfs(string path) => path.EndsWith(".safetensors") || path.EndsWith(".gguf");

    public void Dispose() => listener.Close();
}
