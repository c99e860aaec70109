using DiscreteExec.Adapters.Evm.Escrow;
using DiscreteExec.Adapters.Evm.Rpc;
using DiscreteExec.Aggregator.Clearing;
using DiscreteExec.Core;
using DiscreteExec.Core.Chains;
using DiscreteExec.Relayer.ClearingFiles;
using DiscreteExec.Relayer.Devnet;
using DiscreteExec.Relayer.Devnet.FateCheck;
using DiscreteExec.Relayer.Devnet.Traffic;
using DiscreteExec.Relayer.Node.Store;
using DiscreteExec.TestSupport;

namespace DiscreteExec.Relayer.Tests.Node.CrashSafety;

/// <summary>What every crash case waits for and checks, against the chains and the node's store.</summary>
internal static class CrashCaseChecks
{
    /// <summary>How often the chains are read while a child node settles: it is a separate process, so there is nothing in this process to await.</summary>
    private static readonly TimeSpan ChainPollInterval = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// Waits until the chains show every intent's expected end (filled: paid on its destination; refunded: refunded
    /// on its origin; deferred intents stay open), then until the node opens one more epoch, so the epoch that ended
    /// them is Margined in its store.
    /// </summary>
    public static async Task WaitUntilSettledAsync(LocalDevnet devnet, NodeProcess node, IReadOnlyList<OpenedIntent> intents, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var escrows = DevnetEscrowStates.Of(devnet).ToDictionary(e => e.ChainId);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        var pending = intents.Where(i => i.Expected != ExpectedFate.Deferred).ToList();
        try
        {
            while (pending.Count > 0)
            {
                var done = new List<OpenedIntent>();
                foreach (var intent in pending)
                {
                    var ended = intent.Expected == ExpectedFate.Filled
                        ? await escrows[intent.Destination].IsPaidAsync(intent.IntentId, deadline.Token)
                        : await escrows[intent.Origin].IntentStateAsync(intent.IntentId, deadline.Token) == EscrowIntentState.Refunded;
                    if (ended)
                    {
                        done.Add(intent);
                    }
                }

                pending.RemoveAll(done.Contains);
                if (pending.Count > 0)
                {
                    await Task.Delay(ChainPollInterval, deadline.Token);
                }
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"{pending.Count} intents did not end on the chains within {timeout}, e.g. {pending[0].IntentId} ({pending[0].Expected}). Node output:{Environment.NewLine}{node.Output}");
        }

        await node.NextOpenedAfterNowAsync(timeout);
    }

    /// <summary>
    /// After the node stopped: every intent ended exactly once as the clearing decided (store and chains agree, the
    /// fate check finds nothing lost or paid twice), and every epoch of the case has one batch: its record, its chosen
    /// root, a re-clearing of its persisted input and every LegApplied on the EVM escrow name the same root.
    /// </summary>
    public static async Task<IReadOnlyList<EpochRecord>> VerifyAsync(
        LocalDevnet devnet, CrashNodeStore store, IReadOnlyList<OpenedIntent> intents, TextWriter log, CancellationToken cancellationToken)
    {
        var reported = new Dictionary<Bytes32, ReportedFate>();
        foreach (var intent in intents)
        {
            var stored = await store.Intents.GetAsync(intent.IntentId, cancellationToken);
            Assert.True(stored is not null, $"intent {intent.IntentId} never reached the node's store");
            var expected = intent.Expected switch
            {
                ExpectedFate.Filled => [IntentStage.Filled],
                ExpectedFate.Refunded => [IntentStage.Refunded],
                _ => new[] { IntentStage.Open, IntentStage.InEpoch }, // deferred: back in the book, or taken by an epoch not cleared yet
            };
            Assert.True(expected.Contains(stored.Stage), $"intent {intent.IntentId} ({intent.Expected}) is {stored.Stage} in the store");
            if (stored.Stage is IntentStage.Filled or IntentStage.Refunded)
            {
                reported[intent.IntentId] = stored.Stage == IntentStage.Filled ? ReportedFate.Filled : ReportedFate.Refunded;
            }
        }

        var fate = await IntentFateCheck.RunAsync(intents, DevnetEscrowStates.Of(devnet), DevnetEscrowStates.Balances(devnet), reported, null, cancellationToken);
        fate.WriteTo(log);
        Assert.True(fate.Passed, string.Join(Environment.NewLine, fate.Violations));
        var filled = intents.Count(i => i.Expected == ExpectedFate.Filled);
        var refunded = intents.Count(i => i.Expected == ExpectedFate.Refunded);
        Assert.Equal($"{intents.Count} intents: {filled} filled, {refunded} refunded, {intents.Count - filled - refunded} still open; 0 lost, 0 double-paid", fate.Summary);

        var epochs = await store.EpochsAsync(cancellationToken);
        var applied = await EvmLegsAppliedAsync(devnet, cancellationToken);
        foreach (var record in epochs.Where(r => r.BatchRoot is not null))
        {
            var root = record.BatchRoot!.Value;
            Assert.Equal(root, await store.Epochs.ChooseRootOnceAsync(record.EpochId, root, cancellationToken));
            var input = EpochFileReader.Parse(await store.Epochs.GetBlobAsync(record.EpochId, "input", cancellationToken) ?? throw new InvalidOperationException($"epoch {record.EpochId} has no input"));
            Assert.Equal(root, EpochClearing.Clear(input).BatchRoot);
            Assert.All(applied.Where(a => a.EpochId == record.EpochId), a => Assert.Equal(root, a.BatchRoot));
        }

        // No leg was applied on chain for an epoch without a recorded root (a batch the store does not know).
        var recorded = epochs.Where(r => r.BatchRoot is not null).Select(r => r.EpochId).ToHashSet();
        Assert.All(applied, a => Assert.Contains(a.EpochId, recorded));
        Assert.Equal(applied.Count, applied.Select(a => (a.EpochId, a.Chunk)).Distinct().Count());
        return epochs;
    }

    private static async Task<IReadOnlyList<LegApplied>> EvmLegsAppliedAsync(LocalDevnet devnet, CancellationToken cancellationToken)
    {
        var evm = devnet.Evm;
        var latest = await evm.Rpc.BlockNumberAsync(cancellationToken);
        var logs = await evm.Rpc.GetLogsAsync(new LogFilter(evm.DeploymentBlock, latest, evm.Escrow, [IntentEscrowAbi.Abi.Event("LegApplied").Topic0]), cancellationToken);
        return [.. logs.Select(log => EscrowEventDecoder.TryDecode(log, new Core.Messages.ChainPosition { BlockNumber = log.BlockNumber, BlockHash = log.BlockHash.ToString(), TransactionId = log.TransactionHash.ToString(), LogIndex = log.LogIndex }))
            .OfType<LegApplied>()];
    }
}
