using System.Text.RegularExpressions;

namespace SmolLM3.Deploy.Tests;

/// <summary>A Dockerfile as its instructions (continuation lines joined, comments dropped), split into stages.</summary>
public sealed partial class Dockerfile
{
    public sealed record Instruction(string Keyword, string Arguments);

    public List<List<Instruction>> Stages { get; } = [];

    public Dockerfile(string path)
    {
        var text = Regex.Replace(File.ReadAllText(path), @"\\\r?\n", " ");
        var current = new List<Instruction>();   // instructions before the first FROM (global ARGs)
        foreach (var line in text.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')))
        {
            var parts = line.Split(' ', 2);
            var instruction = new Instruction(parts[0].ToUpperInvariant(), parts.Length > 1 ? Spaces().Replace(parts[1].Trim(), " ") : "");
            if (instruction.Keyword == "FROM") Stages.Add(current = []);
            current.Add(instruction);
        }
    }

    public List<Instruction> Final => Stages[^1];

    public IEnumerable<string> All(string keyword, List<Instruction>? stage = null) =>
        (stage ?? Stages.SelectMany(s => s).ToList()).Where(i => i.Keyword == keyword).Select(i => i.Arguments);

    [GeneratedRegex(@"\s+")]
    private static partial Regex Spaces();
}
