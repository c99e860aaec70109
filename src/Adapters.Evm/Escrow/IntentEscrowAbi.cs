using System.Numerics;
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

/// <summary>What <c>intentOf</c> returns: the escrow keeps only these fields of an intent (the rest is in IntentOpened).</summary>
internal sealed record StoredIntent(EvmAddress Depositor, EvmAddress InputToken, UInt256 InputAmount, ulong FillDeadline, byte Status);

/// <summary>A signer set waiting for activation (<see cref="Version"/> 0: none).</summary>
internal sealed record PendingSignerSet(ulong Version, IReadOnlyList<EvmAddress> Signers, byte Threshold, ulong ActivatesAt);

/// <summary>
/// IntentEscrow's ABI (contracts/evm/artifacts/IntentEscrow.json, embedded at build time so the adapter always
/// matches the committed contract) and typed call encoders for the interface fixed in the IntentEscrow issue.
/// </summary>
public static class IntentEscrowAbi
{
    private const string ResourceName = "DiscreteExec.Adapters.Evm.IntentEscrow.json";

    /// <summary>The full ABI: functions, events and custom errors (used to name reverts).</summary>
    public static ContractAbi Abi { get; } = Load();

    /// <summary>Bounds the escrow enforces on the grace period and the signer-set activation delay (1 hour to 30 days).</summary>
    public const ulong MinDelaySeconds = 3_600;

    public const ulong MaxDelaySeconds = 30 * 86_400;

    /// <summary>
    /// The ABI-encoded arguments of <c>constructor(address owner, uint64 refundGraceSeconds, uint64 signerSetDelaySeconds,
    /// address[] signers, uint8 threshold, uint64[] destinationChainIds, address[] tokens)</c>, to append to the bytecode
    /// when deploying. Grace and delay must lie in [<see cref="MinDelaySeconds"/>, <see cref="MaxDelaySeconds"/>].
    /// </summary>
    public static byte[] ConstructorArguments(
        EvmAddress owner,
        ulong refundGraceSeconds,
        ulong signerSetDelaySeconds,
        IReadOnlyList<EvmAddress> signers,
        byte threshold,
        IReadOnlyList<ChainId> destinations,
        IReadOnlyList<EvmAddress> tokens)
    {
        ArgumentNullException.ThrowIfNull(signers);
        ArgumentNullException.ThrowIfNull(destinations);
        ArgumentNullException.ThrowIfNull(tokens);
        return AbiEncoder.Encode(
            [.. Abi.ConstructorInputs.Select(p => p.Type)],
            [owner, refundGraceSeconds, signerSetDelaySeconds, Addresses(signers), threshold, destinations.Select(d => (object?)d.Value).ToArray(), Addresses(tokens)]);
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

    public static byte[] IntentIdOf(ulong depositNonce) => Abi.Function("intentIdOf").EncodeCall(depositNonce);

    /// <summary><c>intentOf(id)</c>: what the escrow stores (depositor, inputToken, inputAmount, fillDeadline, status).</summary>
    public static byte[] IntentOf(Bytes32 intentId) => Abi.Function("intentOf").EncodeCall(intentId);

    internal static StoredIntent DecodeIntentOf(ReadOnlySpan<byte> output)
    {
        var values = AbiDecoder.Decode([AbiType.Address, AbiType.Address, AbiType.Uint(256), AbiType.Uint(64), AbiType.Uint(8)], output);
        return new StoredIntent(
            (EvmAddress)values[0]!,
            (EvmAddress)values[1]!,
            UInt256.FromBigInteger((BigInteger)values[2]!),
            (ulong)(BigInteger)values[3]!,
            (byte)(BigInteger)values[4]!);
    }

    public static byte[] SetDestinationChain(ChainId chainId, bool supported) => Abi.Function("setDestinationChain").EncodeCall(chainId.Value, supported);

    /// <summary>Owner only: lets <c>open</c> and <c>fund</c> accept the token (or stops them).</summary>
    public static byte[] SetToken(EvmAddress token, bool registered) => Abi.Function("setToken").EncodeCall(token, registered);

    public static byte[] IsTokenRegistered(EvmAddress token) => Abi.Function("isTokenRegistered").EncodeCall(token);

    public static byte[] SignerSetVersion() => Abi.Function("signerSetVersion").EncodeCall();

    public static byte[] NextSignerSetVersion() => Abi.Function("nextSignerSetVersion").EncodeCall();

    public static byte[] IsSigner(EvmAddress account) => Abi.Function("isSigner").EncodeCall(account);

    public static byte[] Threshold() => Abi.Function("threshold").EncodeCall();

    public static byte[] SignerSetDelaySeconds() => Abi.Function("signerSetDelaySeconds").EncodeCall();

    public static byte[] ProposeSignerSet(ulong version, IReadOnlyList<EvmAddress> signers, byte threshold, ulong activatesAt, IReadOnlyList<byte[]> signatures) =>
        Abi.Function("proposeSignerSet").EncodeCall(version, Addresses(signers), threshold, activatesAt, signatures.Cast<object?>().ToArray());

    public static byte[] ActivateSignerSet() => Abi.Function("activateSignerSet").EncodeCall();

    public static byte[] PendingSignerSet() => Abi.Function("pendingSignerSet").EncodeCall();

    /// <summary>Decodes <c>pendingSignerSet()</c>: version 0 means nothing is pending.</summary>
    internal static PendingSignerSet DecodePendingSignerSet(ReadOnlySpan<byte> output)
    {
        var values = Abi.Function("pendingSignerSet").DecodeOutput(output);
        var signers = ((object?[])values[1]!).Select(a => (EvmAddress)a!).ToArray();
        return new PendingSignerSet((ulong)(System.Numerics.BigInteger)values[0]!, signers, (byte)(System.Numerics.BigInteger)values[2]!, (ulong)(System.Numerics.BigInteger)values[3]!);
    }

    /// <summary>Anyone, from <c>fillDeadline + grace + 1</c>: returns an Open intent to its depositor (or a claim).</summary>
    public static byte[] RefundExpired(Bytes32 intentId) => Abi.Function("refundExpired").EncodeCall(intentId);

    public static byte[] Claim(EvmAddress token, EvmAddress to) => Abi.Function("claim").EncodeCall(token, to);

    public static byte[] Claimable(EvmAddress token, EvmAddress owner) => Abi.Function("claimable").EncodeCall(token, owner);

    /// <summary>Decodes a single static return word as a bool / uint / bytes32.</summary>
    public static bool DecodeBool(ReadOnlySpan<byte> output) => (bool)AbiDecoder.Decode([AbiType.Bool], output)[0]!;

    public static UInt256 DecodeUInt256(ReadOnlySpan<byte> output) => UInt256.ReadBigEndian(CheckWord(output));

    public static Bytes32 DecodeBytes32(ReadOnlySpan<byte> output) => new(CheckWord(output));

    private static ReadOnlySpan<byte> CheckWord(ReadOnlySpan<byte> output) =>
        output.Length >= 32 ? output[..32] : throw new AbiDecodingException($"Expected a 32-byte return value, got {output.Length} bytes.");

    private static object?[] Addresses(IReadOnlyList<EvmAddress> addresses)
    {
        ArgumentNullException.ThrowIfNull(addresses);
        return addresses.Select(a => (object?)a).ToArray();
    }

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
