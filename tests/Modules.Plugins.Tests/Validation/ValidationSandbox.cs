using CloudService.Modules.Plugins.Packages;

namespace CloudService.Tests.Plugins.Validation;

/// <summary>
/// A temporary world for one validation: the package file, a plugins root beside it, and a record of
/// the progress reported. After a run it can tell whether anything was written where it must not be.
/// </summary>
internal sealed class ValidationSandbox : IDisposable
{
    public string Root { get; } = Path.Combine(Path.GetTempPath(), "cloudservice-validation", Guid.NewGuid().ToString("N"));

    public string PluginsRoot => Path.Combine(Root, "plugins");

    public string PackagePath => Path.Combine(Root, "package.zip");

    public PackageLimits Limits { get; } = new();

    public List<ValidationProgress> Progress { get; } = [];

    public ValidationSandbox()
    {
        Directory.CreateDirectory(PluginsRoot);
    }

    public string Target(string id = "test-plugin", string version = "1.0.0") => Path.Combine(PluginsRoot, id, version);

    public async Task<PackageValidationResult> ValidateAsync(byte[] package, string id = "test-plugin", string version = "1.0.0", CancellationToken ct = default)
    {
        await File.WriteAllBytesAsync(PackagePath, package, ct);
        return await new PackageValidator(Limits).ValidateAndExtractAsync(PackagePath, Target(id, version), new Recorder(Progress), ct);
    }

    /// <summary>Every file and folder in the sandbox except the package itself, relative to the sandbox.</summary>
    public List<string> Written() =>
        [.. Directory.EnumerateFileSystemEntries(Root, "*", SearchOption.AllDirectories)
            .Where(p => p != PackagePath && p != PluginsRoot)
            .Select(p => Path.GetRelativePath(Root, p))
            .Order(StringComparer.Ordinal)];

    /// <summary>A failed validation leaves nothing: no target, no staging folder, no stray file anywhere.</summary>
    public void AssertNothingWritten() => Assert.Empty(Written());

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>Records synchronously, in order (Progress&lt;T&gt; would post to the thread pool).</summary>
    private sealed class Recorder(List<ValidationProgress> into) : IProgress<ValidationProgress>
    {
        public void Report(ValidationProgress value)
        {
            lock (into)
            {
                into.Add(value);
            }
        }
    }
}
