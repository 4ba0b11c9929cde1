using CloudService.Modules.Plugins.Packages;
using Semver;

namespace CloudService.Modules.Plugins.Lifecycle;

internal sealed class PluginVersionState
{
    public string Version { get; set; } = "";
    public PluginStatus Status { get; set; } = PluginStatus.Uploaded;
    public string Sha256 { get; set; } = "";
    public long Size { get; set; }
    public string FileName { get; set; } = "";
    public PluginManifest? Manifest { get; set; }
    public List<string> Errors { get; set; } = [];
    public DateTimeOffset UploadedAt { get; set; }
    public string UploadedBy { get; set; } = "";
}

/// <summary>
/// The plugin aggregate's state: evolved from its stream by the <c>Apply</c> methods and stored
/// inline as a snapshot, which is also the read model of the list and the detail. Decisions on it
/// are <see cref="PluginDecider"/>'s. Uninstalled plugins keep their stream (the audit log) but are
/// hidden from the list.
/// </summary>
internal sealed class PluginDetails
{
    public string Id { get; set; } = "";
    /// <summary>The stream's version this state was built from (Marten sets it; not a plugin version).</summary>
    [Marten.Schema.Version]
    public long StreamVersion { get; set; }

    public string Name { get; set; } = "";
    public string Author { get; set; } = "";
    public string Description { get; set; } = "";
    public Dictionary<string, PluginVersionState> Versions { get; set; } = [];
    public string? ActiveVersion { get; set; }
    public bool EverActivated { get; set; }
    public string? LastError { get; set; }
    public bool Uninstalled { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }

    public PluginVersionState? Latest =>
        Versions.Values.OrderByDescending(v => v.Version, VersionOrder.Instance).FirstOrDefault();

    public PluginVersionState? LatestReady =>
        Versions.Values.Where(v => v.Status == PluginStatus.Ready)
            .OrderByDescending(v => v.Version, VersionOrder.Instance).FirstOrDefault();

    /// <summary>The plugin's status as API.md names it.</summary>
    public PluginStatus Status =>
        ActiveVersion is not null ? PluginStatus.Active
        : LastError is not null && Latest?.Status == PluginStatus.Ready ? PluginStatus.Failed
        : EverActivated && Latest?.Status == PluginStatus.Ready ? PluginStatus.Inactive
        : Latest?.Status ?? PluginStatus.Uploaded;

    /// <summary>The version the list shows: the running one, else the newest uploaded.</summary>
    public string DisplayVersion => ActiveVersion ?? Latest?.Version ?? "";

    public void Apply(PackageUploaded e)
    {
        if (Uninstalled)
        {
            // Re-installed after an uninstall: the audit log goes on, the state starts over.
            Versions.Clear();
            ActiveVersion = null;
            EverActivated = false;
            Uninstalled = false;
        }

        if (string.IsNullOrEmpty(Name))
        {
            Name = e.Name;
        }

        Versions[e.Version] = new PluginVersionState
        {
            Version = e.Version,
            Sha256 = e.Sha256,
            Size = e.Size,
            FileName = e.FileName,
            UploadedAt = e.At,
            UploadedBy = e.By,
            Status = PluginStatus.Uploaded,
        };
        LastError = null;
        UpdatedAt = e.At;
    }

    public void Apply(ValidationStarted e) => WithVersion(e, v => v.Status = PluginStatus.Validating);

    public void Apply(PackageValidated e) => WithVersion(e, v =>
    {
        v.Status = PluginStatus.Ready;
        v.Manifest = e.Manifest;
        v.Errors = [];
        if (ReferenceEquals(v, Latest))
        {
            Name = e.Manifest.Name;
            Author = e.Manifest.Author;
            Description = e.Manifest.Description;
        }
    });

    public void Apply(PackageValidationFailed e) => WithVersion(e, v =>
    {
        v.Status = PluginStatus.Failed;
        v.Errors = [.. e.Errors];
        v.Manifest = e.Manifest;
        if (string.IsNullOrEmpty(Author) && e.Manifest is { Author.Length: > 0 })
        {
            Author = e.Manifest.Author;
        }
    });

    public void Apply(ActivationRecorded e)
    {
        ActiveVersion = e.Version;
        EverActivated = true;
        LastError = null;
        UpdatedAt = e.At;
    }

    public void Apply(PluginActivationFailed e)
    {
        LastError = $"Activating {e.Version} failed: {e.Reason}";
        UpdatedAt = e.At;
    }

    public void Apply(DeactivationRecorded e)
    {
        ActiveVersion = null;
        UpdatedAt = e.At;
    }

    public void Apply(UninstallRecorded e)
    {
        Uninstalled = true;
        ActiveVersion = null;
        Versions.Clear();
        UpdatedAt = e.At;
    }

    // Informational events: they change nothing but must be known to the projection.
    public void Apply(PluginUnloaded e) => UpdatedAt = e.At;

    public void Apply(InstanceSyncFailed e) => UpdatedAt = e.At;

    public void Apply(RenderFailed e) => UpdatedAt = e.At;

    public void Apply(SettingsChanged e) => UpdatedAt = e.At;

    private void WithVersion(IPluginStreamEvent e, Action<PluginVersionState> change)
    {
        if (Versions.TryGetValue(e.Version, out var state))
        {
            change(state);
        }

        UpdatedAt = e.At;
    }
}

/// <summary>Orders version strings by SemVer precedence; unparsable ones sort first.</summary>
internal sealed class VersionOrder : IComparer<string>
{
    public static readonly VersionOrder Instance = new();

    public int Compare(string? x, string? y) =>
        SemVersion.ComparePrecedence(
            SemVersion.TryParse(x, SemVersionStyles.Strict, out var a) ? a : null,
            SemVersion.TryParse(y, SemVersionStyles.Strict, out var b) ? b : null);
}
