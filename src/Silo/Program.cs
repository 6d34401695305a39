using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using SmolLM3.Silo.Hosting;

// A stand-alone silo: SmolLM3:ModelPath names the model (command line --SmolLM3:ModelPath=… or environment).
var builder = Host.CreateApplicationBuilder(args);
builder.AddSmolLMSilo(builder.Configuration["SmolLM3:ModelPath"]
    ?? throw new InvalidOperationException("set SmolLM3:ModelPath to a model folder or .gguf file"));
await builder.Build().RunAsync();
