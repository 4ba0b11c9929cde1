using System.Globalization;
using System.Net;
using CloudService.Tests.Infrastructure;
using CloudService.Tests.Preview;
using CloudService.Tests.Storage;

namespace CloudService.Tests.Outages;

/// <summary>Issue 22, item 1: a preview never depends on the broker (API.md "Outages and retries").</summary>
[Trait("Category", "Integration")]
public sealed class PreviewsWithoutBrokerTests
{
    [Fact]
    public async Task Every_text_preview_is_served_while_the_broker_is_cut_not_just_the_first_two()
    {
        await using var environment = await TestEnvironment.CreateAsync();
        await using var proxy = new CuttableTcpProxy(environment.RabbitMq.Host, environment.RabbitMq.Port);
        var settings = PreviewTesting.Settings(environment);
        settings["RabbitMq:Host"] = "127.0.0.1";
        settings["RabbitMq:Port"] = proxy.Port.ToString(CultureInfo.InvariantCulture);
        // Two render slots, as on the two-core machine of the report: the third preview used to find both
        // held by renders waiting to announce their result on the bus.
        settings["CloudService:Preview:RenderConcurrency"] = "2";
        settings["CloudService:Preview:PregenerateOnUpload"] = "false";
        await using var app = new AppInstance(environment, settings: settings);
        using var user = await app.NewUserClientAsync();
        var warm = await FilesApi.UploadOkAsync(user, FilesApi.Utf8("before the outage"), "warm.txt");
        Assert.Equal(HttpStatusCode.OK, (await PreviewTesting.WaitForPreviewAsync(user, warm.Id())).StatusCode);

        proxy.Cut();
        for (var i = 0; i < 6; i++)
        {
            var file = await FilesApi.UploadOkAsync(user, FilesApi.Utf8($"written while the broker is away, number {i}"), $"during-{i}.txt");
            var preview = await PreviewTesting.GetPreviewAsync(user, file.Id(), waitMs: 20_000);

            Assert.True(preview.StatusCode == HttpStatusCode.OK, $"preview {i}: {(int)preview.StatusCode} {await preview.Content.ReadAsStringAsync()}");
            Assert.Contains($"number {i}", await preview.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task With_every_render_slot_busy_and_the_broker_cut_a_preview_waits_for_a_slot_here_instead_of_failing()
    {
        await using var environment = await TestEnvironment.CreateAsync();
        await using var proxy = new CuttableTcpProxy(environment.RabbitMq.Host, environment.RabbitMq.Port);
        var settings = PreviewTesting.Settings(environment);
        settings["RabbitMq:Host"] = "127.0.0.1";
        settings["RabbitMq:Port"] = proxy.Port.ToString(CultureInfo.InvariantCulture);
        settings["CloudService:Preview:RenderConcurrency"] = "1";
        settings["CloudService:Preview:PregenerateOnUpload"] = "false";
        await using var app = new AppInstance(environment, settings: settings);
        using var user = await app.NewUserClientAsync();
        var files = new List<Guid>();
        for (var i = 0; i < 4; i++)
        {
            files.Add((await FilesApi.UploadOkAsync(user, FilesApi.Utf8($"burst file {i}"), $"burst-{i}.txt")).Id());
        }

        proxy.Cut();
        var previews = await Task.WhenAll(files.Select(id => PreviewTesting.GetPreviewAsync(user, id, waitMs: 20_000)));

        Assert.All(previews, p => Assert.Equal(HttpStatusCode.OK, p.StatusCode));
    }
}
