using DiscreteExec.Adapters.Evm.Encoding;
using DiscreteExec.Adapters.Evm.Escrow;
using DiscreteExec.Core;
using DiscreteExec.Relayer.Devnet;

namespace DiscreteExec.Adapters.Evm.Tests.Escrow;

public class DeploymentEncodingTests
{
    [Fact]
    public void ConstructorArguments_V2TwoSignersOneDestinationOneToken_MatchCast()
    {
        // cast abi-encode "f(address,uint64,uint64,address[],uint8,uint64[],address[])" 0x1111…1111 3600 86400 \
        //   "[0x2222…2222,0x3333…3333]" 2 "[900001]" "[0x4444…4444]"
        const string expected =
            "0x0000000000000000000000001111111111111111111111111111111111111111"
            + "0000000000000000000000000000000000000000000000000000000000000e10"
            + "0000000000000000000000000000000000000000000000000000000000015180"
            + "00000000000000000000000000000000000000000000000000000000000000e0"
            + "0000000000000000000000000000000000000000000000000000000000000002"
            + "0000000000000000000000000000000000000000000000000000000000000140"
            + "0000000000000000000000000000000000000000000000000000000000000180"
            + "0000000000000000000000000000000000000000000000000000000000000002"
            + "0000000000000000000000002222222222222222222222222222222222222222"
            + "0000000000000000000000003333333333333333333333333333333333333333"
            + "0000000000000000000000000000000000000000000000000000000000000001"
            + "00000000000000000000000000000000000000000000000000000000000dbba1"
            + "0000000000000000000000000000000000000000000000000000000000000001"
            + "0000000000000000000000004444444444444444444444444444444444444444";
        var encoded = IntentEscrowAbi.ConstructorArguments(
            EvmAddress.Parse("0x1111111111111111111111111111111111111111"),
            3600,
            86400,
            [EvmAddress.Parse("0x2222222222222222222222222222222222222222"), EvmAddress.Parse("0x3333333333333333333333333333333333333333")],
            2,
            [new ChainId(900001)],
            [EvmAddress.Parse("0x4444444444444444444444444444444444444444")]);
        Assert.Equal(expected, Hex.Encode(encoded));
    }

    [Fact]
    public async Task LoadAsync_ArtifactWithoutBytecode_IsRefusedNamingThePath()
    {
        var path = Path.Combine(Path.GetTempPath(), $"artifact-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(path, """{ "contractName": "X", "abi": [] }""");
        try
        {
            var error = await Assert.ThrowsAsync<InvalidDataException>(() => ContractArtifact.LoadAsync(path, CancellationToken.None));
            Assert.Contains(path, error.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task DeploymentData_IsTheCommittedBytecodeFollowedByTheArguments()
    {
        var path = Path.Combine(Support.AnvilProcess.RepositoryRoot(), "contracts", "evm", "artifacts", "TestToken.json");
        var artifact = await ContractArtifact.LoadAsync(path, CancellationToken.None);
        var arguments = TestTokenAbi.ConstructorArguments("Test USD", "TUSD", 6);

        var data = artifact.DeploymentData(arguments);

        Assert.Equal("TestToken", artifact.Name);
        using var json = System.Text.Json.JsonDocument.Parse(await File.ReadAllTextAsync(path));
        var bytecode = json.RootElement.GetProperty("bytecode").GetString()!;
        Assert.Equal(bytecode + Hex.Encode(arguments)[2..], Hex.Encode(data));
    }
}
