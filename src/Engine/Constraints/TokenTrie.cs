namespace SmolLM3.Engine.Constraints;

/// <summary>
/// Token byte strings in a prefix trie (flat arrays): a mask walks it with the grammar's state, so a prefix the
/// grammar rejects prunes every token that starts with it.
/// </summary>
sealed class TokenTrie
{
    // Node i: its edges are _edgeByte/_edgeChild[_edgeStart[i] .. _edgeStart[i + 1]); the tokens spelled exactly
    // by its path are _tokens[_tokenStart[i] .. _tokenStart[i] + _tokenCount[i]].
    readonly int[] _edgeStart, _tokenStart, _tokenCount, _edgeChild, _tokens;
    readonly byte[] _edgeByte;

    public TokenTrie(IEnumerable<(byte[] Bytes, int Id)> tokens)
    {
        var spelled = tokens.ToList();
        spelled.Sort((a, b) => a.Bytes.AsSpan().SequenceCompareTo(b.Bytes));
        _tokens = [.. spelled.Select(s => s.Id)];

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
    }

    /// <summary>Nodes of the trie.</summary>
    public int NodeCount => _tokenStart.Length;

    /// <summary>Sets the bit of every token whose bytes <paramref name="states"/> can read (any of them, wholly).</summary>
    public void Allow(IReadOnlyList<GrammarStack> states, ulong[] mask) => Walk(0, states, 0, [], mask);

    void Walk(int node, IReadOnlyList<GrammarStack> states, int depth, List<List<GrammarStack>> levels, ulong[] mask)
    {
        if (levels.Count == depth) levels.Add([]);
        var next = levels[depth];   // reused by each edge: the subtree below is done with it before the next
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
