namespace SmolLM3.Engine.Tests;

/// <summary>A temporary folder for generated files, deleted with the test class.</summary>
public sealed class TempFolder : IDisposable
{
    public string Root { get; } = Directory.CreateTempSubdirectory("smollm3-test-").FullName;

    public string PathFor(string name) => Path.Combine(Root, name);

    /// <summary>Writes <paramref name="bytes"/> to a file named <paramref name="name"/> and returns its path.</summary>
    public string Write(string name, byte[] bytes)
    {
        var path = PathFor(name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    public void Dispose() => Directory.Delete(Root, recursive: true);
}
