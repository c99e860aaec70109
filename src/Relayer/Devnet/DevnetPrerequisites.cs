namespace DiscreteExec.Relayer.Devnet;

/// <summary>
/// Where the devnet's git-ignored tools live in a checkout (anvil from npm, the Solana dev node and the built escrow
/// program), each checked up front so that a missing one fails with the command that provides it.
/// </summary>
internal sealed record DevnetPrerequisites(string RepositoryRoot, string Anvil, string DevnodeServer, string EscrowProgram, string EvmArtifacts)
{
    /// <summary>Finds the checkout from the working directory, else from the binaries' directory, and checks every tool.</summary>
    public static DevnetPrerequisites Locate()
    {
        var root = FindRoot(Environment.CurrentDirectory) ?? FindRoot(AppContext.BaseDirectory)
            ?? throw new DevnetException($"No DiscreteExec checkout (DiscreteExec.sln) above {Environment.CurrentDirectory} or {AppContext.BaseDirectory}: run the devnet from the repository.");
        var evm = Path.Combine(root, "contracts", "evm");
        var solana = Path.Combine(root, "programs", "solana");
        var anvil = Environment.GetEnvironmentVariable("ANVIL_PATH");
        if (string.IsNullOrEmpty(anvil))
        {
            anvil = Path.Combine(evm, "node_modules", "@foundry-rs", "anvil-linux-amd64", "bin", "anvil");
            Require(File.Exists(anvil), $"anvil not found at {anvil}: run `npm ci` in {evm} (or set ANVIL_PATH).");
        }
        else
        {
            Require(File.Exists(anvil), $"ANVIL_PATH points at {anvil}, which does not exist: fix it, or unset it and run `npm ci` in {evm}.");
        }

        Require(Directory.Exists(Path.Combine(solana, "node_modules", "litesvm")), $"the Solana dev node's packages are missing ({Path.Combine(solana, "node_modules")}): run `npm ci` in {solana}.");
        var program = Path.Combine(solana, "build", "escrow.so");
        Require(File.Exists(program), $"the Solana escrow program is not built ({program} missing): run `bash programs/solana/build.sh` in {root}.");
        var artifacts = Path.Combine(evm, "artifacts");
        Require(File.Exists(Path.Combine(artifacts, "IntentEscrow.json")), $"{Path.Combine(artifacts, "IntentEscrow.json")} is missing: run `npm run build` in {evm}.");
        return new DevnetPrerequisites(root, anvil, Path.Combine(solana, "devnode", "server.js"), program, artifacts);
    }

    /// <summary>
    /// The compiled EVM contracts only (what a deploy into an already running anvil needs): <c>contracts/evm/artifacts</c>
    /// of the checkout above the working directory, else beside the binaries (the node's container image copies them there).
    /// </summary>
    public static string LocateEvmArtifacts()
    {
        string[] candidates = [.. new[] { FindRoot(Environment.CurrentDirectory), FindRoot(AppContext.BaseDirectory), AppContext.BaseDirectory }
            .OfType<string>()
            .Select(directory => Path.Combine(directory, "contracts", "evm", "artifacts"))];
        return candidates.FirstOrDefault(directory => File.Exists(Path.Combine(directory, "IntentEscrow.json")))
            ?? throw new DevnetException($"The compiled EVM contracts (IntentEscrow.json, TestToken.json) are in none of {string.Join(", ", candidates)}: run from the repository, or give --evm-artifacts.");
    }

    private static string? FindRoot(string start)
    {
        for (var directory = new DirectoryInfo(start); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "DiscreteExec.sln")))
            {
                return directory.FullName;
            }
        }

        return null;
    }

    private static void Require(bool condition, string message)
    {
        if (!condition)
        {
            throw new DevnetException(message);
        }
    }
}
