namespace SmolLM3.Cluster.Tests.Scripted;

/// <summary>A scripted cluster rendering with SmolLM3's official chat template (xml_tools, tool results as user turns).</summary>
public sealed class SmolLM3TemplateClusterFixture : ScriptedClusterFixture
{
    protected override string? ChatTemplate => null;
}
