using SmolLM3.Engine.Loading;
using SmolLM3.Engine.Model;
using System.CommandLine;
using TorchSharp;

namespace SmolLM3.Cli;

/// <summary>What a command needs to open and load a model, read from the shared options.</summary>
sealed record ModelRequest(string Path, torch.ScalarType DType, torch.Device Device, ContextSettings Context)
{
    /// <summary>How <see cref="DType"/> was chosen when <c>--dtype auto</c> chose it (null: named on the command line).</summary>
    public DTypeChoice? AutoDType { get; init; }

    /// <summary>How KV caches hold keys and values as chosen on the command line; null: none chosen.</summary>
    public KvFormat? KvFormat { get; init; }

    /// <summary><see cref="KvFormat"/>, or the default for <see cref="DType"/> when none was chosen (what loading will hold).</summary>
    public KvFormat KvFormatInUse => KvFormat ?? Engine.Model.KvFormat.DefaultFor(DType);

    /// <summary>Opens the checkpoint with the context settings applied; one that contradicts it is a usage error naming its flag.</summary>
    public IWeightSource Open()
    {
        try { return ModelSources.Open(Path, Context, ContextFlags.NameOf); }
        catch (ContextSettingsException e) { throw new CliUsageException(e.Message, e); }
    }
}

/// <summary>
/// The options every model command shares: <c>--model</c>; for commands that load weights <c>--dtype</c>,
/// <c>--kv-dtype</c>, <c>--threads</c> and <c>--device</c>; and for those and the ones that report the context, the context and
/// rope-scaling flags (<see cref="ContextFlags"/>). Create one per command, <see cref="AddTo"/>, then <see cref="Read"/>.
/// </summary>
sealed class ModelOptions
{
    readonly bool _loads;
    readonly ContextFlags? _context;

    public Option<string> Model { get; } = new("--model", "-m")
    {
        Description = "Hugging Face model folder or .gguf file, or a hub id (HuggingFaceTB/SmolLM3-3B, unsloth/SmolLM3-3B-GGUF:Q4_K_M)",
        Required = true,
    };

    public Option<string> DType { get; } = new("--dtype")
    {
        Description = "Weight and activation type; auto: the checkpoint's own (BF16 for SmolLM3) on a GPU or a CPU with AVX-512 BF16, else f32",
        DefaultValueFactory = _ => DTypeChoice.Auto,
    };

    public Option<string?> KvDType { get; } = new("--kv-dtype")
    {
        Description = "How the KV cache holds keys and values: f32, bf16, f16 or q8_0 (default: bf16, f16 for f16 compute; f32 is exact); bf16 or f16 hold twice the tokens of f32 in the same memory, q8_0 (blocks of 32 with a scale, CPU only) nearly four times",
    };

    public Option<int?> Threads { get; } = new("--threads")
    {
        Description = "CPU threads for torch (default: torch's choice)",
    };

    public Option<string> Device { get; } = new("--device")
    {
        Description = "cpu, cuda or cuda:N",
        DefaultValueFactory = _ => "cpu",
    };

    /// <param name="loads">Whether the command loads weights (adds --dtype, --threads, --device).</param>
    /// <param name="context">Whether it takes the context and rope-scaling flags (default: when it loads weights).</param>
    public ModelOptions(bool loads, bool? context = null)
    {
        _loads = loads;
        _context = (context ?? loads) ? new ContextFlags() : null;
        DType.AcceptOnlyFromAmong([.. DTypeChoice.Names]);
        KvDType.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<string?>() is { } kv && !Engine.Model.KvFormat.Names.Contains(kv))
                r.AddError($"--kv-dtype '{kv}' is not one of {string.Join(", ", Engine.Model.KvFormat.Names)}");
        });
        Threads.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int?>() is < 1) r.AddError("--threads must be at least 1");
        });
    }

    public void AddTo(Command command)
    {
        command.Add(Model);
        _context?.AddTo(command);
        if (!_loads) return;
        command.Add(DType);
        command.Add(KvDType);
        command.Add(Threads);
        command.Add(Device);
    }

    /// <summary>Reads the options, fetches a Hugging Face id into the local cache (unless <paramref name="localPath"/> is given), and applies <c>--threads</c>.</summary>
    /// <exception cref="CliUsageException">The model is neither a path nor a reachable id, the device is unavailable, or a context flag is out of range.</exception>
    public ModelRequest Read(ParseResult parsed, string? localPath = null)
    {
        var context = _context?.Read(parsed) ?? new ContextSettings();   // before a download: a bad value fails fast
        var path = localPath ?? ModelDownloads.Resolve(parsed.GetRequiredValue(Model), parsed.InvocationConfiguration.Error);
        var request = new ModelRequest(path, torch.ScalarType.Float32, torch.CPU, context);
        if (!_loads)
        {
            if (!context.IsEmpty) using (request.Open()) { }   // checked against the checkpoint before anything loads or starts
            return request;
        }

        if (parsed.GetValue(Threads) is { } threads) torch.set_num_threads(threads);
        request = request with
        {
            KvFormat = parsed.GetValue(KvDType) is { } kv ? Engine.Model.KvFormat.Parse(kv) : null,
            Device = ParseDevice(parsed.GetValue(Device) ?? "cpu"),
        };
        using var source = request.Open();   // the context checked and the dtype chosen before anything loads or starts
        var dtype = DTypeChoice.Resolve(parsed.GetValue(DType) ?? DTypeChoice.Auto, source, request.Device);
        return request with { DType = dtype.DType, AutoDType = dtype.IsAuto ? dtype : null };
    }

    static torch.Device ParseDevice(string text)
    {
        if (text == "cpu") return torch.CPU;
        if (text != "cuda" && !text.StartsWith("cuda:", StringComparison.Ordinal))
            throw new CliUsageException($"--device '{text}' is not one of cpu, cuda, cuda:N");
        int index = 0;
        if (text.Length > 4 && (!int.TryParse(text.AsSpan(5), out index) || index < 0))
            throw new CliUsageException($"--device '{text}': the CUDA device number must be a non-negative integer");
        if (!torch.cuda.is_available())
            throw new CliUsageException($"--device {text}: CUDA is not available (no GPU, or this build uses the CPU libtorch; build with -p:TorchBackend=cuda)");
        int count = torch.cuda.device_count();
        if (index >= count) throw new CliUsageException($"--device {text}: only {count} CUDA device{(count == 1 ? "" : "s")} present");
        return torch.device(text);
    }
}
