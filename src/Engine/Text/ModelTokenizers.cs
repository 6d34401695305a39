using SmolLM3.Engine.Gguf;
using SmolLM3.Engine.Loading;

namespace SmolLM3.Engine.Text;

/// <summary>Opens the tokenizer that ships with a model: <c>tokenizer.json</c> in a Hugging Face folder, or a GGUF file's metadata.</summary>
public static class ModelTokenizers
{
    public static TextTokenizer Open(string modelPath)
    {
        if (Directory.Exists(modelPath)) return TextTokenizer.FromHuggingFace(modelPath);
        if (!File.Exists(modelPath)) throw new ModelFormatException($"model not found: {modelPath}");
        using var gguf = GgufFile.Open(modelPath);
        return TextTokenizer.FromGguf(gguf.Metadata, modelPath);
    }
}
