using System.Net;
using SmolLM3.Gateway.Hosting;

// A stand-alone gateway in front of a localhost cluster; keys, limits, models and ports come from configuration (SmolLM3:…).
var builder = WebApplication.CreateBuilder(args);
var ports = builder.Configuration.GetSection(GatewayOptions.Section).Get<GatewayOptions>() ?? new GatewayOptions();
builder.ListenOn(IPAddress.Any, ports.GrpcPort, ports.HttpPort);   // all interfaces: the gateway is what clients reach
builder.UseOrleansClient(client => client.UseLocalhostClustering());
builder.AddSmolLMGateway();
var app = builder.Build();
app.MapSmolLMGateway();
app.Run();
