using DiscreteExec.Adapters.Evm;
using DiscreteExec.Adapters.Evm.Escrow;
using DiscreteExec.Adapters.Evm.Rpc;
using DiscreteExec.Core;
using DiscreteExec.Core.Hashing;
using DiscreteExec.Core.Settlement;
using DiscreteExec.Relayer.Devnet;

namespace DiscreteExec.Relayer.Tests.Devnet;

/// <summary>
/// The devnet's EVM chain on its own: the helpers the lead's end-to-end poisoning scenario uses (blocklist, claims,
/// refundExpired, the chain clock, signer-set rotation) against the IntentEscrow v2 the devnet deploys.
/// </summary>
[Trait("Category", "Integration")]
public sealed class EvmDevChainTests : IAsyncLifetime, IDisposable
{
    private readonly HttpClient _http = new();
    private EvmDevChain _chain = null!;

    public async Task InitializeAsync() =>
        _chain = await EvmDevChain.StartAsync(DevnetPrerequisites.Locate(), _http, SolanaDevChain.Chain, TimeProvider.System, CancellationToken.None);

    public async Task DisposeAsync() => await _chain.DisposeAsync();

    public void Dispose() => _http.Dispose();

    [Fact]
    public async Task BlockedDepositor_RefundBecomesClaimCollectedElsewhere_ReleasedIntentNotRefundable()
    {
        var ct = CancellationToken.None;
        var mallory = EvmDevChain.LocalKey("mallory");
        var elsewhere = EvmDevChain.LocalKey("mallory-elsewhere").Address;
        await _chain.GiveGasAsync(mallory.Address, ct);
        var head = (await _chain.Rpc.GetBlockAsync(BlockTag.Latest, ct))!.Timestamp;
        var x1 = await _chain.OpenAsync(mallory, Params(mallory, 1_000, head + 600), ct);
        var x2 = await _chain.OpenAsync(mallory, Params(mallory, 500, head + 600), ct);
        await _chain.SetBlockedAsync(mallory.Address, blocked: true, ct);

        using var sender = _chain.CreateSender();
        var submitter = _chain.CreateSubmitter(sender);
        var root = Keccak256.Hash([1]);
        var token = _chain.Token.ToBytes32();
        await submitter.SubmitAsync(new SettlementChunk(EvmDevChain.Chain, 1, 0, root, ChunkStage.Release, [new SettlementAction(ActionKind.Release, x1, token, Bytes32.Zero, UInt256.Zero)]), ct);
        await submitter.SubmitAsync(new SettlementChunk(EvmDevChain.Chain, 1, 1, root, ChunkStage.Transfer, [new SettlementAction(ActionKind.Refund, x2, token, Bytes32.Zero, UInt256.Zero)]), ct);

        Assert.Equal((UInt256)500, await _chain.ClaimableAsync(mallory.Address, ct));
        await _chain.ClaimAsync(mallory, elsewhere, ct);
        Assert.Equal((UInt256)500, await _chain.TokenBalanceAsync(elsewhere, ct));

        await _chain.AdvanceTimeAsync(TimeSpan.FromSeconds(600 + EvmDevChain.GraceSeconds + 1), ct);
        var refused = await Assert.ThrowsAsync<EvmRevertException>(() => _chain.RefundExpiredAsync(mallory, x1, ct));
        Assert.Equal("IntentNotOpen", refused.ErrorName);
    }

    /// <summary>
    /// anvil keeps only its newest few hundred block states in memory and moves older ones to a disk cache that its
    /// reorg does not read back: without a memory window, a 12-block <c>anvil_reorg</c> after about a thousand blocks
    /// left an empty state (no code at the escrow), which ended a 20-minute fault campaign. The devnet's anvil keeps
    /// its states in memory (<c>--prune-history</c>), so a reorg at any height keeps what the chain holds.
    /// </summary>
    [Fact]
    public async Task AnvilReorg_AfterAThousandBlocks_KeepsTheEscrowsCode()
    {
        var ct = CancellationToken.None;
        await _chain.Rpc.RequestAsync("anvil_mine", ["0x3e8"], ct);

        await _chain.Rpc.RequestAsync("anvil_reorg", [12, Array.Empty<object>()], ct);

        var code = (await _chain.Rpc.RequestAsync("eth_getCode", [_chain.Escrow.ToLowerHex(), "latest"], ct)).GetString()!;
        Assert.True(code.Length > 2, $"The escrow {_chain.Escrow} has no code after the reorg (eth_getCode answered {code}).");
    }

    /// <summary>
    /// A verifier that judges a manifest long after its cursor (back from a fault) reads the pool at a block whose state
    /// the node no longer keeps (the devnet's anvil keeps 512, a full node about 128): that is a pool unknown at the
    /// cursor, which the verifier refuses, not an RPC failure that fails its step again and again (a three-operator
    /// campaign stalled an epoch that way: the returning operator neither refused nor signed).
    /// </summary>
    [Fact]
    public async Task PoolBalanceAt_CursorOlderThanTheStatesTheNodeKeeps_IsUnknownAtTheCursor()
    {
        var ct = CancellationToken.None;
        var head = (await _chain.Rpc.GetBlockAsync(BlockTag.Latest, ct))!;
        var cursor = new DiscreteExec.Core.Chains.ChainCursor(head.Number, head.Hash.ToString());
        await _chain.Rpc.RequestAsync("anvil_mine", ["0x" + (EvmDevChain.StateHistoryBlocks + 100).ToString("x", System.Globalization.CultureInfo.InvariantCulture)], ct);
        var state = new EscrowState(_chain.Rpc, _chain.Options());

        var unknown = await Assert.ThrowsAsync<DiscreteExec.Core.Chains.PoolNotAtCursorException>(() => state.PoolBalanceAtAsync(_chain.Token.ToBytes32(), cursor, ct));

        Assert.Contains($"block {cursor.Height}", unknown.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SignerSetRotation_AfterTheDelay_ActivatesVersionTwo()
    {
        var ct = CancellationToken.None;
        using var sender = _chain.CreateSender();
        var rotation = _chain.CreateSignerSetRotation(sender);
        await rotation.ProposeAsync([.. _chain.Signers.Select(s => s.Address)], 3, ct);
        await _chain.AdvanceTimeAsync(TimeSpan.FromSeconds(EvmDevChain.SignerSetDelaySeconds) + Adapters.Evm.Submission.SignerSetRotation.InclusionMargin, ct);

        Assert.Equal(2UL, await rotation.ActivateWhenDueAsync(ct));
        Assert.Equal((byte)3, (await rotation.ReadAsync(ct)).Threshold);
    }

    private IntentParams Params(Adapters.Evm.Crypto.EvmKey user, UInt256 amount, ulong deadline) =>
        new(_chain.Token, amount, SolanaDevChain.Chain, Bytes32.Zero, 1, user.Address.ToBytes32(), deadline);
}
