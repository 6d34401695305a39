using System.Text.RegularExpressions;

namespace SmolLM3.Engine.Hub;

/// <summary>A model on the hub: <c>org/name</c>, optionally <c>:QUANT</c> (a GGUF file) and <c>@revision</c>.</summary>
public sealed partial record ModelReference(string RepoId, string Revision = "main", string? Quant = null)
{
    public static bool TryParse(string text, out ModelReference reference)
    {
        var m = Pattern().Match(text);
        reference = m.Success
            ? new ModelReference(m.Groups["repo"].Value,
                m.Groups["rev"].Success ? m.Groups["rev"].Value : "main",
                m.Groups["quant"].Success ? m.Groups["quant"].Value : null)
            : null!;
        return m.Success;
    }

    public override string ToString() =>
        RepoId + (Quant is null ? "" : ":" + Quant) + (Revision == "main" ? "" : "@" + Revision);

    // Repo names: letters, digits, '-', '_', '.'; revisions may contain '/' (refs/pr/1) but not ':'.
    [GeneratedRegex(@"^(?<repo>[\w.\-]+/[\w.\-]+)(?::(?<quant>[\w.\-]+))?(?:@(?<rev>[^\s:@]+))?$")]
    private static partial Regex Pattern();
}
