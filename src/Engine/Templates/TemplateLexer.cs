using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace SmolLM3.Engine.Templates;

enum TokenKind { Text, VarBegin, VarEnd, BlockBegin, BlockEnd, Name, String, Integer, Float, Op, Eof }

readonly record struct Token(TokenKind Kind, string Value, int Line, int Column)
{
    public override string ToString() => Kind switch
    {
        TokenKind.Eof => "end of template",
        TokenKind.VarEnd => "'}}'",
        TokenKind.BlockEnd => "'%}'",
        TokenKind.String => "string",
        TokenKind.Text => "template text",
        _ => $"'{Value}'",
    };
}

/// <summary>
/// Splits a template into text and tag tokens the way Hugging Face configures jinja2: trim_blocks (drop the
/// newline after a block or comment tag), lstrip_blocks (drop indentation before one), '-' to strip all
/// whitespace on that side, '+' to opt out, and one trailing newline of the source removed.
/// </summary>
static class TemplateLexer
{
    public static List<Token> Tokenize(string source)
    {
        var src = NormalizeNewlines(source);
        var lexer = new Lexer(src);
        lexer.Run();
        return lexer.Tokens;
    }

    // jinja2 turns \r\n and \r into \n (its newline_sequence) and drops one trailing newline (keep_trailing_newline=False).
    static string NormalizeNewlines(string s)
    {
        var sb = new StringBuilder(s.Length);
        for (int i = 0; i < s.Length; i++)
        {
            char c = s[i];
            if (c == '\r' && i + 1 < s.Length && s[i + 1] == '\n') continue;
            sb.Append(c == '\r' ? '\n' : c);
        }
        if (sb.Length > 0 && sb[^1] == '\n') sb.Length--;
        return sb.ToString();
    }

    sealed class Lexer(string src)
    {
        public readonly List<Token> Tokens = [];
        int pos;

        public void Run()
        {
            bool lineStarting = true;
            while (pos <= src.Length)
            {
                int tag = FindTagStart(pos);
                string text = src[pos..(tag < 0 ? src.Length : tag)];
                if (tag < 0) { Emit(text, pos); break; }

                char kind = src[tag + 1];
                char mod = tag + 2 < src.Length ? src[tag + 2] : '\0';
                if (mod == '+' && kind == '{') mod = '\0'; // '+' only applies to blocks and comments; in {{+ x }} it is unary plus
                if (mod == '-') text = text.TrimEnd();
                else if (mod != '+' && kind != '{') text = LStripBlock(text, lineStarting);
                Emit(text, pos);
                pos = tag + 2 + (mod is '-' or '+' ? 1 : 0);

                string consumed = kind switch
                {
                    '%' when RawBegin.Match(src, pos) is { Success: true } raw => LexRaw(tag, raw),
                    '#' => SkipComment(tag),
                    '{' => LexTag(tag, TokenKind.VarBegin, TokenKind.VarEnd, '}'),
                    _ => LexTag(tag, TokenKind.BlockBegin, TokenKind.BlockEnd, '%'),
                };
                lineStarting = consumed.EndsWith('\n');
            }
            Tokens.Add(new(TokenKind.Eof, "", Line(src.Length), Col(src.Length)));
        }

        // lstrip_blocks: drop the indentation before a block tag when nothing else precedes it on its line.
        static string LStripBlock(string text, bool lineStarting)
        {
            int lineStart = text.LastIndexOf('\n') + 1;
            return (lineStart > 0 || lineStarting) && text.Length > lineStart && text.AsSpan(lineStart).Trim().IsEmpty
                ? text[..lineStart] : text;
        }

        int FindTagStart(int from)
        {
            for (int i = src.IndexOf('{', from); i >= 0 && i + 1 < src.Length; i = src.IndexOf('{', i + 1))
                if (src[i + 1] is '{' or '%' or '#') return i;
            return -1;
        }

        void Emit(string text, int at)
        {
            if (text.Length > 0) Tokens.Add(new(TokenKind.Text, text, Line(at), Col(at)));
        }

        /// <summary>Consumes the tag's end and what the whitespace rules swallow after it; returns that text.</summary>
        string ConsumeEnd(int closerStart, bool strip, bool keep, bool isBlock)
        {
            int start = closerStart;
            pos = closerStart + (strip || keep ? 3 : 2);
            if (strip) while (pos < src.Length && char.IsWhiteSpace(src[pos])) pos++;
            else if (!keep && isBlock && pos < src.Length && src[pos] == '\n') pos++;
            return src[start..pos];
        }

        static readonly Regex RawBegin = new(@"\G\s*raw\s*(-?)%}", RegexOptions.CultureInvariant);
        static readonly Regex RawEnd = new(@"{%([-+]?)\s*endraw\s*([-+]?)%}", RegexOptions.CultureInvariant);

        /// <summary><c>{% raw %}…{% endraw %}</c>: the body is text, tags and all.</summary>
        string LexRaw(int tag, Match begin)
        {
            pos = begin.Index + begin.Length;
            if (begin.Groups[1].Value == "-") while (pos < src.Length && char.IsWhiteSpace(src[pos])) pos++;
            var end = RawEnd.Match(src, pos);
            if (!end.Success) throw Error("unexpected end of template, expected 'endraw'", tag);
            string body = src[pos..end.Index];
            if (end.Groups[1].Value == "-") body = body.TrimEnd();
            else if (end.Groups[1].Value != "+") body = LStripBlock(body, lineStarting: false);
            Emit(body, pos);
            return ConsumeEnd(end.Index + end.Length - 2 - end.Groups[2].Length, end.Groups[2].Value == "-", end.Groups[2].Value == "+", isBlock: true);
        }

        string SkipComment(int tag)
        {
            int end = src.IndexOf("#}", pos, StringComparison.Ordinal);
            if (end < 0) throw Error("unexpected end of template, expected end of comment '#}'", tag);
            bool strip = end > pos && src[end - 1] == '-', keep = end > pos && src[end - 1] == '+';
            return ConsumeEnd(end - (strip || keep ? 1 : 0), strip, keep, isBlock: true);
        }

        string LexTag(int tag, TokenKind begin, TokenKind end, char closeChar)
        {
            Tokens.Add(new(begin, src.Substring(tag, 2), Line(tag), Col(tag)));
            var brackets = new Stack<char>();
            while (true)
            {
                while (pos < src.Length && char.IsWhiteSpace(src[pos])) pos++;
                if (pos >= src.Length) throw Error($"unexpected end of template, expected '{closeChar}}}'", tag);
                if (brackets.Count == 0)
                {
                    foreach (var (prefix, strip, keep) in new[] { ("-", true, false), ("+", false, true), ("", false, false) })
                    {
                        if (keep && closeChar == '}') continue;
                        if (string.CompareOrdinal(src, pos, prefix + closeChar + "}", 0, prefix.Length + 2) != 0) continue;
                        Tokens.Add(new(end, closeChar + "}", Line(pos), Col(pos)));
                        return ConsumeEnd(pos, strip, keep, closeChar == '%');
                    }
                }
                LexOne(brackets);
            }
        }

        void LexOne(Stack<char> brackets)
        {
            int start = pos;
            char c = src[pos];
            if (char.IsAsciiLetter(c) || c == '_')
            {
                while (pos < src.Length && (char.IsAsciiLetterOrDigit(src[pos]) || src[pos] == '_')) pos++;
                Add(TokenKind.Name, src[start..pos], start);
            }
            else if (char.IsAsciiDigit(c)) LexNumber(start);
            else if (c is '\'' or '"') Add(TokenKind.String, LexString(start), start);
            else
            {
                string op = new[] { "**", "//", "==", "!=", "<=", ">=" }.FirstOrDefault(o => string.CompareOrdinal(src, pos, o, 0, 2) == 0)
                    ?? (("+-*/%~<>=.,:|()[]{}".Contains(c)) ? c.ToString() : throw Error($"unexpected character '{c}'", pos));
                pos += op.Length;
                if (op is "(" or "[" or "{") brackets.Push(op[0]);
                else if (op is ")" or "]" or "}")
                {
                    char open = op == ")" ? '(' : op == "]" ? '[' : '{';
                    if (brackets.Count == 0 || brackets.Pop() != open) throw Error($"unexpected '{op}'", start);
                }
                Add(TokenKind.Op, op, start);
            }
        }

        void LexNumber(int start)
        {
            while (pos < src.Length && (char.IsAsciiDigit(src[pos]) || src[pos] == '_')) pos++;
            bool isFloat = false;
            if (pos + 1 < src.Length && src[pos] == '.' && char.IsAsciiDigit(src[pos + 1]))
            {
                isFloat = true;
                pos++;
                while (pos < src.Length && (char.IsAsciiDigit(src[pos]) || src[pos] == '_')) pos++;
            }
            if (pos < src.Length && src[pos] is 'e' or 'E')
            {
                int save = pos++;
                if (pos < src.Length && src[pos] is '+' or '-') pos++;
                if (pos < src.Length && char.IsAsciiDigit(src[pos])) { isFloat = true; while (pos < src.Length && char.IsAsciiDigit(src[pos])) pos++; }
                else pos = save;
            }
            Add(isFloat ? TokenKind.Float : TokenKind.Integer, src[start..pos].Replace("_", ""), start);
        }

        /// <summary>A quoted string with Python escapes (\n, \t, \xNN, \uNNNN, ...); unknown escapes keep the backslash.</summary>
        string LexString(int start)
        {
            char quote = src[pos++];
            var sb = new StringBuilder();
            while (true)
            {
                if (pos >= src.Length) throw Error("unexpected end of template, unterminated string", start);
                char c = src[pos++];
                if (c == quote) return sb.ToString();
                if (c != '\\' || pos >= src.Length) { sb.Append(c); continue; }
                char e = src[pos++];
                switch (e)
                {
                    case 'n': sb.Append('\n'); break;
                    case 't': sb.Append('\t'); break;
                    case 'r': sb.Append('\r'); break;
                    case '0': sb.Append('\0'); break;
                    case 'a': sb.Append('\a'); break;
                    case 'b': sb.Append('\b'); break;
                    case 'f': sb.Append('\f'); break;
                    case 'v': sb.Append('\v'); break;
                    case '\\' or '\'' or '"': sb.Append(e); break;
                    case '\n': break;
                    case 'x': sb.Append(Hex(2, start)); break;
                    case 'u': sb.Append(Hex(4, start)); break;
                    case 'U': sb.Append(Hex(8, start)); break;
                    default: sb.Append('\\').Append(e); break;
                }
            }
        }

        string Hex(int digits, int start)
        {
            if (pos + digits > src.Length || !int.TryParse(src.AsSpan(pos, digits), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out int cp))
                throw Error("truncated escape in string literal", start);
            pos += digits;
            return char.ConvertFromUtf32(cp);
        }

        void Add(TokenKind kind, string value, int at) => Tokens.Add(new(kind, value, Line(at), Col(at)));

        readonly int[] lineStarts = [0, .. src.Select((c, i) => (c, i)).Where(x => x.c == '\n').Select(x => x.i + 1)];

        int LineIndex(int at)
        {
            int i = Array.BinarySearch(lineStarts, at);
            return i >= 0 ? i : ~i - 1;
        }

        int Line(int at) => LineIndex(at) + 1;
        int Col(int at) => at - lineStarts[LineIndex(at)] + 1;

        TemplateSyntaxException Error(string message, int at) => new(message, Line(at), Col(at));
    }
}
