using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using DiscreteExec.Adapters.Evm;
using DiscreteExec.Adapters.Evm.Abi;
using DiscreteExec.Adapters.Evm.Crypto;
using DiscreteExec.Adapters.Evm.Escrow;
using DiscreteExec.Adapters.Evm.Transactions;
using DiscreteExec.Core;
using DiscreteExec.Core.Intents;
using DiscreteExec.Core.Settlement;

namespace DiscreteExec.Benchmarks.Evm;

/// <summary>
/// The EVM adapter's hot paths. Goals (issue 4): >= 100k IntentOpened decodes/s and >= 5k signed transactions/s.
/// Run: dotnet run -c Release --project bench/Benchmarks -- --filter '*EvmCodecBenchmarks*'
/// </summary>
[Config(typeof(ShortInProcessConfig))]
[MemoryDiagnoser]
public class EvmCodecBenchmarks
{
    private static readonly ChainId Chain = new(31337);
    private static readonly EvmAddress Escrow = EvmAddress.Parse("0x5fbdb2315678afecb367f032d93f642f64180aa3");
    private readonly IntentOpenedDecoder _decoder = new(Chain, Escrow);
    private readonly EvmKey _key = new(Enumerable.Repeat((byte)0x42, 32).ToArray());
    private Bytes32[] _topics = [];
    private byte[] _data = [];
    private Eip1559Transaction _settle = null!;
    private byte[] _hash = [];

    [GlobalSetup]
    public void Setup()
    {
        const ulong nonce = 12_345;
        _topics = [IntentOpenedDecoder.Topic0, IntentId.Compute(Chain, Escrow.ToBytes32(), nonce), Bytes32.FromUInt64(0xbeef), Bytes32.FromUInt64(900_001)];
        _data = AbiEncoder.Encode(
            [AbiType.Uint(64), AbiType.Address, AbiType.Uint(256), AbiType.FixedBytes(32), AbiType.Uint(256), AbiType.FixedBytes(32), AbiType.Uint(64)],
            [nonce, Escrow, 2_500_000UL, Bytes32.FromUInt64(7), 2_490_000UL, Bytes32.FromUInt64(9), 1_767_229_200UL]);

        // A realistic settle: 10 payouts and two 65-byte signatures (~2 KB of calldata).
        var actions = Enumerable.Range(0, 10)
            .Select(i => new SettlementAction(ActionKind.Payout, Bytes32.FromUInt64((ulong)i), Escrow.ToBytes32(), Bytes32.FromUInt64(1_000 + (ulong)i), 1_000_000))
            .ToArray();
        var signature = new byte[65];
        _settle = new Eip1559Transaction
        {
            ChainId = Chain.Value,
            Nonce = 42,
            MaxPriorityFeePerGas = 1_000_000_000,
            MaxFeePerGas = 30_000_000_000,
            GasLimit = 700_000,
            To = Escrow,
            Data = IntentEscrowAbi.Settle(7, 0, Bytes32.FromUInt64(99), actions, [signature, signature]),
        };
        _hash = _settle.SigningHash().ToArray();
    }

    [Benchmark(Description = "IntentOpened log -> Intent")]
    public Intent DecodeIntentOpened() => _decoder.Decode(_topics, _data);

    [Benchmark(Description = "EIP-1559 settle tx: build, sign, hash")]
    public SignedTransaction SignSettleTransaction() => _settle.Sign(_key);

    [Benchmark(Description = "secp256k1 sign (RFC 6979, low-s, recovery id)")]
    public EcdsaSignature SignHash() => _key.SignHash(_hash);
}

/// <summary>
/// A short job run in-process: the project's assembly name (DiscreteExec.Benchmarks) differs from its file name,
/// which BenchmarkDotNet's out-of-process toolchain cannot locate.
/// </summary>
public sealed class ShortInProcessConfig : ManualConfig
{
    public ShortInProcessConfig()
    {
        AddJob(Job.ShortRun.WithToolchain(InProcessEmitToolchain.Instance));
    }
}
