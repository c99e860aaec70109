using DiscreteExec.Adapters.Solana.Codec;

namespace DiscreteExec.Adapters.Solana.Tests.Codec;

public sealed class RoundTripTests
{
    [Fact]
    public void CompactU16_EveryValue_RoundTripsMinimally()
    {
        Span<byte> buffer = stackalloc byte[3];
        for (var value = 0; value <= ushort.MaxValue; value++)
        {
            var n = CompactU16.Write(value, buffer);
            Assert.Equal(CompactU16.Length(value), n);
            Assert.Equal(value, CompactU16.Read(buffer[..n], out var read));
            Assert.Equal(n, read);
        }
    }

    [Fact]
    public void Compile_RandomInstructions_DeserializesToSameMessageAndKeepsRoles()
    {
        var random = new Random(42);
        var keys = Enumerable.Range(1, 40).Select(i => Bytes32.FromUInt64((ulong)i * 7919)).ToArray();
        for (var round = 0; round < 200; round++)
        {
            var payer = keys[random.Next(keys.Length)];
            var instructions = Enumerable.Range(0, random.Next(1, 5)).Select(_ =>
            {
                var program = Bytes32.FromUInt64(1_000_000 + (ulong)random.Next(3));
                var metas = Enumerable.Range(0, random.Next(0, 8))
                    .Select(_ => new AccountMeta(keys[random.Next(keys.Length)], random.Next(4) == 0, random.Next(2) == 0)).ToArray();
                return new Instruction(program, metas, Enumerable.Range(0, random.Next(0, 40)).Select(b => (byte)b).ToArray());
            }).ToList();
            var tables = random.Next(2) == 0 ? null : new[] { new AddressLookupTable(Bytes32.FromUInt64(99), [.. keys.Where((_, i) => i % 3 == 0)]) };
            var message = tables is null
                ? MessageCompiler.Compile(payer, instructions, Bytes32.FromUInt64(5))
                : MessageCompiler.CompileV0(payer, instructions, Bytes32.FromUInt64(5), tables);

            var bytes = message.Serialize();
            var back = Message.Deserialize(bytes);
            Assert.Equal(bytes, back.Serialize());
            var resolved = back.ResolveAccountKeys(tables);
            Assert.Equal(payer, resolved[0]);
            for (var i = 0; i < instructions.Count; i++)
            {
                var compiled = back.Instructions[i];
                Assert.Equal(instructions[i].ProgramId, resolved[compiled.ProgramIdIndex]);
                Assert.Equal(instructions[i].Data.ToArray(), compiled.Data);
                for (var a = 0; a < instructions[i].Accounts.Count; a++)
                {
                    var meta = instructions[i].Accounts[a];
                    var index = compiled.AccountIndexes[a];
                    Assert.Equal(meta.Key, resolved[index]);
                    Assert.True(!meta.IsSigner || back.IsSigner(index));
                    Assert.True(!meta.IsWritable || back.IsWritable(index));
                }
            }
        }
    }
}
