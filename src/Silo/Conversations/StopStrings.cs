namespace SmolLM3.Silo.Conversations;

/// <summary>
/// Watches streamed text for stop strings. Holds back a tail that could still become one, so a stop
/// string is never partly sent before it is recognised.
/// </summary>
sealed class StopStrings(string[] stops)
{
    readonly string[] _stops = [.. stops.Where(s => s.Length > 0)];
    string _held = "";

    /// <summary>Text safe to send after <paramref name="piece"/>, and whether a stop string was reached.</summary>
    public (string Ready, bool Stopped) Push(string piece)
    {
        if (_stops.Length == 0) return (piece, false);
        var text = _held + piece;
        int at = _stops.Select(s => text.IndexOf(s, StringComparison.Ordinal)).Where(i => i >= 0).DefaultIfEmpty(-1).Min();
        if (at >= 0)
        {
            _held = "";
            return (text[..at], true);
        }
        int hold = Math.Min(text.Length, _stops.Max(s => s.Length) - 1);
        _held = text[^hold..];
        return (text[..^hold], false);
    }

    /// <summary>Whatever was held back, at the end of the reply.</summary>
    public string Flush()
    {
        var rest = _held;
        _held = "";
        return rest;
    }
}
