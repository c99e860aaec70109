using System.Globalization;
using DiscreteExec.Adapters.Evm;
using DiscreteExec.Adapters.Evm.Crypto;
using DiscreteExec.Adapters.Evm.Escrow;
using DiscreteExec.Adapters.Evm.Rpc;
using DiscreteExec.Adapters.Evm.Encoding;
using DiscreteExec.Adapters.Solana.Codec;
using DiscreteExec.Adapters.Solana.Programs;
using DiscreteExec.Core;

namespace DiscreteExec.Relayer.Devnet.Traffic;

/// <summary>
/// Depositors opening intents both ways on a started <see cref="LocalDevnet"/>, at a configured rate, with a
/// deterministic seeded mix (<see cref="TrafficMix"/>): USDC transfers that fill, some whose deadline is too soon
/// (refunded), some whose limit no clearing can meet (deferred; some of those expire and are refunded later).
/// Transfers only: the devnet registers one asset (USDC) on each chain, so there are no swaps.
/// Every intent opened is recorded in <see cref="Opened"/>. Recipients are fresh accounts (their balance starts at 0).
/// </summary>
internal sealed class TrafficGenerator
{
    private readonly LocalDevnet _devnet;
    private readonly TrafficOptions _options;
    private readonly TimeProvider _time;
    private readonly EvmOpenPipeline _evmOpens;
    private readonly EvmKey[] _evmDepositors;
    private readonly SolanaKeypair[] _solanaDepositors;
    private readonly ulong[] _evmFunds;
    private readonly ulong[] _solanaFunds;
    private readonly List<OpenedIntent> _opened = [];
    private long _next;

    private TrafficGenerator(LocalDevnet devnet, TrafficOptions options, TimeProvider time, EvmKey[] evmDepositors, SolanaKeypair[] solanaDepositors)
    {
        _devnet = devnet;
        _options = options;
        _time = time;
        _evmOpens = new EvmOpenPipeline(devnet.Evm, time);
        _evmDepositors = evmDepositors;
        _solanaDepositors = solanaDepositors;
        _evmFunds = [.. evmDepositors.Select(_ => options.FundingPerDepositor)];
        _solanaFunds = [.. solanaDepositors.Select(_ => options.FundingPerDepositor)];
    }

    /// <summary>The devnet the intents are opened on.</summary>
    public LocalDevnet Devnet => _devnet;

    /// <summary>Every intent opened so far, in opening order.</summary>
    public IReadOnlyList<OpenedIntent> Opened
    {
        get
        {
            lock (_opened)
            {
                return [.. _opened];
            }
        }
    }

    /// <summary>
    /// Funds the depositors: on EVM derived local keys get gas (one batched anvil_setBalance), minted tokens and an
    /// unlimited approval of the escrow; on Solana new users get an airdrop and minted tokens.
    /// </summary>
    public static async Task<TrafficGenerator> CreateAsync(LocalDevnet devnet, TrafficOptions options, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(devnet);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var evm = devnet.Evm;
        var evmDepositors = Enumerable.Range(0, options.DepositorsPerChain)
            .Select(i => EvmDevChain.LocalKey(string.Create(CultureInfo.InvariantCulture, $"traffic-{options.Seed}-depositor-{i}")))
            .ToArray();
        await evm.Rpc.BatchAsync(
            [.. evmDepositors.Select(k => new RpcRequest("anvil_setBalance", [k.Address.ToLowerHex(), Hex.EncodeQuantity(System.Numerics.BigInteger.Pow(10, 21))]))],
            cancellationToken).ConfigureAwait(false);
        foreach (var depositor in evmDepositors)
        {
            await evm.MintAsync(depositor.Address, options.FundingPerDepositor, cancellationToken).ConfigureAwait(false);
            await evm.ApproveEscrowAsync(depositor, UInt256.MaxValue, cancellationToken).ConfigureAwait(false);
        }

        var solanaDepositors = new SolanaKeypair[options.DepositorsPerChain];
        for (var i = 0; i < solanaDepositors.Length; i++)
        {
            solanaDepositors[i] = await devnet.Solana.NewUserAsync(options.FundingPerDepositor, cancellationToken).ConfigureAwait(false);
        }

        return new TrafficGenerator(devnet, options, time, evmDepositors, solanaDepositors);
    }

    /// <summary>Opens intents at <see cref="TrafficOptions.IntentsPerSecond"/> until <paramref name="total"/> were opened (null: until cancelled).</summary>
    public Task<long> RunAsync(long? total, CancellationToken cancellationToken) =>
        new TrafficSchedule(_options.IntentsPerSecond, _options.MaxBatch, _time).RunAsync(total, OpenAsync, cancellationToken);

    /// <summary>Opens the next <paramref name="count"/> intents of the mix now; returns them. One call at a time.</summary>
    public async Task<IReadOnlyList<OpenedIntent>> OpenAsync(int count, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var now = (ulong)_time.GetUtcNow().ToUnixTimeSeconds();
        var plans = Enumerable.Range(0, count).Select(k => (Index: _next + k, Plan: TrafficMix.Plan(_options.Seed, _next + k, _options.Mix))).ToArray();
        _next += count;
        var fromEvm = await OpenFromEvmAsync([.. plans.Where(p => p.Plan.FromEvm)], now, cancellationToken).ConfigureAwait(false);
        var fromSolana = await OpenFromSolanaAsync([.. plans.Where(p => !p.Plan.FromEvm)], now, cancellationToken).ConfigureAwait(false);
        var opened = fromEvm.Concat(fromSolana).OrderBy(o => o.Index).Select(o => o.Intent).ToArray();
        lock (_opened)
        {
            _opened.AddRange(opened);
        }

        return opened;
    }

    /// <summary>Deadline and limit of a plan: the kind decides what the next clearing does with it.</summary>
    private (ulong Deadline, ulong MinOutput, ExpectedFate Expected) Terms(TrafficIntentPlan plan, ulong now) => plan.Kind switch
    {
        // 50 bps under the input: above any fee the devnet charges (5 bps), so the limit never holds it back.
        TrafficIntentKind.Transfer => (now + _options.DeadlineSeconds, plan.InputAmount - (plan.InputAmount / 200), ExpectedFate.Filled),
        TrafficIntentKind.DeadlineTooSoon => (now + (_options.SettlementMarginSeconds / 2), plan.InputAmount - (plan.InputAmount / 200), ExpectedFate.Refunded),
        TrafficIntentKind.LimitAboveOutput => (now + _options.DeadlineSeconds, plan.InputAmount + 1, ExpectedFate.Deferred),
        TrafficIntentKind.LimitAboveOutputExpiring => (now + _options.SettlementMarginSeconds + _options.ExpiringDeferralSeconds, plan.InputAmount + 1, ExpectedFate.Deferred),
        _ => throw new ArgumentOutOfRangeException(nameof(plan), plan.Kind, "Unknown traffic intent kind."),
    };

    private async Task<IEnumerable<(long Index, OpenedIntent Intent)>> OpenFromEvmAsync(IReadOnlyList<(long Index, TrafficIntentPlan Plan)> plans, ulong now, CancellationToken cancellationToken)
    {
        var evm = _devnet.Evm;
        var opens = new List<(EvmKey Depositor, IntentParams Intent)>(plans.Count);
        var records = new List<(long Index, ulong Deadline, ExpectedFate Expected)>(plans.Count);
        foreach (var (index, plan) in plans)
        {
            var slot = (int)(index / 2 % _evmDepositors.Length);
            if (_evmFunds[slot] < plan.InputAmount)
            {
                await evm.MintAsync(_evmDepositors[slot].Address, _options.FundingPerDepositor, cancellationToken).ConfigureAwait(false);
                _evmFunds[slot] += _options.FundingPerDepositor;
            }

            _evmFunds[slot] -= plan.InputAmount;
            var (deadline, minOutput, expected) = Terms(plan, now);
            opens.Add((_evmDepositors[slot], new IntentParams(evm.Token, plan.InputAmount, SolanaDevChain.Chain, _devnet.Solana.Mint, minOutput, _devnet.Solana.NewWallet(), deadline)));
            records.Add((index, deadline, expected));
        }

        var ids = await _evmOpens.OpenAsync(opens, cancellationToken).ConfigureAwait(false);
        return ids.Select((id, i) => (records[i].Index, new OpenedIntent(
            id, EvmDevChain.Chain, SolanaDevChain.Chain, opens[i].Depositor.Address.ToBytes32(), opens[i].Intent.Recipient,
            evm.Token.ToBytes32(), opens[i].Intent.InputAmount, opens[i].Intent.OutputToken, opens[i].Intent.MinOutputAmount, records[i].Deadline, records[i].Expected)));
    }

    private async Task<IEnumerable<(long Index, OpenedIntent Intent)>> OpenFromSolanaAsync(IReadOnlyList<(long Index, TrafficIntentPlan Plan)> plans, ulong now, CancellationToken cancellationToken)
    {
        var solana = _devnet.Solana;
        var evmToken = _devnet.Evm.Token.ToBytes32();
        var result = new List<(long Index, OpenedIntent Intent)>(plans.Count);

        // One depositor's opens share transactions (SolanaDevChain.OpensPerTransaction to one).
        foreach (var group in plans.GroupBy(p => (int)(p.Index / 2 % _solanaDepositors.Length)))
        {
            var depositor = _solanaDepositors[group.Key];
            var intents = new List<(long Index, OpenIntentParams Params, ExpectedFate Expected)>();
            foreach (var (index, plan) in group)
            {
                if (_solanaFunds[group.Key] < plan.InputAmount)
                {
                    await solana.MintToAsync(depositor.PublicKey, _options.FundingPerDepositor, cancellationToken).ConfigureAwait(false);
                    _solanaFunds[group.Key] += _options.FundingPerDepositor;
                }

                _solanaFunds[group.Key] -= plan.InputAmount;
                var (deadline, minOutput, expected) = Terms(plan, now);
                var recipient = EvmDevChain.LocalKey(string.Create(CultureInfo.InvariantCulture, $"traffic-{_options.Seed}-recipient-{index}")).Address.ToBytes32();
                intents.Add((index, new OpenIntentParams(solana.Mint, plan.InputAmount, EvmDevChain.Chain, evmToken, minOutput, recipient, (long)deadline), expected));
            }

            var ids = await solana.OpenManyAsync(depositor, [.. intents.Select(i => i.Params)], cancellationToken).ConfigureAwait(false);
            result.AddRange(ids.Select((id, i) => (intents[i].Index, new OpenedIntent(
                id, SolanaDevChain.Chain, EvmDevChain.Chain, depositor.PublicKey, intents[i].Params.Recipient, solana.Mint,
                intents[i].Params.InputAmount, evmToken, intents[i].Params.MinOutputAmount, (ulong)intents[i].Params.FillDeadline, intents[i].Expected))));
        }

        return result;
    }
}
