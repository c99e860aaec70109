namespace DiscreteExec.Adapters.Evm.Watching;

/// <summary>
/// Which deposit nonces a watcher has emitted: every nonce below <see cref="Next"/>, plus the sparse set
/// <see cref="Above"/> (emitted out of order, e.g. nonce 5 while nonce 4's log was missing). Pure bookkeeping of the
/// reconciliation against the escrow's deposit counter.
/// </summary>
internal sealed class NonceLedger
{
    private readonly SortedSet<ulong> _above;

    public NonceLedger(ulong next, IEnumerable<ulong>? above)
    {
        Next = next;
        _above = new SortedSet<ulong>((above ?? []).Where(n => n >= next));
        Advance();
    }

    /// <summary>The lowest nonce not yet emitted: all below it were (what the checkpoint calls the next expected nonce).</summary>
    public ulong Next { get; private set; }

    /// <summary>Nonces at or above <see cref="Next"/> already emitted, ascending.</summary>
    public IReadOnlyList<ulong> Above => [.. _above];

    public bool Contains(ulong nonce) => nonce < Next || _above.Contains(nonce);

    /// <summary>Records an emitted nonce; false when it was emitted before (the caller must not emit it again).</summary>
    public bool Add(ulong nonce)
    {
        if (Contains(nonce))
        {
            return false;
        }

        _above.Add(nonce);
        Advance();
        return true;
    }

    /// <summary>The nonces below <paramref name="counter"/> (the escrow's next deposit nonce) never emitted, ascending.</summary>
    public IReadOnlyList<ulong> Missing(ulong counter)
    {
        var missing = new List<ulong>();
        for (var n = Next; n < counter; n++)
        {
            if (!_above.Contains(n))
            {
                missing.Add(n);
            }
        }

        return missing;
    }

    /// <summary>After a reorg: the deposits from <paramref name="counter"/> on were in dropped blocks, so they count as not emitted.</summary>
    public void Forget(ulong counter)
    {
        Next = Math.Min(Next, counter);
        _above.RemoveWhere(n => n >= counter);
    }

    private void Advance()
    {
        while (_above.Remove(Next))
        {
            Next++;
        }
    }
}
