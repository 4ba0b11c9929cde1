namespace CloudService.Modules.Plugins.Lifecycle;

/// <summary>
/// Live validation progress of one plugin version. Kept beside the stream, not in it: a dozen
/// percentage updates are not audit history. Id = "<pluginId>@<version>".
/// </summary>
internal sealed class PluginProgress
{
    public string Id { get; set; } = "";
    public string Stage { get; set; } = "received";
    public int Percent { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }

    public static string IdFor(string pluginId, string version) => $"{pluginId}@{version}";
}

/// <summary>A package refused at upload (not a ZIP, no readable manifest): nothing was installed, but the refusal is on record.</summary>
internal sealed class RejectedUpload
{
    public Guid Id { get; set; }
    public string FileName { get; set; } = "";
    public List<string> Errors { get; set; } = [];
    public string By { get; set; } = "";
    public DateTimeOffset At { get; set; }
}
