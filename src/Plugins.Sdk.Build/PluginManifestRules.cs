using System.Text.Json;
using CloudService.Plugins.PackageRules;
using Semver;

namespace CloudService.Plugins.Sdk.Build;

/// <summary>One reason a plugin project cannot be packed: an MSBuild error code (CSP0xx) and what to do about it.</summary>
internal sealed record PackProblem(string Code, string Message);

/// <summary>The fields of a <c>plugin.json</c> the packing needs.</summary>
internal sealed record PluginManifestFields(string Id, string Version, string EntryAssembly);

/// <summary>
/// The server's manifest rules (API.md "Plugin package", issue 3), applied at pack time so that a
/// package the server would refuse is never produced. The rules themselves are
/// <see cref="PluginPackageRules"/>, the same source file the server compiles; this class words them
/// as CSP errors and adds what only the build knows: the project's version and the SDK it references.
/// </summary>
internal static class PluginManifestRules
{
    public const string FileName = PluginPackageRules.ManifestFileName;
    private const int MaxIdLength = PluginPackageRules.MaxIdLength;

    /// <summary>Checks <paramref name="json"/>; <paramref name="projectVersion"/> and <paramref name="sdkVersion"/> are what the build uses.</summary>
    public static (PluginManifestFields? Manifest, IReadOnlyList<PackProblem> Problems) Check(byte[] json, string projectVersion, string sdkVersion)
    {
        var problems = new List<PackProblem>();
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, PluginPackageRules.ManifestJson);
        }
        catch (JsonException e)
        {
            return (null, [new("CSP002", $"{FileName} is not valid JSON: {e.Message}")]);
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return (null, [new("CSP002", $"{FileName} must hold a JSON object, not {root.ValueKind.ToString().ToLowerInvariant()}.")]);
            }

            var id = Required(root, "id", problems);
            if (id.Length > 0 && !PluginPackageRules.IsPluginId(id))
            {
                problems.Add(new("CSP004", $"{FileName}: id '{id}' is not a lower-case slug (a-z, 0-9 and single hyphens, at most {MaxIdLength} characters, e.g. 'csv-preview')."));
            }

            var version = Required(root, "version", problems);
            if (version.Length > 0)
            {
                if (!PluginPackageRules.IsPluginVersion(version))
                {
                    problems.Add(new("CSP005", $"{FileName}: version '{version}' is not a SemVer version (e.g. 1.2.3 or 1.2.3-beta.1)."));
                }
                else if (!string.IsNullOrEmpty(projectVersion) && version != projectVersion)
                {
                    problems.Add(new("CSP006", $"{FileName}: version '{version}' differs from the project's <Version> '{projectVersion}'. Keep them equal: the server keys packages by id and version."));
                }
            }

            Required(root, "name", problems);
            Required(root, "author", problems);
            Required(root, "description", problems);
            var entryAssembly = Required(root, "entryAssembly", problems);
            if (entryAssembly.Length > 0 && !IsPlainDllName(entryAssembly))
            {
                problems.Add(new("CSP007", $"{FileName}: entryAssembly '{entryAssembly}' must be the file name of a .dll beside plugin.json (no folders), e.g. 'MyPlugin.dll'."));
            }

            var range = Required(root, "sdkVersion", problems);
            if (range.Length > 0)
            {
                CheckSdkRange(range, sdkVersion, problems);
            }

            CheckMimeTypes(root, problems);
            CheckHomepage(root, problems);
            return (problems.Count == 0 ? new PluginManifestFields(id, version, entryAssembly) : null, problems);
        }
    }

    private static void CheckSdkRange(string range, string sdkVersion, List<PackProblem> problems)
    {
        if (!PluginPackageRules.TryParseSdkRange(range, out var parsed))
        {
            problems.Add(new("CSP008", $"{FileName}: sdkVersion '{range}' is not a version range (npm style, e.g. ^1.0.0 or >=1.0.0 <2.0.0)."));
            return;
        }

        if (string.IsNullOrEmpty(sdkVersion) || !SemVersion.TryParse(sdkVersion, SemVersionStyles.Strict, out var referenced))
        {
            problems.Add(new("CSP009", $"The project does not reference CloudService.Plugins.Sdk (or its version '{sdkVersion}' is not SemVer), so sdkVersion '{range}' cannot be checked. Add <PackageReference Include=\"CloudService.Plugins.Sdk\" ... />."));
            return;
        }

        if (!parsed.Contains(referenced))
        {
            problems.Add(new("CSP009", $"{FileName}: sdkVersion '{range}' does not include CloudService.Plugins.Sdk {sdkVersion}, the version this project compiles against. Use e.g. '^{referenced.Major}.{referenced.Minor}.0'."));
        }
    }

    private static string Required(JsonElement root, string field, List<PackProblem> problems)
    {
        if (!root.TryGetProperty(field, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            problems.Add(new("CSP003", $"{FileName} lacks the required field '{field}'."));
            return "";
        }

        if (value.ValueKind != JsonValueKind.String)
        {
            problems.Add(new("CSP003", $"{FileName}: '{field}' must be a string, not {value.ValueKind.ToString().ToLowerInvariant()}."));
            return "";
        }

        var text = value.GetString()!.Trim();
        if (text.Length == 0)
        {
            problems.Add(new("CSP003", $"{FileName}: '{field}' is empty."));
        }

        return text;
    }

    private static void CheckMimeTypes(JsonElement root, List<PackProblem> problems)
    {
        if (!root.TryGetProperty("mimeTypes", out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return;
        }

        if (value.ValueKind != JsonValueKind.Array)
        {
            problems.Add(new("CSP010", $"{FileName}: 'mimeTypes' must be an array of MIME types such as [\"text/csv\"]."));
            return;
        }

        foreach (var item in value.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.String || !PluginPackageRules.IsMimeType(item.GetString()!))
            {
                problems.Add(new("CSP010", $"{FileName}: mimeTypes holds {item.GetRawText()}, which is not a MIME type like text/csv."));
            }
        }
    }

    private static void CheckHomepage(JsonElement root, List<PackProblem> problems)
    {
        if (!root.TryGetProperty("homepage", out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return;
        }

        if (value.ValueKind != JsonValueKind.String || !PluginPackageRules.IsHomepage(value.GetString()))
        {
            problems.Add(new("CSP010", $"{FileName}: homepage {value.GetRawText()} is not an http(s) address."));
        }
    }

    private static bool IsPlainDllName(string name) =>
        name.EndsWith(".dll", StringComparison.OrdinalIgnoreCase)
        && name.Length > 4
        && name.IndexOfAny(['/', '\\', ':', '\0']) < 0
        && name != ".." && !name.StartsWith('.');
}
