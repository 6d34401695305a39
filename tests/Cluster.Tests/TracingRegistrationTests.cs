using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using SmolLM3.Contracts.Hosting;
using SmolLM3.Gateway.Hosting;
using SmolLM3.Silo.Telemetry;

namespace SmolLM3.Cluster.Tests;

/// <summary>Spans are recorded only where they are sent somewhere; metrics always are (the Prometheus endpoint serves them).</summary>
public sealed class TracingRegistrationTests
{
    [Theory]
    [InlineData(null, false)]
    [InlineData("   ", false)]
    [InlineData("http://collector:4317", true)]
    public void A_silo_records_spans_only_when_they_are_exported(string? endpoint, bool traces)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        if (endpoint is not null) builder.Configuration[OtlpExport.EndpointSetting] = endpoint;
        builder.AddSmolLMSiloTelemetry();
        using var services = builder.Services.BuildServiceProvider();

        Assert.Equal(traces, services.GetService<TracerProvider>() is not null);
        Assert.NotNull(services.GetService<MeterProvider>());
    }

    [Theory]
    [InlineData(null, false)]
    [InlineData("http://collector:4317", true)]
    public void A_gateway_records_spans_only_when_they_are_exported(string? endpoint, bool traces)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        if (endpoint is not null) builder.Configuration[OtlpExport.EndpointSetting] = endpoint;
        builder.AddSmolLMGatewayTelemetry();
        using var services = builder.Services.BuildServiceProvider();

        Assert.Equal(traces, services.GetService<TracerProvider>() is not null);
        Assert.NotNull(services.GetService<MeterProvider>());
    }
}
