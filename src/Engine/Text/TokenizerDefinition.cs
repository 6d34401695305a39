namespace SmolLM3.Engine.Text;

/// <summary>
/// What a byte-level BPE tokenizer is made of, whichever file it came from: the BPE vocabulary
/// (byte-level strings) and merges, the tokens matched before BPE, the split regexes, and the
/// special ids. <see cref="Source"/> names the file for error messages.
/// </summary>
public sealed record TokenizerDefinition(
    string Source,
    IReadOnlyDictionary<string, int> Vocabulary,
    IReadOnlyList<string> Merges,
    IReadOnlyList<AddedToken> AddedTokens,
    IReadOnlyList<string> SplitPatterns,
    bool IgnoreMerges,
    SpecialTokenIds SpecialIds);

/// <summary>Beginning/end of sequence and padding ids; null where the model defines none.</summary>
public sealed record SpecialTokenIds(int? Bos, int? Eos, int? Pad);
