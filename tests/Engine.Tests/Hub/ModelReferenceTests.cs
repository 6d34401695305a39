using SmolLM3.Engine.Hub;

namespace SmolLM3.Engine.Tests.Hub;

public class ModelReferenceTests
{
    [Theory]
    [InlineData("HuggingFaceTB/SmolLM3-3B", "HuggingFaceTB/SmolLM3-3B", "main", null)]
    [InlineData("unsloth/SmolLM3-3B-GGUF:Q4_K_M", "unsloth/SmolLM3-3B-GGUF", "main", "Q4_K_M")]
    [InlineData("org/name@v1.0", "org/name", "v1.0", null)]
    [InlineData("org/name:UD-Q4_K_XL@refs/pr/1", "org/name", "refs/pr/1", "UD-Q4_K_XL")]
    public void Parses(string text, string repo, string revision, string? quant)
    {
        Assert.True(ModelReference.TryParse(text, out var r));
        Assert.Equal(new ModelReference(repo, revision, quant), r);
        Assert.Equal(text, r.ToString());
    }

    [Theory]
    [InlineData("SmolLM3-3B"), InlineData("a/b/c"), InlineData("/abs/path"), InlineData("org/name:"), InlineData("org/name@")]
    public void RejectsWhatIsNotAnId(string text) => Assert.False(ModelReference.TryParse(text, out _));
}
