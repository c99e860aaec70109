using System.ComponentModel;
using System.Globalization;
using DiscreteExec.Core;

namespace DiscreteExec.Relayer.Node.Configuration;

/// <summary>
/// Lets the configuration binder read <see cref="UInt256"/> values (prices, notionals) from decimal strings. Registered
/// at run time so that Core stays free of System.ComponentModel concerns.
/// </summary>
internal sealed class UInt256TypeConverter : TypeConverter
{
    private static int _registered;

    public static void Register()
    {
        if (Interlocked.Exchange(ref _registered, 1) == 0)
        {
            TypeDescriptor.AddAttributes(typeof(UInt256), new TypeConverterAttribute(typeof(UInt256TypeConverter)));
        }
    }

    public override bool CanConvertFrom(ITypeDescriptorContext? context, Type sourceType) =>
        sourceType == typeof(string) || base.CanConvertFrom(context, sourceType);

    public override object? ConvertFrom(ITypeDescriptorContext? context, CultureInfo? culture, object value) =>
        value is string text ? UInt256.Parse(text.Trim()) : base.ConvertFrom(context, culture, value);

    public override object? ConvertTo(ITypeDescriptorContext? context, CultureInfo? culture, object? value, Type destinationType) =>
        destinationType == typeof(string) && value is UInt256 number ? number.ToString() : base.ConvertTo(context, culture, value, destinationType);
}
