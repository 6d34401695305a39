using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using SmolLM3.Engine.Loading;
using Spectre.Console;

namespace SmolLM3.Cli.Commands;

/// <summary>
/// <c>smollm3 inspect --model M [--json]</c>: architecture, context and rope scaling in effect (with the context flags
/// applied), sizes, memory needs and tensors, without loading weights.
/// </summary>
static class InspectCommand
{
    static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
    };

    public static Command Create()
    {
        var model = new ModelOptions(loads: false, context: true);
        var json = new Option<bool>("--json") { Description = "Print the report as JSON (snake_case) instead of tables" };
        var command = new Command("inspect", "Show a model's architecture, memory needs and tensors");
        model.AddTo(command);
        command.Add(json);
        command.SetAction(parsed =>
        {
            var request = model.Read(parsed);
            using var source = request.Open();
            var report = ModelReport.Of(source);
            var stdout = parsed.InvocationConfiguration.Output;
            if (parsed.GetValue(json)) stdout.WriteLine(JsonSerializer.Serialize(report, Json));
            else Render(report, Consoles.For(stdout));
            return Cli.Ok;
        });
        return command;
    }

    static void Render(ModelReport r, IAnsiConsole console)
    {
        console.WriteLine(r.Source);
        var summary = new Table().Border(TableBorder.Rounded).HideHeaders()
            .AddColumn("property").AddColumn("value");
        void Row(string name, string value) => summary.AddRow(new Text(name), new Text(value));
        Row("architecture", r.Architecture);
        Row("hidden / intermediate", $"{r.HiddenSize} / {r.IntermediateSize}");
        Row("layers", Count(r.NumLayers));
        Row("heads / KV heads / head dim", $"{r.NumHeads} / {r.NumKvHeads} / {r.HeadDim}");
        Row("RoPE theta", r.RopeTheta.ToString("G", CultureInfo.InvariantCulture));
        Row("NoPE layers", r.NopeLayers.Length == 0 ? "none" : string.Join(", ", r.NopeLayers));
        Row("rope scaling", r.Yarn is { } y
            ? $"YaRN factor {y.Factor.ToString(CultureInfo.InvariantCulture)} × original context {Count(y.OriginalMaxPositionEmbeddings)} = {Count(r.SupportedContextLength)}"
            : $"none (max_position_embeddings {Count(r.MaxPositionEmbeddings)})");
        Row("vocabulary", Count(r.VocabSize));
        Row("context length", r.ContextLength == r.SupportedContextLength
            ? Count(r.ContextLength)
            : $"{Count(r.ContextLength)} (of {Count(r.SupportedContextLength)} the rope scaling supports)");
        Row("tied LM head", r.TiedEmbeddings ? "yes" : "no");
        Row("parameters", Count(r.ParameterCount));
        Row("weights at F32 / BF16", $"{Bytes(r.WeightBytesF32)} / {Bytes(r.WeightBytesBf16)}");
        Row("dtype auto on this CPU", $"{r.AutoDType} ({r.AutoDTypeReason})");
        Row("KV cache by default (--kv-dtype)", r.AutoKvDType);
        Row("weights held so (quantized matrices packed)", Bytes(r.WeightBytesLoaded));
        var kvTypes = string.Join(" / ", r.KvCache.Select(k => k.Type));
        Row($"KV cache per token ({kvTypes})", string.Join(" / ", r.KvCache.Select(k => Bytes(k.BytesPerToken))));
        for (int i = 0; i < ModelReport.KvContexts.Length; i++)
            Row($"KV cache at {ModelReport.KvContexts[i] / 1024}k tokens ({kvTypes})", string.Join(" / ", r.KvCache.Select(k => Bytes(k.Sizes[i].Bytes))));
        console.Write(summary);

        var storage = new Table().Border(TableBorder.Rounded).Title("storage")
            .AddColumn("type").AddColumn(new TableColumn("tensors").RightAligned()).AddColumn(new TableColumn("bytes").RightAligned());
        foreach (var s in r.Storage) storage.AddRow(new Text(s.Type), new Text(Count(s.Tensors)), new Text(Bytes(s.Bytes)));
        console.Write(storage);

        var tensors = new Table().Border(TableBorder.Rounded).Title("tensors")
            .AddColumn("name").AddColumn("shape").AddColumn("type").AddColumn(new TableColumn("bytes").RightAligned());
        foreach (var t in r.Tensors)
            tensors.AddRow(new Text(t.Name), new Text(string.Join(" × ", t.Shape)), new Text(t.Type), new Text(Bytes(t.Bytes)));
        console.Write(tensors);
    }

    static string Count(long n) => n.ToString("N0", CultureInfo.InvariantCulture);

    static string Bytes(long n)
    {
        string[] units = ["B", "KiB", "MiB", "GiB", "TiB"];
        double v = n;
        int u = 0;
        while (v >= 1024 && u < units.Length - 1) { v /= 1024; u++; }
        return u == 0 ? $"{n} B" : $"{v.ToString("0.##", CultureInfo.InvariantCulture)} {units[u]}";
    }
}
