using System.Collections;
using System.ComponentModel;
using System.Globalization;
using System.Reflection;
using Microsoft.Extensions.Configuration;

namespace DiscreteExec.Relayer.Node.Configuration;

/// <summary>
/// Walks a configuration section against the options type it binds to, before binding: every key must be a property
/// of that type (a misspelt key would otherwise be ignored silently) and every value must convert to the property's
/// type. Failures name the full key path.
/// </summary>
internal static class ConfigurationKeyChecker
{
    static ConfigurationKeyChecker() => UInt256TypeConverter.Register();

    /// <summary>
    /// Checks the children of <paramref name="section"/> against <paramref name="type"/>; a child whose path
    /// <paramref name="checkedElsewhere"/> accepts is skipped (sections bound by other options classes).
    /// </summary>
    public static void Check(IConfiguration section, Type type, List<string> failures, Func<string, bool>? checkedElsewhere = null)
    {
        ArgumentNullException.ThrowIfNull(section);
        ArgumentNullException.ThrowIfNull(failures);
        CheckObject(section, type, failures, checkedElsewhere ?? (_ => false));
    }

    private static void CheckObject(IConfiguration section, Type type, List<string> failures, Func<string, bool> checkedElsewhere)
    {
        var properties = type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.SetMethod is { IsPublic: true } || IsCollection(p.PropertyType))
            .ToDictionary(p => p.Name, StringComparer.OrdinalIgnoreCase);
        foreach (var child in section.GetChildren())
        {
            if (checkedElsewhere(child.Path))
            {
                continue;
            }

            if (!properties.TryGetValue(child.Key, out var property))
            {
                var parent = section is IConfigurationSection s ? s.Path + ": " : string.Empty;
                failures.Add($"{parent}unknown key '{child.Key}' at '{child.Path}' (known: {string.Join(", ", properties.Keys.Order(StringComparer.Ordinal))}).");
                continue;
            }

            CheckValue(child, property.PropertyType, failures, checkedElsewhere);
        }
    }

    private static void CheckValue(IConfigurationSection section, Type type, List<string> failures, Func<string, bool> checkedElsewhere)
    {
        var target = Nullable.GetUnderlyingType(type) ?? type;
        var hasChildren = section.GetChildren().Any();
        if (IsScalar(target))
        {
            if (hasChildren)
            {
                failures.Add($"{section.Path}: expected a single value, not a section.");
            }
            else if (!string.IsNullOrEmpty(section.Value) && !TryConvert(section.Value, target))
            {
                failures.Add($"{section.Path}: '{section.Value}' is not {Describe(target)}.");
            }

            return;
        }

        if (!hasChildren)
        {
            if (!string.IsNullOrEmpty(section.Value))
            {
                failures.Add($"{section.Path}: expected a section, not the value '{section.Value}'.");
            }

            return;
        }

        if (ElementType(target) is { } element)
        {
            foreach (var item in section.GetChildren())
            {
                if (!int.TryParse(item.Key, NumberStyles.None, CultureInfo.InvariantCulture, out _))
                {
                    failures.Add($"{item.Path}: '{item.Key}' is not a list index; {section.Path} is a list.");
                    continue;
                }

                if (!checkedElsewhere(item.Path))
                {
                    CheckValue(item, element, failures, checkedElsewhere);
                }
            }

            return;
        }

        CheckObject(section, target, failures, checkedElsewhere);
    }

    private static bool IsScalar(Type type) =>
        type.IsPrimitive || type.IsEnum || type == typeof(string) || type == typeof(decimal) || type == typeof(TimeSpan)
        || type == typeof(Uri) || type == typeof(DateTimeOffset) || type == typeof(Core.UInt256);

    private static bool IsCollection(Type type) => ElementType(type) is not null;

    private static Type? ElementType(Type type)
    {
        if (type.IsArray)
        {
            return type.GetElementType();
        }

        return type.IsGenericType && type != typeof(string) && typeof(IEnumerable).IsAssignableFrom(type) && type.GetGenericArguments().Length == 1
            ? type.GetGenericArguments()[0]
            : null;
    }

    private static bool TryConvert(string value, Type type)
    {
        if (type.IsEnum)
        {
            // Names only: a number would bind to an undeclared value.
            return !char.IsAsciiDigit(value[0]) && value[0] != '-' && Enum.TryParse(type, value, ignoreCase: true, out _);
        }

        if (type == typeof(Uri))
        {
            return Uri.TryCreate(value, UriKind.Absolute, out _);
        }

        try
        {
            TypeDescriptor.GetConverter(type).ConvertFromInvariantString(value);
            return true;
        }
        catch (Exception ex) when (ex is FormatException or NotSupportedException or ArgumentException or OverflowException || ex.InnerException is FormatException or OverflowException)
        {
            return false;
        }
    }

    private static string Describe(Type type) => type switch
    {
        _ when type.IsEnum => $"one of {string.Join(", ", Enum.GetNames(type))}",
        _ when type == typeof(TimeSpan) => "a time span (e.g. 00:00:30)",
        _ when type == typeof(Uri) => "an absolute URL",
        _ when type == typeof(bool) => "true or false",
        _ when type == typeof(Core.UInt256) => "a non-negative decimal integer in the uint256 range",
        _ when type == typeof(string) => "text",
        _ => $"a valid {type.Name}",
    };
}
