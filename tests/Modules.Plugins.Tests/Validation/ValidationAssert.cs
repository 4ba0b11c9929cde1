using CloudService.Modules.Plugins.Packages;

namespace CloudService.Tests.Plugins.Validation;

internal static class ValidationAssert
{
    /// <summary>The validation failed, and one of its reasons names <paramref name="entry"/> (quoted) and says each of <paramref name="phrases"/>.</summary>
    public static void FailsNaming(PackageValidationResult result, string entry, params string[] phrases)
    {
        Assert.False(result.Succeeded, "The package was accepted.");
        Assert.True(
            result.Errors.Any(e => e.Contains($"'{entry}'", StringComparison.Ordinal) && phrases.All(p => e.Contains(p, StringComparison.OrdinalIgnoreCase))),
            $"No reason names '{entry}' and says [{string.Join(", ", phrases)}]. Reasons:\n{string.Join("\n", result.Errors)}");
    }

    /// <summary>The validation failed with a reason that says each of <paramref name="phrases"/>.</summary>
    public static void FailsSaying(PackageValidationResult result, params string[] phrases)
    {
        Assert.False(result.Succeeded, "The package was accepted.");
        Assert.True(
            result.Errors.Any(e => phrases.All(p => e.Contains(p, StringComparison.OrdinalIgnoreCase))),
            $"No reason says [{string.Join(", ", phrases)}]. Reasons:\n{string.Join("\n", result.Errors)}");
    }

    public static void Succeeds(PackageValidationResult result) =>
        Assert.True(result.Succeeded, "The package was refused:\n" + string.Join("\n", result.Errors));
}
