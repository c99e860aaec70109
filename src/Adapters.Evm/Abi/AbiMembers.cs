using DiscreteExec.Core;
using DiscreteExec.Core.Hashing;

namespace DiscreteExec.Adapters.Evm.Abi;

/// <summary>A named, typed parameter of a function, event or error.</summary>
public sealed record AbiParameter(string Name, AbiType Type, bool Indexed = false);

/// <summary>A function: its signature, 4-byte selector, and input and output types.</summary>
public sealed class AbiFunction
{
    public AbiFunction(string name, IReadOnlyList<AbiParameter> inputs, IReadOnlyList<AbiParameter> outputs)
    {
        Name = name;
        Inputs = inputs;
        Outputs = outputs;
        Signature = AbiSignature.Of(name, inputs);
        Selector = AbiSignature.Selector(Signature);
        InputTypes = inputs.Select(p => p.Type).ToArray();
        OutputTypes = outputs.Select(p => p.Type).ToArray();
    }

    public string Name { get; }

    public IReadOnlyList<AbiParameter> Inputs { get; }

    public IReadOnlyList<AbiParameter> Outputs { get; }

    public IReadOnlyList<AbiType> InputTypes { get; }

    public IReadOnlyList<AbiType> OutputTypes { get; }

    public string Signature { get; }

    public byte[] Selector { get; }

    /// <summary>Parses <c>name(type,...)</c> (no outputs) or <c>name(type,...) returns (type,...)</c>.</summary>
    public static AbiFunction Parse(string declaration)
    {
        ArgumentNullException.ThrowIfNull(declaration);
        var returns = declaration.IndexOf(" returns ", StringComparison.Ordinal);
        var head = returns < 0 ? declaration : declaration[..returns];
        var (name, inputs) = AbiSignature.Split(head);
        var outputs = returns < 0 ? [] : AbiSignature.Split(string.Concat("r", declaration[(returns + 9)..].Trim())).Parameters;
        return new AbiFunction(name, inputs, outputs);
    }

    public byte[] EncodeCall(params IReadOnlyList<object?> arguments) => AbiEncoder.EncodeCall(Selector, InputTypes, arguments);

    public object?[] DecodeOutput(ReadOnlySpan<byte> data) => AbiDecoder.Decode(OutputTypes, data);
}

/// <summary>An event: its signature, topic 0, and which parameters are indexed.</summary>
public sealed class AbiEvent
{
    public AbiEvent(string name, IReadOnlyList<AbiParameter> inputs)
    {
        Name = name;
        Inputs = inputs;
        Signature = AbiSignature.Of(name, inputs);
        Topic0 = Keccak256.Hash(System.Text.Encoding.ASCII.GetBytes(Signature));
        DataTypes = inputs.Where(p => !p.Indexed).Select(p => p.Type).ToArray();
        IndexedCount = inputs.Count(p => p.Indexed);
    }

    public string Name { get; }

    public IReadOnlyList<AbiParameter> Inputs { get; }

    public string Signature { get; }

    public Bytes32 Topic0 { get; }

    public int IndexedCount { get; }

    private IReadOnlyList<AbiType> DataTypes { get; }

    /// <summary>
    /// Decodes a log into values in declaration order. Indexed value types come from the topics (a dynamic indexed
    /// value is only its hash: returned as the 32-byte topic). Wrong topic 0, count or data throw <see cref="AbiDecodingException"/>.
    /// </summary>
    public object?[] Decode(IReadOnlyList<Bytes32> topics, ReadOnlySpan<byte> data)
    {
        ArgumentNullException.ThrowIfNull(topics);
        if (topics.Count != IndexedCount + 1)
        {
            throw new AbiDecodingException($"{Name} has {IndexedCount + 1} topics, the log has {topics.Count}.");
        }

        if (topics[0] != Topic0)
        {
            throw new AbiDecodingException($"Topic 0 {topics[0]} is not {Signature}.");
        }

        var unindexed = AbiDecoder.Decode(DataTypes, data);
        var values = new object?[Inputs.Count];
        int topic = 1, field = 0;
        for (var i = 0; i < Inputs.Count; i++)
        {
            var parameter = Inputs[i];
            if (!parameter.Indexed)
            {
                values[i] = unindexed[field++];
                continue;
            }

            var word = topics[topic++].ToArray();
            values[i] = parameter.Type.IsDynamic || parameter.Type.Kind is AbiKind.Tuple or AbiKind.Array
                ? word
                : AbiDecoder.Decode([parameter.Type], word)[0];
        }

        return values;
    }

    /// <summary>Parses <c>Name(type indexed name, type name, ...)</c>; parameter names are optional.</summary>
    public static AbiEvent Parse(string declaration)
    {
        var (name, inputs) = AbiSignature.Split(declaration);
        return new AbiEvent(name, inputs);
    }
}

/// <summary>A custom error: its signature, 4-byte selector and argument types.</summary>
public sealed class AbiError
{
    public AbiError(string name, IReadOnlyList<AbiParameter> inputs)
    {
        Name = name;
        Inputs = inputs;
        Signature = AbiSignature.Of(name, inputs);
        Selector = AbiSignature.Selector(Signature);
        InputTypes = inputs.Select(p => p.Type).ToArray();
    }

    public string Name { get; }

    public IReadOnlyList<AbiParameter> Inputs { get; }

    public IReadOnlyList<AbiType> InputTypes { get; }

    public string Signature { get; }

    public byte[] Selector { get; }

    public static AbiError Parse(string declaration)
    {
        var (name, inputs) = AbiSignature.Split(declaration);
        return new AbiError(name, inputs);
    }
}

/// <summary>Signature strings and selectors: <c>name(canonical,types)</c>, keccak256, first 4 bytes.</summary>
internal static class AbiSignature
{
    public static string Of(string name, IReadOnlyList<AbiParameter> inputs) =>
        string.Concat(name, "(", string.Join(',', inputs.Select(p => p.Type.CanonicalName)), ")");

    public static byte[] Selector(string signature) => Keccak256.Hash(System.Text.Encoding.ASCII.GetBytes(signature)).ToArray()[..4];

    /// <summary>Splits <c>name(type [indexed] [name], ...)</c> into the name and parameters, honouring nested tuples.</summary>
    public static (string Name, IReadOnlyList<AbiParameter> Parameters) Split(string declaration)
    {
        var open = declaration.IndexOf('(', StringComparison.Ordinal);
        if (open <= 0 || !declaration.EndsWith(')'))
        {
            throw new FormatException($"'{declaration}' is not name(parameters).");
        }

        var name = declaration[..open].Trim();
        var body = declaration[(open + 1)..^1];
        var parameters = new List<AbiParameter>();
        var depth = 0;
        var start = 0;
        for (var i = 0; i <= body.Length; i++)
        {
            if (i < body.Length && body[i] == '(')
            {
                depth++;
            }
            else if (i < body.Length && body[i] == ')')
            {
                depth--;
            }
            else if (i == body.Length || (body[i] == ',' && depth == 0))
            {
                var part = body[start..i].Trim();
                if (part.Length > 0)
                {
                    parameters.Add(ParseParameter(part, parameters.Count));
                }

                start = i + 1;
            }
        }

        return (name, parameters);
    }

    private static AbiParameter ParseParameter(string part, int index)
    {
        // The type ends at the last ')' or ']' before a space, or at the first space.
        var typeEnd = part.LastIndexOfAny([')', ']']);
        var space = part.IndexOf(' ', Math.Max(typeEnd, 0));
        var typeText = space < 0 ? part : part[..space];
        var rest = space < 0 ? [] : part[space..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var indexed = rest.Contains("indexed");
        var name = rest.LastOrDefault(w => w != "indexed" && w != "calldata" && w != "memory") ?? $"arg{index}";
        return new AbiParameter(name, AbiType.Parse(typeText), indexed);
    }
}
