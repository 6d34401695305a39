using System.Text.Json;
using SmolLM3.Engine.Gguf;

namespace SmolLM3.Engine.Tests.Gguf;

/// <summary>
/// Every tensor of the fixture GGUFs against gguf-py's dequantization (dequant-*.json): type, GGUF
/// shape, first 8 and last 4 values bit-exact, sum and sum of squares to 1e-6 relative.
/// </summary>
public class DequantFixtureTests
{
    [SkippableTheory]
    [InlineData("tiny-smollm3", "q8_0")]
    [InlineData("tiny-smollm3", "q4_k_m")]
    [InlineData("tiny-smollm2", "f16")]
    [InlineData("tiny-smollm2", "q4_0")]
    [InlineData("tiny-smollm2", "q5_k_m")]
    public void DequantizationMatchesGgufPy(string model, string quant)
    {
        var expected = JsonDocument.Parse(File.ReadAllText(Fixtures.Require(model, $"dequant-{quant}.json")));
        using var file = GgufFile.Open(Fixtures.Require(model, $"model-{quant}.gguf"));
        var checkedTensors = 0;
        foreach (var entry in expected.RootElement.EnumerateObject())
        {
            var tensor = file.GetTensor(entry.Name);
            var want = entry.Value;
            Assert.Equal(want.GetProperty("type").GetString(), tensor.Type.ToString());
            Assert.Equal(want.GetProperty("shape").EnumerateArray().Select(e => e.GetInt64()), tensor.Dimensions);

            var values = file.DequantizeToFloat32(tensor);
            var first = want.GetProperty("first").EnumerateArray().Select(e => e.GetSingle()).ToArray();
            var last = want.GetProperty("last").EnumerateArray().Select(e => e.GetSingle()).ToArray();
            Assert.Equal(first, values[..first.Length]);
            Assert.Equal(last, values[^last.Length..]);

            double sum = 0, sumsq = 0;
            foreach (var v in values) { sum += v; sumsq += (double)v * v; }
            AssertRelative(want.GetProperty("sum").GetDouble(), sum, $"{entry.Name} sum");
            AssertRelative(want.GetProperty("sumsq").GetDouble(), sumsq, $"{entry.Name} sumsq");
            checkedTensors++;
        }
        Assert.Equal(file.Tensors.Count, checkedTensors);
    }

    [SkippableFact]
    public void FixturesCoverTheTypesTheyClaim()
    {
        var seen = new HashSet<GgmlType>();
        foreach (var (model, quant) in new[] { ("tiny-smollm3", "q8_0"), ("tiny-smollm3", "q4_k_m"),
                     ("tiny-smollm2", "f16"), ("tiny-smollm2", "q4_0"), ("tiny-smollm2", "q5_k_m") })
        {
            using var file = GgufFile.Open(Fixtures.Require(model, $"model-{quant}.gguf"));
            seen.UnionWith(file.Tensors.Select(t => t.Type));
        }
        GgmlType[] claimed = [GgmlType.F32, GgmlType.F16, GgmlType.Q8_0, GgmlType.Q4_0, GgmlType.Q5_0,
            GgmlType.Q5_1, GgmlType.Q4_K, GgmlType.Q5_K, GgmlType.Q6_K];
        Assert.Empty(claimed.Except(seen));
    }

    static void AssertRelative(double expected, double actual, string what)
    {
        var err = Math.Abs(actual - expected) / Math.Max(Math.Abs(expected), 1e-30);
        Assert.True(err <= 1e-6, $"{what}: expected {expected}, got {actual} (relative error {err:E2})");
    }
}
