using System.Text;
using SmolLM3.Engine.Constraints;

namespace SmolLM3.Engine.Tests.Constraints;

/// <summary>Runs text through a grammar byte by byte, without a vocabulary.</summary>
static class GrammarText
{
    /// <summary>The state after <paramref name="text"/>'s UTF-8 bytes.</summary>
    public static GrammarState After(GrammarFrame grammar, string text) => After(grammar, Encoding.UTF8.GetBytes(text));

    public static GrammarState After(GrammarFrame grammar, byte[] bytes)
    {
        var states = new List<GrammarStack>();
        grammar.Expand(GrammarStack.Empty, states);
        foreach (var b in bytes)
        {
            var next = new List<GrammarStack>();
            GrammarMatcher.Advance(states, b, next);
            states = next;
        }
        return new GrammarState(states);
    }

    /// <summary>Whether <paramref name="text"/> is a whole sentence of the grammar.</summary>
    public static bool Accepts(GrammarFrame grammar, string text) => After(grammar, text).IsComplete;

    /// <summary>Whether <paramref name="text"/> begins some sentence of the grammar.</summary>
    public static bool IsPrefix(GrammarFrame grammar, string text) => !After(grammar, text).IsDead;
}
