namespace SmolLM3.Engine.Hub;

/// <summary>
/// An exclusive lock on a file, held while one blob downloads so processes sharing a cache (silos,
/// Python) never write the same blob twice. On Unix .NET takes it with flock, as Python's filelock does.
/// </summary>
internal sealed class FileLock : IDisposable
{
    static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(100);
    readonly FileStream stream;

    FileLock(FileStream stream) => this.stream = stream;

    public static async Task<FileLock> AcquireAsync(string path, CancellationToken ct)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        while (true)
        {
            try
            {
                // The file stays behind: deleting it would let two waiters lock different files.
                return new FileLock(new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
            }
            catch (IOException)
            {
                await Task.Delay(Poll, ct); // another process is downloading this blob
            }
        }
    }

    public void Dispose() => stream.Dispose();
}
