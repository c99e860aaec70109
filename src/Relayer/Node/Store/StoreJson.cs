using System.Text.Json;
using System.Text.Json.Serialization;

namespace DiscreteExec.Relayer.Node.Store;

/// <summary>The one JSON shape of stored values: Core types carry their own converters; enums are written by name.</summary>
internal static class StoreJson
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.General)
    {
        Converters = { new JsonStringEnumConverter() },
    };
}
