using System.Globalization;
using System.Numerics;
using DiscreteExec.Adapters.Evm;
using DiscreteExec.Adapters.Evm.Configuration;
using DiscreteExec.Adapters.Evm.Crypto;
using DiscreteExec.Adapters.Evm.Encoding;
using DiscreteExec.Adapters.Evm.Escrow;
using DiscreteExec.Adapters.Evm.Rpc;
using DiscreteExec.Adapters.Evm.Submission;
using DiscreteExec.Adapters.Evm.Transactions;
using DiscreteExec.Adapters.Evm.Watching;
using DiscreteExec.Chains.Checkpoints;
using DiscreteExec.Chains.Rpc;
using DiscreteExec.Core;
using DiscreteExec.Core.Chains;
using DiscreteExec.Core.Hashing;
using DiscreteExec.Core.Intents;
using Microsoft.Extensions.Logging.Abstractions;

namespace DiscreteExec.Relayer.Devnet;

/// <summary>
/// anvil (chain 31337) on a free port with IntentEscrow v2 (2-of-3 local-devnet signers, destination the Solana
/// cluster, grace and signer-set delay one hour each) and a USDC-like TestToken (6 decimals, with a USDC-like
/// blocklist) deployed from the committed artifacts and registered on the escrow; the relayer, the escrow's owner
/// and the token's blocklister are anvil's well-known account 0. The helpers act as the users of the scenario.
/// </summary>
internal sealed class EvmDevChain : IAsyncDisposable
{
    public const ulong ChainIdValue = 31337;

    /// <summary>anvil's well-known dev account 0 (public test key: never use it anywhere real).</summary>
    internal const string AnvilAccount0 = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

    /// <summary>Refund grace and signer-set activation delay: the escrow's minimum (it accepts 1 hour to 30 days).</summary>
    public const ulong GraceSeconds = IntentEscrowAbi.MinDelaySeconds;

    public const ulong SignerSetDelaySeconds = IntentEscrowAbi.MinDelaySeconds;

    private readonly ChildProcess? _anvil;
    private readonly TimeProvider _time;

    private EvmDevChain(ChildProcess? anvil, Uri url, EvmRpcClient rpc, TimeProvider time)
    {
        _anvil = anvil;
        Url = url;
        Rpc = rpc;
        _time = time;
    }

    public static ChainId Chain { get; } = new(ChainIdValue);

    public Uri Url { get; }

    public EvmRpcClient Rpc { get; }

    public EvmKey Relayer { get; } = EvmKey.FromHex(AnvilAccount0);

    public IReadOnlyList<EvmKey> Signers { get; } = [.. SignerLabels.Select(LocalKey)];

    public EvmAddress Escrow { get; private set; }

    public EvmAddress Token { get; private set; }

    public ulong DeploymentBlock { get; private set; }

    /// <summary>A deterministic key for the local devnet only, derived from a label.</summary>
    public static EvmKey LocalKey(string label) => new(DevnetKeys.Derive(label));

    /// <summary>The labels of <see cref="Signers"/>, in order.</summary>
    public static IReadOnlyList<string> SignerLabels { get; } = ["signer-a", "signer-b", "signer-c"];

    public static async Task<EvmDevChain> StartAsync(DevnetPrerequisites tools, HttpClient http, ChainId destination, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tools);
        var (anvil, url) = StartAnvil(tools);
        return await SetUpAsync(anvil, url, tools.EvmArtifacts, http, destination, time, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>How many of the newest block states the devnet's anvil keeps (eth_call and reorgs reach that far back).</summary>
    public const int StateHistoryBlocks = 512;

    /// <summary>Starts a bare anvil (chain 31337, nothing deployed) on a free 127.0.0.1 port; the caller disposes it.</summary>
    public static (ChildProcess Anvil, Uri Url) StartAnvil(DevnetPrerequisites tools)
    {
        ArgumentNullException.ThrowIfNull(tools);
        var port = ChildProcess.FreePort();
        // --prune-history keeps the newest block states in memory only: by default anvil moves states older than a few
        // hundred blocks to a disk cache its reorg does not read back, so anvil_reorg on a long-running chain (the
        // fault campaign's) left an empty state. Historical reads older than this window are not served.
        var anvil = ChildProcess.Start(
            "anvil",
            tools.Anvil,
            ["--host", "127.0.0.1", "--port", Invariant(port), "--chain-id", Invariant(ChainIdValue), "--silent", "--prune-history", Invariant(StateHistoryBlocks)]);
        return (anvil, new Uri($"http://127.0.0.1:{Invariant(port)}/"));
    }

    /// <summary>
    /// Deploys the token and the escrow (as <see cref="StartAsync"/> does) into an anvil that is already running at
    /// <paramref name="url"/> (chain 31337, account 0 funded), from the contract artifacts in <paramref name="artifacts"/>.
    /// </summary>
    public static Task<EvmDevChain> DeployIntoAsync(Uri url, string artifacts, HttpClient http, ChainId destination, TimeProvider time, CancellationToken cancellationToken) =>
        SetUpAsync(anvil: null, url, artifacts, http, destination, time, cancellationToken);

    /// <summary>The chain at <paramref name="url"/> whose escrow and token were deployed before (by a setup); nothing is sent.</summary>
    public static EvmDevChain Connect(Uri url, HttpClient http, EvmAddress escrow, EvmAddress token, ulong deploymentBlock, TimeProvider time) =>
        new(anvil: null, url, CreateRpc(url, http, time), time) { Escrow = escrow, Token = token, DeploymentBlock = deploymentBlock };

    private static EvmRpcClient CreateRpc(Uri url, HttpClient http, TimeProvider time) =>
        new(http, new RpcEndpoint(url, ChainKind.Evm, new ChainId(ChainIdValue)), new ChainRpcOptions { Url = url, MaxRetryAttempts = 2 }, IntentEscrowAbi.Abi, NullLogger<EvmRpcClient>.Instance, time);

    private static async Task<EvmDevChain> SetUpAsync(ChildProcess? anvil, Uri url, string artifacts, HttpClient http, ChainId destination, TimeProvider time, CancellationToken cancellationToken)
    {
        var rpc = CreateRpc(url, http, time);
        var chain = new EvmDevChain(anvil, url, rpc, time);
        try
        {
            await chain.WaitReadyAsync(cancellationToken).ConfigureAwait(false);
            chain.Token = await chain.DeployAsync(artifacts, "TestToken", TestTokenAbi.ConstructorArguments("USD Coin (local devnet)", "USDC", 6), cancellationToken).ConfigureAwait(false);
            chain.Escrow = await chain.DeployAsync(
                artifacts,
                "IntentEscrow",
                IntentEscrowAbi.ConstructorArguments(chain.Relayer.Address, GraceSeconds, SignerSetDelaySeconds, [.. chain.Signers.Select(s => s.Address)], 2, [destination], []),
                cancellationToken).ConfigureAwait(false);
            await chain.RegisterTokenAsync(chain.Token, cancellationToken).ConfigureAwait(false);
            chain.DeploymentBlock = await rpc.BlockNumberAsync(cancellationToken).ConfigureAwait(false);
            return chain;
        }
        catch
        {
            await chain.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Options for the adapter's watcher and submitter: no confirmation depth (anvil mines each transaction at once), fast polling.</summary>
    public EvmChainOptions Options() => new()
    {
        Rpc = new ChainRpcOptions { Url = Url },
        ChainId = ChainIdValue,
        EscrowAddress = Escrow.ToString(),
        StartBlock = (long)DeploymentBlock,
        ConfirmationDepth = 0,
        PollInterval = TimeSpan.FromMilliseconds(50),
        ConfirmationTimeout = TimeSpan.FromSeconds(30),
    };

    public EscrowWatcher CreateWatcher(ICheckpointStore<WatcherCheckpoint> checkpoints) =>
        new(Rpc, Options(), checkpoints, _time, NullLogger<EscrowWatcher>.Instance);

    public TransactionSender CreateSender() =>
        new(Rpc, new LocalTransactionSigner(Relayer), Options(), _time, NullLogger<TransactionSender>.Instance);

    /// <summary>The chunk submitter with two of the three signers: exactly the escrow's threshold.</summary>
    public ChunkSubmitter CreateSubmitter(TransactionSender sender) =>
        new(Rpc, sender, Signers.Take(2).Select(k => (ILegSigner)new LocalLegSigner(k)), Options(), NullLogger<ChunkSubmitter>.Instance);

    /// <summary>The signer-set rotation flow, signing with every devnet signer that is in the current set.</summary>
    public SignerSetRotation CreateSignerSetRotation(TransactionSender sender) =>
        new(Rpc, sender, Signers.Select(k => (ILegSigner)new LocalLegSigner(k)), Options(), _time);

    /// <summary>Owner only (account 0): lets the escrow's <c>open</c> and <c>fund</c> accept <paramref name="token"/>.</summary>
    public Task RegisterTokenAsync(EvmAddress token, CancellationToken cancellationToken) =>
        SendAsync(Relayer, Escrow, IntentEscrowAbi.SetToken(token, registered: true), cancellationToken);

    /// <summary>
    /// Blocks (or unblocks) an account on the dev TestToken like USDC's blacklist: transfers from or to it revert. With
    /// it the devnet stages a blocked depositor or recipient; the escrow turns their refunds and payouts into claims.
    /// </summary>
    public Task SetBlockedAsync(EvmAddress account, bool blocked, CancellationToken cancellationToken) =>
        SendAsync(Relayer, Token, TestTokenAbi.SetBlocked(account, blocked), cancellationToken);

    /// <summary>What <paramref name="owner"/> can collect from the escrow with <c>claim</c>.</summary>
    public async Task<UInt256> ClaimableAsync(EvmAddress owner, CancellationToken cancellationToken) =>
        IntentEscrowAbi.DecodeUInt256(await CallAsync(Escrow, IntentEscrowAbi.Claimable(Token, owner), cancellationToken).ConfigureAwait(false));

    /// <summary><paramref name="owner"/> collects its whole claim in the dev token to <paramref name="to"/>, an account of its choice.</summary>
    public Task ClaimAsync(EvmKey owner, EvmAddress to, CancellationToken cancellationToken) =>
        SendAsync(owner, Escrow, IntentEscrowAbi.Claim(Token, to), cancellationToken);

    /// <summary>
    /// <paramref name="caller"/> (anyone) asks for an expired intent back; a refused call throws
    /// <see cref="EvmRevertException"/> naming the escrow's error (e.g. <c>IntentNotOpen</c> for a released intent).
    /// </summary>
    public Task RefundExpiredAsync(EvmKey caller, Bytes32 intentId, CancellationToken cancellationToken) =>
        SendAsync(caller, Escrow, IntentEscrowAbi.RefundExpired(intentId), cancellationToken);

    /// <summary>Moves the chain's clock (anvil evm_increaseTime plus one mined block); never a sleep.</summary>
    public async Task AdvanceTimeAsync(TimeSpan by, CancellationToken cancellationToken)
    {
        await Rpc.RequestAsync("evm_increaseTime", [(long)by.TotalSeconds], cancellationToken).ConfigureAwait(false);
        await Rpc.RequestAsync("anvil_mine", ["0x1"], cancellationToken).ConfigureAwait(false);
    }

    public async Task GiveGasAsync(EvmAddress account, CancellationToken cancellationToken) =>
        await Rpc.RequestAsync("anvil_setBalance", [account.ToLowerHex(), Hex.EncodeQuantity(BigInteger.Pow(10, 21))], cancellationToken).ConfigureAwait(false);

    public Task MintAsync(EvmAddress to, UInt256 amount, CancellationToken cancellationToken) =>
        SendAsync(Relayer, Token, TestTokenAbi.Mint(to, amount), cancellationToken);

    /// <summary><paramref name="owner"/> lets the escrow take up to <paramref name="amount"/> of the dev token.</summary>
    public Task ApproveEscrowAsync(EvmKey owner, UInt256 amount, CancellationToken cancellationToken) =>
        SendAsync(owner, Token, TestTokenAbi.Approve(Escrow, amount), cancellationToken);

    /// <summary>Mints the input to the user, approves the escrow and opens the intent; returns its id.</summary>
    public async Task<Bytes32> OpenAsync(EvmKey user, IntentParams intent, CancellationToken cancellationToken)
    {
        await MintAsync(user.Address, intent.InputAmount, cancellationToken).ConfigureAwait(false);
        await ApproveEscrowAsync(user, intent.InputAmount, cancellationToken).ConfigureAwait(false);
        var nonce = IntentEscrowAbi.DecodeUInt256(await CallAsync(Escrow, IntentEscrowAbi.Nonce(), cancellationToken).ConfigureAwait(false)).AsUInt64;
        await SendAsync(user, Escrow, IntentEscrowAbi.Open(intent), cancellationToken).ConfigureAwait(false);
        return IntentId.Compute(Chain, Escrow.ToBytes32(), nonce);
    }

    /// <summary>Adds relayer liquidity: mints to account 0 and funds the escrow's pool with it.</summary>
    public async Task FundPoolAsync(UInt256 amount, CancellationToken cancellationToken)
    {
        await MintAsync(Relayer.Address, amount, cancellationToken).ConfigureAwait(false);
        await SendAsync(Relayer, Token, TestTokenAbi.Approve(Escrow, amount), cancellationToken).ConfigureAwait(false);
        await SendAsync(Relayer, Escrow, IntentEscrowAbi.Fund(Token, amount), cancellationToken).ConfigureAwait(false);
    }

    public async Task<UInt256> TokenBalanceAsync(EvmAddress account, CancellationToken cancellationToken) =>
        IntentEscrowAbi.DecodeUInt256(await CallAsync(Token, TestTokenAbi.BalanceOf(account), cancellationToken).ConfigureAwait(false));

    public async Task<UInt256> PoolBalanceAsync(CancellationToken cancellationToken) =>
        IntentEscrowAbi.DecodeUInt256(await CallAsync(Escrow, IntentEscrowAbi.PoolBalance(Token), cancellationToken).ConfigureAwait(false));

    /// <summary>The escrow's status code: 0 None, 1 Open, 2 Released, 3 Refunded.</summary>
    public async Task<byte> IntentStatusAsync(Bytes32 intentId, CancellationToken cancellationToken) =>
        (byte)IntentEscrowAbi.DecodeUInt256(await CallAsync(Escrow, IntentEscrowAbi.IntentStatus(intentId), cancellationToken).ConfigureAwait(false)).AsUInt64;

    /// <summary>Whether this escrow (the intent's destination) paid the Payout of <paramref name="sourceIntentId"/>.</summary>
    public async Task<bool> IsPaidAsync(Bytes32 sourceIntentId, CancellationToken cancellationToken) =>
        IntentEscrowAbi.DecodeBool(await CallAsync(Escrow, IntentEscrowAbi.IsPaid(sourceIntentId), cancellationToken).ConfigureAwait(false));

    public Task<ulong> RelayerNonceAsync(CancellationToken cancellationToken) =>
        Rpc.GetTransactionCountAsync(Relayer.Address, BlockTag.Latest, cancellationToken);

    /// <summary><see cref="RefundExpiredAsync"/>, returning null when it applied, else the escrow's refusal (its error name).</summary>
    public async Task<string?> TryRefundExpiredAsync(EvmKey caller, Bytes32 intentId, CancellationToken cancellationToken)
    {
        try
        {
            await RefundExpiredAsync(caller, intentId, cancellationToken).ConfigureAwait(false);
            return null;
        }
        catch (EvmRevertException ex)
        {
            return ex.ErrorName ?? ex.Message;
        }
    }

    public ValueTask DisposeAsync() => _anvil?.DisposeAsync() ?? ValueTask.CompletedTask;

    private Task<byte[]> CallAsync(EvmAddress to, byte[] data, CancellationToken cancellationToken) =>
        Rpc.CallAsync(new CallRequest(to, data), BlockTag.Latest, cancellationToken);

    private async Task WaitReadyAsync(CancellationToken cancellationToken)
    {
        var started = _time.GetTimestamp();
        while (true)
        {
            try
            {
                var id = await Rpc.ChainIdAsync(cancellationToken).ConfigureAwait(false);
                if (id != ChainIdValue)
                {
                    throw new DevnetException($"The EVM chain at {Url} reports chain id {id}, not {ChainIdValue} (anvil's --chain-id).");
                }

                return;
            }
            catch (Exception ex) when (ex is HttpRequestException or ChainRpcException && !cancellationToken.IsCancellationRequested)
            {
                if (_anvil?.HasExited == true || _time.GetElapsedTime(started) > TimeSpan.FromSeconds(20))
                {
                    throw new DevnetException(
                        _anvil is null
                            ? $"No EVM chain answered at {Url} within 20 s: is anvil running there?"
                            : $"anvil did not answer at {Url} (exited: {_anvil.HasExited}). Its output:{Environment.NewLine}{_anvil.Tail()}",
                        ex);
                }
            }

            await Task.Delay(TimeSpan.FromMilliseconds(50), _time, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<EvmAddress> DeployAsync(string artifacts, string artifact, byte[] constructorArguments, CancellationToken cancellationToken)
    {
        var contract = await ContractArtifact.LoadAsync(Path.Combine(artifacts, artifact + ".json"), cancellationToken).ConfigureAwait(false);
        var receipt = await SendAsync(Relayer, null, contract.DeploymentData(constructorArguments), cancellationToken).ConfigureAwait(false);
        return receipt.ContractAddress ?? throw new DevnetException($"Deploying {artifact} created no contract.");
    }

    /// <summary>Signs and sends one transaction and waits for its receipt (anvil mines at once); a revert throws.</summary>
    private Task<TransactionReceipt> SendAsync(EvmKey from, EvmAddress? to, byte[] data, CancellationToken cancellationToken) =>
        Rpc.SendAndWaitAsync(from, ChainIdValue, to, data, _time, TimeSpan.FromSeconds(20), cancellationToken);

    private static string Invariant(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Invariant(ulong value) => value.ToString(CultureInfo.InvariantCulture);
}
