using DiscreteExec.Relayer.Node.Configuration;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace DiscreteExec.Relayer.Node.Api;

/// <summary>The addresses the API listens on once started (port 0 in the configuration becomes the port taken).</summary>
internal sealed class NodeApiAddresses
{
    private readonly TaskCompletionSource<IReadOnlyList<Uri>> _bound = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when Kestrel listens.</summary>
    public Task<IReadOnlyList<Uri>> Bound => _bound.Task;

    internal void Set(IReadOnlyList<Uri> addresses) => _bound.TrySetResult(addresses);
}

/// <summary>Runs the API (<see cref="NodeApi"/>) inside the node's host: started with the node, stopped with it.</summary>
internal sealed partial class NodeApiService(IServiceProvider node, ApiOptions options, NodeApiAddresses addresses, ILogger<NodeApiService> logger) : IHostedService, IAsyncDisposable
{
    private WebApplication? _app;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        _app = NodeApi.Create(node, options);
        await _app.StartAsync(cancellationToken).ConfigureAwait(false);
        var bound = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        var uris = bound.Select(a => new Uri(a)).ToArray();
        addresses.Set(uris);
        var listening = string.Join(", ", bound);
        LogListening(logger, listening);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_app is not null)
        {
            await _app.StopAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _app, null) is { } app)
        {
            await app.DisposeAsync().ConfigureAwait(false);
        }
    }

    [LoggerMessage(EventId = 1201, Level = LogLevel.Information, Message = "API listening on {Urls}")]
    private static partial void LogListening(ILogger logger, string urls);
}
