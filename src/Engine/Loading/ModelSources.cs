using SmolLM3.Engine.Gguf;

namespace SmolLM3.Engine.Loading;

/// <summary>Opens a model by path: a Hugging Face folder (safetensors) or a <c>.gguf</c> file.</summary>
public static class ModelSources
{
    /// <summary>
    /// Opens the checkpoint at <paramref name="path"/>; <paramref name="settings"/> (context length, rope scaling) apply over
    /// its config, named in messages by <paramref name="nameOf"/>.
    /// </summary>
    /// <exception cref="ContextSettingsException">A setting is out of range or contradicts the checkpoint.</exception>
    public static IWeightSource Open(string path, ContextSettings settings, Func<ContextSetting, string> nameOf)
    {
        var source = Open(path);
        if (settings.IsEmpty) return source;
        try { return new ReconfiguredWeightSource(source, settings.ApplyTo(source.Config, nameOf).Validate()); }
        catch
        {
            source.Dispose();
            throw;
        }
    }

    public static IWeightSource Open(string path)
    {
        if (Directory.Exists(path)) return new SafetensorsWeightSource(path);
        if (File.Exists(path))
            return path.EndsWith(".gguf", StringComparison.OrdinalIgnoreCase) || HasGgufMagic(path)
                ? GgufWeightSource.Open(path)
                : throw new ModelFormatException($"{path}: unsupported model file (expected a Hugging Face folder or a .gguf file)");
        throw new ModelFormatException($"model not found: {path}");
    }

    static bool HasGgufMagic(string path)
    {
        Span<byte> magic = stackalloc byte[4];
        using var f = File.OpenRead(path);
        return f.Read(magic) == 4 && magic.SequenceEqual("GGUF"u8);
    }
}
