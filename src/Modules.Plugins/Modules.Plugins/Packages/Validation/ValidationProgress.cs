namespace CloudService.Modules.Plugins.Packages;

/// <summary>The stages a package goes through, in this order; the admin UI shows them live.</summary>
internal enum ValidationStage { Received, InspectingArchive, CheckingManifest, CheckingAssemblies, Extracting, Ready, Failed }

/// <summary>A stage and the overall percentage (0–100, never going back within one run).</summary>
internal readonly record struct ValidationProgress(ValidationStage Stage, int Percent);

/// <summary>
/// What the upload can tell without unpacking: the manifest's identity, or why the file is plainly
/// not a plugin package. <see cref="Errors"/> holds only such plain refusals; everything else is the
/// validation job's business.
/// </summary>
internal sealed record ManifestPeek(PluginManifest? Manifest, IReadOnlyList<string> Errors);

/// <summary>The outcome of a full validation: the manifest when it could be read, and every problem found.</summary>
internal sealed record PackageValidationResult(PluginManifest? Manifest, IReadOnlyList<string> Errors)
{
    public bool Succeeded => Errors.Count == 0 && Manifest is not null;
}

/// <summary>Reports each stage and percentage once, never going back.</summary>
internal sealed class MonotonicProgress(IProgress<ValidationProgress>? inner)
{
    private ValidationProgress last = new(ValidationStage.Received, 0);

    public void Report(ValidationStage stage, int percent)
    {
        if (stage < last.Stage || (stage == last.Stage && percent <= last.Percent))
        {
            return;
        }

        last = new ValidationProgress(stage, Math.Clamp(Math.Max(percent, last.Percent), 0, 100));
        inner?.Report(last);
    }
}
