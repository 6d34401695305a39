using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;
using Orleans.Serialization;
using Orleans.Storage;
using SmolLM3.Silo.Storage;
using SmolLM3.Silo.Models;
using SmolLM3.Silo.Placement;
using SmolLM3.Silo.Scheduling;

namespace SmolLM3.Silo.Hosting;

/// <summary>Composition of a SmolLM silo: the model and its KV pool, its scheduler, the grains and their storage.</summary>
public static class SiloHostingExtensions
{
    /// <summary>Grain storage holding conversation transcripts.</summary>
    public const string ConversationStorage = "conversations";

    /// <summary>
    /// Hosts an Orleans silo serving the model at <paramref name="modelPath"/>. Clustering is localhost
    /// unless <paramref name="configureSilo"/> says otherwise. Transcripts are stored under
    /// <see cref="SmolLMSiloOptions.DataFolder"/> when it is set (they survive a restart), else in memory.
    /// </summary>
    public static IHostApplicationBuilder AddSmolLMSilo(
        this IHostApplicationBuilder builder, string modelPath,
        Action<SmolLMSiloOptions>? configure = null, Action<ISiloBuilder>? configureSilo = null)
    {
        var options = new SmolLMSiloOptions { ModelPath = modelPath };
        configure?.Invoke(options);
        builder.Services.Configure<SmolLMSiloOptions>(o =>
        {
            o.ModelPath = modelPath;
            configure?.Invoke(o);
        });
        builder.Services.AddSingleton<ModelHost>();
        builder.Services.AddSingleton<KvPoolCapacity>();
        builder.Services.AddSingleton<IKvCapacity>(sp => sp.GetRequiredService<KvPoolCapacity>());
        builder.Services.AddSingleton<BatchScheduler>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<BatchScheduler>());
        builder.UseOrleans(silo =>
        {
            if (configureSilo is null) silo.UseLocalhostClustering();
            else configureSilo(silo);
            if (options.DataFolder is { } folder)
                silo.Services.AddKeyedSingleton<IGrainStorage>(ConversationStorage,
                    (sp, _) => new FolderGrainStorage(Path.Combine(folder, ConversationStorage), sp.GetRequiredService<Serializer>()));
            else
                silo.AddMemoryGrainStorage(ConversationStorage);
            // Each streamed token is one grain call; a long prefill on a large CPU model can take well
            // over Orleans' 30 s default before the first one arrives.
            silo.Configure<SiloMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromMinutes(5));
        });
        return builder;
    }
}
