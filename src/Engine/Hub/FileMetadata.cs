namespace SmolLM3.Engine.Hub;

/// <summary>
/// What a HEAD on <c>resolve/{rev}/{path}</c> says about a file: the commit, the etag naming its blob
/// (the sha256 for LFS files), its size and where to download it (a CDN for LFS files).
/// </summary>
internal sealed record FileMetadata(string Commit, string Etag, long? Size, Uri Location)
{
    /// <summary>LFS etags are the file's sha256, which lets the download be verified.</summary>
    public bool EtagIsSha256 => Etag.Length == 64 && Etag.All(char.IsAsciiHexDigitLower);
}

/// <summary>The commit a revision points at and the files (repo-relative paths) at that commit.</summary>
internal sealed record RepoInfo(string Commit, IReadOnlyCollection<string> Files);
