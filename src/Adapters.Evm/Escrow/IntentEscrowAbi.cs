using System.Reflection;
using DiscreteExec.Adapters.Evm.Abi;
using DiscreteExec.Core;
using DiscreteExec.Core.Settlement;

namespace DiscreteExec.Adapters.Evm.Escrow;

/// <summary>The user-side parameters of <c>IntentEscrow.open</c>.</summary>
public sealed record IntentParams(
    EvmAddress InputToken,
    UInt256 InputAmount,
    ChainId DestinationChainId,
    Bytes32 OutputToken,
    UInt256 MinOutputAmount,
    Bytes32 Recipient,
    ulong FillDeadline);

/// <summary>
/// IntentEscrow's ABI (contracts/evm/artifacts/IntentEscrow.json, embedded at build time so the adapter always
/// matches the committed contract) and typed call encoders for the interface fixed in the IntentEscrow issue.
/// </summary>
public static class IntentEscrowAbi
{
    private const string ResourceName = "DiscreteExec.Adapters.Evm.IntentEscrow.json";

    /// <summary>The full ABI: functions, events and custom errors (used to name reverts).</summary>
    public static ContractAbi Abi { get; } = Load();

    /// <summary>
    /// The ABI-encoded arguments of <c>constructor(address owner, uint64 refundGraceSeconds, address[] signers,
    /// uint8 threshold, uint64[] destinationChainIds)</c>, to append to the bytecode when deploying.
    /// </summary>
    public static byte[] ConstructorArguments(EvmAddress owner, ulong refundGraceSeconds, IReadOnlyList<EvmAddress> signers, byte threshold, IReadOnlyList<ChainId> destinations)
    {
        ArgumentNullException.ThrowIfNull(signers);
        ArgumentNullException.ThrowIfNull(destinations);
        return AbiEncoder.Encode(
            [.. Abi.ConstructorInputs.Select(p => p.Type)],
            [owner, refundGraceSeconds, signers.Select(s => (object?)s).ToArray(), threshold, destinations.Select(d => (object?)d.Value).ToArray()]);
    }

    public static byte[] Open(IntentParams p)
    {
        ArgumentNullException.ThrowIfNull(p);
        return Abi.Function("open").EncodeCall(new object?[]
        {
            new object?[] { p.InputToken, p.InputAmount, p.DestinationChainId.Value, p.OutputToken, p.MinOutputAmount, p.Recipient, p.FillDeadline },
        });
    }

    public static byte[] Settle(ulong epochId, uint chunk, Bytes32 batchRoot, IReadOnlyList<SettlementAction> actions, IReadOnlyList<byte[]> signatures) =>
        Abi.Function("settle").EncodeCall(epochId, chunk, batchRoot, Actions(actions), signatures.Cast<object?>().ToArray());

    public static byte[] LegDigest(ulong epochId, uint chunk, Bytes32 batchRoot, IReadOnlyList<SettlementAction> actions) =>
        Abi.Function("legDigest").EncodeCall(epochId, chunk, batchRoot, Actions(actions));

    public static byte[] IsApplied(ulong epochId, uint chunk) => Abi.Function("isApplied").EncodeCall(epochId, chunk);

    public static byte[] IsPaid(Bytes32 sourceIntentId) => Abi.Function("isPaid").EncodeCall(sourceIntentId);

    public static byte[] IntentStatus(Bytes32 intentId) => Abi.Function("intentStatus").EncodeCall(intentId);

    public static byte[] PoolBalance(EvmAddress token) => Abi.Function("poolBalance").EncodeCall(token);

    public static byte[] Fund(EvmAddress token, UInt256 amount) => Abi.Function("fund").EncodeCall(token, amount);

    public static byte[] Nonce() => Abi.Function("nonce").EncodeCall();

    public static byte[] SetDestinationChain(ChainId chainId, bool supported) => Abi.Function("setDestinationChain").EncodeCall(chainId.Value, supported);

    /// <summary>Decodes a single static return word as a bool / uint / bytes32.</summary>
    public static bool DecodeBool(ReadOnlySpan<byte> output) => (bool)AbiDecoder.Decode([AbiType.Bool], output)[0]!;

    public static UInt256 DecodeUInt256(ReadOnlySpan<byte> output) => UInt256.ReadBigEndian(CheckWord(output));

    public static Bytes32 DecodeBytes32(ReadOnlySpan<byte> output) => new(CheckWord(output));

    private static ReadOnlySpan<byte> CheckWord(ReadOnlySpan<byte> output) =>
        output.Length >= 32 ? output[..32] : throw new AbiDecodingException($"Expected a 32-byte return value, got {output.Length} bytes.");

    private static object?[] Actions(IReadOnlyList<SettlementAction> actions)
    {
        ArgumentNullException.ThrowIfNull(actions);
        return actions.Select(a => (object?)new object?[] { (byte)a.Kind, a.IntentId, a.Token, a.Account, a.Amount }).ToArray();
    }

    private static ContractAbi Load()
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"The embedded resource {ResourceName} is missing; build contracts/evm first.");
        using var reader = new StreamReader(stream);
        return ContractAbi.FromJson(reader.ReadToEnd());
    }
}
