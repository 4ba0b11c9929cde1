namespace CloudService.Benchmarks;

/// <summary>Where ./bench.sh put things: its work folder (on the app's data disk), the results file, the plugin package.</summary>
internal static class BenchPaths
{
    public static string Work => Required("BENCH_WORK");

    public static string PluginPackage => Required("BENCH_PLUGIN_PACKAGE");

    public static string Results => Required("BENCH_RESULTS");

    public static string Required(string name) =>
        Environment.GetEnvironmentVariable(name) is { Length: > 0 } value ? value : throw new InvalidOperationException($"{name} is not set (./bench.sh sets it).");
}
