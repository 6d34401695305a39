namespace SmolLM3.Cli;

/// <summary>A folder under the temp directory, deleted on dispose.</summary>
sealed class TemporaryFolder(string prefix) : IDisposable
{
    public string Root { get; } = Directory.CreateTempSubdirectory(prefix).FullName;

    public void Dispose()
    {
        try { Directory.Delete(Root, recursive: true); }
        catch (IOException) { }   // a leftover temp folder is no reason to fail the command
    }
}
