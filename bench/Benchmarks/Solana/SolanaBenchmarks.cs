using System.Buffers.Binary;
using BenchmarkDotNet.Attributes;
using DiscreteExec.Adapters.Solana.Codec;
using DiscreteExec.Adapters.Solana.Programs;
using DiscreteExec.Core;
using DiscreteExec.Core.Settlement;

namespace DiscreteExec.Benchmarks.Solana;

/// <summary>
/// Solana adapter hot paths, per operation: decoding an IntentOpened log line into Core's Intent (goal >= 50k/s) and
/// signing transactions (goal >= 10k/s). Run: dotnet run -c Release --project bench/Benchmarks -- --filter '*Solana*' --job short
/// </summary>
[MemoryDiagnoser]
public class SolanaBenchmarks : IDisposable
{
    private static readonly Bytes32 ProgramId = Base58.DecodeKey("CFnRYAA6BVyFD6b4yqGvHRmLiWnuGyK7UyQMUvHQrsHw");
    private static readonly ChainId Chain = new(900001);
    private readonly SolanaKeypair _payer = SolanaKeypair.FromSeed(new byte[32]);
    private readonly SolanaKeypair _attestor = SolanaKeypair.FromSeed(Enumerable.Repeat((byte)1, 32).ToArray());
    private string _eventLine = "";
    private Message _settleMessage = null!;
    private Instruction[] _transfer = [];

    [GlobalSetup]
    public void Setup()
    {
        _eventLine = Convert.ToBase64String(IntentOpened(42));
        var escrow = new EscrowProgram(ProgramId);
        var mint = Bytes32.FromUInt64(7);
        var actions = Enumerable.Range(0, 4)
            .Select(i => new EscrowSettleAction(ActionKind.Payout, Bytes32.FromUInt64((ulong)i + 100), Bytes32.FromUInt64((ulong)i + 300), 1000, mint, Bytes32.FromUInt64((ulong)i + 200)))
            .ToArray();
        var settle = escrow.Settle(_payer.PublicKey, Chain, 1, 0, Bytes32.FromUInt64(9), [_payer.PublicKey, _attestor.PublicKey], actions);
        _settleMessage = MessageCompiler.Compile(_payer.PublicKey, [ComputeBudgetProgram.SetComputeUnitLimit(400_000), settle], Bytes32.FromUInt64(3));
        _transfer = [SystemProgram.Transfer(_payer.PublicKey, Bytes32.FromUInt64(5), 1000)];
    }

    /// <summary>One "Program data:" payload to a validated Core intent (base64, layout, chain id and keccak id check).</summary>
    [Benchmark]
    public ulong DecodeIntentOpenedToIntent() =>
        ((IntentOpenedEvent)EscrowEventDecoder.DecodeBase64(_eventLine)).ToIntent(Chain, ProgramId).DepositNonce;

    /// <summary>Compile, serialize and sign a one-signer transfer.</summary>
    [Benchmark]
    public int CompileAndSignTransfer() =>
        Transaction.Sign(MessageCompiler.Compile(_payer.PublicKey, _transfer, Bytes32.FromUInt64(3)), [_payer]).Serialize().Length;

    /// <summary>Sign and serialize a 4-payout Settle chunk with two signatures (payer + attestor).</summary>
    [Benchmark]
    public int SignSettleChunkTwoSigners() => Transaction.Sign(_settleMessage, [_payer, _attestor]).Serialize().Length;

    public void Dispose()
    {
        _payer.Dispose();
        _attestor.Dispose();
        GC.SuppressFinalize(this);
    }

    private static byte[] IntentOpened(ulong nonce)
    {
        var b = new byte[233];
        b[0] = 1;
        DiscreteExec.Core.Intents.IntentId.Compute(Chain, ProgramId, nonce).CopyTo(b.AsSpan(1));
        BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(33), nonce);
        b.AsSpan(41, 64).Fill(0x11);
        BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(105), 2_500_000);
        BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(113), 31337);
        b.AsSpan(121, 96).Fill(0x33);
        BinaryPrimitives.WriteInt64LittleEndian(b.AsSpan(217), 1_767_229_200);
        BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(225), Chain.Value);
        return b;
    }
}
