using System.Text;
using Microsoft.ML.Tokenizers;
using SmolLM3.Engine.Gguf;

namespace SmolLM3.Engine.Text;

/// <summary>
/// Byte-level BPE as Hugging Face <c>tokenizer.json</c> and llama.cpp's "gpt2" vocabularies define it.
/// Microsoft.ML.Tokenizers' <see cref="BpeTokenizer"/> does the merges and the byte mapping; this class
/// adds what it lacks: added tokens with a parse-special switch, multi-stage split regexes,
/// <c>ignore_merges</c>, and decoding to bytes (which <see cref="StreamingDecoder"/> needs).
/// </summary>
public sealed class TextTokenizer
{
    readonly BpeTokenizer bpe;
    readonly RegexSequencePreTokenizer preTokenizer;
    readonly AddedTokenMatcher matcher;
    readonly IReadOnlyDictionary<string, int> vocabulary;
    readonly Dictionary<string, int> addedByContent;
    readonly string?[] tokens;          // id -> BPE vocabulary string or added token content
    readonly AddedToken?[] addedById;   // id -> added token, null for BPE tokens
    readonly bool ignoreMerges;

    public TextTokenizer(TokenizerDefinition definition)
    {
        Source = definition.Source;
        vocabulary = definition.Vocabulary;
        ignoreMerges = definition.IgnoreMerges;
        preTokenizer = new RegexSequencePreTokenizer(definition.SplitPatterns);
        matcher = new AddedTokenMatcher(definition.AddedTokens);
        bpe = BpeTokenizer.Create(new BpeOptions(definition.Vocabulary)
        {
            Merges = definition.Merges,
            ByteLevel = true,
        });

        VocabSize = Math.Max(
            definition.Vocabulary.Count == 0 ? 0 : definition.Vocabulary.Values.Max() + 1,
            definition.AddedTokens.Count == 0 ? 0 : definition.AddedTokens.Max(a => a.Id) + 1);
        tokens = new string?[VocabSize];
        addedById = new AddedToken?[VocabSize];
        foreach (var (text, id) in definition.Vocabulary) tokens[id] = text;
        foreach (var a in definition.AddedTokens)
        {
            tokens[a.Id] = a.Content;
            addedById[a.Id] = a;
        }
        addedByContent = definition.AddedTokens.GroupBy(a => a.Content).ToDictionary(g => g.Key, g => g.First().Id);
        BosId = definition.SpecialIds.Bos;
        EosId = definition.SpecialIds.Eos;
        PadId = definition.SpecialIds.Pad;
    }

    /// <summary>A Hugging Face folder holding tokenizer.json (and optionally tokenizer_config.json, generation_config.json).</summary>
    public static TextTokenizer FromHuggingFace(string folder) => new(HuggingFaceTokenizerLoader.Load(folder));

    /// <summary>The tokenizer stored in a GGUF file's metadata.</summary>
    public static TextTokenizer FromGguf(GgufMetadata metadata, string source = "GGUF metadata") =>
        new(GgufTokenizerLoader.Load(metadata, source));

    /// <summary>The file this tokenizer was read from, for messages.</summary>
    public string Source { get; }

    /// <summary>One more than the largest id (ids of unused slots, if any, are out of range in Decode).</summary>
    public int VocabSize { get; }
    public int? BosId { get; }
    public int? EosId { get; }
    public int? PadId { get; }

    /// <summary>
    /// Token ids of <paramref name="text"/>. With <paramref name="parseSpecial"/>, special tokens written
    /// in the text (e.g. <c>&lt;|im_start|&gt;</c>) become their ids; otherwise they are ordinary text.
    /// No BOS is added.
    /// </summary>
    public IReadOnlyList<int> Encode(string text, bool parseSpecial = false)
    {
        ArgumentNullException.ThrowIfNull(text);
        var ids = new List<int>();
        foreach (var (plain, token) in matcher.Split(text, parseSpecial))
        {
            if (token is not null) ids.Add(token.Id);
            else EncodePlain(plain!, ids);
        }
        return ids;
    }

    void EncodePlain(string text, List<int> ids)
    {
        foreach (var (offset, length) in preTokenizer.Split(text))
        {
            var piece = text.AsSpan(offset, length);
            // ignore_merges: a piece that is itself a vocabulary word is taken whole, even where the
            // merges would not reach it.
            if (ignoreMerges && vocabulary.TryGetValue(ByteLevelAlphabet.Encode(piece), out var whole))
            {
                ids.Add(whole);
                continue;
            }
            ids.AddRange(bpe.EncodeToIds(piece, considerPreTokenization: false, considerNormalization: false));
        }
    }

    /// <summary>The text of <paramref name="ids"/>; bytes that do not form UTF-8 become U+FFFD.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An id is outside the vocabulary.</exception>
    public string Decode(IEnumerable<int> ids, bool skipSpecial = false)
    {
        var bytes = new List<byte>();
        foreach (var id in ids) AppendBytes(id, bytes, skipSpecial);
        return Encoding.UTF8.GetString(bytes.ToArray());
    }

    /// <summary>Appends the bytes one token stands for (nothing for a skipped special token).</summary>
    public void AppendBytes(int id, List<byte> output, bool skipSpecial = false)
    {
        var token = id >= 0 && id < VocabSize ? tokens[id] : null;
        if (token is null)
            throw new ArgumentOutOfRangeException(nameof(id), id, $"token id {id} is not in the vocabulary of {Source} (size {VocabSize})");
        if (addedById[id] is { } added)
        {
            if (!(added.Special && skipSpecial)) output.AddRange(Encoding.UTF8.GetBytes(added.Content));
            return;
        }
        // A vocabulary entry outside the byte alphabet cannot come from byte-level BPE; keep it as written.
        if (!ByteLevelAlphabet.TryDecode(token, output)) output.AddRange(Encoding.UTF8.GetBytes(token));
    }

    /// <summary>The id of a vocabulary string (byte-level spelling, e.g. "Ġthe") or added token.</summary>
    public int? TokenToId(string token) =>
        addedByContent.TryGetValue(token, out var a) ? a : vocabulary.TryGetValue(token, out var v) ? v : null;

    /// <summary>The vocabulary string of an id (byte-level spelling for BPE tokens).</summary>
    public string IdToToken(int id) =>
        (id >= 0 && id < VocabSize ? tokens[id] : null)
        ?? throw new ArgumentOutOfRangeException(nameof(id), id, $"token id {id} is not in the vocabulary of {Source} (size {VocabSize})");

    /// <summary>Whether <paramref name="id"/> is a special (control) token, which Decode can skip.</summary>
    public bool IsSpecial(int id) => id >= 0 && id < VocabSize && addedById[id] is { Special: true };

    /// <summary>Whether <paramref name="id"/> is an added token (special or not), which plain text never encodes to.</summary>
    public bool IsAdded(int id) => id >= 0 && id < VocabSize && addedById[id] is not null;
}
