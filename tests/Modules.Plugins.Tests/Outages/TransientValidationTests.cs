using System.Net;
using System.Security.Cryptography;
using CloudService.Tests.Infrastructure;
using CloudService.Tests.Plugins;
using CloudService.Tests.Plugins.Lifecycle;

namespace CloudService.Tests.Outages;

/// <summary>
/// Issue 22, items 3 and 5: a validation that failed because the server's disk was full is tried again,
/// a failed package uploaded again is validated again, and the failure names no server path.
/// </summary>
[Trait("Category", "Integration")]
public sealed class TransientValidationTests
{
    /// <summary>
    /// A valid package of about half a megabyte that extracts to 3 MB (random a's and b's compress about
    /// sevenfold, well within the ratio limit): it fits the tiny disk, its extraction does not.
    /// </summary>
    private static byte[] PackageLargerThanTheDisk(string id) =>
        TestPlugins.Package(id, "1.0.0", null, [.. Enumerable.Range(0, 3).Select(i => ($"assets/{i}.txt", RandomNumberGenerator.GetBytes(1024 * 1024).Select(b => (byte)('a' + (b & 1))).ToArray()))]);

    [Fact]
    public async Task A_validation_that_ran_out_of_disk_is_tried_again_and_ends_ready_once_there_is_space()
    {
        using var disk = TinyDisk.Mount(megabytes: 2);
        await using var environment = await TestEnvironment.CreateAsync();
        await using var app = new AppInstance(environment, settings: new Dictionary<string, string?>
        {
            ["CloudService:Plugins:Root"] = disk.Path,
            ["CloudService:Plugins:ValidationRetryDelays:0"] = "00:00:01",
            ["CloudService:Plugins:ValidationRetryDelays:1"] = "00:00:01",
            ["CloudService:Plugins:ValidationRetryDelays:2"] = "00:00:01",
            ["CloudService:Plugins:ValidationRetryDelays:3"] = "00:00:30",
        });
        using var admin = await app.AdminClientAsync();
        var id = "transient-" + Guid.NewGuid().ToString("N")[..8];

        Assert.Equal(HttpStatusCode.Accepted, (await PluginApi.UploadAsync(admin, PackageLargerThanTheDisk(id))).StatusCode);
        await app.Logs.WaitForAsync(l => l.Contains("failed for a passing reason (DiskFull)", StringComparison.Ordinal), TimeSpan.FromSeconds(60));
        Assert.Equal("validating", (await PluginApi.DetailAsync(admin, id)).GetProperty("status").GetString());
        disk.Resize(megabytes: 32);

        var detail = await PluginApi.WaitForFinalAsync(admin, id, TimeSpan.FromSeconds(90));
        Assert.Equal("ready", detail.GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_package_that_failed_for_a_full_disk_says_so_without_a_server_path_and_validates_again_when_uploaded_again()
    {
        using var disk = TinyDisk.Mount(megabytes: 2);
        await using var environment = await TestEnvironment.CreateAsync();
        await using var app = new AppInstance(environment, settings: new Dictionary<string, string?>
        {
            ["CloudService:Plugins:Root"] = disk.Path,
            ["CloudService:Plugins:ValidationRetryDelays:0"] = "00:00:01",
        });
        using var admin = await app.AdminClientAsync();
        var id = "refull-" + Guid.NewGuid().ToString("N")[..8];
        var package = PackageLargerThanTheDisk(id);

        Assert.Equal(HttpStatusCode.Accepted, (await PluginApi.UploadAsync(admin, package)).StatusCode);
        var failed = await PluginApi.WaitForFinalAsync(admin, id, TimeSpan.FromSeconds(60));

        Assert.Equal("failed", failed.GetProperty("status").GetString());
        var shown = failed.ToString() + string.Join("\n", (await PluginApi.LogAsync(admin, id)).Select(e => e.ToString()));
        Assert.Contains("disk is full", shown, StringComparison.Ordinal);
        Assert.DoesNotContain(disk.Path, shown, StringComparison.Ordinal);
        Assert.DoesNotContain(environment.DataRoot, shown, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", shown, StringComparison.Ordinal);

        disk.Resize(megabytes: 32);
        Assert.Equal(HttpStatusCode.Accepted, (await PluginApi.UploadAsync(admin, package)).StatusCode);
        var deadline = DateTime.UtcNow.AddSeconds(90);
        string? status;
        while ((status = (await PluginApi.DetailAsync(admin, id)).GetProperty("status").GetString()) != "ready")
        {
            Assert.True(DateTime.UtcNow < deadline, $"Still {status}: the second upload was not validated again.");
            await Task.Delay(100);
        }
    }
}
