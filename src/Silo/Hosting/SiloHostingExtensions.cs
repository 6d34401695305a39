using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using SmolLM3.Silo.Conversations;
using SmolLM3.Silo.Migration;
using SmolLM3.Silo.Models;
using SmolLM3.Silo.Placement;
using SmolLM3.Silo.Scheduling;
using SmolLM3.Silo.Telemetry;
using SmolLM3.Silo.Storage;

namespace SmolLM3.Silo.Hosting;

/// <summary>Composition of a SmolLM silo: the model and its KV pool, its scheduler, the grains, their storage and placement.</summary>
public static class SiloHostingExtensions
{
    /// <summary>Hosts an Orleans silo as <paramref name="settings"/> say (model path already local: see <see cref="SiloModel"/>).</summary>
    public static IHostApplicationBuilder AddSmolLMSilo(this IHostApplicationBuilder builder, SiloSettings settings)
    {
        builder.Services.AddSmolLMModel(settings.Silo);
        builder.AddSmolLMSiloTelemetry();
        builder.UseOrleans(silo => silo.UseSmolLMClustering(settings.Cluster).AddSmolLMGrains(settings.Storage, settings.Cluster.ResponseTimeout));
        builder.Services.AddHostedService<SiloDrain>();   // after Orleans: hosted services stop in reverse order, so the drain runs first
        return builder;
    }

    /// <summary>The model, its batch scheduler and what placement reads of them, for the silo in this host.</summary>
    public static IServiceCollection AddSmolLMModel(this IServiceCollection services, SmolLMSiloOptions options)
    {
        services.AddSingleton(Options.Create(options));
        services.AddMetrics();
        services.AddSingleton<SiloMetrics>();
        services.AddSingleton<ModelHost>();
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>, ModelLoading>();
        services.AddSingleton<BatchScheduler>();
        services.AddHostedService(sp => sp.GetRequiredService<BatchScheduler>());
        services.AddSingleton<ISchedulerStats>(sp => sp.GetRequiredService<BatchScheduler>());
        services.TryAddSingleton<OpenTurns>();
        services.AddSingleton<TurnRunner>();
        services.AddSingleton<KvPoolCapacity>();
        services.AddSingleton<IKvCapacity>(sp => sp.GetRequiredService<KvPoolCapacity>());
        services.TryAddSingleton<SiloReadiness>();
        return services;
    }

    /// <summary>Conversation storage, model-aware placement with its capacity reports, readiness, and timeouts.</summary>
    public static ISiloBuilder AddSmolLMGrains(this ISiloBuilder silo, SmolLMStorageOptions storage, TimeSpan? responseTimeout = null)
    {
        silo.AddConversationStorage(storage);
        silo.AddActivityPropagation();   // gateway → grain calls stay in the caller's trace
        silo.Services.AddSingleton<CapacityBoard>();
        silo.Services.AddSingleton<PlacementModels>();
        silo.AddPlacementDirector<ModelPlacement, ModelPlacementDirector>();
        silo.AddPlacementDirector<SiloPinnedPlacement, SiloPinnedPlacementDirector>();
        silo.Services.AddSingleton<LocalConversations>();
        silo.Services.AddSingleton<KvTransfer>();
        silo.Services.AddSingleton<MoveTargets>();
        silo.Services.AddSingleton<ConversationMigration>();
        silo.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>, KvRebalancer>();
        silo.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>, CapacityReporter>();
        silo.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>, ReadinessParticipant>();
        // A streamed turn's calls get a heartbeat every half of this while a long prefill runs (see SmolLMClusterOptions.ResponseTimeout).
        silo.Configure<SiloMessagingOptions>(o => o.ResponseTimeout = responseTimeout ?? TimeSpan.FromSeconds(30));
        return silo;
    }
}
