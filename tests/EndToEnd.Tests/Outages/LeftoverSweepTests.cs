using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using CloudService.Tests.Infrastructure;
using CloudService.Tests.Storage;

namespace CloudService.Tests.Outages;

/// <summary>Issue 22, item 2: what a killed server was receiving is removed at the next start, and only that.</summary>
[Trait("Category", "Integration")]
public sealed class LeftoverSweepTests
{
    private static readonly Dictionary<string, string?> QuickSweep = new()
    {
        ["CloudService:Staging:MinAge"] = "00:00:00.200",
    };

    [Fact]
    public async Task Uploads_and_packages_a_killed_server_was_receiving_are_removed_when_it_starts_again()
    {
        await using var environment = await TestEnvironment.CreateAsync();
        var dataRoot = Path.Combine(environment.DataRoot, "killed");
        var blobStaging = Path.Combine(dataRoot, "blobs", ".incoming");
        var packageStaging = Path.Combine(dataRoot, "plugins", ".incoming");
        var first = await AppProcess.StartAsync(environment, dataRoot, QuickSweep);
        await using (first)
        {
            using var admin = await first.AdminClientAsync();
            var file = new GatedStream(FilesApi.RandomBytes(4 << 20, seed: 1), before: 2 << 20);
            var package = new GatedStream(FilesApi.RandomBytes(4 << 20, seed: 2), before: 2 << 20);
            _ = admin.PostAsync("api/files", Multipart("file", "held.bin", file));
            _ = admin.PostAsync("api/admin/plugins", Multipart("package", "held.zip", package));
            await WaitUntilAsync(() => Staged(blobStaging).Length == 1 && Staged(packageStaging).Length == 1, "both uploads to be staged");

            first.Kill();
        }

        Assert.Single(Staged(blobStaging));
        Assert.Single(Staged(packageStaging));

        await using var second = await AppProcess.StartAsync(environment, dataRoot, QuickSweep);
        await WaitUntilAsync(() => Staged(blobStaging).Length == 0 && Staged(packageStaging).Length == 0, "the leftovers to be removed");
    }

    [Fact]
    public async Task An_upload_held_open_by_a_live_instance_survives_the_sweeps_of_an_instance_sharing_its_root()
    {
        await using var environment = await TestEnvironment.CreateAsync();
        var blobRoot = Path.Combine(environment.DataRoot, "shared-blobs");
        var shared = new Dictionary<string, string?>(QuickSweep)
        {
            ["CloudService:Storage:BlobRoot"] = blobRoot,
            ["CloudService:Staging:SweepInterval"] = "00:00:00.200",
        };
        await using var uploader = new AppInstance(environment, "uploader", shared);
        await using var sweeper = new AppInstance(environment, "sweeper", shared);
        _ = sweeper.Server;
        using var user = await uploader.NewUserClientAsync();
        var bytes = FilesApi.RandomBytes(3 << 20, seed: 3);
        var body = new GatedStream(bytes, before: 1 << 20);
        var upload = user.PostAsync("/api/files", Multipart("file", "slow.bin", body));
        var staging = Path.Combine(blobRoot, ".incoming");
        await WaitUntilAsync(() => Staged(staging).Length == 1, "the upload to be staged");

        // A leftover of a dead process beside it: once it is gone, the sweeps have looked at the live one too.
        var leftover = Path.Combine(staging, "upload-leftover.tmp");
        await File.WriteAllBytesAsync(leftover, [1, 2, 3]);
        File.SetLastWriteTimeUtc(leftover, DateTime.UtcNow.AddHours(-1));
        await WaitUntilAsync(() => !File.Exists(leftover), "a sweep to remove the dead upload");

        body.Open();
        var response = await upload;
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var id = (await response.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>()).Id();
        Assert.Equal(bytes, await user.GetByteArrayAsync($"/api/files/{id}/content"));
    }

    private static MultipartFormDataContent Multipart(string field, string fileName, Stream body)
    {
        var content = new StreamContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        return new MultipartFormDataContent { { content, field, fileName } };
    }

    private static string[] Staged(string directory) =>
        Directory.Exists(directory) ? Directory.GetFiles(directory) : [];

    private static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"Waited in vain for {what}.");
            await Task.Delay(50);
        }
    }
}
