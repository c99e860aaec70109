using System.Globalization;
using DiscreteExec.Adapters.Solana;
using DiscreteExec.Adapters.Solana.Codec;
using DiscreteExec.Adapters.Solana.Configuration;
using DiscreteExec.Adapters.Solana.Programs;
using DiscreteExec.Adapters.Solana.Rpc;
using DiscreteExec.Adapters.Solana.Settlement;
using DiscreteExec.Core;
using DiscreteExec.Core.Chains;
using DiscreteExec.Core.Intents;
using DiscreteExec.Core.Settlement;

namespace DiscreteExec.Relayer.Devnet;

/// <summary>
/// The Solana dev node (cluster chain id 900001) on a free port with the escrow program (protocol v2) loaded and
/// initialized (2-of-3 attestor keys derived from fixed labels, grace and activation delay 1 hour, destination the EVM chain),
/// a USDC-like mint (6 decimals) registered by the admin (its pool).
/// The admin pays for everything and is the relayer's fee payer. The helpers act as the users of the scenario.
/// </summary>
internal sealed class SolanaDevChain : IAsyncDisposable
{
    public const ulong ChainIdValue = 900001;
    public const string AdminLabel = "solana-admin";

    /// <summary>The escrow program's id when the dev node is started without <c>--program-id</c> (devnode/server.js).</summary>
    public const string DefaultProgramId = "CFnRYAA6BVyFD6b4yqGvHRmLiWnuGyK7UyQMUvHQrsHw";
    private const string ReadyPrefix = "devnode listening on ";

    private readonly ChildProcess? _node;
    private readonly TimeProvider _time;
    private readonly List<SolanaKeypair> _keys = [];

    private SolanaDevChain(ChildProcess? node, SolanaCluster cluster, TimeProvider time)
    {
        _node = node;
        Cluster = cluster;
        _time = time;
        Admin = Keep(SolanaKeypair.FromSeed(DevnetKeys.Derive(AdminLabel)));
        Signers = [.. SignerLabels.Select(label => Keep(SolanaKeypair.FromSeed(DevnetKeys.Derive(label))))];
    }

    public static ChainId Chain { get; } = new(ChainIdValue);

    public SolanaCluster Cluster { get; }

    public ISolanaRpc Rpc => Cluster.Rpc;

    public EscrowProgram Escrow => Cluster.Escrow;

    public Uri Url => Cluster.Options.Rpc.Url!;

    /// <summary>Escrow admin, mint authority, pool funder and the settlement fee payer.</summary>
    public SolanaKeypair Admin { get; }

    public IReadOnlyList<SolanaKeypair> Signers { get; }

    public Bytes32 Mint { get; private set; }

    /// <summary>The labels of <see cref="Signers"/>, in order.</summary>
    public static IReadOnlyList<string> SignerLabels { get; } = ["solana-signer-a", "solana-signer-b", "solana-signer-c"];

    public static async Task<SolanaDevChain> StartAsync(DevnetPrerequisites tools, HttpClient http, ChainId destination, TimeProvider time, CancellationToken cancellationToken)
    {
        var (node, url, programId) = await StartNodeAsync(tools, time, cancellationToken).ConfigureAwait(false);
        return await SetUpAsync(node, url, programId, http, destination, time, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Starts a bare dev node (escrow program loaded, not initialized) on a free 127.0.0.1 port; the caller disposes it.</summary>
    public static async Task<(ChildProcess Node, Uri Url, string ProgramId)> StartNodeAsync(DevnetPrerequisites tools, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tools);
        var ready = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var node = ChildProcess.Start(
            "Solana dev node",
            "node",
            [tools.DevnodeServer, "--port", "0", "--program", tools.EscrowProgram, "--slot-ms", "100"],
            line =>
            {
                if (line.StartsWith(ReadyPrefix, StringComparison.Ordinal))
                {
                    ready.TrySetResult(line);
                }
            });
        try
        {
            string line;
            try
            {
                line = await WaitForLineAsync(node, ready.Task, time, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException ex)
            {
                throw new DevnetException($"The Solana dev node did not report ready within 30 s (exited: {node.HasExited}). Its output:{Environment.NewLine}{node.Tail()}", ex);
            }

            // "devnode listening on 127.0.0.1:PORT program=<base58>"
            var parts = line[ReadyPrefix.Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var programId = parts.Single(p => p.StartsWith("program=", StringComparison.Ordinal))["program=".Length..];
            return (node, new Uri($"http://{parts[0]}"), programId);
        }
        catch
        {
            await node.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Initializes the escrow (as <see cref="StartAsync"/> does: 2-of-3 attestors, destination, a new mint and its pool)
    /// on a dev node already running at <paramref name="url"/> with the escrow program <paramref name="programId"/> loaded.
    /// </summary>
    public static Task<SolanaDevChain> DeployIntoAsync(Uri url, string programId, HttpClient http, ChainId destination, TimeProvider time, CancellationToken cancellationToken) =>
        SetUpAsync(node: null, url, programId, http, destination, time, cancellationToken);

    /// <summary>The dev node at <paramref name="url"/> whose escrow was initialized and whose <paramref name="mint"/> was registered before (by a setup); nothing is sent.</summary>
    public static SolanaDevChain Connect(Uri url, string programId, Bytes32 mint, HttpClient http, TimeProvider time) =>
        new(node: null, SolanaCluster.Create("local-devnet", ClusterOptions(url, programId), http, timeProvider: time), time) { Mint = mint };

    private static SolanaClusterOptions ClusterOptions(Uri url, string programId) => new()
    {
        Rpc = new ChainRpcOptions { Url = url, AttemptTimeout = TimeSpan.FromSeconds(5), RetryBaseDelay = TimeSpan.FromMilliseconds(20) },
        ChainId = ChainIdValue,
        ProgramId = programId,
        Commitment = Commitment.Confirmed,
        PollInterval = TimeSpan.FromMilliseconds(100),
        ConfirmPollInterval = TimeSpan.FromMilliseconds(50),
    };

    private static async Task<SolanaDevChain> SetUpAsync(ChildProcess? node, Uri url, string programId, HttpClient http, ChainId destination, TimeProvider time, CancellationToken cancellationToken)
    {
        SolanaDevChain? chain = null;
        try
        {
            chain = new SolanaDevChain(node, SolanaCluster.Create("local-devnet", ClusterOptions(url, programId), http, timeProvider: time), time);
            await chain.SetUpAsync(destination, cancellationToken).ConfigureAwait(false);
            return chain;
        }
        catch
        {
            if (chain is not null)
            {
                await chain.DisposeAsync().ConfigureAwait(false);
            }
            else if (node is not null)
            {
                await node.DisposeAsync().ConfigureAwait(false);
            }

            throw;
        }
    }

    /// <summary>Refund grace and attestor-set activation delay the devnet initialises the escrow with (both at the 1-hour minimum).</summary>
    public const ulong GraceSeconds = EscrowProgram.MinGraceSeconds, ActivationDelaySeconds = EscrowProgram.MinActivationDelaySeconds;

    /// <summary>The relayer's chunk submitter: the admin pays, two of the three attestors sign (the program's threshold).</summary>
    public IChunkSubmitter CreateSubmitter() =>
        Cluster.CreateSubmitter(new LocalKeypairSigner(Admin), [new LocalKeypairSigner(Signers[0]), new LocalKeypairSigner(Signers[1])]);

    /// <summary>A new user with SOL for fees and <paramref name="tokens"/> in its associated token account.</summary>
    public async Task<SolanaKeypair> NewUserAsync(ulong tokens, CancellationToken cancellationToken)
    {
        var user = Keep(SolanaKeypair.Generate());
        await AirdropAsync(user.PublicKey, cancellationToken).ConfigureAwait(false);
        await MintToAsync(user.PublicKey, tokens, cancellationToken).ConfigureAwait(false);
        return user;
    }

    /// <summary>
    /// Attacker helper (dev only): hands <paramref name="user"/>'s associated token account to a fresh key with SetAuthority
    /// AccountOwner, so nothing can be delivered to it any more (creating it fails, paying it would fail): a refund to
    /// this depositor, or a payout to this recipient, must become their claim instead of blocking its chunk.
    /// Returns the account's new owner.
    /// </summary>
    public async Task<Bytes32> MakeUndeliverableAsync(SolanaKeypair user, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(user);
        var thief = Keep(SolanaKeypair.Generate()).PublicKey;
        var ata = ProgramAddress.AssociatedTokenAccount(user.PublicKey, Mint);
        await SendAsync([AssociatedTokenProgram.CreateIdempotent(user.PublicKey, user.PublicKey, Mint), TokenProgram.SetAccountOwner(ata, user.PublicKey, thief)], [user], cancellationToken).ConfigureAwait(false);
        return thief;
    }

    /// <summary>
    /// Dev only (the dev node's <c>devnode_warpToTimestamp</c>): the cluster clock jumps to <paramref name="unixSeconds"/>
    /// (forwards past a Release window or an activation delay, or back) and runs on from there.
    /// </summary>
    public Task WarpClockAsync(long unixSeconds, CancellationToken cancellationToken) =>
        Rpc.RequestAsync("devnode_warpToTimestamp", [unixSeconds], cancellationToken);

    /// <summary>
    /// The depositor's own refundExpired of <paramref name="intentId"/> to its associated token account (what an
    /// attacker tries after deadline + grace). Returns null when it applied, else the refusal (e.g. "IntentNotOpen").
    /// </summary>
    public async Task<string?> TryRefundExpiredAsync(SolanaKeypair depositor, Bytes32 intentId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(depositor);
        try
        {
            var to = ProgramAddress.AssociatedTokenAccount(depositor.PublicKey, Mint);
            await SendAsync([Escrow.RefundExpired(intentId, Mint, to)], [depositor], cancellationToken).ConfigureAwait(false);
            return null;
        }
        catch (SolanaTransactionException ex)
        {
            return ex.Error.ProgramErrorName ?? ex.Error.ToString();
        }
    }

    /// <summary>What the escrow holds for <paramref name="owner"/> as a claim (0 when none).</summary>
    public async Task<ulong> ClaimAsync(Bytes32 owner, CancellationToken cancellationToken)
    {
        var account = await Rpc.GetAccountInfoAsync(Escrow.ClaimAddress(owner, Mint), Commitment.Confirmed, cancellationToken).ConfigureAwait(false);
        return account is null ? 0 : EscrowClaim.Decode(account.Data).Amount;
    }

    /// <summary>A wallet that only receives (no account is created: the settlement creates its token account).</summary>
    public Bytes32 NewWallet() => Keep(SolanaKeypair.Generate()).PublicKey;

    /// <summary>Opens an intent from the user's associated token account; returns its id.</summary>
    public async Task<Bytes32> OpenAsync(SolanaKeypair user, OpenIntentParams intent, CancellationToken cancellationToken) =>
        (await OpenManyAsync(user, [intent], cancellationToken).ConfigureAwait(false))[0];

    /// <summary>
    /// Opens the user's intents, <see cref="OpensPerTransaction"/> to a transaction (the most that fit in 1232 bytes),
    /// from its associated token accounts; returns their ids in order.
    /// </summary>
    public async Task<IReadOnlyList<Bytes32>> OpenManyAsync(SolanaKeypair user, IReadOnlyList<OpenIntentParams> intents, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(intents);

        // Opens are sent one transaction at a time and the dev node executes each as it arrives, so the nonce read
        // here is the one the program assigns to the first, and the next ones follow it.
        var nonce = (await ConfigAsync(cancellationToken).ConfigureAwait(false)).NextNonce;
        var ids = new List<Bytes32>(intents.Count);
        foreach (var chunk in intents.Chunk(OpensPerTransaction))
        {
            var instructions = new List<Instruction>(chunk.Length);
            foreach (var intent in chunk)
            {
                var source = ProgramAddress.AssociatedTokenAccount(user.PublicKey, intent.InputMint);
                instructions.Add(Escrow.Open(user.PublicKey, source, intent, Chain, nonce));
                ids.Add(IntentId.Compute(Chain, Escrow.ProgramId, nonce));
                nonce++;
            }

            await SendAsync(instructions, [user], cancellationToken).ConfigureAwait(false);
        }

        return ids;
    }

    /// <summary>Open instructions of one depositor that fit in one transaction (8 shared accounts, one intent account and ~165 bytes each).</summary>
    public const int OpensPerTransaction = 4;

    /// <summary>Whether this cluster's escrow paid the Payout of <paramref name="sourceIntentId"/> (its paid marker exists).</summary>
    public async Task<bool> IsPaidAsync(Bytes32 sourceIntentId, CancellationToken cancellationToken) =>
        await Rpc.GetAccountInfoAsync(Escrow.PaidMarkerAddress(sourceIntentId), Commitment.Confirmed, cancellationToken).ConfigureAwait(false) is not null;

    /// <summary>Adds relayer liquidity: mints to the admin and funds the pool with it.</summary>
    public async Task FundPoolAsync(ulong amount, CancellationToken cancellationToken)
    {
        var source = await MintToAsync(Admin.PublicKey, amount, cancellationToken).ConfigureAwait(false);
        await SendAsync([Escrow.Fund(Admin.PublicKey, source, Mint, amount)], [Admin], cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The wallet's balance of the mint in its associated token account (0 when it has none).</summary>
    public async Task<ulong> TokenBalanceAsync(Bytes32 wallet, CancellationToken cancellationToken)
    {
        var account = await Rpc.GetAccountInfoAsync(ProgramAddress.AssociatedTokenAccount(wallet, Mint), Commitment.Confirmed, cancellationToken).ConfigureAwait(false);
        return account is null ? 0 : TokenProgram.ReadAmount(account.Data);
    }

    public async Task<EscrowPool> PoolAsync(CancellationToken cancellationToken) =>
        EscrowPool.Decode((await Rpc.GetAccountInfoAsync(Escrow.PoolAddress(Mint), Commitment.Confirmed, cancellationToken).ConfigureAwait(false)
            ?? throw new DevnetException($"The pool account of mint {Base58.EncodeKey(Mint)} does not exist.")).Data);

    public async Task<EscrowIntentStatus?> IntentStatusAsync(Bytes32 intentId, CancellationToken cancellationToken)
    {
        var account = await Rpc.GetAccountInfoAsync(Escrow.IntentAddress(intentId), Commitment.Confirmed, cancellationToken).ConfigureAwait(false);
        return account is null ? null : EscrowIntent.Decode(account.Data).Status;
    }

    public Task<ulong> PayerLamportsAsync(CancellationToken cancellationToken) =>
        Rpc.GetBalanceAsync(Admin.PublicKey, Commitment.Confirmed, cancellationToken);

    /// <summary>
    /// Airdrops to the payer (10 SOL at a time) until it holds at least <paramref name="lamports"/>: it pays the
    /// rent of every chunk's receipt and payout marker, about 2 SOL per 1,000 intents settled.
    /// </summary>
    public Task TopUpPayerAsync(ulong lamports, CancellationToken cancellationToken) => TopUpAsync(Admin.PublicKey, lamports, cancellationToken);

    /// <summary>Airdrops to <paramref name="account"/> (10 SOL at a time) until it holds at least <paramref name="lamports"/>.</summary>
    public async Task TopUpAsync(Bytes32 account, ulong lamports, CancellationToken cancellationToken)
    {
        while (await Rpc.GetBalanceAsync(account, Commitment.Confirmed, cancellationToken).ConfigureAwait(false) < lamports)
        {
            await AirdropAsync(account, cancellationToken).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_node is not null)
        {
            await _node.DisposeAsync().ConfigureAwait(false);
        }

        foreach (var key in _keys)
        {
            key.Dispose();
        }
    }

    private static async Task<string> WaitForLineAsync(ChildProcess node, Task<string> ready, TimeProvider time, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        while (!ready.IsCompleted)
        {
            if (node.HasExited)
            {
                throw new DevnetException($"The Solana dev node exited before it was ready. Its output:{Environment.NewLine}{node.Tail()}");
            }

            if (time.GetElapsedTime(started) > TimeSpan.FromSeconds(30))
            {
                throw new TimeoutException();
            }

            await Task.Delay(TimeSpan.FromMilliseconds(50), time, cancellationToken).ConfigureAwait(false);
        }

        return await ready.ConfigureAwait(false);
    }

    private async Task SetUpAsync(ChainId destination, CancellationToken cancellationToken)
    {
        await AirdropAsync(Admin.PublicKey, cancellationToken).ConfigureAwait(false);
        await SendAsync(
            [
                Escrow.Initialize(Admin.PublicKey, Chain, GraceSeconds, ActivationDelaySeconds, 2, [.. Signers.Select(s => s.PublicKey)]),
                Escrow.SetDestinationChain(Admin.PublicKey, destination, true),
            ],
            [Admin],
            cancellationToken).ConfigureAwait(false);
        var mint = Keep(SolanaKeypair.Generate());
        Mint = mint.PublicKey;
        var rent = await Rpc.GetMinimumBalanceForRentExemptionAsync(TokenProgram.MintSize, cancellationToken).ConfigureAwait(false);
        await SendAsync(
            [
                SystemProgram.CreateAccount(Admin.PublicKey, Mint, rent, TokenProgram.MintSize, WellKnown.TokenProgram),
                TokenProgram.InitializeMint2(Mint, 6, Admin.PublicKey),
                Escrow.CreatePool(Admin.PublicKey, Mint), // registers the mint: only the admin can
            ],
            [Admin, mint],
            cancellationToken).ConfigureAwait(false);
    }

    private async Task<EscrowConfig> ConfigAsync(CancellationToken cancellationToken) =>
        EscrowConfig.Decode((await Rpc.GetAccountInfoAsync(Escrow.Config, Commitment.Confirmed, cancellationToken).ConfigureAwait(false)
            ?? throw new DevnetException("The escrow program is not initialized (no config account).")).Data);

    /// <summary>Mints <paramref name="amount"/> to <paramref name="owner"/>'s associated token account (created when missing); returns that account.</summary>
    public async Task<Bytes32> MintToAsync(Bytes32 owner, ulong amount, CancellationToken cancellationToken)
    {
        var ata = ProgramAddress.AssociatedTokenAccount(owner, Mint);
        await SendAsync([AssociatedTokenProgram.CreateIdempotent(Admin.PublicKey, owner, Mint), TokenProgram.MintTo(Mint, ata, Admin.PublicKey, amount)], [Admin], cancellationToken).ConfigureAwait(false);
        return ata;
    }

    private async Task AirdropAsync(Bytes32 account, CancellationToken cancellationToken) =>
        await WaitConfirmedAsync((await Rpc.RequestAsync("requestAirdrop", [Base58.EncodeKey(account), 10_000_000_000UL], cancellationToken).ConfigureAwait(false)).GetString()!, cancellationToken).ConfigureAwait(false);

    /// <summary>Signs with every given key (the first pays), sends, and waits until confirmed; a failure throws.</summary>
    private async Task SendAsync(IReadOnlyList<Instruction> instructions, IReadOnlyList<SolanaKeypair> signers, CancellationToken cancellationToken)
    {
        var blockhash = await Rpc.GetLatestBlockhashAsync(Commitment.Confirmed, cancellationToken).ConfigureAwait(false);
        var transaction = Transaction.Sign(MessageCompiler.Compile(signers[0].PublicKey, instructions, blockhash.Blockhash), [.. signers]);
        var signature = await Rpc.SendTransactionAsync(transaction.Serialize(), new SendOptions(), cancellationToken).ConfigureAwait(false);
        await WaitConfirmedAsync(signature, cancellationToken).ConfigureAwait(false);
    }

    private async Task WaitConfirmedAsync(string signature, CancellationToken cancellationToken)
    {
        var started = _time.GetTimestamp();
        while (_time.GetElapsedTime(started) < TimeSpan.FromSeconds(20))
        {
            var status = (await Rpc.GetSignatureStatusesAsync([signature], cancellationToken).ConfigureAwait(false))[0];
            if (status?.Error is { } error)
            {
                throw new DevnetException(string.Create(CultureInfo.InvariantCulture, $"Solana transaction {signature} failed: {error}"));
            }

            if (status?.ConfirmationStatus >= Commitment.Confirmed)
            {
                return;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(50), _time, cancellationToken).ConfigureAwait(false);
        }

        throw new DevnetException($"Solana transaction {signature} was not confirmed within 20 s.");
    }

    private SolanaKeypair Keep(SolanaKeypair key)
    {
        _keys.Add(key);
        return key;
    }
}
