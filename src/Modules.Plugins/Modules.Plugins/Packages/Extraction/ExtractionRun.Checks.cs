using System.Buffers;
using System.IO.Compression;
using System.IO.Hashing;
using CloudService.Plugins.Sdk;

namespace CloudService.Modules.Plugins.Packages;

// plugin.json and the assemblies, inflated first so they can be inspected.
internal sealed partial class ExtractionRun
{
    private PluginManifest? CheckManifest(List<Planned> plan)
    {
        stage = ValidationStage.CheckingManifest;
        progress.Report(stage, CurrentPercent());
        var entry = plan.FirstOrDefault(p => !p.IsDirectory && p.RelativePath == ManifestReader.FileName);
        if (entry is null)
        {
            problems.Add(PackageValidator.NoManifest(EntryNames.FindRoot(plan.Select(p => p.Entry.FullName))));
            return null;
        }

        if (!Extract(entry, limits.MaxManifestBytes) || entry.WrittenTo is null)
        {
            return null;
        }

        var reading = ManifestReader.Read(File.ReadAllBytes(entry.WrittenTo));
        problems.AddRange(reading.Errors);
        return reading.Manifest;
    }

    private void CheckAssemblies(List<Planned> plan, PluginManifest? manifest)
    {
        stage = ValidationStage.CheckingAssemblies;
        progress.Report(stage, CurrentPercent());
        var assemblies = plan.Where(p => !p.IsDirectory && p.RelativePath.EndsWith(".dll", StringComparison.OrdinalIgnoreCase)).ToList();
        foreach (var assembly in assemblies)
        {
            Extract(assembly);
        }

        foreach (var assembly in assemblies.Where(a => a.WrittenTo is not null))
        {
            ct.ThrowIfCancellationRequested();
            if (!Path.GetFileName(assembly.RelativePath).Equals(PackageValidator.SdkFileName, StringComparison.OrdinalIgnoreCase)
                && AssemblyInspector.AssemblyNameOf(assembly.WrittenTo!) == SdkInfo.AssemblyName)
            {
                problems.Add($"Entry {EntryNames.Show(assembly.Entry.FullName)} is a renamed copy of the SDK assembly {SdkInfo.AssemblyName}; plugins must use the server's.");
            }
        }

        if (manifest is not { EntryAssembly: { Length: > 0 } entryAssembly } || !EntryNames.IsSafe(entryAssembly)
            || !entryAssembly.EndsWith(".dll", StringComparison.OrdinalIgnoreCase))
        {
            return; // the manifest's problems are reported already
        }

        var entry = assemblies.FirstOrDefault(a => a.RelativePath == entryAssembly);
        if (entry is null)
        {
            var differentCase = plan.FirstOrDefault(p => p.RelativePath.Equals(entryAssembly, StringComparison.OrdinalIgnoreCase));
            problems.Add(differentCase is null
                ? $"entryAssembly '{entryAssembly}' is not in the package."
                : $"entryAssembly '{entryAssembly}' is not in the package; it has {EntryNames.Show(differentCase.Entry.FullName)} (names are case-sensitive).");
            return;
        }

        if (entry.WrittenTo is not null)
        {
            problems.AddRange(AssemblyInspector.CheckEntryAssembly(entry.WrittenTo, EntryNames.Show(entry.Entry.FullName)));
        }
    }
}
