namespace DiscreteExec.Relayer.Node.Configuration;

/// <summary>Checks where a key's <see cref="KeySourceOptions"/> points (a file or an environment variable); the adapters read it (<c>ChainKeySource.Read</c>).</summary>
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
}
