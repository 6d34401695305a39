using System.Globalization;

namespace SmolLM3.Cli;

/// <summary>A text file of token-id sequences, one per line, ids separated by spaces; trailing blank lines are ignored.</summary>
sealed record TokenLines(string Path, IReadOnlyList<int[]> Lines)
{
    /// <exception cref="CliUsageException">The file is missing or a token is not an integer.</exception>
    public static TokenLines Read(string path)
    {
        if (!File.Exists(path)) throw new CliUsageException($"file not found: {path}");
        var text = File.ReadAllLines(path).AsEnumerable().Reverse().SkipWhile(string.IsNullOrWhiteSpace).Reverse().ToList();
        var lines = new List<int[]>(text.Count);
        for (int i = 0; i < text.Count; i++)
        {
            var words = text[i].Split((char[])[' ', '\t'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            lines.Add(words.Select(w => int.TryParse(w, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var id)
                ? id
                : throw new CliUsageException($"{path}:{i + 1}: '{w}' is not an integer token id")).ToArray());
        }
        return new TokenLines(path, lines);
    }

    /// <summary>Throws naming the first empty line.</summary>
    public void RequireNonEmpty(string what)
    {
        for (int i = 0; i < Lines.Count; i++)
            if (Lines[i].Length == 0) throw new CliUsageException($"{Path}:{i + 1}: empty {what} (every line needs at least one token id)");
    }

    /// <summary>Throws naming the first id outside 0..vocabSize-1.</summary>
    public void RequireInVocabulary(int vocabSize)
    {
        for (int i = 0; i < Lines.Count; i++)
            foreach (var id in Lines[i])
                if ((uint)id >= (uint)vocabSize)
                    throw new CliUsageException($"{Path}:{i + 1}: token id {id} is outside the vocabulary (0..{vocabSize - 1})");
    }
}
