using System.Text.Json;
using DiscreteExec.Adapters.Evm.Encoding;

namespace DiscreteExec.Adapters.Evm.Escrow;

/// <summary>A contract's creation bytecode from a build artifact of contracts/evm ({ contractName, abi, bytecode, ... }).</summary>
public sealed class ContractArtifact
{
    private readonly byte[] _bytecode;

    private ContractArtifact(string name, byte[] bytecode)
    {
        Name = name;
        _bytecode = bytecode;
    }

    public string Name { get; }

    /// <summary>Reads an artifact file; a file without bytecode is refused, naming the path.</summary>
    public static async Task<ContractArtifact> LoadAsync(string path, CancellationToken cancellationToken)
    {
        using var document = JsonDocument.Parse(await File.ReadAllTextAsync(path, cancellationToken).ConfigureAwait(false));
        var hex = document.RootElement.TryGetProperty("bytecode", out var bytecode) ? bytecode.GetString() : null;
        if (string.IsNullOrEmpty(hex) || hex == "0x")
        {
            throw new InvalidDataException($"{path}: no 'bytecode' in the artifact.");
        }

        return new ContractArtifact(Path.GetFileNameWithoutExtension(path), Hex.Decode(hex));
    }

    /// <summary>The data of a contract-creation transaction: the bytecode followed by the ABI-encoded constructor arguments.</summary>
    public byte[] DeploymentData(ReadOnlySpan<byte> constructorArguments) => [.. _bytecode, .. constructorArguments];
}
