namespace DiscreteExec.Adapters.Solana.Codec;

/// <summary>A bounds-checked forward reader; every overrun is a <see cref="FormatException"/>.</summary>
internal ref struct SpanReader(ReadOnlySpan<byte> data)
{
    private readonly ReadOnlySpan<byte> _data = data;
    private int _offset;

    public readonly bool AtEnd => _offset == _data.Length;

    public readonly int Offset => _offset;

    public readonly byte Peek() => _offset < _data.Length ? _data[_offset] : throw Truncated(1);

    public byte Byte() => Take(1)[0];

    public int CompactU16()
    {
        var value = Codec.CompactU16.Read(_data[_offset..], out var read);
        _offset += read;
        return value;
    }

    public Bytes32 Key() => new(Take(32));

    public byte[] Bytes(int count) => Take(count).ToArray();

    public ulong UInt64() => System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(Take(8));

    public long Int64() => System.Buffers.Binary.BinaryPrimitives.ReadInt64LittleEndian(Take(8));

    public uint UInt32() => System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(Take(4));

    public ReadOnlySpan<byte> Take(int count)
    {
        if (count < 0 || _data.Length - _offset < count)
        {
            throw Truncated(count);
        }

        var slice = _data.Slice(_offset, count);
        _offset += count;
        return slice;
    }

    private readonly FormatException Truncated(int wanted) =>
        new($"Needed {wanted} more bytes at offset {_offset}, {_data.Length - _offset} left.");
}
