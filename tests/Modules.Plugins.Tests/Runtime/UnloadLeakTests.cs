using System.Diagnostics;
using System.Net;
using CloudService.Modules.Plugins.Lifecycle;
using CloudService.Tests.Infrastructure;
using CloudService.Tests.Plugins.Lifecycle;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace CloudService.Tests.Plugins.Runtime;

/// <summary>Measures process-wide managed memory, so it runs alone, after the parallel tests.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MemoryMeasurements
{
    public const string Name = "Memory measurements";
}

/// <summary>Issue 4: deactivation really gives the memory back, every time.</summary>
[Trait("Category", "Integration")]
[Collection(MemoryMeasurements.Name)]
public sealed class UnloadLeakTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int Cycles = 50;
    private const int WarmUpCycles = 3;
    private readonly TestEnvironment environment = new();

    public Task InitializeAsync() => environment.InitializeAsync();

    public Task DisposeAsync() => environment.DisposeAsync();

    [Fact]
    public async Task Fifty_activate_render_deactivate_cycles_of_the_markdown_plugin_leave_no_context_alive_and_under_10_MB_more_memory()
    {
        await using var app = new AppInstance(environment);
        using var admin = await app.AdminClientAsync();
        await PluginApi.UploadReadyAsync(admin, MarkdownPackage.Bytes, MarkdownPackage.Id);
        var document = string.Join("\n\n", Enumerable.Range(1, 40).Select(i => $"## Part {i}\n\n| a | b |\n|---|---|\n| *{i}* | ~~x~~ |\n\n- [x] item https://example.com/{i}[^{i}]\n\n[^{i}]: note"));

        for (var i = 0; i < WarmUpCycles; i++)
        {
            await CycleAsync(app, admin, document);
        }

        var before = GC.GetTotalMemory(forceFullCollection: true);
        var activate = new List<double>();
        var deactivate = new List<double>();
        for (var i = 0; i < Cycles; i++)
        {
            var (a, d) = await CycleAsync(app, admin, document);
            activate.Add(a);
            deactivate.Add(d);
        }

        var after = GC.GetTotalMemory(forceFullCollection: true);
        var growth = after - before;

        await using var session = app.Services.GetRequiredService<IDocumentStore>().QuerySession();
        var events = (await session.Events.FetchStreamAsync(MarkdownPackage.Id)).Select(e => e.Data).ToList();
        var unloads = events.OfType<PluginUnloaded>().ToList();
        var activations = events.OfType<PluginActivated>().ToList();
        output.WriteLine($"Managed memory: {before / 1048576.0:0.0} MB before, {after / 1048576.0:0.0} MB after {Cycles} cycles: {growth / 1048576.0:+0.00;-0.00} MB.");
        output.WriteLine($"HTTP activate   ms: median {Median(activate):0.0}, p90 {Percentile(activate, 0.9):0.0}, max {activate.Max():0.0}");
        output.WriteLine($"HTTP deactivate ms: median {Median(deactivate):0.0}, p90 {Percentile(deactivate, 0.9):0.0}, max {deactivate.Max():0.0}");
        output.WriteLine($"Runtime activation ms (load + Register + swap): median {Median(activations.Skip(WarmUpCycles).Select(e => e.ElapsedMs)):0.0}, max {activations.Skip(WarmUpCycles).Max(e => e.ElapsedMs):0.0}");
        output.WriteLine($"Runtime unload ms (drain + unload + collect): median {Median(unloads.Skip(WarmUpCycles).Select(e => e.ElapsedMs)):0.0}, max {unloads.Skip(WarmUpCycles).Max(e => e.ElapsedMs):0.0}");
        output.WriteLine($"GC rounds to collect: {string.Join(", ", unloads.GroupBy(u => u.GcRounds).OrderBy(g => g.Key).Select(g => $"{g.Key} round(s) × {g.Count()}"))}");

        Assert.Equal(WarmUpCycles + Cycles, unloads.Count);
        Assert.All(unloads, u => Assert.True(u.Collected, $"The context of {u.Version} was still alive after {u.GcRounds} GC rounds."));
        Assert.Empty(app.LiveContexts(MarkdownPackage.Id));
        Assert.True(growth < 10 * 1024 * 1024, $"Managed memory grew by {growth / 1048576.0:0.0} MB over {Cycles} cycles.");
    }

    private static async Task<(double ActivateMs, double DeactivateMs)> CycleAsync(AppInstance app, HttpClient admin, string document)
    {
        var started = Stopwatch.GetTimestamp();
        var activated = await PluginApi.ActivateAsync(admin, MarkdownPackage.Id);
        var activateMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        Assert.True(activated.StatusCode == HttpStatusCode.OK, await activated.Content.ReadAsStringAsync());

        var preview = await app.RenderAsync(Previews.Readme, document);
        Assert.Contains("<h2>Part 40</h2>", preview!.Html, StringComparison.Ordinal);

        started = Stopwatch.GetTimestamp();
        var deactivated = await PluginApi.DeactivateAsync(admin, MarkdownPackage.Id);
        var deactivateMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        Assert.Equal(HttpStatusCode.OK, deactivated.StatusCode);
        return (activateMs, deactivateMs);
    }

    private static double Median(IEnumerable<double> values) => Percentile(values, 0.5);

    private static double Percentile(IEnumerable<double> values, double p)
    {
        var sorted = values.Order().ToList();
        return sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];
    }
}
