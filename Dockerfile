# The relayer node (relayer run --config FILE), also the compose file's chain setup and traffic (relayer cluster setup,
# relayer cluster traffic: they deploy the compiled contracts copied beside the binaries). Multi-stage: the SDK builds,
# the ASP.NET runtime runs, as a non-root user. Build from the repository root: docker build -t discreteexec-relayer .
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY . .
RUN dotnet publish src/Relayer/Relayer.csproj -c Release -o /app --nologo

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
# curl: the compose healthcheck asks the node's /v1/health.
RUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*
RUN groupadd --system relayer && useradd --system --gid relayer --home-dir /data relayer \
    && mkdir -p /data /cluster && chown relayer:relayer /data /cluster
WORKDIR /app
COPY --from=build /app .
COPY --from=build /src/contracts/evm/artifacts ./contracts/evm/artifacts
USER relayer
EXPOSE 8080
ENTRYPOINT ["dotnet", "DiscreteExec.Relayer.dll"]
CMD ["run", "--config", "/cluster/operator-0/node.json"]
