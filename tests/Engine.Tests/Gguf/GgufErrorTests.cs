using SmolLM3.Engine.Gguf;
using SmolLM3.Engine.Loading;

using SmolLM3.Engine.Tests;

namespace SmolLM3.Engine.Tests.Gguf;

/// <summary>Malformed files fail fast with a <see cref="ModelFormatException"/> that says what is wrong.</summary>
public sealed class GgufErrorTests(TempFolder temp) : IClassFixture<TempFolder>
{
    string PathFor(string name) => temp.PathFor(name);

    static string MessageOf(Action open) => Assert.Throws<ModelFormatException>(open).Message;

    [Fact]
    public void WrongMagicSaysWhatWasFound()
    {
        var path = temp.Write("bad.gguf", "PK\x03\x04 and then some more bytes"u8.ToArray());
        var msg = MessageOf(() => GgufFile.Open(path));
        Assert.Contains("not a GGUF file", msg);
        Assert.Contains("PK", msg);
    }

    [Theory]
    [InlineData(1u, "version 1")]
    [InlineData(4u, "version 4")]
    [InlineData(0x03000000u, "big-endian")]
    public void UnsupportedVersionIsNamed(uint version, string words)
    {
        var path = new TinyGgufWriter { Version = version }.Add("general.architecture", "llama").WriteTo(PathFor("v.gguf"));
        var msg = MessageOf(() => GgufFile.Open(path));
        Assert.Contains("unsupported GGUF", msg);
        Assert.Contains(words, msg);
    }

    [Fact]
    public void VersionTwoIsRead()
    {
        var path = TinyGgufWriter.TinyLlama().WriteTo(PathFor("v2.gguf"));
        var bytes = File.ReadAllBytes(path);
        bytes[4] = 2;
        temp.Write("v2.gguf", bytes);
        using var file = GgufFile.Open(path);
        Assert.Equal(2u, file.Version);
    }

    [SkippableFact]
    public void TruncatedFixtureNamesTheTensorPastTheEnd()
    {
        var source = Fixtures.Require("tiny-smollm2", "model-q4_0.gguf");
        var bytes = File.ReadAllBytes(source);
        var path = temp.Write("half.gguf", bytes[..(bytes.Length / 2)]);
        var msg = MessageOf(() => GgufFile.Open(path));
        Assert.Contains("truncated", msg);
        Assert.Contains("extends past the end", msg);
        Assert.Matches("tensor '[^']+'", msg);
    }

    [Fact]
    public void HeaderCutShortIsTruncated()
    {
        var bytes = TinyGgufWriter.TinyLlama().ToBytes();
        Assert.Contains("truncated", MessageOf(() => GgufFile.Open(temp.Write("cut.gguf", bytes[..100]))));
        Assert.Contains("truncated", MessageOf(() => GgufFile.Open(temp.Write("cut2.gguf", bytes[..2]))));
    }

    [Fact]
    public void UnknownTensorTypeIdNamesTensorAndId()
    {
        var writer = new TinyGgufWriter().F32("blk.0.mystery.weight", [32]);
        var bytes = writer.ToBytes();
        BitConverter.GetBytes(99u).CopyTo(bytes, writer.TypeIdOffsets["blk.0.mystery.weight"]);
        var path = temp.Write("type.gguf", bytes);
        var msg = MessageOf(() => GgufFile.Open(path));
        Assert.Contains("blk.0.mystery.weight", msg);
        Assert.Contains("unknown ggml type id 99", msg);
    }

    [Fact]
    public void AbsurdCountsFailWithoutAllocating()
    {
        var bytes = TinyGgufWriter.TinyLlama().ToBytes();
        BitConverter.GetBytes(ulong.MaxValue / 2).CopyTo(bytes, 8);     // tensor count
        Assert.Contains("tensor count", MessageOf(() => GgufFile.Open(temp.Write("absurd.gguf", bytes))));

        bytes = TinyGgufWriter.TinyLlama().ToBytes();
        BitConverter.GetBytes(1UL << 60).CopyTo(bytes, 24);               // length of the first key
        Assert.Contains("length of metadata key #0", MessageOf(() => GgufFile.Open(temp.Write("absurd2.gguf", bytes))));
    }

    [Fact]
    public void MissingTensorIsNamed()
    {
        var path = TinyGgufWriter.TinyLlama(skip: "blk.0.ffn_up.weight").WriteTo(PathFor("missing.gguf"));
        var msg = MessageOf(() => GgufWeightSource.Open(path));
        Assert.Contains("blk.0.ffn_up.weight", msg);
        Assert.Contains("model.layers.0.mlp.up_proj.weight", msg);
        Assert.Contains("missing", msg);
    }

    [Fact]
    public void ShapeMismatchNamesTensorExpectedAndActual()
    {
        var dims = new Dictionary<string, long[]> { ["blk.0.ffn_up.weight"] = [4, 9] };
        var path = TinyGgufWriter.TinyLlama(dims: dims).WriteTo(PathFor("shape.gguf"));
        var msg = MessageOf(() => GgufWeightSource.Open(path));
        Assert.Contains("blk.0.ffn_up.weight", msg);
        Assert.Contains("[9, 4]", msg);
        Assert.Contains("expected [8, 4]", msg);
    }

    [Fact]
    public void MissingKeyIsNamed()
    {
        var bytes = TinyGgufWriter.TinyLlama().ToBytes();
        // Rename the key in place (same length) so the file stays well-formed.
        var key = "llama.block_count"u8.ToArray();
        var at = bytes.AsSpan().IndexOf(key);
        "llama.block_xxxxx"u8.CopyTo(bytes.AsSpan(at));
        var path = temp.Write("key.gguf", bytes);
        var msg = MessageOf(() => GgufWeightSource.Open(path));
        Assert.Contains("'llama.block_count'", msg);
        Assert.Contains("missing", msg);
    }

    [Fact]
    public void UnknownArchitectureIsRejected()
    {
        var bytes = TinyGgufWriter.TinyLlama().ToBytes();
        var at = bytes.AsSpan().IndexOf("llama"u8);
        "gemma"u8.CopyTo(bytes.AsSpan(at));
        var path = temp.Write("arch.gguf", bytes);
        var msg = MessageOf(() => GgufWeightSource.Open(path));
        Assert.Contains("unsupported architecture 'gemma'", msg);
    }

    [Fact]
    public void LoadingAnUnknownNameFails()
    {
        using var source = GgufWeightSource.Open(TinyGgufWriter.TinyLlama().WriteTo(PathFor("ok.gguf")));
        var msg = MessageOf(() => source.Load("model.layers.5.mlp.up_proj.weight", TorchSharp.torch.ScalarType.Float32, TorchSharp.torch.CPU));
        Assert.Contains("model.layers.5.mlp.up_proj.weight", msg);
        Assert.Contains("missing", msg);
    }
}
