using System.Diagnostics;
using System.Text.Json;
using CloudService.Benchmarks.Corpus;
using CloudService.Benchmarks.Micro;
using Markdig;
using Npgsql;

namespace CloudService.Benchmarks.Live;

/// <summary>
/// The figures measured against the running app (a Release build in its own process, with its own
/// database, virtual host and data folder): preview misses, one generation for 100 concurrent
/// requests, plugin activation and deactivation, memory over 100 cycles, lifecycle event latency.
/// It also prepares the cache-hit figure, which ./bench.sh measures with wrk.
/// </summary>
internal static class LiveRunner
{
    private const string PluginId = "markdown-preview";
    /// <summary>The JIT optimises a method after about 30 calls: the first misses of a fresh process run slower code than a server that has been up a while.</summary>
    private const int MissWarmUp = 30;
    private static readonly int Misses = int.TryParse(Environment.GetEnvironmentVariable("BENCH_MISSES"), out var misses) ? misses : 20;
    private const int ConcurrentRequests = 100;
    private const int CycleWarmUp = 10;
    private const int MemoryCycles = 100;
    private const int Events = 1000;

    /// <summary>Every run uploads documents of its own: the cache is keyed by content, and a document of an earlier run would be a hit.</summary>
    private static readonly int Run = Random.Shared.Next(1, 100_000) * 100_000;

    /// <summary>Runs every part, or only the named ones (misses, single, flood, cycles, hit) for a closer look.</summary>
    public static async Task RunAsync(IReadOnlyCollection<string> parts)
    {
        bool Wants(string part) => parts.Count == 0 || parts.Contains(part);
        var baseAddress = new Uri(BenchPaths.Required("BENCH_BASE_URL"));
        using var admin = await AppClient.SignInAsync(baseAddress, "admin", BenchPaths.Required("BENCH_ADMIN_PASSWORD"));
        var userName = $"bench-{Guid.NewGuid():N}"[..14];
        await admin.CreateUserAsync(userName, "bench-password-1");
        using var user = await AppClient.SignInAsync(baseAddress, userName, "bench-password-1");

        Console.WriteLine("Uploading and activating the Markdown plugin");
        await admin.UploadPluginAsync(BenchPaths.PluginPackage);
        await admin.WaitForPluginValidatedAsync(PluginId, TimeSpan.FromMinutes(2));
        await admin.PluginCommandAsync(PluginId, "activate");

        if (Wants("misses"))
        {
            await PreviewMissesAsync(user);
        }

        if (Wants("single"))
        {
            await OneGenerationAsync(user);
        }

        if (Wants("flood"))
        {
            await FloodAsync(admin, user);
        }

        if (Wants("cycles"))
        {
            await PluginCyclesAsync(admin, user);
            await admin.PluginCommandAsync(PluginId, "activate");
        }

        if (Wants("hit"))
        {
            await PrepareCacheHitAsync(user);
        }
    }

    /// <summary>
    /// Each miss is a new 100 KB document (new content, so nothing is cached), timed from request to last
    /// byte. Right before each request this process renders the same text with Markdig (the reference,
    /// best of three), so both sides of the comparison see the same moment of a shared machine.
    /// </summary>
    private static async Task PreviewMissesAsync(AppClient user)
    {
        Console.WriteLine($"Preview misses: {MissWarmUp} to warm up, {Misses} measured");
        var latencies = new List<double>();
        var references = new List<double>();
        for (var i = 0; i < MissWarmUp + Misses; i++)
        {
            var markdown = MarkdownCorpus.Document(PreviewBenchmarks.MarkdownBytes, Run + 1000 + i);
            var (id, _) = await user.UploadMarkdownAsync($"handbook-{i}.md", markdown);
            var reference = Enumerable.Range(0, 3).Min(_ =>
            {
                var started = Stopwatch.GetTimestamp();
                Markdown.ToHtml(markdown, PreviewBenchmarks.Raw);
                return Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            });

            // A reader opens a file a moment after it arrived: the upload's aftermath (its event and its
            // consumers) and this process's own garbage are not part of the preview's cost.
            GC.Collect();
            await Task.Delay(250);
            var (ms, cache, _) = await user.PreviewAsync(id);
            if (cache != "miss")
            {
                throw new InvalidOperationException($"A new document's preview was a cache {cache}: the figure would not measure a miss.");
            }

            if (i >= MissWarmUp)
            {
                latencies.Add(ms);
                references.Add(reference);
            }
        }

        Samples("miss", latencies.Zip(references, (ours, markdig) => $"{ours:0.000}\t{markdig:0.000}"));
        Results.Add("miss.ref_ms", Stats.Median(references));
        Results.Add("miss.median_ms", Stats.Median(latencies));
        Results.Add("miss.p95_ms", Stats.Percentile(latencies, 95));
    }

    /// <summary>100 requests at once for one preview nobody has asked for yet; the cache's own counter says how often it was generated.</summary>
    private static async Task OneGenerationAsync(AppClient user)
    {
        Console.WriteLine($"{ConcurrentRequests} concurrent requests for one missing preview");
        var (id, sha256) = await user.UploadMarkdownAsync("stampede.md", MarkdownCorpus.Document(PreviewBenchmarks.MarkdownBytes, Run + 5000));
        using var start = new ManualResetEventSlim();
        var requests = Enumerable.Range(0, ConcurrentRequests).Select(_ => Task.Run(async () =>
        {
            start.Wait();
            return await user.PreviewAsync(id);
        })).ToList();
        start.Set();
        var answers = await Task.WhenAll(requests);

        await using var connection = new NpgsqlConnection(BenchPaths.Required("BENCH_POSTGRES"));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT coalesce(sum(generations), 0) FROM preview.entries WHERE sha256 = $1", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = sha256 });
        var generations = Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
        var distinct = answers.Select(a => Convert.ToBase64String(a.Html)).Distinct().Count();

        Results.Add("single.requests_ok", answers.Length);
        Results.Add("single.distinct_bodies", distinct);
        Results.Add("single.generations", generations);
        Results.Add("single.slowest_ms", answers.Max(a => a.Ms));
    }

    /// <summary>
    /// A small user's preview latency (a new 2 KB document each time, a miss) on an idle server, then
    /// while another user floods it with the pathological Markdown files (a 300,000-reference-link
    /// flood of 983 KB, 40,000 unclosed link openers, 1,000 nested quotes, a 20,000-row table), each new
    /// content, requested without waiting, as fast as the server answers. Issue 23's goal: ≤ 2× idle.
    /// </summary>
    private static async Task FloodAsync(AppClient admin, AppClient user)
    {
        const int samples = 30;
        Console.WriteLine($"A small user's preview latency, idle and while another user floods pathological files ({samples} each)");
        var flooderName = $"flood-{Guid.NewGuid():N}"[..14];
        await admin.CreateUserAsync(flooderName, "bench-password-1");
        using var flooder = await AppClient.SignInAsync(admin.BaseAddress, flooderName, "bench-password-1");

        async Task<List<double>> SmallPreviewsAsync(int offset)
        {
            var latencies = new List<double>();
            for (var i = 0; i < samples + 3; i++)
            {
                var (id, _) = await user.UploadMarkdownAsync($"small-{offset + i}.md", MarkdownCorpus.Document(2048, Run + offset + i));
                var (ms, _, _) = await user.PreviewAsync(id);
                if (i >= 3)
                {
                    latencies.Add(ms);
                }
            }

            return latencies;
        }

        var idle = await SmallPreviewsAsync(20_000);
        using var stop = new CancellationTokenSource();
        var floods = 0;
        var flood = Task.Run(async () =>
        {
            for (var n = 0; !stop.IsCancellationRequested; n++)
            {
                foreach (var (name, markdown) in Pathological(n))
                {
                    var (id, _) = await flooder.UploadMarkdownAsync(name, markdown);
                    await flooder.RequestPreviewAsync(id);
                    Interlocked.Increment(ref floods);
                }
            }
        });
        while (Volatile.Read(ref floods) < 8)
        {
            await Task.Delay(50);
        }

        var busy = await SmallPreviewsAsync(30_000);
        await stop.CancelAsync();
        await flood;
        Samples("flood", idle.Zip(busy, (a, b) => $"{a:0.000}\t{b:0.000}"));
        Results.Add("flood.idle_ms", Stats.Median(idle));
        Results.Add("flood.busy_ms", Stats.Median(busy));
        Results.Add("flood.busy_p95_ms", Stats.Percentile(busy, 95));
        Results.Add("flood.files", floods);
    }

    private static IEnumerable<(string Name, string Markdown)> Pathological(int n)
    {
        var tag = $"<!-- {Run} {n} -->\n";
        yield return ("references.md", tag + "[a]: https://example.com\n\n" + string.Concat(Enumerable.Repeat("[a] ", 240_000)));
        yield return ("openers.md", tag + string.Concat(Enumerable.Repeat("[a](", 40_000)));
        yield return ("quotes.md", tag + new string('>', 1000) + " deep");
        yield return ("table.md", tag + "| a | b |\n|---|---|\n" + string.Concat(Enumerable.Repeat("| 1 | 2 |\n", 20_000)));
    }

    /// <summary>A typical document's preview, cached; its bytes go to the static-file reference, its URL and a token to wrk.</summary>
    private static async Task PrepareCacheHitAsync(AppClient user)
    {
        var (id, _) = await user.UploadMarkdownAsync("readme.md", MarkdownCorpus.Document(8 * 1024, Run + 7000));
        await user.PreviewAsync(id);
        var (_, cache, html) = await user.PreviewAsync(id);
        if (cache != "hit")
        {
            throw new InvalidOperationException($"The second request for a preview was a cache {cache}.");
        }

        var work = BenchPaths.Work;
        Directory.CreateDirectory(Path.Combine(work, "static"));
        await File.WriteAllBytesAsync(Path.Combine(work, "static", "preview.html"), html);
        await File.WriteAllTextAsync(Path.Combine(work, "hit-path"), $"/api/files/{id}/preview");
        await File.WriteAllTextAsync(Path.Combine(work, "hit-token"), user.Token);
        Results.Add("hit.bytes", html.Length);
    }

    /// <summary>
    /// Warm-up cycles, then 100 measured cycles (activate, render a new document, deactivate) between two
    /// readings of the app's memory, then plain cycles until 1,000 lifecycle events were committed after
    /// the warm-up; the external subscriber's arrival times give the event latency.
    /// </summary>
    private static async Task PluginCyclesAsync(AppClient admin, AppClient user)
    {
        await using var listener = await LifecycleListener.StartAsync(new Uri(BenchPaths.Required("BENCH_AMQP")));
        await admin.PluginCommandAsync(PluginId, "deactivate");
        Console.WriteLine($"Plugin cycles: {CycleWarmUp} to warm up, {MemoryCycles} with a render between memory readings, then until {Events} events");
        for (var i = 0; i < CycleWarmUp; i++)
        {
            await CycleAsync(admin, user, i);
        }

        var since = DateTimeOffset.UtcNow;
        var before = await MemoryAsync(admin);
        var activations = new List<double>();
        var deactivations = new List<double>();
        for (var i = 0; i < MemoryCycles; i++)
        {
            var (activate, deactivate) = await CycleAsync(admin, user, CycleWarmUp + i);
            activations.Add(activate);
            deactivations.Add(deactivate);
        }

        var after = await MemoryAsync(admin);
        var runtime = await admin.GetJsonAsync("/api/admin/diagnostics/plugins");
        Results.Add("cycles.managed_before_mb", before / 1048576.0);
        Results.Add("cycles.managed_after_mb", after / 1048576.0);
        Results.Add("cycles.contexts_alive", runtime.GetProperty("loadContextsAlive").GetInt32());

        for (var cycles = MemoryCycles; cycles * 2 < Events; cycles++)
        {
            activations.Add(await admin.PluginCommandAsync(PluginId, "activate"));
            deactivations.Add(await admin.PluginCommandAsync(PluginId, "deactivate"));
        }

        Results.Add("plugin.cycles", activations.Count);
        Results.Add("plugin.activate_median_ms", Stats.Median(activations));
        Results.Add("plugin.activate_p95_ms", Stats.Percentile(activations, 95));
        Results.Add("plugin.deactivate_median_ms", Stats.Median(deactivations));
        Results.Add("plugin.deactivate_p95_ms", Stats.Percentile(deactivations, 95));

        var events = await listener.WaitForAsync(since, Events, TimeSpan.FromMinutes(1));
        var latencies = events.Select(e => (e.ReceivedAt - e.OccurredAt).TotalMilliseconds).ToList();
        Samples("events", events.OrderBy(e => e.OccurredAt).Select(e => $"{e.OccurredAt:HH:mm:ss.ffffff}\t{(e.ReceivedAt - e.OccurredAt).TotalMilliseconds:0.000}\t{e.Exchange}"));
        Samples("activate", activations);
        Samples("deactivate", deactivations);
        Results.Add("events.count", events.Count);
        Results.Add("events.median_ms", Stats.Median(latencies));
        Results.Add("events.p99_ms", Stats.Percentile(latencies, 99));
        Results.Add("events.max_ms", latencies.Max());
    }

    private static async Task<(double Activate, double Deactivate)> CycleAsync(AppClient admin, AppClient user, int i)
    {
        var activate = await admin.PluginCommandAsync(PluginId, "activate");
        var (id, _) = await user.UploadMarkdownAsync($"cycle-{i}.md", MarkdownCorpus.Document(2048, Run + 10_000 + i));
        await user.PreviewAsync(id);
        var deactivate = await admin.PluginCommandAsync(PluginId, "deactivate");
        return (activate, deactivate);
    }

    /// <summary>The raw samples of a figure, one a line, in the work folder (kept with BENCH_KEEP=1).</summary>
    private static void Samples<T>(string name, IEnumerable<T> values) =>
        File.WriteAllLines(Path.Combine(BenchPaths.Work, $"samples-{name}.txt"), values.Select(v => string.Format(System.Globalization.CultureInfo.InvariantCulture, "{0}", v)));

    private static async Task<long> MemoryAsync(AppClient admin) =>
        (await admin.GetJsonAsync("/api/admin/diagnostics/memory")).GetProperty("managedBytes").GetInt64();
}
