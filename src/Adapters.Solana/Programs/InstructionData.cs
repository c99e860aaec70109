using System.Buffers.Binary;

namespace DiscreteExec.Adapters.Solana.Programs;

/// <summary>A little-endian writer for instruction data of a known length.</summary>
internal ref struct InstructionData(Span<byte> buffer)
{
    private readonly Span<byte> _buffer = buffer;
    private int _offset;

    public readonly int Length => _offset;

    public void U8(byte value) => _buffer[_offset++] = value;

    public void U32(uint value)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(_buffer[_offset..], value);
        _offset += 4;
    }

    public void U64(ulong value)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(_buffer[_offset..], value);
        _offset += 8;
    }

    public void I64(long value)
    {
        BinaryPrimitives.WriteInt64LittleEndian(_buffer[_offset..], value);
        _offset += 8;
    }

    public void Key(Bytes32 key)
    {
        key.CopyTo(_buffer[_offset..]);
        _offset += 32;
    }

    public void U256BigEndian(UInt256 value)
    {
        value.WriteBigEndian(_buffer[_offset..]);
        _offset += 32;
    }

    public readonly byte[] ToArray() => _buffer[.._offset].ToArray();
}
