using System.Numerics;
using DiscreteExec.Adapters.Evm.Abi;
using DiscreteExec.Adapters.Evm.Configuration;
using DiscreteExec.Adapters.Evm.Crypto;
using DiscreteExec.Adapters.Evm.Encoding;
using DiscreteExec.Adapters.Evm.Escrow;
using DiscreteExec.Adapters.Evm.Rpc;
using DiscreteExec.Adapters.Evm.Submission;
using DiscreteExec.Adapters.Evm.Transactions;
using DiscreteExec.Adapters.Evm.Watching;
using DiscreteExec.Chains.Checkpoints;
using DiscreteExec.Chains.Diagnostics;
using DiscreteExec.Chains.Rpc;
using DiscreteExec.Core;
using DiscreteExec.Core.Chains;
using DiscreteExec.Core.Hashing;
using DiscreteExec.Core.Messages;
using DiscreteExec.Relayer.Devnet;
using Microsoft.Extensions.Logging.Abstractions;

namespace DiscreteExec.Adapters.Evm.Tests.Support;

/// <summary>
/// An anvil with IntentEscrow v2 (2-of-3 signers, destination 900001, one-day signer-set delay, the token
/// registered) and a TestToken (its deployer, the owner, can block accounts) deployed by C# code from the
/// committed artifacts, plus helpers to act as users. One per test class: snapshots and reverts stay local.
/// </summary>
public sealed class EscrowTestbed : IAsyncLifetime
{
    public const ulong Destination = 900_001;

    public const ulong GraceSeconds = 3_600;

    public const ulong SignerSetDelaySeconds = 86_400;

    private readonly Dictionary<EvmAddress, SemaphoreSlim> _senders = [];

    public AnvilProcess Anvil { get; private set; } = null!;

    public HttpClient Http { get; } = new() { Timeout = Timeout.InfiniteTimeSpan };

    /// <summary>A client straight to anvil (no faults), for setting up and checking.</summary>
    public EvmRpcClient Rpc { get; private set; } = null!;

    public EvmKey Owner { get; } = Key("owner");

    public EvmKey[] Signers { get; } = [Key("signer-a"), Key("signer-b"), Key("signer-c")];

    public EvmKey Relayer { get; } = Key("relayer");

    public EvmAddress Escrow { get; private set; }

    public EvmAddress Token { get; private set; }

    public ulong DeploymentBlock { get; private set; }

    public static EvmKey Key(string name) => new(Keccak256.Hash(System.Text.Encoding.UTF8.GetBytes("discreteexec-test:" + name)).ToArray());

    public async Task InitializeAsync()
    {
        Anvil = await AnvilProcess.StartAsync();
        Rpc = CreateClient(Anvil.Url, new ChainRpcOptions { MaxRetryAttempts = 0 });
        await FundAsync(Owner, Relayer);
        Token = await DeployAsync(Owner, "TestToken", TestTokenAbi.ConstructorArguments("Test USD", "TUSD", 6));
        Escrow = await DeployAsync(Owner, "IntentEscrow", IntentEscrowAbi.ConstructorArguments(Owner.Address, GraceSeconds, SignerSetDelaySeconds, [.. Signers.Select(s => s.Address)], 2, [new ChainId(Destination)], [Token]));
        DeploymentBlock = await Rpc.BlockNumberAsync(CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        await Anvil.DisposeAsync();
        Http.Dispose();
    }

    public EvmRpcClient CreateClient(Uri url, ChainRpcOptions settings) =>
        new(Http, new RpcEndpoint(url, ChainKind.Evm, new ChainId(AnvilProcess.ChainId)), settings, IntentEscrowAbi.Abi, NullLogger<EvmRpcClient>.Instance);

    public EvmChainOptions Options(Uri? url = null, int confirmationDepth = 0) => new()
    {
        Rpc = new() { Url = url ?? Anvil.Url },
        ChainId = AnvilProcess.ChainId,
        EscrowAddress = Escrow.ToString(),
        StartBlock = (long)DeploymentBlock,
        ConfirmationDepth = confirmationDepth,
        PollInterval = TimeSpan.FromMilliseconds(20),
        MaxFeePerGasWei = 100_000_000_000,
        MaxPriorityFeePerGasWei = 2_000_000_000,
        ConfirmationTimeout = TimeSpan.FromSeconds(60),
    };

    /// <summary>A transaction sender for <paramref name="key"/> (default: the relayer) straight to anvil.</summary>
    public TransactionSender CreateSender(EvmChainOptions? options = null, EvmKey? key = null) =>
        new(Rpc, new LocalTransactionSigner(key ?? Relayer), options ?? Options(), TimeProvider.System, NullLogger<TransactionSender>.Instance);

    public async Task FundAsync(params EvmKey[] keys)
    {
        foreach (var key in keys)
        {
            await Rpc.RequestAsync("anvil_setBalance", [key.Address.ToLowerHex(), Hex.EncodeQuantity(BigInteger.Pow(10, 21))], CancellationToken.None);
        }
    }

    public async Task<EvmAddress> DeployAsync(EvmKey from, string artifact, byte[] constructorArguments)
    {
        var contract = await ContractArtifact.LoadAsync(Path.Combine(AnvilProcess.RepositoryRoot(), "contracts", "evm", "artifacts", artifact + ".json"), CancellationToken.None);
        var receipt = await SendAsync(from, null, contract.DeploymentData(constructorArguments));
        return receipt.ContractAddress ?? throw new InvalidOperationException($"Deploying {artifact} created no contract.");
    }

    /// <summary>Sends a transaction from <paramref name="from"/> and waits for its receipt (anvil mines at once); a failed one throws.</summary>
    public async Task<TransactionReceipt> SendAsync(EvmKey from, EvmAddress? to, byte[] data)
    {
        SemaphoreSlim gate;
        lock (_senders)
        {
            gate = _senders.TryGetValue(from.Address, out var existing) ? existing : _senders[from.Address] = new SemaphoreSlim(1, 1);
        }

        await gate.WaitAsync();
        try
        {
            return await SendLockedAsync(from, to, data);
        }
        finally
        {
            gate.Release();
        }
    }

    private Task<TransactionReceipt> SendLockedAsync(EvmKey from, EvmAddress? to, byte[] data) =>
        Rpc.SendAndWaitAsync(from, AnvilProcess.ChainId, to, data, TimeProvider.System, TimeSpan.FromSeconds(20), CancellationToken.None);

    public Task MintAsync(EvmAddress to, UInt256 amount) => SendAsync(Owner, Token, TestTokenAbi.Mint(to, amount));

    /// <summary>Mints to the user, approves the escrow and opens the intent; returns the parameters used.</summary>
    public async Task<IntentParams> OpenIntentAsync(EvmKey user, UInt256 amount, ulong salt, ulong? fillDeadline = null)
    {
        var p = new IntentParams(
            Token,
            amount,
            new ChainId(Destination),
            Keccak256.Hash(BitConverter.GetBytes(salt)),
            amount / 2,
            EvmAddress.FromPublicKey(user.PublicKey).ToBytes32(),
            fillDeadline ?? 4_000_000_000UL + salt);
        await MintAsync(user.Address, amount);
        await SendAsync(user, Token, TestTokenAbi.Approve(Escrow, amount));
        await SendAsync(user, Escrow, IntentEscrowAbi.Open(p));
        return p;
    }

    public async Task FundPoolAsync(UInt256 amount)
    {
        await MintAsync(Owner.Address, amount);
        await SendAsync(Owner, Token, TestTokenAbi.Approve(Escrow, amount));
        await SendAsync(Owner, Escrow, IntentEscrowAbi.Fund(Token, amount));
    }

    public async Task<UInt256> TokenBalanceAsync(EvmAddress account) =>
        IntentEscrowAbi.DecodeUInt256(await Rpc.CallAsync(new CallRequest(Token, TestTokenAbi.BalanceOf(account)), BlockTag.Latest, CancellationToken.None));

    public async Task<UInt256> PoolBalanceAsync() =>
        IntentEscrowAbi.DecodeUInt256(await Rpc.CallAsync(new CallRequest(Escrow, IntentEscrowAbi.PoolBalance(Token)), BlockTag.Latest, CancellationToken.None));

    public async Task<byte> IntentStatusAsync(Bytes32 intentId) =>
        (byte)IntentEscrowAbi.DecodeUInt256(await Rpc.CallAsync(new CallRequest(Escrow, IntentEscrowAbi.IntentStatus(intentId)), BlockTag.Latest, CancellationToken.None)).AsUInt64;

    public async Task<string> SnapshotAsync() => (await Rpc.RequestAsync("evm_snapshot", [], CancellationToken.None)).GetString()!;

    public async Task RevertAsync(string snapshot) => await Rpc.RequestAsync("evm_revert", [snapshot], CancellationToken.None);

    /// <summary>Every settlement, claim and signer-set event of the escrow from <paramref name="fromBlock"/> on, decoded from its logs.</summary>
    public async Task<EscrowEvent[]> EventsSinceAsync(ulong fromBlock)
    {
        var head = await Rpc.BlockNumberAsync(CancellationToken.None);
        var logs = await Rpc.GetLogsAsync(new LogFilter(fromBlock, head, Escrow, EscrowEventDecoder.Topics), CancellationToken.None);
        return [.. logs
            .OrderBy(l => l.BlockNumber).ThenBy(l => l.LogIndex)
            .Select(l => EscrowEventDecoder.TryDecode(l, new ChainPosition { BlockNumber = l.BlockNumber, BlockHash = l.BlockHash.ToString(), TransactionId = l.TransactionHash.ToString(), LogIndex = l.LogIndex }))
            .OfType<EscrowEvent>()];
    }

    /// <summary>Moves anvil's clock forward and mines a block at the new time (never a sleep).</summary>
    public async Task AdvanceTimeAsync(ulong seconds)
    {
        await Rpc.RequestAsync("evm_increaseTime", [(long)seconds], CancellationToken.None);
        await MineAsync(1);
    }

    public async Task MineAsync(int blocks) => await Rpc.RequestAsync("anvil_mine", [Hex.EncodeQuantity((ulong)blocks)], CancellationToken.None);
}
