using SmolLM3.Engine.Hub;

namespace SmolLM3.Engine.Tests.Hub;

public class HubOptionsTests
{
    static HubOptions From(params (string Name, string Value)[] env) =>
        HubOptions.FromEnvironment(name => env.FirstOrDefault(e => e.Name == name).Value);

    [Fact]
    public void ReadsTheHuggingFaceVariables()
    {
        var o = From(("HF_HOME", "/h"), ("HF_ENDPOINT", "http://127.0.0.1:5/"), ("HF_TOKEN", "t"), ("HF_HUB_OFFLINE", "1"));
        Assert.Equal(("/h", Path.Combine("/h", "hub"), "http://127.0.0.1:5", "t", true), (o.HfHome, o.CacheDir, o.Endpoint, o.Token, o.Offline));
    }

    [Fact]
    public void HubCacheOverridesHfHomeAndDefaultsApply()
    {
        var o = From(("HF_HOME", "/h"), ("HF_HUB_CACHE", "/c"), ("HF_TOKEN_PATH", "/nonexistent/token"));
        Assert.Equal(("/c", HubOptions.DefaultEndpoint, (string?)null, false), (o.CacheDir, o.Endpoint, o.Token, o.Offline));
        Assert.Equal(Path.Combine("/x", "huggingface"), From(("XDG_CACHE_HOME", "/x"), ("HF_TOKEN_PATH", "/nonexistent/token")).HfHome);
    }

    [Fact]
    public void TheLoginTokenFileIsTheFallback()
    {
        using var home = new TempFolder();
        home.Write("token", "hf_file\n"u8.ToArray());
        Assert.Equal("hf_file", From(("HF_HOME", home.Root)).Token);
    }

    [Theory]
    [InlineData("true", true), InlineData("YES", true), InlineData("0", false), InlineData("", false)]
    public void OfflineAcceptsHuggingFaceTruthyValues(string value, bool offline) =>
        Assert.Equal(offline, From(("HF_HOME", "/h"), ("HF_HUB_OFFLINE", value)).Offline);
}
