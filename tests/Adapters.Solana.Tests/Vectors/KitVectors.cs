using System.Text.Json;

namespace DiscreteExec.Adapters.Solana.Tests.Vectors;

/// <summary>Vectors produced by @solana/kit and the program's own JS encoder (see generate.mjs).</summary>
internal static class KitVectors
{
    private static readonly Lazy<JsonDocument> Document = new(() =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Vectors", "kit-vectors.json"))));

    public static JsonElement Root => Document.Value.RootElement;

    public static JsonElement.ArrayEnumerator Array(string name) => Root.GetProperty(name).EnumerateArray();

    public static byte[] Hex(this JsonElement element, string property) => Convert.FromHexString(element.GetProperty(property).GetString()!);

    public static string Str(this JsonElement element, string property) => element.GetProperty(property).GetString()!;

    public static JsonElement Instruction(string name) => Array("instructions").Single(i => i.Str("name") == name);
}
