using System.Text;

namespace SmolLM3.Engine.Chat;

/// <summary>
/// Watches streamed text for stop strings, across chunk (token) boundaries. Text that can no longer
/// begin a stop string is released; a tail that might is held back. When a stop string completes,
/// the text before it is released and the rest (the stop string included) is dropped. The first stop
/// string to complete wins, which is what a stream can decide without looking ahead.
/// </summary>
public sealed class StopStringMatcher
{
    readonly string[] stops;
    readonly StringBuilder pending = new();

    public StopStringMatcher(IEnumerable<string> stopStrings)
    {
        stops = [.. stopStrings];
        if (stops.Any(string.IsNullOrEmpty)) throw new ArgumentException("stop strings must not be empty", nameof(stopStrings));
    }

    /// <summary>The stop string that ended the text, once one has.</summary>
    public string? Matched { get; private set; }

    /// <summary>Feeds a chunk; returns the text now safe to show. After a match, returns "" for everything.</summary>
    public string Push(string chunk)
    {
        if (Matched is not null) return "";
        pending.Append(chunk);
        var text = pending.ToString();

        // Earliest end wins; at equal ends the longer (earlier-starting) stop string.
        int bestStart = -1, bestEnd = int.MaxValue;
        foreach (var stop in stops)
        {
            var at = text.IndexOf(stop, StringComparison.Ordinal);
            if (at >= 0 && (at + stop.Length < bestEnd || (at + stop.Length == bestEnd && at < bestStart)))
                (bestStart, bestEnd, Matched) = (at, at + stop.Length, stop);
        }
        if (Matched is not null)
        {
            pending.Clear();
            return text[..bestStart];
        }
        var hold = stops.Length == 0 ? 0 : stops.Max(s => PartialMatch.HeldBack(text, s));
        pending.Remove(0, text.Length - hold);
        return text[..^hold];
    }

    /// <summary>Releases a held-back tail at the end of the stream.</summary>
    public string Flush()
    {
        var text = pending.ToString();
        pending.Clear();
        return text;
    }
}
