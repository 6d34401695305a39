using System.Text.RegularExpressions;
using Microsoft.ML.Tokenizers;

namespace SmolLM3.Engine.Text;

/// <summary>
/// Hugging Face's <c>Sequence</c> of <c>Split(behavior: Isolated)</c> stages: each stage splits every
/// piece of the previous one, and both the matches and the text between them become pieces. The
/// library's <see cref="RegexPreTokenizer"/> applies a single regex, so the sequence is written here.
/// </summary>
public sealed class RegexSequencePreTokenizer : PreTokenizer
{
    readonly Regex[] stages;

    public RegexSequencePreTokenizer(IEnumerable<string> patterns)
    {
        stages = patterns.Select(p => new Regex(p, RegexOptions.Compiled | RegexOptions.CultureInvariant)).ToArray();
        if (stages.Length == 0) throw new ArgumentException("at least one split pattern is needed", nameof(patterns));
    }

    public IReadOnlyList<string> Patterns => stages.Select(r => r.ToString()).ToArray();

    public override IEnumerable<(int Offset, int Length)> PreTokenize(string text) => Split(text);

    public override IEnumerable<(int Offset, int Length)> PreTokenize(ReadOnlySpan<char> text) => Split(text.ToString());

    /// <summary>The pieces of <paramref name="text"/>, as (offset, length) in order, covering it all.</summary>
    public List<(int Offset, int Length)> Split(string text)
    {
        List<(int, int)> pieces = text.Length == 0 ? [] : [(0, text.Length)];
        foreach (var regex in stages)
        {
            var next = new List<(int, int)>(pieces.Count * 2);
            foreach (var (offset, length) in pieces) Isolate(regex, text, offset, length, next);
            pieces = next;
        }
        return pieces;
    }

    static void Isolate(Regex regex, string text, int offset, int length, List<(int, int)> output)
    {
        var end = offset + length;
        var cursor = offset;
        // Match on the piece alone, so look-arounds cannot see across piece borders; and on whole
        // code points, as the reference regex engines do (see CodePointProxy).
        var piece = text.AsSpan(offset, length);
        var proxy = CodePointProxy.Create(piece, out var starts);
        for (var m = regex.Match(proxy); m.Success; m = m.NextMatch())
        {
            if (m.Length == 0) continue;
            var start = offset + (starts?[m.Index] ?? m.Index);
            var stop = offset + (starts?[m.Index + m.Length] ?? m.Index + m.Length);
            if (start > cursor) output.Add((cursor, start - cursor));
            output.Add((start, stop - start));
            cursor = stop;
        }
        if (cursor < end) output.Add((cursor, end - cursor));
    }
}
