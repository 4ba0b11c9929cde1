using System.IO.Compression;
using Microsoft.Build.Framework;

namespace CloudService.Plugins.Sdk.Build;

/// <summary>
/// Writes the plugin package of API.md from a project's publish output: <c>&lt;id&gt;-&lt;version&gt;.zip</c>
/// holding one folder <c>&lt;id&gt;/</c> with plugin.json, the entry assembly, its private
/// dependencies and its .deps.json. Refuses (and writes nothing) when the package would fail the
/// server's validation: no entry assembly, no plugin type in it, a copy of the SDK, over the limits.
/// Entries are sorted and time-stamped alike, so the same build gives the same bytes (the server
/// accepts a re-upload of identical content and refuses different content under the same version).
/// </summary>
public sealed class CreatePluginPackage : Microsoft.Build.Utilities.Task
{
    private static readonly DateTimeOffset EntryTime = new(2000, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>The files to ship (the project's <c>ResolvedFileToPublish</c>), each with its <c>RelativePath</c>.</summary>
    [Required]
    public ITaskItem[] Files { get; set; } = [];

    [Required]
    public string ManifestPath { get; set; } = "";

    [Required]
    public string PluginId { get; set; } = "";

    [Required]
    public string PluginVersion { get; set; } = "";

    [Required]
    public string EntryAssembly { get; set; } = "";

    /// <summary>The folder the ZIP is written to.</summary>
    [Required]
    public string OutputDirectory { get; set; } = "";

    /// <summary>The file name of the assembly the project builds, named in the error when the manifest names another.</summary>
    public string ProjectAssemblyFileName { get; set; } = "";

    /// <summary>The SDK's assembly name: a package must never ship it.</summary>
    public string SdkAssemblyName { get; set; } = "CloudService.Plugins.Sdk";

    /// <summary>Ship .pdb files too (for line numbers in the plugin's stack traces).</summary>
    public bool IncludeSymbols { get; set; }

    /// <summary>The server's default package size limit (50 MB).</summary>
    public long MaxPackageBytes { get; set; } = 50L * 1024 * 1024;

    /// <summary>The server's default entry limit.</summary>
    public int MaxEntries { get; set; } = 2000;

    [Output]
    public string PackagePath { get; private set; } = "";

    public override bool Execute()
    {
        var files = Select();
        var ok = true;

        foreach (var sdk in files.Keys.Where(p => Path.GetFileName(p).Equals(SdkAssemblyName + ".dll", StringComparison.OrdinalIgnoreCase)))
        {
            Error("CSP013", $"The output holds {sdk}, a copy of the SDK. The host provides {SdkAssemblyName}; a plugin that ships its own copy cannot be cast to the host's interfaces and is refused. Reference the SDK with ExcludeAssets=\"runtime\" (PackageReference) or Private=\"false\" ExcludeAssets=\"runtime\" (ProjectReference), and do not copy it yourself.");
            ok = false;
        }

        if (!files.TryGetValue(EntryAssembly, out var entryPath))
        {
            var hint = ProjectAssemblyFileName.Length > 0 && !ProjectAssemblyFileName.Equals(EntryAssembly, StringComparison.OrdinalIgnoreCase)
                ? $" This project builds {ProjectAssemblyFileName}: set \"entryAssembly\": \"{ProjectAssemblyFileName}\"."
                : "";
            Error("CSP011", $"plugin.json names entryAssembly '{EntryAssembly}', but the build does not produce it beside plugin.json.{hint}", ManifestPath);
            ok = false;
        }
        else if (EntryAssemblyInspector.Problem(entryPath) is { } problem)
        {
            Error("CSP012", $"The entry assembly {EntryAssembly} {problem}. The host creates the plugin from a public class with a public parameterless constructor that implements CloudService.Plugins.Sdk.IPlugin.");
            ok = false;
        }

        if (files.Count + 1 > MaxEntries)
        {
            Error("CSP014", $"The package would hold {files.Count + 1} files; the server accepts at most {MaxEntries} (CloudService__Plugins__Limits__MaxEntries).");
            ok = false;
        }

        if (!ok)
        {
            return false;
        }

        Directory.CreateDirectory(OutputDirectory);
        var package = Path.GetFullPath(Path.Combine(OutputDirectory, $"{PluginId}-{PluginVersion}.zip"));
        var temp = package + ".tmp";
        try
        {
            Write(temp, files);
            var size = new FileInfo(temp).Length;
            if (size > MaxPackageBytes)
            {
                Error("CSP014", $"The package would be {size / 1024.0 / 1024:0.0} MB; the server accepts at most {MaxPackageBytes / 1024.0 / 1024:0.0} MB (CloudService__Plugins__Limits__MaxPackageBytes).");
                return false;
            }

            File.Move(temp, package, overwrite: true);
        }
        finally
        {
            File.Delete(temp);
        }

        PackagePath = package;
        Log.LogMessage(MessageImportance.High, "  {0} -> {1}", PluginId, package);
        return true;
    }

    /// <summary>Relative path (with '/') → source file, without the manifest (added from the project), runtimeconfig and, unless asked for, symbols.</summary>
    private SortedDictionary<string, string> Select()
    {
        var selected = new SortedDictionary<string, string>(StringComparer.Ordinal);
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var item in Files)
        {
            var relative = (item.GetMetadata("RelativePath") is { Length: > 0 } r ? r : Path.GetFileName(item.ItemSpec)).Replace('\\', '/');
            var name = Path.GetFileName(relative);
            if (relative.Equals(PluginManifestRules.FileName, StringComparison.OrdinalIgnoreCase)
                || name.EndsWith(".runtimeconfig.json", StringComparison.OrdinalIgnoreCase)
                || name.EndsWith(".runtimeconfig.dev.json", StringComparison.OrdinalIgnoreCase)
                || (!IncludeSymbols && name.EndsWith(".pdb", StringComparison.OrdinalIgnoreCase))
                || !seen.Add(relative))
            {
                continue;
            }

            selected[relative] = item.GetMetadata("FullPath");
        }

        return selected;
    }

    private void Write(string path, SortedDictionary<string, string> files)
    {
        using var zip = ZipFile.Open(path, ZipArchiveMode.Create);
        Add(zip, PluginManifestRules.FileName, ManifestPath);
        foreach (var (relative, source) in files)
        {
            Add(zip, relative, source);
        }
    }

    private void Add(ZipArchive zip, string relative, string source)
    {
        var entry = zip.CreateEntry($"{PluginId}/{relative}", CompressionLevel.Optimal);
        entry.LastWriteTime = EntryTime;
        using var target = entry.Open();
        using var input = File.OpenRead(source);
        input.CopyTo(target);
    }

    private void Error(string code, string message, string? file = null) =>
        Log.LogError(null, code, null, file, 0, 0, 0, 0, "{0}", message);
}
