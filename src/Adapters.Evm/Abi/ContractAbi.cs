using System.Text.Json;

namespace DiscreteExec.Adapters.Evm.Abi;

/// <summary>
/// A contract's ABI as solc/forge write it (the JSON array of functions, events and errors), indexed for encoding
/// calls and decoding events and reverts (custom errors, <c>Error(string)</c> and <c>Panic(uint256)</c>).
/// </summary>
public sealed class ContractAbi
{
    private static readonly AbiError ErrorString = AbiError.Parse("Error(string message)");
    private static readonly AbiError PanicCode = AbiError.Parse("Panic(uint256 code)");

    private readonly Dictionary<string, AbiFunction> _functions;
    private readonly Dictionary<string, AbiEvent> _events;
    private readonly Dictionary<uint, AbiError> _errors;

    public ContractAbi(IEnumerable<AbiFunction> functions, IEnumerable<AbiEvent> events, IEnumerable<AbiError> errors, IReadOnlyList<AbiParameter>? constructorInputs = null)
    {
        // Overloads are keyed by signature and, when unique, also by plain name.
        var functionList = functions.ToList();
        _functions = functionList.ToDictionary(f => f.Signature, StringComparer.Ordinal);
        foreach (var group in functionList.GroupBy(f => f.Name).Where(g => g.Count() == 1))
        {
            _functions.TryAdd(group.Key, group.Single());
        }

        _events = events.ToDictionary(e => e.Name, StringComparer.Ordinal);
        _errors = new Dictionary<uint, AbiError>();
        foreach (var error in errors.Append(ErrorString).Append(PanicCode))
        {
            _errors.TryAdd(SelectorKey(error.Selector), error);
        }

        ConstructorInputs = constructorInputs ?? [];
    }

    public IReadOnlyList<AbiParameter> ConstructorInputs { get; }

    public IEnumerable<AbiError> Errors => _errors.Values;

    public AbiFunction Function(string nameOrSignature) =>
        _functions.TryGetValue(nameOrSignature, out var function) ? function : throw new KeyNotFoundException($"The ABI has no function '{nameOrSignature}'.");

    public AbiEvent Event(string name) =>
        _events.TryGetValue(name, out var e) ? e : throw new KeyNotFoundException($"The ABI has no event '{name}'.");

    /// <summary>Decodes revert data into the error's name and arguments; null when the selector is unknown or the data is empty.</summary>
    public DecodedError? DecodeError(ReadOnlySpan<byte> revertData)
    {
        if (revertData.Length < 4 || !_errors.TryGetValue(SelectorKey(revertData), out var error))
        {
            return null;
        }

        try
        {
            return new DecodedError(error.Name, error.Signature, AbiDecoder.Decode(error.InputTypes, revertData[4..]));
        }
        catch (AbiDecodingException)
        {
            return new DecodedError(error.Name, error.Signature, []);
        }
    }

    /// <summary>Reads the "abi" array of a JSON ABI (or of an artifact object that has an "abi" property).</summary>
    public static ContractAbi FromJson(string json)
    {
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        var abi = root.ValueKind == JsonValueKind.Object ? root.GetProperty("abi") : root;
        var functions = new List<AbiFunction>();
        var events = new List<AbiEvent>();
        var errors = new List<AbiError>();
        IReadOnlyList<AbiParameter>? constructorInputs = null;
        foreach (var item in abi.EnumerateArray())
        {
            var kind = item.GetProperty("type").GetString();
            switch (kind)
            {
                case "function":
                    functions.Add(new AbiFunction(Name(item), Parameters(item, "inputs"), Parameters(item, "outputs")));
                    break;
                case "event":
                    events.Add(new AbiEvent(Name(item), Parameters(item, "inputs")));
                    break;
                case "error":
                    errors.Add(new AbiError(Name(item), Parameters(item, "inputs")));
                    break;
                case "constructor":
                    constructorInputs = Parameters(item, "inputs");
                    break;
                default:
                    break;
            }
        }

        return new ContractAbi(functions, events, errors, constructorInputs);
    }

    private static string Name(JsonElement item) => item.GetProperty("name").GetString() ?? throw new FormatException("ABI entry without a name.");

    private static AbiParameter[] Parameters(JsonElement item, string property) =>
        item.TryGetProperty(property, out var list) ? list.EnumerateArray().Select(Parameter).ToArray() : [];

    private static AbiParameter Parameter(JsonElement p)
    {
        var name = p.TryGetProperty("name", out var n) ? n.GetString() ?? string.Empty : string.Empty;
        var indexed = p.TryGetProperty("indexed", out var i) && i.GetBoolean();
        return new AbiParameter(name, TypeOf(p), indexed);
    }

    private static AbiType TypeOf(JsonElement p)
    {
        var type = p.GetProperty("type").GetString() ?? throw new FormatException("ABI parameter without a type.");
        if (!type.StartsWith("tuple", StringComparison.Ordinal))
        {
            return AbiType.Parse(type);
        }

        var components = p.GetProperty("components").EnumerateArray().Select(TypeOf).ToArray();
        var tuple = AbiType.Tuple(components);
        return AbiType.Parse(string.Concat(tuple.CanonicalName, type[5..]));
    }

    private static uint SelectorKey(ReadOnlySpan<byte> selector) => System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(selector);
}

/// <summary>A decoded revert: the error's name, signature and arguments.</summary>
public sealed record DecodedError(string Name, string Signature, IReadOnlyList<object?> Arguments)
{
    public override string ToString() =>
        string.Concat(Name, "(", string.Join(", ", Arguments.Select(Format)), ")");

    private static string Format(object? value) => value switch
    {
        byte[] bytes => Encoding.Hex.Encode(bytes),
        null => "null",
        _ => Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? string.Empty,
    };
}
