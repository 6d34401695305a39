using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using SmolLM3.Silo.Hosting;
using SmolLM3.Silo.Telemetry;

// A stand-alone silo configured by SmolLM3:Silo, SmolLM3:Cluster and SmolLM3:Storage (env: SmolLM3__Silo__ModelPath, …).
SmolLM3.Engine.Kernels.NativeDefaults.Apply();   // before anything loads libtorch
var builder = Host.CreateApplicationBuilder(args);
var settings = SiloSettings.Bind(builder.Configuration);
await SiloModel.ResolveAsync(settings.Silo, Console.Error);   // a hub id is downloaded into the model cache once
if (settings.Silo.DownloadOnly) return 0;                      // an init container's whole job
var readiness = new SiloReadiness();
await using var health = await SiloHealthServer.StartAsync(settings.Silo.HealthPort, readiness);
builder.Services.AddSingleton(readiness);
builder.AddSmolLMSilo(settings);
builder.AddOtlpExportWhenConfigured();   // the silo's metrics and spans leave the process over OTLP
if (settings.Silo.MetricsPort is { } metricsPort) builder.AddPrometheusEndpoint(metricsPort);   // and can be scraped
await builder.Build().RunAsync();
return 0;
