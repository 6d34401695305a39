using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
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
        SetEndpoint(builder.Configuration, endpoint);
        builder.AddSmolLMSiloTelemetry();
        AssertProviders(builder.Services, traces);
    }

    [Theory]
    [InlineData(null, false)]
    [InlineData("http://collector:4317", true)]
    public void A_gateway_records_spans_only_when_they_are_exported(string? endpoint, bool traces)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        SetEndpoint(builder.Configuration, endpoint);
        builder.AddSmolLMGatewayTelemetry();
        AssertProviders(builder.Services, traces);
    }

    static void SetEndpoint(IConfiguration configuration, string? endpoint)
    {
        if (endpoint is not null) configuration[OtlpExport.EndpointSetting] = endpoint;
    }

    static void AssertProviders(IServiceCollection registrations, bool traces)
    {
        using var services = registrations.BuildServiceProvider();
        Assert.Equal(traces, services.GetService<TracerProvider>() is not null);
        Assert.NotNull(services.GetService<MeterProvider>());
    }
}
