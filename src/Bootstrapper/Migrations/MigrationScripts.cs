using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace CloudService.Bootstrapper.Migrations;

/// <summary>One migration: <c>Migrations/NNNN-name.sql</c>, embedded in the Bootstrapper assembly.</summary>
internal sealed record MigrationScript(int Number, string Name, string Sql)
{
    public string Id => $"{Number:D4}-{Name}";

    /// <summary>Line endings do not count, so a checkout on Windows does not look like an edited migration.</summary>
    public string Checksum { get; } = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Sql.ReplaceLineEndings("\n"))));
}

internal static partial class MigrationScripts
{
    public const string ResourcePrefix = "migrations/";

    private static readonly Lazy<IReadOnlyList<MigrationScript>> Embedded = new(() => Load(typeof(MigrationScripts).Assembly));

    /// <summary>Every migration this build knows, in order.</summary>
    public static IReadOnlyList<MigrationScript> All => Embedded.Value;

    public static bool TryParseFileName(string fileName, out int number, out string name)
    {
        var match = FileName().Match(fileName);
        number = match.Success ? int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) : 0;
        name = match.Success ? match.Groups[2].Value : "";
        return match.Success;
    }

    private static List<MigrationScript> Load(System.Reflection.Assembly assembly)
    {
        var scripts = new List<MigrationScript>();
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal)))
        {
            if (!TryParseFileName(resource[ResourcePrefix.Length..], out var number, out var name))
            {
                throw new InvalidOperationException($"Migration file '{resource}' is not named NNNN-name.sql.");
            }

            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var reader = new StreamReader(stream, Encoding.UTF8);
            scripts.Add(new MigrationScript(number, name, reader.ReadToEnd()));
        }

        scripts.Sort((a, b) => a.Number.CompareTo(b.Number));
        for (var i = 0; i < scripts.Count; i++)
        {
            if (scripts[i].Number != i + 1)
            {
                throw new InvalidOperationException($"Migrations must be numbered 0001, 0002, ... without gaps or repeats; found {scripts[i].Id} at position {i + 1}.");
            }
        }

        return scripts;
    }

    [GeneratedRegex(@"^(\d{4})-([a-z0-9][a-z0-9-]*)\.sql$")]
    private static partial Regex FileName();
}
