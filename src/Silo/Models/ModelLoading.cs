using Microsoft.Extensions.Logging;
using SmolLM3.Engine.Loading;

namespace SmolLM3.Silo.Models;

/// <summary>
/// The start-up step that loads the model: an early stage of the silo's lifecycle, so the silo joins the cluster
/// (and readiness turns SERVING) only with its model in memory, whatever order the host's services start in.
/// Stopping the host during the load cancels it.
/// </summary>
public sealed class ModelLoading(ModelHost host, ILogger<ModelLoading> logger) : ILifecycleParticipant<ISiloLifecycle>
{
    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(ModelLoading), ServiceLifecycleStage.RuntimeInitialize, async ct =>
        {
            try
            {
                await Task.Run(() => host.Load(ct), ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                logger.LogWarning("Model load cancelled: the silo is stopping");
                throw;
            }
            catch (Exception e) when (e is ContextSettingsException or SiloSettingException)
            {
                logger.LogCritical("The silo cannot start: {Reason}", e.Message);   // the message names the configuration key
                throw;
            }
        });
}
