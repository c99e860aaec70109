namespace DiscreteExec.Relayer.Node.Hosting;

/// <summary>
/// Which chains answered at start-up. A service that needs a chain awaits <see cref="WhenReadyAsync"/> for it, so a
/// chain whose RPC is down holds back only its own work while the other chains are served.
/// </summary>
internal sealed class ChainReadiness
{
    private readonly Dictionary<string, TaskCompletionSource> _ready;

    public ChainReadiness(IEnumerable<string> chainNames) =>
        _ready = chainNames.ToDictionary(n => n, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously), StringComparer.Ordinal);

    /// <summary>The configured chains' names.</summary>
    public IReadOnlyCollection<string> Chains => _ready.Keys;

    public bool IsReady(string chain) => Source(chain).Task.IsCompleted;

    public Task WhenReadyAsync(string chain, CancellationToken cancellationToken) => Source(chain).Task.WaitAsync(cancellationToken);

    public void MarkReady(string chain) => Source(chain).TrySetResult();

    private TaskCompletionSource Source(string chain) =>
        _ready.TryGetValue(chain, out var source) ? source : throw new ArgumentException($"'{chain}' is not a configured chain.", nameof(chain));
}
