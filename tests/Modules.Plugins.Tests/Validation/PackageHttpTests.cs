using System.IO.Compression;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using CloudService.Modules.Plugins;
using CloudService.Modules.Plugins.Upload;
using CloudService.Tests.Infrastructure;
using CloudService.Tests.Plugins.Lifecycle;
using Microsoft.Extensions.DependencyInjection;
using static CloudService.Tests.Plugins.Validation.CraftedZips;

namespace CloudService.Tests.Plugins.Validation;

/// <summary>Packages through the real HTTP pipeline, the Hangfire job, the event stream and the plugin folder.</summary>
[Trait("Category", "Integration")]
public sealed class PackageHttpTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private string PluginsRoot => fixture.App.Services.GetRequiredService<PluginsOptions>().Root;

    private static string NewId(string prefix) => $"{prefix}-{Guid.NewGuid().ToString("N")[..8]}";

    private static string[] Errors(JsonElement detail) => [.. detail.GetProperty("errors").EnumerateArray().Select(e => e.GetString()!)];

    private static async Task<JsonElement> UploadAndWaitAsync(HttpClient admin, byte[] package, string id)
    {
        var response = await PluginApi.UploadAsync(admin, package);
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
        return await PluginApi.WaitForFinalAsync(admin, id);
    }

    [Fact]
    public async Task A_valid_package_reaches_ready_and_is_extracted_to_id_and_version()
    {
        using var admin = await fixture.App.AdminClientAsync();
        var id = NewId("valid");

        var detail = await UploadAndWaitAsync(admin, TestPlugins.Package(id, "1.0.0", extra: ("assets/readme.txt", "hello"u8.ToArray())), id);

        Assert.Equal("ready", detail.GetProperty("status").GetString());
        Assert.Equal("ready", detail.GetProperty("progress").GetProperty("stage").GetString());
        Assert.Equal(100, detail.GetProperty("progress").GetProperty("percent").GetInt32());
        Assert.Empty(Errors(detail));
        var manifest = detail.GetProperty("manifest");
        Assert.Equal(id, manifest.GetProperty("id").GetString());
        Assert.Equal("TestPlugin.dll", manifest.GetProperty("entryAssembly").GetString());
        Assert.Equal("^1.0.0", manifest.GetProperty("sdkVersion").GetString());

        var folder = Path.Combine(PluginsRoot, id, "1.0.0");
        Assert.Equal(["TestPlugin.dll", "assets/readme.txt", "plugin.json"],
            Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(folder, f)).Order(StringComparer.Ordinal));
        Assert.Equal([folder], Directory.EnumerateFileSystemEntries(Path.Combine(PluginsRoot, id)));
    }

    [Fact]
    public async Task A_zip_slip_package_ends_failed_naming_the_entry_and_writes_nothing_outside_its_folder()
    {
        using var admin = await fixture.App.AdminClientAsync();
        var id = NewId("slip");
        var evil = $"evil-{Guid.NewGuid():N}.txt";
        var items = ValidPackage(id);
        items.Add(File($"{id}/../../../../../{evil}", "pwned"));

        var detail = await UploadAndWaitAsync(admin, Zip(items), id);

        Assert.Equal("failed", detail.GetProperty("status").GetString());
        Assert.Contains(Errors(detail), e => e.Contains($"'{id}/../../../../../{evil}'", StringComparison.Ordinal) && e.Contains("'..' segment", StringComparison.Ordinal));
        Assert.Empty(Directory.EnumerateFiles(fixture.Environment.DataRoot, evil, SearchOption.AllDirectories));
        Assert.Empty(Directory.EnumerateFiles(Path.GetTempPath(), evil, SearchOption.TopDirectoryOnly));
        Assert.False(Directory.Exists(Path.Combine(PluginsRoot, id)), "A failed package must leave no folder.");
    }

    [Fact]
    public async Task A_zip_bomb_ends_failed_naming_the_entry()
    {
        using var admin = await fixture.App.AdminClientAsync();
        var id = NewId("bomb");
        var items = ValidPackage(id);
        items.Add(new Item($"{id}/assets/bomb.bin", new byte[90 * 1024 * 1024], Level: CompressionLevel.SmallestSize));
        var package = Zip(items);
        Assert.True(package.Length < 200 * 1024, "A zip bomb is small.");

        var detail = await UploadAndWaitAsync(admin, package, id);

        Assert.Equal("failed", detail.GetProperty("status").GetString());
        Assert.Contains(Errors(detail), e => e.Contains($"'{id}/assets/bomb.bin' is a zip bomb", StringComparison.Ordinal));
        Assert.False(Directory.Exists(Path.Combine(PluginsRoot, id)));
        var summary = (await admin.GetFromJsonAsync<JsonElement[]>("/api/admin/plugins"))!.Single(p => p.GetProperty("pluginId").GetString() == id);
        Assert.Contains("zip bomb", summary.GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_package_with_several_problems_fails_with_each_reason_in_the_detail()
    {
        using var admin = await fixture.App.AdminClientAsync();
        var id = NewId("many");
        var package = Zip(ValidPackage(id, source: TestPlugins.NoPluginSource, manifest: m => { m["author"] = null; m["sdkVersion"] = "^2.0.0"; }));

        var detail = await UploadAndWaitAsync(admin, package, id);

        Assert.Equal("failed", detail.GetProperty("status").GetString());
        var errors = Errors(detail);
        Assert.Contains(errors, e => e.Contains("lacks the required field 'author'", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("sdkVersion '^2.0.0' does not include", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains($"'{id}/TestPlugin.dll' has no public, non-abstract class implementing", StringComparison.Ordinal));
        Assert.Equal(id, detail.GetProperty("manifest").GetProperty("id").GetString());
        Assert.Equal("^2.0.0", detail.GetProperty("manifest").GetProperty("sdkVersion").GetString());
    }

    [Fact]
    public async Task The_audit_log_shows_every_step_with_user_and_time()
    {
        using var admin = await fixture.App.AdminClientAsync();
        var started = DateTimeOffset.UtcNow.AddSeconds(-5);
        var good = NewId("log");
        var bad = NewId("log-bad");
        await UploadAndWaitAsync(admin, TestPlugins.Package(good, "1.0.0"), good);
        await UploadAndWaitAsync(admin, Zip(ValidPackage(bad, source: TestPlugins.NoPluginSource)), bad);

        var goodLog = await PluginApi.LogAsync(admin, good);
        var badLog = await PluginApi.LogAsync(admin, bad);

        Assert.Equal(["uploaded", "validation-started", "validated"], goodLog.Select(e => e.GetProperty("type").GetString()));
        Assert.Equal(["uploaded", "validation-started", "validation-failed"], badLog.Select(e => e.GetProperty("type").GetString()));
        foreach (var entry in goodLog.Concat(badLog))
        {
            Assert.Equal("admin", entry.GetProperty("by").GetString());
            Assert.Equal("1.0.0", entry.GetProperty("version").GetString());
            Assert.InRange(entry.GetProperty("at").GetDateTimeOffset(), started, DateTimeOffset.UtcNow.AddSeconds(5));
            Assert.False(string.IsNullOrWhiteSpace(entry.GetProperty("detail").GetString()));
        }

        Assert.Contains("TestPlugin.dll", goodLog[2].GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Contains($"'{bad}/TestPlugin.dll'", badLog[2].GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_higher_version_adds_a_version_beside_the_first()
    {
        using var admin = await fixture.App.AdminClientAsync();
        var id = NewId("versions");
        await UploadAndWaitAsync(admin, TestPlugins.Package(id, "1.0.0"), id);

        var detail = await UploadAndWaitAsync(admin, TestPlugins.Package(id, "1.1.0"), id);

        Assert.Equal("1.1.0", detail.GetProperty("version").GetString());
        Assert.Equal(["1.0.0", "1.1.0"], detail.GetProperty("versions").EnumerateArray()
            .Where(v => v.GetProperty("status").GetString() == "ready").Select(v => v.GetProperty("version").GetString()).Order(StringComparer.Ordinal));
        Assert.True(System.IO.File.Exists(Path.Combine(PluginsRoot, id, "1.0.0", "TestPlugin.dll")));
        Assert.True(System.IO.File.Exists(Path.Combine(PluginsRoot, id, "1.1.0", "TestPlugin.dll")));
    }

    [Fact]
    public async Task The_same_id_and_version_with_other_content_is_refused_and_the_first_stays()
    {
        using var admin = await fixture.App.AdminClientAsync();
        var id = NewId("same");
        var first = TestPlugins.Package(id, "1.0.0");
        await UploadAndWaitAsync(admin, first, id);

        var again = await PluginApi.UploadAsync(admin, first);
        var other = await PluginApi.UploadAsync(admin, TestPlugins.Package(id, "1.0.0", extra: ("changed.txt", "different"u8.ToArray())));

        Assert.Equal(HttpStatusCode.Accepted, again.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, other.StatusCode);
        Assert.Equal("application/problem+json", other.Content.Headers.ContentType?.MediaType);
        Assert.Contains("uploaded before with different content", await other.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.False(System.IO.File.Exists(Path.Combine(PluginsRoot, id, "1.0.0", "changed.txt")));
        Assert.Single(await PluginApi.LogAsync(admin, id), e => e.GetProperty("type").GetString() == "validated");
    }

    [Fact]
    public async Task Concurrent_uploads_of_one_version_with_different_content_keep_the_winners_package()
    {
        using var admin = await fixture.App.AdminClientAsync();
        var id = NewId("race");
        var packages = Enumerable.Range(0, 8)
            .Select(i => Zip(ValidPackage(id).Append(File($"{id}/variant-{i}.txt", $"variant {i}"))))
            .ToArray();

        var responses = await Task.WhenAll(packages.Select(p => PluginApi.UploadAsync(admin, p)));

        var winners = Enumerable.Range(0, packages.Length).Where(i => responses[i].StatusCode == HttpStatusCode.Accepted).ToList();
        Assert.Single(winners);
        Assert.All(responses.Where(r => r.StatusCode != HttpStatusCode.Accepted), r => Assert.Equal(HttpStatusCode.Conflict, r.StatusCode));
        var winner = packages[winners[0]];
        var detail = await PluginApi.WaitForFinalAsync(admin, id);
        Assert.Equal("ready", detail.GetProperty("status").GetString());
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(winner)), detail.GetProperty("versions")[0].GetProperty("sha256").GetString());
        var store = fixture.App.Services.GetRequiredService<PackageStore>();
        var stored = Path.Combine(fixture.Environment.DataRoot, $"stored-{Guid.NewGuid():N}.zip");
        Assert.True(await store.CopyToFileAsync(id, "1.0.0", stored, CancellationToken.None));
        Assert.Equal(winner, await System.IO.File.ReadAllBytesAsync(stored));
        Assert.True(System.IO.File.Exists(Path.Combine(PluginsRoot, id, "1.0.0", $"variant-{winners[0]}.txt")), "The extracted package is not the one accepted.");
    }

    [Theory]
    [InlineData("Not_A_Slug", "1.0.0", "is not a lower-case slug")]
    [InlineData("fine-id", "one", "is not a SemVer version")]
    public async Task A_manifest_without_a_usable_id_or_version_is_refused_at_upload(string id, string version, string reason)
    {
        using var admin = await fixture.App.AdminClientAsync();

        var response = await PluginApi.UploadAsync(admin, Zip(File("p/plugin.json", TestPlugins.Manifest(id, version))));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains(reason, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_body_that_is_random_bytes_is_400_not_500()
    {
        using var admin = await fixture.App.AdminClientAsync();

        var response = await PluginApi.UploadAsync(admin, RandomNumberGenerator.GetBytes(4096), "random.zip");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("not a ZIP archive", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Deleting_a_plugin_removes_its_folders_and_its_stored_packages_but_keeps_the_log()
    {
        using var admin = await fixture.App.AdminClientAsync();
        var id = NewId("delete");
        await UploadAndWaitAsync(admin, TestPlugins.Package(id, "1.0.0"), id);
        await UploadAndWaitAsync(admin, TestPlugins.Package(id, "1.1.0"), id);
        Assert.True(Directory.Exists(Path.Combine(PluginsRoot, id, "1.1.0")));

        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"/api/admin/plugins/{id}")).StatusCode);

        Assert.False(Directory.Exists(Path.Combine(PluginsRoot, id)));
        var store = fixture.App.Services.GetRequiredService<PackageStore>();
        var probe = Path.Combine(fixture.Environment.DataRoot, $"probe-{Guid.NewGuid():N}.zip");
        Assert.False(await store.CopyToFileAsync(id, "1.0.0", probe, CancellationToken.None));
        Assert.False(await store.CopyToFileAsync(id, "1.1.0", probe, CancellationToken.None));
        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync($"/api/admin/plugins/{id}")).StatusCode);
        Assert.Equal("uninstalled", (await PluginApi.LogAsync(admin, id))[^1].GetProperty("type").GetString());
    }

    [Fact]
    public async Task The_progress_stream_pushes_stages_until_the_final_state()
    {
        using var admin = await fixture.App.AdminClientAsync();
        var id = NewId("sse");
        var items = ValidPackage(id);
        items.AddRange(Enumerable.Range(0, 10).Select(i => File($"{id}/assets/{i}.bin", RandomNumberGenerator.GetBytes(1024 * 1024))));
        Assert.Equal(HttpStatusCode.Accepted, (await PluginApi.UploadAsync(admin, Zip(items))).StatusCode);

        using var response = await admin.SendAsync(new HttpRequestMessage(HttpMethod.Get, $"/api/admin/plugins/{id}/progress"), HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var events = new List<(string Event, JsonElement Data)>();
        using (var reader = new StreamReader(await response.Content.ReadAsStreamAsync()))
        {
            string? name = null;
            while (await reader.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60)) is { } line)
            {
                if (line.StartsWith("event: ", StringComparison.Ordinal))
                {
                    name = line[7..];
                }
                else if (line.StartsWith("data: ", StringComparison.Ordinal))
                {
                    events.Add((name!, JsonDocument.Parse(line[6..]).RootElement.Clone()));
                }
            }
        }

        Assert.Equal("done", events[^1].Event);
        Assert.Equal("ready", events[^1].Data.GetProperty("status").GetString());
        Assert.Equal(100, events[^1].Data.GetProperty("progress").GetProperty("percent").GetInt32());
        var percents = events.Where(e => e.Event == "progress").Select(e => e.Data.GetProperty("progress").GetProperty("percent").GetInt32()).ToList();
        Assert.NotEmpty(percents);
        Assert.Equal(percents.Order(), percents);
    }
}
