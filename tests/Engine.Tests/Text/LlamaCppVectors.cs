using System.Text;

namespace SmolLM3.Engine.Tests.Text;

/// <summary>
/// llama.cpp's tokenizer vectors, read as its test-tokenizer-0 reads them: the .inp file is split on
/// "\n__ggml_vocab_test__\n" (so a case's own trailing newline is not part of it, and the file's
/// final separator closes the last case), and line i of .out holds case i's ids, space-separated.
/// llama.cpp tokenizes them without BOS and without parsing special tokens.
/// </summary>
public static class LlamaCppVectors
{
    const string Separator = "\n__ggml_vocab_test__\n";

    public static string Folder => Fixtures.Require("tokenizers", "llama-cpp-vectors");

    /// <summary>The cases of <c>ggml-vocab-{name}.gguf.inp/.out</c>.</summary>
    public static List<(string Input, int[] Expected)> Read(string name)
    {
        var stem = Path.Combine(Folder, $"ggml-vocab-{name}.gguf");
        var raw = Encoding.UTF8.GetString(File.ReadAllBytes(stem + ".inp"));
        var inputs = new List<string>();
        for (var pos = 0; pos < raw.Length;)
        {
            var next = raw.IndexOf(Separator, pos, StringComparison.Ordinal);
            if (next < 0)
            {
                inputs.Add(raw[pos..]);
                break;
            }
            inputs.Add(raw[pos..next]);
            pos = next + Separator.Length;
        }
        var outputs = File.ReadAllLines(stem + ".out")
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).ToArray())
            .ToList();
        Assert.Equal(inputs.Count, outputs.Count);
        return inputs.Zip(outputs).ToList();
    }
}
