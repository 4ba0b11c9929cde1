using System.Text.Json;
using CloudService.Modules.Plugins.Settings;
using CloudService.Plugins.PackageRules;
using CloudService.Plugins.Sdk;
using Semver;

namespace CloudService.Modules.Plugins.Packages;

/// <summary>A package's <c>plugin.json</c> (API.md, "Plugin package"). Stored in the plugin's stream as written.</summary>
/// <param name="Settings">The settings schema (API.md, "Settings") as JSON text, or null; added later: null in older events.</param>
/// <param name="Capabilities">What the plugin says it needs (API.md, "Plugin extension points"); added later: null in older events.</param>
internal sealed record PluginManifest(string Id, string Name, string Version, string Author, string Description,
    string EntryAssembly, string SdkVersion, IReadOnlyList<string> MimeTypes, string? Homepage,
    string? Settings = null, IReadOnlyList<string>? Capabilities = null);

/// <summary>
/// A parsed manifest. <see cref="IdentityErrors"/> are the problems that leave no usable plugin id
/// and version (the upload refuses those at once); <see cref="Errors"/> are all problems.
/// </summary>
internal sealed record ManifestReading(PluginManifest? Manifest, IReadOnlyList<string> IdentityErrors, IReadOnlyList<string> Errors);

internal static class ManifestReader
{
    public const string FileName = PluginPackageRules.ManifestFileName;
    private const int MaxIdLength = PluginPackageRules.MaxIdLength;

    private static readonly SemVersion HostSdk = SemVersion.Parse(SdkInfo.Version, SemVersionStyles.Strict);

    /// <summary>Whether <paramref name="id"/> is a well-formed plugin id (a lower-case slug): the only ids folders are named after.</summary>
    public static bool IsPluginId(string id) => PluginPackageRules.IsPluginId(id);

    /// <summary>Whether <paramref name="version"/> is a well-formed plugin version (strict SemVer): the only versions folders are named after.</summary>
    public static bool IsPluginVersion(string version) => PluginPackageRules.IsPluginVersion(version);

    public static ManifestReading Read(ReadOnlyMemory<byte> json)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, PluginPackageRules.ManifestJson);
        }
        catch (JsonException e)
        {
            var error = $"{FileName} is not valid JSON: {e.Message}";
            return new(null, [error], [error]);
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                var error = $"{FileName} must hold a JSON object, not {document.RootElement.ValueKind.ToString().ToLowerInvariant()}.";
                return new(null, [error], [error]);
            }

            var root = document.RootElement;
            var identity = new List<string>();
            var errors = new List<string>();

            var id = Required(root, "id", identity);
            if (id.Length > 0 && !IsPluginId(id))
            {
                identity.Add($"{FileName}: id '{id}' is not a lower-case slug (a–z, 0–9 and single hyphens, at most {MaxIdLength} characters, e.g. 'markdown-preview').");
            }

            var version = Required(root, "version", identity);
            if (version.Length > 0 && !IsPluginVersion(version))
            {
                identity.Add($"{FileName}: version '{version}' is not a SemVer version (e.g. 1.2.3 or 1.2.3-beta.1).");
            }

            errors.AddRange(identity);
            var name = Required(root, "name", errors);
            var author = Required(root, "author", errors);
            var description = Required(root, "description", errors);
            var entryAssembly = Required(root, "entryAssembly", errors);
            if (entryAssembly.Length > 0)
            {
                errors.AddRange(EntryNames.Problems(entryAssembly, $"{FileName}: entryAssembly"));
                if (!entryAssembly.EndsWith(".dll", StringComparison.OrdinalIgnoreCase))
                {
                    errors.Add($"{FileName}: entryAssembly '{entryAssembly}' must name a .dll file.");
                }
            }

            var sdkVersion = Required(root, "sdkVersion", errors);
            if (sdkVersion.Length > 0)
            {
                if (!PluginPackageRules.TryParseSdkRange(sdkVersion, out var range))
                {
                    errors.Add($"{FileName}: sdkVersion '{sdkVersion}' is not a version range (npm style, e.g. ^1.0.0 or >=1.0.0 <2.0.0).");
                }
                else if (!range.Contains(HostSdk))
                {
                    errors.Add($"{FileName}: sdkVersion '{sdkVersion}' does not include this server's Plugins.Sdk {HostSdk}.");
                }
            }

            var mimeTypes = MimeTypes(root, errors);
            var homepage = Homepage(root, errors);
            var settings = SettingsOf(root, errors);
            var capabilities = CapabilitiesOf(root, errors);
            var manifest = new PluginManifest(id, name, version, author, description, entryAssembly, sdkVersion, mimeTypes, homepage, settings, capabilities);
            return new(manifest, identity, errors);
        }
    }

    private static string Required(JsonElement root, string field, List<string> errors)
    {
        if (!root.TryGetProperty(field, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            errors.Add($"{FileName} lacks the required field '{field}'.");
            return "";
        }

        if (value.ValueKind != JsonValueKind.String)
        {
            errors.Add($"{FileName}: '{field}' must be a string.");
            return "";
        }

        var text = value.GetString()!.Trim();
        if (text.Length == 0)
        {
            errors.Add($"{FileName}: '{field}' is empty.");
        }

        return text;
    }

    private static List<string> MimeTypes(JsonElement root, List<string> errors)
    {
        if (!root.TryGetProperty("mimeTypes", out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return [];
        }

        if (value.ValueKind != JsonValueKind.Array)
        {
            errors.Add($"{FileName}: 'mimeTypes' must be an array of MIME types.");
            return [];
        }

        var types = new List<string>();
        foreach (var item in value.EnumerateArray())
        {
            if (item.ValueKind == JsonValueKind.String && PluginPackageRules.IsMimeType(item.GetString()!))
            {
                types.Add(item.GetString()!);
            }
            else
            {
                errors.Add($"{FileName}: mimeTypes holds {item.GetRawText()}, which is not a MIME type like text/markdown.");
            }
        }

        return types;
    }

    private static string? Homepage(JsonElement root, List<string> errors)
    {
        if (!root.TryGetProperty("homepage", out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind == JsonValueKind.String && PluginPackageRules.IsHomepage(value.GetString()))
        {
            return value.GetString();
        }

        errors.Add($"{FileName}: homepage {value.GetRawText()} is not an http(s) address.");
        return null;
    }

    private static string? SettingsOf(JsonElement root, List<string> errors)
    {
        if (!root.TryGetProperty("settings", out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (SettingsSchema.TryRead(value, out var problems) is null)
        {
            errors.AddRange(problems.Select(p => $"{FileName}: {p}"));
            return null;
        }

        return value.GetRawText();
    }

    private static List<string> CapabilitiesOf(JsonElement root, List<string> errors)
    {
        if (!root.TryGetProperty("capabilities", out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return [];
        }

        if (value.ValueKind != JsonValueKind.Array)
        {
            errors.Add($"{FileName}: 'capabilities' must be an array of capability names ({string.Join(", ", PluginCapabilities.All)}).");
            return [];
        }

        var names = new List<string>();
        foreach (var item in value.EnumerateArray())
        {
            if (item.ValueKind == JsonValueKind.String && PluginCapabilities.All.Contains(item.GetString()!))
            {
                if (!names.Contains(item.GetString()!))
                {
                    names.Add(item.GetString()!);
                }
            }
            else
            {
                errors.Add($"{FileName}: capabilities holds {item.GetRawText()}, which is not one of {string.Join(", ", PluginCapabilities.All)}.");
            }
        }

        return names;
    }
}

/// <summary>The capabilities a manifest may ask for (API.md, "Plugin extension points"). Recorded and shown; grants and enforcement are the trust issue's.</summary>
internal static class PluginCapabilities
{
    public static readonly IReadOnlyList<string> All =
        ["http.routes", "files.events", "files.labels", "files.quarantine", "jobs.schedule", "files.read", "network.outbound", "process.exec"];
}
