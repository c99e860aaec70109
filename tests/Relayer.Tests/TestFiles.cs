using System.Text.Json.Nodes;

namespace DiscreteExec.Relayer.Tests;

/// <summary>Paths of the repository's sample files, and scratch directories that clean up after themselves.</summary>
internal static class TestFiles
{
    public static readonly string[] SampleNames = ["transfer", "netting", "swap", "expired", "invalid", "deferral", "mixed"];

    public static string Sample(string name) => Path.Combine(RepositoryRoot(), "samples", "epochs", name + ".json");

    public static JsonObject SampleJson(string name) => JsonNode.Parse(File.ReadAllText(Sample(name)))!.AsObject();

    /// <summary>The intent of a sample whose note starts with "<paramref name="noteKey"/>:".</summary>
    public static JsonObject SampleIntent(JsonObject sample, string noteKey) =>
        sample["intents"]!.AsArray().Select(i => i!.AsObject()).Single(i => i["note"]!.GetValue<string>().StartsWith(noteKey + ":", StringComparison.Ordinal));

    public static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "DiscreteExec.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("DiscreteExec.sln not found above the test directory.");
    }
}

/// <summary>A fresh directory under the system temp folder, deleted on dispose.</summary>
internal sealed class ScratchDirectory : IDisposable
{
    public ScratchDirectory()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "discreteexec-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public string[] FileNames() => [.. Directory.GetFiles(Path).Select(System.IO.Path.GetFileName).Order(StringComparer.Ordinal)!];

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
