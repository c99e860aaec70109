using System.Diagnostics;
using DiscreteExec.Adapters.Evm;
using DiscreteExec.Adapters.Evm.Escrow;
using DiscreteExec.Adapters.Evm.Rpc;
using DiscreteExec.Adapters.Solana.Programs;
using DiscreteExec.Core;
using DiscreteExec.Core.Settlement;
using DiscreteExec.Relayer.Devnet;
using DiscreteExec.Relayer.Tests.Cli;
using Xunit.Abstractions;

namespace DiscreteExec.Relayer.Tests.Devnet;

/// <summary>
/// The devnet job end to end against real local chains. Everything is checked on the chains themselves while they
/// still run, never from the printed report. A missing anvil, dev node or .so fails (naming the command), never skips.
/// </summary>
[Trait("Category", "Integration")]
public sealed class DevnetCommandTests(ITestOutputHelper output)
{
    private const byte EvmReleased = 2;
    private const byte EvmRefunded = 3;

    [Fact]
    public async Task Run_LocalDevnet_SettlesBothLegsOnChainAndTheReplaySendsNothing()
    {
        using var log = new StringWriter();
        var inspected = false;
        var watch = Stopwatch.StartNew();
        try
        {
            await DevnetRunner.RunAsync(log, TimeProvider.System, async (devnet, outcome, ct) =>
            {
                await AssertOnChainAsync(devnet, outcome, ct);
                inspected = true;
            }, CancellationToken.None);
        }
        finally
        {
            output.WriteLine(log.ToString());
            output.WriteLine($"devnet run with checks: {watch.Elapsed.TotalSeconds:0.0} s");
        }

        Assert.True(inspected);
    }

    [Fact]
    public async Task Invoke_AnvilPathMissing_ExitsNonZeroNamingTheFix()
    {
        var previous = Environment.GetEnvironmentVariable("ANVIL_PATH");
        Environment.SetEnvironmentVariable("ANVIL_PATH", "/nonexistent/anvil");
        try
        {
            var result = await CliRunner.RunAsync("devnet");
            Assert.NotEqual(0, result.ExitCode);
            Assert.Contains("ANVIL_PATH points at /nonexistent/anvil", result.Error);
            Assert.Contains("npm ci", result.Error);
        }
        finally
        {
            Environment.SetEnvironmentVariable("ANVIL_PATH", previous);
        }
    }

    private static async Task AssertOnChainAsync(LocalDevnet devnet, DevnetOutcome outcome, CancellationToken ct)
    {
        var batch = outcome.Batch;
        var intents = outcome.Intents;
        Assert.Equal(10, intents.Count);
        Assert.Equal(intents.Count, outcome.Epoch.Intents.Count);

        // Filled: Released on the origin escrow, and the recipient holds exactly the batch's payout (fresh accounts).
        var filled = intents.Where(i => i.Expected == ExpectedFate.Filled).ToArray();
        Assert.Equal(5, filled.Length);
        Assert.Equal(filled.Select(i => i.IntentId).Order(), batch.Filled.Order());
        Assert.Contains(filled, i => i.Origin == EvmDevChain.Chain);
        Assert.Contains(filled, i => i.Origin == SolanaDevChain.Chain);
        foreach (var intent in filled)
        {
            Assert.True(await IsReleasedAsync(devnet, intent, ct), $"{intent.Name} is not Released on chain {intent.Origin}");
            var payout = Assert.Single(batch.Legs.Single(l => l.ChainId == intent.Destination).Actions, a => a.Kind == ActionKind.Payout && a.IntentId == intent.IntentId);
            Assert.Equal(intent.Recipient, payout.Account);
            Assert.True(payout.Amount >= intent.MinOutput);
            Assert.Equal(intent.InputAmount.ToBigInteger() * 9995 / 10000, payout.Amount.ToBigInteger()); // same decimals, 5 bps fee
            Assert.Equal(payout.Amount, await BalanceAsync(devnet, intent.Destination, intent.Recipient, ct));
        }

        // Refunded, two per chain: Refunded on the origin escrow and the recipient got nothing. An honest depositor has
        // its input back (it held exactly that before opening; on Solana in its associated token account); an attacker
        // who made the refund undeliverable has it as a claim instead (checked with the attack below).
        var refunded = intents.Where(i => i.Expected == ExpectedFate.Refunded).ToArray();
        Assert.Equal(refunded.Select(i => i.IntentId).Order(), batch.Refunded.Order());
        Assert.Equal([EvmDevChain.Chain, EvmDevChain.Chain, SolanaDevChain.Chain, SolanaDevChain.Chain], refunded.Select(i => i.Origin).Order());
        var poisoned = new[] { outcome.Attackers.EvmPoisoned.IntentId, outcome.Attackers.SolanaPoisoned.IntentId };
        foreach (var intent in refunded)
        {
            if (intent.Origin == EvmDevChain.Chain)
            {
                Assert.Equal(EvmRefunded, await devnet.Evm.IntentStatusAsync(intent.IntentId, ct));
            }
            else
            {
                Assert.Equal(EscrowIntentStatus.Refunded, await devnet.Solana.IntentStatusAsync(intent.IntentId, ct));
            }

            Assert.Equal(poisoned.Contains(intent.IntentId) ? UInt256.Zero : intent.InputAmount, await BalanceAsync(devnet, intent.Origin, intent.Depositor, ct));
            Assert.Equal(UInt256.Zero, await BalanceAsync(devnet, intent.Destination, intent.Recipient, ct));
        }

        // Deferred: still Open on Solana, its input still escrowed, its recipient unpaid.
        var deferred = Assert.Single(intents, i => i.Expected == ExpectedFate.Deferred);
        Assert.Equal([deferred.IntentId], batch.Deferred);
        Assert.Equal(EscrowIntentStatus.Open, await devnet.Solana.IntentStatusAsync(deferred.IntentId, ct));
        Assert.Equal(0UL, await devnet.Solana.TokenBalanceAsync(deferred.Depositor, ct));
        Assert.Equal(UInt256.Zero, await BalanceAsync(devnet, deferred.Destination, deferred.Recipient, ct));

        // Netting: each pool moved by exactly its releases minus its payouts, though the pools alone could not pay.
        foreach (var leg in batch.Legs)
        {
            var released = filled.Where(i => i.Origin == leg.ChainId).Aggregate(UInt256.Zero, (s, i) => s + i.InputAmount);
            var paid = leg.Actions.Where(a => a.Kind == ActionKind.Payout).Aggregate(UInt256.Zero, (s, a) => s + a.Amount);
            var before = outcome.Epoch.Pools.Single(p => p.ChainId == leg.ChainId).Balance;
            Assert.Equal(before + released - paid, await PoolAsync(devnet, leg.ChainId, ct));
        }

        Assert.True(batch.Legs.Max(l => l.Actions.Where(a => a.Kind == ActionKind.Payout).Max(a => a.Amount)) > DevnetScenario.PoolLiquidity);

        // Release first, read from the chains: just before each payout chunk was sent, every intent it paid was already
        // Released on its origin escrow (the probe reads the status there); and each attacker's good intent is paid by a
        // chunk that waits for the Release chunk holding it.
        var settled = outcome.Settled;
        Assert.True(settled.Complete);
        Assert.Equal(settled.Chunks.Count, settled.Submitted.Count);
        Assert.Equal(filled.Select(i => i.IntentId).Order(), outcome.PayoutChecks.Select(c => c.IntentId).Order());
        Assert.All(outcome.PayoutChecks, c => Assert.True(c.ReleasedOnOrigin, $"{c.IntentId} was paid on {c.Destination} before it was Released on {c.Origin}"));
        foreach (var good in new[] { outcome.Attackers.EvmGood, outcome.Attackers.SolanaGood })
        {
            var release = settled.Chunks.Single(c => c.Actions.Any(a => a.Kind == ActionKind.Release && a.IntentId == good.IntentId));
            var payout = settled.Chunks.Single(c => c.Actions.Any(a => a.Kind == ActionKind.Payout && a.IntentId == good.IntentId));
            Assert.Equal(good.Origin, release.ChainId);
            Assert.Equal(release.Reference, payout.AwaitsRelease);
        }

        // The attack: the poisoned refunds are claims of exactly their deposits, held by the escrows; after deadline
        // plus grace each attacker's refundExpired of the paid intent is refused because it is Released.
        Assert.Equal("IntentNotOpen", outcome.Attack.EvmRefundExpiredRefusal);
        Assert.Equal("IntentNotOpen", outcome.Attack.SolanaRefundExpiredRefusal);
        Assert.Equal(outcome.Attackers.EvmPoisoned.InputAmount, await devnet.Evm.ClaimableAsync(EvmAddress.FromBytes32(outcome.Attackers.EvmPoisoned.Depositor), ct));
        Assert.Equal(outcome.Attackers.SolanaPoisoned.InputAmount.AsUInt64, await devnet.Solana.ClaimAsync(outcome.Attackers.SolanaPoisoned.Depositor, ct));
        Assert.True(await IsReleasedAsync(devnet, outcome.Attackers.EvmGood, ct));
        Assert.True(await IsReleasedAsync(devnet, outcome.Attackers.SolanaGood, ct));

        // The replay: every chunk found applied, and neither chain saw a transaction from the relayer since.
        Assert.All(settled.Submitted, c => Assert.Equal(ChunkSubmissionOutcome.Applied, c.Outcome));
        Assert.Equal(settled.Submitted.Select(c => c.Chunk).ToHashSet(), outcome.Replayed.Submitted.Select(c => c.Chunk).ToHashSet());
        Assert.Equal(settled.Submitted.Count, outcome.Replayed.Submitted.Count);
        Assert.All(outcome.Replayed.Submitted, c => Assert.Equal(ChunkSubmissionOutcome.AlreadyApplied, c.Outcome));
        Assert.All(outcome.Replayed.Submitted, c => Assert.Null(c.TransactionId));
        Assert.Equal(outcome.EvmRelayerNonceAfterSettle, await devnet.Evm.RelayerNonceAsync(ct));
        Assert.Equal(outcome.SolanaPayerLamportsAfterSettle, await devnet.Solana.PayerLamportsAsync(ct));
        foreach (var chunk in settled.Submitted.Where(c => c.Chunk.ChainId == EvmDevChain.Chain))
        {
            Assert.True(IntentEscrowAbi.DecodeBool(await devnet.Evm.Rpc.CallAsync(
                new CallRequest(devnet.Evm.Escrow, IntentEscrowAbi.IsApplied(batch.EpochId, chunk.Chunk.Index)), BlockTag.Latest, ct)));
        }
    }


    private static async Task<bool> IsReleasedAsync(LocalDevnet devnet, DevnetIntent intent, CancellationToken ct) =>
        intent.Origin == EvmDevChain.Chain
            ? await devnet.Evm.IntentStatusAsync(intent.IntentId, ct) == EvmReleased
            : await devnet.Solana.IntentStatusAsync(intent.IntentId, ct) == EscrowIntentStatus.Released;

    private static async Task<UInt256> BalanceAsync(LocalDevnet devnet, ChainId chain, Bytes32 account, CancellationToken ct) =>
        chain == EvmDevChain.Chain
            ? await devnet.Evm.TokenBalanceAsync(EvmAddress.FromBytes32(account), ct)
            : await devnet.Solana.TokenBalanceAsync(account, ct);

    private static async Task<UInt256> PoolAsync(LocalDevnet devnet, ChainId chain, CancellationToken ct) =>
        chain == EvmDevChain.Chain
            ? await devnet.Evm.PoolBalanceAsync(ct)
            : (await devnet.Solana.PoolAsync(ct)).Pool;
}
