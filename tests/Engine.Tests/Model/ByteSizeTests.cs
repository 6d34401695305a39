using SmolLM3.Engine.Model;

namespace SmolLM3.Engine.Tests.Model;

/// <summary>Memory sizes as written by people: bytes, binary (KiB…TiB) and decimal (KB…TB) units, refused clearly when wrong.</summary>
public sealed class ByteSizeTests
{
    [Theory]
    [InlineData("9663676416", 9663676416L)]
    [InlineData("1", 1L)]
    [InlineData("100B", 100L)]
    [InlineData("1KiB", 1024L)]
    [InlineData("512MiB", 512L << 20)]
    [InlineData("12GiB", 12L << 30)]
    [InlineData("1.5GiB", 3L << 29)]
    [InlineData("2TiB", 2L << 40)]
    [InlineData("8KB", 8_000L)]
    [InlineData("3MB", 3_000_000L)]
    [InlineData("8GB", 8_000_000_000L)]
    [InlineData("1TB", 1_000_000_000_000L)]
    [InlineData("12gib", 12L << 30)]
    [InlineData("12GIB", 12L << 30)]
    [InlineData(" 512 MiB ", 512L << 20)]
    [InlineData("0.5KiB", 512L)]
    public void ReadsValidSizes(string text, long bytes) => Assert.Equal(bytes, ByteSize.Parse(text, "--kv-cache-size"));

    [Theory]
    [InlineData("", "a size is needed")]
    [InlineData("  ", "a size is needed")]
    [InlineData("-1GiB", "cannot be negative")]
    [InlineData("-5", "cannot be negative")]
    [InlineData("0", "more than zero")]
    [InlineData("0GiB", "more than zero")]
    [InlineData("12XB", "unknown unit 'XB'")]
    [InlineData("12G", "unknown unit 'G'")]
    [InlineData("12 GiB extra", "unknown unit 'GiB extra'")]
    [InlineData("GiB", "expected a number")]
    [InlineData("1.2.3GiB", "expected a number")]
    [InlineData("0.3B", "not a whole number of bytes")]
    [InlineData("9223372036854775808", "too large")]
    [InlineData("8388608TiB", "too large")]
    [InlineData("99999999999999999999999999999TiB", "too large")]
    public void RefusesBadSizesNamingTheFlag(string text, string why)
    {
        var e = Assert.Throws<FormatException>(() => ByteSize.Parse(text, "--kv-cache-size"));
        Assert.StartsWith($"--kv-cache-size '{text}': ", e.Message);
        Assert.Contains(why, e.Message);
    }

    [Fact]
    public void NullIsRefusedToo()
    {
        Assert.False(ByteSize.TryParse(null, out _, out var error));
        Assert.Contains("a size is needed", error);
    }

    [Theory]
    [InlineData(512L, "512 bytes")]
    [InlineData(1536L, "1.5 KiB")]
    [InlineData(9L << 30, "9 GiB")]
    public void FormatsInBinaryUnits(long bytes, string text) => Assert.Equal(text, ByteSize.Format(bytes));
}
