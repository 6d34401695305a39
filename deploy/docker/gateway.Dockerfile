# Gateway image. Build from the repository root:
#   docker build -f deploy/docker/gateway.Dockerfile -t smollm3-gateway .
# Runtime base: Ubuntu 24.04 chiseled ASP.NET (no shell, no package manager, non-root by default).
# The gateway is managed code only; the manifests use Kubernetes' sleep action for preStop, so no
# shell is needed.
FROM mcr.microsoft.com/dotnet/sdk:10.0-noble AS build
WORKDIR /src
COPY Directory.Build.props Directory.Packages.props ./
COPY src/Gateway/Gateway.csproj src/Gateway/
COPY src/Contracts/Contracts.csproj src/Contracts/
RUN dotnet restore src/Gateway/Gateway.csproj
COPY src/ src/
RUN dotnet publish src/Gateway/Gateway.csproj -c Release --no-restore -p:UseAppHost=false -o /app

FROM mcr.microsoft.com/dotnet/aspnet:10.0-noble-chiseled
WORKDIR /app
COPY --from=build /app .
USER $APP_UID
EXPOSE 5080 8080
ENTRYPOINT ["dotnet", "SmolLM3.Gateway.dll"]
