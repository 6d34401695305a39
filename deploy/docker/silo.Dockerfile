# Silo image. Build from the repository root:
#   docker build -f deploy/docker/silo.Dockerfile -t smollm3-silo:cpu .
#   docker build -f deploy/docker/silo.Dockerfile --build-arg TORCH_BACKEND=cuda -t smollm3-silo:cuda .
# Base: Ubuntu 24.04 (noble), the .NET 10 images' default distro. Its libstdc++ (GCC 14) has the
# GLIBCXX_3.4.32 that libtorch 2.10 needs; libgomp ships inside the libtorch package itself.
# aspnet rather than runtime: the silo serves gRPC health over Kestrel.
ARG TORCH_BACKEND=cpu

FROM mcr.microsoft.com/dotnet/sdk:10.0-noble AS build
ARG TORCH_BACKEND
WORKDIR /src
# Project files first, so the (large) libtorch restore is cached until a dependency changes.
COPY Directory.Build.props Directory.Packages.props ./
COPY src/Silo/Silo.csproj src/Silo/
COPY src/Contracts/Contracts.csproj src/Contracts/
COPY src/Engine/Engine.csproj src/Engine/
RUN dotnet restore src/Silo/Silo.csproj -r linux-x64 -p:TorchBackend=${TORCH_BACKEND}
COPY src/ src/
RUN dotnet publish src/Silo/Silo.csproj -c Release --no-restore -r linux-x64 --self-contained false \
    -p:TorchBackend=${TORCH_BACKEND} -p:UseAppHost=false -o /app

FROM mcr.microsoft.com/dotnet/aspnet:10.0-noble
# The CUDA build bundles the CUDA runtime libraries in libtorch; the driver comes from the node
# through the NVIDIA container runtime, which reads this. Harmless on the CPU build.
ENV NVIDIA_DRIVER_CAPABILITIES=compute,utility
WORKDIR /app
COPY --from=build /app .
# Model files live on a volume mounted here (SmolLM3__Silo__ModelCache).
RUN mkdir /models && chown "$APP_UID" /models
# APP_UID (1654) is the non-root "app" user the .NET images create.
USER $APP_UID
EXPOSE 11111 30000 8081 9464
ENTRYPOINT ["dotnet", "SmolLM3.Silo.dll"]
