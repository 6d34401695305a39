using System.Text.RegularExpressions;

namespace SmolLM3.Engine.Hub;

/// <summary>
/// One repo's folder in the huggingface_hub cache: <c>models--{org}--{name}/</c> holding
/// <c>blobs/{etag}</c>, <c>snapshots/{commit}/{path}</c> (relative symlinks to blobs) and
/// <c>refs/{revision}</c> (a commit hash).
/// </summary>
internal sealed partial class RepoCache(string cacheDir, string repoId)
{
    public string Root { get; } = Path.Combine(cacheDir, "models--" + repoId.Replace("/", "--"));

    public string BlobPath(string etag) => Path.Combine(Root, "blobs", etag);

    public string SnapshotDir(string commit) => Path.Combine(Root, "snapshots", commit);

    public string SnapshotFile(string commit, string path) => Path.Combine(SnapshotDir(commit), path);

    string RefPath(string revision) => Path.Combine(Root, "refs", revision);

    /// <summary>The commit a revision points at in the cache, or null when the cache has never seen it.</summary>
    public string? ReadRef(string revision)
    {
        var path = RefPath(revision);
        if (File.Exists(path)) return File.ReadAllText(path).Trim();
        // A full commit hash needs no ref: its snapshot folder is the answer.
        return IsCommitHash(revision) && Directory.Exists(SnapshotDir(revision)) ? revision : null;
    }

    public void WriteRef(string revision, string commit)
    {
        if (revision == commit) return; // huggingface_hub writes no ref for a pinned commit
        var path = RefPath(revision);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, commit);
    }

    /// <summary>Files in a cached snapshot (relative, '/'-separated), skipping links whose blob is gone.</summary>
    public IReadOnlyList<string> SnapshotFiles(string commit)
    {
        var dir = SnapshotDir(commit);
        if (!Directory.Exists(dir)) return [];
        return Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories)
            .Where(File.Exists) // follows the link: a dangling one does not count
            .Select(f => Path.GetRelativePath(dir, f).Replace(Path.DirectorySeparatorChar, '/'))
            .ToList();
    }

    /// <summary>Points <c>snapshots/{commit}/{path}</c> at the blob: a relative symlink, or a copy where links fail.</summary>
    public void Link(string commit, string path, string etag)
    {
        var link = SnapshotFile(commit, path);
        Directory.CreateDirectory(Path.GetDirectoryName(link)!);
        if (File.Exists(link) || new FileInfo(link).LinkTarget is not null) File.Delete(link);
        var blob = BlobPath(etag);
        try
        {
            File.CreateSymbolicLink(link, Path.GetRelativePath(Path.GetDirectoryName(link)!, blob));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or PlatformNotSupportedException)
        {
            File.Copy(blob, link, overwrite: true); // e.g. Windows without developer mode
        }
    }

    public static bool IsCommitHash(string revision) => CommitHash().IsMatch(revision);

    [GeneratedRegex("^[0-9a-f]{40}$")]
    private static partial Regex CommitHash();
}
