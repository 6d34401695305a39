using System.Runtime.CompilerServices;
using SmolLM3.Engine.Text;

namespace SmolLM3.Engine.Constraints;

/// <summary>
/// A tokenizer's tokens as byte strings, built once per tokenizer: a trie of them all, and — since inside a free
/// string most tokens are allowed whatever surrounds it — the set of tokens any open string takes as they are, with a
/// trie of only the others. Added tokens (chat and tool markup, end of turn) are left out: a constrained reply is
/// plain text, ended by a stop token when complete.
/// </summary>
public sealed class TokenVocabulary
{
    static readonly ConditionalWeakTable<TextTokenizer, TokenVocabulary> Cache = [];

    readonly byte[]?[] _spellings;   // by id; null for tokens left out
    readonly TokenTrie _all, _notInString;
    readonly ulong[] _inString;        // bit per token an open string takes as it is
    readonly int[] _stringChars;       // by id: the characters such a token starts; −1 for the others

    /// <summary>The vocabulary of <paramref name="tokenizer"/>, built on first use and kept while the tokenizer lives.</summary>
    public static TokenVocabulary For(TextTokenizer tokenizer) => Cache.GetValue(tokenizer, t => new TokenVocabulary(t));

    TokenVocabulary(TextTokenizer tokenizer)
    {
        Size = tokenizer.VocabSize;
        _spellings = new byte[]?[Size];
        var buffer = new List<byte>();
        var singles = new bool[256];
        for (int id = 0; id < Size; id++)
        {
            if (tokenizer.IsAdded(id)) continue;
            buffer.Clear();
            tokenizer.AppendBytes(id, buffer);
            if (buffer.Count == 0) continue;
            if (buffer.Count == 1) singles[buffer[0]] = true;
            _spellings[id] = [.. buffer];
        }
        CoversEveryByte = singles.All(s => s);
        var spelled = Enumerable.Range(0, Size).Where(id => _spellings[id] is not null).Select(id => (_spellings[id]!, id)).ToList();
        _all = new TokenTrie(spelled);

        _inString = new ulong[(Size + 63) / 64];
        _stringChars = new int[Size];
        Array.Fill(_stringChars, -1);
        var notInString = new List<(byte[], int)>();
        foreach (var (bytes, id) in spelled)
        {
            _stringChars[id] = CharsInString(bytes);
            if (_stringChars[id] >= 0) _inString[id >> 6] |= 1UL << (id & 63);
            else notInString.Add((bytes, id));
        }
        _notInString = new TokenTrie(notInString);
    }

    /// <summary>Token ids run from 0 to Size − 1.</summary>
    public int Size { get; }

    /// <summary>Nodes of the full trie (for measurements).</summary>
    public int NodeCount => _all.NodeCount;

    /// <summary>Every byte is a token by itself, so a grammar that is not done can always go on.</summary>
    public bool CoversEveryByte { get; }

    /// <summary>Appends the bytes of <paramref name="id"/>, a token a constrained reply may use.</summary>
    internal void AppendBytes(int id, List<byte> output) =>
        output.AddRange(_spellings[id] ?? throw new ArgumentOutOfRangeException(nameof(id), id, "the token is not one a constrained reply may use"));

    /// <summary>Sets the bit of every token whose bytes <paramref name="states"/> can read (any of them, wholly).</summary>
    internal void Allow(IReadOnlyList<GrammarStack> states, ulong[] mask)
    {
        // Between a string's characters, the tokens that stay inside it are allowed by how many characters they
        // start, whatever surrounds the string: only the other tokens need the walk (for every path). That holds when
        // some path is a string with no bound (it takes them all), or when every path is a string (the most room wins).
        var rooms = states.Select(s => s.Top is StringCharsFrame f ? f.Room : -1).ToList();
        if (rooms.Contains(int.MaxValue)) _inString.CopyTo(mask, 0);
        else if (rooms.Count > 0 && rooms.All(r => r >= 0))
        {
            int room = rooms.Max();
            for (int id = 0; id < Size; id++)
                if (_stringChars[id] >= 0 && _stringChars[id] <= room) mask[id >> 6] |= 1UL << (id & 63);
        }
        else
        {
            _all.Allow(states, mask);
            return;
        }
        _notInString.Allow(states, mask);
    }

    /// <summary>How many characters <paramref name="bytes"/> start inside an open string that they leave open; −1 if they close it or are not string text.</summary>
    static int CharsInString(byte[] bytes)
    {
        List<GrammarStack> states = [new(new StringCharsFrame(0, int.MaxValue - 1), GrammarStack.Empty)];
        foreach (var b in bytes)
        {
            var next = new List<GrammarStack>();
            GrammarMatcher.Advance(states, b, next);
            if (next.Count != 1 || next[0].Top is not StringCharsFrame) return -1;
            states = next;
        }
        return ((StringCharsFrame)states[0].Top!).Count;
    }
}
