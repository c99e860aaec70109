using DiscreteExec.Adapters.Solana.Codec;
using DiscreteExec.Adapters.Solana.Programs;
using DiscreteExec.Adapters.Solana.Rpc;

namespace DiscreteExec.Adapters.Solana.Tests.Integration;

[Collection(DevnodeTests.Name)]
[Trait("Category", "Integration")]
public sealed class AdminIntegrationTests(DevnodeFixture node)
{
    // Protocol v2 rule 4/5 through the C# encoders: only the admin registers a mint (CreatePool), and the admin role
    // moves in two steps (propose, then the proposed key accepts). The role is handed back so other tests keep it.
    [Fact]
    public async Task AdminRole_OnlyAdminRegistersMints_HandOverTakesTwoSteps()
    {
        using var stranger = DevnodeFixture.Key("admin-test-stranger");
        using var next = DevnodeFixture.Key("admin-test-next");
        using var mint = DevnodeFixture.Key($"admin-test-mint-{Guid.NewGuid()}");
        await node.FundSolAsync(stranger.PublicKey, next.PublicKey);
        var rent = await node.Rpc.GetMinimumBalanceForRentExemptionAsync(TokenProgram.MintSize, default);
        await node.SendAsync([SystemProgram.CreateAccount(stranger.PublicKey, mint.PublicKey, rent, TokenProgram.MintSize, WellKnown.TokenProgram), TokenProgram.InitializeMint2(mint.PublicKey, 6, stranger.PublicKey)], stranger, mint);

        var unregistered = await Assert.ThrowsAsync<SolanaTransactionException>(() => node.SendAsync([node.Escrow.CreatePool(stranger.PublicKey, mint.PublicKey)], stranger));
        Assert.Equal("Unauthorized", unregistered.Error.ProgramErrorName);

        var early = await Assert.ThrowsAsync<SolanaTransactionException>(() => node.SendAsync([node.Escrow.AcceptAdmin(next.PublicKey)], next));
        Assert.Equal("NoPendingChange", early.Error.ProgramErrorName);
        await node.SendAsync([node.Escrow.ProposeAdmin(node.Admin.PublicKey, next.PublicKey)], node.Admin);
        Assert.Equal(next.PublicKey, (await node.ConfigAsync()).PendingAdmin);
        var wrong = await Assert.ThrowsAsync<SolanaTransactionException>(() => node.SendAsync([node.Escrow.AcceptAdmin(stranger.PublicKey)], stranger));
        Assert.Equal("Unauthorized", wrong.Error.ProgramErrorName);
        await node.SendAsync([node.Escrow.AcceptAdmin(next.PublicKey)], next);
        try
        {
            var config = await node.ConfigAsync();
            Assert.Equal((next.PublicKey, (Bytes32?)null), (config.Admin, config.PendingAdmin));
            var old = await Assert.ThrowsAsync<SolanaTransactionException>(() => node.SendAsync([node.Escrow.SetPaused(node.Admin.PublicKey, true)], node.Admin));
            Assert.Equal("Unauthorized", old.Error.ProgramErrorName);
        }
        finally
        {
            await node.SendAsync([node.Escrow.ProposeAdmin(next.PublicKey, node.Admin.PublicKey)], next);
            await node.SendAsync([node.Escrow.AcceptAdmin(node.Admin.PublicKey)], node.Admin);
        }

        Assert.Equal(node.Admin.PublicKey, (await node.ConfigAsync()).Admin);
    }
}
