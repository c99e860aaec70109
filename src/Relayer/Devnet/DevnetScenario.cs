using System.Globalization;
using DiscreteExec.Adapters.Evm;
using DiscreteExec.Adapters.Evm.Crypto;
using DiscreteExec.Adapters.Evm.Escrow;
using DiscreteExec.Adapters.Solana.Codec;
using DiscreteExec.Adapters.Solana.Programs;
using DiscreteExec.Adapters.Solana.Watching;
using DiscreteExec.Aggregator.Clearing;
using DiscreteExec.Aggregator.Epochs;
using DiscreteExec.Chains.Checkpoints;
using DiscreteExec.Core;
using DiscreteExec.Core.Assets;
using DiscreteExec.Core.Settlement;
using DiscreteExec.Relayer.Cli;

namespace DiscreteExec.Relayer.Devnet;

/// <summary>
/// The relayer's main job once, end to end, on a <see cref="LocalDevnet"/>: users open intents on both chains, both
/// watchers report them into an epoch book, the epoch is closed and cleared against the pools read from the chains,
/// each chain's leg is submitted, checked on chain, and submitted again to show the replay is a no-op.
/// Any step that does not do what it should throws <see cref="DevnetException"/>.
/// </summary>
internal static class DevnetScenario
{
    public const ulong SettlementMarginSeconds = 120;
    public const uint FeeBps = 5;
    public const uint SpreadBps = 30;

    /// <summary>Each pool's relayer liquidity: less than the largest payout, so only netting makes the epoch solvent.</summary>
    public static readonly UInt256 PoolLiquidity = Usdc(50);

    /// <summary>1e18: the numeraire price of one whole USDC.</summary>
    private static readonly UInt256 UsdcReferencePrice = UInt256.Parse("1000000000000000000");

    public static async Task<DevnetOutcome> RunAsync(LocalDevnet devnet, TextWriter log, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(devnet);
        var evm = devnet.Evm;
        var solana = devnet.Solana;
        var registry = Registry(devnet);

        await evm.FundPoolAsync(PoolLiquidity, cancellationToken).ConfigureAwait(false);
        await solana.FundPoolAsync(PoolLiquidity.AsUInt64, cancellationToken).ConfigureAwait(false);
        DevnetLog.Line(log, $"pools funded with {DevnetLog.Usdc(PoolLiquidity)} USDC on each chain");

        var (intents, attack) = await OpenIntentsAsync(devnet, log, time, cancellationToken).ConfigureAwait(false);
        await attack.PoisonAsync(devnet, log, cancellationToken).ConfigureAwait(false);
        var closed = await CollectAsync(devnet, registry, intents.Count, log, time, cancellationToken).ConfigureAwait(false);

        var epoch = await EpochInputAsync(devnet, registry, closed, cancellationToken).ConfigureAwait(false);
        var batch = EpochClearing.Clear(epoch);
        DevnetLog.Line(log, string.Empty);
        BatchSummary.Write(log, epoch, batch, outputPath: null, checkedPath: null);
        DevnetLog.Line(log, string.Empty);
        CheckFates(intents, batch);

        var settlement = new LegSettlement(devnet);
        var recipients = Recipients(batch, intents, [attack.EvmPoisoned.IntentId, attack.SolanaPoisoned.IntentId]);
        var before = await settlement.BalancesAsync(recipients, cancellationToken).ConfigureAwait(false);
        DevnetLog.Line(log, "settling:");
        var settled = await settlement.SubmitAsync(batch, log, cancellationToken).ConfigureAwait(false);
        var payoutChecks = settlement.PayoutChecks.ToArray();
        var paidBeforeRelease = payoutChecks.Where(c => !c.ReleasedOnOrigin).Select(c => c.IntentId.ToString()).ToArray();
        if (paidBeforeRelease.Length > 0)
        {
            throw new DevnetException($"Payouts were sent before their deposits were Released on the origin chain: {string.Join(", ", paidBeforeRelease)}.");
        }

        if (!settled.Complete)
        {
            throw new DevnetException($"Settlement left {settled.Abandoned.Count} chunk(s) failed and {settled.Withheld.Count} withheld: {string.Join("; ", settled.Abandoned.Select(a => a.Reason))}");
        }

        var after = await settlement.BalancesAsync(recipients, cancellationToken).ConfigureAwait(false);
        ReportBalances(log, recipients, before, after);

        var nonce = await evm.RelayerNonceAsync(cancellationToken).ConfigureAwait(false);
        var lamports = await solana.PayerLamportsAsync(cancellationToken).ConfigureAwait(false);
        DevnetLog.Line(log, "replaying the same legs:");
        var replayed = await settlement.SubmitAsync(batch, log, cancellationToken).ConfigureAwait(false);
        var nonceAfterReplay = await evm.RelayerNonceAsync(cancellationToken).ConfigureAwait(false);
        var lamportsAfterReplay = await solana.PayerLamportsAsync(cancellationToken).ConfigureAwait(false);
        if (replayed.Submitted.Any(c => c.Outcome == ChunkSubmissionOutcome.Applied) || !replayed.Complete || nonceAfterReplay != nonce || lamportsAfterReplay != lamports)
        {
            throw new DevnetException(string.Create(CultureInfo.InvariantCulture,
                $"The replay was not a no-op: relayer nonce {nonce} -> {nonceAfterReplay}, Solana payer lamports {lamports} -> {lamportsAfterReplay}."));
        }

        DevnetLog.Line(log, string.Create(CultureInfo.InvariantCulture,
            $"replayed: no-op (every chunk already applied; EVM relayer nonce stays {nonce}, Solana payer balance stays {lamports} lamports)"));
        var attackOutcome = await attack.TryDoubleSpendAsync(devnet, log, time, cancellationToken).ConfigureAwait(false);
        return new DevnetOutcome
        {
            Epoch = epoch,
            Batch = batch,
            Intents = intents,
            Settled = settled,
            Replayed = replayed,
            Attackers = attack,
            PayoutChecks = payoutChecks,
            Attack = attackOutcome,
            EvmRelayerNonceAfterSettle = nonce,
            SolanaPayerLamportsAfterSettle = lamports,
        };
    }

    /// <summary>The devnet's one asset, USDC (6 decimals on both chains, reference price 1e18).</summary>
    public static AssetRegistry Registry(LocalDevnet devnet)
    {
        ArgumentNullException.ThrowIfNull(devnet);
        return new AssetRegistry([new Asset("USDC", UsdcReferencePrice, [
            new AssetToken(EvmDevChain.Chain, devnet.Evm.Token.ToBytes32(), 6),
            new AssetToken(SolanaDevChain.Chain, devnet.Solana.Mint, 6)])]);
    }

    /// <summary>The clearing's input for a closed epoch: the devnet's fee, spread and margin, and both pools as the chains hold them now.</summary>
    public static async Task<EpochInput> EpochInputAsync(LocalDevnet devnet, AssetRegistry registry, ClosedEpoch closed, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(devnet);
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentNullException.ThrowIfNull(closed);
        return new EpochInput
        {
            EpochId = closed.EpochId,
            ClosesAt = closed.ClosesAtUnixSeconds,
            SettlementMarginSeconds = SettlementMarginSeconds,
            FeeBps = FeeBps,
            SpreadBps = SpreadBps,
            Assets = registry.Assets,
            Pools =
            [
                new PoolBalance(EvmDevChain.Chain, devnet.Evm.Token.ToBytes32(), await devnet.Evm.PoolBalanceAsync(cancellationToken).ConfigureAwait(false)),
                new PoolBalance(SolanaDevChain.Chain, devnet.Solana.Mint, (await devnet.Solana.PoolAsync(cancellationToken).ConfigureAwait(false)).Pool),
            ],
            Intents = closed.Intents,
        };
    }

    /// <summary>
    /// Transfers both ways that net against each other, one per chain whose deadline falls inside the settlement
    /// margin (refunded) and one whose limit asks for more than 1:1 less the fee (deferred: it stays Open); plus one
    /// attacker per chain who opens a good intent and, in the same epoch, one whose refund they then make undeliverable.
    /// </summary>
    private static async Task<(IReadOnlyList<DevnetIntent> Intents, Attackers Attack)> OpenIntentsAsync(LocalDevnet devnet, TextWriter log, TimeProvider time, CancellationToken cancellationToken)
    {
        var now = (ulong)time.GetUtcNow().ToUnixTimeSeconds();
        var later = now + 3600;
        var tooSoon = now + (SettlementMarginSeconds / 2);
        DevnetLog.Line(log, "opening intents:");
        var opener = new IntentOpener(devnet, log);
        IReadOnlyList<DevnetIntent> honest =
        [
            await opener.FromEvmAsync("alice", Usdc(100), Usdc(99.5m), later, ExpectedFate.Filled, cancellationToken).ConfigureAwait(false),
            await opener.FromEvmAsync("bob", Usdc(40), Usdc(39.9m), later, ExpectedFate.Filled, cancellationToken).ConfigureAwait(false),
            await opener.FromSolanaAsync("carol", Usdc(120), Usdc(119.5m), later, ExpectedFate.Filled, cancellationToken).ConfigureAwait(false),
            await opener.FromEvmAsync("dave", Usdc(30), Usdc(29.9m), tooSoon, ExpectedFate.Refunded, cancellationToken).ConfigureAwait(false),
            await opener.FromSolanaAsync("frank", Usdc(20), Usdc(19.9m), tooSoon, ExpectedFate.Refunded, cancellationToken).ConfigureAwait(false),
            await opener.FromSolanaAsync("erin", Usdc(50), Usdc(50), later, ExpectedFate.Deferred, cancellationToken).ConfigureAwait(false),
        ];

        // The attackers' second intents ask for a token the destination does not know, so the clearing refunds them.
        var unknownToken = Bytes32.FromUInt64(0xBAD);
        var mallory = EvmDevChain.LocalKey("user-mallory");
        var oscar = await devnet.Solana.NewUserAsync(Usdc(70).AsUInt64, cancellationToken).ConfigureAwait(false);
        var attack = new Attackers(
            mallory,
            await opener.FromEvmAsync("mallory", Usdc(60), Usdc(59.9m), later, ExpectedFate.Filled, cancellationToken, mallory).ConfigureAwait(false),
            await opener.FromEvmAsync("mallory-2", Usdc(10), Usdc(9.9m), later, ExpectedFate.Refunded, cancellationToken, mallory, unknownToken).ConfigureAwait(false),
            oscar,
            await opener.FromSolanaAsync("oscar", Usdc(60), Usdc(59.9m), later, ExpectedFate.Filled, cancellationToken, oscar).ConfigureAwait(false),
            await opener.FromSolanaAsync("oscar-2", Usdc(10), Usdc(9.9m), later, ExpectedFate.Refunded, cancellationToken, oscar, unknownToken).ConfigureAwait(false),
            later);
        return ([.. honest, attack.EvmGood, attack.EvmPoisoned, attack.SolanaGood, attack.SolanaPoisoned], attack);
    }

    /// <summary>Runs both watchers into one epoch book until every opened intent was reported, then force-closes the epoch.</summary>
    public static async Task<ClosedEpoch> CollectAsync(LocalDevnet devnet, AssetRegistry registry, int expected, TextWriter log, TimeProvider time, CancellationToken cancellationToken)
    {
        var book = new EpochBook(time, new EpochBookOptions(), registry);
        var feed = new EpochBookFeed(book);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var watchers = new[]
        {
            devnet.Evm.CreateWatcher(new InMemoryCheckpointStore<Adapters.Evm.Watching.WatcherCheckpoint>()).RunAsync(feed, stop.Token),
            devnet.Solana.Cluster.CreateWatcher(new InMemoryCheckpointStore<WatcherCheckpoint>()).RunAsync(feed, stop.Token),
        };
        var started = time.GetTimestamp();
        try
        {
            while (feed.Observed(EvmDevChain.Chain) + feed.Observed(SolanaDevChain.Chain) < expected)
            {
                if (watchers.FirstOrDefault(w => w.IsCompleted) is { } ended)
                {
                    await ended.ConfigureAwait(false);
                    throw new DevnetException("A watcher stopped before it reported every opened intent.");
                }

                if (time.GetElapsedTime(started) > TimeSpan.FromSeconds(30))
                {
                    throw new DevnetException(string.Create(CultureInfo.InvariantCulture,
                        $"The watchers reported {feed.Observed(EvmDevChain.Chain)} EVM and {feed.Observed(SolanaDevChain.Chain)} Solana intents within 30 s; {expected} were opened."));
                }

                await Task.Delay(TimeSpan.FromMilliseconds(50), time, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            foreach (var watcher in watchers)
            {
                try
                {
                    await watcher.ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested)
                {
                    // The watcher stopped because we asked it to.
                }
            }
        }

        DevnetLog.Line(log, string.Create(CultureInfo.InvariantCulture,
            $"watchers: EVM reported {feed.Observed(EvmDevChain.Chain)} IntentObserved, Solana {feed.Observed(SolanaDevChain.Chain)}; epoch {book.EpochId} holds {book.Count} of {expected} opened"));
        var closed = book.TryClose(force: true) ?? throw new DevnetException("The epoch book did not close.");
        DevnetLog.Line(log, string.Create(CultureInfo.InvariantCulture,
            $"epoch {closed.EpochId} closed (forced) at {closed.ClosesAtUnixSeconds} with {closed.Intents.Count} intents; clearing with fee {FeeBps} bps, spread {SpreadBps} bps, settlement margin {SettlementMarginSeconds} s"));
        return closed;
    }

    private static void CheckFates(IReadOnlyList<DevnetIntent> intents, SettlementBatch batch)
    {
        foreach (var intent in intents)
        {
            var actual = batch.Filled.Contains(intent.IntentId) ? "filled"
                : batch.Refunded.Contains(intent.IntentId) ? "refunded"
                : batch.Deferred.Contains(intent.IntentId) ? "deferred"
                : "missing from the batch";
            if (!string.Equals(actual, Fate(intent.Expected), StringComparison.Ordinal))
            {
                throw new DevnetException($"Intent '{intent.Name}' ({intent.IntentId}) was expected {Fate(intent.Expected)} but is {actual}.");
            }
        }
    }

    /// <summary>
    /// Everyone the batch pays: payout recipients on the destination chains, refunded depositors on the origin chains.
    /// A refund the attacker made undeliverable must leave the balance as it was (it becomes a claim, checked later).
    /// </summary>
    private static IReadOnlyList<Recipient> Recipients(SettlementBatch batch, IReadOnlyList<DevnetIntent> intents, IReadOnlyCollection<Bytes32> undeliverable)
    {
        var names = intents.ToDictionary(i => i.IntentId, i => i.Name);
        return
        [
            .. batch.Legs.SelectMany(leg => leg.Actions
                .Where(a => a.Kind is ActionKind.Payout or ActionKind.Refund)
                .Select(a => undeliverable.Contains(a.IntentId)
                    ? new Recipient(leg.ChainId, a.Account, $"{names[a.IntentId]}'s refund (undeliverable: a claim)", UInt256.Zero)
                    : new Recipient(
                        leg.ChainId,
                        a.Account,
                        $"{names.GetValueOrDefault(a.IntentId, a.IntentId.ToString())}'s {(a.Kind == ActionKind.Payout ? "recipient" : "refund to depositor")}",
                        a.Amount))),
        ];
    }

    private static void ReportBalances(TextWriter log, IReadOnlyList<Recipient> recipients, IReadOnlyList<UInt256> before, IReadOnlyList<UInt256> after)
    {
        DevnetLog.Line(log, "balances (USDC):");
        var table = new TextTable("WHO", "CHAIN", "ACCOUNT", "BEFORE", "AFTER", "EXPECTED CHANGE", "CHECK");
        var wrong = new List<string>();
        for (var i = 0; i < recipients.Count; i++)
        {
            var r = recipients[i];
            var ok = after[i] == before[i] + r.Amount;
            if (!ok)
            {
                wrong.Add(r.Label);
            }

            table.Add(r.Label, r.ChainId.ToString(), AccountText(r), DevnetLog.Usdc(before[i]), DevnetLog.Usdc(after[i]), DevnetLog.Usdc(r.Amount), ok ? "ok" : "MISMATCH");
        }

        table.WriteTo(log, "  ");
        if (wrong.Count > 0)
        {
            throw new DevnetException($"Balances did not change by the batch's amounts for: {string.Join(", ", wrong)}.");
        }
    }

    private static string AccountText(Recipient r) =>
        r.ChainId == EvmDevChain.Chain ? EvmAddress.FromBytes32(r.Account).ToString() : Base58.EncodeKey(r.Account);

    private static string Fate(ExpectedFate fate) => fate.ToString().ToLowerInvariant();

    private static UInt256 Usdc(decimal whole) => (ulong)(whole * 1_000_000m);

    /// <summary>Someone a leg pays, on the chain that pays them, and how much.</summary>
    internal sealed record Recipient(ChainId ChainId, Bytes32 Account, string Label, UInt256 Amount);

    /// <summary>Opens the scenario's intents as distinct users, each with just the tokens it deposits.</summary>
    private sealed class IntentOpener(LocalDevnet devnet, TextWriter log)
    {
        public async Task<DevnetIntent> FromEvmAsync(
            string name, UInt256 amount, UInt256 minOutput, ulong deadline, ExpectedFate expected, CancellationToken cancellationToken, EvmKey? depositor = null, Bytes32? outputToken = null)
        {
            var user = depositor ?? EvmDevChain.LocalKey("user-" + name);
            await devnet.Evm.GiveGasAsync(user.Address, cancellationToken).ConfigureAwait(false);
            var recipient = devnet.Solana.NewWallet();
            var id = await devnet.Evm.OpenAsync(user, new IntentParams(devnet.Evm.Token, amount, SolanaDevChain.Chain, outputToken ?? devnet.Solana.Mint, minOutput, recipient, deadline), cancellationToken).ConfigureAwait(false);
            return Opened(new DevnetIntent(name, id, EvmDevChain.Chain, SolanaDevChain.Chain, user.Address.ToBytes32(), amount, minOutput, recipient, expected), deadline);
        }

        public async Task<DevnetIntent> FromSolanaAsync(
            string name, UInt256 amount, UInt256 minOutput, ulong deadline, ExpectedFate expected, CancellationToken cancellationToken, SolanaKeypair? depositor = null, Bytes32? outputToken = null)
        {
            var user = depositor ?? await devnet.Solana.NewUserAsync(amount.AsUInt64, cancellationToken).ConfigureAwait(false);
            var recipient = EvmDevChain.LocalKey("recipient-" + name).Address.ToBytes32();
            var intent = new OpenIntentParams(devnet.Solana.Mint, amount.AsUInt64, EvmDevChain.Chain, outputToken ?? devnet.Evm.Token.ToBytes32(), minOutput, recipient, (long)deadline);
            var id = await devnet.Solana.OpenAsync(user, intent, cancellationToken).ConfigureAwait(false);
            return Opened(new DevnetIntent(name, id, SolanaDevChain.Chain, EvmDevChain.Chain, user.PublicKey, amount, minOutput, recipient, expected), deadline);
        }

        private DevnetIntent Opened(DevnetIntent intent, ulong deadline)
        {
            DevnetLog.Line(log, string.Create(CultureInfo.InvariantCulture,
                $"  {intent.Name,-9} {intent.Origin,6} -> {intent.Destination,-6}  {DevnetLog.Usdc(intent.InputAmount),11} USDC  min {DevnetLog.Usdc(intent.MinOutput),11}  deadline {deadline}  intent {intent.IntentId}  (expect {Fate(intent.Expected)})"));
            return intent;
        }
    }
}
