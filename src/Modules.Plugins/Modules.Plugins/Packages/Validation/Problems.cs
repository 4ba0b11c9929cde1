namespace CloudService.Modules.Plugins.Packages;

/// <summary>
/// The problems found in a package, one sentence each. A hostile archive can have thousands of
/// bad entries; the report keeps the first hundred and counts the rest.
/// </summary>
internal sealed class Problems
{
    public const int MaxReported = 100;

    private readonly List<string> reported = [];
    private int dropped;

    public int Count => reported.Count + dropped;

    public void Add(string sentence)
    {
        if (reported.Count < MaxReported)
        {
            reported.Add(sentence);
        }
        else
        {
            dropped++;
        }
    }

    public void AddRange(IEnumerable<string> sentences)
    {
        foreach (var sentence in sentences)
        {
            Add(sentence);
        }
    }

    public IReadOnlyList<string> ToList() =>
        dropped == 0 ? [.. reported] : [.. reported, $"… and {dropped:N0} more problems like these."];
}
