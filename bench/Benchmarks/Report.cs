using System.Globalization;
using System.Text;

namespace CloudService.Benchmarks;

/// <summary>Writes docs/benchmarks.md from the figures of one run: our number, the reference measured beside it, the ratio, the target, met or missed.</summary>
internal static class Report
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    public static int Write(string resultsPath, string outputPath)
    {
        var r = new Figures(Results.Read(resultsPath));
        var rows = new List<string[]>
        {
            HitRow(r),
            MissRow(r),
            SingleFlightRow(r),
            FloodRow(r),
            LatencyRow(r, "Plugin activation latency (warm, HTTP `activate` until it answers)", "activate"),
            LatencyRow(r, "Plugin deactivation latency (warm, HTTP `deactivate` until unloaded and collected)", "deactivate"),
            CyclesRow(r),
            ValidationRow(r, "large", "Plugin package validation, 50 MB (inflate, check, CRC, extract)", target: true),
            ValidationRow(r, "tiny", "Plugin package validation, 2,000 tiny files (checked too)", target: false),
            UploadRow(r),
            UploadMemoryRow(r),
            EventsRow(r),
            BrokerDownPreviewRow(r),
            ResumeRow(r),
        };

        var text = new StringBuilder();
        text.Append("# Benchmarks\n\n");
        text.Append("Written by `./bench.sh` (do not edit by hand). Every ratio compares two things measured side by side in the\n");
        text.Append("same run on the same machine, so they are comparable across runs where absolute times are not (the machines are shared and noisy).\n\n");
        text.Append(CultureInfo.InvariantCulture, $"Run: {r.Text("run.date")}, {r.Text("run.machine")}, .NET {r.Text("run.dotnet")}, {r.Text("run.seconds")} s in total.\n\n");
        text.Append("| figure | ours | reference (same run) | ratio | target | result |\n");
        text.Append("| --- | --- | --- | --- | --- | --- |\n");
        foreach (var row in rows)
        {
            text.Append("| ").Append(string.Join(" | ", row)).Append(" |\n");
        }

        var missed = rows.Count(row => row[5].StartsWith("**missed", StringComparison.Ordinal));
        text.Append(CultureInfo.InvariantCulture, $"\n{rows.Count(row => row[5] == "met")} of {rows.Count(row => row[4].StartsWith("ratio ≤ 2 (no", StringComparison.Ordinal) is false)} targets met")
            .Append(missed > 0 ? $"; **{missed} missed**.\n" : ".\n");

        text.Append("\n## Where a preview miss goes (in process, BenchmarkDotNet medians)\n\n");
        text.Append("| step | ms |\n| --- | --- |\n");
        text.Append(CultureInfo.InvariantCulture, $"| Markdig render (the reference) | {r.Ms("miss.markdig_bdn_ms")} |\n");
        text.Append(CultureInfo.InvariantCulture, $"| the plugin's render (Markdig with its guards and renderers) | {r.Ms("miss.plugin_render_ms")} |\n");
        text.Append(CultureInfo.InvariantCulture, $"| sanitising the fragment ({r.Kb("miss.html_bytes")}) | {r.Ms("miss.sanitise_ms")} |\n");
        text.Append(CultureInfo.InvariantCulture, $"| the same with HtmlSanitizer, the sanitiser before issue 8 (same allow-list) | {r.Ms("miss.sanitise_before_ms")} |\n");
        text.Append(CultureInfo.InvariantCulture, $"| sanitising the plugin's stylesheet (remembered after the plugin's first preview) | {r.Ms("miss.sanitise_css_ms")} |\n");
        text.Append("\nThe rest of a miss is the request itself: access check, cache look-ups, the claim, storing the result, the response.\n");
        text.Append(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Findings.md")));

        text.Append(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "HowMeasured.md")));
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(outputPath))!);
        File.WriteAllText(outputPath, text.ToString());
        Console.WriteLine(text.ToString());
        return 0;
    }

    private static string[] HitRow(Figures r)
    {
        var ours = r.Number("hit.rps");
        var reference = r.Number("hit.ref_rps");
        var ratio = Ratio(ours, reference);
        return
        [
            $"Preview cache hit, 32 connections ({r.Kb("hit.bytes")} preview)",
            ours is null ? "not measured" : $"{ours:0} req/s, p99 {r.Ms("hit.p99_ms")} ms",
            reference is null ? "not measured" : $"Kestrel static file, same bytes: {reference:0} req/s, p99 {r.Ms("hit.ref_p99_ms")} ms",
            ratio is null ? "—" : $"{ratio:0.00}",
            "ratio ≥ 0.5",
            Verdict(ratio, v => v >= 0.5),
        ];
    }

    private static string[] MissRow(Figures r)
    {
        var ours = r.Number("miss.median_ms");
        var reference = r.Number("miss.ref_ms");
        double? over = ours is null || reference is null ? null : ours - reference;
        return
        [
            "Preview miss latency, 100 KB Markdown (request to last byte)",
            ours is null ? "not measured" : $"median {ours:0.0} ms (p95 {r.Ms("miss.p95_ms")} ms)",
            reference is null ? "not measured" : $"Markdig rendering the same text in process, interleaved: median {reference:0.0} ms",
            over is null ? "—" : $"reference + {over:0.0} ms",
            "≤ reference + 25 ms",
            Verdict(over, v => v <= 25),
        ];
    }

    private static string[] SingleFlightRow(Figures r)
    {
        var generations = r.Number("single.generations");
        var ok = r.Number("single.requests_ok");
        return
        [
            "100 concurrent requests for one missing preview",
            generations is null ? "not measured" : $"{generations:0} generation(s); {ok:0} of 100 answered 200 with {r.Text("single.distinct_bodies")} distinct body; slowest {r.Ms("single.slowest_ms")} ms",
            "—",
            "—",
            "exactly 1 generation",
            Verdict(generations, v => v == 1 && ok == 100),
        ];
    }

    private static string[] FloodRow(Figures r)
    {
        var busy = r.Number("flood.busy_ms");
        var idle = r.Number("flood.idle_ms");
        var ratio = Ratio(busy, idle);
        return
        [
            "A small user's preview (2 KB Markdown, a miss) while another user floods pathological files (issue 23)",
            busy is null ? "not measured" : $"median {busy:0.0} ms (p95 {r.Ms("flood.busy_p95_ms")} ms; {r.Text("flood.files")} flood files meanwhile)",
            idle is null ? "not measured" : $"the same on the idle server: median {idle:0.0} ms",
            ratio is null ? "—" : $"{ratio:0.00}×",
            "≤ 2× idle",
            Verdict(ratio, v => v <= 2),
        ];
    }

    private static string[] LatencyRow(Figures r, string figure, string command)
    {
        var median = r.Number($"plugin.{command}_median_ms");
        var p95 = r.Number($"plugin.{command}_p95_ms");
        return
        [
            figure,
            median is null ? "not measured" : $"median {median:0.0} ms, p95 {p95:0.0} ms ({r.Text("plugin.cycles")} cycles)",
            "—",
            "—",
            "< 200 ms (median and p95)",
            Verdict(median, v => v < 200 && p95 < 200),
        ];
    }

    private static string[] CyclesRow(Figures r)
    {
        var before = r.Number("cycles.managed_before_mb");
        var after = r.Number("cycles.managed_after_mb");
        var alive = r.Number("cycles.contexts_alive");
        double? growth = before is null || after is null ? null : after - before;
        return
        [
            "100 activate / render / deactivate cycles",
            growth is null ? "not measured" : $"managed memory {after:0.0} MB after: {growth:+0.0;-0.0} MB; {alive:0} plugin load contexts alive",
            before is null ? "not measured" : $"managed memory before: {before:0.0} MB",
            "—",
            "growth < 10 MB, 0 contexts alive",
            Verdict(growth, v => v < 10 && alive == 0),
        ];
    }

    private static string[] ValidationRow(Figures r, string kind, string figure, bool target)
    {
        var ours = r.Number($"validation.{kind}.ours_ms");
        var reference = r.Number($"validation.{kind}.ref_ms");
        var extract = r.Number($"validation.{kind}.unzip_extract_ms");
        var ratio = Ratio(ours, reference);
        return
        [
            figure,
            ours is null ? "not measured" : $"{ours:0} ms",
            reference is null ? "not measured" : $"`unzip -t` on the same file: {reference:0} ms (`unzip` extracting it: {extract:0} ms)",
            ratio is null ? "—" : $"{ratio:0.00}",
            target ? "ratio ≤ 2" : "ratio ≤ 2 (no target of its own)",
            target ? Verdict(ratio, v => v <= 2) : ratio is null ? "not measured" : ratio <= 2 ? "within 2" : $"over 2 (×{ratio:0.0}); see below",
        ];
    }

    private static string[] UploadRow(Figures r)
    {
        var ours = r.Number("upload.mbps");
        var reference = r.Number("upload.dd_mbps");
        var ratio = Ratio(ours, reference);
        return
        [
            $"File upload, {r.Text("upload.size_mb")} MB (curl, multipart; until the bytes are on the disk)",
            ours is null ? "not measured" : $"{ours:0} MB/s (to the 201 alone: {r.Number("upload.cache_mbps"):0} MB/s)",
            reference is null ? "not measured" : $"`dd conv=fdatasync`, same bytes, same disk: {reference:0} MB/s (without fdatasync: {r.Number("upload.dd_cache_mbps"):0} MB/s)",
            ratio is null ? "—" : $"{ratio:0.00}",
            "throughput ratio ≥ 0.5",
            Verdict(ratio, v => v >= 0.5),
        ];
    }

    private static string[] UploadMemoryRow(Figures r)
    {
        var growth = r.Number("upload.peak_growth_mb");
        return
        [
            $"Peak memory during the {r.Text("upload.size_mb")} MB upload",
            growth is null ? "not measured" : $"peak RSS {r.Number("upload.peak_mb"):0} MB: +{growth:0} MB",
            $"idle RSS before: {r.Number("upload.idle_mb"):0} MB",
            "—",
            "growth < 50 MB",
            Verdict(growth, v => v < 50),
        ];
    }

    private static string[] EventsRow(Figures r)
    {
        var p99 = r.Number("events.p99_ms");
        return
        [
            "Lifecycle event, commit (`occurredAt`) to a plain AMQP subscriber",
            p99 is null ? "not measured" : $"p99 {p99:0.0} ms, median {r.Ms("events.median_ms")} ms, max {r.Ms("events.max_ms")} ms over {r.Text("events.count")} events",
            "—",
            "—",
            "p99 < 100 ms",
            Verdict(p99, v => v < 100),
        ];
    }

    private static string[] BrokerDownPreviewRow(Figures r)
    {
        var down = r.Number("outage.preview_down_ms");
        var up = r.Number("outage.preview_up_ms");
        var ratio = Ratio(down, up);
        return
        [
            "Text preview miss with RabbitMQ cut (64 KB, built-in text preview, median of 30)",
            down is null ? "not measured" : $"{down:0.0} ms",
            up is null ? "not measured" : $"the same with the broker up: {up:0.0} ms",
            ratio is null ? "—" : $"{ratio:0.00}",
            "ratio ≤ 1.2",
            Verdict(ratio, v => v <= 1.2),
        ];
    }

    private static string[] ResumeRow(Figures r)
    {
        var seconds = r.Number("outage.resume_seconds");
        return
        [
            "Start-up to a resumed validation after a SIGKILL mid-validation (8,000-file package)",
            seconds is null ? "not measured" : $"{seconds:0.0} s (process start to the second `validation-started`)",
            "Hangfire's invisibility timeout before issue 22: 120 s",
            "—",
            "< 10 s",
            Verdict(seconds, v => v < 10),
        ];
    }

    private static double? Ratio(double? ours, double? reference) => ours is null || reference is null or 0 ? null : ours / reference;

    private static string Verdict(double? value, Func<double, bool> met) =>
        value is null ? "**missed: not measured**" : met(value.Value) ? "met" : "**missed**";

    private sealed class Figures(Dictionary<string, string> values)
    {
        public double? Number(string key) =>
            values.TryGetValue(key, out var text) && double.TryParse(text, NumberStyles.Float, Invariant, out var value) ? value : null;

        public string Text(string key) => values.TryGetValue(key, out var text) ? text : "?";

        public string Ms(string key) => Number(key) is { } value ? value.ToString(value < 10 ? "0.00" : "0.0", Invariant) : "?";

        public string Kb(string key) => Number(key) is { } value ? $"{value / 1024:0} KB" : "?";
    }
}
