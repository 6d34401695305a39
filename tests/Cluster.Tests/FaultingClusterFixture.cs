using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SmolLM3.Hosting;
using SmolLM3.Engine.Text;
using SmolLM3.Silo.Models;

namespace SmolLM3.Cluster.Tests;

/// <summary>
/// A cluster whose model fails (<see cref="FaultingModel"/>) on any prompt containing <see cref="Marker"/>
/// and serves every other one, and whose logs the tests can read.
/// </summary>
public sealed class FaultingClusterFixture : ClusterFixture
{
    public const string Marker = "Kaboom";

    public LogCapture Logs { get; } = new();

    protected override EmbeddedClusterOptions Customize(EmbeddedClusterOptions options)
    {
        int[] marker = [.. TextTokenizer.FromHuggingFace(options.ModelPath).Encode(" " + Marker)];
        return options with
        {
            ConfigureServices = services =>
            {
                services.AddSingleton<ModelDecorator>(loaded => new FaultingModel(loaded, marker));
                services.AddSingleton<ILoggerProvider>(Logs);
            },
        };
    }
}
