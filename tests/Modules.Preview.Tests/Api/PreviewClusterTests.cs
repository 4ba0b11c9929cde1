using System.Net;
using CloudService.Tests.Infrastructure;
using CloudService.Tests.Storage;

namespace CloudService.Tests.Preview.Api;

/// <summary>Two instances of the app on one database and broker, as behind a load balancer.</summary>
[Trait("Category", "Integration")]
public sealed class PreviewClusterTests : IAsyncLifetime
{
    private readonly TestEnvironment environment = new();

    private AppInstance A { get; set; } = null!;

    private AppInstance B { get; set; } = null!;

    public async Task InitializeAsync()
    {
        await environment.InitializeAsync();
        A = new AppInstance(environment, "a", PreviewTesting.Settings(environment));
        B = new AppInstance(environment, "b", PreviewTesting.Settings(environment));
        _ = A.Server;
        _ = B.Server;
    }

    public async Task DisposeAsync()
    {
        await A.DisposeAsync();
        await B.DisposeAsync();
        await environment.DisposeAsync();
    }

    [Fact]
    public async Task A_hundred_concurrent_requests_spread_over_two_instances_cause_one_generation()
    {
        await using var generated = await AmqpSubscriber.StartAsync(environment, PreviewTesting.GeneratedExchange);
        using var onA = await A.NewUserClientAsync("crowd-" + Guid.NewGuid().ToString("N")[..6]);
        var userName = "crowd-" + Guid.NewGuid().ToString("N")[..6];
        using var alsoOnA = await A.NewUserClientAsync(userName);
        using var onB = await B.ClientForAsync(userName, "password-123");
        var bytes = FilesApi.Utf8($"cluster {Guid.NewGuid()}\n");
        var file = await FilesApi.UploadOkAsync(alsoOnA, bytes, "cluster.txt");

        var responses = await Task.WhenAll(Enumerable.Range(0, 100).Select(i =>
            PreviewTesting.GetPreviewAsync(i % 2 == 0 ? alsoOnA : onB, file.Id(), waitMs: 20_000)));
        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Assert.Contains(responses.Where((_, i) => i % 2 == 1), r => r.Header("X-Preview-Cache") == "miss");

        var sha = FilesApi.Sha256Hex(bytes);
        await generated.WaitForAsync(_ => generated.CountFor(PreviewTesting.GeneratedExchange, sha) >= 1, TimeSpan.FromSeconds(10));
        await Task.Delay(500);
        Assert.Equal(1, generated.CountFor(PreviewTesting.GeneratedExchange, sha));
        Assert.Equal(1, await PreviewTesting.GenerationsAsync(environment, sha, "builtin-text"));
        Assert.Equal(HttpStatusCode.NotFound, (await PreviewTesting.GetPreviewAsync(onA, file.Id())).StatusCode);
    }
}
