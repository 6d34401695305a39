namespace SmolLM3.Engine.Constraints;

/// <summary>
/// Grammars of compact JSON (RFC 8259 without insignificant whitespace, so a model cannot stall in blanks). Numbers
/// are bounded to <see cref="MaxDigits"/> digits per part, which excludes only values no double holds exactly anyway.
/// </summary>
public static class JsonGrammar
{
    /// <summary>Most digits of an integer part or a fraction; an exponent takes at most 3.</summary>
    public const int MaxDigits = 16;

    static readonly GrammarFrame Digit = new ByteClassFrame(ByteSet.Of("0-9"));
    static readonly GrammarFrame Hex = new ByteClassFrame(ByteSet.Of("0-9a-fA-F"));
    static readonly GrammarFrame Empty = new SequenceFrame([]);

    /// <summary>An optional <paramref name="frame"/>.</summary>
    public static GrammarFrame Optional(GrammarFrame frame) => new ChoiceFrame([frame, Empty]);

    public static GrammarFrame Literal(string text) => new LiteralFrame(text);

    public static GrammarFrame Sequence(params GrammarFrame[] items) => new SequenceFrame(items);

    public static GrammarFrame Choice(params GrammarFrame[] options) => options.Length == 1 ? options[0] : new ChoiceFrame(options);

    /// <summary><c>-?(0|[1-9][0-9]*)</c>.</summary>
    public static readonly GrammarFrame Integer = Sequence(Optional(Literal("-")),
        Choice(Literal("0"), Sequence(new ByteClassFrame(ByteSet.Of("1-9")), new RepeatFrame(Digit, null, 0, MaxDigits - 1))));

    /// <summary>An integer part, an optional fraction and an optional exponent.</summary>
    public static readonly GrammarFrame Number = Sequence(Integer,
        Optional(Sequence(Literal("."), new RepeatFrame(Digit, null, 1, MaxDigits))),
        Optional(Sequence(new ByteClassFrame(ByteSet.Of("eE")), Optional(new ByteClassFrame(ByteSet.Of("+-"))), new RepeatFrame(Digit, null, 1, 3))));

    public static readonly GrammarFrame Boolean = Choice(Literal("true"), Literal("false"));

    public static readonly GrammarFrame Null = Literal("null");

    /// <summary>A string of <paramref name="min"/> to <paramref name="max"/> characters.</summary>
    public static GrammarFrame String(int min = 0, int max = int.MaxValue) =>
        Sequence(Literal("\""), new StringCharsFrame(min, max));

    /// <summary>"YYYY-MM-DD" with month 01–12 and day 01–31 (the day is not checked against the month).</summary>
    public static readonly GrammarFrame Date = Sequence(Literal("\""), Digit, Digit, Digit, Digit, Literal("-"),
        Choice(Sequence(Literal("0"), new ByteClassFrame(ByteSet.Of("1-9"))), Sequence(Literal("1"), new ByteClassFrame(ByteSet.Of("0-2")))),
        Literal("-"),
        Choice(Sequence(Literal("0"), new ByteClassFrame(ByteSet.Of("1-9"))), Sequence(new ByteClassFrame(ByteSet.Of("12")), Digit),
            Sequence(Literal("3"), new ByteClassFrame(ByteSet.Of("01")))),
        Literal("\""));

    /// <summary>8-4-4-4-12 hex digits.</summary>
    public static readonly GrammarFrame Uuid = Sequence([Literal("\""),
        .. Enumerable.Repeat(Hex, 8), Literal("-"), .. Enumerable.Repeat(Hex, 4), Literal("-"), .. Enumerable.Repeat(Hex, 4), Literal("-"),
        .. Enumerable.Repeat(Hex, 4), Literal("-"), .. Enumerable.Repeat(Hex, 12), Literal("\"")]);

    /// <summary>An array of <paramref name="min"/> to <paramref name="max"/> items.</summary>
    public static GrammarFrame Array(GrammarFrame item, int min = 0, int max = int.MaxValue) =>
        Sequence(Literal("["), new RepeatFrame(item, Literal(","), min, max), Literal("]"));

    /// <summary>An object of any keys whose values all follow <paramref name="value"/>.</summary>
    public static GrammarFrame Map(GrammarFrame value) =>
        Sequence(Literal("{"), new RepeatFrame(Sequence(String(), Literal(":"), value), Literal(","), 0, int.MaxValue), Literal("}"));

    /// <summary>An object with exactly the declared properties (required ones always), in declaration order.</summary>
    public static GrammarFrame Object(PropertyGrammar[] properties) => Sequence(Literal("{"), new ObjectMembersFrame(properties));

    /// <summary>Any JSON value.</summary>
    public static readonly GrammarFrame Value = AnyValue();

    /// <summary>Any JSON object (response_format json_object).</summary>
    public static readonly GrammarFrame AnyObject = Map(Value);

    static GrammarFrame AnyValue()
    {
        var value = new DeferredFrame();
        value.Target = Choice(Map(value), Array(value), String(), Number, Boolean, Null);
        return value;
    }
}
