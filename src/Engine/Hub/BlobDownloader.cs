using System.Net;
using System.Security.Cryptography;

namespace SmolLM3.Engine.Hub;

/// <summary>
/// Downloads one file to <c>{blob}.incomplete</c>, resuming with a Range request after a dropped
/// connection, then checks its size (and sha256 for LFS files) before renaming it to the blob.
/// </summary>
internal sealed class BlobDownloader(HubClient client, HubOptions options)
{
    const int BufferSize = 1 << 20;

    public async Task DownloadAsync(FileMetadata file, string name, string blobPath, IProgress<DownloadProgress>? progress, CancellationToken ct)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(blobPath)!);
        var incomplete = blobPath + ".incomplete";
        await Retry.RunAsync(options, $"downloading {name}", async () =>
        {
            await FetchRestAsync(file, name, incomplete, progress, ct);
            return true;
        }, ct);
        Verify(file, name, incomplete);
        File.Move(incomplete, blobPath, overwrite: true);
    }

    async Task FetchRestAsync(FileMetadata file, string name, string incomplete, IProgress<DownloadProgress>? progress, CancellationToken ct)
    {
        var done = File.Exists(incomplete) ? new FileInfo(incomplete).Length : 0;
        if (done > 0 && done == file.Size) return; // a previous run got every byte
        if (done > file.Size) done = 0; // left by some other version of the file

        using var response = await client.GetAsync(file.Location, done, name, ct);
        // 206 continues the partial file; a 200 means the server ignored Range, so start over.
        if (response.StatusCode != HttpStatusCode.PartialContent) done = 0;
        await using var output = new FileStream(incomplete, done > 0 ? FileMode.Append : FileMode.Create, FileAccess.Write, FileShare.None, BufferSize);
        await using var input = await response.Content.ReadAsStreamAsync(ct);
        var buffer = new byte[BufferSize];
        progress?.Report(new DownloadProgress(name, done, file.Size));
        for (int n; (n = await input.ReadAsync(buffer, ct)) > 0;)
        {
            await output.WriteAsync(buffer.AsMemory(0, n), ct);
            done += n;
            progress?.Report(new DownloadProgress(name, done, file.Size));
        }
        // A connection closed early without an error still leaves a short file: retry for the rest.
        if (file.Size is { } size && done < size)
            throw new IOException($"connection closed after {done} of {size} bytes");
    }

    static void Verify(FileMetadata file, string name, string incomplete)
    {
        var length = new FileInfo(incomplete).Length;
        if (file.Size is { } size && length != size)
            Fail(incomplete, $"{name}: downloaded {length} bytes but the hub announced {size}");
        if (!file.EtagIsSha256) return;
        using var stream = File.OpenRead(incomplete);
        var actual = Convert.ToHexStringLower(SHA256.HashData(stream));
        stream.Dispose();
        if (actual != file.Etag)
            Fail(incomplete, $"{name}: sha256 mismatch (expected {file.Etag}, got {actual}); the partial download was deleted");
    }

    static void Fail(string incomplete, string message)
    {
        File.Delete(incomplete);
        throw new HubException(message);
    }
}
