using System.Text;

namespace SmolLM3.Engine.Tests.Hub;

/// <summary>One fake hub per test class, serving the tiny-smollm3 fixture as three repos.</summary>
public sealed class HubFixture : IDisposable
{
    public const string Folder = "org/tiny-smollm3", Gguf = "org/tiny-gguf", Sharded = "org/tiny-sharded";

    readonly TempFolder generated = new();

    public FakeHub Hub { get; } = new();

    public HubFixture()
    {
        if (Fixtures.Root is null) return; // the tests skip themselves
        var root = Path.Combine(Fixtures.Root, "tiny-smollm3");
        var hf = Directory.GetFiles(Path.Combine(root, "hf")).ToDictionary(f => Path.GetFileName(f), f => f);
        Hub.AddRepo(Folder, hf);
        Hub.AddRepo(Gguf, new Dictionary<string, string>
        {
            ["model-q8_0.gguf"] = Path.Combine(root, "model-q8_0.gguf"),
            ["model-q4_k_m.gguf"] = Path.Combine(root, "model-q4_k_m.gguf"),
            ["README.md"] = generated.Write("README.md", "# tiny gguf"u8.ToArray()),
        });
        // Shards are opaque bytes to the resolver: only the index's weight_map matters.
        var sharded = hf.Where(kv => kv.Key != "model.safetensors").ToDictionary();
        sharded["model.safetensors.index.json"] = generated.Write("index.json", Encoding.UTF8.GetBytes(
            """{"metadata":{},"weight_map":{"a":"model-00001-of-00002.safetensors","b":"model-00002-of-00002.safetensors","c":"model-00001-of-00002.safetensors"}}"""));
        sharded["model-00001-of-00002.safetensors"] = generated.Write("s1", Enumerable.Range(0, 5000).Select(i => (byte)i).ToArray());
        sharded["model-00002-of-00002.safetensors"] = generated.Write("s2", Enumerable.Range(0, 7000).Select(i => (byte)(i * 7)).ToArray());
        sharded["chat_template.jinja"] = generated.Write("chat_template.jinja", "{{ messages }}"u8.ToArray());
        Hub.AddRepo(Sharded, sharded);
    }

    public void Dispose()
    {
        Hub.Dispose();
        generated.Dispose();
    }
}
