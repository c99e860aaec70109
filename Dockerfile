# The relayer node (relayer run --config /config/node.json). Multi-stage: the SDK builds, the ASP.NET runtime runs,
# as a non-root user. Build from the repository root: docker build -t discreteexec-relayer .
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY . .
RUN dotnet publish src/Relayer/Relayer.csproj -c Release -o /app --nologo

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
# curl: the compose healthcheck asks the node's /v1/health.
RUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*
RUN groupadd --system relayer && useradd --system --gid relayer --home-dir /data relayer \
    && mkdir -p /data && chown relayer:relayer /data
WORKDIR /app
COPY --from=build /app .
USER relayer
EXPOSE 8080
ENTRYPOINT ["dotnet", "DiscreteExec.Relayer.dll"]
CMD ["run", "--config", "/config/node.json"]
