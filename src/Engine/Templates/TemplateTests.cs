namespace SmolLM3.Engine.Templates;

/// <summary>jinja2's tests: <c>x is name(args)</c>.</summary>
static class TemplateTests
{
    /// <summary>Known test names, checked at parse time as in jinja2.</summary>
    public static readonly HashSet<string> Names =
        [
            "defined", "undefined", "none", "string", "mapping", "iterable", "sequence", "number", "integer",
            "float", "boolean", "true", "false", "callable", "lower", "upper", "odd", "even", "divisibleby",
            "eq", "equalto", "==", "ne", "!=", "lt", "lessthan", "<", "le", "<=", "gt", "greaterthan", ">",
            "ge", ">=", "in", "sameas",
        ];

    public static bool Apply(string name, object? v, CallArgs args, int line)
    {
        object? Arg() => args.Positional.Count > 0 ? args.Positional[0]
            : args.Named.Count > 0 ? args.Named.Values.First()
            : throw new TemplateException($"line {line}: test '{name}' needs an argument");
        return name switch
        {
            "defined" => v is not Undefined,
            "undefined" => v is Undefined,
            "none" => v is null,
            "string" => v is string,
            "mapping" => v is IReadOnlyDictionary<string, object?>,
            // Undefined has __iter__, so jinja2 calls it iterable.
            "iterable" => v is string or IReadOnlyList<object?> or IReadOnlyDictionary<string, object?> or Undefined,
            "sequence" => v is string or IReadOnlyList<object?> or IReadOnlyDictionary<string, object?>,
            // bool is a Python int, hence a Number.
            "number" => v is long or double or bool,
            "integer" => v is long,
            "float" => v is double,
            "boolean" => v is bool,
            "true" => v is true,
            "false" => v is false,
            "callable" => v is TemplateFunction,
            "lower" => PyMethods.IsLower(PyFormat.Str(v)),
            "upper" => PyMethods.IsUpper(PyFormat.Str(v)),
            "odd" => PyOps.Arithmetic("%", v, 2L) is long r && r == 1,
            "even" => PyOps.Arithmetic("%", v, 2L) is long e && e == 0,
            "divisibleby" => PyOps.Equals(PyOps.Arithmetic("%", v, Arg()), 0L),
            "eq" or "equalto" or "==" => PyOps.Equals(v, Arg()),
            "ne" or "!=" => !PyOps.Equals(v, Arg()),
            "lt" or "lessthan" or "<" => PyOps.Compare(v, Arg()) < 0,
            "le" or "<=" => PyOps.Compare(v, Arg()) <= 0,
            "gt" or "greaterthan" or ">" => PyOps.Compare(v, Arg()) > 0,
            "ge" or ">=" => PyOps.Compare(v, Arg()) >= 0,
            "in" => PyOps.Contains(Arg(), v),
            "sameas" => ReferenceEquals(v, Arg()) || (v is null or bool && PyOps.Equals(v, Arg()) && v?.GetType() == Arg()?.GetType()),
            _ => throw new TemplateException($"line {line}: no test named '{name}'"),
        };
    }
}
