using System.Text.RegularExpressions;

namespace SmolLM3.Engine.Hub;

/// <summary>
/// One repo's folder in the huggingface_hub cache: <c>models--{org}--{name}/</c> holding
/// <c>blobs/{etag}</c>, <c>snapshots/{commit}/{path}</c> (relative symlinks to blobs) and
/// <c>refs/{revision}</c> (a commit hash); locks live in <c>.locks/models--{org}--{name}/</c>.
/// </summary>
internal sealed partial class RepoCache(string cacheDir, string repoId)
{
    readonly string folder = "models--" + repoId.Replace("/", "--");

    public string Root => Path.Combine(cacheDir, folder);

    /// <summary>Where huggingface_hub keeps the lock for a blob: outside the repo folder, in <c>.locks/</c>.</summary>
    public string LockPath(string etag) => Path.Combine(cacheDir, ".locks", folder, etag + ".lock");

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
        var dir = Path.GetDirectoryName(link)!;
        Directory.CreateDirectory(dir);
        var blob = BlobPath(etag);
        // Made beside the target, then renamed over it: a concurrent resolver never sees a half-made file.
        var temp = $"{link}.{Guid.NewGuid():N}.tmp";
        try
        {
            File.CreateSymbolicLink(temp, Path.GetRelativePath(dir, blob));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or PlatformNotSupportedException)
        {
            File.Copy(blob, temp); // e.g. Windows without developer mode
        }
        File.Move(temp, link, overwrite: true);
    }

    public static bool IsCommitHash(string revision) => CommitHash().IsMatch(revision);

    [GeneratedRegex("^[0-9a-f]{40}$")]
    private static partial Regex CommitHash();
}
