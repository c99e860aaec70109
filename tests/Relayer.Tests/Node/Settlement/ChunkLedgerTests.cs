using DiscreteExec.Core;
using DiscreteExec.Core.Settlement;
using DiscreteExec.Relayer.Node.Settlement;
using DiscreteExec.Relayer.Node.Store;

namespace DiscreteExec.Relayer.Tests.Node.Settlement;

public sealed class ChunkLedgerTests
{
    private static readonly ChainId ChainA = new(31337);
    private static readonly ChainId ChainB = new(900);

    [Fact]
    public async Task UpdateAsync_TwoChainsWritingSideBySide_EachChangeSavedAloneAndNoneLost()
    {
        var record = Planned(ChainA, ChainB);
        var saved = new List<ChunkProgress>();
        var bothSaving = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var saving = 0;
        var ledger = new ChunkLedger(record, async (progress, cancellationToken) =>
        {
            lock (saved)
            {
                saved.Add(progress);
            }

            // The first write of each chain waits until the other chain's first write is under way too.
            if (Interlocked.Increment(ref saving) == 2)
            {
                bothSaving.SetResult();
            }

            await bothSaving.Task.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken); // a ledger that wrote one chunk at a time would stop here
        });

        await Task.WhenAll(new[] { ChainA, ChainB }.Select(chain => Task.Run(async () =>
        {
            foreach (var index in new uint[] { 0, 1 })
            {
                var sending = ledger[new ChunkReference(chain, index)] with { Stage = ChunkProgressStage.Sending, Attempts = 1 };
                await ledger.UpdateAsync(sending, default);
                Assert.False(ledger.AllDone);
                await ledger.UpdateAsync(sending with { Stage = ChunkProgressStage.Applied, TransactionId = $"{chain.Value}-{index}" }, default);
            }
        })));

        Assert.Equal(8, saved.Count);
        Assert.True(ledger.AllDone);
        Assert.All(ledger.Record.Chunks, c => Assert.Equal((ChunkProgressStage.Applied, $"{c.ChainId.Value}-{c.Index}"), (c.Stage, c.TransactionId)));
        Assert.Equal(record.Chunks.Select(c => (c.ChainId, c.Index)), ledger.Record.Chunks.Select(c => (c.ChainId, c.Index)));
    }

    [Fact]
    public async Task UpdateAsync_ChunkNotInTheRecord_ThrowsBeforeSaving()
    {
        var saves = 0;
        var ledger = new ChunkLedger(Planned(ChainA), (_, _) => Task.FromResult(++saves));

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => ledger.UpdateAsync(new ChunkProgress(ChainB, 0, ChunkProgressStage.Sending, 1, null, null), default));

        Assert.Contains($"chain {ChainB}", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, saves);
    }

    [Fact]
    public async Task UpdateAsync_SaveFails_LedgerKeepsTheOldProgress()
    {
        var ledger = new ChunkLedger(Planned(ChainA), (_, _) => throw new LeaseLostException("stale"));
        var chunk = new ChunkReference(ChainA, 0);

        await Assert.ThrowsAsync<LeaseLostException>(() => ledger.UpdateAsync(ledger[chunk] with { Stage = ChunkProgressStage.Applied }, default));

        Assert.Equal(ChunkProgressStage.Planned, ledger[chunk].Stage);
        Assert.False(ledger.AllDone);
    }

    private static EpochRecord Planned(params ChainId[] chains) => new()
    {
        EpochId = 7,
        Stage = EpochStage.Attested,
        OpenedAtUnixMilliseconds = 0,
        Chunks = [.. chains.SelectMany(chain => new uint[] { 0, 1 }.Select(index => new ChunkProgress(chain, index, ChunkProgressStage.Planned, 0, null, null)))],
    };
}
