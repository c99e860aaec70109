namespace DiscreteExec.Relayer.Cli;

/// <summary>A plain-text table with aligned columns: text left-aligned, numbers right-aligned.</summary>
internal sealed class TextTable(params string[] headers)
{
    private readonly List<string[]> _rows = [];

    public int RowCount => _rows.Count;

    public void Add(params string[] cells)
    {
        ArgumentNullException.ThrowIfNull(cells);
        if (cells.Length != headers.Length)
        {
            throw new ArgumentException($"Expected {headers.Length} cells, got {cells.Length}.", nameof(cells));
        }

        _rows.Add(cells);
    }

    public void WriteTo(TextWriter writer, string indent)
    {
        ArgumentNullException.ThrowIfNull(writer);
        var widths = headers.Select((h, i) => _rows.Select(r => r[i].Length).Append(h.Length).Max()).ToArray();
        var numeric = headers.Select((_, i) => _rows.Count > 0 && _rows.All(r => IsNumber(r[i]))).ToArray();
        WriteRow(writer, indent, headers, widths, numeric);
        foreach (var row in _rows)
        {
            WriteRow(writer, indent, row, widths, numeric);
        }
    }

    private static void WriteRow(TextWriter writer, string indent, string[] cells, int[] widths, bool[] numeric)
    {
        var padded = cells.Select((c, i) => numeric[i] ? c.PadLeft(widths[i]) : c.PadRight(widths[i]));
        writer.Write(indent);
        writer.Write(string.Join("  ", padded).TrimEnd());
        writer.Write('\n');
    }

    private static bool IsNumber(string cell) => cell.Length > 0 && cell.All(char.IsAsciiDigit);
}
