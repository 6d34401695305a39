using System.Runtime.CompilerServices;
using SmolLM3.Engine.Text;

namespace SmolLM3.Engine.Constraints;

/// <summary>
/// A tokenizer's tokens as byte strings in a prefix trie, built once per tokenizer: a mask walks the trie with the
/// grammar's state, so a prefix the grammar rejects prunes every token that starts with it. Added tokens (chat and
/// tool markup, end of turn) are left out: a constrained reply is plain text, ended by a stop token when complete.
/// </summary>
public sealed class TokenVocabulary
{
    static readonly ConditionalWeakTable<TextTokenizer, TokenVocabulary> Cache = [];

    // Node i: its edges are _edgeByte/_edgeChild[_edgeStart[i] .. _edgeStart[i + 1]); the tokens spelled exactly
    // by its path are _tokens[_tokenStart[i] .. _tokenStart[i] + _tokenCount[i]].
    readonly int[] _edgeStart, _tokenStart, _tokenCount, _edgeChild, _tokens;
    readonly byte[] _edgeByte;
    readonly byte[]?[] _spellings;   // by id; null for tokens left out

    /// <summary>The vocabulary of <paramref name="tokenizer"/>, built on first use and kept while the tokenizer lives.</summary>
    public static TokenVocabulary For(TextTokenizer tokenizer) => Cache.GetValue(tokenizer, t => new TokenVocabulary(t));

    TokenVocabulary(TextTokenizer tokenizer)
    {
        Size = tokenizer.VocabSize;
        var spelled = new List<(byte[] Bytes, int Id)>();
        var buffer = new List<byte>();
        var singles = new bool[256];
        for (int id = 0; id < Size; id++)
        {
            if (tokenizer.IsAdded(id)) continue;
            buffer.Clear();
            tokenizer.AppendBytes(id, buffer);
            if (buffer.Count == 0) continue;
            if (buffer.Count == 1) singles[buffer[0]] = true;
            spelled.Add((buffer.ToArray(), id));
        }
        CoversEveryByte = singles.All(s => s);
        spelled.Sort((a, b) => a.Bytes.AsSpan().SequenceCompareTo(b.Bytes));
        _tokens = [.. spelled.Select(s => s.Id)];
        _spellings = new byte[]?[Size];
        foreach (var (bytes, id) in spelled) _spellings[id] = bytes;

        // Breadth first over ranges of the sorted spellings that share a prefix: (lo, hi, depth) per node.
        var nodes = new List<(int Lo, int Hi, int Depth)> { (0, spelled.Count, 0) };
        var edgeStart = new List<int>();
        var tokenStart = new List<int>();
        var tokenCount = new List<int>();
        var edgeByte = new List<byte>();
        var edgeChild = new List<int>();
        for (int n = 0; n < nodes.Count; n++)
        {
            var (lo, hi, depth) = nodes[n];
            int i = lo;
            while (i < hi && spelled[i].Bytes.Length == depth) i++;   // shorter spellings sort first
            tokenStart.Add(lo);
            tokenCount.Add(i - lo);
            edgeStart.Add(edgeByte.Count);
            while (i < hi)
            {
                byte b = spelled[i].Bytes[depth];
                int j = i;
                while (j < hi && spelled[j].Bytes[depth] == b) j++;
                edgeByte.Add(b);
                edgeChild.Add(nodes.Count);
                nodes.Add((i, j, depth + 1));
                i = j;
            }
        }
        edgeStart.Add(edgeByte.Count);
        (_edgeStart, _tokenStart, _tokenCount, _edgeByte, _edgeChild) = ([.. edgeStart], [.. tokenStart], [.. tokenCount], [.. edgeByte], [.. edgeChild]);
        NodeCount = nodes.Count;
    }

    /// <summary>Token ids run from 0 to Size − 1.</summary>
    public int Size { get; }

    /// <summary>Nodes of the trie (for measurements).</summary>
    public int NodeCount { get; }

    /// <summary>Every byte is a token by itself, so a grammar that is not done can always go on.</summary>
    public bool CoversEveryByte { get; }

    /// <summary>Appends the bytes of <paramref name="id"/>, a token of the trie.</summary>
    internal void AppendBytes(int id, List<byte> output) =>
        output.AddRange(_spellings[id] ?? throw new ArgumentOutOfRangeException(nameof(id), id, "the token is not one a constrained reply may use"));

    /// <summary>Sets the bit of every token whose bytes <paramref name="states"/> can read (any of them, wholly).</summary>
    internal void Allow(IReadOnlyList<GrammarStack> states, ulong[] mask)
    {
        var levels = new List<List<GrammarStack>>();
        Walk(0, states, 0, levels, mask);
    }

    void Walk(int node, IReadOnlyList<GrammarStack> states, int depth, List<List<GrammarStack>> levels, ulong[] mask)
    {
        if (levels.Count == depth) levels.Add([]);
        var next = levels[depth];
        for (int e = _edgeStart[node]; e < _edgeStart[node + 1]; e++)
        {
            GrammarMatcher.Advance(states, _edgeByte[e], next);
            if (next.Count == 0) continue;
            int child = _edgeChild[e];
            for (int t = _tokenStart[child]; t < _tokenStart[child] + _tokenCount[child]; t++) mask[_tokens[t] >> 6] |= 1UL << (_tokens[t] & 63);
            if (_edgeStart[child] < _edgeStart[child + 1]) Walk(child, next, depth + 1, levels, mask);
        }
    }
}
