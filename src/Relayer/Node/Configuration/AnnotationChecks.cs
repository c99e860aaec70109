using System.ComponentModel.DataAnnotations;
using System.Reflection;

namespace DiscreteExec.Relayer.Node.Configuration;

/// <summary>Runs an options object's validation attributes (one level, not nested objects), each failure as "Path:Key: message".</summary>
internal static class AnnotationChecks
{
    public static void Validate(object options, string path, List<string> failures)
    {
        var context = new ValidationContext(options);
        foreach (var property in options.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            var value = property.GetValue(options);
            context.MemberName = property.Name;
            foreach (var attribute in property.GetCustomAttributes<ValidationAttribute>())
            {
                if (attribute.GetValidationResult(value, context) is { } result)
                {
                    var message = attribute is RequiredAttribute ? "required" : Describe(attribute, value, result);
                    failures.Add($"{path}:{property.Name}: {message}");
                }
            }
        }
    }

    private static string Describe(ValidationAttribute attribute, object? value, ValidationResult result) => attribute switch
    {
        RangeAttribute range when attribute.ErrorMessage is null => $"{value} is outside {range.Minimum}..{range.Maximum}",
        _ => result.ErrorMessage ?? "invalid",
    };
}
