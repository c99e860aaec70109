using System.Numerics;
using System.Text.Json;
using DiscreteExec.Adapters.Evm.Abi;
using DiscreteExec.Adapters.Evm.Configuration;
using DiscreteExec.Adapters.Evm.Crypto;
using DiscreteExec.Adapters.Evm.Encoding;
using DiscreteExec.Adapters.Evm.Escrow;
using DiscreteExec.Adapters.Evm.Rpc;
using DiscreteExec.Adapters.Evm.Transactions;
using DiscreteExec.Core;
using DiscreteExec.Core.Hashing;
using Microsoft.Extensions.Logging.Abstractions;

namespace DiscreteExec.Adapters.Evm.Tests.Support;

/// <summary>
/// An anvil with IntentEscrow (2-of-3 signers, destination 900001) and a TestToken deployed by C# code from the
/// committed artifacts, plus helpers to act as users. One per test class: snapshots and reverts stay local.
/// </summary>
public sealed class EscrowTestbed : IAsyncLifetime
{
    public const ulong Destination = 900_001;
    private static readonly AbiFunction Mint = AbiFunction.Parse("mint(address,uint256)");
    private static readonly AbiFunction Approve = AbiFunction.Parse("approve(address,uint256) returns (bool)");
    private static readonly AbiFunction BalanceOf = AbiFunction.Parse("balanceOf(address) returns (uint256)");

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
        Rpc = CreateClient(Anvil.Url, new RpcResilienceSettings { MaxRetryAttempts = 0 });
        await FundAsync(Owner, Relayer);
        Token = await DeployAsync(Owner, "TestToken", AbiEncoder.Encode([AbiType.String, AbiType.String, AbiType.Uint(8)], ["Test USD", "TUSD", (byte)6]));
        Escrow = await DeployAsync(Owner, "IntentEscrow", AbiEncoder.Encode(
            IntentEscrowAbi.Abi.ConstructorInputs.Select(p => p.Type).ToArray(),
            [Owner.Address, 3600UL, Signers.Select(s => (object?)s.Address).ToArray(), (byte)2, new object?[] { Destination }]));
        DeploymentBlock = await Rpc.BlockNumberAsync(CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        await Anvil.DisposeAsync();
        Http.Dispose();
    }

    public EvmRpcClient CreateClient(Uri url, RpcResilienceSettings settings) =>
        new(Http, url, RpcResilience.Create(settings, TimeProvider.System), IntentEscrowAbi.Abi, NullLogger<EvmRpcClient>.Instance);

    public EvmChainOptions Options(Uri? url = null, int confirmationDepth = 0) => new()
    {
        RpcUrl = url ?? Anvil.Url,
        ChainId = (long)AnvilProcess.ChainId,
        EscrowAddress = Escrow.ToString(),
        StartBlock = (long)DeploymentBlock,
        ConfirmationDepth = confirmationDepth,
        PollInterval = TimeSpan.FromMilliseconds(20),
        MaxFeePerGasWei = 100_000_000_000,
        MaxPriorityFeePerGasWei = 2_000_000_000,
        ConfirmationTimeout = TimeSpan.FromSeconds(60),
    };

    public async Task FundAsync(params EvmKey[] keys)
    {
        foreach (var key in keys)
        {
            await Rpc.RequestAsync("anvil_setBalance", [key.Address.ToLowerHex(), Hex.EncodeQuantity(BigInteger.Pow(10, 21))], CancellationToken.None);
        }
    }

    public async Task<EvmAddress> DeployAsync(EvmKey from, string artifact, byte[] constructorArguments)
    {
        var path = Path.Combine(AnvilProcess.RepositoryRoot(), "contracts", "evm", "artifacts", artifact + ".json");
        using var document = JsonDocument.Parse(await File.ReadAllTextAsync(path));
        var bytecode = Hex.Decode(document.RootElement.GetProperty("bytecode").GetString()!);
        var receipt = await SendAsync(from, null, [.. bytecode, .. constructorArguments]);
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

    private async Task<TransactionReceipt> SendLockedAsync(EvmKey from, EvmAddress? to, byte[] data)
    {
        var nonce = await Rpc.GetTransactionCountAsync(from.Address, BlockTag.Pending, CancellationToken.None);
        var gas = await Rpc.EstimateGasAsync(new CallRequest(to, data) { From = from.Address }, CancellationToken.None);
        var signed = new Eip1559Transaction
        {
            ChainId = AnvilProcess.ChainId,
            Nonce = nonce,
            MaxPriorityFeePerGas = 1_000_000_000,
            MaxFeePerGas = 50_000_000_000,
            GasLimit = gas + (gas / 4),
            To = to,
            Data = data,
        }.Sign(from);
        await Rpc.SendRawTransactionAsync(signed.Raw, CancellationToken.None);
        for (var i = 0; i < 500; i++)
        {
            if (await Rpc.GetTransactionReceiptAsync(signed.Hash, CancellationToken.None) is { } receipt)
            {
                return receipt.Succeeded ? receipt : throw new InvalidOperationException($"Transaction {signed.Hash} reverted.");
            }

            await Task.Delay(10);
        }

        throw new TimeoutException($"Transaction {signed.Hash} was not mined.");
    }

    public Task MintAsync(EvmAddress to, UInt256 amount) => SendAsync(Owner, Token, Mint.EncodeCall(to, amount));

    /// <summary>Mints to the user, approves the escrow and opens the intent; returns the parameters used.</summary>
    public async Task<IntentParams> OpenIntentAsync(EvmKey user, UInt256 amount, ulong salt)
    {
        var p = new IntentParams(
            Token,
            amount,
            new ChainId(Destination),
            Keccak256.Hash(BitConverter.GetBytes(salt)),
            amount / 2,
            EvmAddress.FromPublicKey(user.PublicKey).ToBytes32(),
            4_000_000_000UL + salt);
        await MintAsync(user.Address, amount);
        await SendAsync(user, Token, Approve.EncodeCall(Escrow, amount));
        await SendAsync(user, Escrow, IntentEscrowAbi.Open(p));
        return p;
    }

    public async Task FundPoolAsync(UInt256 amount)
    {
        await MintAsync(Owner.Address, amount);
        await SendAsync(Owner, Token, Approve.EncodeCall(Escrow, amount));
        await SendAsync(Owner, Escrow, IntentEscrowAbi.Fund(Token, amount));
    }

    public async Task<UInt256> TokenBalanceAsync(EvmAddress account) =>
        IntentEscrowAbi.DecodeUInt256(await Rpc.CallAsync(new CallRequest(Token, BalanceOf.EncodeCall(account)), BlockTag.Latest, CancellationToken.None));

    public async Task<UInt256> PoolBalanceAsync() =>
        IntentEscrowAbi.DecodeUInt256(await Rpc.CallAsync(new CallRequest(Escrow, IntentEscrowAbi.PoolBalance(Token)), BlockTag.Latest, CancellationToken.None));

    public async Task<byte> IntentStatusAsync(Bytes32 intentId) =>
        (byte)IntentEscrowAbi.DecodeUInt256(await Rpc.CallAsync(new CallRequest(Escrow, IntentEscrowAbi.IntentStatus(intentId)), BlockTag.Latest, CancellationToken.None)).AsUInt64;

    public async Task<string> SnapshotAsync() => (await Rpc.RequestAsync("evm_snapshot", [], CancellationToken.None)).GetString()!;

    public async Task RevertAsync(string snapshot) => await Rpc.RequestAsync("evm_revert", [snapshot], CancellationToken.None);

    public async Task MineAsync(int blocks) => await Rpc.RequestAsync("anvil_mine", [Hex.EncodeQuantity((ulong)blocks)], CancellationToken.None);
}
