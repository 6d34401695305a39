using SmolLM3.Engine.Gguf;
using SmolLM3.Engine.Loading;

using SmolLM3.Engine.Tests;

namespace SmolLM3.Engine.Tests.Gguf;

/// <summary>Header parsing on files written by <see cref="TinyGgufWriter"/>: metadata types, alignment, tensor data.</summary>
public sealed class GgufFileTests(TempFolder temp) : IClassFixture<TempFolder>
{
    [Fact]
    public void ReadsMetadataOfEveryWrittenType()
    {
        var path = new TinyGgufWriter()
            .Add("s", "héllo")
            .Add("u", 7u)
            .Add("f", 0.25f)
            .Add("b", true)
            .Add("strings", ["x", "", "yz"])
            .Add("ints", [1, -2, 3])
            .WriteTo(temp.PathFor("meta.gguf"));
        using var file = GgufFile.Open(path);
        var md = file.Metadata;
        Assert.Equal("héllo", md.GetString("s"));
        Assert.Equal(7u, md.GetUInt32("u"));
        Assert.Equal(7, md.GetInt32("u"));
        Assert.Equal(0.25f, md.GetFloat("f"));
        Assert.True(md.GetBool("b"));
        Assert.Equal(["x", "", "yz"], md.GetArray<string>("strings"));
        Assert.Equal([1, -2, 3], md.GetArray<int>("ints"));
        Assert.False(md.TryGetString("u", out _));
        Assert.Contains("expected a string", Assert.Throws<ModelFormatException>(() => md.GetString("u")).Message);
        Assert.Contains("'nope' is missing", Assert.Throws<ModelFormatException>(() => md.GetInt32("nope")).Message);
        Assert.Empty(file.Tensors);
    }

    [Theory]
    [InlineData(32u)]
    [InlineData(64u)]
    public void HonoursAlignmentAndReadsTensorData(uint alignment)
    {
        var writer = new TinyGgufWriter { Alignment = alignment }
            .F32("a", [3], i => i + 1)
            .F32("b", [2, 2], i => -i);
        if (alignment != 32) writer.Add("general.alignment", alignment);
        using var file = GgufFile.Open(writer.WriteTo(temp.PathFor($"align{alignment}.gguf")));
        Assert.Equal(alignment, file.Alignment);
        Assert.Equal(0, file.DataOffset % alignment);
        Assert.Equal([1f, 2, 3], file.DequantizeToFloat32(file.GetTensor("a")));
        var b = file.GetTensor("b");
        Assert.Equal(0, b.FileOffset % alignment);
        Assert.Equal([-0f, -1, -2, -3], file.DequantizeToFloat32(b));
        Assert.Equal(16, file.GetTensorBytes(b).Length);
    }
}
