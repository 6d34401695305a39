using System.Globalization;
using System.Text;
using static TorchSharp.torch;

namespace SmolLM3.Silo.Models;

/// <summary>
/// What a silo's KV blocks depend on besides their tokens, the root of their content addresses: the model id, its
/// files (path, size and time written, so a replaced checkpoint never reads blocks of the old one), the compute type
/// and device, and the context settings (YaRN changes the rotary embedding). Spilled blocks are kept under it.
/// </summary>
static class KvIdentity
{
    public static string Of(SmolLMSiloOptions options, ScalarType dtype) =>
        $"{options.ResolvedModelId}\n{Files(options.ModelPath)}\n{dtype}\n{options.Device}\n{options.Context}";

    static string Files(string path)
    {
        if (File.Exists(path)) return Describe(new FileInfo(path));
        if (!Directory.Exists(path)) return path;   // a hub id: its files are the cache's, named by revision
        var text = new StringBuilder();
        foreach (var file in new DirectoryInfo(path).EnumerateFiles().Where(f => f.Extension is ".safetensors" or ".gguf" or ".json").OrderBy(f => f.Name, StringComparer.Ordinal))
            text.Append(Describe(file)).Append(';');
        return text.ToString();
    }

    static string Describe(FileInfo file) =>
        string.Create(CultureInfo.InvariantCulture, $"{file.FullName}:{file.Length}:{file.LastWriteTimeUtc.Ticks}");
}
