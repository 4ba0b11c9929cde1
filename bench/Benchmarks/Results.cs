using System.Globalization;

namespace CloudService.Benchmarks;

/// <summary>
/// The figures of one run: <c>key&lt;TAB&gt;value</c> lines appended by every step (this program and
/// ./bench.sh alike) to one file, from which <see cref="Report"/> writes docs/benchmarks.md.
/// </summary>
internal static class Results
{
    public static void Add(string key, double value) => Add(key, value.ToString("0.###", CultureInfo.InvariantCulture));

    public static void Add(string key, string value)
    {
        File.AppendAllText(BenchPaths.Results, $"{key}\t{value}\n");
        Console.WriteLine($"  {key} = {value}");
    }

    public static Dictionary<string, string> Read(string path) =>
        File.ReadAllLines(path)
            .Select(l => l.Split('\t', 2))
            .Where(p => p.Length == 2)
            .GroupBy(p => p[0], StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Last()[1], StringComparer.Ordinal);
}
