using System.Globalization;
using DiscreteExec.Adapters.Evm;
using DiscreteExec.Adapters.Evm.Encoding;
using DiscreteExec.Adapters.Evm.Escrow;
using DiscreteExec.Adapters.Evm.Rpc;
using DiscreteExec.Adapters.Solana.Codec;
using DiscreteExec.Adapters.Solana.Programs;
using DiscreteExec.Adapters.Solana.Rpc;
using DiscreteExec.Chains.Rpc;
using DiscreteExec.Core;
using DiscreteExec.Aggregator.Clearing;
using DiscreteExec.Core.Intents;
using DiscreteExec.Relayer.Node.Epochs;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace DiscreteExec.Relayer.Node.Api;

/// <summary>
/// <c>POST /v1/intents/build</c>: the unsigned transaction(s) a wallet signs to open an intent, encoded by the
/// adapters' own encoders (<see cref="IntentEscrowAbi.Open"/>, <see cref="EscrowProgram.Open"/>), so a front end need
/// not re-implement the escrows' encoding.
/// </summary>
internal static class IntentBuildRoute
{
    public static void Map(RouteGroupBuilder v1)
    {
        v1.MapPost("/intents/build", BuildAsync)
            .WithName("BuildIntent")
            .WithSummary("The unsigned transactions that open an intent: on an EVM chain an ERC-20 approve (when the allowance is short) and the escrow's open call with gas estimates; on Solana the serialized Open transaction with the depositor as fee payer and only signer.")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
    }

    private static async Task<Results<Ok<BuiltIntentView>, ProblemHttpResult>> BuildAsync(
        BuildIntentRequest request, TimeProvider time, IServiceProvider services, CancellationToken cancellationToken)
    {
        if (!ApiParameters.TryChainId("originChainId", request.OriginChainId?.ToString(CultureInfo.InvariantCulture), out var origin, out var problem)
            || !ApiParameters.TryToken("depositor", request.Depositor, out var depositor, out problem)
            || !ApiParameters.TryToken("inputToken", request.InputToken, out var inputToken, out problem)
            || !ApiParameters.TryAmount("inputAmount", request.InputAmount, out var inputAmount, out problem)
            || !ApiParameters.TryChainId("destinationChainId", request.DestinationChainId?.ToString(CultureInfo.InvariantCulture), out var destination, out problem)
            || !ApiParameters.TryToken("recipient", request.Recipient, out var recipient, out problem)
            || !ApiParameters.TryToken("outputToken", request.OutputToken, out var outputToken, out problem)
            || !ApiParameters.TryAmount("minOutputAmount", request.MinOutputAmount, out var minOutput, out problem))
        {
            return problem!;
        }

        if (inputAmount.IsZero)
        {
            return ApiParameters.BadParameter("inputAmount", "must be positive (the clearing refunds a zero amount).");
        }

        if (request.FillDeadline is not { } deadline || deadline <= (ulong)time.GetUtcNow().ToUnixTimeSeconds() || deadline > long.MaxValue)
        {
            return ApiParameters.BadParameter("fillDeadline", request.FillDeadline is null
                ? "required (Unix seconds; GET /v1/quote proposes one)."
                : $"{request.FillDeadline} is not a Unix time in the future.");
        }

        // An intent the clearing can only refund (a token not registered on its chain) is refused before anything is signed.
        if (services.GetService(typeof(EpochLoopOptions)) is EpochLoopOptions loop)
        {
            try
            {
                IntentQuote.Quote(loop.Assets, loop.FeeBps, new QuoteRequest(origin, inputToken, inputAmount, destination, outputToken));
            }
            catch (QuoteRejectedException ex) when (ex.Field is "inputToken" or "outputToken")
            {
                return ApiParameters.NotFound($"{ex.Field}: {ex.Message} The clearing would refund this intent.");
            }
            catch (QuoteRejectedException ex)
            {
                return ApiParameters.BadParameter(ex.Field, ex.Message);
            }
        }

        var intent = new BuildIntent(origin, depositor, inputToken, inputAmount, destination, recipient, outputToken, minOutput, deadline);
        var chains = services.GetService(typeof(IntentBuildChains)) as IntentBuildChains;
        if (chains?.Evm.FirstOrDefault(c => c.ChainId == origin) is { } evm)
        {
            return await BuildEvmAsync(evm, intent, cancellationToken).ConfigureAwait(false);
        }

        if (chains?.Solana.FirstOrDefault(c => c.ChainId == origin) is { } solana)
        {
            return await BuildSolanaAsync(solana, intent, cancellationToken).ConfigureAwait(false);
        }

        return ApiParameters.NotFound($"originChainId: chain {origin} has no escrow on this node.");
    }

    private static async Task<Results<Ok<BuiltIntentView>, ProblemHttpResult>> BuildEvmAsync(EvmBuildChain chain, BuildIntent intent, CancellationToken cancellationToken)
    {
        if (!intent.Depositor.IsEvmAddress)
        {
            return ApiParameters.BadParameter("depositor", $"{intent.Depositor} is not an EVM address (20 bytes) but chain {chain.ChainId} is an EVM chain.");
        }

        if (!intent.InputToken.IsEvmAddress)
        {
            return ApiParameters.BadParameter("inputToken", $"{intent.InputToken} is not an ERC-20 address (20 bytes) but chain {chain.ChainId} is an EVM chain.");
        }

        var depositor = EvmAddress.FromBytes32(intent.Depositor);
        var token = EvmAddress.FromBytes32(intent.InputToken);
        var open = IntentEscrowAbi.Open(new IntentParams(token, intent.InputAmount, intent.Destination, intent.OutputToken, intent.MinOutput, intent.Recipient, intent.FillDeadline));

        // Read what is needed now; an RPC that does not answer costs the estimates and the allowance check, not the build.
        var allowance = await TryAsync(async () => IntentEscrowAbi.DecodeUInt256(await chain.Rpc.CallAsync(new CallRequest(token, Erc20Abi.Allowance(depositor, chain.Escrow)), BlockTag.Latest, cancellationToken).ConfigureAwait(false))).ConfigureAwait(false);
        var nonce = await TryAsync(async () => IntentEscrowAbi.DecodeUInt256(await chain.Rpc.CallAsync(new CallRequest(chain.Escrow, IntentEscrowAbi.Nonce()), BlockTag.Latest, cancellationToken).ConfigureAwait(false))).ConfigureAwait(false);
        var transactions = new List<BuiltTransactionView>();
        var approveNeeded = allowance.Value is not { } current || current < intent.InputAmount;
        if (approveNeeded)
        {
            var approve = Erc20Abi.Approve(chain.Escrow, intent.InputAmount);
            var estimate = await TryAsync(() => chain.Rpc.EstimateGasAsync(new CallRequest(token, approve) { From = depositor }, cancellationToken)).ConfigureAwait(false);
            transactions.Add(EvmTransaction("approve", depositor, token, approve, estimate.Value, estimate.Error));
        }

        var openEstimate = approveNeeded
            ? (Value: (ulong?)null, Error: (string?)"estimated once the approve is mined: until then the escrow cannot take the tokens and the open reverts")
            : await TryAsync(() => chain.Rpc.EstimateGasAsync(new CallRequest(chain.Escrow, open) { From = depositor }, cancellationToken)).ConfigureAwait(false);
        transactions.Add(EvmTransaction("open", depositor, chain.Escrow, open, openEstimate.Value, openEstimate.Error));
        var intentId = nonce.Value is { } next && next.FitsUInt64 ? IntentId.Compute(chain.ChainId, chain.Escrow.ToBytes32(), next.AsUInt64) : (Bytes32?)null;
        return TypedResults.Ok(new BuiltIntentView(chain.ChainId.Value, "evm", intentId, allowance.Value, transactions));
    }

    private static BuiltTransactionView EvmTransaction(string purpose, EvmAddress from, EvmAddress to, byte[] data, ulong? gas, string? gasError) =>
        new(purpose, from.ToString(), to.ToString(), Hex.Encode(data), "0", gas, gas is null ? gasError ?? "the chain gave no estimate" : null, null, null, null);

    private static async Task<Results<Ok<BuiltIntentView>, ProblemHttpResult>> BuildSolanaAsync(SolanaBuildChain chain, BuildIntent intent, CancellationToken cancellationToken)
    {
        if (!intent.InputAmount.FitsUInt64)
        {
            return ApiParameters.BadParameter("inputAmount", $"{intent.InputAmount} exceeds the 64-bit amounts of an SPL token.");
        }

        EscrowConfig config;
        LatestBlockhash blockhash;
        try
        {
            var account = await chain.Rpc.GetAccountInfoAsync(chain.Escrow.Config, Commitment.Confirmed, cancellationToken).ConfigureAwait(false);
            if (account is null)
            {
                return Unavailable($"The escrow program {Base58.EncodeKey(chain.Escrow.ProgramId)} on chain {chain.ChainId} has no config account (not initialized).");
            }

            config = EscrowConfig.Decode(account.Data);
            blockhash = await chain.Rpc.GetLatestBlockhashAsync(Commitment.Confirmed, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsChainFailure(ex, cancellationToken))
        {
            return Unavailable($"Chain {chain.ChainId} did not answer ({ex.Message}); a Solana open needs the escrow's next nonce and a recent blockhash.");
        }

        // The intent account is the PDA of the id the program assigns next: the transaction opens that intent as long as
        // no other open lands first (then it fails and the wallet asks again).
        var source = ProgramAddress.AssociatedTokenAccount(intent.Depositor, intent.InputToken);
        var instruction = chain.Escrow.Open(
            intent.Depositor,
            source,
            new OpenIntentParams(intent.InputToken, intent.InputAmount.AsUInt64, intent.Destination, intent.OutputToken, intent.MinOutput, intent.Recipient, (long)intent.FillDeadline),
            chain.ChainId,
            config.NextNonce);
        var message = MessageCompiler.Compile(intent.Depositor, [instruction], blockhash.Blockhash);
        var wire = Unsigned(message.Serialize(), message.Header.RequiredSignatures);
        var view = new BuiltTransactionView(
            "open", Base58.EncodeKey(intent.Depositor), Base58.EncodeKey(chain.Escrow.ProgramId), null, null, null, null,
            Convert.ToBase64String(wire), Base58.EncodeKey(blockhash.Blockhash), blockhash.LastValidBlockHeight);
        return TypedResults.Ok(new BuiltIntentView(chain.ChainId.Value, "solana", IntentId.Compute(chain.ChainId, chain.Escrow.ProgramId, config.NextNonce), null, [view]));
    }

    /// <summary>The wire form with every signature zero: compact-u16 count, 64 zero bytes each, then the message (what wallets take to sign).</summary>
    private static byte[] Unsigned(byte[] message, int signatures)
    {
        var prefix = CompactU16.Length(signatures);
        var wire = new byte[prefix + (signatures * Transaction.SignatureLength) + message.Length];
        CompactU16.Write(signatures, wire);
        message.CopyTo(wire, prefix + (signatures * Transaction.SignatureLength));
        return wire;
    }

    private static async Task<(T? Value, string? Error)> TryAsync<T>(Func<Task<T>> call)
        where T : struct
    {
        try
        {
            return (await call().ConfigureAwait(false), null);
        }
        catch (Exception ex) when (IsChainFailure(ex, CancellationToken.None))
        {
            return (null, ex.Message);
        }
    }

    private static bool IsChainFailure(Exception ex, CancellationToken cancellationToken) =>
        ex is ChainRpcException or HttpRequestException or InvalidDataException or FormatException
        || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested);

    private static ProblemHttpResult Unavailable(string detail) =>
        TypedResults.Problem(title: "Chain unavailable", detail: detail, statusCode: StatusCodes.Status503ServiceUnavailable);

    private sealed record BuildIntent(
        ChainId Origin, Bytes32 Depositor, Bytes32 InputToken, UInt256 InputAmount, ChainId Destination, Bytes32 Recipient, Bytes32 OutputToken, UInt256 MinOutput, ulong FillDeadline);
}

/// <summary>
/// The intent to open. Accounts and tokens are <c>0x</c> + 64 hex digits, an EVM address (<c>0x</c> + 40) or a base58
/// Solana key; amounts are decimal strings in native units; <c>fillDeadline</c> is Unix seconds.
/// </summary>
internal sealed record BuildIntentRequest(
    ulong? OriginChainId,
    string? Depositor,
    string? InputToken,
    string? InputAmount,
    ulong? DestinationChainId,
    string? Recipient,
    string? OutputToken,
    string? MinOutputAmount,
    ulong? FillDeadline);

/// <summary>
/// The transactions to sign and send in order. <c>intentId</c> is the id the escrow assigns to the next open (null when
/// the EVM chain did not answer); another open landing first shifts it. <c>allowance</c> is the depositor's ERC-20
/// allowance to the escrow (EVM; null when unknown).
/// </summary>
internal sealed record BuiltIntentView(ulong OriginChainId, string ChainKind, Bytes32? IntentId, UInt256? Allowance, IReadOnlyList<BuiltTransactionView> Transactions);

/// <summary>
/// One unsigned transaction. EVM: <c>from</c>, <c>to</c>, <c>data</c> (0x hex), <c>value</c> and <c>gasEstimate</c>
/// (null with <c>gasEstimateError</c> saying why). Solana: <c>transaction</c>, the base64 wire form with a zero
/// signature for the depositor to fill, its <c>recentBlockhash</c> and <c>lastValidBlockHeight</c>.
/// </summary>
internal sealed record BuiltTransactionView(
    string Purpose,
    string From,
    string To,
    string? Data,
    string? Value,
    ulong? GasEstimate,
    string? GasEstimateError,
    string? Transaction,
    string? RecentBlockhash,
    ulong? LastValidBlockHeight);
