using OpenTelemetry;
using SmolLM3.Contracts.Hosting;
using SmolLM3.Gateway.Hosting;

// A stand-alone gateway: the Orleans client from SmolLM3:Cluster; keys, limits, models and ports from SmolLM3 (env: SmolLM3__Cluster__Redis, SmolLM3__HttpPort, …).
var builder = WebApplication.CreateBuilder(args);
builder.AddSmolLMClusterClient();
builder.AddSmolLMGateway();
builder.ListenOnAllInterfaces();
if (OtlpExport.IsConfigured(builder.Configuration))
    builder.Services.AddOpenTelemetry().UseOtlpExporter();   // traces and metrics over OTLP, standard OTEL_* settings
var app = builder.Build();
app.MapSmolLMGateway();
app.Run();
