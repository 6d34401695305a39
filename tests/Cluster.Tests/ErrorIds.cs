using System.Text.RegularExpressions;

namespace SmolLM3.Cluster.Tests;

/// <summary>Reads the error id an INTERNAL / 500 message gives its client.</summary>
static partial class ErrorIds
{
    [GeneratedRegex("error id ([0-9a-f]{8})")]
    private static partial Regex Pattern();

    /// <summary>The error id <paramref name="message"/> names (failing the test without one).</summary>
    public static string In(string? message)
    {
        var match = Pattern().Match(message ?? "");
        Assert.True(match.Success, $"no error id in '{message}'");
        return match.Groups[1].Value;
    }
}
