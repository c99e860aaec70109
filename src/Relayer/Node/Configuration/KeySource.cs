namespace DiscreteExec.Relayer.Node.Configuration;

/// <summary>Reads a secret key from where its <see cref="KeySourceOptions"/> points: a file or an environment variable.</summary>
internal static class KeySource
{
    /// <summary>Checks that exactly one source is given and that it holds something; failures name the key.</summary>
    public static void Check(KeySourceOptions? source, string path, Func<string, string?> environment, List<string> failures)
    {
        if (source is null)
        {
            failures.Add($"{path}: required (File or EnvironmentVariable).");
            return;
        }

        var hasFile = !string.IsNullOrWhiteSpace(source.File);
        var hasVariable = !string.IsNullOrWhiteSpace(source.EnvironmentVariable);
        if (hasFile == hasVariable)
        {
            failures.Add($"{path}: give exactly one of File or EnvironmentVariable.");
        }
        else if (hasFile && !System.IO.File.Exists(source.File))
        {
            failures.Add($"{path}:File: '{source.File}' does not exist.");
        }
        else if (hasVariable && string.IsNullOrWhiteSpace(environment(source.EnvironmentVariable!)))
        {
            failures.Add($"{path}:EnvironmentVariable: '{source.EnvironmentVariable}' is not set.");
        }
    }

    /// <summary>The key's text, trimmed (EVM: hex private key; Solana: a CLI keypair JSON array).</summary>
    public static string Read(KeySourceOptions source, Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(environment);
        var text = !string.IsNullOrWhiteSpace(source.File)
            ? System.IO.File.ReadAllText(source.File)
            : environment(source.EnvironmentVariable ?? string.Empty);
        return text?.Trim() ?? throw new InvalidOperationException($"The key source names neither a readable file nor a set environment variable.");
    }
}
