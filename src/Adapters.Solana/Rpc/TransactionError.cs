using System.Globalization;
using System.Text.Json;
using DiscreteExec.Adapters.Solana.Programs;

namespace DiscreteExec.Adapters.Solana.Rpc;

/// <summary>
/// A runtime <c>TransactionError</c> as the RPC reports it (<c>"BlockhashNotFound"</c>,
/// <c>{nameof(InstructionError):[1,{"Custom":22}]}</c>, …), with the escrow program's custom codes named.
/// </summary>
public sealed record TransactionError(string Kind, int? InstructionIndex, string? InstructionError, uint? CustomCode, string Json)
{
    public bool IsBlockhashNotFound => Kind == "BlockhashNotFound";

    public bool IsAlreadyProcessed => Kind == "AlreadyProcessed";

    /// <summary>The escrow program's name for <see cref="CustomCode"/>, if it is one of its codes.</summary>
    public string? ProgramErrorName => CustomCode is { } code ? EscrowErrors.NameOf(code) : null;

    public bool IsProgramError(uint code) => CustomCode == code;

    public static TransactionError Parse(JsonElement err)
    {
        var json = err.GetRawText();
        if (err.ValueKind == JsonValueKind.String)
        {
            return new TransactionError(err.GetString()!, null, null, null, json);
        }

        if (err.ValueKind == JsonValueKind.Object && err.TryGetProperty(nameof(InstructionError), out var ie)
            && ie.ValueKind == JsonValueKind.Array && ie.GetArrayLength() == 2)
        {
            var index = ie[0].GetInt32();
            var inner = ie[1];
            if (inner.ValueKind == JsonValueKind.Object && inner.TryGetProperty("Custom", out var custom))
            {
                return new TransactionError(nameof(InstructionError), index, "Custom", custom.GetUInt32(), json);
            }

            return new TransactionError(nameof(InstructionError), index, inner.ValueKind == JsonValueKind.String ? inner.GetString() : inner.GetRawText(), null, json);
        }

        if (err.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in err.EnumerateObject())
            {
                return new TransactionError(property.Name, null, null, null, json);
            }
        }

        return new TransactionError("Unknown", null, null, null, json);
    }

    public override string ToString() => CustomCode is { } code
        ? string.Create(CultureInfo.InvariantCulture, $"instruction {InstructionIndex} failed with custom error {code} ({ProgramErrorName ?? "not an escrow error"})")
        : InstructionIndex is { } i ? string.Create(CultureInfo.InvariantCulture, $"instruction {i} failed: {InstructionError}") : Kind;
}
