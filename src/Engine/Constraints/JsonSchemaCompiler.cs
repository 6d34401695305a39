using System.Text.Encodings.Web;
using System.Text.Json;

namespace SmolLM3.Engine.Constraints;

/// <summary>
/// Compiles a JSON schema to the grammar of the compact JSON texts it accepts. Supported: type (one or a list),
/// properties, required, additionalProperties (declared properties only are written, in declaration order — a subset
/// of what the schema allows, and exactly OpenAI's strict mode), enum, const, items, minItems, maxItems, anyOf,
/// minLength, maxLength, format date and uuid, and local $ref into $defs/definitions that does not recurse.
/// Annotations (title, description, default, …) are ignored; any other keyword throws
/// <see cref="UnsupportedSchemaException"/> naming it.
/// </summary>
public sealed class JsonSchemaCompiler
{
    const int MaxNesting = 64;

    static readonly HashSet<string> Annotations =
        ["$schema", "$id", "$comment", "$defs", "definitions", "title", "description", "default", "examples", "deprecated", "readOnly", "writeOnly"];

    static readonly HashSet<string> Handled =
        ["type", "properties", "required", "additionalProperties", "enum", "const", "items", "minItems", "maxItems", "anyOf", "minLength", "maxLength", "format", "$ref"];

    static readonly JsonSerializerOptions Compact = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    readonly JsonElement _root;
    readonly Dictionary<string, GrammarFrame> _refs = [];
    readonly HashSet<string> _resolving = [];

    JsonSchemaCompiler(JsonElement root) => _root = root;

    /// <summary>The grammar of <paramref name="schema"/> (JSON text); throws <see cref="UnsupportedSchemaException"/>.</summary>
    public static GrammarFrame Compile(string schema)
    {
        try
        {
            using var doc = JsonDocument.Parse(schema);
            return Compile(doc.RootElement);
        }
        catch (JsonException e)
        {
            throw new UnsupportedSchemaException($"the schema is not valid JSON: {e.Message}");
        }
    }

    /// <summary>The grammar of <paramref name="schema"/>; throws <see cref="UnsupportedSchemaException"/>.</summary>
    public static GrammarFrame Compile(JsonElement schema) => new JsonSchemaCompiler(schema.Clone()).Schema(schema, "#", 0);

    GrammarFrame Schema(JsonElement s, string path, int depth)
    {
        if (depth > MaxNesting) throw new UnsupportedSchemaException($"{path}: schemas nested deeper than {MaxNesting} levels are not supported");
        if (s.ValueKind == JsonValueKind.True) return JsonGrammar.Value;
        if (s.ValueKind == JsonValueKind.False) throw new UnsupportedSchemaException($"{path}: the schema false admits no value");
        if (s.ValueKind != JsonValueKind.Object) throw new UnsupportedSchemaException($"{path}: a schema must be an object or a boolean");
        foreach (var p in s.EnumerateObject())
            if (!Annotations.Contains(p.Name) && !Handled.Contains(p.Name))
                throw new UnsupportedSchemaException($"{path}: the keyword '{p.Name}' is not supported");

        if (s.TryGetProperty("$ref", out var reference)) return Alone(s, "$ref", path) ?? Reference(reference, path, depth);
        if (s.TryGetProperty("anyOf", out var anyOf)) return Alone(s, "anyOf", path) ?? AnyOf(anyOf, path, depth);
        if (s.TryGetProperty("const", out var constant)) return Values([constant], s, path);
        if (s.TryGetProperty("enum", out var values))
        {
            if (values.ValueKind != JsonValueKind.Array || values.GetArrayLength() == 0) throw new UnsupportedSchemaException($"{path}: enum must be a non-empty array");
            return Values([.. values.EnumerateArray()], s, path);
        }
        var types = Types(s, path);
        return JsonGrammar.Choice([.. types.Select(t => Typed(t, s, path, depth))]);
    }

    /// <summary>Null when <paramref name="keyword"/> has only annotations beside it; else throws (its siblings would need an intersection).</summary>
    static GrammarFrame? Alone(JsonElement s, string keyword, string path)
    {
        foreach (var p in s.EnumerateObject())
            if (p.Name != keyword && !Annotations.Contains(p.Name))
                throw new UnsupportedSchemaException($"{path}: '{p.Name}' beside '{keyword}' is not supported");
        return null;
    }

    GrammarFrame Reference(JsonElement reference, string path, int depth)
    {
        var target = reference.GetString() ?? "";
        var parts = target.Split('/');
        if (parts is not ["#", "$defs" or "definitions", var name] || !_root.TryGetProperty(parts[1], out var defs)
            || defs.ValueKind != JsonValueKind.Object || !defs.TryGetProperty(name, out var definition))
            throw new UnsupportedSchemaException($"{path}: $ref '{target}' is not supported (only local references to #/$defs/<name>)");
        if (_refs.TryGetValue(target, out var done)) return done;
        if (!_resolving.Add(target)) throw new UnsupportedSchemaException($"{path}: recursive $ref '{target}' is not supported");
        var grammar = Schema(definition, target, depth + 1);
        _resolving.Remove(target);
        return _refs[target] = grammar;
    }

    GrammarFrame AnyOf(JsonElement anyOf, string path, int depth)
    {
        if (anyOf.ValueKind != JsonValueKind.Array || anyOf.GetArrayLength() == 0) throw new UnsupportedSchemaException($"{path}: anyOf must be a non-empty array");
        return JsonGrammar.Choice([.. anyOf.EnumerateArray().Select((option, i) => Schema(option, $"{path}/anyOf/{i}", depth + 1))]);
    }

    /// <summary>enum/const: each allowed value written compactly, those of another type (when type is given) left out.</summary>
    static GrammarFrame Values(JsonElement[] values, JsonElement s, string path)
    {
        var types = s.TryGetProperty("type", out _) ? Types(s, path) : null;
        var kept = values.Where(v => types is null || types.Contains(TypeOf(v)) || (TypeOf(v) == "integer" && types.Contains("number"))).ToArray();
        if (kept.Length == 0) throw new UnsupportedSchemaException($"{path}: no enum/const value has the schema's type");
        return JsonGrammar.Choice([.. kept.Select(v => JsonGrammar.Literal(JsonSerializer.Serialize(v, Compact)))]);
    }

    static string TypeOf(JsonElement v) => v.ValueKind switch
    {
        JsonValueKind.Object => "object",
        JsonValueKind.Array => "array",
        JsonValueKind.String => "string",
        JsonValueKind.Number => v.TryGetInt64(out _) ? "integer" : "number",
        JsonValueKind.True or JsonValueKind.False => "boolean",
        _ => "null",
    };

    /// <summary>The schema's types: given, or implied by its keywords, or every type.</summary>
    static string[] Types(JsonElement s, string path)
    {
        if (!s.TryGetProperty("type", out var type))
        {
            bool Has(params string[] keywords) => keywords.Any(k => s.TryGetProperty(k, out _));
            return Has("properties", "required", "additionalProperties") ? ["object"]
                : Has("items", "minItems", "maxItems") ? ["array"]
                : Has("minLength", "maxLength", "format") ? ["string"]
                : ["any"];
        }
        string[] types = type.ValueKind switch
        {
            JsonValueKind.String => [type.GetString()!],
            JsonValueKind.Array when type.GetArrayLength() > 0 && type.EnumerateArray().All(t => t.ValueKind == JsonValueKind.String) =>
                [.. type.EnumerateArray().Select(t => t.GetString()!)],
            _ => throw new UnsupportedSchemaException($"{path}: type must be a type name or a non-empty list of them"),
        };
        foreach (var t in types)
            if (t is not ("object" or "array" or "string" or "number" or "integer" or "boolean" or "null"))
                throw new UnsupportedSchemaException($"{path}: unknown type '{t}'");
        return types;
    }

    GrammarFrame Typed(string type, JsonElement s, string path, int depth) => type switch
    {
        "object" => Object(s, path, depth),
        "array" => Array(s, path, depth),
        "string" => String(s, path),
        "number" => JsonGrammar.Number,
        "integer" => JsonGrammar.Integer,
        "boolean" => JsonGrammar.Boolean,
        "null" => JsonGrammar.Null,
        _ => JsonGrammar.Value,
    };

    GrammarFrame Object(JsonElement s, string path, int depth)
    {
        var required = new List<string>();
        if (s.TryGetProperty("required", out var r))
        {
            if (r.ValueKind != JsonValueKind.Array || r.EnumerateArray().Any(n => n.ValueKind != JsonValueKind.String))
                throw new UnsupportedSchemaException($"{path}: required must be a list of property names");
            required.AddRange(r.EnumerateArray().Select(n => n.GetString()!));
        }
        var additional = s.TryGetProperty("additionalProperties", out var a) ? a : default;
        if (!s.TryGetProperty("properties", out var properties))
        {
            if (required.Count == 0)
                return additional.ValueKind switch
                {
                    JsonValueKind.False => JsonGrammar.Literal("{}"),
                    JsonValueKind.Object => JsonGrammar.Map(Schema(additional, $"{path}/additionalProperties", depth + 1)),
                    _ => JsonGrammar.AnyObject,
                };
            properties = default;
        }
        else if (properties.ValueKind != JsonValueKind.Object) throw new UnsupportedSchemaException($"{path}: properties must be an object");

        var declared = properties.ValueKind == JsonValueKind.Object
            ? properties.EnumerateObject().Select(p => new PropertyGrammar(p.Name, Schema(p.Value, $"{path}/properties/{p.Name}", depth + 1), required.Contains(p.Name))).ToList()
            : [];
        foreach (var name in required.Where(n => declared.All(p => p.Name != n)).Distinct())
        {
            if (additional.ValueKind == JsonValueKind.False)
                throw new UnsupportedSchemaException($"{path}: required property '{name}' is not in properties and additionalProperties is false");
            var value = additional.ValueKind == JsonValueKind.Object ? Schema(additional, $"{path}/additionalProperties", depth + 1) : JsonGrammar.Value;
            declared.Add(new PropertyGrammar(name, value, Required: true));
        }
        return JsonGrammar.Object([.. declared]);
    }

    GrammarFrame Array(JsonElement s, string path, int depth)
    {
        var item = JsonGrammar.Value;
        if (s.TryGetProperty("items", out var items))
        {
            if (items.ValueKind == JsonValueKind.Array) throw new UnsupportedSchemaException($"{path}: items as a list (tuple validation) is not supported");
            item = Schema(items, $"{path}/items", depth + 1);
        }
        var (min, max) = Bounds(s, "minItems", "maxItems", path);
        return JsonGrammar.Array(item, min, max);
    }

    static GrammarFrame String(JsonElement s, string path)
    {
        var (min, max) = Bounds(s, "minLength", "maxLength", path);
        if (!s.TryGetProperty("format", out var format)) return JsonGrammar.String(min, max);
        if (min != 0 || max != int.MaxValue) throw new UnsupportedSchemaException($"{path}: minLength/maxLength beside format is not supported");
        return format.GetString() switch
        {
            "date" => JsonGrammar.Date,
            "uuid" => JsonGrammar.Uuid,
            var other => throw new UnsupportedSchemaException($"{path}: string format '{other}' is not supported (supported: date, uuid)"),
        };
    }

    static (int Min, int Max) Bounds(JsonElement s, string minName, string maxName, string path)
    {
        int min = Count(s, minName, path) ?? 0, max = Count(s, maxName, path) ?? int.MaxValue;
        if (min > max) throw new UnsupportedSchemaException($"{path}: {minName} {min} exceeds {maxName} {max}");
        return (min, max);
    }

    static int? Count(JsonElement s, string name, string path)
    {
        if (!s.TryGetProperty(name, out var v)) return null;
        if (v.ValueKind != JsonValueKind.Number || !v.TryGetInt32(out var n) || n < 0)
            throw new UnsupportedSchemaException($"{path}: {name} must be a non-negative integer");
        return n;
    }
}
