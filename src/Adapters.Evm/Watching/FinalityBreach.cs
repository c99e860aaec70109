namespace DiscreteExec.Adapters.Evm.Watching;

/// <summary>
/// Set once a block the watcher had treated as final (buried <c>ConfirmationDepth</c> deep) was reorganised out: the
/// chain broke the finality every decision on it rests on. Shared by the chain's watcher (which stops its intake) and
/// its chunk submitter (which refuses to settle), so the node stops that chain loudly instead of settling on a history
/// the chain no longer has. Cleared only by an operator (the watcher's checkpoint keeps it across restarts).
/// </summary>
public sealed class FinalityBreach
{
    private string? _reason;

    /// <summary>What broke, with the chain, height and both hashes; null while the chain keeps its finality.</summary>
    public string? Reason => Volatile.Read(ref _reason);

    /// <summary>Records the breach; true the first time in this process (to log it once).</summary>
    public bool Report(string reason)
    {
        ArgumentException.ThrowIfNullOrEmpty(reason);
        return Interlocked.CompareExchange(ref _reason, reason, null) is null;
    }
}
